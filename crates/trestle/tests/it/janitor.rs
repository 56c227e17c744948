//! The janitor: every node purges what has expired, by its clock, in the background; two
//! nodes doing it at once on one database agree.

use crate::support::{expect, on_both_backends, TestApp};
use reqwest::StatusCode;
use std::time::{Duration, Instant};
use trestle_domain::AppId;
use trestle_store::StoreConfig;

on_both_backends!(expired_revocations_are_purged_by_every_node);

async fn revoke(node: &TestApp, app: &crate::support::PromotedApp, token: &str) {
    let res = node
        .post("/oauth/revoke")
        .form(&[
            ("token", token),
            ("client_id", app.client_id.as_str()),
            ("client_secret", app.client_secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    expect(res, StatusCode::OK).await;
}

async fn expired_revocations_are_purged_by_every_node(app: TestApp) {
    // Two more nodes on the same database, each with a janitor every 20 ms.
    let fast = |c: &mut trestle::server::ServerConfig| c.janitor_interval = Duration::from_millis(20);
    let (one, two) = (
        TestApp::spawn_with(&app.db_url, fast).await,
        TestApp::spawn_with(&app.db_url, fast).await,
    );
    let w = one.world().await;
    let store = trestle_store::connect(&StoreConfig::new(&app.db_url)).await.unwrap();
    let revocations = || async { store.list_revoked_tokens(AppId(w.app.app_id), 0).await.unwrap() };

    let old = one.token(&w.app).await;
    revoke(&one, &w.app, &old).await;
    assert_eq!(revocations().await.len(), 1);
    // A day after the revoked token expired on its own (the grace that keeps a clock set back
    // from reviving it), its revocation goes (nothing else purges it: a revocation purges
    // only when another token of the app is revoked). That revocations of live tokens stay
    // is the conformance suite's part.
    for node in [&app, &one, &two] {
        node.clock.advance(5400 + trestle_store::REVOCATION_GRACE + 1);
    }
    let start = Instant::now();
    while !revocations().await.is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the janitors did not purge in time"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let res = one.get("/rest/v1.0/me").bearer_auth(&old).send().await.unwrap();
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "the expired token stays refused"
    );
    one.stop().await;
    two.stop().await;
}
