//! The sandbox snapshot and reset (issue #17): a reset puts every table back as the snapshot
//! kept it — records, projects, people, installs — and cached pages with it; token
//! revocations and the operator's tokens stay; ids are not handed out again; a second node
//! forgets what it cached; without a snapshot, or with one from another schema, it is refused
//! and changes nothing; only the operator may snapshot or reset; the CLI does both.

use crate::catalog_ops::bot;
use crate::support::{expect, operator_cli as cli, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use trestle_store::testing::{dump_tables, Backend, TestDb};

#[tokio::test]
async fn a_reset_puts_the_world_back_as_kept_on_sqlite() {
    with_quiet_workers(Backend::Sqlite, a_reset_puts_the_world_back_as_kept).await;
}

#[tokio::test]
async fn a_reset_puts_the_world_back_as_kept_on_postgres() {
    with_quiet_workers(Backend::Postgres, a_reset_puts_the_world_back_as_kept).await;
}

#[tokio::test]
async fn resets_are_refused_without_a_usable_snapshot_on_sqlite() {
    with_quiet_workers(Backend::Sqlite, resets_are_refused_without_a_usable_snapshot).await;
}

#[tokio::test]
async fn resets_are_refused_without_a_usable_snapshot_on_postgres() {
    with_quiet_workers(Backend::Postgres, resets_are_refused_without_a_usable_snapshot).await;
}

/// The webhook and mail workers make one pass at start and none during the test: what they
/// would write in the background (a message composed from an event before the snapshot, a
/// cursor moved) is no part of what the tests compare.
async fn with_quiet_workers<F>(backend: Backend, test: F)
where
    F: for<'a> AsyncFn(&'a TestApp),
{
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db.url, |c| {
        c.webhook_interval = Duration::from_secs(3600);
        c.mail_interval = Duration::from_secs(3600);
    })
    .await;
    test(&app).await;
    app.stop().await;
    db.cleanup().await;
}

/// The server key the test servers run with, as `TRESTLE_SECRET_KEY` takes it.
const TEST_KEY_HEX: &str = "0707070707070707070707070707070707070707070707070707070707070707";

/// A new operator token made the way an operator makes one: `trestle operator-token` on the
/// server's database.
async fn operator_token_from_the_command(app: &TestApp) -> String {
    let url = app.db_url.clone();
    let out = tokio::task::spawn_blocking(move || {
        let dir = tempfile::tempdir().unwrap();
        std::process::Command::new(env!("CARGO_BIN_EXE_trestle"))
            .args(["operator-token", "--database-url", &url, "--data-dir"])
            .arg(dir.path())
            .env("TRESTLE_SECRET_KEY", TEST_KEY_HEX)
            .output()
            .expect("run trestle")
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

async fn call(
    app: &TestApp,
    token: &str,
    company: i64,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = app
        .http
        .request(method.parse().unwrap(), format!("{}{path}", app.url))
        .bearer_auth(token)
        .header("Procore-Company-Id", company.to_string());
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// A person who joins `company` (an RFI needs a manager from its company).
async fn member(app: &TestApp, admin: &str, company: i64) -> i64 {
    let (id, token) = app.person("pat@example.com", "Pat Lee").await;
    app.join(admin, company, "pat@example.com", &token).await;
    id
}

fn subjects(list: &Value) -> Vec<String> {
    let mut s: Vec<String> = list
        .as_array()
        .unwrap_or_else(|| panic!("a list: {list}"))
        .iter()
        .map(|r| r["subject"].as_str().unwrap().to_string())
        .collect();
    s.sort();
    s
}

/// The tables a reset must give back exactly as kept. Left out: what a reset leaves on purpose
/// (token revocations, the operator's API tokens), the audit log and outbox (compared apart:
/// they gain the reset's own event and lose the snapshot's), and the workers' cursors (moved
/// past those events by the workers).
fn compared(dump: &BTreeMap<String, Vec<String>>) -> BTreeMap<String, Vec<String>> {
    dump.iter()
        .filter(|(t, _)| {
            !["revoked_tokens", "api_tokens", "audit_events", "outbox", "app_requests"].contains(&t.as_str())
                && !t.contains("cursor")
        })
        .map(|(t, rows)| (t.clone(), rows.clone()))
        .collect()
}

/// The rows of an event log without the sandbox's own events.
fn without_sandbox_events(rows: &[String]) -> Vec<String> {
    rows.iter().filter(|r| !r.contains("sandbox.")).cloned().collect()
}

async fn a_reset_puts_the_world_back_as_kept(app: &TestApp) {
    let w = app.world().await;
    let bot = bot(app, &w.dev, &w.admin_a, w.a, &[w.a1], "Full", "admin").await;
    let rfis = format!("/rest/v1.0/projects/{}/rfis", w.a1);
    let pat = member(app, &w.admin_a, w.a).await;
    let (s, first) = call(
        app,
        &bot,
        w.a,
        "POST",
        &rfis,
        Some(json!({"rfi": {"subject": "Kept", "question": {"body": "?"}, "rfi_manager_id": pat}})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    let world_token = app.token(&w.app).await;

    let kept = app
        .api_post(
            &app.operator,
            "/api/v1/sandbox/snapshot",
            json!({}),
            StatusCode::CREATED,
        )
        .await;
    assert!(
        kept["tables"].as_i64().unwrap() >= 25 && kept["rows"].as_i64().unwrap() > 30,
        "{kept}"
    );
    assert_eq!(
        app.api_get(&app.operator, "/api/v1/sandbox/snapshot", StatusCode::OK)
            .await,
        kept
    );
    let before = dump_tables(&app.db_url).await;
    assert!(
        !before["records"].is_empty() && before["project_counts"].len() > 1,
        "the world has records ({}) and list totals ({})",
        before["records"].len(),
        before["project_counts"].len()
    );

    // The world changes: a record created, the kept one changed, a project, a person, an
    // uninstall, a revoked token, a new operator token.
    let (s, _) = call(
        app,
        &bot,
        w.a,
        "POST",
        &rfis,
        Some(json!({"rfi": {"subject": "Later", "question": {"body": "?"}, "rfi_manager_id": pat}})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let id = first["id"].as_i64().unwrap();
    let (s, _) = call(
        app,
        &bot,
        w.a,
        "PATCH",
        &format!("{rfis}/{id}"),
        Some(json!({"rfi": {"subject": "Changed"}})),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, list) = call(app, &bot, w.a, "GET", &format!("{rfis}?per_page=100"), None).await;
    assert_eq!(
        (s, subjects(&list)),
        (StatusCode::OK, vec!["Changed".to_string(), "Later".into()]),
        "cached before the reset"
    );
    let later_project = app.project(&w.admin_a, w.a, "Later Project").await;
    let (_, later_person) = app.person("later@example.com", "Later Person").await;
    let install_b = format!("/api/v1/companies/{}/installs/{}", w.b, w.install_b);
    let installed = app.api_get(&w.admin_b, &install_b, StatusCode::OK).await;
    let gone = app.api_delete(&w.admin_b, &install_b, StatusCode::OK).await;
    assert_ne!(gone, installed, "uninstalled");
    let revoked = app
        .post("/oauth/revoke")
        .form(&[
            ("token", world_token.as_str()),
            ("client_id", w.app.client_id.as_str()),
            ("client_secret", w.app.client_secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::OK);
    let new_operator = operator_token_from_the_command(app).await;
    assert_ne!(
        compared(&dump_tables(&app.db_url).await),
        compared(&before),
        "the world did change"
    );

    let done = cli(app, &["sandbox", "reset"]).await;
    assert_eq!(done["snapshot"]["taken_at"], kept["taken_at"], "{done}");
    assert!(
        done["snapshot"]["rows"].as_i64().unwrap() > 30 && done["took_ms"].is_u64(),
        "{done}"
    );
    let after = dump_tables(&app.db_url).await;
    assert_eq!(
        compared(&after),
        compared(&before),
        "every table as the snapshot kept it"
    );
    for log in ["audit_events", "outbox"] {
        assert_eq!(
            without_sandbox_events(&after[log]),
            without_sandbox_events(&before[log]),
            "{log}"
        );
        let resets = after[log].iter().filter(|r| r.contains("sandbox.reset")).count();
        assert_eq!(resets, 1, "{log}: the reset is recorded once");
    }

    // What callers see follows: the cached RFI page, the later project and person gone, B's
    // install back.
    let (s, list) = call(app, &bot, w.a, "GET", &format!("{rfis}?per_page=100"), None).await;
    assert_eq!(
        (s, subjects(&list)),
        (StatusCode::OK, vec!["Kept".to_string()]),
        "the cached page is not served"
    );
    app.api_get(
        &w.admin_a,
        &format!("/api/v1/companies/{}/projects/{later_project}", w.a),
        StatusCode::NOT_FOUND,
    )
    .await;
    let res = app.get("/api/v1/me").bearer_auth(&later_person).send().await.unwrap();
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "the later person's token is gone with them"
    );
    assert_eq!(
        app.api_get(&w.admin_b, &install_b, StatusCode::OK).await,
        installed,
        "B's install is back"
    );
    // ...but a revoked token stays revoked, and the operator's later token works.
    let res = app
        .get(&format!("/rest/v1.0/projects?company_id={}", w.a))
        .bearer_auth(&world_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "a revoked token stays revoked");
    app.api_get(&new_operator, "/api/v1/sandbox/snapshot", StatusCode::OK)
        .await;

    // New writes get ids never handed out before.
    let newer_project = app.project(&w.admin_a, w.a, "Newer Project").await;
    assert!(newer_project > later_project, "{newer_project} after {later_project}");
    // A second reset from the same snapshot gives the same world again.
    let again = app
        .api_post(&new_operator, "/api/v1/sandbox/reset", json!({}), StatusCode::OK)
        .await;
    assert_eq!(again["snapshot"]["taken_at"], kept["taken_at"]);
    assert_eq!(compared(&dump_tables(&app.db_url).await), compared(&before));
    let shown = cli(app, &["sandbox", "show"]).await;
    assert_eq!(shown, kept);
}

async fn resets_are_refused_without_a_usable_snapshot(app: &TestApp) {
    let w = app.world().await;
    let none = app
        .api_post(&app.operator, "/api/v1/sandbox/reset", json!({}), StatusCode::CONFLICT)
        .await;
    assert!(none.to_string().contains("POST /api/v1/sandbox/snapshot"), "{none}");
    app.api_get(&app.operator, "/api/v1/sandbox/snapshot", StatusCode::NOT_FOUND)
        .await;
    for (method, path) in [
        ("GET", "/api/v1/sandbox/snapshot"),
        ("POST", "/api/v1/sandbox/snapshot"),
        ("POST", "/api/v1/sandbox/reset"),
    ] {
        let req = app.http.request(method.parse().unwrap(), format!("{}{path}", app.url));
        expect(
            req.bearer_auth(&w.admin_a).json(&json!({})).send().await.unwrap(),
            StatusCode::FORBIDDEN,
        )
        .await;
        expect(
            app.http
                .request(method.parse().unwrap(), format!("{}{path}", app.url))
                .send()
                .await
                .unwrap(),
            StatusCode::UNAUTHORIZED,
        )
        .await;
    }
    let taken = cli(app, &["sandbox", "snapshot"]).await;
    assert!(taken["rows"].as_i64().unwrap() > 0, "{taken}");
    // A snapshot from before a schema upgrade is refused, and the refusal changes nothing.
    app.project(&w.admin_a, w.a, "After the snapshot").await;
    sql(&app.db_url, "UPDATE sandbox_snapshot SET schema_version = 1").await;
    let before = dump_tables(&app.db_url).await;
    let stale = app
        .api_post(&app.operator, "/api/v1/sandbox/reset", json!({}), StatusCode::CONFLICT)
        .await;
    assert!(stale.to_string().contains("schema version 1"), "{stale}");
    assert_eq!(dump_tables(&app.db_url).await, before, "a refused reset writes nothing");
}

async fn sql(url: &str, statement: &str) {
    use sqlx::Connection;
    if url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query(statement).execute(&mut c).await.unwrap();
    } else {
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query(statement).execute(&mut c).await.unwrap();
    }
}

/// Two nodes on one PostgreSQL database: a reset through one makes the other forget the
/// pages it cached.
#[tokio::test]
async fn another_node_forgets_its_cache_after_a_reset() {
    let db = TestDb::new(Backend::Postgres).await;
    let a_node = TestApp::spawn(&db.url).await;
    let b_node = TestApp::spawn(&db.url).await;
    let (_, dev) = a_node.person("dev@example.com", "Dev").await;
    let (a, admin) = a_node.company("Acme").await;
    let a1 = a_node.project(&admin, a, "A1").await;
    let bot = bot(&a_node, &dev, &admin, a, &[a1], "Full", "admin").await;
    let rfis = format!("/rest/v1.0/projects/{a1}/rfis");
    let pat = member(&a_node, &admin, a).await;
    let page = format!("{rfis}?per_page=100");
    a_node
        .api_post(
            &a_node.operator,
            "/api/v1/sandbox/snapshot",
            json!({}),
            StatusCode::CREATED,
        )
        .await;
    let (s, _) = call(
        &a_node,
        &bot,
        a,
        "POST",
        &rfis,
        Some(json!({"rfi": {"subject": "Later", "question": {"body": "?"}, "rfi_manager_id": pat}})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    // node B sees the record (through the change feed) and caches its page
    let start = Instant::now();
    loop {
        let (s, v) = call(&b_node, &bot, a, "GET", &page, None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        if subjects(&v) == ["Later"] {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "node B never saw the record: {v}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    a_node
        .api_post(&a_node.operator, "/api/v1/sandbox/reset", json!({}), StatusCode::OK)
        .await;
    let start = Instant::now();
    loop {
        let (s, v) = call(&b_node, &bot, a, "GET", &page, None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        if subjects(&v).is_empty() {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "node B kept serving its cached page: {v}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    b_node.stop().await;
    a_node.stop().await;
    db.cleanup().await;
}
