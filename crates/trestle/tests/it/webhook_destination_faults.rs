//! Scripted faults on webhook destinations (issue #17 item 3): a rule that names a destination
//! makes Trestle's own deliveries to it fail — the status it gives, a cut connection — without
//! sending them, so an app's hook handling can be tested against a receiver that misbehaves;
//! the hook's back-off proceeds as for a real failure, and once the rules run out the same
//! delivery arrives. Such a rule strikes no call, and a rule for calls strikes no delivery.

use crate::receiver::Receiver;
use crate::support::{on_both_backends, TestApp};
use crate::webhooks::{bot, hook, ok, wait_attempts};
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;
use trestle_core::Clock;

on_both_backends!(a_destination_rule_fails_deliveries_until_it_runs_out);

async fn a_destination_rule_fails_deliveries_until_it_runs_out(app: TestApp) {
    let node = TestApp::spawn_with(&app.db_url, |c| {
        c.allow_private_webhooks = true;
        c.webhook_interval = Duration::from_millis(20);
        c.faults = true;
    })
    .await;
    app.stop().await;
    let (_, dev) = node.person("dev@example.com", "Dev").await;
    let (a, a1, token) = bot(&node, &dev, "Acme", "admin").await;
    let receiver = Receiver::start(&[]).await;
    let (id, _) = hook(
        &node,
        &token,
        a,
        a1,
        &receiver.url,
        json!([{"resource_name": "RFIs", "event_type": "create"}]),
    )
    .await;

    // A destination rule is alone in its match and carries no Retry-After.
    let bad = node
        .api_post(
            &node.operator,
            "/api/v1/faults",
            json!({"match": {"destination": "ftp://example.test", "path": "/oauth/token"}, "status": 429, "retry_after": 5}),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await
        .to_string();
    for want in [
        "$.match.destination",
        "must be an http(s) URL",
        "leave out method",
        "$.retry_after",
    ] {
        assert!(bad.contains(want), "{want} in {bad}");
    }

    // Two rules, tried in order: the first attempt gets 503, the second a cut connection.
    let first = node
        .api_post(
            &node.operator,
            "/api/v1/faults",
            json!({"match": {"destination": receiver.url}, "status": 503, "count": 1}),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(first["match"]["destination"], receiver.url.as_str());
    let first = first["id"].as_i64().unwrap();
    let prefix = receiver.url.trim_end_matches("/hook");
    let second = node
        .api_post(
            &node.operator,
            "/api/v1/faults",
            json!({"match": {"destination": prefix}, "drop_connection": true, "count": 1}),
            StatusCode::CREATED,
        )
        .await["id"]
        .as_i64()
        .unwrap();

    // Calls are not struck by destination rules.
    ok(&node, &token, a, "GET", "/rest/v1.0/companies", None, StatusCode::OK).await;
    ok(
        &node,
        &token,
        a,
        "POST",
        &format!("/rest/v1.0/projects/{a1}/rfis"),
        Some(json!({"rfi": {"subject": "Footing", "rfi_manager_id": 1, "question": {"body": "Which?"}}})),
        StatusCode::CREATED,
    )
    .await;
    let path = format!("/rest/v1.0/webhooks/hooks/{id}/deliveries?project_id={a1}");
    let t0 = node.clock.now();
    let d = wait_attempts(&node, &token, a, &path, 1).await;
    assert_eq!(
        (
            d["status"].as_str(),
            d["outcome"].as_str(),
            d["response_status"].as_i64()
        ),
        (Some("failing"), Some("retried"), Some(503)),
        "{d}"
    );
    assert!(
        d["response_body"]
            .as_str()
            .is_some_and(|b| b.contains(&format!("scripted fault rule {first}"))),
        "the attempt says which rule: {d}"
    );
    assert_eq!(receiver.received().len(), 0, "a struck delivery is not sent");

    node.clock.advance(1);
    let d = wait_attempts(&node, &token, a, &path, 2).await;
    assert_eq!(d["status"], "failing", "{d}");
    assert!(
        d["response_error"]
            .as_str()
            .is_some_and(|e| e.contains(&format!("connection dropped (scripted fault rule {second})"))),
        "{d}"
    );
    assert_eq!(
        d["next_attempt_at"],
        trestle_core::format_timestamp(t0 + 1 + 2),
        "the back-off doubles as for a real failure"
    );
    assert_eq!(receiver.received().len(), 0);
    let left = node.api_get(&node.operator, "/api/v1/faults", StatusCode::OK).await;
    assert_eq!(left, json!([]), "both rules ran out");

    node.clock.advance(2);
    let d = wait_attempts(&node, &token, a, &path, 3).await;
    assert_eq!(
        (d["status"].as_str(), d["response_status"].as_i64()),
        (Some("successful"), Some(200)),
        "{d}"
    );
    assert_eq!(receiver.received().len(), 1, "the same delivery, now sent");

    // A rule for calls strikes no delivery.
    node.api_post(
        &node.operator,
        "/api/v1/faults",
        json!({"match": {"path": "/rest/v1.0/companies"}, "status": 500}),
        StatusCode::CREATED,
    )
    .await;
    ok(
        &node,
        &token,
        a,
        "POST",
        &format!("/rest/v1.0/projects/{a1}/rfis"),
        Some(json!({"rfi": {"subject": "Rebar", "rfi_manager_id": 1, "question": {"body": "Size?"}}})),
        StatusCode::CREATED,
    )
    .await;
    let start = std::time::Instant::now();
    while receiver.received().len() < 2 {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "the second RFI never arrived"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let audit = node
        .api_get(&node.operator, "/api/v1/audit?per_page=100", StatusCode::OK)
        .await
        .to_string();
    assert!(
        audit.contains("fault.add") && audit.contains(&receiver.url),
        "audited with its destination"
    );
    node.stop().await;
}
