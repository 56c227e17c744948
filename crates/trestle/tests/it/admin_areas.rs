//! Company administration follows the tool model, as Procore's does: besides company admins,
//! a member with `admin` on the company Directory manages members and installs apps, one with
//! `admin` on the company Admin tool manages service accounts and reads the audit log, one with
//! Portfolio levels sees or manages projects; nobody but a company admin makes admins.

use crate::support::{expect, on_both_backends, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_backends!(company_administration_follows_the_company_tool_levels);

/// Gives `user` these company permissions (as the company admin), not making them an admin.
async fn set_levels(app: &TestApp, admin: &str, company: i64, user: i64, permissions: Value) {
    let res = app
        .http
        .put(format!("{}/api/v1/companies/{company}/users/{user}", app.url))
        .bearer_auth(admin)
        .json(&json!({"is_admin": false, "permissions": permissions}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT, "{}", res.text().await.unwrap());
}

async fn company_administration_follows_the_company_tool_levels(app: TestApp) {
    let w = app.world().await;
    // Four members of company A, none of them a company admin.
    let mut members = Vec::new();
    for (email, levels) in [
        ("dira@a.test", json!({"directory": "admin"})),
        ("dirs@a.test", json!({"directory": "standard"})),
        ("adm@a.test", json!({"admin": "admin"})),
        ("port@a.test", json!({"portfolio": "read_only"})),
    ] {
        let (id, token) = app.person(email, email).await;
        app.join(&w.admin_a, w.a, email, &token).await;
        set_levels(&app, &w.admin_a, w.a, id, levels).await;
        members.push((id, token));
    }
    let [(dir_admin_id, dir_admin), (_, dir_standard), (_, admin_tool), (_, portfolio)] = members.try_into().unwrap();
    let a = w.a;

    // (token, method, path, body, expected status)
    let installs = format!("/api/v1/companies/{a}/installs");
    let install = format!("/api/v1/companies/{a}/installs/{}", w.install_a);
    let service_accounts = format!("/api/v1/companies/{a}/service_accounts");
    let audit = format!("/api/v1/companies/{a}/audit");
    let projects = format!("/api/v1/companies/{a}/projects");
    let users = format!("/api/v1/companies/{a}/users");
    let get = |t: &str, p: &str, want| (t.to_string(), "GET", p.to_string(), None::<Value>, want);
    let post = |t: &str, p: &str, b: Value, want| (t.to_string(), "POST", p.to_string(), Some(b), want);
    let cases = vec![
        // Directory admin: members and apps (App Management), not service accounts or audit.
        get(&dir_admin, &users, StatusCode::OK),
        get(&dir_admin, &installs, StatusCode::OK),
        get(&dir_admin, &install, StatusCode::OK),
        get(&dir_admin, &format!("/api/v1/companies/{a}"), StatusCode::OK),
        get(&dir_admin, &service_accounts, StatusCode::FORBIDDEN),
        get(&dir_admin, &audit, StatusCode::FORBIDDEN),
        post(&dir_admin, &projects, json!({"name": "Nope"}), StatusCode::FORBIDDEN),
        // Directory standard: nothing of the administration.
        get(&dir_standard, &users, StatusCode::FORBIDDEN),
        get(&dir_standard, &installs, StatusCode::FORBIDDEN),
        get(&dir_standard, &format!("/api/v1/companies/{a}"), StatusCode::FORBIDDEN),
        // Admin tool admin: service accounts and the audit log, not installs.
        post(
            &admin_tool,
            &service_accounts,
            json!({"name": "ERP", "app_type": "custom"}),
            StatusCode::CREATED,
        ),
        get(&admin_tool, &service_accounts, StatusCode::OK),
        get(&admin_tool, &audit, StatusCode::OK),
        get(&admin_tool, &installs, StatusCode::FORBIDDEN),
        // Portfolio read_only: sees the projects, may not create one.
        get(&portfolio, &projects, StatusCode::OK),
        post(&portfolio, &projects, json!({"name": "Nope"}), StatusCode::FORBIDDEN),
        get(&portfolio, &installs, StatusCode::FORBIDDEN),
    ];
    for (i, (token, method, path, body, want)) in cases.into_iter().enumerate() {
        let mut req = app
            .http
            .request(method.parse().unwrap(), format!("{}{path}", app.url))
            .bearer_auth(&token);
        if let Some(b) = &body {
            req = req.json(b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        assert_eq!(status, want, "case {i}: {method} {path}: {text}");
        if want == StatusCode::FORBIDDEN {
            assert!(
                text.contains("company admins, or members with"),
                "case {i}: names the way in: {text}"
            );
        }
    }

    // The Directory admin installs an app and picks its projects, like a company admin.
    let other = app.promoted_app(&w.dev, "Second App").await;
    let v = app
        .api_post(
            &dir_admin,
            &installs,
            json!({"app_version_id": other.app_version_id, "permitted_project_ids": [w.a1]}),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(v["permitted_project_ids"], json!([w.a1]));
    let token = app.token(&other).await;
    let res = app
        .get(&format!("/rest/v1.0/projects?company_id={a}"))
        .bearer_auth(&token)
        .header("Procore-Company-Id", a.to_string())
        .send()
        .await
        .unwrap();
    let projects = expect(res, StatusCode::OK).await;
    assert_eq!(crate::support::ids(&projects), vec![w.a1]);

    // Making someone a company admin stays with company admins: the Directory admin may change
    // levels but may not promote anyone, not even themself; the company admin may.
    let res = app
        .http
        .put(format!("{}/api/v1/companies/{a}/users/{dir_admin_id}", app.url))
        .bearer_auth(&dir_admin)
        .json(&json!({"is_admin": true, "permissions": {"directory": "admin"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("only company admins may do this"));
    let users_now = app.api_get(&w.admin_a, &users, StatusCode::OK).await;
    let me = users_now
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == json!(dir_admin_id))
        .unwrap();
    assert_eq!(me["is_admin"], json!(false), "nothing was written");
    set_levels(
        &app,
        &w.admin_a,
        a,
        dir_admin_id,
        json!({"directory": "admin", "portfolio": "admin"}),
    )
    .await;
    app.api_post(
        &dir_admin,
        &format!("/api/v1/companies/{a}/projects"),
        json!({"name": "Now allowed"}),
        StatusCode::CREATED,
    )
    .await;

    // Levels in company A give nothing in company B.
    let res = app
        .get(&format!("/api/v1/companies/{}/installs", w.b))
        .bearer_auth(&dir_admin)
        .send()
        .await
        .unwrap();
    assert!(
        matches!(res.status(), StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{}",
        res.status()
    );
    let text = res.text().await.unwrap();
    assert!(!text.contains("Beta"), "nothing of B: {text}");
}
