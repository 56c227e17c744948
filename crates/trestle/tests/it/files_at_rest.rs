//! Files at rest: `trestle up` creates its data directory 0700 and the SQLite database, its WAL
//! and SHM, the server key and demo.json 0600 — whatever the umask — and tightens them again
//! when they were loosened before a restart.

use crate::support::*;
use crate::up::{read_until, KillOnDrop};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

on_both_backends!(the_data_directory_and_its_files_are_private);

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o777
}

/// Starts `trestle up` on `data` and waits until it serves.
async fn up(data: &Path, database_url: Option<&str>) -> KillOnDrop {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_trestle"));
    cmd.args(["up", "--port", "0", "--data-dir"]).arg(data);
    if let Some(url) = database_url {
        cmd.args(["--database-url", url]);
    }
    let mut child = KillOnDrop(cmd.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap());
    let lines = read_until(child.0.stdout.take().unwrap(), |l| l.contains("TOKEN=$(curl")).await;
    let text = lines.join("\n");
    let base = text
        .lines()
        .find_map(|l| l.strip_prefix("Trestle is running at "))
        .unwrap_or_else(|| panic!("trestle up did not start: {text}"))
        .trim()
        .to_string();
    // it answers (and has written everything it writes at start-up)
    let res = reqwest::get(format!("{base}/health/ready")).await.unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    child
}

async fn the_data_directory_and_its_files_are_private(app: TestApp) {
    let sqlite = app.db_url.starts_with("sqlite:");
    let pg_url = (!sqlite).then(|| app.db_url.clone());
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let mut files = vec!["secret.key", "demo.json"];
    if sqlite {
        files.extend(["trestle.db", "trestle.db-wal", "trestle.db-shm"]);
    }

    let server = up(&data, pg_url.as_deref()).await;
    assert_eq!(mode(&data), 0o700, "the data directory is created 0700");
    for f in &files {
        assert_eq!(mode(&data.join(f)), 0o600, "{f} is created 0600");
    }
    if !sqlite {
        assert!(!data.join("trestle.db").exists(), "no SQLite file beside PostgreSQL");
    }
    drop(server);

    // loosened while the server was down (e.g. restored from a backup): tightened on start
    for f in &files {
        let p = data.join(f);
        if p.exists() {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
    let _server = up(&data, pg_url.as_deref()).await;
    for f in &files {
        assert_eq!(mode(&data.join(f)), 0o600, "{f} is tightened to 0600 on start");
    }
    assert!(!data.join("demo.json.tmp").exists());
}
