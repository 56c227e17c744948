//! The catalog's tool resources decide for people and traditional service accounts exactly as
//! for bots: the caller's project (or company) tool level, read live on every request, and
//! "not found" for a project the caller is not in.

use crate::support::{expect, on_both_backends, Browser, TestApp};
use crate::user_oauth::{authorize_path, exchange, setup, sign_in_and_approve};
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_backends!(people_and_service_accounts_follow_their_tool_levels);

async fn send(app: &TestApp, token: &str, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut req = app
        .http
        .request(method.parse().unwrap(), format!("{}{path}", app.url))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn rfi(manager: i64, subject: &str) -> Value {
    json!({"rfi": {"subject": subject, "question": {"body": "Which one?"}, "rfi_manager_id": manager}})
}

async fn people_and_service_accounts_follow_their_tool_levels(app: TestApp) {
    // Pat: a member of company A, in project A1 with documents read_only (no RFIs yet).
    let (w, pat) = setup(&app).await;
    let mut b = Browser::new(&app);
    let code = sign_in_and_approve(&mut b, &authorize_path(&w, "")).await;
    let (status, answer) = exchange(&app, &w, &code, None).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let person = answer["access_token"].as_str().unwrap().to_string();
    let rfis = |p: i64| format!("/rest/v1.0/projects/{p}/rfis");

    // No RFIs level: refused; another project: not found.
    let (s, v) = send(&app, &person, "GET", &rfis(w.a1), None).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert!(v.to_string().contains("rfis"), "names the tool: {v}");
    let (s, _) = send(&app, &person, "GET", &rfis(w.a2), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The admin gives Pat rfis read_only in A1: reads pass at once, the same token; writes do not.
    let set = |perms: Value| {
        let app = &app;
        let admin = w.admin_a.clone();
        let path = format!("/api/v1/companies/{}/projects/{}/users", w.a, w.a1);
        async move {
            let res = app
                .post(&path)
                .bearer_auth(&admin)
                .json(&json!({"user_id": pat, "permissions": perms}))
                .send()
                .await
                .unwrap();
            assert!(res.status().is_success(), "{}", res.text().await.unwrap());
        }
    };
    set(json!({"documents": "read_only", "rfis": "read_only"})).await;
    let (s, v) = send(&app, &person, "GET", &rfis(w.a1), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v, json!([]));
    let (s, _) = send(&app, &person, "POST", &rfis(w.a1), Some(rfi(pat, "Mine"))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // standard: Pat creates one; it records Pat as its creator.
    set(json!({"rfis": "standard"})).await;
    let (s, created) = send(&app, &person, "POST", &rfis(w.a1), Some(rfi(pat, "Footing depth"))).await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    assert_eq!(created["created_by"]["id"], json!(pat));
    let id = created["id"].as_i64().unwrap();
    let (s, _) = send(&app, &person, "GET", &format!("{}/{id}", rfis(w.a1)), None).await;
    assert_eq!(s, StatusCode::OK);

    // A service account of company A with rfis read_only in A1 sees Pat's RFI; in A2 nothing.
    let base = format!("/api/v1/companies/{}/service_accounts", w.a);
    let sa = app
        .api_post(
            &w.admin_a,
            &base,
            json!({"name": "ERP", "app_type": "custom"}),
            StatusCode::CREATED,
        )
        .await;
    let sa_id = sa["account"]["id"].as_i64().unwrap();
    app.api_post(
        &w.admin_a,
        &format!("{base}/{sa_id}/projects"),
        json!({"project_id": w.a1, "permissions": {"rfis": "read_only"}}),
        StatusCode::NO_CONTENT,
    )
    .await;
    let res = app
        .post("/oauth/token")
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", sa["account"]["client_id"].as_str().unwrap()),
            ("client_secret", sa["client_secret"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    let service = expect(res, StatusCode::OK).await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, v) = send(&app, &service, "GET", &rfis(w.a1), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["subject"], "Footing depth");
    let (s, _) = send(&app, &service, "POST", &rfis(w.a1), Some(rfi(pat, "No"))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = send(&app, &service, "GET", &rfis(w.a2), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = send(&app, &service, "GET", &rfis(w.b1), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "another company's project: {v}");

    // Pat leaves the project: the next request is refused as not found.
    let res = app
        .delete(&format!("/api/v1/companies/{}/projects/{}/users/{pat}", w.a, w.a1))
        .bearer_auth(&w.admin_a)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    let (s, _) = send(&app, &person, "GET", &rfis(w.a1), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
