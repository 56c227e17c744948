//! The page cache of catalog lists (issue #15): a list asked again is answered from memory, yet
//! it changes at once after every write in its collection (create, update, delete, sync) and
//! after a change of what it expands (a person joining the company, a vendor renamed); a
//! second node on PostgreSQL sees the change; a caller without access is still refused on a
//! cached page; another query or project never gets another's page.

use crate::catalog_ops::bot;
use crate::support::{app_with_permissions, on_both_backends, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use trestle_store::testing::{Backend, TestDb};

on_both_backends!(cached_lists_follow_every_change, cached_lists_are_decided_per_request);

/// One request; the status, the body and the `Total` header.
async fn call(
    app: &TestApp,
    token: &str,
    company: i64,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value, Option<String>) {
    let mut req = app
        .http
        .request(method.parse().unwrap(), format!("{}{path}", app.url))
        .bearer_auth(token)
        .header("Procore-Company-Id", company.to_string());
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let total = res.headers().get("total").map(|v| v.to_str().unwrap().to_string());
    let text = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
        total,
    )
}

/// A list asked twice (the second answer may come from the cache): both must be the same 200.
async fn list(app: &TestApp, token: &str, company: i64, path: &str) -> (Value, String) {
    let (s, first, total) = call(app, token, company, "GET", path, None).await;
    assert_eq!(s, StatusCode::OK, "{path}: {first}");
    let (s, again, total_again) = call(app, token, company, "GET", path, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!((&again, &total_again), (&first, &total), "{path} asked again");
    (first, total.expect("a list carries Total"))
}

async fn write(
    app: &TestApp,
    token: &str,
    company: i64,
    method: &str,
    path: &str,
    body: Value,
    want: StatusCode,
) -> Value {
    let (s, v, _) = call(app, token, company, method, path, Some(body)).await;
    assert_eq!(s, want, "{method} {path}: {v}");
    v
}

fn subjects(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|r| r["subject"].as_str().unwrap())
        .collect()
}

async fn cached_lists_follow_every_change(app: TestApp) {
    let (_, dev) = app.person("dev@example.com", "Dev").await;
    let (a, admin) = app.company("Acme").await;
    let a1 = app.project(&admin, a, "A1").await;
    let a2 = app.project(&admin, a, "A2").await;
    let (sam, sam_token) = app.person("sam@example.com", "Sam Roe").await;
    let bot = bot(&app, &dev, &admin, a, &[a1, a2], "Full", "admin").await;
    let vendor = write(
        &app,
        &bot,
        a,
        "POST",
        "/rest/v1.0/vendors",
        json!({"company_id": a, "vendor": {"name": "Granite"}}),
        StatusCode::CREATED,
    )
    .await;
    let vendor = vendor["id"].as_i64().unwrap();
    let rfis = format!("/rest/v1.0/projects/{a1}/rfis");
    let page = format!("{rfis}?per_page=100");
    let open = format!("{rfis}?per_page=100&filters[status]=open");

    assert_eq!(list(&app, &bot, a, &page).await, (json!([]), "0".into()));
    // create: the cached empty page shows it
    let rfi = |subject: &str| json!({"rfi": {"subject": subject, "question": {"body": "Which?"}, "rfi_manager_id": sam, "responsible_contractor_id": vendor}});
    let first = write(&app, &bot, a, "POST", &rfis, rfi("Footing"), StatusCode::CREATED).await;
    let (shown, total) = list(&app, &bot, a, &page).await;
    assert_eq!((subjects(&shown), total.as_str()), (vec!["Footing"], "1"));
    assert_eq!(shown[0]["id"], first["id"]);
    assert_eq!(shown[0]["rfi_manager"], Value::Null, "Sam is no member of Acme yet");
    assert_eq!(
        shown[0]["responsible_contractor"],
        json!({"id": vendor, "name": "Granite"})
    );
    assert_eq!(list(&app, &bot, a, &open).await.1, "1");

    // what the page expands changes: Sam joins the company, the vendor is renamed
    app.join(&admin, a, "sam@example.com", &sam_token).await;
    let (shown, _) = list(&app, &bot, a, &page).await;
    assert_eq!(
        shown[0]["rfi_manager"],
        json!({"id": sam, "name": "Sam Roe", "login": "sam@example.com"})
    );
    write(
        &app,
        &bot,
        a,
        "PATCH",
        &format!("/rest/v1.0/vendors/{vendor}"),
        json!({"vendor": {"name": "Basalt"}}),
        StatusCode::OK,
    )
    .await;
    let (shown, _) = list(&app, &bot, a, &page).await;
    assert_eq!(
        shown[0]["responsible_contractor"],
        json!({"id": vendor, "name": "Basalt"})
    );

    // update: another subject, then closed (the filtered page loses it)
    let second = write(&app, &bot, a, "POST", &rfis, rfi("Anchor bolts"), StatusCode::CREATED).await;
    assert_eq!(
        subjects(&list(&app, &bot, a, &page).await.0),
        vec!["Footing", "Anchor bolts"]
    );
    let second_path = format!("{rfis}/{}", second["id"]);
    write(
        &app,
        &bot,
        a,
        "PATCH",
        &second_path,
        json!({"rfi": {"subject": "Anchor bolt embedment"}}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        subjects(&list(&app, &bot, a, &page).await.0),
        vec!["Footing", "Anchor bolt embedment"]
    );
    assert_eq!(list(&app, &bot, a, &open).await.1, "2");
    write(
        &app,
        &bot,
        a,
        "PATCH",
        &second_path,
        json!({"rfi": {"status": "closed"}}),
        StatusCode::OK,
    )
    .await;
    let (shown, total) = list(&app, &bot, a, &open).await;
    assert_eq!((subjects(&shown), total.as_str()), (vec!["Footing"], "1"));

    // another query, another project: never another's page
    let closed = format!("{rfis}?per_page=100&filters[status]=closed");
    let (shown, total) = list(&app, &bot, a, &closed).await;
    assert_eq!((subjects(&shown), total.as_str()), (vec!["Anchor bolt embedment"], "1"));
    assert_eq!(list(&app, &bot, a, &page).await.1, "2");
    let other = format!("/rest/v1.0/projects/{a2}/rfis?per_page=100");
    assert_eq!(list(&app, &bot, a, &other).await, (json!([]), "0".into()));

    // sync: creates, then updates, each seen on the cached page
    let costs = format!("/rest/v1.0/projects/{a1}/direct_costs");
    assert_eq!(list(&app, &bot, a, &costs).await.1, "0");
    let synced = write(
        &app,
        &bot,
        a,
        "PATCH",
        &format!("{costs}/sync"),
        json!({"updates": [{"description": "Concrete"}]}),
        StatusCode::OK,
    )
    .await;
    let id = synced["entities"][0]["id"].as_i64().expect("the synced item's id");
    let (shown, total) = list(&app, &bot, a, &costs).await;
    assert_eq!(
        (shown[0]["description"].clone(), total.as_str()),
        (json!("Concrete"), "1")
    );
    write(
        &app,
        &bot,
        a,
        "PATCH",
        &format!("{costs}/sync"),
        json!({"updates": [{"id": id, "description": "Rebar"}]}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(list(&app, &bot, a, &costs).await.0[0]["description"], "Rebar");
    // delete
    let (s, v, _) = call(&app, &bot, a, "DELETE", &format!("{costs}/{id}"), None).await;
    assert!(s.is_success(), "{s}: {v}");
    assert_eq!(list(&app, &bot, a, &costs).await, (json!([]), "0".into()));
}

async fn cached_lists_are_decided_per_request(app: TestApp) {
    let (_, dev) = app.person("dev@example.com", "Dev").await;
    let (a, admin) = app.company("Acme").await;
    let (b, admin_b) = app.company("Beta").await;
    let a1 = app.project(&admin, a, "A1").await;
    let a2 = app.project(&admin, a, "A2").await;
    let full = bot(&app, &dev, &admin, a, &[a1, a2], "Full", "admin").await;
    let only_a2 = bot(&app, &dev, &admin, a, &[a2], "OnlyA2", "admin").await;
    let no_rfis = app_with_permissions(
        &app,
        &dev,
        &admin,
        a,
        &[a1],
        "NoRfis",
        json!({"company": {}, "project": {"documents": "read_only"}}),
    )
    .await;
    let other = bot(&app, &dev, &admin_b, b, &[], "Other", "admin").await;
    let (pat, pat_token) = app.person("pat@example.com", "Pat Lee").await;
    app.join(&admin, a, "pat@example.com", &pat_token).await;
    let rfis = format!("/rest/v1.0/projects/{a1}/rfis?per_page=100");
    write(
        &app,
        &full,
        a,
        "POST",
        &format!("/rest/v1.0/projects/{a1}/rfis"),
        json!({"rfi": {"subject": "Secret", "question": {"body": "?"}, "rfi_manager_id": pat}}),
        StatusCode::CREATED,
    )
    .await;
    // the page is cached for the bot that may read it …
    assert_eq!(list(&app, &full, a, &rfis).await.1, "1");
    // … and refused, as before, to every caller that may not
    let (s, v, _) = call(&app, &no_rfis, a, "GET", &rfis, None).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "no RFI tool: {v}");
    let (s, v, _) = call(&app, &only_a2, a, "GET", &rfis, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "a project the bot is not permitted: {v}");
    let (s, v, _) = call(&app, &other, b, "GET", &rfis, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "another company's bot: {v}");
    assert!(!v.to_string().contains("Secret"));
    // and once the bot loses the project, its cached page is no longer its answer
    let install = app
        .api_get(&admin, &format!("/api/v1/companies/{a}/installs"), StatusCode::OK)
        .await;
    let install = install
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
    let (s, _, _) = call(&app, &full, a, "GET", &rfis, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

/// How long a change may take to reach another node (as in scale_out.rs).
const PROPAGATION_BOUND: Duration = Duration::from_secs(2);

/// A page cached on node B changes once node A writes to its collection.
#[tokio::test]
async fn another_node_sees_the_change() {
    let db = TestDb::new(Backend::Postgres).await;
    // a longer wait for a connection than the default 3 s: two nodes migrating and listening
    // at once on a loaded machine
    let patient = |c: &mut trestle::server::ServerConfig| c.acquire_timeout = Duration::from_secs(30);
    let a_node = TestApp::spawn_with(&db.url, patient).await;
    let b_node = TestApp::spawn_with(&db.url, patient).await;
    let (_, dev) = a_node.person("dev@example.com", "Dev").await;
    let (a, admin) = a_node.company("Acme").await;
    let a1 = a_node.project(&admin, a, "A1").await;
    let (pat, pat_token) = a_node.person("pat@example.com", "Pat Lee").await;
    a_node.join(&admin, a, "pat@example.com", &pat_token).await;
    let bot = bot(&a_node, &dev, &admin, a, &[a1], "Full", "admin").await;
    let rfis = format!("/rest/v1.0/projects/{a1}/rfis");
    let page = format!("{rfis}?per_page=100");
    assert_eq!(list(&b_node, &bot, a, &page).await.1, "0");
    write(
        &a_node,
        &bot,
        a,
        "POST",
        &rfis,
        json!({"rfi": {"subject": "Footing", "question": {"body": "?"}, "rfi_manager_id": pat}}),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(list(&a_node, &bot, a, &page).await.1, "1", "the writing node at once");
    let start = Instant::now();
    loop {
        let (s, v, total) = call(&b_node, &bot, a, "GET", &page, None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        if total.as_deref() == Some("1") {
            assert_eq!(subjects(&v), vec!["Footing"]);
            break;
        }
        assert!(start.elapsed() < PROPAGATION_BOUND, "node B still shows its old page");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    a_node.stop().await;
    b_node.stop().await;
    db.cleanup().await;
}
