//! The README runs as written: every ```sh block (except those marked
//! `<!-- not run by the README test: why -->`) is run in order, in one shell, against a fresh
//! `trestle up` in an empty directory — on SQLite and on PostgreSQL. A refused call (a failing
//! `curl`, a CLI command that exits non-zero, an unset variable) fails the test.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use trestle_store::testing::{Backend, TestDb};

const SKIP: &str = "<!-- not run by the README test:";

/// The runnable shell blocks of a Markdown text, in order.
fn shell_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut lines = markdown.lines();
    let mut previous = "";
    while let Some(line) = lines.next() {
        if line.trim() == "```sh" {
            let body: Vec<&str> = lines.by_ref().take_while(|l| l.trim() != "```").collect();
            if !previous.trim_start().starts_with(SKIP) {
                blocks.push(body.join("\n"));
            }
        }
        if !line.trim().is_empty() {
            previous = line;
        }
    }
    blocks
}

#[test]
fn shell_blocks_skip_only_the_marked_ones() {
    let md = "a\n```sh\none\n```\n<!-- not run by the README test: x -->\n\n```sh\ntwo\n```\n```json\n{}\n```\n```sh\nthree\nfour\n```\n";
    assert_eq!(shell_blocks(md), vec!["one".to_string(), "three\nfour".to_string()]);
}

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn readme() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    std::fs::read_to_string(path).expect("README.md")
}

async fn run_readme(backend: Backend) {
    assert!(
        Command::new("jq")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success()),
        "the README's examples use jq (apt-get install jq)"
    );
    let blocks = shell_blocks(&readme());
    assert!(blocks.len() >= 2, "the README has its runnable examples");
    for b in &blocks {
        assert!(
            !b.contains(":8080"),
            "a runnable README example names port 8080 instead of reading data/demo.json:\n{b}"
        );
    }

    let db = TestDb::new(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_trestle"));
    let mut up = Command::new(bin);
    up.current_dir(dir.path()).args(["up", "--port", "0"]);
    if backend == Backend::Postgres {
        up.args(["--database-url", &db.url]);
    }
    let mut server = KillOnDrop(up.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap());
    // `up` prints its instructions once the demo is seeded and demo.json written.
    let stdout = server.0.stdout.take().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut tx = Some(tx);
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if line.starts_with("Trestle is running at") {
                if let Some(tx) = tx.take() {
                    let _ = tx.send(());
                }
            }
        }
    });
    tokio::time::timeout(std::time::Duration::from_secs(60), rx)
        .await
        .expect("trestle up started")
        .expect("trestle up printed its instructions");

    let script = format!(
        "set -euo pipefail\n\
         export PATH={bin_dir}:$PATH\n\
         curl() {{ command curl --fail-with-body --max-time 20 \"$@\"; }}\n\
         set -x\n{body}\n",
        bin_dir = bin.parent().unwrap().display(),
        body = blocks.join("\n"),
    );
    let out = tokio::task::spawn_blocking({
        let dir = dir.path().to_path_buf();
        move || {
            Command::new("bash")
                .arg("-c")
                .arg(script)
                .current_dir(dir)
                .env_remove("TRESTLE_TOKEN")
                .env_remove("TRESTLE_URL")
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "the README's examples failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    drop(server);
    db.cleanup().await;
}

#[tokio::test]
async fn the_readme_runs_as_written_on_sqlite() {
    run_readme(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_readme_runs_as_written_on_postgres() {
    run_readme(Backend::Postgres).await;
}
