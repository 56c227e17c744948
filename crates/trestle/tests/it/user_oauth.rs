//! People signing in to apps: login and consent pages, authorization codes with PKCE, refresh
//! rotation with reuse detection, and person tokens that see what the person may see.

use crate::support::{expect, field, ids, location, on_both_backends, query_param, Browser, TestApp, World};
use base64::Engine;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::Digest;

on_both_backends!(
    a_person_signs_in_and_the_app_sees_what_they_see,
    codes_are_single_use_and_bound,
    pkce_is_s256_and_enforced,
    refresh_tokens_rotate_and_reuse_revokes_the_chain,
    the_pages_refuse_bad_requests,
    revocation_of_person_tokens,
    concurrent_redemptions_have_one_winner,
    refresh_tokens_have_an_absolute_lifetime,
    an_operator_suspension_stops_the_app_until_lifted,
);

pub(crate) const CALLBACK: &str = "https://client.example/cb";
const PASSWORD: &str = "correct horse battery";

/// A person in company A (project A1 only) with a password, and the app's redirect URI.
pub(crate) async fn setup(app: &TestApp) -> (World, i64) {
    let w = app.world().await;
    app.api_post(
        &w.dev,
        &format!("/api/v1/apps/{}/redirect_uris", w.app.app_id),
        json!({"uri": CALLBACK}),
        StatusCode::OK,
    )
    .await;
    let p = app
        .api_post(
            &app.operator,
            "/api/v1/people",
            json!({"email": "pat@example.com", "name": "Pat Person", "password": PASSWORD}),
            StatusCode::CREATED,
        )
        .await;
    let pat = p["user"]["id"].as_i64().unwrap();
    app.join(&w.admin_a, w.a, "pat@example.com", p["api_token"].as_str().unwrap())
        .await;
    let res = app
        .post(&format!("/api/v1/companies/{}/projects/{}/users", w.a, w.a1))
        .bearer_auth(&w.admin_a)
        .json(&json!({"user_id": pat, "permissions": {"documents": "read_only"}}))
        .send()
        .await
        .unwrap();
    expect(res, StatusCode::NO_CONTENT).await;
    (w, pat)
}

pub(crate) fn authorize_path(w: &World, extra: &str) -> String {
    let q = serde_urlencoded::to_string([
        ("response_type", "code"),
        ("client_id", w.app.client_id.as_str()),
        ("redirect_uri", CALLBACK),
        ("state", "xyz"),
    ])
    .unwrap();
    format!("/oauth/authorize?{q}{extra}")
}

/// Signs in and approves; returns the code.
pub(crate) async fn sign_in_and_approve(b: &mut Browser, path: &str) -> String {
    let res = b.get(path).await;
    assert_eq!(res.headers()["x-frame-options"], "DENY");
    assert!(res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    let mut html = expect_html(res, StatusCode::OK).await;
    if html.contains("/oauth/authorize/login") {
        let res = b
            .post(
                "/oauth/authorize/login",
                &[
                    ("email", "pat@example.com"),
                    ("password", PASSWORD),
                    ("csrf", &field(&html, "csrf")),
                    ("q", &field(&html, "q")),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "after a credential POST: 303");
        let next = location(&res);
        html = expect_html(b.get(&next).await, StatusCode::OK).await;
    }
    assert!(html.contains("Allow access?"), "{html}");
    let res = b
        .post(
            "/oauth/authorize/decision",
            &[
                ("decision", "approve"),
                ("csrf", &field(&html, "csrf")),
                ("q", &field(&html, "q")),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = location(&res);
    assert!(to.starts_with(CALLBACK), "{to}");
    assert_eq!(query_param(&to, "state").as_deref(), Some("xyz"));
    query_param(&to, "code").unwrap()
}

async fn expect_html(res: reqwest::Response, want: StatusCode) -> String {
    assert_eq!(res.status(), want);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    res.text().await.unwrap()
}

pub(crate) async fn exchange(app: &TestApp, w: &World, code: &str, verifier: Option<&str>) -> (StatusCode, Value) {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", CALLBACK),
        ("client_id", w.app.client_id.as_str()),
        ("client_secret", w.app.client_secret.as_str()),
    ];
    if let Some(v) = verifier {
        form.push(("code_verifier", v));
    }
    let res = app.post("/oauth/token").form(&form).send().await.unwrap();
    let s = res.status();
    (s, expect(res, s).await)
}

async fn a_person_signs_in_and_the_app_sees_what_they_see(app: TestApp) {
    let (w, pat) = setup(&app).await;
    let mut b = Browser::new(&app);
    let code = sign_in_and_approve(&mut b, &authorize_path(&w, "")).await;
    let (s, t) = exchange(&app, &w, &code, None).await;
    assert_eq!(s, StatusCode::OK, "{t}");
    assert_eq!(t["token_type"], "bearer");
    assert_eq!(t["expires_in"], 5400);
    assert!(t["refresh_token"].as_str().unwrap().len() >= 32);
    let user_token = t["access_token"].as_str().unwrap();
    // nothing of the flow is stored in clear: not the code, the tokens, the password or the session
    let dump = crate::support::snapshot(&app.db_url).await;
    for secret in [
        code.as_str(),
        user_token,
        t["refresh_token"].as_str().unwrap(),
        PASSWORD,
    ] {
        assert!(!dump.contains(secret), "stored in clear: {secret}");
    }
    for (_, v) in &b.cookies {
        assert!(!dump.contains(v.as_str()), "a cookie value is stored in clear");
    }
    // the person's view: company A only, project A1 only
    let companies = expect(
        app.get("/rest/v1.0/companies")
            .bearer_auth(user_token)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids(&companies), vec![w.a]);
    let projects = expect(
        app.get(&format!("/rest/v1.0/projects?company_id={}", w.a))
            .bearer_auth(user_token)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids(&projects), vec![w.a1]);
    let me = expect(
        app.get("/rest/v1.0/me").bearer_auth(user_token).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (me["id"].as_i64(), me["login"].as_str()),
        (Some(pat), Some("pat@example.com"))
    );
    // the same credentials' bot sees A1 and A2 in A (the seeds' FAQ: compare both views)
    let bot = app.token(&w.app).await;
    let bot_projects = expect(
        app.get(&format!("/rest/v1.0/projects?company_id={}", w.a))
            .bearer_auth(&bot)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids(&bot_projects), vec![w.a1, w.a2]);
    // tool levels apply to people too: read_only documents may read, not write
    let q = format!("project_id={}", w.a1);
    assert_eq!(
        app.get(&format!("/rest/v1.0/folders?{q}"))
            .bearer_auth(user_token)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let res = app
        .post(&format!("/rest/v1.0/folders?{q}"))
        .bearer_auth(user_token)
        .json(&json!({"folder": {"name": "x"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.get(&format!("/rest/v1.0/folders?project_id={}", w.a2))
            .bearer_auth(user_token)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    // token info names the person
    let info = expect(
        app.get("/oauth/token/info")
            .bearer_auth(user_token)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(info["resource_owner_id"], pat);
    // out-of-band: the code is shown on a page
    let mut b2 = Browser::new(&app);
    b2.cookies = b.cookies.clone();
    let q = serde_urlencoded::to_string([
        ("response_type", "code"),
        ("client_id", w.app.client_id.as_str()),
        ("redirect_uri", "urn:ietf:wg:oauth:2.0:oob"),
    ])
    .unwrap();
    let html = expect_html(b2.get(&format!("/oauth/authorize?{q}")).await, StatusCode::OK).await;
    let res = b2
        .post(
            "/oauth/authorize/decision",
            &[
                ("decision", "approve"),
                ("csrf", &field(&html, "csrf")),
                ("q", &field(&html, "q")),
            ],
        )
        .await;
    let page = expect_html(res, StatusCode::OK).await;
    assert!(page.contains("<code id=\"code\">"), "{page}");
    // deny: back to the app with access_denied
    let html = expect_html(b.get(&authorize_path(&w, "")).await, StatusCode::OK).await;
    let res = b
        .post(
            "/oauth/authorize/decision",
            &[
                ("decision", "deny"),
                ("csrf", &field(&html, "csrf")),
                ("q", &field(&html, "q")),
            ],
        )
        .await;
    assert_eq!(query_param(&location(&res), "error").as_deref(), Some("access_denied"));
}

async fn codes_are_single_use_and_bound(app: TestApp) {
    let (w, _) = setup(&app).await;
    let mut b = Browser::new(&app);
    let code = sign_in_and_approve(&mut b, &authorize_path(&w, "")).await;
    let (s, t) = exchange(&app, &w, &code, None).await;
    assert_eq!(s, StatusCode::OK);
    let first = t["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        app.get("/rest/v1.0/companies")
            .bearer_auth(&first)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    // replay: refused, and what the code issued is revoked
    let (s, e) = exchange(&app, &w, &code, None).await;
    assert_eq!(
        (s, e["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    assert_eq!(
        app.get("/rest/v1.0/companies")
            .bearer_auth(&first)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let refresh = t["refresh_token"].as_str().unwrap();
    let res = app
        .post("/oauth/token")
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("client_id", &w.app.client_id),
            ("client_secret", &w.app.client_secret),
        ])
        .send()
        .await
        .unwrap();
    expect(res, StatusCode::BAD_REQUEST).await;
    // another client, a wrong redirect_uri, an expired code: invalid_grant
    let (_, dev2) = app.person("d2@example.com", "D2").await;
    let other = app.promoted_app(&dev2, "Other").await;
    let code = sign_in_and_approve(&mut b, &authorize_path(&w, "")).await;
    let res = app
        .post("/oauth/token")
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
            ("client_id", &other.client_id),
            ("client_secret", &other.client_secret),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(expect(res, StatusCode::BAD_REQUEST).await["error"], "invalid_grant");
    let code = sign_in_and_approve(&mut b, &authorize_path(&w, "")).await;
    let res = app
        .post("/oauth/token")
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "https://client.example/other"),
            ("client_id", &w.app.client_id),
            ("client_secret", &w.app.client_secret),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(expect(res, StatusCode::BAD_REQUEST).await["error"], "invalid_grant");
    let code = sign_in_and_approve(&mut b, &authorize_path(&w, "")).await;
    app.clock.advance(601);
    let (s, _) = exchange(&app, &w, &code, None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "codes live ten minutes");
}

async fn pkce_is_s256_and_enforced(app: TestApp) {
    let (w, _) = setup(&app).await;
    let mut b = Browser::new(&app);
    let verifier = "v".repeat(43) + "-good._~";
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    // plain is refused at the authorization endpoint (at the verified redirect URI)
    let res = b
        .get(&authorize_path(
            &w,
            &format!("&code_challenge={challenge}&code_challenge_method=plain"),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(
        query_param(&location(&res), "error").as_deref(),
        Some("invalid_request")
    );
    // S256: the verifier is required and must match; a wrong one burns the code
    let path = authorize_path(&w, &format!("&code_challenge={challenge}&code_challenge_method=S256"));
    let code = sign_in_and_approve(&mut b, &path).await;
    assert_eq!(exchange(&app, &w, &code, None).await.0, StatusCode::BAD_REQUEST);
    let code = sign_in_and_approve(&mut b, &path).await;
    assert_eq!(
        exchange(&app, &w, &code, Some(&"w".repeat(43))).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        exchange(&app, &w, &code, Some(&verifier)).await.0,
        StatusCode::BAD_REQUEST,
        "the code was burned"
    );
    let code = sign_in_and_approve(&mut b, &path).await;
    let (s, t) = exchange(&app, &w, &code, Some(&verifier)).await;
    assert_eq!(s, StatusCode::OK, "{t}");
    // a verifier for a code issued without a challenge is refused
    let code = sign_in_and_approve(&mut b, &authorize_path(&w, "")).await;
    assert_eq!(
        exchange(&app, &w, &code, Some(&verifier)).await.0,
        StatusCode::BAD_REQUEST
    );
}

async fn refresh_tokens_rotate_and_reuse_revokes_the_chain(app: TestApp) {
    let (w, _) = setup(&app).await;
    let mut b = Browser::new(&app);
    let code = sign_in_and_approve(&mut b, &authorize_path(&w, "")).await;
    let (_, t) = exchange(&app, &w, &code, None).await;
    let refresh = |rt: String| {
        let app = &app;
        let (id, secret) = (w.app.client_id.clone(), w.app.client_secret.clone());
        async move {
            // JSON body, as @procore/js-sdk's refresh() sends it
            let res = app
                .post("/oauth/token")
                .json(&json!({"grant_type": "refresh_token", "refresh_token": rt, "client_id": id, "client_secret": secret}))
                .send()
                .await
                .unwrap();
            let s = res.status();
            (s, expect(res, s).await)
        }
    };
    let r1 = t["refresh_token"].as_str().unwrap().to_string();
    let (s, t2) = refresh(r1.clone()).await;
    assert_eq!(s, StatusCode::OK, "{t2}");
    let r2 = t2["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(r1, r2, "rotated");
    let at2 = t2["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        app.get("/rest/v1.0/companies")
            .bearer_auth(&at2)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    // reuse of R1: refused, and the whole chain dies (R2 and its access token)
    let (s, e) = refresh(r1).await;
    assert_eq!(
        (s, e["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    assert_eq!(refresh(r2).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(
        app.get("/rest/v1.0/companies")
            .bearer_auth(&at2)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(refresh("unknown".into()).await.0, StatusCode::BAD_REQUEST);
}

async fn the_pages_refuse_bad_requests(app: TestApp) {
    let (w, _) = setup(&app).await;
    let mut b = Browser::new(&app);
    // an unregistered or altered redirect URI: an error page, never a redirect
    for bad in [
        "https://client.example/CB",
        "https://client.example/cb/",
        "https://client.example/cb?x=1",
        "https://evil.example/cb",
        "https://client.example@evil.example/cb",
    ] {
        let q = serde_urlencoded::to_string([
            ("response_type", "code"),
            ("client_id", w.app.client_id.as_str()),
            ("redirect_uri", bad),
        ])
        .unwrap();
        let res = b.get(&format!("/oauth/authorize?{q}")).await;
        assert!(res.headers().get("location").is_none(), "{bad} redirected");
        expect_html(res, StatusCode::BAD_REQUEST).await;
    }
    let res = b.get("/oauth/authorize?response_type=code&client_id=unknown").await;
    expect_html(res, StatusCode::BAD_REQUEST).await;
    // unsupported response_type: reported at the verified redirect URI
    let q = serde_urlencoded::to_string([
        ("response_type", "token"),
        ("client_id", w.app.client_id.as_str()),
        ("redirect_uri", CALLBACK),
    ])
    .unwrap();
    let res = b.get(&format!("/oauth/authorize?{q}")).await;
    assert_eq!(
        query_param(&location(&res), "error").as_deref(),
        Some("unsupported_response_type")
    );
    // a wrong password: the login page again, no session
    let html = expect_html(b.get(&authorize_path(&w, "")).await, StatusCode::OK).await;
    let res = b
        .post(
            "/oauth/authorize/login",
            &[
                ("email", "pat@example.com"),
                ("password", "wrong password!"),
                ("csrf", &field(&html, "csrf")),
                ("q", &field(&html, "q")),
            ],
        )
        .await;
    let page = expect_html(res, StatusCode::UNAUTHORIZED).await;
    assert!(page.contains("wrong e-mail address or password"));
    assert!(!b.cookies.iter().any(|(k, _)| k == "__Host-trestle_session"));
    // a login POST without the CSRF token (or from another site) is refused
    let res = b
        .post(
            "/oauth/authorize/login",
            &[
                ("email", "pat@example.com"),
                ("password", PASSWORD),
                ("csrf", "forged"),
                ("q", &field(&html, "q")),
            ],
        )
        .await;
    expect_html(res, StatusCode::FORBIDDEN).await;
    // a decision without a session, or with a forged CSRF token
    let mut stranger = Browser::new(&app);
    let res = stranger
        .post(
            "/oauth/authorize/decision",
            &[("decision", "approve"), ("csrf", "x"), ("q", &field(&html, "q"))],
        )
        .await;
    expect_html(res, StatusCode::UNAUTHORIZED).await;
    sign_in_and_approve(&mut b, &authorize_path(&w, "")).await;
    let res = b
        .post(
            "/oauth/authorize/decision",
            &[("decision", "approve"), ("csrf", "forged"), ("q", &field(&html, "q"))],
        )
        .await;
    expect_html(res, StatusCode::FORBIDDEN).await;
    // passwords are checked
    let (id, token) = app.person("q@example.com", "Q").await;
    let res = app
        .http
        .put(format!("{}/api/v1/people/{id}/password", app.url))
        .bearer_auth(&token)
        .json(&json!({"password": "short"}))
        .send()
        .await
        .unwrap();
    expect(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    let res = app
        .http
        .put(format!("{}/api/v1/people/{id}/password", app.url))
        .bearer_auth(&token)
        .json(&json!({"password": "long enough now"}))
        .send()
        .await
        .unwrap();
    expect(res, StatusCode::NO_CONTENT).await;
    // redirect URIs are validated
    app.api_post(
        &w.dev,
        &format!("/api/v1/apps/{}/redirect_uris", w.app.app_id),
        json!({"uri": "javascript:alert(1)"}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
}

async fn revocation_of_person_tokens(app: TestApp) {
    let (w, _) = setup(&app).await;
    let mut b = Browser::new(&app);
    let revoke = |token: String| {
        let app = &app;
        let (id, secret) = (w.app.client_id.clone(), w.app.client_secret.clone());
        async move {
            let res = app
                .post("/oauth/revoke")
                .form(&[("token", token), ("client_id", id), ("client_secret", secret)])
                .send()
                .await
                .unwrap();
            expect(res, StatusCode::OK).await
        }
    };
    let companies = |token: String| {
        let app = &app;
        async move {
            app.get("/rest/v1.0/companies")
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    // revoking an access token ends it; its refresh token still works
    let code = sign_in_and_approve(&mut b, &authorize_path(&w, "")).await;
    let (_, t) = exchange(&app, &w, &code, None).await;
    let (at, rt) = (
        t["access_token"].as_str().unwrap().to_string(),
        t["refresh_token"].as_str().unwrap().to_string(),
    );
    assert_eq!(revoke(at.clone()).await, json!({}));
    assert_eq!(companies(at).await, StatusCode::UNAUTHORIZED);
    let res = app
        .post("/oauth/token")
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", rt.as_str()),
            ("client_id", &w.app.client_id),
            ("client_secret", &w.app.client_secret),
        ])
        .send()
        .await
        .unwrap();
    let t2 = expect(res, StatusCode::OK).await;
    // revoking a refresh token ends the whole grant: its access tokens too
    let (at2, rt2) = (
        t2["access_token"].as_str().unwrap().to_string(),
        t2["refresh_token"].as_str().unwrap().to_string(),
    );
    assert_eq!(companies(at2.clone()).await, StatusCode::OK);
    assert_eq!(revoke(rt2.clone()).await, json!({}));
    assert_eq!(companies(at2).await, StatusCode::UNAUTHORIZED);
    let res = app
        .post("/oauth/token")
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", rt2.as_str()),
            ("client_id", &w.app.client_id),
            ("client_secret", &w.app.client_secret),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(expect(res, StatusCode::BAD_REQUEST).await["error"], "invalid_grant");
}

async fn concurrent_redemptions_have_one_winner(app: TestApp) {
    let (w, _) = setup(&app).await;
    let mut b = Browser::new(&app);
    let code = sign_in_and_approve(&mut b, &authorize_path(&w, "")).await;
    let tries: Vec<_> = (0..20)
        .map(|_| {
            let req = app.post("/oauth/token").form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", CALLBACK),
                ("client_id", w.app.client_id.as_str()),
                ("client_secret", w.app.client_secret.as_str()),
            ]);
            tokio::spawn(async move { req.send().await.unwrap().status() })
        })
        .collect();
    let mut ok = 0;
    for t in tries {
        match t.await.unwrap() {
            StatusCode::OK => ok += 1,
            s => assert_eq!(s, StatusCode::BAD_REQUEST),
        }
    }
    assert_eq!(ok, 1, "exactly one redemption wins");
}

async fn refresh_tokens_have_an_absolute_lifetime(app: TestApp) {
    let (w, _) = setup(&app).await;
    let mut b = Browser::new(&app);
    let code = sign_in_and_approve(&mut b, &authorize_path(&w, "")).await;
    let (_, t) = exchange(&app, &w, &code, None).await;
    let refresh = |rt: String| {
        let app = &app;
        let form = [
            ("grant_type", "refresh_token".to_string()),
            ("refresh_token", rt),
            ("client_id", w.app.client_id.clone()),
            ("client_secret", w.app.client_secret.clone()),
        ];
        async move {
            let res = app.post("/oauth/token").form(&form).send().await.unwrap();
            let s = res.status();
            (s, expect(res, s).await)
        }
    };
    // Refreshing keeps working within the 90 days from the approval…
    app.clock.advance(89 * 86_400);
    let (s, t2) = refresh(t["refresh_token"].as_str().unwrap().to_string()).await;
    assert_eq!(s, StatusCode::OK, "{t2}");
    // …but not past them, however recently the token was rotated.
    app.clock.advance(2 * 86_400);
    let (s, e) = refresh(t2["refresh_token"].as_str().unwrap().to_string()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(e["error"], "invalid_grant");
    assert!(
        e["error_description"].as_str().unwrap().contains("sign in again"),
        "{e}"
    );
}

async fn an_operator_suspension_stops_the_app_until_lifted(app: TestApp) {
    let (w, _) = setup(&app).await;
    let id = w.app.app_id;
    let mut b = Browser::new(&app);
    let code = sign_in_and_approve(&mut b, &authorize_path(&w, "")).await;
    let (_, person) = exchange(&app, &w, &code, None).await;
    let person_token = person["access_token"].as_str().unwrap().to_string();
    let refresh_token = person["refresh_token"].as_str().unwrap().to_string();
    let app_token = app.token(&w.app).await;
    let api = |token: String| {
        let app = &app;
        let path = format!("/rest/v1.0/projects?company_id={}", w.a);
        async move { app.get(&path).bearer_auth(&token).send().await.unwrap().status() }
    };
    let client_credentials = || {
        app.post("/oauth/token")
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", w.app.client_id.as_str()),
                ("client_secret", w.app.client_secret.as_str()),
            ])
            .send()
    };
    let refresh = || {
        app.post("/oauth/token")
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token.as_str()),
                ("client_id", w.app.client_id.as_str()),
                ("client_secret", w.app.client_secret.as_str()),
            ])
            .send()
    };
    assert_eq!(api(app_token.clone()).await, StatusCode::OK);
    assert_eq!(api(person_token.clone()).await, StatusCode::OK);

    // Only the operator may suspend, and only with a reason.
    app.api_post(
        &w.dev,
        &format!("/api/v1/apps/{id}/suspend"),
        json!({"reason": "mine"}),
        StatusCode::FORBIDDEN,
    )
    .await;
    app.api_post(
        &app.operator,
        &format!("/api/v1/apps/{id}/suspend"),
        json!({"reason": " "}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    app.api_post(
        &app.operator,
        "/api/v1/apps/999999/suspend",
        json!({"reason": "x"}),
        StatusCode::NOT_FOUND,
    )
    .await;
    let s = app
        .api_post(
            &app.operator,
            &format!("/api/v1/apps/{id}/suspend"),
            json!({"reason": "leaked credentials"}),
            StatusCode::OK,
        )
        .await;
    assert!(s["suspended_at"].is_i64(), "{s}");

    // Everything stops at once: its tokens, new tokens, refreshes, sign-ins.
    assert_eq!(api(app_token.clone()).await, StatusCode::UNAUTHORIZED);
    assert_eq!(api(person_token.clone()).await, StatusCode::UNAUTHORIZED);
    let res = client_credentials().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let e = expect(res, StatusCode::BAD_REQUEST).await;
    assert_eq!(e["error"], "unauthorized_client");
    assert!(e["error_description"].as_str().unwrap().contains("suspended"), "{e}");
    let e = expect(refresh().await.unwrap(), StatusCode::BAD_REQUEST).await;
    assert_eq!(e["error"], "unauthorized_client");
    let res = Browser::new(&app).get(&authorize_path(&w, "")).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(location(&res).is_empty(), "no redirect to the app");
    assert!(res.text().await.unwrap().contains("suspended"));
    // The developer sees why.
    let a = app.api_get(&w.dev, &format!("/api/v1/apps/{id}"), StatusCode::OK).await;
    assert_eq!(a["suspended_reason"], "leaked credentials");

    // Lifting it restores everything, including the refresh token tried meanwhile.
    app.api_post(
        &app.operator,
        &format!("/api/v1/apps/{id}/resume"),
        json!({}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(api(app_token).await, StatusCode::OK);
    assert_eq!(api(person_token).await, StatusCode::OK);
    expect(client_credentials().await.unwrap(), StatusCode::OK).await;
    expect(refresh().await.unwrap(), StatusCode::OK).await;
    let audit = app
        .api_get(&w.dev, &format!("/api/v1/apps/{id}/audit?per_page=100"), StatusCode::OK)
        .await;
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"app.suspend") && actions.contains(&"app.resume"),
        "{actions:?}"
    );
}
