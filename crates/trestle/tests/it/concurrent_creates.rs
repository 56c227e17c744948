//! Many RFIs created at once (issue #15's create path): every create answers 201 with its own
//! number, every one is in the list afterwards (the page cached before them is not the
//! answer), and the caches that record writes leave alone (the caller's membership, install
//! and project standing) still follow a change of the directory.

use crate::catalog_ops::bot;
use crate::support::{on_both_backends, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeSet;

on_both_backends!(concurrent_creates_are_all_kept);

const CREATES: usize = 40;

async fn get(app: &TestApp, token: &str, company: i64, path: &str) -> (StatusCode, Value, Option<String>) {
    let res = app
        .get(path)
        .bearer_auth(token)
        .header("Procore-Company-Id", company.to_string())
        .send()
        .await
        .unwrap();
    let status = res.status();
    let total = res.headers().get("total").map(|v| v.to_str().unwrap().to_string());
    (status, res.json().await.unwrap_or(Value::Null), total)
}

async fn concurrent_creates_are_all_kept(app: TestApp) {
    let (_, dev) = app.person("dev@example.com", "Dev").await;
    let (a, admin) = app.company("Acme").await;
    let a1 = app.project(&admin, a, "A1").await;
    let (sam, _) = app.person("sam@example.com", "Sam Roe").await;
    let token = bot(&app, &dev, &admin, a, &[a1], "Full", "admin").await;
    let rfis = format!("/rest/v1.0/projects/{a1}/rfis");
    let page = format!("{rfis}?per_page=100");
    // the empty page is cached before the creates
    for _ in 0..2 {
        let (s, v, total) = get(&app, &token, a, &page).await;
        assert_eq!((s, v, total.as_deref()), (StatusCode::OK, json!([]), Some("0")));
    }

    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..CREATES {
        let (http, url, token) = (app.http.clone(), format!("{}{rfis}", app.url), token.clone());
        tasks.spawn(async move {
            let res = http
                .post(url)
                .bearer_auth(token)
                .header("Procore-Company-Id", a.to_string())
                .json(&json!({"rfi": {"subject": format!("RFI {i}"), "question": {"body": "Which?"}, "rfi_manager_id": sam}}))
                .send()
                .await
                .unwrap();
            let status = res.status();
            (status, res.json::<Value>().await.unwrap())
        });
    }
    let mut ids = BTreeSet::new();
    let mut numbers = BTreeSet::new();
    while let Some(done) = tasks.join_next().await {
        let (status, v) = done.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{v}");
        ids.insert(v["id"].as_i64().unwrap());
        numbers.insert(v["number"].as_str().unwrap().parse::<i64>().unwrap());
    }
    assert_eq!(ids.len(), CREATES, "every create is its own record");
    assert_eq!(numbers, (1..=CREATES as i64).collect(), "numbers 1..=N, none twice");

    // all of them are listed, with the right total, asked twice (the second from the cache)
    for _ in 0..2 {
        let (s, v, total) = get(&app, &token, a, &page).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(total.as_deref(), Some(CREATES.to_string().as_str()));
        let listed: BTreeSet<i64> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect();
        assert_eq!(listed, ids);
    }

    // the bot loses the project after record writes filled its caches: refused at once
    let installs = app
        .api_get(&admin, &format!("/api/v1/companies/{a}/installs"), StatusCode::OK)
        .await;
    let install = installs
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["app"]["name"] == "Full")
        .map(|i| i["id"].as_i64().unwrap())
        .expect("the Full bot's install");
    app.api_delete(
        &admin,
        &format!("/api/v1/companies/{a}/installs/{install}/permitted_projects/{a1}"),
        StatusCode::NO_CONTENT,
    )
    .await;
    let (s, _, _) = get(&app, &token, a, &page).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "a project no longer permitted");
    let res = app
        .post(&rfis)
        .bearer_auth(&token)
        .header("Procore-Company-Id", a.to_string())
        .json(&json!({"rfi": {"subject": "late", "question": {"body": "Which?"}, "rfi_manager_id": sam}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}
