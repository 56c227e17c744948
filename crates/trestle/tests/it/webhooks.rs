//! Webhooks (issue #16): hooks and triggers made over Procore's Webhooks API send signed
//! deliveries to a real HTTP receiver (here, on 127.0.0.1), per hook in commit order; a failing
//! receiver is retried with backoff on the server's clock; hooks are tenant-isolated and need
//! the Webhooks tool.

use crate::receiver::{body, verify, Receiver};
use crate::support::{app_with_permissions, expect, on_both_backends, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;
use trestle_core::{format_timestamp, Clock};

on_both_backends!(
    signed_deliveries_arrive_in_commit_order,
    a_failing_receiver_is_retried_with_backoff,
    twelve_hours_of_failures_discard_the_queue,
    a_receiver_that_never_answers_times_out,
    hooks_are_tenant_isolated_and_need_the_webhooks_tool,
);

/// A request as `token` in `company`; the status and the JSON answer.
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

pub(crate) async fn ok(
    app: &TestApp,
    token: &str,
    company: i64,
    method: &str,
    path: &str,
    body: Option<Value>,
    want: StatusCode,
) -> Value {
    let (s, v) = call(app, token, company, method, path, body).await;
    assert_eq!(s, want, "{method} {path}: {v}");
    v
}

/// A server whose webhooks may reach 127.0.0.1 (as `trestle up`'s), on the same database, in
/// place of `app` (stopped, so its worker, which refuses private addresses, takes no delivery).
async fn node(app: TestApp) -> TestApp {
    let node = TestApp::spawn_with(&app.db_url, |c| {
        c.allow_private_webhooks = true;
        c.webhook_interval = Duration::from_millis(20);
        // Tokens outlive the 12 hours the clock is moved by.
        c.access_token_ttl = 2 * 86_400;
    })
    .await;
    app.stop().await;
    node
}

/// A company with a project and a bot with `webhooks` at `level` (and RFIs and direct costs).
pub(crate) async fn bot(app: &TestApp, dev: &str, name: &str, level: &str) -> (i64, i64, String) {
    let (company, admin) = app.company(name).await;
    let project = app.project(&admin, company, &format!("{name} P1")).await;
    let permissions = json!({
        "company": {"webhooks": level},
        "project": {"webhooks": level, "rfis": "admin", "direct_costs": "admin"}
    });
    let token = app_with_permissions(
        app,
        dev,
        &admin,
        company,
        &[project],
        &format!("{name} {level}"),
        permissions,
    )
    .await;
    (company, project, token)
}

/// Makes a project hook to `url` with triggers for `triggers`; its id and signing secret.
pub(crate) async fn hook(
    app: &TestApp,
    token: &str,
    company: i64,
    project: i64,
    url: &str,
    triggers: Value,
) -> (i64, String) {
    let created = ok(
        app,
        token,
        company,
        "POST",
        "/rest/v1.0/webhooks/hooks",
        Some(json!({"project_id": project, "hook": {"api_version": "v2", "namespace": "trestle-tests",
            "destination_url": url, "destination_headers": {"Authorization": "Bearer abcdefghij", "X-Hook-Event": "all"}}})),
        StatusCode::CREATED,
    )
    .await;
    let id = created["id"].as_i64().expect("an integer id");
    let secret = created["signing_secret"]
        .as_str()
        .expect("the secret, once")
        .to_string();
    assert_eq!(created["destination_headers"]["Authorization"], "*****fghij");
    assert_eq!(created["destination_headers"]["X-Hook-Event"], "all");
    assert_eq!(created["owned_by_project_id"], project);
    let bulk = ok(
        app,
        token,
        company,
        "POST",
        &format!("/rest/v1.0/webhooks/hooks/{id}/triggers/bulk"),
        Some(json!({"project_id": project, "api_version": "v2", "triggers": triggers})),
        StatusCode::OK,
    )
    .await;
    assert!(bulk["success"].as_array().is_some_and(|s| !s.is_empty()), "{bulk}");
    (id, secret)
}

async fn signed_deliveries_arrive_in_commit_order(app: TestApp) {
    let node = node(app).await;
    let (_, dev) = node.person("dev@example.com", "Dev").await;
    let (a, a1, token) = bot(&node, &dev, "Acme", "standard").await;
    let receiver = Receiver::start(&[]).await;
    let triggers = json!([
        {"resource_name": "RFIs", "event_type": "create"},
        {"resource_name": "RFIs", "event_type": "update"},
        {"resource_name": "Direct Costs", "event_type": "create"},
        {"resource_name": "Direct Costs", "event_type": "delete"},
    ]);
    let (id, secret) = hook(&node, &token, a, a1, &receiver.url, triggers).await;
    // A bulk create with an unknown resource is a 207 naming it.
    let mixed = ok(
        &node,
        &token,
        a,
        "POST",
        &format!("/rest/v1.0/webhooks/hooks/{id}/triggers/bulk"),
        Some(
            json!({"project_id": a1, "triggers": [{"resource_name": "Gizmos", "event_type": "create"},
                                                   {"resource_name": "RFIs", "event_type": "delete"}]}),
        ),
        StatusCode::MULTI_STATUS,
    )
    .await;
    assert_eq!(
        (
            mixed["success"].as_array().unwrap().len(),
            mixed["failed"].as_array().unwrap().len()
        ),
        (1, 1)
    );
    let listed = ok(
        &node,
        &token,
        a,
        "GET",
        &format!("/rest/v1.0/webhooks/hooks?project_id={a1}"),
        None,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed[0]["id"], id);
    assert!(listed[0].get("signing_secret").is_none(), "the secret is shown once");
    assert_eq!(listed[0]["destination_headers"]["Authorization"], "*****fghij");

    // An RFI created then updated, a direct cost created then deleted.
    let rfis = format!("/rest/v1.0/projects/{a1}/rfis");
    let rfi = ok(
        &node,
        &token,
        a,
        "POST",
        &rfis,
        Some(json!({"rfi": {"subject": "Footing", "rfi_manager_id": 1, "question": {"body": "Which?"}}})),
        StatusCode::CREATED,
    )
    .await;
    let rfi_id = rfi["id"].as_i64().unwrap();
    ok(
        &node,
        &token,
        a,
        "PATCH",
        &format!("{rfis}/{rfi_id}"),
        Some(json!({"rfi": {"subject": "Footings"}})),
        StatusCode::OK,
    )
    .await;
    let costs = format!("/rest/v1.0/projects/{a1}/direct_costs");
    let synced = ok(
        &node,
        &token,
        a,
        "PATCH",
        &format!("{costs}/sync"),
        Some(json!({"updates": [{"description": "Concrete"}]})),
        StatusCode::OK,
    )
    .await;
    let cost_id = synced["entities"][0]["id"].as_i64().expect("the synced cost's id");
    let (s, v) = call(&node, &token, a, "DELETE", &format!("{costs}/{cost_id}"), None).await;
    assert!(s.is_success(), "{s}: {v}");

    let got = receiver.wait_for(4).await;
    let seen: Vec<(String, String, i64)> = got
        .iter()
        .map(|r| {
            let b = body(r);
            (
                b["resource_name"].as_str().unwrap().to_string(),
                b["event_type"].as_str().unwrap().to_string(),
                b["resource_id"].as_i64().unwrap(),
            )
        })
        .collect();
    let want = [
        ("RFIs", "create", rfi_id),
        ("RFIs", "update", rfi_id),
        ("Direct Costs", "create", cost_id),
        ("Direct Costs", "delete", cost_id),
    ];
    assert_eq!(
        seen,
        want.map(|(r, e, i)| (r.to_string(), e.to_string(), i)).to_vec(),
        "every change once, in commit order"
    );
    let mut ids = Vec::new();
    for r in &got {
        verify(r, &secret);
        let b = body(r);
        assert_eq!(
            (b["company_id"].as_i64(), b["project_id"].as_i64()),
            (Some(a), Some(a1))
        );
        assert_eq!(b["api_version"], "v2.0");
        assert_eq!(b["ulid"].as_str().map(str::len), Some(26));
        assert!(b["timestamp"].as_str().unwrap().ends_with(".000000Z"));
        assert!(b["metadata"]["source_user_id"].is_i64(), "{b}");
        assert_eq!(
            r.headers["authorization"], "Bearer abcdefghij",
            "destination headers are sent"
        );
        assert_eq!(r.headers["content-type"], "application/json");
        ids.push(b["id"].as_i64().unwrap());
        assert!(r.headers.contains_key("trestle-delivery-id"));
    }
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "event ids increase: {ids:?}");

    // The deliveries list shows them delivered, with keyset paging.
    let path = format!("/rest/v1.0/webhooks/hooks/{id}/deliveries?project_id={a1}");
    let all = wait_status(&node, &token, a, &format!("{path}&filters[status]=successful"), 4).await;
    assert_eq!(all[0]["outcome"], "ok");
    assert_eq!(all[0]["response_status"], 200);
    assert_eq!(all[0]["event"]["resource_name"], "RFIs");
    let first = all[0]["id"].as_i64().unwrap();
    let page = ok(
        &node,
        &token,
        a,
        "GET",
        &format!("{path}&page_size=2&page_start={first}"),
        None,
        StatusCode::OK,
    )
    .await;
    assert_eq!(page.as_array().unwrap().len(), 2);
    assert_eq!(page[0]["id"], all[1]["id"]);
    let none = ok(
        &node,
        &token,
        a,
        "GET",
        &format!("{path}&filter[status]=failing"),
        None,
        StatusCode::OK,
    )
    .await;
    assert_eq!(none, json!([]));

    // The v2 copy of the same hook.
    let v2 = ok(
        &node,
        &token,
        a,
        "GET",
        &format!("/rest/v2.0/companies/{a}/projects/{a1}/webhooks/hooks/{id}"),
        None,
        StatusCode::OK,
    )
    .await;
    assert_eq!(v2["data"]["id"], id.to_string());
    assert_eq!(v2["data"]["payload_version"], "v2.0");
    let deliveries = ok(&node, &token, a, "GET", &format!("/rest/v2.0/companies/{a}/projects/{a1}/webhooks/hooks/{id}/deliveries?filter[status]=delivered&per_page=100"), None, StatusCode::OK).await;
    assert_eq!(deliveries["data"].as_array().unwrap().len(), 4);
    assert_eq!(deliveries["data"][0]["status"], "delivered");

    // A deleted hook gets nothing more.
    ok(
        &node,
        &token,
        a,
        "DELETE",
        &format!("/rest/v1.0/webhooks/hooks/{id}?project_id={a1}"),
        None,
        StatusCode::OK,
    )
    .await;
    ok(
        &node,
        &token,
        a,
        "GET",
        &format!("/rest/v1.0/webhooks/hooks/{id}?project_id={a1}"),
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
    node.stop().await;
}

/// Polls a deliveries list (at most 15 s) until it holds `n` items.
async fn wait_status(app: &TestApp, token: &str, company: i64, path: &str, n: usize) -> Vec<Value> {
    let start = Instant::now();
    loop {
        let v = ok(app, token, company, "GET", path, None, StatusCode::OK).await;
        let items = v.as_array().cloned().or_else(|| v["data"].as_array().cloned()).unwrap();
        if items.len() >= n {
            return items;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "{path}: {} of {n}",
            items.len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Polls until the hook's only delivery has made `attempts` attempts.
pub(crate) async fn wait_attempts(app: &TestApp, token: &str, company: i64, path: &str, attempts: i64) -> Value {
    let start = Instant::now();
    loop {
        let v = ok(app, token, company, "GET", path, None, StatusCode::OK).await;
        if v[0]["attempts"].as_i64() == Some(attempts) {
            return v[0].clone();
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "{path}: not {attempts} attempts: {v}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn a_failing_receiver_is_retried_with_backoff(app: TestApp) {
    let node = node(app).await;
    let (_, dev) = node.person("dev@example.com", "Dev").await;
    let (a, a1, token) = bot(&node, &dev, "Acme", "admin").await;
    let receiver = Receiver::start(&[500, 503]).await;
    let (id, secret) = hook(
        &node,
        &token,
        a,
        a1,
        &receiver.url,
        json!([{"resource_name": "RFIs", "event_type": "create"}]),
    )
    .await;
    let rfis = format!("/rest/v1.0/projects/{a1}/rfis");
    ok(
        &node,
        &token,
        a,
        "POST",
        &rfis,
        Some(json!({"rfi": {"subject": "Footing", "rfi_manager_id": 1, "question": {"body": "Which?"}}})),
        StatusCode::CREATED,
    )
    .await;
    let path = format!("/rest/v1.0/webhooks/hooks/{id}/deliveries?project_id={a1}");

    // First attempt: 500. The retry is due 1 s later on the server's clock.
    let t0 = node.clock.now();
    let d = wait_attempts(&node, &token, a, &path, 1).await;
    assert_eq!(
        (
            d["status"].as_str(),
            d["outcome"].as_str(),
            d["response_status"].as_i64()
        ),
        (Some("failing"), Some("retried"), Some(500))
    );
    assert_eq!(d["next_attempt_at"], format_timestamp(t0 + 1));
    let failing = ok(
        &node,
        &token,
        a,
        "GET",
        &format!("{path}&filters[status]=failing"),
        None,
        StatusCode::OK,
    )
    .await;
    assert_eq!(failing.as_array().unwrap().len(), 1);
    assert_eq!(receiver.received().len(), 1, "no retry before the clock moves");

    // One second later: 503; the next wait doubles to 2 s.
    node.clock.advance(1);
    let d = wait_attempts(&node, &token, a, &path, 2).await;
    assert_eq!(
        (d["status"].as_str(), d["response_status"].as_i64()),
        (Some("failing"), Some(503))
    );
    assert_eq!(d["next_attempt_at"], format_timestamp(t0 + 1 + 2));
    node.clock.advance(1);
    // Still paused (due at t0 + 3); a pass or two goes by without an attempt.
    let d = wait_attempts(&node, &token, a, &path, 2).await;
    assert_eq!(d["status"], "failing");

    // Due: delivered, the same delivery id every time.
    node.clock.advance(1);
    let d = wait_attempts(&node, &token, a, &path, 3).await;
    assert_eq!(
        (
            d["status"].as_str(),
            d["outcome"].as_str(),
            d["response_status"].as_i64()
        ),
        (Some("successful"), Some("ok"), Some(200))
    );
    let got = receiver.received();
    assert_eq!(got.len(), 3);
    let ids: Vec<&String> = got.iter().map(|r| &r.headers["trestle-delivery-id"]).collect();
    assert!(ids.iter().all(|i| *i == ids[0]), "stable across retries: {ids:?}");
    for r in &got {
        verify(r, &secret);
        assert_eq!(body(r), body(&got[0]), "the same body on every retry");
    }
    let v2 = ok(
        &node,
        &token,
        a,
        "GET",
        &format!("/rest/v2.0/companies/{a}/projects/{a1}/webhooks/hooks/{id}/deliveries"),
        None,
        StatusCode::OK,
    )
    .await;
    assert_eq!(v2["data"][0]["status"], "delivered");
    assert_eq!(v2["data"][0]["delivery_attempts"][0]["attempts"], 3);
    node.stop().await;
}

async fn hooks_are_tenant_isolated_and_need_the_webhooks_tool(app: TestApp) {
    let (_, dev) = app.person("dev@example.com", "Dev").await;
    let (a, a1, token_a) = bot(&app, &dev, "Acme", "standard").await;
    let (b, _, token_b) = bot(&app, &dev, "Beta", "standard").await;
    // Company A's company-level hook (v2 path).
    let created = ok(
        &app,
        &token_a,
        a,
        "POST",
        &format!("/rest/v2.0/companies/{a}/webhooks/hooks"),
        Some(json!({"destination_url": "https://example.com/a", "payload_version": "v2.0", "namespace": "acme"})),
        StatusCode::CREATED,
    )
    .await;
    let id = created["data"]["id"].as_str().expect("v2 ids are strings").to_string();
    assert!(created["data"]["signing_secret"]
        .as_str()
        .is_some_and(|s| s.starts_with("whsec_")));
    let listed = ok(
        &app,
        &token_a,
        a,
        "GET",
        &format!("/rest/v1.0/webhooks/hooks?company_id={a}"),
        None,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed[0]["id"].to_string(), id);
    assert_eq!(listed[0]["owned_by_company_id"], a);

    // Company B sees nothing of it: its list is empty, the id is not found in B.
    let theirs = ok(
        &app,
        &token_b,
        b,
        "GET",
        &format!("/rest/v1.0/webhooks/hooks?company_id={b}"),
        None,
        StatusCode::OK,
    )
    .await;
    assert_eq!(theirs, json!([]));
    for (method, path) in [
        ("GET", format!("/rest/v2.0/companies/{b}/webhooks/hooks/{id}")),
        ("PATCH", format!("/rest/v2.0/companies/{b}/webhooks/hooks/{id}")),
        ("DELETE", format!("/rest/v1.0/webhooks/hooks/{id}?company_id={b}")),
        ("GET", format!("/rest/v1.0/webhooks/hooks/{id}/triggers?company_id={b}")),
        (
            "GET",
            format!("/rest/v1.0/webhooks/hooks/{id}/deliveries?company_id={b}"),
        ),
    ] {
        let (s, v) = call(&app, &token_b, b, method, &path, Some(json!({"namespace": "x"}))).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{method} {path}: {v}");
    }
    // B's bot is not in company A at all.
    let (s, _) = call(
        &app,
        &token_b,
        a,
        "GET",
        &format!("/rest/v1.0/webhooks/hooks?company_id={a}"),
        None,
    )
    .await;
    assert!(s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND, "{s}");

    // Without the Webhooks tool: 403 (v2 in its error shape); read_only lists but cannot manage.
    let (c, c1, none) = bot(&app, &dev, "Delta", "none").await;
    let (s, v) = call(
        &app,
        &none,
        c,
        "GET",
        &format!("/rest/v1.0/webhooks/hooks?company_id={c}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = call(
        &app,
        &none,
        c,
        "GET",
        &format!("/rest/v2.0/companies/{c}/projects/{c1}/webhooks/hooks"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert!(v["error"]["code"].is_string(), "v2 error shape: {v}");
    let (d, _, read_only) = bot(&app, &dev, "Echo", "read_only").await;
    ok(
        &app,
        &read_only,
        d,
        "GET",
        &format!("/rest/v1.0/webhooks/hooks?company_id={d}"),
        None,
        StatusCode::OK,
    )
    .await;
    let (s, v) = call(
        &app,
        &read_only,
        d,
        "POST",
        "/rest/v1.0/webhooks/hooks",
        Some(json!({"company_id": d, "hook": {"api_version": "v2", "destination_url": "https://example.com/x"}})),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    // The resources catalog.
    let resources = ok(
        &app,
        &token_a,
        a,
        "GET",
        &format!("/rest/v1.0/webhooks/resources?project_id={a1}"),
        None,
        StatusCode::OK,
    )
    .await;
    assert!(resources
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["resource_name"] == "RFIs"));
    let versions = ok(
        &app,
        &token_a,
        a,
        "GET",
        &format!("/rest/v1.0/webhooks/resources/api_versions?project_id={a1}"),
        None,
        StatusCode::OK,
    )
    .await;
    assert_eq!(versions, json!(["v2.0", "v3.0", "v4.0"]));
    // A hook may not set the headers a delivery writes itself.
    let (s, v) = call(
        &app,
        &token_a,
        a,
        "POST",
        "/rest/v1.0/webhooks/hooks",
        Some(
            json!({"company_id": a, "hook": {"api_version": "v2", "destination_url": "https://example.com/x",
            "destination_headers": {"Trestle-Signature": "forged"}}}),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    // A destination must be http(s).
    let res = app
        .post("/rest/v1.0/webhooks/hooks")
        .bearer_auth(&token_a)
        .json(&json!({"company_id": a, "hook": {"api_version": "v2", "destination_url": "ftp://example.com"}}))
        .send()
        .await
        .unwrap();
    expect(res, StatusCode::BAD_REQUEST).await;
}

async fn twelve_hours_of_failures_discard_the_queue(app: TestApp) {
    let node = node(app).await;
    let (_, dev) = node.person("dev@example.com", "Dev").await;
    let (a, a1, token) = bot(&node, &dev, "Acme", "standard").await;
    let receiver = Receiver::start(&[500, 500]).await;
    // A v4.0 hook and its trigger, made on the v2 paths.
    let v2 = format!("/rest/v2.0/companies/{a}/projects/{a1}/webhooks");
    let created = ok(
        &node,
        &token,
        a,
        "POST",
        &format!("{v2}/hooks"),
        Some(json!({"destination_url": receiver.url, "payload_version": "v4.0", "namespace": "four"})),
        StatusCode::CREATED,
    )
    .await;
    let id = created["data"]["id"].as_str().unwrap().to_string();
    let secret = created["data"]["signing_secret"].as_str().unwrap().to_string();
    let t = ok(
        &node,
        &token,
        a,
        "POST",
        &format!("{v2}/hooks/{id}/triggers"),
        Some(json!({"resource_name": "RFIs", "event_type": "create"})),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(t["data"]["webhook_hook_id"], id);
    let rfis = format!("/rest/v1.0/projects/{a1}/rfis");
    let rfi = json!({"rfi": {"subject": "Footing", "rfi_manager_id": 1, "question": {"body": "Which?"}}});
    ok(&node, &token, a, "POST", &rfis, Some(rfi.clone()), StatusCode::CREATED).await;
    let path = format!("/rest/v1.0/webhooks/hooks/{id}/deliveries?project_id={a1}");
    wait_attempts(&node, &token, a, &path, 1).await;
    // Twelve hours later the retry fails again: the queue is discarded.
    node.clock.advance(12 * 3600 + 1);
    let d = wait_attempts(&node, &token, a, &path, 2).await;
    assert_eq!(
        (d["status"].as_str(), d["outcome"].as_str()),
        (Some("discarded"), Some("discarded"))
    );
    let discarded = ok(
        &node,
        &token,
        a,
        "GET",
        &format!("{path}&filters[status]=discarded"),
        None,
        StatusCode::OK,
    )
    .await;
    assert_eq!(discarded.as_array().unwrap().len(), 1);
    // The next event starts afresh, and is delivered.
    let second = ok(&node, &token, a, "POST", &rfis, Some(rfi), StatusCode::CREATED).await;
    wait_status(&node, &token, a, &format!("{path}&filters[status]=successful"), 1).await;
    let got = receiver.wait_for(3).await;
    assert_eq!(got.len(), 3);
    let last = body(&got[2]);
    verify(&got[2], &secret);
    assert_eq!(last["resource_id"], second["id"].to_string(), "v4.0: string ids");
    assert_eq!(
        (last["reason"].as_str(), last["resource_type"].as_str()),
        (Some("create"), Some("RFIs"))
    );
    assert_eq!(last["id"].as_str().map(str::len), Some(26), "v4.0: the ULID is the id");
    assert!(last.get("metadata").is_none());
    node.stop().await;
}

/// Several nodes share one database on PostgreSQL only (SQLite is one node's).
#[tokio::test]
async fn two_postgres_nodes_deliver_each_event_once() {
    let db = trestle_store::testing::TestDb::new(trestle_store::testing::Backend::Postgres).await;
    let one = node(TestApp::spawn(&db.url).await).await;
    let two = TestApp::spawn_with(&one.db_url, |c| {
        c.allow_private_webhooks = true;
        c.webhook_interval = Duration::from_millis(5);
    })
    .await;
    let (_, dev) = one.person("dev@example.com", "Dev").await;
    let (a, a1, token) = bot(&one, &dev, "Acme", "standard").await;
    let receiver = Receiver::start(&[]).await;
    let (hook_id, secret) = hook(
        &one,
        &token,
        a,
        a1,
        &receiver.url,
        json!([{"resource_name": "RFIs", "event_type": "create"}]),
    )
    .await;
    let rfis = format!("/rest/v1.0/projects/{a1}/rfis");
    let mut made = Vec::new();
    for n in 0..12 {
        let node = if n % 2 == 0 { &one } else { &two };
        let rfi = json!({"rfi": {"subject": format!("RFI {n}"), "rfi_manager_id": 1, "question": {"body": "?"}}});
        let v = ok(node, &token, a, "POST", &rfis, Some(rfi), StatusCode::CREATED).await;
        made.push(v["id"].as_i64().unwrap());
    }
    receiver.wait_for(12).await;
    // Every event has one delivery, delivered at its first attempt: no node attempted one
    // that the other had claimed.
    let path = format!("/rest/v1.0/webhooks/hooks/{hook_id}/deliveries?project_id={a1}&filters[status]=successful");
    let done = wait_status(&one, &token, a, &path, 12).await;
    assert_eq!(done.len(), 12);
    assert!(done.iter().all(|d| d["attempts"] == 1), "each attempted once");
    let got_after = receiver.received();
    assert_eq!(got_after.len(), 12, "no event delivered twice");
    let delivered: Vec<i64> = got_after
        .iter()
        .map(|r| body(r)["resource_id"].as_i64().unwrap())
        .collect();
    assert_eq!(delivered, made, "each RFI once, in commit order");
    for r in &got_after {
        verify(r, &secret);
    }
    two.stop().await;
    one.stop().await;
    db.cleanup().await;
}

/// A receiver that reads each request and never answers (until the client gives up).
async fn silent_receiver() -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                // Until the client closes the connection (its timeout).
                while let Ok(n) = sock.read(&mut buf).await {
                    if n == 0 {
                        return;
                    }
                }
            });
        }
    });
    (url, task)
}

async fn a_receiver_that_never_answers_times_out(app: TestApp) {
    let node = node(app).await;
    let (_, dev) = node.person("dev@example.com", "Dev").await;
    let (a, a1, token) = bot(&node, &dev, "Acme", "standard").await;
    let (url, receiver) = silent_receiver().await;
    let (id, _) = hook(
        &node,
        &token,
        a,
        a1,
        &url,
        json!([{"resource_name": "RFIs", "event_type": "create"}]),
    )
    .await;
    let rfi = json!({"rfi": {"subject": "Footing", "rfi_manager_id": 1, "question": {"body": "Which?"}}});
    ok(
        &node,
        &token,
        a,
        "POST",
        &format!("/rest/v1.0/projects/{a1}/rfis"),
        Some(rfi),
        StatusCode::CREATED,
    )
    .await;
    let path = format!("/rest/v1.0/webhooks/hooks/{id}/deliveries?project_id={a1}");
    let started = Instant::now();
    let d = wait_attempts(&node, &token, a, &path, 1).await;
    assert!(
        started.elapsed() >= Duration::from_secs(4),
        "the attempt waited for the 5 s timeout"
    );
    assert_eq!(d["status"], "failing");
    assert_eq!(d["response_status"], Value::Null);
    assert!(
        d["response_error"].as_str().is_some_and(|e| e.contains("timed out")),
        "{d}"
    );
    // Twelve hours of that: discarded.
    node.clock.advance(12 * 3600 + 1);
    let d = wait_attempts(&node, &token, a, &path, 2).await;
    assert_eq!(d["status"], "discarded");
    receiver.abort();
    node.stop().await;
}
