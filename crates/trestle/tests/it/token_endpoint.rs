//! `POST /oauth/token`: every body format and client-authentication method real clients use,
//! and RFC 6749 §5.2 errors.

use crate::support::{expect, on_both_backends, TestApp};
use base64::Engine;
use reqwest::StatusCode;
use serde_json::{json, Value};
use trestle_core::Clock;

on_both_backends!(
    accepts_every_body_format_and_auth_method,
    token_response_shape_and_headers,
    bad_client_credentials_are_invalid_client,
    malformed_requests_are_invalid_request,
    unsupported_grants_and_scopes,
);

async fn assert_token(res: reqwest::Response) {
    let v = expect(res, StatusCode::OK).await;
    assert!(v["access_token"].as_str().unwrap().len() >= 40, "{v}");
}

async fn accepts_every_body_format_and_auth_method(app: TestApp) {
    let w = app.world().await;
    let (id, secret) = (w.app.client_id.as_str(), w.app.client_secret.as_str());
    // form body, client_secret_post (pyprocore, Ruby gem)
    assert_token(
        app.post("/oauth/token")
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", id),
                ("client_secret", secret),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    // trailing slash, as in the Quick Start
    assert_token(
        app.post("/oauth/token/")
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", id),
                ("client_secret", secret),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    // JSON body (js-sdk, DMSA docs)
    assert_token(
        app.post("/oauth/token")
            .json(&json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    // multipart (curl -F)
    let form = reqwest::multipart::Form::new()
        .text("grant_type", "client_credentials")
        .text("client_id", id.to_string())
        .text("client_secret", secret.to_string());
    assert_token(app.post("/oauth/token").multipart(form).send().await.unwrap()).await;
    // HTTP Basic with an empty redirect_uri field (propycore)
    assert_token(
        app.post("/oauth/token")
            .basic_auth(id, Some(secret))
            .form(&[("grant_type", "client_credentials"), ("redirect_uri", "")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    // Basic plus the same client_id in the body is one method, not two
    assert_token(
        app.post("/oauth/token")
            .basic_auth(id, Some(secret))
            .form(&[("grant_type", "client_credentials"), ("client_id", id)])
            .send()
            .await
            .unwrap(),
    )
    .await;
    // a redirect_uri with a value is ignored on client_credentials
    assert_token(
        app.post("/oauth/token")
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", id),
                ("client_secret", secret),
                ("redirect_uri", "urn:ietf:wg:oauth:2.0:oob"),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
}

async fn token_response_shape_and_headers(app: TestApp) {
    let w = app.world().await;
    let before = app.clock.now();
    let res = app
        .post("/oauth/token")
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", w.app.client_id.as_str()),
            ("client_secret", w.app.client_secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert_eq!(res.headers()["pragma"], "no-cache");
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let v = expect(res, StatusCode::OK).await;
    let obj = v.as_object().unwrap();
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        vec!["access_token", "created_at", "expires_in", "token_type"],
        "no refresh_token for client_credentials"
    );
    assert_eq!(v["token_type"], "bearer");
    assert_eq!(v["expires_in"], 5400);
    assert_eq!(v["created_at"].as_i64().unwrap(), before);
    // two tokens are never the same
    assert_ne!(app.token(&w.app).await, app.token(&w.app).await);
}

async fn assert_invalid_client(res: reqwest::Response) -> Value {
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert!(
        res.headers().get("www-authenticate").is_some(),
        "invalid_client carries WWW-Authenticate"
    );
    let v = expect(res, StatusCode::UNAUTHORIZED).await;
    assert_eq!(v["error"], "invalid_client", "{v}");
    assert!(v["error_description"].as_str().unwrap().len() > 10);
    v
}

async fn bad_client_credentials_are_invalid_client(app: TestApp) {
    let w = app.world().await;
    let id = w.app.client_id.as_str();
    let form = |id: &str, secret: &str| {
        vec![
            ("grant_type", "client_credentials".to_string()),
            ("client_id", id.to_string()),
            ("client_secret", secret.to_string()),
        ]
    };
    // wrong secret, in the body and by Basic; unknown client: the same answer
    let wrong = assert_invalid_client(app.post("/oauth/token").form(&form(id, "nope")).send().await.unwrap()).await;
    let unknown = assert_invalid_client(
        app.post("/oauth/token")
            .form(&form("unknown", &w.app.client_secret))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        wrong, unknown,
        "an unknown client and a wrong secret are indistinguishable"
    );
    let basic = app
        .post("/oauth/token")
        .basic_auth(id, Some("nope"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(basic.headers()["www-authenticate"], "Basic realm=\"trestle\"");
    assert_invalid_client(basic).await;
    // the secret with one character changed
    let mut tweaked = w.app.client_secret.clone();
    let last = tweaked.pop().unwrap();
    tweaked.push(if last == '0' { '1' } else { '0' });
    assert_invalid_client(app.post("/oauth/token").form(&form(id, &tweaked)).send().await.unwrap()).await;
    // no credentials at all; id without secret; a non-Basic scheme; broken Basic
    assert_invalid_client(
        app.post("/oauth/token")
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_invalid_client(
        app.post("/oauth/token")
            .form(&[("grant_type", "client_credentials"), ("client_id", id)])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_invalid_client(
        app.post("/oauth/token")
            .bearer_auth("x")
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_invalid_client(
        app.post("/oauth/token")
            .header("authorization", "Basic !!!notbase64")
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap(),
    )
    .await;
}

async fn assert_oauth_error(res: reqwest::Response, status: StatusCode, code: &str) -> String {
    assert_eq!(res.headers()["cache-control"], "no-store");
    let v = expect(res, status).await;
    assert_eq!(v["error"], code, "{v}");
    v["error_description"].as_str().unwrap().to_string()
}

async fn malformed_requests_are_invalid_request(app: TestApp) {
    let w = app.world().await;
    let (id, secret) = (w.app.client_id.as_str(), w.app.client_secret.as_str());
    let bad = StatusCode::BAD_REQUEST;
    // missing grant_type
    let d = assert_oauth_error(
        app.post("/oauth/token")
            .form(&[("client_id", id), ("client_secret", secret)])
            .send()
            .await
            .unwrap(),
        bad,
        "invalid_request",
    )
    .await;
    assert!(d.contains("grant_type"), "{d}");
    // a repeated parameter
    let body = format!("grant_type=client_credentials&client_id={id}&client_secret={secret}&client_id={id}");
    let d = assert_oauth_error(
        app.post("/oauth/token")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap(),
        bad,
        "invalid_request",
    )
    .await;
    assert!(d.contains("more than once"), "{d}");
    // malformed JSON, a JSON array, a nested JSON value
    assert_oauth_error(
        app.post("/oauth/token")
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap(),
        bad,
        "invalid_request",
    )
    .await;
    assert_oauth_error(
        app.post("/oauth/token")
            .json(&json!(["grant_type"]))
            .send()
            .await
            .unwrap(),
        bad,
        "invalid_request",
    )
    .await;
    assert_oauth_error(
        app.post("/oauth/token")
            .json(&json!({"grant_type": {"x": 1}, "client_id": id}))
            .send()
            .await
            .unwrap(),
        bad,
        "invalid_request",
    )
    .await;
    // an unsupported content type
    let d = assert_oauth_error(
        app.post("/oauth/token")
            .header("content-type", "text/plain")
            .body("grant_type=client_credentials")
            .send()
            .await
            .unwrap(),
        bad,
        "invalid_request",
    )
    .await;
    assert!(d.contains("content type"), "{d}");
    // Basic and body disagree: two methods
    assert_oauth_error(
        app.post("/oauth/token")
            .basic_auth(id, Some(secret))
            .form(&[("grant_type", "client_credentials"), ("client_id", "someone-else")])
            .send()
            .await
            .unwrap(),
        bad,
        "invalid_request",
    )
    .await;
    // an over-large body
    let huge = "a".repeat(100 * 1024);
    assert_oauth_error(
        app.post("/oauth/token")
            .form(&[("grant_type", "client_credentials"), ("junk", huge.as_str())])
            .send()
            .await
            .unwrap(),
        bad,
        "invalid_request",
    )
    .await;
    // Basic credentials are form-urlencoded before base64 (RFC 6749 §2.3.1): a percent-encoded
    // client_id must still match
    let first = id.chars().next().unwrap();
    let escaped_id = format!("%{:02X}{}", first as u32, &id[1..]);
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{escaped_id}:{secret}"));
    assert_token_ok(&app, &encoded).await;
}

async fn assert_token_ok(app: &TestApp, basic: &str) {
    let res = app
        .post("/oauth/token")
        .header("authorization", format!("Basic {basic}"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    expect(res, StatusCode::OK).await;
}

async fn unsupported_grants_and_scopes(app: TestApp) {
    let w = app.world().await;
    let (id, secret) = (w.app.client_id.as_str(), w.app.client_secret.as_str());
    for grant in [
        "password",
        "implicit",
        "urn:ietf:params:oauth:grant-type:device_code",
        "nonsense",
    ] {
        let res = app
            .post("/oauth/token")
            .form(&[("grant_type", grant), ("client_id", id), ("client_secret", secret)])
            .send()
            .await
            .unwrap();
        assert_oauth_error(res, StatusCode::BAD_REQUEST, "unsupported_grant_type").await;
    }
    let res = app
        .post("/oauth/token")
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
            ("scope", "admin"),
        ])
        .send()
        .await
        .unwrap();
    assert_oauth_error(res, StatusCode::BAD_REQUEST, "invalid_scope").await;
    // an app whose manifest is user-level only may not use client_credentials
    let user_level = json!({"schema_version": "4.1", "components": {"oauth": {"grant_type": "authorization_code"}}});
    let created = app
        .api_post(&w.dev, "/api/v1/apps", json!({"name": "User App"}), StatusCode::CREATED)
        .await;
    let app_id = created["app"]["id"].as_i64().unwrap();
    let v = app
        .api_post(
            &w.dev,
            &format!("/api/v1/apps/{app_id}/versions"),
            json!({"version": "1.0.0", "manifest": user_level}),
            StatusCode::CREATED,
        )
        .await;
    let p = app
        .api_post(
            &w.dev,
            &format!("/api/v1/apps/{app_id}/versions/{}/promote", v["id"]),
            json!({}),
            StatusCode::OK,
        )
        .await;
    let res = app
        .post("/oauth/token")
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", p["credentials"]["client_id"].as_str().unwrap()),
            ("client_secret", p["credentials"]["client_secret"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_oauth_error(res, StatusCode::BAD_REQUEST, "unauthorized_client").await;
}

mod lockout {
    use crate::support::{expect, TestApp};
    use reqwest::StatusCode;

    /// Security checklist #30: 20 bad secrets from one address lock that client out there (429 +
    /// Retry-After); the same client from another address still works.
    #[tokio::test]
    async fn failed_secrets_lock_a_client_out_from_one_address_only() {
        crate::support::run(trestle_store::testing::Backend::Sqlite, |app: TestApp| async move {
            let w = app.world().await;
            let form = |secret: &str| {
                vec![
                    ("grant_type", "client_credentials".to_string()),
                    ("client_id", w.app.client_id.clone()),
                    ("client_secret", secret.to_string()),
                ]
            };
            for _ in 0..20 {
                let res = app.post("/oauth/token").form(&form("wrong")).send().await.unwrap();
                assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
            }
            let res = app
                .post("/oauth/token")
                .form(&form(&w.app.client_secret))
                .send()
                .await
                .unwrap();
            assert_eq!(
                res.status(),
                StatusCode::TOO_MANY_REQUESTS,
                "even the right secret waits"
            );
            let wait: i64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
            assert!((1..=3600).contains(&wait));
            assert_eq!(
                expect(res, StatusCode::TOO_MANY_REQUESTS).await["error"],
                "temporarily_unavailable"
            );
            // another address (127.0.0.2 is loopback too) is not locked out
            let other = reqwest::Client::builder()
                .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
                .build()
                .unwrap();
            let res = other
                .post(format!("{}/oauth/token", app.url))
                .form(&form(&w.app.client_secret))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            // the next hour the lock is gone
            app.clock.advance(3600);
            let res = app
                .post("/oauth/token")
                .form(&form(&w.app.client_secret))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::OK);
        })
        .await;
    }
}
