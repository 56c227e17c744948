//! The Directory's reads in every version Procore publishes: the company's list (v1.0–v1.3)
//! and one person of it, one member of a project — from the real directory (the same people the
//! v1.0 list shows), behind the Directory tool's level, and nothing of another company or of a
//! project the app may not touch.

use crate::support::{app_at_levels, on_both_backends, TestApp};
use reqwest::StatusCode;
use serde_json::Value;

on_both_backends!(directory_reads_in_every_version, inactive_members_are_listed_apart);

async fn get(app: &TestApp, token: &str, company: i64, path: &str) -> (StatusCode, Value) {
    let res = app
        .get(path)
        .bearer_auth(token)
        .header("Procore-Company-Id", company.to_string())
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_i64().unwrap())
        .collect()
}

async fn directory_reads_in_every_version(app: TestApp) {
    let (_, dev) = app.person("dev@example.com", "Dev").await;
    let (a, admin) = app.company("Acme").await;
    let (b, admin_b) = app.company("Beta").await;
    let a1 = app.project(&admin, a, "A1").await;
    let a2 = app.project(&admin, a, "A2").await;
    let reader = app_at_levels(&app, &dev, &admin, a, &[a1], "Reader", "read_only", "read_only").await;
    let blind = app_at_levels(&app, &dev, &admin, a, &[a1], "Blind", "none", "none").await;
    let (_, v10) = get(&app, &reader, a, &format!("/rest/v1.0/companies/{a}/users")).await;
    let people = ids(&v10);
    assert!(people.len() >= 3, "the admin and both bots: {v10}");
    let admin_id = v10
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["is_employee"] == true)
        .expect("the admin is listed")["id"]
        .as_i64()
        .unwrap();
    let bot_id = v10
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["is_dmsa"] == true && u["name"].as_str().is_some_and(|n| n.contains("Reader")))
        .map(|u| u["id"].as_i64().unwrap());

    for v in ["v1.0", "v1.1", "v1.2", "v1.3"] {
        let (s, list) = get(&app, &reader, a, &format!("/rest/{v}/companies/{a}/users")).await;
        assert_eq!((s, &list), (StatusCode::OK, &v10), "{v} lists the same directory");
        let (s, one) = get(&app, &reader, a, &format!("/rest/{v}/companies/{a}/users/{admin_id}")).await;
        assert_eq!(s, StatusCode::OK, "{v}: {one}");
        let listed = v10.as_array().unwrap().iter().find(|u| u["id"] == admin_id).unwrap();
        assert_eq!(&one, listed, "{v}: one person as the list shows them");
        // nobody by that id in this company: Beta's admin, an id no one has
        let beta_admin = app.api_get(&admin_b, "/api/v1/me", StatusCode::OK).await["user"]["id"]
            .as_i64()
            .unwrap();
        for other in [beta_admin, 999_999] {
            let (s, _) = get(&app, &reader, a, &format!("/rest/{v}/companies/{a}/users/{other}")).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{v}: user {other}");
        }
        // not installed in Beta; no Directory level
        let (s, body) = get(&app, &reader, b, &format!("/rest/{v}/companies/{b}/users/{beta_admin}")).await;
        assert!(
            matches!(s, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "{v}: {s} {body}"
        );
        assert!(!body.to_string().contains("Beta"), "{body}");
        let (s, _) = get(&app, &blind, a, &format!("/rest/{v}/companies/{a}/users/{admin_id}")).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}: Directory none");
    }

    // One member of a project: the bot is one of the permitted project's, the admin is not.
    let bot_id = bot_id.expect("the Reader bot is listed");
    let (s, member) = get(&app, &reader, a, &format!("/rest/v1.0/projects/{a1}/users/{bot_id}")).await;
    assert_eq!((s, member["id"].as_i64()), (StatusCode::OK, Some(bot_id)), "{member}");
    let (_, members) = get(&app, &reader, a, &format!("/rest/v1.0/projects/{a1}/users")).await;
    assert!(ids(&members).contains(&bot_id));
    assert!(!ids(&members).contains(&admin_id));
    let (s, _) = get(&app, &reader, a, &format!("/rest/v1.0/projects/{a1}/users/{admin_id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "not a member of the project");
    let (s, _) = get(&app, &reader, a, &format!("/rest/v1.0/projects/{a2}/users/{bot_id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "a project the app may not touch");
    let (s, _) = get(&app, &blind, a, &format!("/rest/v1.0/projects/{a1}/users/{bot_id}")).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "project Directory none");
}

/// Procore's `users/inactive`: an uninstalled app's bot stays in the directory, inactive; it is
/// listed there and not among the active members' answers.
async fn inactive_members_are_listed_apart(app: TestApp) {
    let (_, dev) = app.person("dev@example.com", "Dev").await;
    let (a, admin) = app.company("Acme").await;
    let a1 = app.project(&admin, a, "A1").await;
    let reader = app_at_levels(&app, &dev, &admin, a, &[a1], "Reader", "read_only", "read_only").await;
    let gone = app.promoted_app(&dev, "Gone").await;
    let install = app.install(&admin, a, &gone.app_version_id, &[a1]).await;
    let inactive = format!("/rest/v1.0/companies/{a}/users/inactive");
    let (s, before) = get(&app, &reader, a, &inactive).await;
    assert_eq!((s, before.clone()), (StatusCode::OK, serde_json::json!([])), "{before}");
    app.api_delete(
        &admin,
        &format!("/api/v1/companies/{a}/installs/{install}"),
        StatusCode::OK,
    )
    .await;
    let (s, after) = get(&app, &reader, a, &inactive).await;
    assert_eq!(s, StatusCode::OK);
    let list = after.as_array().unwrap();
    assert_eq!(list.len(), 1, "{after}");
    assert!(list[0]["name"].as_str().unwrap().contains("Gone"), "{after}");
    assert_eq!(list[0]["is_active"], false);
    let (_, all) = get(&app, &reader, a, &format!("/rest/v1.0/companies/{a}/users")).await;
    let shown = all
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == list[0]["id"])
        .expect("still in the directory");
    assert_eq!(shown["is_active"], false);
    // the project's inactive members are inactive ones only
    let (s, members) = get(&app, &reader, a, &format!("/rest/v1.0/projects/{a1}/users/inactive")).await;
    assert_eq!(s, StatusCode::OK, "{members}");
    assert!(
        members.as_array().unwrap().iter().all(|u| u["is_active"] == false),
        "{members}"
    );
    let blind = app_at_levels(&app, &dev, &admin, a, &[a1], "Blind", "none", "none").await;
    let (s, _) = get(&app, &blind, a, &inactive).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}
