//! The web UI over HTTP: sessions and CSRF, tenant isolation, escaping, security headers,
//! login lockout, sign-out, and the admin journey through the forms (the browser journeys in
//! ui-tests/ cover the same screens in Chromium; these run on both backends).

use crate::support::{expect, field, ids, location, on_both_backends, Browser, TestApp};
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(
    pages_need_a_session_and_forms_need_the_session_csrf_token,
    a_secret_is_shown_once_and_names_are_escaped,
    admins_and_developers_see_only_their_own,
    the_admin_journey_through_the_forms,
    login_is_locked_after_repeated_failures_and_sign_out_ends_the_session,
    secrets_rotate_and_retire_and_marketplace_installs_through_the_forms,
);

const PASSWORD: &str = "a long enough password";

/// A person with a password; returns (user id, API token).
pub(crate) async fn person(app: &TestApp, email: &str, name: &str) -> (i64, String) {
    let v = app
        .api_post(
            &app.operator,
            "/api/v1/people",
            json!({"email": email, "name": name, "password": PASSWORD}),
            StatusCode::CREATED,
        )
        .await;
    (
        v["user"]["id"].as_i64().unwrap(),
        v["api_token"].as_str().unwrap().to_string(),
    )
}

/// A company whose admin has a password; returns (company id, admin id, admin API token).
pub(crate) async fn company(app: &TestApp, name: &str, admin_email: &str) -> (i64, i64, String) {
    let (admin, token) = person(app, admin_email, &format!("{name} Admin")).await;
    let v = app
        .api_post(
            &app.operator,
            "/api/v1/companies",
            json!({"name": name, "admin_user_id": admin}),
            StatusCode::CREATED,
        )
        .await;
    (v["id"].as_i64().unwrap(), admin, token)
}

pub(crate) async fn sign_in(app: &TestApp, email: &str) -> Browser {
    let mut b = Browser::new(app);
    let page = b.get("/ui/login").await.text().await.unwrap();
    let csrf = field(&page, "csrf");
    let res = b
        .post(
            "/ui/login",
            &[
                ("csrf", &csrf),
                ("next", "/ui"),
                ("email", email),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{email} signs in");
    assert_eq!(location(&res), "/ui");
    b
}

/// The CSRF token of the signed-in session (every page's sign-out form carries it).
pub(crate) async fn csrf_of(b: &mut Browser) -> String {
    let home = b.get("/ui").await;
    assert_eq!(home.status(), StatusCode::OK);
    field(&home.text().await.unwrap(), "csrf")
}

async fn pages_need_a_session_and_forms_need_the_session_csrf_token(app: TestApp) {
    let (_, dev_token) = person(&app, "dev@example.com", "Dev").await;
    // No session: every page goes to the login page, which comes back afterwards.
    let mut anon = Browser::new(&app);
    let res = anon.get("/ui/apps").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/ui/login?next=%2Fui%2Fapps");
    let res = anon.post("/ui/apps", &[("name", "Sneaky")]).await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "a POST without a session is not served"
    );

    // The login form itself needs its CSRF cookie and field.
    let res = anon
        .post(
            "/ui/login",
            &[("csrf", "forged"), ("email", "dev@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(anon.cookies.iter().all(|(k, _)| k != "__Host-trestle_session"));

    // Only same-site paths are followed after login.
    let page = anon
        .get("/ui/login?next=https://evil.example/")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(field(&page, "next"), "/ui");
    let page = anon.get("/ui/login?next=//evil.example/ui").await.text().await.unwrap();
    assert_eq!(field(&page, "next"), "/ui");

    let mut dev = sign_in(&app, "dev@example.com").await;
    let csrf = csrf_of(&mut dev).await;
    // A form without the session's token changes nothing.
    for forged in [None, Some("0".repeat(64))] {
        let mut form = vec![("name", "Forged App".to_string())];
        if let Some(f) = forged {
            form.push(("csrf", f));
        }
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = dev.post("/ui/apps", &form).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }
    // The right token from a foreign page (its Origin) is refused too.
    let res = dev
        .http
        .post(format!("{}/ui/apps", dev.base))
        .header("cookie", dev.cookie())
        .header("origin", "https://evil.example")
        .form(&[("csrf", csrf.as_str()), ("name", "Foreign")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let apps = app.api_get(&dev_token, "/api/v1/apps", StatusCode::OK).await;
    assert_eq!(apps.as_array().unwrap().len(), 0, "nothing was created: {apps}");
    // This server's own Origin is fine.
    let res = dev
        .http
        .post(format!("{}/ui/apps", dev.base))
        .header("cookie", dev.cookie())
        .header("origin", dev.base.clone())
        .form(&[("csrf", csrf.as_str()), ("name", "Same Origin")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    // With it, the app is created.
    let res = dev.post("/ui/apps", &[("csrf", &csrf), ("name", "Real App")]).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let apps = app.api_get(&dev_token, "/api/v1/apps", StatusCode::OK).await;
    let names: Vec<&str> = apps
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Real App") && names.contains(&"Same Origin"),
        "{names:?}"
    );
    // Another session's token is not this session's token.
    let mut other = sign_in(&app, "dev@example.com").await;
    let other_csrf = csrf_of(&mut other).await;
    assert_ne!(other_csrf, csrf);
    let res = dev.post("/ui/apps", &[("csrf", &other_csrf), ("name", "Cross")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

async fn a_secret_is_shown_once_and_names_are_escaped(app: TestApp) {
    let (_, dev_token) = person(&app, "dev@example.com", "Dev <b>").await;
    let mut dev = sign_in(&app, "dev@example.com").await;
    let csrf = csrf_of(&mut dev).await;
    let evil = "<script>alert(1)</script>";
    let res = dev.post("/ui/apps", &[("csrf", &csrf), ("name", evil)]).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    for (h, want) in [
        ("cache-control", "no-store"),
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
    ] {
        assert_eq!(res.headers()[h], want, "{h}");
    }
    let csp = res.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    let page = res.text().await.unwrap();
    assert!(!page.contains(evil), "the name is escaped");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    let sandbox_secret = {
        let marker = "id=\"client-secret\" type=\"text\" readonly value=\"";
        let start = page.find(marker).expect("the secret is on the page") + marker.len();
        page[start..start + 64].to_string()
    };
    assert!(sandbox_secret.chars().all(|c| c.is_ascii_hexdigit()));
    let app_id = app.api_get(&dev_token, "/api/v1/apps", StatusCode::OK).await[0]["id"]
        .as_i64()
        .unwrap();

    // Write a manifest through the form, promote: the production secret is on that page only.
    let res = dev
        .post(
            &format!("/ui/apps/{app_id}/versions"),
            &[
                ("csrf", &csrf),
                ("version", "1.0.0"),
                ("grant_type", "client_credentials"),
                ("project.documents", "standard"),
                ("editor", "builder"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let version: i64 = location(&res)
        .split('/')
        .next_back()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let res = dev
        .post(
            &format!("/ui/apps/{app_id}/versions/{version}/promote"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    let marker = "id=\"client-secret\" type=\"text\" readonly value=\"";
    let start = page.find(marker).expect("the production secret is shown") + marker.len();
    let secret = page[start..start + 64].to_string();
    assert!(page.contains("shown only this once"));
    // The shown secret works; no page shows it again.
    let v = app
        .api_get(
            &dev_token,
            &format!("/api/v1/apps/{app_id}/credentials"),
            StatusCode::OK,
        )
        .await;
    let client_id = v
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["environment"] == "production")
        .unwrap()["client_id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app
        .post("/oauth/token")
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client_id.as_str()),
            ("client_secret", secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    expect(res, StatusCode::OK).await;
    for path in [
        format!("/ui/apps/{app_id}"),
        format!("/ui/apps/{app_id}/versions/{version}"),
        "/ui/apps".to_string(),
        "/ui".to_string(),
    ] {
        let page = dev.get(&path).await.text().await.unwrap();
        assert!(!page.contains(&secret), "{path} shows the production secret");
        assert!(!page.contains(&sandbox_secret), "{path} shows the sandbox secret");
        assert!(!page.contains(evil), "{path} does not escape the app name");
    }
    // Promoting twice is a clear refusal, not a second secret.
    let res = dev
        .post(
            &format!("/ui/apps/{app_id}/versions/{version}/promote"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res.text().await.unwrap().contains("already promoted"));

    // The builder can declare both grant types; the editor shows them again as chosen.
    let res = dev
        .post(
            &format!("/ui/apps/{app_id}/versions"),
            &[
                ("csrf", &csrf),
                ("version", "1.1.0"),
                ("grant_type", "both"),
                ("project.documents", "read_only"),
                ("editor", "builder"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let next = location(&res);
    let v2: i64 = next
        .split('/')
        .next_back()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let v = app
        .api_get(
            &dev_token,
            &format!("/api/v1/apps/{app_id}/versions/{v2}"),
            StatusCode::OK,
        )
        .await;
    let grants: Vec<&str> = v["manifest"]["components"]["oauth"]["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["grant_type"].as_str().unwrap())
        .collect();
    assert_eq!(grants, vec!["client_credentials", "authorization_code"]);
    let page = dev
        .get(&format!("/ui/apps/{app_id}/versions/{v2}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("value=\"both\" selected"),
        "the editor keeps both grant types"
    );
}

async fn admins_and_developers_see_only_their_own(app: TestApp) {
    let w = app.world().await;
    person(&app, "other-dev@example.com", "Other Dev").await;
    // Admin of company A, with a password.
    let (c, _admin, _) = company(&app, "Gamma", "gamma-admin@example.com").await;
    let mut gamma = sign_in(&app, "gamma-admin@example.com").await;
    let csrf = csrf_of(&mut gamma).await;
    let own = gamma.get(&format!("/ui/companies/{c}")).await;
    assert_eq!(own.status(), StatusCode::OK);
    // Company A's pages and forms are closed to Gamma's admin.
    for path in [
        format!("/ui/companies/{}", w.a),
        format!("/ui/companies/{}/installs/{}", w.a, w.install_a),
        format!("/ui/companies/{}/directory", w.a),
        format!("/ui/companies/{}/audit", w.a),
        format!("/ui/companies/{}/install", w.a),
    ] {
        let res = gamma.get(&path).await;
        assert!(
            matches!(res.status(), StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "{path}: {}",
            res.status()
        );
        let body = res.text().await.unwrap();
        assert!(!body.contains("Acme") && !body.contains("A1"), "{path} leaks: {body}");
    }
    // A's install reached through Gamma's path is "not found"; A's bot keeps its projects.
    for path in [
        format!("/ui/companies/{c}/installs/{}/projects/{}/remove", w.install_a, w.a1),
        format!("/ui/companies/{c}/installs/{}/uninstall", w.install_a),
        format!("/ui/companies/{}/installs/{}/uninstall", w.a, w.install_a),
    ] {
        let res = gamma.post(&path, &[("csrf", &csrf)]).await;
        assert!(
            matches!(res.status(), StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "{path}: {}",
            res.status()
        );
    }
    let token = app.token(&w.app).await;
    let v = app
        .api_get(
            &token,
            &format!("/rest/v1.0/projects?company_id={}", w.a),
            StatusCode::OK,
        )
        .await;
    assert_eq!(ids(&v), vec![w.a1, w.a2], "A's permitted projects are untouched");
    // Another developer's app is "not found", by page and by form.
    let mut other = sign_in(&app, "other-dev@example.com").await;
    let ocsrf = csrf_of(&mut other).await;
    let res = other.get(&format!("/ui/apps/{}", w.app.app_id)).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(!res.text().await.unwrap().contains("Sync App"));
    let res = other
        .post(
            &format!("/ui/apps/{}/secrets", w.app.app_id),
            &[
                ("csrf", &ocsrf),
                ("environment", "production"),
                ("expire_others_in", "0"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    app.token(&w.app).await; // the owner's secret still works
}

async fn the_admin_journey_through_the_forms(app: TestApp) {
    let (_, dev) = person(&app, "dev@example.com", "Dev").await;
    let promoted = app.promoted_app(&dev, "Photo Sync").await;
    let (c, _, admin_token) = company(&app, "Delta", "delta-admin@example.com").await;
    let p1 = app.project(&admin_token, c, "Harbor Tower").await;
    let p2 = app.project(&admin_token, c, "Main Street Clinic").await;
    let mut admin = sign_in(&app, "delta-admin@example.com").await;
    let csrf = csrf_of(&mut admin).await;

    // A wrong App Version ID is a clear error page, and nothing is installed.
    let res = admin
        .post(
            &format!("/ui/companies/{c}/install"),
            &[("csrf", &csrf), ("app_version_id", "not-an-id")],
        )
        .await;
    assert!(res.status().is_client_error(), "{}", res.status());
    assert!(res.text().await.unwrap().contains("role=\"alert\""));
    let installs = app
        .api_get(&admin_token, &format!("/api/v1/companies/{c}/installs"), StatusCode::OK)
        .await;
    assert_eq!(installs.as_array().unwrap().len(), 0);

    let res = admin
        .post(
            &format!("/ui/companies/{c}/install"),
            &[("csrf", &csrf), ("app_version_id", &promoted.app_version_id)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let install_page = location(&res).split('?').next().unwrap().to_string();
    let page = admin.get(&install_page).await.text().await.unwrap();
    assert!(page.contains("Harbor Tower") && page.contains("Main Street Clinic"));
    let token = app.token(&promoted).await;
    let projects = |token: String| {
        let app = &app;
        async move {
            ids(&app
                .api_get(&token, &format!("/rest/v1.0/projects?company_id={c}"), StatusCode::OK)
                .await)
        }
    };
    assert_eq!(projects(token.clone()).await, Vec::<i64>::new());

    // Search finds by name, case-insensitively.
    let page = admin
        .get(&format!("{install_page}?q=CLINIC"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Main Street Clinic") && !page.contains("Harbor Tower"));

    let (p1s, p2s) = (p1.to_string(), p2.to_string());
    let res = admin
        .post(
            &format!("{install_page}/projects"),
            &[("csrf", &csrf), ("project_id", &p1s), ("project_id", &p2s)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(projects(token.clone()).await, vec![p1, p2]);
    // Nothing selected: a clear refusal.
    let res = admin
        .post(&format!("{install_page}/projects"), &[("csrf", &csrf)])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let res = admin
        .post(&format!("{install_page}/projects/{p1}/remove"), &[("csrf", &csrf)])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(projects(token.clone()).await, vec![p2]);

    // Add to all new projects, then a new project includes the bot.
    let res = admin
        .post(
            &format!("{install_page}/add-to-new"),
            &[("csrf", &csrf), ("on", "true")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let p3 = app.project(&admin_token, c, "Airport Expansion").await;
    assert_eq!(projects(token.clone()).await, vec![p2, p3]);
    let res = admin.post(&format!("{install_page}/add-all"), &[("csrf", &csrf)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(projects(token.clone()).await, vec![p1, p2, p3]);

    // The directory marks the bot; the audit log names the admin.
    let page = admin
        .get(&format!("/ui/companies/{c}/directory"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Photo Sync") && page.contains("badge bot"));
    let page = admin
        .get(&format!("/ui/companies/{c}/audit"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Delta Admin") && page.contains("install"));

    let res = admin
        .post(&format!("{install_page}/uninstall"), &[("csrf", &csrf)])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = app
        .get(&format!("/rest/v1.0/projects?company_id={c}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(
        matches!(res.status(), StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{}",
        res.status()
    );
}

async fn login_is_locked_after_repeated_failures_and_sign_out_ends_the_session(app: TestApp) {
    person(&app, "pat@example.com", "Pat").await;
    let mut b = sign_in(&app, "pat@example.com").await;
    // Signing in again gives a new session id and ends the one the browser had.
    let before = b.cookie();
    // (a signed-in browser is sent on from the login page, so take a login form elsewhere)
    let mut fresh = Browser::new(&app);
    let page = fresh.get("/ui/login").await.text().await.unwrap();
    let login_csrf = field(&page, "csrf");
    let csrf_cookie = fresh
        .cookies
        .iter()
        .find(|(k, _)| k == "__Host-trestle_csrf")
        .unwrap()
        .clone();
    b.cookies.retain(|(k, _)| k != "__Host-trestle_csrf");
    b.cookies.push(csrf_cookie);
    let res = b
        .post(
            "/ui/login",
            &[
                ("csrf", &login_csrf),
                ("email", "pat@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_ne!(b.cookie(), before);
    let res = app.get("/ui/apps").header("cookie", &before).send().await.unwrap();
    assert!(res.url().path().starts_with("/ui/login"), "the old session id is dead");
    let csrf = csrf_of(&mut b).await;
    let session = b.cookie();
    let res = b.post("/ui/logout", &[("csrf", &csrf)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // The old cookie, replayed, no longer opens a page.
    let res = app.get("/ui/apps").header("cookie", &session).send().await.unwrap();
    assert!(res.url().path().starts_with("/ui/login"), "{}", res.url());

    let mut anon = Browser::new(&app);
    let page = anon.get("/ui/login").await.text().await.unwrap();
    let mut csrf = field(&page, "csrf");
    for _ in 0..20 {
        let res = anon
            .post(
                "/ui/login",
                &[("csrf", &csrf), ("email", "pat@example.com"), ("password", "wrong")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        // Each answer is a fresh form with a fresh token.
        csrf = field(&res.text().await.unwrap(), "csrf");
    }
    // Now even the right password waits, with a clear message and Retry-After.
    let res = anon
        .post(
            "/ui/login",
            &[("csrf", &csrf), ("email", "Pat@Example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers()["retry-after"].to_str().unwrap().parse::<i64>().unwrap() > 0);
    assert!(res.text().await.unwrap().contains("Too many failed attempts"));
    // Another person is not locked out by Pat's failures.
    let (_, quinn_token) = person(&app, "quinn@example.com", "Quinn").await;
    sign_in(&app, "quinn@example.com").await;
    let mut anon = Browser::new(&app);
    let page = anon.get("/ui/login").await.text().await.unwrap();
    let res = anon
        .post(
            "/ui/login",
            &[
                ("csrf", &field(&page, "csrf")),
                ("email", "nobody@example.com"),
                ("password", "x"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    // Every attempt is in the platform's audit log, for the operator only.
    let mut events = Vec::new();
    for page in 1.. {
        let v = app
            .api_get(
                &app.operator,
                &format!("/api/v1/audit?per_page=100&page={page}"),
                StatusCode::OK,
            )
            .await;
        let items = v.as_array().unwrap().clone();
        if items.is_empty() {
            break;
        }
        events.extend(items);
    }
    let count = |action: &str, email: &str| {
        events
            .iter()
            .filter(|e| e["action"] == action && e["after"]["email"] == email)
            .inspect(|e| assert_eq!(e["after"]["address"], "127.0.0.1", "{e}"))
            .count()
    };
    assert_eq!(
        count("signin.failure", "pat@example.com"),
        20,
        "the locked-out attempt is not a check"
    );
    assert_eq!(count("signin.success", "pat@example.com"), 2);
    assert_eq!(count("signin.success", "quinn@example.com"), 1);
    let unknown: Vec<_> = events
        .iter()
        .filter(|e| e["after"]["email"] == "nobody@example.com")
        .collect();
    assert_eq!(unknown.len(), 1);
    assert_eq!(unknown[0]["actor_kind"], "anonymous");
    assert_eq!(unknown[0]["action"], "signin.failure");
    assert!(
        events.iter().all(|e| !e.to_string().contains(PASSWORD)),
        "no password in the log"
    );
    app.api_get(&quinn_token, "/api/v1/audit", StatusCode::FORBIDDEN).await;
}

/// The secret on a page that shows one once.
fn shown_secret(page: &str) -> String {
    let marker = "id=\"client-secret\" type=\"text\" readonly value=\"";
    let start = page.find(marker).expect("a secret is shown") + marker.len();
    page[start..start + 64].to_string()
}

async fn token_status(app: &TestApp, client_id: &str, secret: &str) -> StatusCode {
    app.post("/oauth/token")
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", secret),
        ])
        .send()
        .await
        .unwrap()
        .status()
}

async fn secrets_rotate_and_retire_and_marketplace_installs_through_the_forms(app: TestApp) {
    let (_, dev_token) = person(&app, "dev@example.com", "Dev").await;
    let promoted = app.promoted_app(&dev_token, "Rotor").await;
    let id = promoted.app_id;
    let mut dev = sign_in(&app, "dev@example.com").await;
    let csrf = csrf_of(&mut dev).await;
    let old = promoted.client_secret.clone();

    // A sign-in older than 15 minutes must be confirmed before a new secret is handed out.
    app.clock.advance(16 * 60);
    let res = dev
        .post(
            &format!("/ui/apps/{id}/secrets"),
            &[
                ("csrf", &csrf),
                ("environment", "production"),
                ("expire_others_in", "0"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let confirm = location(&res);
    assert_eq!(confirm, format!("/ui/login?next=%2Fui%2Fapps%2F{id}&confirm=1"));
    assert_eq!(
        token_status(&app, &promoted.client_id, &old).await,
        StatusCode::OK,
        "nothing rotated"
    );
    let page = dev.get(&confirm).await.text().await.unwrap();
    assert!(page.contains("Confirm it is you") && page.contains("dev@example.com"));
    let res = dev
        .post(
            "/ui/login",
            &[
                ("csrf", &field(&page, "csrf")),
                ("next", &field(&page, "next")),
                ("email", "dev@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(location(&res), format!("/ui/apps/{id}"));
    let csrf = csrf_of(&mut dev).await;

    // A new secret beside the old one: both work.
    let res = dev
        .post(
            &format!("/ui/apps/{id}/secrets"),
            &[("csrf", &csrf), ("environment", "production"), ("expire_others_in", "")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let second = shown_secret(&res.text().await.unwrap());
    assert_ne!(second, old);
    assert_eq!(token_status(&app, &promoted.client_id, &old).await, StatusCode::OK);
    assert_eq!(token_status(&app, &promoted.client_id, &second).await, StatusCode::OK);

    // Retire the old one from its row: it stops at once.
    let creds = app
        .api_get(&dev_token, &format!("/api/v1/apps/{id}/credentials"), StatusCode::OK)
        .await;
    let prod = creds
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["environment"] == "production")
        .unwrap();
    let old_id = prod["secrets"][0]["id"].as_i64().unwrap().to_string();
    let res = dev
        .post(
            &format!("/ui/apps/{id}/secrets/{old_id}/retire"),
            &[("csrf", &csrf), ("environment", "production")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        token_status(&app, &promoted.client_id, &old).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(token_status(&app, &promoted.client_id, &second).await, StatusCode::OK);

    // A third secret that expires the others now.
    let res = dev
        .post(
            &format!("/ui/apps/{id}/secrets"),
            &[
                ("csrf", &csrf),
                ("environment", "production"),
                ("expire_others_in", "0"),
            ],
        )
        .await;
    let third = shown_secret(&res.text().await.unwrap());
    assert_eq!(
        token_status(&app, &promoted.client_id, &second).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(token_status(&app, &promoted.client_id, &third).await, StatusCode::OK);
    // Bad input is a clear refusal that changes nothing.
    for (env, expire) in [("staging", ""), ("production", "soon"), ("production", "-5")] {
        let res = dev
            .post(
                &format!("/ui/apps/{id}/secrets"),
                &[("csrf", &csrf), ("environment", env), ("expire_others_in", expire)],
            )
            .await;
        assert!(res.status().is_client_error(), "{env} {expire}: {}", res.status());
    }
    assert_eq!(token_status(&app, &promoted.client_id, &third).await, StatusCode::OK);

    // List in the marketplace; an admin installs from there.
    let res = dev.post(&format!("/ui/apps/{id}/publish"), &[("csrf", &csrf)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (c, _, admin_token) = company(&app, "Epsilon", "eps-admin@example.com").await;
    let mut admin = sign_in(&app, "eps-admin@example.com").await;
    let acsrf = csrf_of(&mut admin).await;
    let page = admin
        .get(&format!("/ui/companies/{c}/install"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Install Rotor"), "the marketplace lists the app");
    let res = admin
        .post(
            &format!("/ui/companies/{c}/install"),
            &[("csrf", &acsrf), ("app_id", &id.to_string())],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let installs = app
        .api_get(&admin_token, &format!("/api/v1/companies/{c}/installs"), StatusCode::OK)
        .await;
    assert_eq!(installs.as_array().unwrap().len(), 1);
    assert_eq!(installs[0]["app"]["id"], id);
}
