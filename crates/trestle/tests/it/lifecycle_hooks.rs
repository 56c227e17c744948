//! App lifecycle endpoints (issue #16 item 5): a developer's endpoint receives the app's own
//! lifecycle — install, permitted projects, uninstall, reinstall, suspension, update offers and
//! approvals, an expiring client secret — signed like hook deliveries, at a real HTTP receiver
//! on 127.0.0.1; a failing endpoint is retried with backoff on the server's clock; deliveries
//! can be redelivered (the developer's, and the operator's of a hook); endpoints are the app's
//! developer's alone; a bot's record writes name its app as `source_application_id`.

use crate::receiver::{body, verify, Received, Receiver};
use crate::support::{app_with_permissions, dmsa_manifest, expect, on_both_backends, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use trestle_core::Clock;

on_both_backends!(
    lifecycle_events_arrive_signed_in_order,
    updates_and_an_expiring_secret_arrive,
    a_failing_endpoint_is_retried_then_redelivered,
    endpoints_are_the_developers_own,
    a_bots_record_names_its_app_and_the_operator_redelivers_a_hook_delivery,
    the_cli_manages_endpoints,
    the_web_ui_manages_endpoints,
);

/// A server whose deliveries may reach 127.0.0.1, on `app`'s database, in place of `app`.
async fn node(app: TestApp) -> TestApp {
    let node = TestApp::spawn_with(&app.db_url, |c| {
        c.allow_private_webhooks = true;
        c.webhook_interval = Duration::from_millis(20);
    })
    .await;
    app.stop().await;
    node
}

/// A request with an API token; the status and the JSON answer (null when empty).
async fn send(app: &TestApp, token: &str, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut req = app
        .http
        .request(method.parse().unwrap(), format!("{}{path}", app.url))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn ok(app: &TestApp, token: &str, method: &str, path: &str, body: Option<Value>) -> Value {
    let (s, v) = send(app, token, method, path, body).await;
    assert!(s.is_success(), "{method} {path}: {s} {v}");
    v
}

/// Makes an endpoint of `app_id` to `url`; its id and signing secret (shown once).
async fn endpoint(app: &TestApp, dev: &str, app_id: i64, url: &str) -> (i64, String) {
    let created = app
        .api_post(
            dev,
            &format!("/api/v1/apps/{app_id}/endpoints"),
            json!({"url": url, "description": "lifecycle"}),
            StatusCode::CREATED,
        )
        .await;
    let secret = created["signing_secret"]
        .as_str()
        .expect("the secret, once")
        .to_string();
    assert!(secret.starts_with("whsec_"), "{secret}");
    assert_eq!(
        (created["active"].as_bool(), created["url"].as_str()),
        (Some(true), Some(url))
    );
    (created["id"].as_i64().unwrap(), secret)
}

fn types(got: &[Received]) -> Vec<String> {
    got.iter()
        .map(|r| body(r)["type"].as_str().unwrap().to_string())
        .collect()
}

/// Polls the endpoint's deliveries until the newest has made `attempts` attempts.
async fn wait_attempts(app: &TestApp, dev: &str, path: &str, attempts: i64) -> Value {
    let start = Instant::now();
    loop {
        let v = app.api_get(dev, path, StatusCode::OK).await;
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

async fn lifecycle_events_arrive_signed_in_order(app: TestApp) {
    let node = node(app).await;
    let (_, dev) = node.person("dev@example.com", "Dev").await;
    let promoted = node.promoted_app(&dev, "Lifecycle App").await;
    let (c, admin) = node.company("Acme").await;
    let p1 = node.project(&admin, c, "P1").await;
    let p2 = node.project(&admin, c, "P2").await;
    let rx = Receiver::start(&[]).await;
    let (_, secret) = endpoint(&node, &dev, promoted.app_id, &rx.url).await;

    let install = node.install(&admin, c, &promoted.app_version_id, &[p1]).await;
    let installs = format!("/api/v1/companies/{c}/installs/{install}");
    ok(
        &node,
        &admin,
        "POST",
        &format!("{installs}/permitted_projects"),
        Some(json!({"project_ids": [p2]})),
    )
    .await;
    ok(
        &node,
        &admin,
        "DELETE",
        &format!("{installs}/permitted_projects/{p1}"),
        None,
    )
    .await;
    ok(&node, &admin, "DELETE", &installs, None).await;
    let again = node.install(&admin, c, &promoted.app_version_id, &[p2]).await;
    let app_path = format!("/api/v1/apps/{}", promoted.app_id);
    ok(
        &node,
        &node.operator,
        "POST",
        &format!("{app_path}/suspend"),
        Some(json!({"reason": "audit"})),
    )
    .await;
    ok(&node, &node.operator, "POST", &format!("{app_path}/resume"), None).await;

    let got = rx.wait_for(7).await;
    assert_eq!(
        types(&got),
        [
            "install.created",
            "permitted_projects.added",
            "permitted_projects.removed",
            "install.uninstalled",
            "install.reinstalled",
            "app.suspended",
            "app.resumed"
        ],
        "every lifecycle change once, in commit order"
    );
    let mut ids = Vec::new();
    for r in &got {
        verify(r, &secret);
        let b = body(r);
        assert_eq!(b["app_id"], promoted.app_id, "{b}");
        assert_eq!(b["id"].as_str().map(str::len), Some(26), "a ULID: {b}");
        assert!(b["created_at"].as_str().unwrap().ends_with('Z'));
        assert_eq!(r.headers["content-type"], "application/json");
        ids.push(r.headers["trestle-delivery-id"].clone());
    }
    let bodies: Vec<Value> = got.iter().map(body).collect();
    for b in &bodies[..5] {
        assert_eq!(b["company_id"], c, "{b}");
    }
    assert_eq!(bodies[0]["data"]["install_id"], install);
    assert_eq!(bodies[0]["data"]["permitted_project_ids"], json!([p1]));
    assert_eq!(bodies[1]["data"]["project_ids"], json!([p2]));
    assert_eq!(bodies[2]["data"]["project_ids"], json!([p1]));
    assert_eq!(bodies[3]["data"]["permitted_project_ids"], json!([p2]));
    assert_eq!(
        (
            bodies[4]["data"]["install_id"].as_i64(),
            bodies[4]["data"]["permitted_project_ids"].clone()
        ),
        (Some(again), json!([p2]))
    );
    assert_eq!(
        bodies[5]["company_id"],
        Value::Null,
        "a suspension is the app's, in no company"
    );
    assert_eq!(bodies[5]["data"]["reason"], "audit");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 7, "one delivery id per event");
    // The signing secret never reaches the audit log.
    let audit = node
        .api_get(&dev, &format!("{app_path}/audit?per_page=100"), StatusCode::OK)
        .await;
    let text = audit.to_string();
    assert!(text.contains("app_endpoint.create"), "{text}");
    assert!(!text.contains(&secret));
}

async fn updates_and_an_expiring_secret_arrive(app: TestApp) {
    let node = node(app).await;
    let (_, dev) = node.person("dev@example.com", "Dev").await;
    let promoted = node.promoted_app(&dev, "Updating App").await;
    let (c, admin) = node.company("Acme").await;
    let p1 = node.project(&admin, c, "P1").await;
    let rx = Receiver::start(&[]).await;
    let (_, secret) = endpoint(&node, &dev, promoted.app_id, &rx.url).await;
    let install = node.install(&admin, c, &promoted.app_version_id, &[p1]).await;

    // 1.1.0 widens documents to admin: offered, pending the company's approval.
    let app_path = format!("/api/v1/apps/{}", promoted.app_id);
    let mut manifest = dmsa_manifest();
    manifest["permissions"]["project"]["documents"] = json!("admin");
    let v = node
        .api_post(
            &dev,
            &format!("{app_path}/versions"),
            json!({"version": "1.1.0", "manifest": manifest}),
            StatusCode::CREATED,
        )
        .await;
    ok(
        &node,
        &dev,
        "POST",
        &format!("{app_path}/versions/{}/promote", v["id"]),
        Some(json!({})),
    )
    .await;
    let installs = format!("/api/v1/companies/{c}/installs/{install}");
    let view = node.api_get(&admin, &installs, StatusCode::OK).await;
    let update = view["pending_update"]["id"].as_i64().expect("a pending update");
    ok(
        &node,
        &admin,
        "POST",
        &format!("{installs}/updates/{update}/approve"),
        Some(json!({})),
    )
    .await;

    // The production secret is rotated, the old one expiring in 10 days: not yet within 7.
    let clients = node
        .api_get(&dev, &format!("{app_path}/credentials"), StatusCode::OK)
        .await;
    let production = clients
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["environment"] == "production")
        .unwrap();
    let old = production["secrets"][0]["id"].as_i64().unwrap();
    let rotated_at = node.clock.now();
    node.api_post(
        &dev,
        &format!("{app_path}/credentials/production/secrets"),
        json!({"expire_others_in_seconds": 10 * 86_400}),
        StatusCode::CREATED,
    )
    .await;
    let ours = |got: &[Received]| -> Vec<Value> {
        got.iter()
            .map(body)
            .filter(|b| b["company_id"] == c || b["type"] == "secret.expiring")
            .collect()
    };
    let start = Instant::now();
    while ours(&rx.received()).len() < 3 {
        assert!(start.elapsed() < Duration::from_secs(15), "{:?}", types(&rx.received()));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Four days on, it expires within 7: announced once, by the scan.
    node.clock.advance(4 * 86_400);
    let moved = node.clock.now();
    let start = Instant::now();
    while ours(&rx.received()).len() < 4 {
        assert!(start.elapsed() < Duration::from_secs(15), "{:?}", types(&rx.received()));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let got = ours(&rx.received());
    let seen: Vec<&str> = got.iter().map(|b| b["type"].as_str().unwrap()).collect();
    assert_eq!(
        seen,
        [
            "install.created",
            "update.pending",
            "update.approved",
            "secret.expiring"
        ]
    );
    assert_eq!(
        (
            got[1]["data"]["to_version_id"].clone(),
            got[1]["data"]["install_update_id"].as_i64()
        ),
        (v["id"].clone(), Some(update))
    );
    assert_eq!(got[2]["data"]["automatic"], false);
    let expiring = &got[3];
    assert_eq!(expiring["data"]["secret_id"], old);
    assert_eq!(expiring["data"]["environment"], "production");
    let expires_at = expiring["data"]["expires_at"].as_i64().unwrap();
    assert!(
        (rotated_at + 10 * 86_400..=rotated_at + 10 * 86_400 + 5).contains(&expires_at),
        "{expiring}"
    );
    assert!(expiring["created_at"].as_str().unwrap() >= trestle_core::format_timestamp(moved).as_str());
    assert!(
        !expiring.to_string().contains(&promoted.client_secret),
        "never the secret"
    );
    for r in rx.received() {
        verify(&r, &secret);
    }
    // Later scans do not announce it again.
    node.clock.advance(86_400);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let again = ours(&rx.received());
    assert_eq!(again.iter().filter(|b| b["type"] == "secret.expiring").count(), 1);
    let audit = node
        .api_get(&dev, &format!("{app_path}/audit?per_page=100"), StatusCode::OK)
        .await;
    let announced = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "client_secret.expiring")
        .count();
    assert_eq!(announced, 1, "{audit}");
    // ...and the developer is told by e-mail, without the secret.
    let mail = crate::mail::wait_for_mail(
        &node,
        &dev,
        "/api/v1/me/mail",
        "client_secret.expiring",
        "dev@example.com",
    )
    .await;
    assert!(mail["subject"].as_str().unwrap().contains("Updating App"), "{mail}");
    assert!(!mail.to_string().contains(&promoted.client_secret), "never the secret");
}

async fn a_failing_endpoint_is_retried_then_redelivered(app: TestApp) {
    let node = node(app).await;
    let (_, dev) = node.person("dev@example.com", "Dev").await;
    let promoted = node.promoted_app(&dev, "Flaky App").await;
    let (c, admin) = node.company("Acme").await;
    let rx = Receiver::start(&[500, 503]).await;
    let (ep, secret) = endpoint(&node, &dev, promoted.app_id, &rx.url).await;
    node.install(&admin, c, &promoted.app_version_id, &[]).await;
    let deliveries = format!("/api/v1/apps/{}/endpoints/{ep}/deliveries", promoted.app_id);

    rx.wait_for(1).await;
    let first = wait_attempts(&node, &dev, &deliveries, 1).await;
    assert_eq!(
        (first["status"].as_str(), first["response_status"].as_i64()),
        (Some("failing"), Some(500))
    );
    assert_eq!(
        first["next_attempt_at"].as_i64(),
        first["completed_at"].as_i64().map(|t| t + 1),
        "1 s"
    );
    node.clock.advance(1);
    rx.wait_for(2).await;
    let second = wait_attempts(&node, &dev, &deliveries, 2).await;
    assert_eq!(
        second["next_attempt_at"].as_i64(),
        second["completed_at"].as_i64().map(|t| t + 2),
        "then 2 s"
    );
    node.clock.advance(1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rx.received().len(), 2, "not before its time");
    node.clock.advance(1);
    let got = rx.wait_for(3).await;
    let done = wait_attempts(&node, &dev, &deliveries, 3).await;
    assert_eq!(
        (done["status"].as_str(), done["response_status"].as_i64()),
        (Some("successful"), Some(200))
    );
    assert_eq!(done["event_type"], "install.created");
    for r in &got {
        verify(r, &secret);
        assert_eq!(r.body, got[0].body, "the same bytes on every attempt");
        assert_eq!(r.headers["trestle-delivery-id"], got[0].headers["trestle-delivery-id"]);
    }

    // Redelivery: the same body and delivery id again, audited.
    let id = done["id"].as_i64().unwrap();
    let again = node
        .api_post(
            &dev,
            &format!("{deliveries}/{id}/redeliver"),
            json!({}),
            StatusCode::ACCEPTED,
        )
        .await;
    assert_eq!(
        (again["status"].as_str(), again["attempts"].as_i64()),
        (Some("queued"), Some(0))
    );
    let got = rx.wait_for(4).await;
    assert_eq!(got[3].body, got[0].body);
    assert_eq!(
        got[3].headers["trestle-delivery-id"],
        got[0].headers["trestle-delivery-id"]
    );
    verify(&got[3], &secret);
    wait_attempts(&node, &dev, &deliveries, 1).await;
    let failing = node
        .api_get(&dev, &format!("{deliveries}?status=failing"), StatusCode::OK)
        .await;
    assert_eq!(failing, json!([]));
    let audit = node
        .api_get(
            &dev,
            &format!("/api/v1/apps/{}/audit?per_page=100", promoted.app_id),
            StatusCode::OK,
        )
        .await;
    assert!(audit.to_string().contains("app_endpoint_delivery.redeliver"), "{audit}");
    node.api_post(
        &dev,
        &format!("{deliveries}/999999/redeliver"),
        json!({}),
        StatusCode::NOT_FOUND,
    )
    .await;
}

async fn endpoints_are_the_developers_own(app: TestApp) {
    let (_, dev) = app.person("dev@example.com", "Dev").await;
    let (_, other) = app.person("other@example.com", "Other").await;
    let promoted = app.promoted_app(&dev, "Private App").await;
    let (_, admin) = app.company("Acme").await;
    let base = format!("/api/v1/apps/{}/endpoints", promoted.app_id);
    let (ep, secret) = endpoint(&app, &dev, promoted.app_id, "https://example.com/hooks").await;
    let one = format!("{base}/{ep}");

    // Shown once: never in a list or a show.
    let listed = app.api_get(&dev, &base, StatusCode::OK).await;
    assert_eq!(listed[0]["id"], ep);
    assert!(listed[0].get("signing_secret").is_none());
    let shown = app.api_get(&dev, &one, StatusCode::OK).await;
    assert!(shown.get("signing_secret").is_none());
    assert_eq!(shown["description"], "lifecycle");

    // Another developer, a company admin and the operator see nothing of it.
    for token in [&other, &admin, &app.operator] {
        for (method, path, body) in [
            ("GET", base.clone(), None),
            ("POST", base.clone(), Some(json!({"url": "https://evil.example/"}))),
            ("GET", one.clone(), None),
            ("PATCH", one.clone(), Some(json!({"active": false}))),
            ("DELETE", one.clone(), None),
            ("POST", format!("{one}/rotate_secret"), None),
            ("GET", format!("{one}/deliveries"), None),
            ("POST", format!("{one}/deliveries/1/redeliver"), None),
        ] {
            let (s, v) = send(&app, token, method, &path, body).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{method} {path}: {v}");
        }
    }
    assert_eq!(
        app.api_get(&dev, &base, StatusCode::OK).await.as_array().unwrap().len(),
        1
    );

    // Rotation: a new secret, once.
    let rotated = app
        .api_post(&dev, &format!("{one}/rotate_secret"), json!({}), StatusCode::OK)
        .await;
    let new = rotated["signing_secret"].as_str().unwrap();
    assert!(new.starts_with("whsec_") && new != secret);
    // Updates are checked and audited; bad input is refused.
    let paused = ok(
        &app,
        &dev,
        "PATCH",
        &one,
        Some(json!({"active": false, "description": ""})),
    )
    .await;
    assert_eq!(
        (paused["active"].as_bool(), paused["description"].clone()),
        (Some(false), Value::Null)
    );
    let (s, _) = send(&app, &dev, "PATCH", &one, Some(json!({"url": "ftp://example.com"}))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = send(&app, &dev, "POST", &base, Some(json!({"description": "no url"}))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = send(&app, &dev, "GET", &format!("{one}/deliveries?status=bogus"), None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let audit = app
        .api_get(
            &dev,
            &format!("/api/v1/apps/{}/audit?per_page=100", promoted.app_id),
            StatusCode::OK,
        )
        .await;
    let text = audit.to_string();
    for action in [
        "app_endpoint.create",
        "app_endpoint.rotate_secret",
        "app_endpoint.update",
    ] {
        assert!(text.contains(action), "{action}: {text}");
    }
    assert!(!text.contains(&secret) && !text.contains(new));
    let res = app.delete(&one).bearer_auth(&dev).send().await.unwrap();
    expect(res, StatusCode::NO_CONTENT).await;
    app.api_get(&dev, &one, StatusCode::NOT_FOUND).await;
}

async fn a_bots_record_names_its_app_and_the_operator_redelivers_a_hook_delivery(app: TestApp) {
    let node = node(app).await;
    let (_, dev) = node.person("dev@example.com", "Dev").await;
    let (c, admin) = node.company("Acme").await;
    let p1 = node.project(&admin, c, "P1").await;
    let permissions = json!({
        "company": {"webhooks": "standard"},
        "project": {"webhooks": "standard", "rfis": "admin"}
    });
    let token = app_with_permissions(&node, &dev, &admin, c, &[p1], "Recorder", permissions).await;
    let apps = node.api_get(&dev, "/api/v1/apps", StatusCode::OK).await;
    let app_id = apps
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "Recorder")
        .unwrap()["id"]
        .clone();
    let rx = Receiver::start(&[]).await;
    let rest = |method: &str, path: &str, body: Value| {
        node.http
            .request(method.parse().unwrap(), format!("{}{path}", node.url))
            .bearer_auth(&token)
            .header("Procore-Company-Id", c.to_string())
            .json(&body)
            .send()
    };
    let hook = rest(
        "POST",
        "/rest/v1.0/webhooks/hooks",
        json!({"project_id": p1, "hook": {"api_version": "v2", "namespace": "lifecycle-tests", "destination_url": rx.url}}),
    )
    .await
    .unwrap();
    let hook = expect(hook, StatusCode::CREATED).await;
    let secret = hook["signing_secret"].as_str().unwrap().to_string();
    let triggers = rest(
        "POST",
        &format!("/rest/v1.0/webhooks/hooks/{}/triggers/bulk", hook["id"]),
        json!({"project_id": p1, "triggers": [{"resource_name": "RFIs", "event_type": "create"}]}),
    )
    .await
    .unwrap();
    expect(triggers, StatusCode::OK).await;
    let rfi = rest(
        "POST",
        &format!("/rest/v1.0/projects/{p1}/rfis"),
        json!({"rfi": {"subject": "Footing", "rfi_manager_id": 1, "question": {"body": "Which?"}}}),
    )
    .await
    .unwrap();
    let rfi = expect(rfi, StatusCode::CREATED).await;

    let got = rx.wait_for(1).await;
    verify(&got[0], &secret);
    let b = body(&got[0]);
    assert_eq!(b["resource_id"], rfi["id"]);
    assert_eq!(b["metadata"]["source_application_id"], app_id, "the bot's app: {b}");

    // Only the operator redelivers a hook's delivery: the same body and delivery id.
    let delivery = got[0].headers["trestle-delivery-id"].clone();
    let path = format!("/api/v1/webhooks/deliveries/{delivery}/redeliver");
    node.api_post(&dev, &path, json!({}), StatusCode::FORBIDDEN).await;
    node.api_post(&admin, &path, json!({}), StatusCode::FORBIDDEN).await;
    let again = node
        .api_post(&node.operator, &path, json!({}), StatusCode::ACCEPTED)
        .await;
    assert_eq!(
        (again["company_id"].as_i64(), again["status"].as_str()),
        (Some(c), Some("queued"))
    );
    let got = rx.wait_for(2).await;
    assert_eq!(got[1].body, got[0].body);
    assert_eq!(got[1].headers["trestle-delivery-id"], delivery);
    verify(&got[1], &secret);
    node.api_post(
        &node.operator,
        "/api/v1/webhooks/deliveries/999999/redeliver",
        json!({}),
        StatusCode::NOT_FOUND,
    )
    .await;
    let audit = node
        .api_get(
            &admin,
            &format!("/api/v1/companies/{c}/audit?per_page=100"),
            StatusCode::OK,
        )
        .await;
    assert!(audit.to_string().contains("webhook_delivery.redeliver"), "{audit}");
}

async fn the_cli_manages_endpoints(app: TestApp) {
    use crate::cli::{trestle, trestle_text};
    let (_, dev) = app.person("dev@example.com", "Dev").await;
    let promoted = app.promoted_app(&dev, "Cli App").await;
    let app = tokio::task::spawn_blocking(move || {
        let id = promoted.app_id.to_string();
        let created = trestle(
            &app,
            &dev,
            &[
                "endpoints",
                "create",
                "--app",
                &id,
                "--destination",
                "https://example.com/lifecycle",
                "--description",
                "cli",
            ],
        );
        assert!(
            created["signing_secret"].as_str().unwrap().starts_with("whsec_"),
            "{created}"
        );
        let ep = created["id"].to_string();
        let listed = trestle(&app, &dev, &["endpoints", "list", "--app", &id]);
        assert_eq!(listed[0]["id"], created["id"]);
        assert!(listed[0].get("signing_secret").is_none());
        let updated = trestle(
            &app,
            &dev,
            &[
                "endpoints",
                "update",
                "--app",
                &id,
                "--endpoint",
                &ep,
                "--active",
                "false",
            ],
        );
        assert_eq!(updated["active"], false);
        let rotated = trestle(&app, &dev, &["endpoints", "rotate", "--app", &id, "--endpoint", &ep]);
        assert_ne!(rotated["signing_secret"], created["signing_secret"]);
        let deliveries = trestle(
            &app,
            &dev,
            &["endpoints", "deliveries", "--app", &id, "--endpoint", &ep],
        );
        assert_eq!(deliveries, json!([]));
        trestle_text(&app, &dev, &["endpoints", "delete", "--app", &id, "--endpoint", &ep]);
        assert_eq!(trestle(&app, &dev, &["endpoints", "list", "--app", &id]), json!([]));
        app
    })
    .await
    .unwrap();
    app.stop().await;
}

async fn the_web_ui_manages_endpoints(app: TestApp) {
    use crate::web_ui::{csrf_of, person, sign_in};
    let (_, dev) = person(&app, "dev@example.com", "Dev").await;
    let promoted = app.promoted_app(&dev, "Web App").await;
    let mut b = sign_in(&app, "dev@example.com").await;
    let csrf = csrf_of(&mut b).await;
    let path = format!("/ui/apps/{}/endpoints", promoted.app_id);
    let app_page = b
        .get(&format!("/ui/apps/{}", promoted.app_id))
        .await
        .text()
        .await
        .unwrap();
    assert!(app_page.contains(&path), "the app page links to its endpoints");
    let empty = b.get(&path).await;
    assert_eq!(empty.status(), StatusCode::OK);
    assert!(empty.text().await.unwrap().contains("No endpoints yet."));

    let res = b
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("url", "https://example.com/<b>hooks"),
                ("description", "ops <i>"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let page = res.text().await.unwrap();
    let listed = app
        .api_get(
            &dev,
            &format!("/api/v1/apps/{}/endpoints", promoted.app_id),
            StatusCode::OK,
        )
        .await;
    let ep = listed[0]["id"].as_i64().unwrap();
    assert!(page.contains("whsec_"), "the secret, once");
    assert!(!page.contains("<b>hooks"), "escaped");
    let shown = b.get(&path).await.text().await.unwrap();
    assert!(!shown.contains("whsec_"), "never again");
    assert!(shown.contains("ops &lt;i&gt;") && shown.contains("Active"));

    let res = b
        .post(&format!("{path}/{ep}/active"), &[("csrf", &csrf), ("active", "false")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let one = format!("/api/v1/apps/{}/endpoints/{ep}", promoted.app_id);
    assert_eq!(app.api_get(&dev, &one, StatusCode::OK).await["active"], false);
    let res = b.post(&format!("{path}/{ep}/rotate"), &[("csrf", &csrf)]).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert!(res.text().await.unwrap().contains("whsec_"));
    // A refused form says why; a form without the session's token is refused.
    let res = b.post(&path, &[("csrf", &csrf), ("url", "ftp://example.com")]).await;
    assert!(res.text().await.unwrap().contains("http or https"));
    let res = b.post(&format!("{path}/{ep}/delete"), &[("csrf", "wrong")]).await;
    assert!(res.status().is_client_error());
    app.api_get(&dev, &one, StatusCode::OK).await;
    let res = b.post(&format!("{path}/{ep}/delete"), &[("csrf", &csrf)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    app.api_get(&dev, &one, StatusCode::NOT_FOUND).await;
    // Another developer's browser gets a 404 page.
    person(&app, "other@example.com", "Other").await;
    let mut other = sign_in(&app, "other@example.com").await;
    assert_eq!(other.get(&path).await.status(), StatusCode::NOT_FOUND);
}
