//! `HEAD` on a catalog `GET`: the same status and headers as the `GET` (`Total`, `Per-Page`,
//! `Link`, `Content-Length`), no body; refused the same way where the `GET` is refused.

use crate::catalog_ops::bot;
use crate::support::{on_both_backends, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both_backends!(head_answers_like_get_without_the_body);

async fn head_answers_like_get_without_the_body(app: TestApp) {
    let (_, dev) = app.person("dev@example.com", "Dev").await;
    let (a, admin) = app.company("Acme").await;
    let a1 = app.project(&admin, a, "A1").await;
    let a2 = app.project(&admin, a, "A2").await;
    let (sam, _) = app.person("sam@example.com", "Sam Roe").await;
    let bot = bot(&app, &dev, &admin, a, &[a1], "Full", "admin").await;
    let rfis = format!("/rest/v1.0/projects/{a1}/rfis");
    for subject in ["Footing", "Slab"] {
        let res = app
            .post(&rfis)
            .bearer_auth(&bot)
            .header("Procore-Company-Id", a.to_string())
            .json(&json!({"rfi": {"subject": subject, "rfi_manager_id": sam, "question": {"body": "Which?"}}}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    let ask = |method: Method, path: String| {
        app.http
            .request(method, format!("{}{path}", app.url))
            .bearer_auth(&bot)
            .header("Procore-Company-Id", a.to_string())
            .send()
    };
    let page = format!("{rfis}?per_page=1");
    let get = ask(Method::GET, page.clone()).await.unwrap();
    let head = ask(Method::HEAD, page.clone()).await.unwrap();
    assert_eq!((get.status(), head.status()), (StatusCode::OK, StatusCode::OK));
    for name in ["total", "per-page", "link", "content-type", "content-length"] {
        assert_eq!(get.headers().get(name), head.headers().get(name), "{name}");
    }
    assert_eq!(head.headers()["total"], "2");
    let body = get.bytes().await.unwrap();
    assert_eq!(
        head.headers()["content-length"].to_str().unwrap(),
        body.len().to_string()
    );
    assert!(head.bytes().await.unwrap().is_empty());

    // refused like the GET: a project the bot may not touch, a path no operation has
    let hidden = ask(Method::HEAD, format!("/rest/v1.0/projects/{a2}/rfis"))
        .await
        .unwrap();
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
    assert!(hidden.bytes().await.unwrap().is_empty());
    let unknown = ask(Method::HEAD, "/rest/v1.0/no_such_things".into()).await.unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}
