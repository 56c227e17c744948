//! Scripted faults (issue #17): rules the operator adds make matching calls to /oauth and
//! /rest answer an error status (429 with Retry-After, 5xx in the surface's shape), wait, or
//! lose their connection — for the next N calls, a percentage, or until removed; matched by
//! method, path template, client id and company; the management API is never struck; off
//! unless the server runs with --faults; only the operator; audited; the CLI adds and lists.

use crate::support::{expect, on_both_backends, operator_cli as cli, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use trestle_store::testing::{Backend, TestDb};

on_both_backends!(faults_are_off_unless_the_server_allows_them);

#[tokio::test]
async fn faults_strike_the_calls_they_match_on_sqlite() {
    with_faults(Backend::Sqlite).await;
}

#[tokio::test]
async fn faults_strike_the_calls_they_match_on_postgres() {
    with_faults(Backend::Postgres).await;
}

async fn with_faults(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db.url, |c| c.faults = true).await;
    faults_strike_the_calls_they_match(&app).await;
    app.stop().await;
    db.cleanup().await;
}

async fn add(app: &TestApp, rule: Value) -> i64 {
    let v = app
        .api_post(&app.operator, "/api/v1/faults", rule, StatusCode::CREATED)
        .await;
    v["id"].as_i64().unwrap()
}

async fn token_status(app: &TestApp, client_id: &str, secret: &str) -> (StatusCode, Value, Option<String>) {
    let res = app
        .post("/oauth/token")
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", secret),
        ])
        .send()
        .await
        .unwrap();
    let fault = res
        .headers()
        .get("trestle-fault")
        .map(|v| v.to_str().unwrap().to_string());
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null), fault)
}

async fn get(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.get(path).bearer_auth(token).send().await.unwrap()
}

async fn faults_strike_the_calls_they_match(app: &TestApp) {
    let w = app.world().await;
    let token = app.token(&w.app).await;
    let (id, secret) = (w.app.client_id.as_str(), w.app.client_secret.as_str());

    // The next token request answers 503 in OAuth's shape, then the rule is gone.
    let once = add(
        app,
        json!({"match": {"path": "/oauth/token"}, "status": 503, "count": 1}),
    )
    .await;
    let (s, body, fault) = token_status(app, id, secret).await;
    assert_eq!(
        (s, body["error"].as_str(), fault),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Some("temporarily_unavailable"),
            Some(once.to_string())
        )
    );
    assert_eq!(token_status(app, id, secret).await.0, StatusCode::OK, "one strike only");
    assert_eq!(
        app.api_get(&app.operator, "/api/v1/faults", StatusCode::OK).await,
        json!([]),
        "a rule that ran out goes"
    );

    // 429 twice on one method and path, with Procore's message and the rule's Retry-After.
    let limited = add(app, json!({"match": {"method": "get", "path": "/rest/v1.0/companies"}, "status": 429, "retry_after": 7, "count": 2})).await;
    for _ in 0..2 {
        let res = get(app, &token, "/rest/v1.0/companies").await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(res.headers()["retry-after"], "7");
        assert_eq!(res.headers()["trestle-fault"], limited.to_string().as_str());
        assert!(res
            .text()
            .await
            .unwrap()
            .contains("surpassed the max number of requests"));
    }
    assert_eq!(get(app, &token, "/rest/v1.0/companies").await.status(), StatusCode::OK);

    // Latency alone: the call waits, then gets its real answer.
    add(
        app,
        json!({"match": {"path": "/rest/v1.0/companies"}, "latency_ms": 300, "count": 1}),
    )
    .await;
    let started = Instant::now();
    let res = get(app, &token, "/rest/v1.0/companies").await;
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
    assert!(res.headers().contains_key("trestle-fault"));
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.json::<Value>().await.unwrap().is_array(), "the real answer");

    // A cut connection: the client gets no complete answer.
    add(
        app,
        json!({"match": {"path": "/rest/v1.0/companies"}, "drop_connection": true, "count": 1}),
    )
    .await;
    let cut = match app.get("/rest/v1.0/companies").bearer_auth(&token).send().await {
        Err(_) => true,
        Ok(res) => res.bytes().await.is_err(),
    };
    assert!(cut, "the connection was cut");
    assert_eq!(get(app, &token, "/rest/v1.0/companies").await.status(), StatusCode::OK);

    // By client id, until removed: its token requests and its tokens' calls, no one else's.
    let other = app.promoted_app(&w.dev, "Other App").await;
    let mine = add(app, json!({"match": {"client_id": id}, "status": 500})).await;
    let (s, body, _) = token_status(app, id, secret).await;
    assert_eq!(
        (s, body["error"].as_str()),
        (StatusCode::INTERNAL_SERVER_ERROR, Some("server_error"))
    );
    let basic = app
        .post("/oauth/token")
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        basic.status(),
        StatusCode::INTERNAL_SERVER_ERROR,
        "HTTP Basic names the client too"
    );
    assert_eq!(
        token_status(app, &other.client_id, &other.client_secret).await.0,
        StatusCode::OK
    );
    let res = get(app, &token, "/rest/v1.0/companies").await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(res.json::<Value>().await.unwrap()["errors"]
        .as_str()
        .unwrap()
        .contains("scripted fault"));
    let listed = app.api_get(&app.operator, "/api/v1/faults", StatusCode::OK).await;
    assert_eq!(
        (
            listed[0]["id"].as_i64(),
            listed[0]["left"].clone(),
            listed[0]["struck"].as_i64()
        ),
        (Some(mine), Value::Null, Some(3))
    );
    app.api_delete(&app.operator, &format!("/api/v1/faults/{mine}"), StatusCode::OK)
        .await;
    app.api_delete(&app.operator, &format!("/api/v1/faults/{mine}"), StatusCode::NOT_FOUND)
        .await;
    assert_eq!(token_status(app, id, secret).await.0, StatusCode::OK);

    // By company: calls naming company B, however they name it.
    let b = add(app, json!({"match": {"company_id": w.b}, "status": 502})).await;
    let by_query = get(app, &token, &format!("/rest/v1.0/projects?company_id={}", w.b)).await;
    assert_eq!(by_query.status(), StatusCode::BAD_GATEWAY);
    let by_header = app
        .get("/rest/v1.0/projects")
        .bearer_auth(&token)
        .header("Procore-Company-Id", w.b.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(by_header.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(
        get(app, &token, &format!("/rest/v1.0/projects?company_id={}", w.a))
            .await
            .status(),
        StatusCode::OK
    );
    app.api_delete(&app.operator, &format!("/api/v1/faults/{b}"), StatusCode::OK)
        .await;

    // A percentage: about half of 200 calls, and the rule counts what it struck.
    let half = add(
        app,
        json!({"match": {"path": "/rest/v1.0/companies"}, "status": 503, "percent": 50}),
    )
    .await;
    let mut struck = 0;
    for _ in 0..200 {
        match get(app, &token, "/rest/v1.0/companies").await.status() {
            StatusCode::SERVICE_UNAVAILABLE => struck += 1,
            StatusCode::OK => {}
            other => panic!("{other}"),
        }
    }
    assert!((50..=150).contains(&struck), "{struck} of 200 struck at 50%");
    let listed = app.api_get(&app.operator, "/api/v1/faults", StatusCode::OK).await;
    assert_eq!(listed[0]["struck"].as_i64(), Some(struck));
    app.api_delete(&app.operator, &format!("/api/v1/faults/{half}"), StatusCode::OK)
        .await;

    // A rule matching everything strikes /oauth and /rest, never the management API.
    let all = add(app, json!({"status": 503})).await;
    assert_eq!(
        get(app, &token, "/rest/v1.0/companies").await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    app.api_get(&app.operator, "/api/v1/faults", StatusCode::OK).await;
    expect(app.get("/health/ready").send().await.unwrap(), StatusCode::OK).await;
    app.api_delete(&app.operator, &format!("/api/v1/faults/{all}"), StatusCode::OK)
        .await;

    // Every problem of a bad rule, with its path; nobody but the operator.
    let bad = app
        .api_post(
            &app.operator,
            "/api/v1/faults",
            json!({"match": {"path": "/api/v1/faults"}, "status": 404, "count": 0}),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await
        .to_string();
    for path in ["$.match.path", "$.status", "$.count"] {
        assert!(bad.contains(path), "{path} in {bad}");
    }
    app.api_post(
        &app.operator,
        "/api/v1/faults",
        json!({"status": 503, "colour": "red"}),
        StatusCode::BAD_REQUEST,
    )
    .await;
    app.api_post(
        &w.admin_a,
        "/api/v1/faults",
        json!({"status": 503}),
        StatusCode::FORBIDDEN,
    )
    .await;
    app.api_get(&w.admin_a, "/api/v1/faults", StatusCode::FORBIDDEN).await;

    // The CLI adds and lists them.
    let added = cli(
        app,
        &[
            "faults",
            "add",
            "--path",
            "/oauth/token",
            "--status",
            "503",
            "--count",
            "1",
        ],
    )
    .await;
    assert_eq!(
        (added["status"].as_i64(), added["left"].as_i64()),
        (Some(503), Some(1)),
        "{added}"
    );
    let listed = cli(app, &["faults", "list"]).await;
    assert_eq!(listed[0]["id"], added["id"]);
    assert_eq!(token_status(app, id, secret).await.0, StatusCode::SERVICE_UNAVAILABLE);

    // Each rule added and removed is in the audit log.
    let audit = app
        .api_get(&app.operator, "/api/v1/audit?per_page=100", StatusCode::OK)
        .await
        .to_string();
    assert!(audit.contains("fault.add") && audit.contains("fault.remove"), "{audit}");
}

async fn faults_are_off_unless_the_server_allows_them(app: TestApp) {
    let w = app.world().await;
    let off = app
        .api_post(
            &app.operator,
            "/api/v1/faults",
            json!({"status": 503}),
            StatusCode::CONFLICT,
        )
        .await;
    assert!(off.to_string().contains("--faults"), "{off}");
    app.api_post(
        &w.admin_a,
        "/api/v1/faults",
        json!({"status": 503}),
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(
        app.api_get(&app.operator, "/api/v1/faults", StatusCode::OK).await,
        json!([])
    );
    let token = app.token(&w.app).await;
    assert_eq!(get(&app, &token, "/rest/v1.0/companies").await.status(), StatusCode::OK);
}
