//! The request log: an app's REST calls are listed for its developer (and the operator),
//! newest first, with method, path, status and company, never a token; filters narrow the
//! list; another developer learns nothing (404).

use crate::support::{on_both_backends, TestApp};
use reqwest::StatusCode;

on_both_backends!(an_apps_calls_are_logged_for_its_developer_only);

async fn an_apps_calls_are_logged_for_its_developer_only(app: TestApp) {
    let w = app.world().await;
    let token = app.token(&w.app).await;
    let ok = app
        .get("/rest/v1.0/companies")
        .bearer_auth(&token)
        .header("x-request-id", "req-one")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    // A company the app is not installed in is refused. (A token in the query string is refused
    // before anyone is authenticated, so it is not logged either.)
    let refused = app
        .get("/rest/v1.0/companies/999999/projects?page=1")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let refused_status = refused.status().as_u16();
    assert!((400..500).contains(&refused_status), "{refused_status}");

    let path = format!("/api/v1/apps/{}/requests", w.app.app_id);
    let res = app.get(&path).bearer_auth(&w.dev).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["total"], "2");
    let text = res.text().await.unwrap();
    assert!(!text.contains(&token), "no token in the log: {text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let items = v.as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["method"], "GET");
    assert_eq!(items[0]["path"], "/rest/v1.0/companies/999999/projects?page=1");
    assert_eq!(items[0]["status"], refused_status);
    assert_eq!(items[0]["company_id"], 999999);
    assert_eq!(items[1]["path"], "/rest/v1.0/companies");
    assert_eq!(items[1]["status"], 200);
    assert_eq!(items[1]["request_id"], "req-one");
    assert!(items[0]["id"].as_i64() > items[1]["id"].as_i64(), "newest first");

    // Filters.
    let only = |q: &'static str| {
        let (app, dev, path) = (&app, w.dev.clone(), path.clone());
        async move {
            let v = app.api_get(&dev, &format!("{path}?{q}"), StatusCode::OK).await;
            v.as_array()
                .unwrap()
                .iter()
                .map(|e| e["path"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(only("status=200").await, vec!["/rest/v1.0/companies"]);
    assert_eq!(only("status=4xx").await.len(), 1);
    assert_eq!(only("path=/rest/v1.0/companies/").await.len(), 1);
    assert_eq!(only("company_id=999999").await.len(), 1);
    assert_eq!(only("method=post").await.len(), 0);
    assert_eq!(only("since=9999999999").await.len(), 0);
    let bad = app
        .api_get(&w.dev, &format!("{path}?status=abc"), StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert!(bad.to_string().contains("$.status"), "{bad}");

    // The operator may read it; another developer learns nothing.
    app.api_get(&app.operator, &path, StatusCode::OK).await;
    let (_, other) = app.person("other-dev@example.com", "Other").await;
    app.api_get(&other, &path, StatusCode::NOT_FOUND).await;
    // Management calls are not logged.
    let v = app.api_get(&w.dev, &path, StatusCode::OK).await;
    assert_eq!(v.as_array().unwrap().len(), 2);
}
