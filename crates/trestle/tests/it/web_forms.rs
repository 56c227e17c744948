//! Refused web forms: the page comes back (422) with its navigation, everything the person
//! typed, and each problem in words next to its field — never a bare error page or the
//! framework's text.

use crate::support::{on_both_backends, Browser, TestApp};
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(
    refused_developer_forms_come_back_with_what_was_typed,
    refused_company_forms_come_back_with_what_was_typed,
    pages_with_bad_addresses_or_bodies_answer_in_words,
);

const PASSWORD: &str = "a long enough password";

async fn person(app: &TestApp, email: &str) -> (i64, String) {
    let v = app
        .api_post(
            &app.operator,
            "/api/v1/people",
            json!({"email": email, "name": "Pat", "password": PASSWORD}),
            StatusCode::CREATED,
        )
        .await;
    (
        v["user"]["id"].as_i64().unwrap(),
        v["api_token"].as_str().unwrap().to_string(),
    )
}

/// The value of the attribute `attr` of the first tag whose `id` is `id`, unescaped.
fn attr_of(html: &str, id: &str, attr: &str) -> Option<String> {
    let at = html.find(&format!("id=\"{id}\""))?;
    let start = html[..at].rfind('<')?;
    let end = at + html[at..].find('>')?;
    let tag = &html[start..end];
    let marker = format!(" {attr}=\"");
    let v = tag.find(&marker)? + marker.len();
    let len = tag[v..].find('"')?;
    Some(
        tag[v..v + len]
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

/// The text of the element whose id is `id`.
fn text_of(html: &str, id: &str) -> Option<String> {
    let at = html.find(&format!("id=\"{id}\""))?;
    let open_end = at + html[at..].find('>')? + 1;
    let close = open_end + html[open_end..].find('<')?;
    Some(html[open_end..close].to_string())
}

async fn sign_in(app: &TestApp, email: &str) -> (Browser, String) {
    let mut b = Browser::new(app);
    let page = b.get("/ui/login").await.text().await.unwrap();
    let csrf = crate::support::field(&page, "csrf");
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
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let home = b.get("/ui").await.text().await.unwrap();
    let csrf = crate::support::field(&home, "csrf");
    (b, csrf)
}

/// A refused form's page: 422, the navigation, the typed value in `input`, its error text.
async fn refused_page(res: reqwest::Response, input: &str, typed: &str, reason: &str) -> String {
    let status = res.status();
    let page = res.text().await.unwrap();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(
        page.contains("<nav aria-label=\"Main\""),
        "the navigation stays: {page}"
    );
    assert_eq!(attr_of(&page, input, "value").as_deref(), Some(typed), "{page}");
    assert_eq!(attr_of(&page, input, "aria-invalid").as_deref(), Some("true"), "{page}");
    let error_id = attr_of(&page, input, "aria-describedby").expect("the field points at its error");
    let said = text_of(&page, &error_id).expect("the error is next to the field");
    assert!(said.contains(reason), "{said:?} should say {reason:?}");
    for bad in ["Failed to", "deserialize", "`"] {
        assert!(!page.contains(bad), "{bad:?} in {page}");
    }
    page
}

async fn refused_developer_forms_come_back_with_what_was_typed(app: TestApp) {
    let (_, dev) = person(&app, "dev@example.com").await;
    let (mut b, csrf) = sign_in(&app, "dev@example.com").await;
    // Create an app: too long a name.
    let long = "Long name ".repeat(11);
    let res = b.post("/ui/apps", &[("csrf", &csrf), ("name", &long)]).await;
    refused_page(res, "name", &long, "at most 100 characters").await;
    // A control character, with markup in what was typed: kept, and escaped.
    let typed = "<b>Bell\u{7}</b>";
    let res = b.post("/ui/apps", &[("csrf", &csrf), ("name", typed)]).await;
    let page = refused_page(res, "name", typed, "control characters").await;
    assert!(!page.contains("<b>Bell"), "escaped");
    let apps = app.api_get(&dev, "/api/v1/apps", StatusCode::OK).await;
    assert_eq!(apps.as_array().unwrap().len(), 0, "nothing was created");

    let created = app
        .api_post(&dev, "/api/v1/apps", json!({"name": "Sync"}), StatusCode::CREATED)
        .await;
    let a = created["app"]["id"].as_i64().unwrap();
    let at = format!("/ui/apps/{a}");
    // Rename: empty after trimming.
    let res = b
        .post(&format!("{at}/rename"), &[("csrf", &csrf), ("name", "   ")])
        .await;
    refused_page(res, "app-name", "   ", "not be empty").await;
    // A redirect URI that is not http(s).
    let res = b
        .post(
            &format!("{at}/redirect-uris"),
            &[("csrf", &csrf), ("uri", "ftp://files.example.com/cb")],
        )
        .await;
    let page = refused_page(
        res,
        "redirect-uri",
        "ftp://files.example.com/cb",
        "absolute http(s) URL",
    )
    .await;
    // The other forms of the page show what is stored, not what was typed elsewhere.
    assert_eq!(attr_of(&page, "app-name", "value").as_deref(), Some("Sync"));
    // Delete: the confirmation does not repeat the name.
    let res = b
        .post(&format!("{at}/delete"), &[("csrf", &csrf), ("confirm", "Snyc")])
        .await;
    refused_page(res, "confirm", "Snyc", "repeat its exact name").await;
    let got = app.api_get(&dev, &format!("/api/v1/apps/{a}"), StatusCode::OK).await;
    assert_eq!(got["name"], "Sync", "nothing changed");
    // A tampered secret form is told so on the app page, with its navigation.
    let res = b
        .post(
            &format!("{at}/secrets/1/retire"),
            &[("csrf", &csrf), ("environment", "staging")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("<nav aria-label=\"Main\"") && page.contains("production or sandbox"),
        "{page}"
    );
}

async fn refused_company_forms_come_back_with_what_was_typed(app: TestApp) {
    let (admin, _) = person(&app, "admin@acme.test").await;
    let c = app
        .api_post(
            &app.operator,
            "/api/v1/companies",
            json!({"name": "Acme", "admin_user_id": admin}),
            StatusCode::CREATED,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let (mut b, csrf) = sign_in(&app, "admin@acme.test").await;
    let install = format!("/ui/companies/{c}/install");
    for (typed, reason) in [
        ("not-a-version-id", "36-character App Version ID"),
        (
            "3f1c9a2e-0000-4000-8000-000000000000",
            "App Version ID (or sandbox key)",
        ),
    ] {
        let res = b.post(&install, &[("csrf", &csrf), ("app_version_id", typed)]).await;
        let page = refused_page(res, "app_version_id", typed, reason).await;
        assert!(page.contains("Install an app"), "the install page itself: {page}");
    }
    // A search term the rules refuse: said next to the search field, on the install page.
    let (_, dev) = person(&app, "dev@example.com").await;
    let promoted = app.promoted_app(&dev, "Sync").await;
    let res = b
        .post(
            &install,
            &[("csrf", &csrf), ("app_version_id", &promoted.app_version_id)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let installed = crate::support::location(&res);
    let installed = installed.split('?').next().unwrap();
    let typed = "Tower\u{1}";
    let res = b.get(&format!("{installed}?q={}", "Tower%01")).await;
    let page = refused_page(res, "q", typed, "control characters").await;
    assert!(page.contains("Permitted projects"), "{page}");
    // A marketplace install of an app id that is not a number: told on the install page.
    let res = b.post(&install, &[("csrf", &csrf), ("app_id", "abc")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("<nav aria-label=\"Main\"") && page.contains("must be an app id"),
        "{page}"
    );
}

async fn pages_with_bad_addresses_or_bodies_answer_in_words(app: TestApp) {
    person(&app, "dev@example.com").await;
    let (mut b, csrf) = sign_in(&app, "dev@example.com").await;
    for path in ["/ui/apps/abc", "/ui/companies/x", "/ui/apps/1/versions/zz"] {
        let res = b.get(path).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        let page = res.text().await.unwrap();
        assert!(
            page.contains("<html") && page.contains("not a valid id"),
            "{path}: {page}"
        );
        assert!(
            !page.contains("Invalid URL") && !page.contains("Cannot parse"),
            "{page}"
        );
    }
    let res = b.get("/ui/apps/1/metrics?days=lots").await;
    let status = res.status();
    let page = res.text().await.unwrap();
    assert!(status.is_client_error() || status.is_success(), "{status}");
    assert!(!page.contains("Failed to deserialize"), "{page}");
    // A form body that is not a form.
    let res = b
        .http
        .post(format!("{}/ui/apps", b.base))
        .header("cookie", b.cookie())
        .header("content-type", "application/json")
        .body(format!("{{\"csrf\":\"{csrf}\",\"name\":\"x\"}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let page = res.text().await.unwrap();
    assert!(page.contains("<html") && page.contains("as an HTML form"), "{page}");
    assert!(!page.contains("Content-Type"), "{page}");
    // A form too large is a page in words too (413).
    let res = b
        .post("/ui/apps", &[("csrf", &csrf), ("name", &"x".repeat(3 * 1024 * 1024))])
        .await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("<html") && page.contains("larger than the limit"),
        "{page}"
    );
}
