//! The sandbox clock: the operator moves it forward and expiries follow; the system clock
//! cannot be moved; only the operator may touch it.

use crate::support::{expect, on_both_backends, operator_cli as cli, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::Arc;
use trestle_core::{Clock, SystemClock};
use trestle_store::testing::{Backend, TestDb};

on_both_backends!(
    moving_the_clock_expires_tokens_and_is_audited,
    only_the_operator_moves_the_clock
);

/// The platform audit log's `clock.advance` events, from every page.
async fn clock_moves(app: &TestApp) -> Vec<Value> {
    let mut found = Vec::new();
    for page in 1..=100 {
        let path = format!("/api/v1/audit?per_page=100&page={page}");
        let v = app.api_get(&app.operator, &path, StatusCode::OK).await;
        let events = v.as_array().expect("a page of events");
        found.extend(events.iter().filter(|e| e["action"] == "clock.advance").cloned());
        if events.len() < 100 {
            return found;
        }
    }
    panic!("over 100 pages of audit events");
}

async fn companies_status(app: &TestApp, token: &str) -> StatusCode {
    app.get("/rest/v1.0/companies")
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

async fn moving_the_clock_expires_tokens_and_is_audited(app: TestApp) {
    let w = app.world().await;
    let token = app.token(&w.app).await;
    assert_eq!(companies_status(&app, &token).await, StatusCode::OK);

    let before = app.api_get(&app.operator, "/api/v1/clock", StatusCode::OK).await;
    assert_eq!(before["movable"], true);
    let t0 = before["now"].as_i64().unwrap();
    assert_eq!(t0, app.clock.now());

    // An hour on: the 90-minute token still works.
    let after = app
        .api_post(
            &app.operator,
            "/api/v1/clock/advance",
            json!({"seconds": 3600}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(after["now"].as_i64().unwrap(), t0 + 3600);
    assert_eq!(after["now_iso"], trestle_core::format_timestamp(t0 + 3600));
    assert_eq!(companies_status(&app, &token).await, StatusCode::OK);

    // From the CLI, 31 minutes more: past the token's 5,400 seconds.
    let moved = cli(&app, &["clock", "advance", "31m"]).await;
    assert_eq!(moved["now"].as_i64().unwrap(), t0 + 3600 + 31 * 60);
    assert_eq!(companies_status(&app, &token).await, StatusCode::UNAUTHORIZED);
    let shown = cli(&app, &["clock", "show"]).await;
    assert_eq!(shown["now"], moved["now"]);

    // A new token is issued on the moved clock and works.
    let fresh = app.token(&w.app).await;
    assert_eq!(companies_status(&app, &fresh).await, StatusCode::OK);

    // Both moves are in the platform's audit log, with the times before and after.
    let items = clock_moves(&app).await;
    assert_eq!(items.len(), 2, "{items:?}");
    let moves: Vec<(i64, i64)> = items
        .iter()
        .map(|e| {
            (
                e["before"]["now"].as_i64().unwrap(),
                e["after"]["now"].as_i64().unwrap(),
            )
        })
        .collect();
    assert!(moves.contains(&(t0, t0 + 3600)), "{moves:?}");
    assert!(moves.contains(&(t0 + 3600, t0 + 3600 + 31 * 60)), "{moves:?}");
    assert!(items
        .iter()
        .all(|e| e["actor_kind"] == "operator" && e["target_type"] == "clock"));
}

async fn only_the_operator_moves_the_clock(app: TestApp) {
    let w = app.world().await;
    let t0 = app.clock.now();
    // A developer and a company admin are refused, and the clock stays where it was.
    for token in [&w.dev, &w.admin_a] {
        app.api_get(token, "/api/v1/clock", StatusCode::FORBIDDEN).await;
        app.api_post(
            token,
            "/api/v1/clock/advance",
            json!({"seconds": 60}),
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    // Backwards, zero, over ten years, not a number, an unknown field: refused with the path.
    for (body, want) in [
        (json!({"seconds": -60}), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"seconds": 0}), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"seconds": 315_360_001}), StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let v = app.api_post(&app.operator, "/api/v1/clock/advance", body, want).await;
        assert_eq!(v["errors"][0]["path"], "$.seconds", "{v}");
    }
    for body in [json!({"seconds": "1h"}), json!({"seconds": 60, "at": 1})] {
        let res = app
            .post("/api/v1/clock/advance")
            .bearer_auth(&app.operator)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(res.status().is_client_error(), "{body}: {}", res.status());
    }
    assert_eq!(app.clock.now(), t0);
    assert!(clock_moves(&app).await.is_empty());
}

/// A server on the system clock (`trestle serve` without `--manual-clock`) says so and
/// refuses to move it, with a 409 that says how to get a movable one.
#[tokio::test]
async fn the_system_clock_cannot_be_moved() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let db = TestDb::new(backend).await;
        let app = TestApp::spawn_with(&db.url, |c| c.clock = Arc::new(SystemClock)).await;
        let shown = app.api_get(&app.operator, "/api/v1/clock", StatusCode::OK).await;
        assert_eq!(shown["movable"], false);
        let res = app
            .post("/api/v1/clock/advance")
            .bearer_auth(&app.operator)
            .json(&json!({"seconds": 60}))
            .send()
            .await
            .unwrap();
        let v = expect(res, StatusCode::CONFLICT).await;
        assert!(v["message"].as_str().unwrap().contains("--manual-clock"), "{v}");
        app.stop().await;
        db.cleanup().await;
    }
}
