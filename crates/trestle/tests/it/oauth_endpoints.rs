//! Token info, revocation (RFC 7009), introspection (RFC 7662) and server metadata (RFC 8414).

use crate::support::{expect, on_both_backends, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_backends!(
    token_info_describes_a_live_token,
    revocation_ends_a_token_at_once,
    introspection_is_per_app,
    metadata_lists_the_endpoints
);

async fn get_companies(app: &TestApp, token: &str) -> StatusCode {
    app.get("/rest/v1.0/companies")
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

async fn token_info_describes_a_live_token(app: TestApp) {
    let w = app.world().await;
    let token = app.token(&w.app).await;
    let res = app.get("/oauth/token/info").bearer_auth(&token).send().await.unwrap();
    assert_eq!(res.headers()["cache-control"], "no-store");
    let v = expect(res, StatusCode::OK).await;
    assert_eq!(v["application"]["uid"], w.app.client_id.as_str());
    assert_eq!(v["scopes"], json!([]));
    assert_eq!(
        v["resource_owner_id"],
        Value::Null,
        "a DMSA token belongs to no single person"
    );
    let left = v["expires_in_seconds"].as_i64().unwrap();
    assert!((5390..=5400).contains(&left), "{left}");
    assert!(v["created_at"].as_i64().unwrap() > 0);
    app.clock.advance(400);
    let v = expect(
        app.get("/oauth/token/info").bearer_auth(&token).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(v["expires_in_seconds"].as_i64().unwrap(), left - 400);
    let res = app.get("/oauth/token/info").send().await.unwrap();
    assert_eq!(res.headers()["www-authenticate"], "Bearer realm=\"trestle\"");
    expect(res, StatusCode::UNAUTHORIZED).await;
    expect(
        app.get("/oauth/token/info").bearer_auth("nope").send().await.unwrap(),
        StatusCode::UNAUTHORIZED,
    )
    .await;
}

async fn revocation_ends_a_token_at_once(app: TestApp) {
    let w = app.world().await;
    let (id, secret) = (w.app.client_id.as_str(), w.app.client_secret.as_str());
    let token = app.token(&w.app).await;
    let other_token = app.token(&w.app).await;
    assert_eq!(get_companies(&app, &token).await, StatusCode::OK);
    let res = app
        .post("/oauth/revoke")
        .form(&[("token", token.as_str()), ("client_id", id), ("client_secret", secret)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert_eq!(expect(res, StatusCode::OK).await, json!({}));
    assert_eq!(
        get_companies(&app, &token).await,
        StatusCode::UNAUTHORIZED,
        "the very next request"
    );
    expect(
        app.get("/oauth/token/info").bearer_auth(&token).send().await.unwrap(),
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(
        get_companies(&app, &other_token).await,
        StatusCode::OK,
        "other tokens live on"
    );
    // revoking again, an unknown token, a garbage token: still 200 {} (RFC 7009 §2.2)
    for t in [token.as_str(), "garbage"] {
        let res = app
            .post("/oauth/revoke")
            .basic_auth(id, Some(secret))
            .form(&[("token", t)])
            .send()
            .await
            .unwrap();
        assert_eq!(expect(res, StatusCode::OK).await, json!({}));
    }
    // JSON body, as @procore/js-sdk sends it
    let res = app
        .post("/oauth/revoke")
        .json(&json!({"token": other_token, "client_id": id, "client_secret": secret}))
        .send()
        .await
        .unwrap();
    expect(res, StatusCode::OK).await;
    assert_eq!(get_companies(&app, &other_token).await, StatusCode::UNAUTHORIZED);
    // client authentication is required, and only the token's own client may revoke it
    let live = app.token(&w.app).await;
    let res = app
        .post("/oauth/revoke")
        .form(&[("token", live.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(expect(res, StatusCode::UNAUTHORIZED).await["error"], "invalid_client");
    let res = app
        .post("/oauth/revoke")
        .form(&[("token", live.as_str()), ("client_id", id), ("client_secret", "wrong")])
        .send()
        .await
        .unwrap();
    expect(res, StatusCode::UNAUTHORIZED).await;
    let (_, dev2) = app.person("d2@example.com", "D2").await;
    let stranger = app.promoted_app(&dev2, "Stranger").await;
    let res = app
        .post("/oauth/revoke")
        .form(&[
            ("token", live.as_str()),
            ("client_id", stranger.client_id.as_str()),
            ("client_secret", stranger.client_secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    // RFC 7009 §2.2: the same answer as for any token (issue 13), and nothing revoked
    assert_eq!(expect(res, StatusCode::OK).await, json!({}));
    assert_eq!(
        get_companies(&app, &live).await,
        StatusCode::OK,
        "another client's revocation changed nothing"
    );
    let res = app
        .post("/oauth/revoke")
        .form(&[("client_id", id), ("client_secret", secret)])
        .send()
        .await
        .unwrap();
    assert_eq!(expect(res, StatusCode::BAD_REQUEST).await["error"], "invalid_request");
    // the revocation is audited for the developer
    let log = app
        .api_get(&w.dev, &format!("/api/v1/apps/{}/audit", w.app.app_id), StatusCode::OK)
        .await;
    assert_eq!(
        log.as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "token.revoke")
            .count(),
        2
    );
}

async fn introspection_is_per_app(app: TestApp) {
    let w = app.world().await;
    let (id, secret) = (w.app.client_id.as_str(), w.app.client_secret.as_str());
    let token = app.token(&w.app).await;
    let introspect = |t: String, cid: String, csec: String| {
        let app = &app;
        async move {
            let res = app
                .post("/oauth/introspect")
                .basic_auth(cid, Some(csec))
                .form(&[("token", t)])
                .send()
                .await
                .unwrap();
            assert_eq!(res.headers()["cache-control"], "no-store");
            expect(res, StatusCode::OK).await
        }
    };
    let v = introspect(token.clone(), id.into(), secret.into()).await;
    assert_eq!(v["active"], true);
    assert_eq!(v["client_id"], id);
    assert_eq!(v["token_type"], "bearer");
    assert!(v["exp"].as_i64().unwrap() > v["iat"].as_i64().unwrap());
    assert_eq!(v["sub"], format!("app:{}", w.app.app_id));
    // another app's resource server learns nothing
    let (_, dev2) = app.person("d2@example.com", "D2").await;
    let other = app.promoted_app(&dev2, "Other").await;
    assert_eq!(
        introspect(token.clone(), other.client_id.clone(), other.client_secret.clone()).await,
        json!({"active": false})
    );
    assert_eq!(
        introspect("garbage".into(), id.into(), secret.into()).await,
        json!({"active": false})
    );
    app.clock.advance(5400);
    assert_eq!(
        introspect(token, id.into(), secret.into()).await,
        json!({"active": false}),
        "expired"
    );
    let res = app
        .post("/oauth/introspect")
        .form(&[("token", "x")])
        .send()
        .await
        .unwrap();
    expect(res, StatusCode::UNAUTHORIZED).await;
}

async fn metadata_lists_the_endpoints(app: TestApp) {
    let v = expect(
        app.get("/.well-known/oauth-authorization-server").send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(v["issuer"], app.url.as_str());
    assert_eq!(v["token_endpoint"], format!("{}/oauth/token", app.url));
    assert_eq!(v["revocation_endpoint"], format!("{}/oauth/revoke", app.url));
    assert_eq!(v["introspection_endpoint"], format!("{}/oauth/introspect", app.url));
    assert_eq!(
        v["grant_types_supported"],
        json!(["client_credentials", "authorization_code", "refresh_token"])
    );
    assert_eq!(v["authorization_endpoint"], format!("{}/oauth/authorize", app.url));
    assert_eq!(v["code_challenge_methods_supported"], json!(["S256"]));
    assert!(v["token_endpoint_auth_methods_supported"]
        .as_array()
        .unwrap()
        .contains(&json!("client_secret_basic")));
}

mod metrics {
    use crate::support::{expect, TestApp};
    use reqwest::StatusCode;

    fn value(text: &str, series: &str) -> u64 {
        text.lines()
            .find(|l| l.starts_with(series))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {series} in {text}"))
    }

    #[tokio::test]
    async fn metrics_count_responses_tokens_and_cache_use() {
        crate::support::run(trestle_store::testing::Backend::Sqlite, |app: TestApp| async move {
            let w = app.world().await;
            let token = app.token(&w.app).await;
            for _ in 0..3 {
                expect(
                    app.get("/rest/v1.0/companies")
                        .bearer_auth(&token)
                        .send()
                        .await
                        .unwrap(),
                    StatusCode::OK,
                )
                .await;
            }
            let bad = app.post("/oauth/token").form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "x"),
                ("client_secret", "y"),
            ]);
            expect(bad.send().await.unwrap(), StatusCode::UNAUTHORIZED).await;
            let res = app.get("/metrics").send().await.unwrap();
            assert!(res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/plain"));
            let text = res.text().await.unwrap();
            assert_eq!(value(&text, "trestle_tokens_issued_total"), 1);
            assert_eq!(value(&text, "trestle_token_failures_total"), 1);
            assert!(value(&text, "trestle_http_responses_total{class=\"2xx\"}") >= 4);
            assert!(value(&text, "trestle_http_responses_total{class=\"4xx\"}") >= 1);
            assert!(
                value(&text, "trestle_cache_lookups_total{result=\"hit\"}") >= 2,
                "repeated calls are answered from memory"
            );
            assert_eq!(value(&text, "trestle_change_feed_up"), 1);
        })
        .await;
    }
}
