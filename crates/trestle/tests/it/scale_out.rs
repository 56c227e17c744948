//! Two Trestle nodes on one PostgreSQL database: a change made through one node is enforced by
//! the other within a bounded time, although both answer from their caches.

use crate::support::{expect, ids, Browser, TestApp};
use crate::user_oauth::{authorize_path, setup, sign_in_and_approve, CALLBACK};
use reqwest::StatusCode;
use serde_json::json;
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

/// `client_credentials` on `node` with this secret of the app; the status.
async fn client_credentials(node: &TestApp, client_id: &str, secret: &str) -> (StatusCode, String) {
    let res = node
        .post("/oauth/token")
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", secret),
        ])
        .send()
        .await
        .unwrap();
    let status = res.status();
    let body = expect(res, status).await;
    (status, body["access_token"].as_str().unwrap_or_default().to_string())
}

/// The rest of the changes a node must learn from another (security checklist F7): a retired
/// secret, an operator's suspension and its lifting, and one code or refresh token sent to both
/// nodes at the same moment (exactly one wins).
#[tokio::test]
async fn secrets_suspensions_and_redemptions_hold_across_nodes() {
    let db = TestDb::new(Backend::Postgres).await;
    let a = TestApp::spawn(&db.url).await;
    let b = TestApp::spawn(&db.url).await;
    let (w, _) = setup(&a).await;
    let (id, client_id) = (w.app.app_id, w.app.client_id.as_str());

    // B has seen the first secret and a token made with it.
    let (status, old_token) = client_credentials(&b, client_id, &w.app.client_secret).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(projects(&b, &old_token, w.a).await.0, StatusCode::OK);

    // Rotation through A: a second secret, then the first one retired.
    let rotated = a
        .api_post(
            &w.dev,
            &format!("/api/v1/apps/{id}/credentials/production/secrets"),
            json!({}),
            StatusCode::CREATED,
        )
        .await;
    let new_secret = rotated["client_secret"].as_str().unwrap().to_string();
    let new_id = rotated["secret_id"].as_i64().unwrap();
    let creds = a
        .api_get(&w.dev, &format!("/api/v1/apps/{id}/credentials"), StatusCode::OK)
        .await;
    let old_id = creds
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["environment"] == "production")
        .and_then(|c| c["secrets"].as_array())
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .find(|s| *s != new_id)
        .expect("the first secret is listed");
    let res = a
        .delete(&format!("/api/v1/apps/{id}/credentials/production/secrets/{old_id}"))
        .bearer_auth(&w.dev)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    within_bound(|| async { projects(&b, &old_token, w.a).await.0 == StatusCode::UNAUTHORIZED }).await;
    within_bound(|| async {
        client_credentials(&b, client_id, &w.app.client_secret).await.0 == StatusCode::UNAUTHORIZED
    })
    .await;
    let (status, token) = client_credentials(&b, client_id, &new_secret).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(projects(&b, &token, w.a).await.0, StatusCode::OK);

    // The operator suspends the app through A: B stops issuing and accepting its tokens.
    a.api_post(
        &a.operator,
        &format!("/api/v1/apps/{id}/suspend"),
        json!({"reason": "incident"}),
        StatusCode::OK,
    )
    .await;
    within_bound(|| async { client_credentials(&b, client_id, &new_secret).await.0 == StatusCode::BAD_REQUEST }).await;
    within_bound(|| async { projects(&b, &token, w.a).await.0 == StatusCode::UNAUTHORIZED }).await;
    // ... and lifting it through A restores both on B.
    a.api_post(
        &a.operator,
        &format!("/api/v1/apps/{id}/resume"),
        json!({}),
        StatusCode::OK,
    )
    .await;
    within_bound(|| async { client_credentials(&b, client_id, &new_secret).await.0 == StatusCode::OK }).await;
    within_bound(|| async { projects(&b, &token, w.a).await.0 == StatusCode::OK }).await;

    // One code, then one refresh token, sent to both nodes at once: exactly one 200 each.
    let code = sign_in_and_approve(&mut Browser::new(&a), &authorize_path(&w, "")).await;
    let race = |grant: &'static str, field: &'static str, value: String| {
        let tries: Vec<_> = (0..16)
            .map(|i| {
                let node = if i % 2 == 0 { &a } else { &b };
                let mut form = vec![
                    ("grant_type", grant),
                    (field, value.as_str()),
                    ("client_id", client_id),
                    ("client_secret", new_secret.as_str()),
                ];
                if grant == "authorization_code" {
                    form.push(("redirect_uri", CALLBACK));
                }
                let req = node.post("/oauth/token").form(&form);
                tokio::spawn(async move {
                    let res = req.send().await.unwrap();
                    let status = res.status();
                    (status, expect(res, status).await)
                })
            })
            .collect();
        async move {
            let mut wins = Vec::new();
            for t in tries {
                let (status, body) = t.await.unwrap();
                match status {
                    StatusCode::OK => wins.push(body),
                    other => assert_eq!(other, StatusCode::BAD_REQUEST, "{body}"),
                }
            }
            assert_eq!(wins.len(), 1, "exactly one {grant} redemption wins across the nodes");
            wins.pop().unwrap()
        }
    };
    race("authorization_code", "code", code).await;
    // (The losers of that race replayed the code, which revokes what it gave the winner; the
    // refresh-token race starts from a code redeemed once.)
    let code = sign_in_and_approve(&mut Browser::new(&a), &authorize_path(&w, "")).await;
    let res = a
        .post("/oauth/token")
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", CALLBACK),
            ("client_id", client_id),
            ("client_secret", new_secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let refresh = expect(res, StatusCode::OK).await["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    race("refresh_token", "refresh_token", refresh).await;

    a.stop().await;
    b.stop().await;
    db.cleanup().await;
}
