//! The management API: authentication, ownership, validation, secrets shown once, audit.

use crate::support::{dmsa_manifest, expect, ids, on_both_backends, TestApp};
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(
    management_requires_a_valid_api_token,
    only_the_operator_creates_people_and_companies,
    developers_see_only_their_own_apps,
    manifest_problems_are_all_reported,
    versions_are_semver_increasing_and_immutable_once_promoted,
    the_client_secret_is_shown_once_and_stored_hashed,
    installs_are_checked_and_atomic,
    company_admins_act_only_in_their_company,
    every_change_is_audited,
    openapi_document_describes_the_api,
    malformed_management_requests_get_clear_errors,
);

async fn management_requires_a_valid_api_token(app: TestApp) {
    let res = app.get("/api/v1/apps").send().await.unwrap();
    assert_eq!(res.headers()["www-authenticate"], "Bearer realm=\"trestle\"");
    expect(res, StatusCode::UNAUTHORIZED).await;
    expect(
        app.get("/api/v1/apps").bearer_auth("trs_nope").send().await.unwrap(),
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let who = app.api_get(&app.operator, "/api/v1/me", StatusCode::OK).await;
    assert_eq!(who["kind"], "operator");
    let (id, token) = app.person("pat@example.com", "Pat").await;
    let who = app.api_get(&token, "/api/v1/me", StatusCode::OK).await;
    assert_eq!(
        (who["kind"].as_str(), who["user"]["id"].as_i64()),
        (Some("person"), Some(id))
    );
    // a person can mint another token for themself, not for others
    let t2 = app
        .api_post(
            &token,
            &format!("/api/v1/people/{id}/api_tokens"),
            json!({"label": "ci"}),
            StatusCode::CREATED,
        )
        .await;
    let t2 = t2["api_token"].as_str().unwrap();
    assert_eq!(app.api_get(t2, "/api/v1/me", StatusCode::OK).await["user"]["id"], id);
    let (other, _) = app.person("other@example.com", "Other").await;
    app.api_post(
        &token,
        &format!("/api/v1/people/{other}/api_tokens"),
        json!({"label": "x"}),
        StatusCode::FORBIDDEN,
    )
    .await;
}

async fn only_the_operator_creates_people_and_companies(app: TestApp) {
    let (id, token) = app.person("pat@example.com", "Pat").await;
    app.api_post(
        &token,
        "/api/v1/people",
        json!({"email": "x@example.com", "name": "X"}),
        StatusCode::FORBIDDEN,
    )
    .await;
    app.api_post(
        &token,
        "/api/v1/companies",
        json!({"name": "Mine", "admin_user_id": id}),
        StatusCode::FORBIDDEN,
    )
    .await;
    // duplicate e-mail (case-insensitive), bad e-mail, empty name
    app.api_post(
        &app.operator,
        "/api/v1/people",
        json!({"email": "PAT@example.com", "name": "P"}),
        StatusCode::CONFLICT,
    )
    .await;
    let e = app
        .api_post(
            &app.operator,
            "/api/v1/people",
            json!({"email": "not-an-email", "name": "P"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(e["errors"][0]["path"], "$.email");
    app.api_post(
        &app.operator,
        "/api/v1/people",
        json!({"email": "q@example.com", "name": "  "}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let e = app
        .api_post(
            &app.operator,
            "/api/v1/companies",
            json!({"name": "C", "admin_user_id": 999999}),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(e["errors"][0]["path"], "$.admin_user_id");
}

async fn developers_see_only_their_own_apps(app: TestApp) {
    let (_, dev1) = app.person("d1@example.com", "D1").await;
    let (_, dev2) = app.person("d2@example.com", "D2").await;
    let a = app.promoted_app(&dev1, "One").await;
    let listed = app.api_get(&dev2, "/api/v1/apps", StatusCode::OK).await;
    assert_eq!(listed, json!([]));
    let mine = app.api_get(&dev1, "/api/v1/apps", StatusCode::OK).await;
    assert_eq!(ids(&mine), vec![a.app_id]);
    assert_eq!(mine[0]["production_client_id"], a.client_id.as_str());
    for path in [
        format!("/api/v1/apps/{}", a.app_id),
        format!("/api/v1/apps/{}/versions", a.app_id),
    ] {
        app.api_get(&dev2, &path, StatusCode::NOT_FOUND).await;
    }
    app.api_post(
        &dev2,
        &format!("/api/v1/apps/{}/versions", a.app_id),
        json!({"version": "2.0.0", "manifest": dmsa_manifest()}),
        StatusCode::NOT_FOUND,
    )
    .await;
    let v = app
        .api_get(&dev1, &format!("/api/v1/apps/{}/versions", a.app_id), StatusCode::OK)
        .await;
    let vid = v[0]["id"].as_i64().unwrap();
    app.api_post(
        &dev2,
        &format!("/api/v1/apps/{}/versions/{vid}/promote", a.app_id),
        json!({}),
        StatusCode::NOT_FOUND,
    )
    .await;
    // the operator is not a developer
    app.api_get(
        &app.operator,
        &format!("/api/v1/apps/{}", a.app_id),
        StatusCode::NOT_FOUND,
    )
    .await;
}

async fn manifest_problems_are_all_reported(app: TestApp) {
    let (_, dev) = app.person("d@example.com", "D").await;
    let created = app
        .api_post(&dev, "/api/v1/apps", json!({"name": "App"}), StatusCode::CREATED)
        .await;
    let path = format!("/api/v1/apps/{}/versions", created["app"]["id"]);
    let bad = json!({
        "version": "1.0",
        "manifest": {
            "schema_version": "4.1",
            "components": {"oauth": {"grant_type": "password"}},
            "permissions": {"company": {"teleporter": "admin", "documents": "superuser"}, "project": {"admin": "standard"}}
        }
    });
    let e = app.api_post(&dev, &path, bad, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(e["code"], "invalid");
    let mut paths: Vec<String> = e["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap().to_string())
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        vec![
            "$.manifest.components.oauth.grant_type",
            "$.manifest.permissions.company.documents",
            "$.manifest.permissions.company.teleporter",
            "$.manifest.permissions.project.admin",
            "$.version",
        ]
    );
    for p in e["errors"].as_array().unwrap() {
        assert!(!p["reason"].as_str().unwrap().is_empty());
    }
    // nothing was created
    assert_eq!(app.api_get(&dev, &path, StatusCode::OK).await, json!([]));
}

async fn versions_are_semver_increasing_and_immutable_once_promoted(app: TestApp) {
    let (_, dev) = app.person("d@example.com", "D").await;
    let created = app
        .api_post(&dev, "/api/v1/apps", json!({"name": "App"}), StatusCode::CREATED)
        .await;
    let app_id = created["app"]["id"].as_i64().unwrap();
    let base = format!("/api/v1/apps/{app_id}/versions");
    let v1 = app
        .api_post(
            &dev,
            &base,
            json!({"version": "0.1.0", "manifest": dmsa_manifest()}),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(v1["status"], "ready_for_testing");
    assert_eq!(v1["app_version_id"], serde_json::Value::Null);
    app.api_post(
        &dev,
        &base,
        json!({"version": "0.1.0", "manifest": dmsa_manifest()}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let e = app
        .api_post(
            &dev,
            &base,
            json!({"version": "0.0.9", "manifest": dmsa_manifest()}),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(
        e["errors"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("greater than 0.1.0"),
        "{e}"
    );
    // save (edit) while ready for testing
    let mut m = dmsa_manifest();
    m["permissions"]["project"]["documents"] = json!("admin");
    let vid = v1["id"].as_i64().unwrap();
    let res = app
        .patch(&format!("{base}/{vid}"))
        .bearer_auth(&dev)
        .json(&json!({"manifest": m}))
        .send()
        .await
        .unwrap();
    let saved = expect(res, StatusCode::OK).await;
    assert_eq!(saved["manifest"]["permissions"]["project"]["documents"], "admin");
    let res = app
        .patch(&format!("{base}/{vid}"))
        .bearer_auth(&dev)
        .json(&json!({"manifest": {"schema_version": 4}}))
        .send()
        .await
        .unwrap();
    expect(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    // promote, then it is immutable and cannot be promoted again
    let p = app
        .api_post(&dev, &format!("{base}/{vid}/promote"), json!({}), StatusCode::OK)
        .await;
    let uuid = p["version"]["app_version_id"].as_str().unwrap();
    assert_eq!(uuid.len(), 36);
    assert_eq!(p["version"]["status"], "promoted");
    let res = app
        .patch(&format!("{base}/{vid}"))
        .bearer_auth(&dev)
        .json(&json!({"manifest": dmsa_manifest()}))
        .send()
        .await
        .unwrap();
    expect(res, StatusCode::CONFLICT).await;
    app.api_post(&dev, &format!("{base}/{vid}/promote"), json!({}), StatusCode::CONFLICT)
        .await;
    app.api_post(
        &dev,
        &format!("{base}/999999/promote"),
        json!({}),
        StatusCode::NOT_FOUND,
    )
    .await;
    let v2 = app
        .api_post(
            &dev,
            &base,
            json!({"version": "0.2.0", "manifest": dmsa_manifest()}),
            StatusCode::CREATED,
        )
        .await;
    let p2 = app
        .api_post(&dev, &format!("{base}/{}/promote", v2["id"]), json!({}), StatusCode::OK)
        .await;
    assert_ne!(
        p2["version"]["app_version_id"].as_str().unwrap(),
        uuid,
        "each production version has its own App Version ID"
    );
    let all = app.api_get(&dev, &base, StatusCode::OK).await;
    assert_eq!(all.as_array().unwrap().len(), 2);
}

async fn the_client_secret_is_shown_once_and_stored_hashed(app: TestApp) {
    let (_, dev) = app.person("d@example.com", "D").await;
    let created = app
        .api_post(&dev, "/api/v1/apps", json!({"name": "App"}), StatusCode::CREATED)
        .await;
    let app_id = created["app"]["id"].as_i64().unwrap();
    assert_eq!(created["app"]["production_client_id"], serde_json::Value::Null);
    let base = format!("/api/v1/apps/{app_id}/versions");
    let v1 = app
        .api_post(
            &dev,
            &base,
            json!({"version": "1.0.0", "manifest": dmsa_manifest()}),
            StatusCode::CREATED,
        )
        .await;
    let res = app
        .post(&format!("{base}/{}/promote", v1["id"]))
        .bearer_auth(&dev)
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["cache-control"], "no-store");
    let p = expect(res, StatusCode::OK).await;
    let secret = p["credentials"]["client_secret"].as_str().unwrap().to_string();
    let client_id = p["credentials"]["client_id"].as_str().unwrap().to_string();
    assert_eq!(secret.len(), 64);
    assert!(p["credentials"]["warning"].as_str().unwrap().contains("once"));
    // never again: not on a second promotion, not when reading the app
    let v2 = app
        .api_post(
            &dev,
            &base,
            json!({"version": "1.1.0", "manifest": dmsa_manifest()}),
            StatusCode::CREATED,
        )
        .await;
    let p2 = app
        .api_post(&dev, &format!("{base}/{}/promote", v2["id"]), json!({}), StatusCode::OK)
        .await;
    assert_eq!(p2["credentials"], serde_json::Value::Null);
    let shown = app
        .api_get(&dev, &format!("/api/v1/apps/{app_id}"), StatusCode::OK)
        .await;
    assert_eq!(shown["production_client_id"], client_id.as_str());
    assert!(!shown.to_string().contains(&secret));
    // the database holds no plaintext secret or API token
    let dump = dump_database(&app.db_url).await;
    assert!(!dump.contains(&secret), "client secret stored in plaintext");
    assert!(!dump.contains(&dev), "API token stored in plaintext");
    assert!(dump.contains(&client_id), "the dump sees the data (sanity)");
}

/// Every text value of every table, concatenated.
async fn dump_database(url: &str) -> String {
    use sqlx::{Column, Row};
    let tables = [
        "users",
        "api_tokens",
        "companies",
        "apps",
        "app_versions",
        "oauth_clients",
        "client_secrets",
        "installs",
        "audit_events",
    ];
    let mut out = String::new();
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        for t in tables {
            for row in sqlx::query(&format!("SELECT * FROM {t}"))
                .fetch_all(&pool)
                .await
                .unwrap()
            {
                for c in row.columns() {
                    if let Ok(Some(s)) = row.try_get::<Option<String>, _>(c.ordinal()) {
                        out.push_str(&s);
                        out.push('\n');
                    }
                }
            }
        }
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        for t in tables {
            for row in sqlx::query(&format!("SELECT * FROM {t}"))
                .fetch_all(&pool)
                .await
                .unwrap()
            {
                for c in row.columns() {
                    if let Ok(Some(s)) = row.try_get::<Option<String>, _>(c.ordinal()) {
                        out.push_str(&s);
                        out.push('\n');
                    }
                }
            }
        }
    }
    out
}

async fn installs_are_checked_and_atomic(app: TestApp) {
    let w = app.world().await;
    let base = format!("/api/v1/companies/{}/installs", w.a);
    // already installed
    let e = app
        .api_post(
            &w.admin_a,
            &base,
            json!({"app_version_id": w.app.app_version_id}),
            StatusCode::CONFLICT,
        )
        .await;
    assert!(e["message"].as_str().unwrap().contains("already installed"), "{e}");
    // a malformed and an unknown App Version ID
    let e = app
        .api_post(
            &w.admin_a,
            &base,
            json!({"app_version_id": "abc"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(e["errors"][0]["path"], "$.app_version_id");
    app.api_post(
        &w.admin_a,
        &base,
        json!({"app_version_id": "00000000-0000-4000-8000-000000000000"}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    // a version that is only ready for testing has no App Version ID to install
    let other = app.promoted_app(&w.dev, "Other").await;
    // another company's project in the permitted list: refused, nothing written
    let e = app
        .api_post(
            &w.admin_a,
            &base,
            json!({"app_version_id": other.app_version_id, "permitted_project_ids": [w.a1, w.b1, 999999]}),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    let paths: Vec<&str> = e["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        vec!["$.permitted_project_ids[1]", "$.permitted_project_ids[2]"],
        "{e}"
    );
    let installs = app.api_get(&w.admin_a, &base, StatusCode::OK).await;
    assert_eq!(
        installs.as_array().unwrap().len(),
        1,
        "the failed install left nothing behind"
    );
    let token = app.token(&other).await;
    expect(
        app.get(&format!("/rest/v1.0/projects?company_id={}", w.a))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
        StatusCode::FORBIDDEN,
    )
    .await;
    // the install view carries the manifest's instructions
    let inst = app
        .api_get(&w.admin_a, &format!("{base}/{}", w.install_a), StatusCode::OK)
        .await;
    assert_eq!(inst["post_installation_notes"], "Pick the projects to sync.");
    assert_eq!(inst["instructions_url"], "https://example.com/setup");
    assert_eq!(inst["instructions_page_name"], "Setup guide");
    assert_eq!(inst["permitted_project_ids"], json!([w.a1, w.a2]));
    assert_eq!(inst["project_permissions"], json!({"documents": "standard"}));
    assert_eq!(inst["app_version_id"], w.app.app_version_id.as_str());
    // permitted-project edits are validated too
    let pp = format!("{base}/{}/permitted_projects", w.install_a);
    app.api_post(
        &w.admin_a,
        &pp,
        json!({"project_ids": []}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    app.api_post(
        &w.admin_a,
        &pp,
        json!({"project_ids": [w.b1]}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        app.api_get(&w.admin_a, &pp, StatusCode::OK).await["permitted_project_ids"],
        json!([w.a1, w.a2])
    );
}

async fn company_admins_act_only_in_their_company(app: TestApp) {
    let w = app.world().await;
    // admin of A against B: every admin route is refused and changes nothing
    let b = w.b;
    app.api_get(&w.admin_a, &format!("/api/v1/companies/{b}"), StatusCode::FORBIDDEN)
        .await;
    app.api_get(
        &w.admin_a,
        &format!("/api/v1/companies/{b}/installs"),
        StatusCode::FORBIDDEN,
    )
    .await;
    app.api_get(
        &w.admin_a,
        &format!("/api/v1/companies/{b}/installs/{}", w.install_b),
        StatusCode::FORBIDDEN,
    )
    .await;
    app.api_get(
        &w.admin_a,
        &format!("/api/v1/companies/{b}/projects"),
        StatusCode::FORBIDDEN,
    )
    .await;
    app.api_post(
        &w.admin_a,
        &format!("/api/v1/companies/{b}/projects"),
        json!({"name": "X"}),
        StatusCode::FORBIDDEN,
    )
    .await;
    app.api_post(
        &w.admin_a,
        &format!("/api/v1/companies/{b}/installs"),
        json!({"app_version_id": w.app.app_version_id}),
        StatusCode::FORBIDDEN,
    )
    .await;
    app.api_delete(
        &w.admin_a,
        &format!("/api/v1/companies/{b}/installs/{}", w.install_b),
        StatusCode::FORBIDDEN,
    )
    .await;
    app.api_delete(
        &w.admin_a,
        &format!(
            "/api/v1/companies/{b}/installs/{}/permitted_projects/{}",
            w.install_b, w.b1
        ),
        StatusCode::FORBIDDEN,
    )
    .await;
    app.api_post(
        &w.admin_a,
        &format!(
            "/api/v1/companies/{b}/installs/{}/permitted_projects/add_all",
            w.install_b
        ),
        json!({}),
        StatusCode::FORBIDDEN,
    )
    .await;
    // B's install id through A's company: not found
    app.api_get(
        &w.admin_a,
        &format!("/api/v1/companies/{}/installs/{}", w.a, w.install_b),
        StatusCode::NOT_FOUND,
    )
    .await;
    app.api_delete(
        &w.admin_a,
        &format!("/api/v1/companies/{}/installs/{}", w.a, w.install_b),
        StatusCode::NOT_FOUND,
    )
    .await;
    // B is unchanged
    let token = app.token(&w.app).await;
    let v = expect(
        app.get(&format!("/rest/v1.0/projects?company_id={b}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids(&v), vec![w.b1]);
    assert_eq!(
        app.api_get(&w.admin_b, &format!("/api/v1/companies/{b}/projects"), StatusCode::OK)
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // a non-admin member of A cannot administer A
    let (_, member_token) = app.person("m@example.com", "Member").await;
    app.join(&w.admin_a, w.a, "m@example.com", &member_token).await;
    let e = app
        .api_post(
            &member_token,
            &format!("/api/v1/companies/{}/projects", w.a),
            json!({"name": "X"}),
            StatusCode::FORBIDDEN,
        )
        .await;
    assert!(e["message"].as_str().unwrap().contains("admin"), "{e}");
    // the developer of the app is not an admin of the companies that installed it
    app.api_get(
        &w.dev,
        &format!("/api/v1/companies/{}/installs", w.a),
        StatusCode::FORBIDDEN,
    )
    .await;
    // the bot cannot be added to another company's directory
    let inst = app
        .api_get(
            &w.admin_a,
            &format!("/api/v1/companies/{}/installs/{}", w.a, w.install_a),
            StatusCode::OK,
        )
        .await;
    // (by id: refused for everyone; by its e-mail: an invitation like any other, which no one
    // can ever accept)
    let e = app
        .api_post(
            &w.admin_b,
            &format!("/api/v1/companies/{b}/users"),
            json!({"user_id": inst["bot"]["id"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(e["errors"][0]["path"], "$.user_id", "{e}");
    let before = app
        .api_get(&w.admin_b, &format!("/api/v1/companies/{b}/users"), StatusCode::OK)
        .await;
    let inv = app
        .api_post(
            &w.admin_b,
            &format!("/api/v1/companies/{b}/invitations"),
            json!({"email": inst["bot"]["email"]}),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(inv["status"], "pending");
    assert_eq!(
        app.api_get(&w.admin_b, &format!("/api/v1/companies/{b}/users"), StatusCode::OK)
            .await,
        before
    );
}

async fn every_change_is_audited(app: TestApp) {
    let w = app.world().await;
    app.api_delete(
        &w.admin_a,
        &format!(
            "/api/v1/companies/{}/installs/{}/permitted_projects/{}",
            w.a, w.install_a, w.a1
        ),
        StatusCode::NO_CONTENT,
    )
    .await;
    app.api_delete(
        &w.admin_a,
        &format!("/api/v1/companies/{}/installs/{}", w.a, w.install_a),
        StatusCode::OK,
    )
    .await;
    let core_store = trestle_store::connect(&trestle_store::StoreConfig::new(&app.db_url))
        .await
        .unwrap();
    let page = core_store
        .list_audit(
            trestle_store::AuditFilter {
                company: Some(trestle_domain::CompanyId(w.a)),
                app: None,
            },
            Default::default(),
        )
        .await
        .unwrap();
    let actions: Vec<&str> = page.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        vec![
            "company.create",
            "project.create",
            "project.create",
            "project.create",
            "app.install",
            "permitted_projects.remove",
            "app.uninstall"
        ]
    );
    let removal = &page.items[5];
    assert_eq!(removal.actor_kind, "person");
    assert!(removal.before_json.as_deref().unwrap().contains(&w.a1.to_string()));
    let uninstall = &page.items[6];
    assert!(uninstall.after_json.as_deref().unwrap().contains("uninstalled"));
}

async fn openapi_document_describes_the_api(app: TestApp) {
    let v = expect(app.get("/openapi.json").send().await.unwrap(), StatusCode::OK).await;
    assert!(v["openapi"].as_str().unwrap().starts_with("3."));
    let paths = v["paths"].as_object().unwrap();
    for p in [
        "/api/v1/apps",
        "/api/v1/apps/{app_id}/versions",
        "/api/v1/apps/{app_id}/versions/{version_id}/promote",
        "/api/v1/companies/{company_id}/installs",
        "/api/v1/companies/{company_id}/installs/{install_id}/permitted_projects/add_all",
        "/api/v1/people",
    ] {
        assert!(paths.contains_key(p), "missing {p}");
    }
    assert!(v["components"]["securitySchemes"]["api_token"].is_object());
    // The OAuth endpoints and the Procore REST surface come from the operation catalog, each
    // operation once, next to the management API.
    let catalog = trestle_domain::catalog::catalog().ops();
    assert!(catalog.len() >= 2636, "the whole catalog: {}", catalog.len());
    for op in catalog {
        let method = op.method.as_str().to_ascii_lowercase();
        let o = &v["paths"][&op.path][&method];
        assert_eq!(o["operationId"], json!(op.id), "{method} {} in the document", op.path);
    }
    for (p, m) in [
        ("/oauth/token", "post"),
        ("/rest/v1.0/projects/{project_id}/rfis", "get"),
        ("/rest/v1.0/projects/{project_id}/rfis", "post"),
        ("/rest/v1.1/projects/{project_id}/submittals", "get"),
    ] {
        assert!(v["paths"][p][m].is_object(), "missing {m} {p}");
    }
    assert!(v["components"]["securitySchemes"]["procore_oauth"].is_object());
    // health endpoints
    expect(app.get("/health/live").send().await.unwrap(), StatusCode::OK).await;
    expect(app.get("/health/ready").send().await.unwrap(), StatusCode::OK).await;
}

async fn malformed_management_requests_get_clear_errors(app: TestApp) {
    let (_, dev) = app.person("d@example.com", "D").await;
    // not JSON; wrong types; unknown fields; bad path ids; unknown routes
    let res = app
        .post("/api/v1/apps")
        .bearer_auth(&dev)
        .header("content-type", "application/json")
        .body("{oops")
        .send()
        .await
        .unwrap();
    let e = expect(res, StatusCode::BAD_REQUEST).await;
    assert!(e["message"].as_str().unwrap().contains("JSON"), "{e}");
    let e = app
        .api_post(&dev, "/api/v1/apps", json!({"name": 5}), StatusCode::BAD_REQUEST)
        .await;
    assert!(e["message"].as_str().unwrap().contains("name"), "{e}");
    let e = app
        .api_post(
            &dev,
            "/api/v1/apps",
            json!({"name": "A", "colour": "red"}),
            StatusCode::BAD_REQUEST,
        )
        .await;
    assert!(e["message"].as_str().unwrap().contains("colour"), "{e}");
    app.api_get(&dev, "/api/v1/apps/not-a-number", StatusCode::BAD_REQUEST)
        .await;
    let e = app.api_get(&dev, "/api/v1/nothing-here", StatusCode::NOT_FOUND).await;
    assert_eq!(e["code"], "not_found");
    let res = app
        .post("/api/v1/apps")
        .bearer_auth(&dev)
        .body("name=x")
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error());
    let long = "x".repeat(101);
    let e = app
        .api_post(
            &dev,
            "/api/v1/apps",
            json!({"name": long}),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(e["errors"][0]["path"], "$.name");
}
