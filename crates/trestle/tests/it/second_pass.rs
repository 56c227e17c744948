//! The second, black-box pass over issue 13's classes: the cases a hostile tester found after
//! the first fixes. Every refusal in the caller's words, every echo of input cut short (in
//! bodies and headers), the rate limit in the management API's error shape.

use crate::request_errors::{error_shape, FRAMEWORK_WORDING};
use crate::support::{on_both_backends, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_backends!(
    adding_a_member_refuses_a_wrong_body_in_the_callers_words,
    echoed_input_is_cut_short_in_every_error_answer,
    a_long_query_never_inflates_the_link_header,
    the_rate_limit_answers_the_management_api_in_its_error_shape,
    the_company_log_does_not_tell_which_invited_addresses_were_new,
    web_pages_answer_a_wrong_address_in_words,
    a_version_that_is_not_semver_is_refused_in_our_words,
    web_error_pages_keep_the_navigation,
    a_huge_form_value_is_refused_without_inflating_the_page,
    a_long_next_never_inflates_location,
    an_oauth_state_is_bounded_before_it_reaches_location,
);

async fn adding_a_member_refuses_a_wrong_body_in_the_callers_words(app: TestApp) {
    let (company, admin) = app.company("Acme").await;
    let path = format!("{}/api/v1/companies/{company}/users", app.url);
    // (body, path of the first problem)
    let cases = [
        (json!({"email": 5}), "$.email"),
        (json!({"email": "a@example.com", "is_admin": "yes"}), "$.is_admin"),
        (json!({"email": "a@example.com", "name": ["x"]}), "$.name"),
        (json!({"email": "a@example.com", "zzz": 1}), "$.zzz"),
        (json!({"name": "no address"}), "$.email"),
    ];
    for (body, want) in cases {
        let res = app
            .http
            .post(&path)
            .bearer_auth(&admin)
            .json(&body)
            .send()
            .await
            .unwrap();
        let v = error_shape(res, StatusCode::BAD_REQUEST).await;
        assert_eq!(v["errors"][0]["path"], want, "{body}: {v}");
        assert!(!v["message"].as_str().unwrap().contains("invalid JSON body"), "{v}");
    }
}

async fn echoed_input_is_cut_short_in_every_error_answer(app: TestApp) {
    let (company, admin) = app.company("Acme").await;
    let long = "x".repeat(5000);
    // an unknown tool's name is quoted in the path and the reason
    let res = app
        .http
        .post(format!("{}/api/v1/companies/{company}/invitations", app.url))
        .bearer_auth(&admin)
        .json(&json!({"email": "a@example.com", "permissions": {long.clone(): "standard"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = res.text().await.unwrap();
    assert!(text.len() < 1500, "{} bytes: {}", text.len(), &text[..200]);
    let v: Value = serde_json::from_str(&text).unwrap();
    assert!(
        v["errors"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("unknown company tool"),
        "{v}"
    );
    // many problems: at most 100 are listed
    let many: serde_json::Map<String, Value> = (0..500).map(|i| (format!("tool{i}"), json!("standard"))).collect();
    let res = app
        .http
        .post(format!("{}/api/v1/companies/{company}/invitations", app.url))
        .bearer_auth(&admin)
        .json(&json!({"email": "a@example.com", "permissions": many}))
        .send()
        .await
        .unwrap();
    let v = error_shape(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(v["errors"].as_array().unwrap().len(), 100, "{v}");
    // the token endpoint quotes an unknown grant type
    let res = app
        .post("/oauth/token")
        .form(&[
            ("grant_type", long.as_str()),
            ("client_id", "c"),
            ("client_secret", "s"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let v: Value = res.json().await.unwrap();
    assert!(v["error"].as_str().is_some(), "{v}");
    let description = v["error_description"].as_str().unwrap();
    assert!(description.chars().count() <= 301, "{} characters", description.len());
    for bad in FRAMEWORK_WORDING.iter().filter(|w| **w != "`") {
        assert!(!description.contains(bad), "{bad:?} in {description}");
    }
}

async fn a_long_query_never_inflates_the_link_header(app: TestApp) {
    let long = "y".repeat(5000);
    let res = app
        .get(&format!("/api/v1/people?per_page=1&unknown={long}"))
        .bearer_auth(&app.operator)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers().get("total").is_some());
    for (name, value) in res.headers() {
        assert!(value.len() <= 4096, "{name}: {} bytes", value.len());
    }
    // a short query keeps its links, with the other parameters
    let res = app
        .get("/api/v1/people?per_page=1&unknown=short")
        .bearer_auth(&app.operator)
        .send()
        .await
        .unwrap();
    let link = res.headers()["link"].to_str().unwrap().to_string();
    assert!(link.contains("unknown=short"), "{link}");
}

async fn the_rate_limit_answers_the_management_api_in_its_error_shape(app: TestApp) {
    let limited = TestApp::spawn_with(&app.db_url, |c| {
        c.rate_limit = trestle_http::ratelimit::RateLimitConfig {
            per_hour: 1,
            per_spike: 0,
        }
    })
    .await;
    let (_, dev) = limited.person("d@example.com", "D").await;
    let first = limited.get("/api/v1/apps").bearer_auth(&dev).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let res = limited.get("/api/v1/apps").bearer_auth(&dev).send().await.unwrap();
    assert!(res.headers().get("retry-after").is_some());
    let v = error_shape(res, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(v["code"], "rate_limited", "{v}");
    assert!(v["message"]
        .as_str()
        .unwrap()
        .contains("surpassed the max number of requests"));
    // the web UI answers with a page
    let mut last = None;
    for _ in 0..2 {
        last = Some(limited.get("/ui/signin").send().await.unwrap());
    }
    let res = last.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let ct = res.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ct.starts_with("text/html"), "{ct}");
    assert!(res.text().await.unwrap().contains("surpassed"));
    limited.stop().await;
}

/// The company's own audit log shows its invitations; the ids of their rows come from one
/// sequence with the platform's rows, so they must advance alike whether the invited address
/// belonged to someone (here a person of another company) or to no one.
async fn the_company_log_does_not_tell_which_invited_addresses_were_new(app: TestApp) {
    let (a, admin_a) = app.company("Acme").await;
    let (_b, _admin_b) = app.company("Beta").await;
    let invite = |email: &'static str| {
        let path = format!("/api/v1/companies/{a}/invitations");
        let admin = admin_a.clone();
        let app = &app;
        async move {
            app.api_post(&admin, &path, json!({"email": email}), StatusCode::CREATED)
                .await;
        }
    };
    invite("new-one@example.com").await;
    invite("admin@beta.test").await; // Beta's admin: someone outside Acme
    invite("new-two@example.com").await;
    invite("new-one@example.com").await; // again: the pending invitation is replaced
    let log = app
        .api_get(&admin_a, &format!("/api/v1/companies/{a}/audit"), StatusCode::OK)
        .await;
    let mut ids: Vec<i64> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "company_invitation.create")
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    ids.sort();
    assert_eq!(ids.len(), 4, "{log}");
    let gaps: Vec<i64> = ids.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(
        gaps.iter().all(|g| *g == gaps[0]),
        "audit id gaps {gaps:?} tell the addresses apart"
    );
    // nothing of the platform's rows (which name people) is in the company's log
    let text = log.to_string();
    assert!(
        !text.contains("user.create") && !text.contains("user.invite\""),
        "{text}"
    );
}

/// Every page of the web UI answers a URL it does not take with a page in words: an id that is
/// not a number (also on the projects pages), and an address no page has.
async fn web_pages_answer_a_wrong_address_in_words(app: TestApp) {
    let (c, _admin_user, _admin) = crate::web_ui::company(&app, "Acme", "alex@acme.test").await;
    let mut b = crate::web_ui::sign_in(&app, "alex@acme.test").await;
    for path in [
        format!("/ui/companies/{c}/projects/abc"),
        format!("/ui/companies/{c}/projects/99999999999999999999"),
        "/ui/apps/abc".to_string(),
        "/ui/no-such-page".to_string(),
        format!("/ui/companies/{c}/nothing-here"),
    ] {
        let res = b.get(&path).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        let ct = res.headers()["content-type"].to_str().unwrap().to_string();
        assert!(ct.starts_with("text/html"), "{path}: {ct}");
        let page = res.text().await.unwrap();
        for bad in FRAMEWORK_WORDING {
            assert!(!page.contains(bad), "{path}: {bad:?} in {page}");
        }
        assert!(page.contains("no such page"), "{path}: {page}");
    }
    // the API keeps its JSON for an unknown route, and OAuth its RFC 6749 error
    let v = error_shape(app.get("/api/v1/nothing").send().await.unwrap(), StatusCode::NOT_FOUND).await;
    assert_eq!(v["code"], "not_found");
    let res = app.get("/oauth/nothing").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let v: Value = res.json().await.unwrap();
    assert!(v["error"].as_str().is_some(), "{v}");
}

async fn a_version_that_is_not_semver_is_refused_in_our_words(app: TestApp) {
    let (_, dev) = app.person("dev@example.com", "Dev").await;
    let created = app
        .api_post(&dev, "/api/v1/apps", json!({"name": "A"}), StatusCode::CREATED)
        .await;
    let a = created["app"]["id"].as_i64().unwrap();
    for (bad, why) in [
        ("99999999999999999999.0.0", "too large"),
        ("1.0", "exactly three numbers"),
        ("1.0.0-é", "pre-release part"),
        ("1.0.0+a+b", "build metadata"),
    ] {
        let res = app
            .post(&format!("/api/v1/apps/{a}/versions"))
            .bearer_auth(&dev)
            .json(&json!({"version": bad, "manifest": crate::support::dmsa_manifest()}))
            .send()
            .await
            .unwrap();
        let v = error_shape(res, StatusCode::UNPROCESSABLE_ENTITY).await;
        let reason = v["errors"][0]["reason"].as_str().unwrap();
        assert_eq!(v["errors"][0]["path"], "$.version", "{v}");
        assert!(reason.contains(why), "{bad}: {reason}");
        for parser in ["u64", "unexpected", "segment", "\\u{"] {
            assert!(!reason.contains(parser), "{bad}: {reason}");
        }
    }
}

/// A refusal from a page's handler (403, 404, 409) or an unknown address is shown inside the
/// signed-in person's navigation; without a session the page stays bare.
async fn web_error_pages_keep_the_navigation(app: TestApp) {
    let (c, _admin_user, _admin) = crate::web_ui::company(&app, "Acme", "alex@acme.test").await;
    let (other, _, _) = crate::web_ui::company(&app, "Beta", "blair@beta.test").await;
    let mut b = crate::web_ui::sign_in(&app, "alex@acme.test").await;
    for (path, status) in [
        (format!("/ui/companies/{other}"), StatusCode::FORBIDDEN),
        (format!("/ui/companies/{c}/projects/999999"), StatusCode::NOT_FOUND),
        ("/ui/apps/999999".to_string(), StatusCode::NOT_FOUND),
        ("/ui/no-such-page".to_string(), StatusCode::NOT_FOUND),
    ] {
        let res = b.get(&path).await;
        assert_eq!(res.status(), status, "{path}");
        assert_eq!(res.headers()["cache-control"], "no-store", "{path}");
        let page = res.text().await.unwrap();
        assert!(page.contains("aria-label=\"Main\""), "{path}: no navigation in {page}");
        assert!(page.contains("Sign out") && page.contains("My apps"), "{path}: {page}");
        assert!(page.contains("Go back"), "{path}: {page}");
    }
    // signed out: the same refusal, without navigation (and without anyone's name)
    let res = app.get("/ui/no-such-page").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let page = res.text().await.unwrap();
    assert!(page.contains("no such page") && !page.contains("Sign out"), "{page}");
}

/// A refused form shows what was typed again, but a value far over every limit is kept only
/// in part: the page stays small, and the value is still refused as too long.
async fn a_huge_form_value_is_refused_without_inflating_the_page(app: TestApp) {
    crate::web_ui::person(&app, "dev@example.com", "Dev").await;
    let mut b = crate::web_ui::sign_in(&app, "dev@example.com").await;
    let csrf = crate::web_ui::csrf_of(&mut b).await;
    let huge = "x".repeat(300_000);
    let res = b.post("/ui/apps", &[("csrf", &csrf), ("name", &huge)]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.len() < 60_000, "{} bytes", page.len());
    assert!(page.contains("at most 100 characters"), "refused as too long");
    assert!(page.contains(&"x".repeat(1000)), "what was typed is shown (in part)");
}

/// Where to go after signing in reaches `Location`: a value too long for a URL is the home page,
/// and a page asked for with a very long query sends to the sign-in page with its path only.
async fn a_long_next_never_inflates_location(app: TestApp) {
    crate::web_ui::person(&app, "dev@example.com", "Dev").await;
    let mut b = crate::support::Browser::new(&app);
    let page = b.get("/ui/login").await.text().await.unwrap();
    let csrf = crate::support::field(&page, "csrf");
    let next = format!("/ui/apps?{}", "a".repeat(10_000));
    let res = b
        .post(
            "/ui/login",
            &[
                ("csrf", &csrf),
                ("next", &next),
                ("email", "dev@example.com"),
                ("password", "a long enough password"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(crate::support::location(&res), "/ui");
    // signed out, a page with a long query: to the sign-in page, coming back to the path
    let res = crate::support::Browser::new(&app)
        .get(&format!("/ui/apps?q={}", "b".repeat(5000)))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = crate::support::location(&res);
    assert!(to.len() < 100 && to.starts_with("/ui/login?next="), "{to}");
    // a short one keeps its query
    let res = crate::support::Browser::new(&app).get("/ui/apps?page=2").await;
    assert!(
        crate::support::location(&res).contains("page%3D2"),
        "{}",
        crate::support::location(&res)
    );
}

/// The `state` of an authorization request comes back in `Location`: one too long or with
/// control characters is refused at the redirect URI (RFC 6749 §4.1.2.1), without echoing it.
async fn an_oauth_state_is_bounded_before_it_reaches_location(app: TestApp) {
    let (w, _) = crate::user_oauth::setup(&app).await;
    for state in ["s".repeat(1001), "a\r\nb".to_string(), "nul\u{0}".to_string()] {
        let q = serde_urlencoded::to_string([
            ("response_type", "code"),
            ("client_id", w.app.client_id.as_str()),
            ("redirect_uri", crate::user_oauth::CALLBACK),
            ("state", state.as_str()),
        ])
        .unwrap();
        let res = crate::support::Browser::new(&app)
            .get(&format!("/oauth/authorize?{q}"))
            .await;
        assert_eq!(res.status(), StatusCode::FOUND, "{state:?}");
        let to = crate::support::location(&res);
        assert!(to.starts_with(crate::user_oauth::CALLBACK), "{to}");
        assert_eq!(
            crate::support::query_param(&to, "error").as_deref(),
            Some("invalid_request")
        );
        assert!(crate::support::query_param(&to, "state").is_none(), "{to}");
        assert!(to.len() < 400, "{to}");
    }
    // at the limit it is carried as sent
    let ok = "s".repeat(1000);
    let q = serde_urlencoded::to_string([
        ("response_type", "code"),
        ("client_id", w.app.client_id.as_str()),
        ("redirect_uri", crate::user_oauth::CALLBACK),
        ("state", ok.as_str()),
    ])
    .unwrap();
    let res = crate::support::Browser::new(&app)
        .get(&format!("/oauth/authorize?{q}"))
        .await;
    assert_eq!(res.status(), StatusCode::OK, "the sign-in page");
}
