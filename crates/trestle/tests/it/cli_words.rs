//! The binary speaks plainly: a refused command prints one `error:` chain and never a
//! backtrace (whatever `RUST_BACKTRACE` says), `operator-token` never creates a database where
//! there is none, and logs carry no colour codes when they do not go to a terminal.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn trestle() -> Command {
    Command::new(env!("CARGO_BIN_EXE_trestle"))
}

#[test]
fn a_refused_command_prints_no_backtrace() {
    for backtrace in ["1", "full"] {
        let out = trestle()
            .args(["apps", "list", "--url", "http://127.0.0.1:1", "--token", "trs_x"])
            .env("RUST_BACKTRACE", backtrace)
            .env("RUST_LIB_BACKTRACE", backtrace)
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.starts_with("error: calling http://127.0.0.1:1/api/v1/apps"),
            "{err}"
        );
        assert!(!err.to_lowercase().contains("backtrace"), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    }
}

#[test]
fn operator_token_refuses_a_data_dir_without_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("typo");
    let out = trestle()
        .args(["operator-token", "--data-dir"])
        .arg(&missing)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no database at"), "{err}");
    assert!(out.stdout.is_empty(), "no token printed");
    assert!(!missing.exists(), "nothing created at {}", missing.display());

    // With a database it mints a token.
    let made = trestle()
        .args(["migrate", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let out = trestle()
        .args(["operator-token", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("trs_"));
}

#[test]
fn logs_off_a_terminal_carry_no_colour_codes() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = trestle()
        .args(["serve", "--port", "0", "--data-dir"])
        .arg(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = Vec::new();
    for line in BufReader::new(child.stderr.take().unwrap()).lines() {
        let line = line.unwrap();
        let done = line.contains("trestle listening");
        lines.push(line);
        if done {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let text = lines.join("\n");
    assert!(text.contains("trestle listening"), "{text}");
    assert!(!text.contains('\u{1b}'), "colour codes in a piped log: {text:?}");
}
