//! The server master key: from `TRESTLE_SECRET_KEY` (64 hex characters) or a key file, created
//! on first start. Every node of one deployment must use the same key.

use anyhow::{bail, Context, Result};
use std::path::Path;

pub fn load_or_create(env_value: Option<&str>, file: &Path) -> Result<Vec<u8>> {
    if let Some(v) = env_value {
        return parse(v).context("TRESTLE_SECRET_KEY");
    }
    if file.exists() {
        crate::files::tighten(file)?;
        let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        return parse(text.trim()).with_context(|| format!("key file {}", file.display()));
    }
    if let Some(dir) = file.parent() {
        crate::files::data_dir(dir)?;
    }
    let key = trestle_core::secrets::random_hex_256();
    write_private(file, &key).with_context(|| format!("writing {}", file.display()))?;
    tracing::info!(path = %file.display(), "created a new server key");
    parse(&key)
}

fn parse(v: &str) -> Result<Vec<u8>> {
    if v.len() != 64 || !v.chars().all(|c| c.is_ascii_hexdigit()) {
        bail!("the server key must be 64 hexadecimal characters (32 bytes)");
    }
    Ok((0..32)
        .map(|i| u8::from_str_radix(&v[2 * i..2 * i + 2], 16).expect("hex checked"))
        .collect())
}

fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = crate::files::create_private(path)?;
    f.write_all(content.as_bytes())?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_then_reuses_a_key_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sub/secret.key");
        let a = load_or_create(None, &file).unwrap();
        let b = load_or_create(None, &file).unwrap();
        assert_eq!(a.len(), 32);
        assert_eq!(a, b);
        assert!(load_or_create(Some("zz"), &file).is_err());
        assert_eq!(load_or_create(Some(&"ab".repeat(32)), &file).unwrap(), vec![0xab; 32]);
    }
}
