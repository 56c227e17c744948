//! Files at rest: what the server keeps on disk (the SQLite database with its WAL and SHM, the
//! server key, `demo.json`) is readable by the server's user only (0600), in a data directory
//! created 0700. Files that already exist with wider modes are tightened at start-up (and
//! logged); an existing data directory is left as it is, with a warning when others can enter it.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// The mode of every file the server writes.
pub const FILE_MODE: u32 = 0o600;
/// The mode of a data directory the server creates.
pub const DIR_MODE: u32 = 0o700;

/// Creates `dir` (and missing parents) 0700; warns when an existing one is open to others.
pub fn data_dir(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir)?.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                tracing::warn!(
                    path = %dir.display(),
                    mode = format!("{mode:o}"),
                    "the data directory is open to other users; `chmod 700` it (the files in it are 0600)"
                );
            }
        }
        return Ok(());
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(DIR_MODE);
    }
    b.create(dir).with_context(|| format!("creating {}", dir.display()))
}

/// Makes an existing file 0600 if its mode is wider (a file from an older release, or copied in).
pub fn tighten(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let Ok(meta) = std::fs::metadata(path) else {
            return Ok(()); // not there (yet)
        };
        let mode = meta.permissions().mode() & 0o777;
        if meta.is_file() && mode & !FILE_MODE != 0 {
            // Best effort: a file the server's user does not own (e.g. a key file an operator
            // shares with a group on purpose) is used as it is, with a warning.
            match std::fs::set_permissions(path, std::fs::Permissions::from_mode(FILE_MODE)) {
                Ok(()) => tracing::warn!(path = %path.display(), was = format!("{mode:o}"), "tightened a file to 0600"),
                Err(e) => tracing::warn!(
                    path = %path.display(),
                    mode = format!("{mode:o}"),
                    error = %e,
                    "a file holding secrets is readable by others and cannot be made 0600"
                ),
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Creates `path` 0600 for writing; fails if it exists. The mode holds from the first byte.
pub fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(FILE_MODE);
    }
    o.open(path)
}

/// The database file a `sqlite:` URL names (none for in-memory databases or other backends).
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && !path.contains(":memory:") && !url.contains("mode=memory")).then(|| PathBuf::from(path))
}

/// Before SQLite opens the database: creates an empty database file 0600 if there is none
/// (SQLite gives its WAL and SHM files the database file's mode), and tightens an existing
/// database, WAL and SHM.
pub fn private_sqlite(url: &str) -> Result<()> {
    let Some(db) = sqlite_path(url) else {
        return Ok(());
    };
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
        data_dir(dir)?;
    }
    if !db.exists() {
        create_private(&db).with_context(|| format!("creating {}", db.display()))?;
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut p = db.clone().into_os_string();
        p.push(suffix);
        tighten(Path::new(&p))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_database_file_of_a_sqlite_url() {
        assert_eq!(
            sqlite_path("sqlite:///tmp/x/trestle.db"),
            Some("/tmp/x/trestle.db".into())
        );
        assert_eq!(sqlite_path("sqlite://data/t.db?mode=rwc"), Some("data/t.db".into()));
        assert_eq!(sqlite_path("sqlite:t.db"), Some("t.db".into()));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://u@h/db"), None);
    }

    #[cfg(unix)]
    #[test]
    fn creates_private_and_tightens_existing_files() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("a/b");
        data_dir(&data).unwrap();
        assert_eq!(mode(&data), DIR_MODE);
        let db = data.join("t.db");
        std::fs::write(data.join("t.db-wal"), b"").unwrap();
        std::fs::set_permissions(data.join("t.db-wal"), std::fs::Permissions::from_mode(0o644)).unwrap();
        private_sqlite(&format!("sqlite://{}", db.display())).unwrap();
        assert_eq!(mode(&db), FILE_MODE);
        assert_eq!(mode(&data.join("t.db-wal")), FILE_MODE);
        let f = data.join("demo.json");
        drop(create_private(&f).unwrap());
        assert_eq!(mode(&f), FILE_MODE);
    }
}
