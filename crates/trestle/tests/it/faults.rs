//! Faults: an exhausted connection pool answers fast with a clear 503 and recovers by itself;
//! a node killed mid-write (SQLite or PostgreSQL) keeps every acknowledged change and an
//! intact database; a revocation the database cannot store is never reported as done; a full
//! disk refuses writes with 503, keeps reads going and recovers without a restart.

use crate::support::{expect, TestApp};
use reqwest::StatusCode;
use sqlx::Connection;
use std::time::{Duration, Instant};
use trestle_store::testing::{Backend, TestDb};

#[tokio::test]
async fn an_exhausted_pool_answers_503_quickly_and_recovers() {
    let db = TestDb::new(Backend::Postgres).await;
    let app = TestApp::spawn_with(&db.url, |c| {
        c.max_connections = 2;
        c.acquire_timeout = Duration::from_millis(500);
    })
    .await;
    let (_, admin) = app.company("Acme").await;
    let company = app.api_get(&admin, "/api/v1/me", StatusCode::OK).await;
    assert_eq!(company["kind"], "person");
    // Another session locks the companies table: requests that read it hold their pooled
    // connection while they wait.
    let mut locker = sqlx::PgConnection::connect(&db.url).await.unwrap();
    sqlx::query("BEGIN").execute(&mut locker).await.unwrap();
    sqlx::query("LOCK TABLE companies IN ACCESS EXCLUSIVE MODE")
        .execute(&mut locker)
        .await
        .unwrap();
    let blocked: Vec<_> = (0..2)
        .map(|_| {
            let req = app.get("/api/v1/companies/1").bearer_auth(&admin);
            tokio::spawn(async move { req.send().await.map(|r| r.status()) })
        })
        .collect();
    // wait until both connections are taken (bounded)
    let started = Instant::now();
    loop {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pg_locks WHERE NOT granted")
            .fetch_one(&mut locker)
            .await
            .unwrap();
        if n >= 2 {
            break;
        }
        if started.elapsed() > Duration::from_secs(5) {
            let rows: Vec<(String, bool, Option<String>)> =
                sqlx::query_as("SELECT locktype, granted, mode FROM pg_locks")
                    .fetch_all(&mut locker)
                    .await
                    .unwrap();
            let mut done = vec![];
            for b in blocked {
                if b.is_finished() {
                    done.push(format!("{:?}", b.await));
                }
            }
            panic!("requests never blocked: {rows:?} finished: {done:?}");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // the pool is empty: the next request fails fast, with a clear body, and liveness is fine
    let t = Instant::now();
    let res = app.get("/api/v1/me").bearer_auth(&admin).send().await.unwrap();
    let took = t.elapsed();
    assert_eq!(res.headers()["retry-after"], "1");
    let body = expect(res, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(body["code"], "unavailable");
    assert!(body["message"].as_str().unwrap().contains("temporarily unavailable"));
    assert!(
        took < Duration::from_secs(3),
        "answered after {took:?}, not after a long wait"
    );
    expect(app.get("/health/live").send().await.unwrap(), StatusCode::OK).await;
    // release: the waiting requests finish and new ones succeed, without a restart
    sqlx::query("COMMIT").execute(&mut locker).await.unwrap();
    for b in blocked {
        assert_eq!(b.await.unwrap().unwrap(), StatusCode::OK);
    }
    app.api_get(&admin, "/api/v1/me", StatusCode::OK).await;
    app.stop().await;
    db.cleanup().await;
}

#[tokio::test]
async fn a_killed_sqlite_node_keeps_every_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let start = || start_node(dir.path(), &[]);
    let (mut child, url) = start();
    let demo: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("demo.json")).unwrap()).unwrap();
    let company = demo["companies"][0]["id"].as_i64().unwrap();
    let admin = demo["companies"][0]["admin_api_token"].as_str().unwrap().to_string();
    // write projects from several tasks; remember every acknowledged one; kill mid-stream
    let http = reqwest::Client::new();
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (http, url, admin, acked) = (http.clone(), url.clone(), admin.clone(), acked.clone());
            tokio::spawn(async move {
                for i in 0..200 {
                    let res = http
                        .post(format!("{url}/api/v1/companies/{company}/projects"))
                        .bearer_auth(&admin)
                        .json(&serde_json::json!({"name": format!("w{w}-{i}")}))
                        .send()
                        .await;
                    match res {
                        Ok(r) if r.status() == StatusCode::CREATED => {
                            let v: serde_json::Value = r.json().await.unwrap();
                            acked.lock().unwrap().push(v["id"].as_i64().unwrap());
                        }
                        _ => break, // the server is gone
                    }
                }
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(20);
    while acked.lock().unwrap().len() < 50 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    for w in writers {
        w.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 50, "only {} writes were acknowledged", acked.len());
    // the database is intact and has every acknowledged project
    drop(intact_with_projects(dir.path(), &acked).await);
    // and the server starts again on it
    let (mut again, url2) = start();
    let res = http
        .get(format!("{url2}/api/v1/companies/{company}/projects?per_page=1"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let total: usize = res.headers()["total"].to_str().unwrap().parse().unwrap();
    assert!(total >= acked.len());
    again.kill().unwrap();
    again.wait().unwrap();
}

/// Opens a stopped node's SQLite database, checks its integrity and that it holds every
/// acknowledged project; returns the connection for more checks.
async fn intact_with_projects(data_dir: &std::path::Path, acked: &[i64]) -> sqlx::SqliteConnection {
    let db = format!("sqlite://{}", data_dir.join("trestle.db").display());
    let mut conn = sqlx::SqliteConnection::connect(&db).await.unwrap();
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(check, "ok");
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM projects")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    for id in acked {
        assert!(ids.contains(id), "acknowledged project {id} is missing");
    }
    conn
}

/// Starts `trestle up` as a process (so it can be SIGKILLed) on `data_dir`; returns the child
/// and its base URL.
fn start_node(data_dir: &std::path::Path, extra: &[&str]) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_trestle"))
        .args(["up", "--port", "0", "--rate-limit-hourly", "0", "--data-dir"])
        .arg(data_dir)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut sent = false;
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let (false, Some(url)) = (sent, line.strip_prefix("Trestle is running at ")) {
                let _ = tx.send(url.trim().to_string());
                sent = true;
            }
        }
    });
    let url = rx.recv_timeout(Duration::from_secs(60)).expect("server started");
    (child, url)
}

/// A node on PostgreSQL is SIGKILLed while it writes projects, permitted projects and client
/// secrets from several connections: a new node on the same database finds every change the
/// killed one acknowledged.
#[tokio::test]
async fn a_killed_postgres_node_keeps_every_acknowledged_write() {
    let db = TestDb::new(Backend::Postgres).await;
    let dir = tempfile::tempdir().unwrap();
    let args = ["--database-url", db.url.as_str()];
    let (mut child, url) = start_node(dir.path(), &args);
    let demo: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("demo.json")).unwrap()).unwrap();
    let company = demo["companies"][0]["id"].as_i64().unwrap();
    let install = demo["companies"][0]["install_id"].as_i64().unwrap();
    let admin = demo["companies"][0]["admin_api_token"].as_str().unwrap().to_string();
    let dev = demo["developer_api_token"].as_str().unwrap().to_string();
    let app_id = demo["app_id"].as_i64().unwrap();
    let http = reqwest::Client::new();
    #[derive(Default)]
    struct Acked {
        projects: Vec<i64>,
        permitted: Vec<i64>,
        secrets: Vec<i64>,
    }
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Acked::default()));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (http, url, admin, dev, acked) = (http.clone(), url.clone(), admin.clone(), dev.clone(), acked.clone());
            tokio::spawn(async move {
                for i in 0..300 {
                    if w == 3 {
                        let r = http
                            .post(format!("{url}/api/v1/apps/{app_id}/credentials/production/secrets"))
                            .bearer_auth(&dev)
                            .send()
                            .await;
                        match r {
                            Ok(r) if r.status() == StatusCode::CREATED => {
                                let v: serde_json::Value = r.json().await.unwrap();
                                acked.lock().unwrap().secrets.push(v["secret_id"].as_i64().unwrap());
                            }
                            _ => break,
                        }
                        continue;
                    }
                    let r = http
                        .post(format!("{url}/api/v1/companies/{company}/projects"))
                        .bearer_auth(&admin)
                        .json(&serde_json::json!({"name": format!("w{w}-{i}")}))
                        .send()
                        .await;
                    let id = match r {
                        Ok(r) if r.status() == StatusCode::CREATED => {
                            let v: serde_json::Value = r.json().await.unwrap();
                            v["id"].as_i64().unwrap()
                        }
                        _ => break,
                    };
                    acked.lock().unwrap().projects.push(id);
                    if w == 2 {
                        let r = http
                            .post(format!(
                                "{url}/api/v1/companies/{company}/installs/{install}/permitted_projects"
                            ))
                            .bearer_auth(&admin)
                            .json(&serde_json::json!({"project_ids": [id]}))
                            .send()
                            .await;
                        match r {
                            Ok(r) if r.status() == StatusCode::OK => acked.lock().unwrap().permitted.push(id),
                            _ => break,
                        }
                    }
                }
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let done = {
            let a = acked.lock().unwrap();
            a.projects.len() >= 60 && a.permitted.len() >= 10 && a.secrets.len() >= 10
        };
        if done || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().unwrap(); // SIGKILL, mid-stream
    child.wait().unwrap();
    for w in writers {
        w.await.unwrap();
    }
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    assert!(
        acked.projects.len() >= 60 && acked.permitted.len() >= 10 && acked.secrets.len() >= 10,
        "too few acknowledged writes before the kill: {} projects, {} permitted, {} secrets",
        acked.projects.len(),
        acked.permitted.len(),
        acked.secrets.len()
    );

    // A new node on the same database sees every acknowledged change.
    let (mut again, url) = start_node(dir.path(), &args);
    let mut have = Vec::new();
    for page in 1.. {
        let projects = expect(
            http.get(format!(
                "{url}/api/v1/companies/{company}/projects?per_page=100&page={page}"
            ))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap(),
            StatusCode::OK,
        )
        .await;
        let items = projects.as_array().unwrap();
        if items.is_empty() {
            break;
        }
        have.extend(items.iter().map(|p| p["id"].as_i64().unwrap()));
    }
    for id in &acked.projects {
        assert!(have.contains(id), "acknowledged project {id} is missing");
    }
    let permitted = expect(
        http.get(format!(
            "{url}/api/v1/companies/{company}/installs/{install}/permitted_projects"
        ))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap(),
        StatusCode::OK,
    )
    .await;
    let have: Vec<i64> = permitted["permitted_project_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_i64().unwrap())
        .collect();
    for id in &acked.permitted {
        assert!(have.contains(id), "acknowledged permitted project {id} is missing");
    }
    let creds = expect(
        http.get(format!("{url}/api/v1/apps/{app_id}/credentials"))
            .bearer_auth(&dev)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let have: Vec<i64> = creds
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["environment"] == "production")
        .flat_map(|c| {
            c["secrets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["id"].as_i64().unwrap())
        })
        .collect();
    for id in &acked.secrets {
        assert!(have.contains(id), "acknowledged secret {id} is missing");
    }
    again.kill().unwrap();
    again.wait().unwrap();
    db.cleanup().await;
}

/// PostgreSQL drops every connection of the node (as in a restart): requests during the outage
/// answer 503 (never 500 or a wrong 200), and the node recovers by itself — including its change
/// feed, without which it bypasses its caches.
#[tokio::test]
async fn lost_database_connections_recover_without_a_restart() {
    let db = TestDb::new(Backend::Postgres).await;
    let app = TestApp::spawn(&db.url).await;
    let w = app.world().await;
    let token = app.token(&w.app).await;
    let path = format!("/rest/v1.0/projects?company_id={}", w.a);
    assert_eq!(
        app.get(&path).bearer_auth(&token).send().await.unwrap().status(),
        StatusCode::OK
    );
    let name = db.application_name().unwrap().to_string();
    let mut admin = sqlx::PgConnection::connect(&trestle_store::testing::pg_base_url())
        .await
        .unwrap();
    let killed: Vec<bool> =
        sqlx::query_scalar("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1")
            .bind(&name)
            .fetch_all(&mut admin)
            .await
            .unwrap();
    assert!(!killed.is_empty(), "the node had connections to end");
    // during and after: only 200 or 503, and back to 200 within a bounded time
    let started = Instant::now();
    let mut statuses = vec![];
    loop {
        let s = app
            .get(&format!("/api/v1/companies/{}/installs", w.a))
            .bearer_auth(&w.admin_a)
            .send()
            .await
            .unwrap()
            .status();
        statuses.push(s);
        assert!(
            s == StatusCode::OK || s == StatusCode::SERVICE_UNAVAILABLE,
            "{s} during the outage"
        );
        if s == StatusCode::OK {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "no recovery: {statuses:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let started = Instant::now();
    loop {
        let text = app.get("/metrics").send().await.unwrap().text().await.unwrap();
        if text.contains("trestle_change_feed_up 1") {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the change feed did not come back"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // correct answers again, and changes still reach the caches
    assert_eq!(
        app.get(&path).bearer_auth(&token).send().await.unwrap().status(),
        StatusCode::OK
    );
    app.api_delete(
        &w.admin_a,
        &format!("/api/v1/companies/{}/installs/{}", w.a, w.install_a),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        app.get(&path).bearer_auth(&token).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    app.stop().await;
    db.cleanup().await;
}

/// A revocation the database cannot store is never reported as done (RFC 7009 answers 200 for
/// success): the client gets an error, the token stays live, and a retry once the database
/// is back revokes it.
#[tokio::test]
async fn a_revocation_that_cannot_be_stored_is_not_reported_as_done() {
    let db = TestDb::new(Backend::Postgres).await;
    let app = TestApp::spawn(&db.url).await;
    let w = app.world().await;
    let token = app.token(&w.app).await;
    let path = format!("/rest/v1.0/projects?company_id={}", w.a);
    let revoke = || {
        app.post("/oauth/revoke")
            .form(&[
                ("token", token.as_str()),
                ("client_id", w.app.client_id.as_str()),
                ("client_secret", w.app.client_secret.as_str()),
            ])
            .send()
    };
    // The table revocations go to disappears for a moment (the node's own connections stay).
    let mut admin = sqlx::PgConnection::connect(&db.url).await.unwrap();
    sqlx::query("ALTER TABLE revoked_tokens RENAME TO revoked_tokens_away")
        .execute(&mut admin)
        .await
        .unwrap();
    let res = revoke().await.unwrap();
    let status = res.status();
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(status.is_server_error(), "{status}: {body}");
    assert!(body["error"].is_string(), "an RFC 6749 error body: {body}");
    sqlx::query("ALTER TABLE revoked_tokens_away RENAME TO revoked_tokens")
        .execute(&mut admin)
        .await
        .unwrap();
    // Nothing was revoked: the token still works.
    assert_eq!(
        app.get(&path).bearer_auth(&token).send().await.unwrap().status(),
        StatusCode::OK
    );
    // The retry succeeds, and only now is the token dead.
    assert_eq!(revoke().await.unwrap().status(), StatusCode::OK);
    assert_eq!(
        app.get(&path).bearer_auth(&token).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    app.stop().await;
    db.cleanup().await;
}

/// Security checklist F6, the disk fills up, on SQLite: while every write to the database files
/// fails with ENOSPC (strace injects the error into the node's `pwrite64` calls), writes answer a
/// server error and change nothing, reads and token issuance keep working, and a revocation is
/// never reported as done. Once there is space again the same node writes again without a
/// restart, and the database is intact with every acknowledged change.
#[tokio::test]
async fn a_full_disk_refuses_writes_keeps_reads_and_recovers() {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let (node, url) = start_node(dir.path(), &[]);
    let mut node = Reaped(node);
    let demo: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("demo.json")).unwrap()).unwrap();
    let company = demo["companies"][0]["id"].as_i64().unwrap();
    let admin = demo["companies"][0]["admin_api_token"].as_str().unwrap().to_string();
    let (client_id, client_secret) = (
        demo["client_id"].as_str().unwrap().to_string(),
        demo["client_secret"].as_str().unwrap().to_string(),
    );
    let http = reqwest::Client::new();
    let token = || {
        http.post(format!("{url}/oauth/token"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", client_id.as_str()),
                ("client_secret", client_secret.as_str()),
            ])
            .send()
    };
    let create = |name: String| {
        http.post(format!("{url}/api/v1/companies/{company}/projects"))
            .bearer_auth(&admin)
            .json(&serde_json::json!({ "name": name }))
            .send()
    };
    let bot_read = |token: String| {
        http.get(format!("{url}/rest/v1.0/projects?company_id={company}"))
            .bearer_auth(token)
            .send()
    };
    let revoke = |t: String| {
        http.post(format!("{url}/oauth/revoke"))
            .form(&[
                ("token", t.as_str()),
                ("client_id", client_id.as_str()),
                ("client_secret", client_secret.as_str()),
            ])
            .send()
    };
    let all_projects = || {
        http.get(format!("{url}/api/v1/companies/{company}/projects?per_page=100"))
            .bearer_auth(&admin)
            .send()
    };
    let mut acked = Vec::new();
    let res = create("before".into()).await.unwrap();
    acked.push(expect(res, StatusCode::CREATED).await["id"].as_i64().unwrap());
    let bot = expect(token().await.unwrap(), StatusCode::OK).await["access_token"]
        .as_str()
        .unwrap()
        .to_string();

    // The disk fills up: every pwrite64 of the node fails with ENOSPC, from the moment strace
    // has attached to all of the node's threads (it says so on stderr: "Process N attached with
    // M threads"; threads started later are followed too).
    let pid = node.0.id();
    let mut strace = Reaped(
        Command::new("strace")
            .args([
                "-f",
                "-o",
                "/dev/null",
                "-e",
                "trace=pwrite64",
                "-e",
                "inject=pwrite64:error=ENOSPC",
                "-p",
            ])
            .arg(pid.to_string())
            .stdin(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("strace is installed (scripts/test.sh installs it)"),
    );
    let stderr = strace.0.stderr.take().unwrap();
    let (attached, attaches) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("attached") {
                let _ = attached.send(());
            }
        }
    });
    attaches
        .recv_timeout(Duration::from_secs(20))
        .expect("strace attaches to the node");
    let res = create("refused".into()).await.unwrap();
    let body = expect(res, StatusCode::SERVICE_UNAVAILABLE).await;
    assert!(
        body["message"].as_str().unwrap().contains("temporarily unavailable"),
        "a clear error body: {body}"
    );
    // Further writes fail the same way and leave nothing behind.
    let res = create("during".into()).await.unwrap();
    expect(res, StatusCode::SERVICE_UNAVAILABLE).await;
    // Reads and token issuance need no write: they keep working.
    let res = bot_read(bot.clone()).await.unwrap();
    expect(res, StatusCode::OK).await;
    let fresh = expect(token().await.unwrap(), StatusCode::OK).await;
    assert!(fresh["access_token"].is_string());
    // A revocation that cannot be stored is not reported as done, and the token still works.
    let res = revoke(bot.clone()).await.unwrap();
    let body = expect(res, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(body["error"], "temporarily_unavailable", "{body}");
    expect(bot_read(bot.clone()).await.unwrap(), StatusCode::OK).await;

    // Space again: strace detaches on SIGINT; the same node writes again.
    let stopped = Command::new("kill")
        .args(["-INT", &strace.0.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    strace.0.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let res = create("after".into()).await.unwrap();
        if res.status() == StatusCode::CREATED {
            acked.push(expect(res, StatusCode::CREATED).await["id"].as_i64().unwrap());
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the node did not write again after space came back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    expect(revoke(bot.clone()).await.unwrap(), StatusCode::OK).await;
    expect(bot_read(bot).await.unwrap(), StatusCode::UNAUTHORIZED).await;
    let listed = expect(all_projects().await.unwrap(), StatusCode::OK).await;
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(
        !names.contains(&"during") && !names.contains(&"refused"),
        "a refused write left a project behind: {names:?}"
    );

    // The database is intact and holds every acknowledged project, and none of the refused.
    node.0.kill().unwrap();
    node.0.wait().unwrap();
    let mut conn = intact_with_projects(dir.path(), &acked).await;
    let during: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM projects WHERE name IN ('during', 'refused')")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(during, 0);
}

/// A child process that is killed when the test ends, also when it fails half-way.
struct Reaped(std::process::Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
