//! The README's first command: `trestle up` on a fresh data directory.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};

/// Kills the server when the test ends, even on failure.
pub(crate) struct KillOnDrop(pub(crate) Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Reads stdout up to the line `stop` matches (returning the lines so far), and keeps draining
/// the rest in the background so the server never writes into a closed pipe.
pub(crate) async fn read_until(stdout: ChildStdout, stop: fn(&str) -> bool) -> Vec<String> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut lines = vec![];
        let mut tx = Some(tx);
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let done = stop(&line);
            lines.push(line);
            if done {
                if let Some(tx) = tx.take() {
                    let _ = tx.send(std::mem::take(&mut lines));
                }
            }
        }
        if let Some(tx) = tx.take() {
            let _ = tx.send(lines);
        }
    });
    rx.await.unwrap()
}

#[tokio::test]
async fn up_seeds_demo_data_and_prints_a_working_token_command() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_trestle"))
            .args(["up", "--port", "0", "--data-dir"])
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    // the instructions, up to the one-liner
    let lines = read_until(child.0.stdout.take().unwrap(), |l| l.contains("TOKEN=$(curl")).await;
    let text = lines.join("\n");
    let base = text
        .lines()
        .find_map(|l| l.strip_prefix("Trestle is running at "))
        .expect(&text)
        .trim()
        .to_string();
    let demo: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("demo.json")).unwrap()).unwrap();
    assert_eq!(demo["base_url"], base.as_str());
    assert!(
        text.contains(demo["client_secret"].as_str().unwrap()),
        "the printed curl carries the demo secret"
    );
    assert_eq!(demo["app_version_id"].as_str().unwrap().len(), 36);
    assert!(demo["developer_api_token"].as_str().unwrap().starts_with("trs_"));
    let companies = demo["companies"].as_array().unwrap();
    assert_eq!(companies.len(), 2);

    // exactly what a newcomer does: get a token, list companies and projects
    let http = reqwest::Client::new();
    let token: serde_json::Value = http
        .post(format!("{base}/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", demo["client_id"].as_str().unwrap()),
            ("client_secret", demo["client_secret"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap();
    let listed: serde_json::Value = http
        .get(format!("{base}/rest/v1.0/companies"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let listed_ids: Vec<i64> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    let demo_ids: Vec<i64> = companies.iter().map(|c| c["id"].as_i64().unwrap()).collect();
    assert_eq!(listed_ids, demo_ids);
    for c in companies {
        let projects: serde_json::Value = http
            .get(format!("{base}/rest/v1.0/projects?company_id={}", c["id"]))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let got: Vec<i64> = projects
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_i64().unwrap())
            .collect();
        let want: Vec<i64> = c["permitted_project_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        assert_eq!(got, want);
        assert!(
            want.len() < c["all_project_ids"].as_array().unwrap().len(),
            "some projects are not permitted"
        );
    }
    // the world as seeded is kept: what a reset returns to
    let operator = demo["operator_api_token"].as_str().unwrap();
    let kept: serde_json::Value = http
        .get(format!("{base}/api/v1/sandbox/snapshot"))
        .bearer_auth(operator)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(kept["rows"].as_i64().unwrap() > 0, "{kept}");
    drop(child);

    // a second `up` on the same data dir reuses the demo (same credentials still work)
    let mut again = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_trestle"))
            .args(["up", "--port", "0", "--data-dir"])
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let lines = read_until(again.0.stdout.take().unwrap(), |l| {
        l.starts_with("Trestle is running at ")
    })
    .await;
    let base2 = lines
        .last()
        .unwrap()
        .trim_start_matches("Trestle is running at ")
        .trim()
        .to_string();
    let res = http
        .post(format!("{base2}/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", demo["client_id"].as_str().unwrap()),
            ("client_secret", demo["client_secret"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // it keeps the first start's snapshot, and resets to it
    let reset: serde_json::Value = http
        .post(format!("{base2}/api/v1/sandbox/reset"))
        .bearer_auth(operator)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(reset["snapshot"]["taken_at"], kept["taken_at"], "{reset}");
    assert!(reset["snapshot"]["rows"].as_i64().unwrap() > 0, "{reset}");
}

/// Security checklist: no issued token or secret ever appears in the logs, even at debug level.
#[tokio::test]
async fn logs_never_contain_secrets_or_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let mut child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_trestle"))
            .args(["up", "--port", "0", "--data-dir"])
            .arg(dir.path())
            .env("TRESTLE_LOG", "debug")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap(),
    );
    let lines = read_until(child.0.stdout.take().unwrap(), |l| {
        l.starts_with("Trestle is running at ")
    })
    .await;
    let base = lines
        .last()
        .unwrap()
        .trim_start_matches("Trestle is running at ")
        .trim()
        .to_string();
    let demo: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("demo.json")).unwrap()).unwrap();
    let http = reqwest::Client::new();
    let (id, secret) = (
        demo["client_id"].as_str().unwrap(),
        demo["client_secret"].as_str().unwrap(),
    );
    let t: serde_json::Value = http
        .post(format!("{base}/oauth/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = t["access_token"].as_str().unwrap().to_string();
    let admin = demo["companies"][0]["admin_api_token"].as_str().unwrap();
    for path in [
        "/rest/v1.0/companies",
        "/rest/v1.0/me?company_id=1",
        "/oauth/token/info",
    ] {
        http.get(format!("{base}{path}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
    }
    http.get(format!("{base}/api/v1/me"))
        .bearer_auth(admin)
        .send()
        .await
        .unwrap();
    // a wrong secret and a token in a URL are logged as failures, without the values
    http.post(format!("{base}/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", "nope-secret-value"),
        ])
        .send()
        .await
        .unwrap();
    http.get(format!("{base}/rest/v1.0/companies?access_token={token}"))
        .send()
        .await
        .unwrap();
    drop(child);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("GET"), "debug logging records requests: {text}");
    for s in [
        secret,
        token.as_str(),
        admin,
        demo["operator_api_token"].as_str().unwrap(),
        "nope-secret-value",
    ] {
        assert!(!text.contains(s), "a secret or token leaked into the logs: {}", &s[..8]);
    }
}
