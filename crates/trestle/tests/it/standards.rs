//! Standards details (issue 13, items 7, 9 and 11): repeated OAuth parameters, malformed
//! `Authorization` headers, `insufficient_scope`, revocation that tells nothing, PKCE without a
//! method, hostile `Host` headers and request input that must never reach a header as sent,
//! and refusals that say exactly why.

use crate::support::{app_at_levels, expect, field, location, on_both_backends, query_param, Browser, TestApp, World};
use crate::user_oauth::{authorize_path, setup, sign_in_and_approve, CALLBACK};
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_backends!(
    repeated_oauth_parameters_are_invalid_requests,
    repeated_authorize_parameters_are_refused,
    a_code_challenge_without_a_method_is_plain_and_refused,
    malformed_authorization_headers_are_bad_requests,
    a_tool_level_refusal_names_insufficient_scope,
    revocation_answers_the_same_whatever_the_token,
    hostile_host_headers_never_reach_a_header,
    a_public_url_is_used_whatever_the_host,
    redirects_never_echo_request_input,
    refusals_say_exactly_why,
    a_suspended_apps_tokens_are_refused_as_suspended,
    sandbox_credentials_say_they_need_a_version,
);

async fn assert_invalid_request(res: reqwest::Response, what: &str) -> Value {
    let v = expect(res, StatusCode::BAD_REQUEST).await;
    assert_eq!(v["error"], "invalid_request", "{what}: {v}");
    v
}

async fn repeated_oauth_parameters_are_invalid_requests(app: TestApp) {
    let w = app.world().await;
    let (id, secret) = (w.app.client_id.as_str(), w.app.client_secret.as_str());
    let token = app.token(&w.app).await;
    // form: a repeated grant_type, client_id, scope
    for dup in [
        "grant_type=client_credentials",
        &format!("client_id={id}"),
        "scope=x&scope=y",
    ] {
        let body = format!("grant_type=client_credentials&client_id={id}&client_secret={secret}&{dup}");
        let res = app
            .post("/oauth/token")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        let v = assert_invalid_request(res, dup).await;
        assert!(
            v["error_description"].as_str().unwrap().contains("more than once"),
            "{v}"
        );
    }
    // JSON: two members with the same name (a map would keep one of them silently)
    let body = format!(
        r#"{{"grant_type":"client_credentials","client_id":"{id}","client_secret":"{secret}","client_secret":"{secret}"}}"#
    );
    let res = app
        .post("/oauth/token")
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_invalid_request(res, "json").await;
    // multipart
    let form = reqwest::multipart::Form::new()
        .text("grant_type", "client_credentials")
        .text("client_id", id.to_string())
        .text("client_secret", secret.to_string())
        .text("grant_type", "client_credentials");
    let res = app.post("/oauth/token").multipart(form).send().await.unwrap();
    assert_invalid_request(res, "multipart").await;
    // an empty value counts as absent (RFC 6749 §3.1), so it repeats nothing
    let body = format!("grant_type=client_credentials&client_id={id}&client_secret={secret}&scope=");
    let res = app
        .post("/oauth/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    expect(res, StatusCode::OK).await;
    // revoke and introspect refuse repeated parameters too, and revoke nothing then
    for path in ["/oauth/revoke", "/oauth/introspect"] {
        let body = format!("token={token}&token=other&client_id={id}&client_secret={secret}");
        let res = app
            .post(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_invalid_request(res, path).await;
    }
    let res = app
        .get("/rest/v1.0/companies")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    expect(res, StatusCode::OK).await;
}

async fn repeated_authorize_parameters_are_refused(app: TestApp) {
    let (w, _) = setup(&app).await;
    let mut b = Browser::new(&app);
    // a repeated state (the client is known, the redirect URI verified): the error goes there
    let res = b.get(&authorize_path(&w, "&state=other")).await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let to = location(&res);
    assert!(to.starts_with(CALLBACK), "{to}");
    assert_eq!(query_param(&to, "error").as_deref(), Some("invalid_request"));
    assert!(query_param(&to, "error_description").unwrap().contains("state"), "{to}");
    // a repeated client_id or redirect_uri: which was meant is unknown, so no redirect at all
    for extra in [
        format!("&client_id={}", w.app.client_id),
        format!("&redirect_uri={}", urlencode("https://evil.example/cb")),
    ] {
        let res = b.get(&authorize_path(&w, &extra)).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{extra}");
        assert!(location(&res).is_empty(), "{extra}: no redirect");
        assert!(res.text().await.unwrap().contains("more than once"), "{extra}");
    }
    // an empty repeat counts as absent: the flow goes on
    let res = b.get(&authorize_path(&w, "&state=")).await;
    assert_eq!(res.status(), StatusCode::OK);
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("v", s)]).unwrap()[2..].to_string()
}

async fn a_code_challenge_without_a_method_is_plain_and_refused(app: TestApp) {
    let (w, _) = setup(&app).await;
    let mut b = Browser::new(&app);
    let challenge = "c".repeat(43);
    let res = b
        .get(&authorize_path(&w, &format!("&code_challenge={challenge}")))
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let to = location(&res);
    assert_eq!(query_param(&to, "error").as_deref(), Some("invalid_request"), "{to}");
    assert_eq!(query_param(&to, "state").as_deref(), Some("xyz"));
    let why = query_param(&to, "error_description").unwrap();
    assert!(why.contains("code_challenge_method") && why.contains("plain"), "{why}");
    // with S256 the same challenge is accepted (the login page is shown)
    let res = b
        .get(&authorize_path(
            &w,
            &format!("&code_challenge={challenge}&code_challenge_method=S256"),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

async fn malformed_authorization_headers_are_bad_requests(app: TestApp) {
    let w = app.world().await;
    let token = app.token(&w.app).await;
    let rest = "/rest/v1.0/companies";
    let manage = "/api/v1/apps";
    for (path, good) in [(rest, token.as_str()), (manage, w.dev.as_str())] {
        // malformed: 400 invalid_request, with the RFC 6750 challenge
        let malformed: Vec<Vec<String>> = vec![
            vec!["Bearer".into()],
            vec!["Bearer ".into()],
            vec![format!("Bearer {good} extra")],
            vec![format!("Bearer {good}\"")],
            vec![format!("Bearer <{good}>")],
            vec![format!("Bearer {good}"), format!("Bearer {good}")],
        ];
        for headers in malformed {
            let mut req = app.get(path);
            for h in &headers {
                req = req.header("authorization", h);
            }
            let res = req.send().await.unwrap();
            let challenge = res.headers()["www-authenticate"].to_str().unwrap().to_string();
            assert!(
                challenge.contains("error=\"invalid_request\""),
                "{path} {headers:?}: {challenge}"
            );
            let v = expect(res, StatusCode::BAD_REQUEST).await;
            assert_eq!(v["code"], "invalid_request", "{v}");
            assert!(!v["message"].as_str().unwrap().is_empty());
        }
        // non-ASCII bytes in the header
        let res = app
            .get(path)
            .header(
                "authorization",
                reqwest::header::HeaderValue::from_bytes(b"Bearer t\xe9st").unwrap(),
            )
            .send()
            .await
            .unwrap();
        expect(res, StatusCode::BAD_REQUEST).await;
        // the token both in the header and in the URL: two methods at once
        let res = app
            .get(&format!("{path}?access_token={good}"))
            .bearer_auth(good)
            .send()
            .await
            .unwrap();
        expect(res, StatusCode::BAD_REQUEST).await;
        // another scheme is no bearer token: 401 with a bare challenge (no error code)
        let res = app
            .get(path)
            .header("authorization", format!("Basic {good}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["www-authenticate"], "Bearer realm=\"trestle\"");
        expect(res, StatusCode::UNAUTHORIZED).await;
        // a well-formed token that is not valid: 401 invalid_token
        let res = app.get(path).bearer_auth("nonsense-token").send().await.unwrap();
        assert!(res.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("error=\"invalid_token\""));
        expect(res, StatusCode::UNAUTHORIZED).await;
        // and the scheme is case-insensitive, extra spaces allowed (1*SP)
        let res = app
            .get(path)
            .header("authorization", format!("bearer   {good}"))
            .send()
            .await
            .unwrap();
        expect(res, StatusCode::OK).await;
    }
    // the token info endpoint parses the header the same way
    let res = app
        .get("/oauth/token/info")
        .header("authorization", "Bearer a b")
        .send()
        .await
        .unwrap();
    expect(res, StatusCode::BAD_REQUEST).await;
}

async fn a_tool_level_refusal_names_insufficient_scope(app: TestApp) {
    let w = app.world().await;
    let reader = app_at_levels(&app, &w.dev, &w.admin_a, w.a, &[w.a1], "Reader", "none", "read_only").await;
    let res = app
        .post(&format!("/rest/v1.0/folders?project_id={}", w.a1))
        .bearer_auth(&reader)
        .json(&json!({"folder": {"name": "F"}}))
        .send()
        .await
        .unwrap();
    let challenge = res.headers()["www-authenticate"].to_str().unwrap().to_string();
    assert!(challenge.starts_with("Bearer "), "{challenge}");
    assert!(challenge.contains("error=\"insufficient_scope\""), "{challenge}");
    let v = expect(res, StatusCode::FORBIDDEN).await;
    assert!(v["message"].as_str().unwrap().contains("documents"), "{v}");
    // a 403 that is not about a tool level (not installed there) names no scope
    let res = app
        .get(&format!("/rest/v1.0/companies/{}/projects", w.b))
        .bearer_auth(&reader)
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("www-authenticate").is_none());
    expect(res, StatusCode::FORBIDDEN).await;
}

async fn revoke(app: &TestApp, token: &str, id: &str, secret: &str) -> (StatusCode, String, String) {
    let res = app
        .post("/oauth/revoke")
        .form(&[("token", token), ("client_id", id), ("client_secret", secret)])
        .send()
        .await
        .unwrap();
    let status = res.status();
    let ct = res.headers()["content-type"].to_str().unwrap().to_string();
    (status, ct, res.text().await.unwrap())
}

async fn revocation_answers_the_same_whatever_the_token(app: TestApp) {
    let w = app.world().await;
    let (_, dev2) = app.person("d2@example.com", "D2").await;
    let other = app.promoted_app(&dev2, "Other").await;
    app.install(&w.admin_a, w.a, &other.app_version_id, &[]).await;
    let foreign = app.token(&other).await;
    let own = app.token(&w.app).await;
    let (id, secret) = (w.app.client_id.as_str(), w.app.client_secret.as_str());
    let tampered = format!("{}A", &own[..own.len() - 1]);
    let answers = [
        revoke(&app, &foreign, id, secret).await,
        revoke(&app, "garbage", id, secret).await,
        revoke(&app, &tampered, id, secret).await,
        revoke(&app, &own, id, secret).await,
        revoke(&app, &own, id, secret).await,
    ];
    for a in &answers {
        assert_eq!(a, &answers[0], "valid, foreign, garbage and spent tokens answer alike");
    }
    assert_eq!(answers[0].0, StatusCode::OK);
    assert_eq!(answers[0].2, "{}");
    // the client's own token is revoked; the other client's is not
    let status = |t: String| {
        let app = &app;
        async move {
            app.get("/rest/v1.0/companies")
                .bearer_auth(t)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(status(own).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        status(foreign).await,
        StatusCode::OK,
        "another client's token stays live"
    );
    // the client must still authenticate
    assert_eq!(revoke(&app, "garbage", id, "wrong").await.0, StatusCode::UNAUTHORIZED);
}

/// Every `Link` target of a response, checked to carry nothing of `bad`.
fn link_targets(res: &reqwest::Response) -> Vec<String> {
    let link = res.headers()["link"].to_str().unwrap();
    link.split(", ")
        .map(|part| {
            let (target, rel) = part.split_once(">; ").unwrap_or_else(|| panic!("{link}"));
            assert!(rel.starts_with("rel=\""), "{link}");
            target.strip_prefix('<').unwrap().to_string()
        })
        .collect()
}

const HOSTILE_HOSTS: &[&str] = &[
    "evil.example\"><script>",
    "a;b=c",
    "<evil.example>",
    "user@evil.example",
    "evil.example/path",
    "evil.example:99999",
    "evil.example:80:80",
    "evil example",
    "[::1",
    "ex\"ample",
    "",
];

async fn hostile_host_headers_never_reach_a_header(app: TestApp) {
    let w = app.world().await;
    let token = app.token(&w.app).await;
    let pages = [
        ("/rest/v1.0/companies?per_page=1", token.as_str()),
        ("/api/v1/apps?per_page=1", w.dev.as_str()),
        (
            &*format!("/rest/v1.0/companies/{}/users?per_page=1", w.a),
            token.as_str(),
        ),
    ];
    for host in HOSTILE_HOSTS.iter().copied().chain(["h\u{e9}llo"]) {
        let value = reqwest::header::HeaderValue::from_bytes(host.as_bytes()).unwrap();
        for (path, auth) in &pages {
            let res = app
                .get(path)
                .bearer_auth(auth)
                .header("host", value.clone())
                .header("procore-company-id", w.a.to_string())
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::OK, "{host:?} {path}");
            for target in link_targets(&res) {
                // relative: resolved against the request's own URL, nothing of the Host
                assert!(target.starts_with('/'), "{host:?} {path}: {target}");
                assert!(!target.contains("evil") && !target.contains('"'), "{target}");
                assert!(!target.contains(['<', '>', ';', ' ']), "{target}");
            }
        }
        // the metadata's URLs must be absolute: refused rather than built from it
        let res = app
            .get("/.well-known/oauth-authorization-server")
            .header("host", value.clone())
            .send()
            .await
            .unwrap();
        let v = expect(res, StatusCode::BAD_REQUEST).await;
        assert!(v["message"].as_str().unwrap().contains("Host"), "{v}");
    }
    // a valid authority is used as is (names, IPv4, IPv6, ports)
    for host in ["api.example.test:8443", "10.0.0.7", "[::1]:3000", "localhost"] {
        let res = app
            .get("/rest/v1.0/companies?per_page=1")
            .bearer_auth(&token)
            .header("host", host)
            .send()
            .await
            .unwrap();
        let targets = link_targets(&res);
        assert!(
            targets
                .iter()
                .all(|t| t.starts_with(&format!("http://{host}/rest/v1.0/companies?"))),
            "{host}: {targets:?}"
        );
        let res = app
            .get("/.well-known/oauth-authorization-server")
            .header("host", host)
            .send()
            .await
            .unwrap();
        let v = expect(res, StatusCode::OK).await;
        assert_eq!(v["issuer"], format!("http://{host}"));
        assert_eq!(v["token_endpoint"], format!("http://{host}/oauth/token"));
    }
    // request parameters in links are encoded, never echoed
    let res = app
        .get("/rest/v1.0/companies?per_page=1&x=%22%3E%3Cb%3E;")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    for target in link_targets(&res) {
        assert!(!target.contains(['"', '<', '>', ';']), "{target}");
    }
}

async fn a_public_url_is_used_whatever_the_host(app: TestApp) {
    let other = TestApp::spawn_with(&app.db_url, |c| {
        c.public_url = Some("https://trestle.example.com/".into())
    })
    .await;
    let w = other.world().await;
    let token = other.token(&w.app).await;
    for host in HOSTILE_HOSTS.iter().copied().chain(["api.example.test:8443"]) {
        let res = other
            .get("/rest/v1.0/companies?per_page=1")
            .bearer_auth(&token)
            .header("host", host)
            .send()
            .await
            .unwrap();
        for target in link_targets(&res) {
            assert!(
                target.starts_with("https://trestle.example.com/rest/v1.0/companies?"),
                "{host:?}: {target}"
            );
        }
        let res = other
            .get("/.well-known/oauth-authorization-server")
            .header("host", host)
            .send()
            .await
            .unwrap();
        let v = expect(res, StatusCode::OK).await;
        assert_eq!(v["issuer"], "https://trestle.example.com");
    }
    other.stop().await;
}

async fn redirects_never_echo_request_input(app: TestApp) {
    let (w, _) = setup(&app).await;
    // a redirect URI becomes a Location header: one with characters no URI holds is refused
    for uri in [
        "https://client.example/cb\"><script>",
        "https://client.example/cb?x=<y>",
        "https://client.example/\u{e9}",
    ] {
        let v = app
            .api_post(
                &w.dev,
                &format!("/api/v1/apps/{}/redirect_uris", w.app.app_id),
                json!({ "uri": uri }),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        assert_eq!(v["errors"][0]["path"], "$.uri", "{v}");
    }
    // the web UI's `next`: only a /ui path, and odd characters arrive percent-encoded
    let mut b = Browser::new(&app);
    let html = b.get("/ui/login").await.text().await.unwrap();
    let hostile_next = "/ui/apps\"><script>alert(1)</script>;x=\u{e9}";
    let res = b
        .post(
            "/ui/login",
            &[
                ("csrf", &field(&html, "csrf")),
                ("next", hostile_next),
                ("email", "pat@example.com"),
                ("password", "correct horse battery"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = location(&res);
    assert!(to.starts_with("/ui/apps"), "{to}");
    assert!(!to.contains(['"', '<', '>', ';', ' ']) && to.is_ascii(), "{to}");
    assert!(to.contains("%22%3E%3Cscript%3E"), "{to}");
    // already signed in: the login form sends straight on, the same way
    let res = b.get(&format!("/ui/login?next={}", urlencode(hostile_next))).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), to);
    // the OAuth login form's `q`: the redirect carries the validated request, rebuilt
    let mut b = Browser::new(&app);
    let path = authorize_path(&w, "");
    let html = b.get(&path).await.text().await.unwrap();
    let q = format!("{}&junk=\"><x>;", field(&html, "q"));
    let res = b
        .post(
            "/oauth/authorize/login",
            &[
                ("email", "pat@example.com"),
                ("password", "correct horse battery"),
                ("csrf", &field(&html, "csrf")),
                ("q", &q),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = location(&res);
    assert!(to.starts_with("/oauth/authorize?"), "{to}");
    assert!(!to.contains(['"', '<', '>', ';']) && !to.contains("junk"), "{to}");
    assert_eq!(query_param(&to, "client_id").as_deref(), Some(w.app.client_id.as_str()));
    assert_eq!(query_param(&to, "redirect_uri").as_deref(), Some(CALLBACK));
    // and the flow goes on from there
    let code = sign_in_and_approve(&mut b, &to).await;
    assert!(!code.is_empty());
}

async fn get_status(app: &TestApp, token: &str, path: &str) -> (StatusCode, Value) {
    let res = app.get(path).bearer_auth(token).send().await.unwrap();
    let s = res.status();
    (s, expect(res, s).await)
}

/// A person token for Pat (a member of company A only) through the authorization-code flow.
async fn person_token(app: &TestApp, w: &World) -> String {
    let mut b = Browser::new(app);
    let code = sign_in_and_approve(&mut b, &authorize_path(w, "")).await;
    let res = app
        .post("/oauth/token")
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", CALLBACK),
            ("client_id", w.app.client_id.as_str()),
            ("client_secret", w.app.client_secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    expect(res, StatusCode::OK).await["access_token"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn refusals_say_exactly_why(app: TestApp) {
    let (w, _) = setup(&app).await;
    let pat = person_token(&app, &w).await;
    // a person on a company they do not belong to
    for path in [
        format!("/rest/v1.0/companies/{}/projects", w.b),
        format!("/rest/v1.0/projects?company_id={}", w.b),
        format!("/rest/v1.0/companies/{}/users", w.b),
    ] {
        let (s, v) = get_status(&app, &pat, &path).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{path}: {v}");
        assert_eq!(v["message"], "you are not a member of this company", "{path}");
    }
    // the same for a company that does not exist: nothing tells the two apart
    let (s, v) = get_status(&app, &pat, "/rest/v1.0/companies/999999/projects").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(v["message"], "you are not a member of this company");
    // their own company answers
    let (s, _) = get_status(&app, &pat, &format!("/rest/v1.0/companies/{}/projects", w.a)).await;
    assert_eq!(s, StatusCode::OK);
    // an app where it is not installed is told that instead
    let (company, _) = app.company("Gamma").await;
    let token = app.token(&w.app).await;
    let (s, v) = get_status(&app, &token, &format!("/rest/v1.0/companies/{company}/projects")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let m = v["message"].as_str().unwrap();
    assert!(m.starts_with("the app is not installed in this company"), "{m}");
    // the management API says it too
    let (_, stranger) = app.person("stranger@example.com", "Stranger").await;
    let (s, v) = get_status(&app, &stranger, &format!("/api/v1/companies/{}/projects", w.a)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(v["message"], "you are not a member of this company");
}

async fn a_suspended_apps_tokens_are_refused_as_suspended(app: TestApp) {
    let (w, _) = setup(&app).await;
    let person = person_token(&app, &w).await;
    let token = app.token(&w.app).await;
    let id = w.app.app_id;
    app.api_post(
        &app.operator,
        &format!("/api/v1/apps/{id}/suspend"),
        json!({"reason": "investigation"}),
        StatusCode::OK,
    )
    .await;
    for t in [&token, &person] {
        let res = app.get("/rest/v1.0/companies").bearer_auth(t).send().await.unwrap();
        let challenge = res.headers()["www-authenticate"].to_str().unwrap().to_string();
        assert!(challenge.contains("suspended"), "{challenge}");
        let v = expect(res, StatusCode::UNAUTHORIZED).await;
        let m = v["message"].as_str().unwrap();
        assert!(m.contains("suspended") && !m.contains("revoked"), "{m}");
        assert!(m.contains("works again"), "{m}");
    }
    // the token endpoint says the same
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
    let v = expect(res, StatusCode::BAD_REQUEST).await;
    assert!(
        v["error_description"]
            .as_str()
            .unwrap()
            .contains("suspension is lifted"),
        "{v}"
    );
    app.api_post(
        &app.operator,
        &format!("/api/v1/apps/{id}/resume"),
        json!({}),
        StatusCode::OK,
    )
    .await;
    for t in [&token, &person] {
        let (s, _) = get_status(&app, t, "/rest/v1.0/companies").await;
        assert_eq!(s, StatusCode::OK, "works again on resume");
    }
    // a token revoked for real is still called revoked
    let res = app
        .post("/oauth/revoke")
        .form(&[
            ("token", token.as_str()),
            ("client_id", w.app.client_id.as_str()),
            ("client_secret", w.app.client_secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    expect(res, StatusCode::OK).await;
    let (s, v) = get_status(&app, &token, "/rest/v1.0/companies").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(v["message"].as_str().unwrap().contains("revoked"), "{v}");
}

async fn sandbox_credentials_say_they_need_a_version(app: TestApp) {
    let (_, dev) = app.person("dev@example.com", "Dev").await;
    let created = app
        .api_post(&dev, "/api/v1/apps", json!({"name": "Fresh"}), StatusCode::CREATED)
        .await;
    let id = created["app"]["id"].as_i64().unwrap();
    let note = created["sandbox"]["note"].as_str().unwrap();
    assert!(note.contains("version"), "{note}");
    assert!(note.contains(&format!("/api/v1/apps/{id}/versions")), "{note}");
    let res = app
        .post("/oauth/token")
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", created["sandbox"]["client_id"].as_str().unwrap()),
            ("client_secret", created["sandbox"]["client_secret"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    let v = expect(res, StatusCode::BAD_REQUEST).await;
    assert_eq!(v["error"], "unauthorized_client");
    let d = v["error_description"].as_str().unwrap();
    assert!(d.contains("no version yet") && d.contains("versions"), "{d}");
    // the credentials list and a new sandbox secret say it too, until there is a version
    let creds = app
        .api_get(&dev, &format!("/api/v1/apps/{id}/credentials"), StatusCode::OK)
        .await;
    let sandbox = creds
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["environment"] == "sandbox")
        .unwrap();
    assert!(
        sandbox["note"]
            .as_str()
            .unwrap()
            .contains("only once the app has a version"),
        "{creds}"
    );
    let rotated = app
        .api_post(
            &dev,
            &format!("/api/v1/apps/{id}/credentials/sandbox/secrets"),
            json!({}),
            StatusCode::CREATED,
        )
        .await;
    assert!(rotated["note"].as_str().unwrap().contains("version"), "{rotated}");
    app.api_post(
        &dev,
        &format!("/api/v1/apps/{id}/versions"),
        json!({"version": "0.1.0", "manifest": crate::support::dmsa_manifest()}),
        StatusCode::CREATED,
    )
    .await;
    let creds = app
        .api_get(&dev, &format!("/api/v1/apps/{id}/credentials"), StatusCode::OK)
        .await;
    assert!(
        creds.as_array().unwrap().iter().all(|c| c.get("note").is_none()),
        "{creds}"
    );
    let res = app
        .post("/oauth/token")
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", created["sandbox"]["client_id"].as_str().unwrap()),
            ("client_secret", rotated["client_secret"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    expect(res, StatusCode::OK).await;
    // the web UI says it where the sandbox credentials are shown
    let mut b = Browser::new(&app);
    app.api_post(
        &app.operator,
        "/api/v1/people",
        json!({"email": "web@example.com", "name": "Web Dev", "password": "correct horse battery"}),
        StatusCode::CREATED,
    )
    .await;
    let html = b.get("/ui/login").await.text().await.unwrap();
    let res = b
        .post(
            "/ui/login",
            &[
                ("csrf", &field(&html, "csrf")),
                ("next", "/ui/apps"),
                ("email", "web@example.com"),
                ("password", "correct horse battery"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = b.get("/ui/apps").await.text().await.unwrap();
    let res = b
        .post("/ui/apps", &[("csrf", &field(&page, "csrf")), ("name", "Web App")])
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let html = res.text().await.unwrap();
    assert!(html.contains("get a token only once the app has a version"), "{html}");
}
