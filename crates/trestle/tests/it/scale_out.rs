//! Two Trestle nodes on one PostgreSQL database: a change made through one node is enforced by
//! the other within a bounded time, although both answer from their caches.

use crate::support::{expect, ids, TestApp};
use reqwest::StatusCode;
use std::time::{Duration, Instant};
use trestle_store::testing::{Backend, TestDb};

/// How long a change may take to reach another node (documented in the README).
const PROPAGATION_BOUND: Duration = Duration::from_secs(2);

/// Polls `check` until it returns true or the bound passes; returns how long it took.
async fn within_bound<F, Fut>(mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        if check().await {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < PROPAGATION_BOUND,
            "the change did not reach the other node in time"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn projects(node: &TestApp, token: &str, company: i64) -> (StatusCode, Vec<i64>) {
    let res = node
        .get(&format!("/rest/v1.0/projects?company_id={company}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let body = expect(res, status).await;
    let list = if status == StatusCode::OK { ids(&body) } else { vec![] };
    (status, list)
}

#[tokio::test]
async fn changes_on_one_node_are_enforced_by_the_other() {
    let db = TestDb::new(Backend::Postgres).await;
    let a = TestApp::spawn(&db.url).await;
    let b = TestApp::spawn(&db.url).await;
    let w = a.world().await;
    // a token minted on A works on B (shared key), and B caches its answers
    let token = a.token(&w.app).await;
    for _ in 0..3 {
        assert_eq!(projects(&b, &token, w.a).await, (StatusCode::OK, vec![w.a1, w.a2]));
    }

    // remove a permitted project through A
    a.api_delete(
        &w.admin_a,
        &format!(
            "/api/v1/companies/{}/installs/{}/permitted_projects/{}",
            w.a, w.install_a, w.a1
        ),
        StatusCode::NO_CONTENT,
    )
    .await;
    assert_eq!(
        projects(&a, &token, w.a).await.1,
        vec![w.a2],
        "the writing node enforces it at once"
    );
    within_bound(|| async { projects(&b, &token, w.a).await.1 == vec![w.a2] }).await;

    // add one back through B; A sees it
    b.api_post(
        &w.admin_a,
        &format!("/api/v1/companies/{}/installs/{}/permitted_projects", w.a, w.install_a),
        serde_json::json!({"project_ids": [w.a3]}),
        StatusCode::OK,
    )
    .await;
    within_bound(|| async { projects(&a, &token, w.a).await.1 == vec![w.a2, w.a3] }).await;

    // a token revoked through A is refused by B
    let doomed = a.token(&w.app).await;
    assert_eq!(projects(&b, &doomed, w.a).await.0, StatusCode::OK);
    let res = a
        .post("/oauth/revoke")
        .form(&[
            ("token", doomed.as_str()),
            ("client_id", w.app.client_id.as_str()),
            ("client_secret", w.app.client_secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    expect(res, StatusCode::OK).await;
    within_bound(|| async { projects(&b, &doomed, w.a).await.0 == StatusCode::UNAUTHORIZED }).await;

    // uninstall through A: B refuses the same token, and lists only the other company
    a.api_delete(
        &w.admin_a,
        &format!("/api/v1/companies/{}/installs/{}", w.a, w.install_a),
        StatusCode::OK,
    )
    .await;
    within_bound(|| async { projects(&b, &token, w.a).await.0 == StatusCode::FORBIDDEN }).await;
    let companies = expect(
        b.get("/rest/v1.0/companies").bearer_auth(&token).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids(&companies), vec![w.b]);
    // company B still works on both nodes
    assert_eq!(projects(&a, &token, w.b).await.1, vec![w.b1]);
    assert_eq!(projects(&b, &token, w.b).await.1, vec![w.b1]);

    a.stop().await;
    b.stop().await;
    db.cleanup().await;
}
