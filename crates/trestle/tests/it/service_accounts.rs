//! Traditional service accounts: lifecycle, the same authorization path as everything else, the
//! deprecation timeline (time-travel with the injectable clock) and the migration report.

use crate::support::{expect, ids, on_both_backends, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use trestle_store::testing::{Backend, TestDb};

on_both_backends!(service_account_lifecycle, migration_report_and_retire);

async fn token(app: &TestApp, id: &str, secret: &str) -> (StatusCode, Value) {
    let res = app
        .post("/oauth/token")
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
        ])
        .send()
        .await
        .unwrap();
    let s = res.status();
    (s, expect(res, s).await)
}

async fn get(app: &TestApp, t: &str, path: &str) -> (StatusCode, Value) {
    let res = app.get(path).bearer_auth(t).send().await.unwrap();
    let s = res.status();
    (s, expect(res, s).await)
}

async fn service_account_lifecycle(app: TestApp) {
    let w = app.world().await;
    let base = format!("/api/v1/companies/{}/service_accounts", w.a);
    let res = app
        .post(&base)
        .bearer_auth(&w.admin_a)
        .json(&json!({"name": "Old ERP sync", "app_type": "custom"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["cache-control"], "no-store");
    let created = expect(res, StatusCode::CREATED).await;
    let (id, cid, secret) = (
        created["account"]["id"].as_i64().unwrap(),
        created["account"]["client_id"].as_str().unwrap().to_string(),
        created["client_secret"].as_str().unwrap().to_string(),
    );
    let contact = created["account"]["user_id"].as_i64().unwrap();
    // it starts with no permissions: its company, no projects
    let (s, t) = token(&app, &cid, &secret).await;
    assert_eq!(s, StatusCode::OK, "{t}");
    let t1 = t["access_token"].as_str().unwrap().to_string();
    assert_eq!(ids(&get(&app, &t1, "/rest/v1.0/companies").await.1), vec![w.a]);
    assert_eq!(
        get(&app, &t1, &format!("/rest/v1.0/projects?company_id={}", w.a))
            .await
            .1,
        json!([])
    );
    assert_eq!(
        get(&app, &t1, &format!("/rest/v1.0/projects?company_id={}", w.b))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&app, &t1, &format!("/rest/v1.0/me?company_id={}", w.a)).await.1["id"],
        contact
    );
    // the admin grants permissions and a project: the same authorization path as everything else
    let res = app
        .http
        .put(format!("{}{base}/{id}/permissions", app.url))
        .bearer_auth(&w.admin_a)
        .json(&json!({"permissions": {"directory": "read_only"}}))
        .send()
        .await
        .unwrap();
    expect(res, StatusCode::NO_CONTENT).await;
    app.api_post(
        &w.admin_a,
        &format!("{base}/{id}/projects"),
        json!({"project_id": w.a1, "permissions": {"documents": "read_only"}}),
        StatusCode::NO_CONTENT,
    )
    .await;
    assert_eq!(
        ids(&get(&app, &t1, &format!("/rest/v1.0/projects?company_id={}", w.a))
            .await
            .1),
        vec![w.a1]
    );
    assert_eq!(
        get(&app, &t1, &format!("/rest/v1.0/folders?project_id={}", w.a1))
            .await
            .0,
        StatusCode::OK
    );
    let res = app
        .post(&format!("/rest/v1.0/folders?project_id={}", w.a1))
        .bearer_auth(&t1)
        .json(&json!({"folder": {"name": "x"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        get(&app, &t1, &format!("/rest/v1.0/companies/{}/users", w.a)).await.0,
        StatusCode::OK
    );
    // its contact follows the bot rules
    // (invited into another company by its address: pending forever, never in that directory)
    let dir_a = app
        .api_get(&w.admin_a, &format!("/api/v1/companies/{}/users", w.a), StatusCode::OK)
        .await;
    let contact_email = dir_a
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == contact)
        .expect("the contact is in A's directory")["email_address"]
        .clone();
    let inv = app
        .api_post(
            &w.admin_b,
            &format!("/api/v1/companies/{}/invitations", w.b),
            json!({"email": contact_email}),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(inv["status"], "pending");
    let dir_b = app
        .api_get(&w.admin_b, &format!("/api/v1/companies/{}/users", w.b), StatusCode::OK)
        .await;
    assert!(dir_b.as_array().unwrap().iter().all(|u| u["id"] != contact));
    app.api_post(
        &app.operator,
        &format!("/api/v1/people/{contact}/api_tokens"),
        json!({"label": "x"}),
        StatusCode::CONFLICT,
    )
    .await;
    // another company's admin sees nothing of it
    app.api_get(&w.admin_b, &base, StatusCode::FORBIDDEN).await;
    app.api_post(
        &w.admin_b,
        &format!("/api/v1/companies/{}/service_accounts/{id}/reset_secret", w.b),
        json!({}),
        StatusCode::NOT_FOUND,
    )
    .await;
    // reset: new secret, the old secret and its tokens stop, permissions and projects are reset
    let reset = app
        .api_post(
            &w.admin_a,
            &format!("{base}/{id}/reset_secret"),
            json!({}),
            StatusCode::OK,
        )
        .await;
    let secret2 = reset["client_secret"].as_str().unwrap().to_string();
    assert_eq!(token(&app, &cid, &secret).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(get(&app, &t1, "/rest/v1.0/companies").await.0, StatusCode::UNAUTHORIZED);
    let (_, t) = token(&app, &cid, &secret2).await;
    let t2 = t["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        get(&app, &t2, &format!("/rest/v1.0/projects?company_id={}", w.a))
            .await
            .1,
        json!([])
    );
    assert_eq!(
        get(&app, &t2, &format!("/rest/v1.0/companies/{}/users", w.a)).await.0,
        StatusCode::FORBIDDEN
    );
    // bad input
    app.api_post(
        &w.admin_a,
        &base,
        json!({"name": "x", "app_type": "custom", "app_id": w.app.app_id}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    app.api_post(
        &w.admin_a,
        &base,
        json!({"name": "x", "app_type": "marketplace"}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    app.api_post(
        &w.admin_a,
        &base,
        json!({"name": "x", "app_type": "robot"}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
}

async fn migration_report_and_retire(app: TestApp) {
    let w = app.world().await;
    let base = format!("/api/v1/companies/{}/service_accounts", w.a);
    // a marketplace account names a published app (issue 13: an unlisted app is invisible)
    app.api_post(
        &w.dev,
        &format!("/api/v1/apps/{}/publish", w.app.app_id),
        json!({}),
        StatusCode::OK,
    )
    .await;
    let m = app
        .api_post(
            &w.admin_a,
            &base,
            json!({"name": "Sync (legacy)", "app_type": "marketplace", "app_id": w.app.app_id}),
            StatusCode::CREATED,
        )
        .await;
    let id = m["account"]["id"].as_i64().unwrap();
    let (cid, secret) = (
        m["account"]["client_id"].as_str().unwrap().to_string(),
        m["client_secret"].as_str().unwrap().to_string(),
    );
    let c = app
        .api_post(
            &w.admin_a,
            &base,
            json!({"name": "Custom thing", "app_type": "custom"}),
            StatusCode::CREATED,
        )
        .await;
    // the legacy account works in A3, which the DMSA install does not cover yet
    app.api_post(
        &w.admin_a,
        &format!("{base}/{id}/projects"),
        json!({"project_id": w.a3, "permissions": {"documents": "read_only"}}),
        StatusCode::NO_CONTENT,
    )
    .await;
    let report = app
        .api_get(&w.admin_a, &format!("{base}/migration_report"), StatusCode::OK)
        .await;
    let row = report
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["service_account_id"] == id)
        .unwrap()
        .clone();
    assert_eq!(row["app_name"], "Sync App");
    assert_eq!(
        (
            row["dmsa_installed"].as_bool(),
            row["covers_projects"].as_bool(),
            row["ready_to_retire"].as_bool()
        ),
        (Some(true), Some(false), Some(false))
    );
    let custom = report
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["service_account_id"] == c["account"]["id"])
        .unwrap()
        .clone();
    assert_eq!(custom["dmsa_installed"], false);
    let e = app
        .api_post(
            &w.admin_a,
            &format!("{base}/{id}/retire"),
            json!({}),
            StatusCode::CONFLICT,
        )
        .await;
    assert!(e["message"].as_str().unwrap().contains("migration report"), "{e}");
    // permit A3 to the DMSA bot: now it covers the account, which can be retired in one step
    app.api_post(
        &w.admin_a,
        &format!("/api/v1/companies/{}/installs/{}/permitted_projects", w.a, w.install_a),
        json!({"project_ids": [w.a3]}),
        StatusCode::OK,
    )
    .await;
    let report = app
        .api_get(&w.admin_a, &format!("{base}/migration_report"), StatusCode::OK)
        .await;
    let row = report
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["service_account_id"] == id)
        .unwrap()
        .clone();
    assert_eq!(
        (
            row["covers_projects"].as_bool(),
            row["covers_permissions"].as_bool(),
            row["ready_to_retire"].as_bool()
        ),
        (Some(true), Some(true), Some(true))
    );
    let res = app
        .get(&format!("{base}/migration_report.csv"))
        .bearer_auth(&w.admin_a)
        .send()
        .await
        .unwrap();
    let csv = res.text().await.unwrap();
    assert!(csv.starts_with("service_account_id,name,company_id"));
    assert!(csv.contains("Sync (legacy)") && csv.contains("true"));
    expect(
        app.post(&format!("{base}/{id}/retire"))
            .bearer_auth(&w.admin_a)
            .send()
            .await
            .unwrap(),
        StatusCode::NO_CONTENT,
    )
    .await;
    assert_eq!(token(&app, &cid, &secret).await.0, StatusCode::UNAUTHORIZED);
    // the custom account can only be forced out
    let cid2 = c["account"]["id"].as_i64().unwrap();
    app.api_post(
        &w.admin_a,
        &format!("{base}/{cid2}/retire"),
        json!({"force": true}),
        StatusCode::NO_CONTENT,
    )
    .await;
    // the operator's report covers every company; others may not read it
    let all = app
        .api_get(
            &app.operator,
            "/api/v1/service_accounts/migration_report",
            StatusCode::OK,
        )
        .await;
    assert_eq!(all.as_array().unwrap().len(), 2);
    assert!(all.as_array().unwrap().iter().all(|r| r["retired"] == true));
    app.api_get(
        &w.admin_a,
        "/api/v1/service_accounts/migration_report",
        StatusCode::FORBIDDEN,
    )
    .await;
    app.api_get(&w.admin_b, &format!("{base}/migration_report"), StatusCode::FORBIDDEN)
        .await;
}

/// The operator's timeline: deprecation warnings, the creation cut-off, the sunset.
#[tokio::test]
async fn the_timeline_deprecates_cuts_off_and_sunsets() {
    let db = TestDb::new(Backend::Sqlite).await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let day = |d: i64| (now.div_euclid(86_400) + d) * 86_400;
    let app = TestApp::spawn_with(&db.url, |c| {
        c.service_accounts = trestle_core::Timeline {
            deprecated_on: Some(day(-1)),
            creation_cutoff: Some(day(1)),
            sunset: Some(day(2)),
        };
    })
    .await;
    let w = app.world().await;
    let base = format!("/api/v1/companies/{}/service_accounts", w.a);
    let res = app
        .post(&base)
        .bearer_auth(&w.admin_a)
        .json(&json!({"name": "Legacy", "app_type": "custom"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["deprecation"], format!("@{}", day(-1)).as_str());
    assert!(res.headers()["sunset"].to_str().unwrap().ends_with("00:00:00 GMT"));
    let created = expect(res, StatusCode::CREATED).await;
    let (cid, secret) = (
        created["account"]["client_id"].as_str().unwrap().to_string(),
        created["client_secret"].as_str().unwrap().to_string(),
    );
    let (_, t) = token(&app, &cid, &secret).await;
    let t = t["access_token"].as_str().unwrap().to_string();
    // its API responses carry the warnings; a DMSA app's do not
    let res = app.get("/rest/v1.0/companies").bearer_auth(&t).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers().get("deprecation").is_some() && res.headers().get("sunset").is_some());
    let dmsa = app.token(&w.app).await;
    let res = app.get("/rest/v1.0/companies").bearer_auth(&dmsa).send().await.unwrap();
    assert!(res.headers().get("deprecation").is_none());
    let listed = app.get(&base).bearer_auth(&w.admin_a).send().await.unwrap();
    assert!(listed.headers().get("sunset").is_some(), "the admin view warns too");
    // past the cut-off: no new accounts, with a message naming the date
    app.clock.set(day(1) + 10);
    let e = app
        .api_post(
            &w.admin_a,
            &base,
            json!({"name": "Too late", "app_type": "custom"}),
            StatusCode::CONFLICT,
        )
        .await;
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains(&trestle_core::format_day(day(1) / 86_400)),
        "{e}"
    );
    assert_eq!(
        token(&app, &cid, &secret).await.0,
        StatusCode::OK,
        "existing accounts still work until the sunset"
    );
    // past the sunset: token requests get invalid_client naming the date, and tokens stop
    app.clock.set(day(2) + 10);
    let (s, e) = token(&app, &cid, &secret).await;
    assert_eq!(
        (s, e["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    assert!(
        e["error_description"]
            .as_str()
            .unwrap()
            .contains(&trestle_core::format_day(day(2) / 86_400)),
        "{e}"
    );
    let res = app.get("/rest/v1.0/companies").bearer_auth(&t).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    // DMSA apps are unaffected
    assert_eq!(
        app.get("/rest/v1.0/companies")
            .bearer_auth(app.token(&w.app).await)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    app.stop().await;
    db.cleanup().await;
}
