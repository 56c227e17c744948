//! The developer portal over HTTP: sandboxes, rename/delete, version diffs, update offers and
//! approval, secret rotation, metrics.

use crate::support::{dmsa_manifest, expect, ids, on_both_backends, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_backends!(
    creating_an_app_provisions_a_working_sandbox,
    rename_and_delete_protect_installs,
    versions_can_be_diffed,
    widening_updates_wait_for_the_admin,
    secrets_rotate_without_downtime,
    metrics_count_installs_per_day_and_company,
    portal_endpoints_are_documented_and_owned,
);

async fn token_with(app: &TestApp, id: &str, secret: &str) -> reqwest::Response {
    app.post("/oauth/token")
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
        ])
        .send()
        .await
        .unwrap()
}

async fn bearer_get(app: &TestApp, token: &str, path: &str) -> (StatusCode, Value) {
    let res = app.get(path).bearer_auth(token).send().await.unwrap();
    let status = res.status();
    (status, expect(res, status).await)
}

fn manifest_with(project_documents: &str) -> Value {
    let mut m = dmsa_manifest();
    m["permissions"]["project"]["documents"] = json!(project_documents);
    m
}

async fn creating_an_app_provisions_a_working_sandbox(app: TestApp) {
    let (dev_id, dev) = app.person("dev@example.com", "Dev").await;
    let res = app
        .post("/api/v1/apps")
        .bearer_auth(&dev)
        .json(&json!({"name": "Sandy"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["cache-control"], "no-store");
    let created = expect(res, StatusCode::CREATED).await;
    let app_id = created["app"]["id"].as_i64().unwrap();
    let sandbox = created["sandbox"]["company_id"].as_i64().unwrap();
    let (sid, ssecret) = (
        created["sandbox"]["client_id"].as_str().unwrap().to_string(),
        created["sandbox"]["client_secret"].as_str().unwrap().to_string(),
    );
    assert_eq!(created["app"]["sandbox_company_id"], sandbox);
    assert_eq!(created["app"]["sandbox_client_id"], sid.as_str());
    // the developer administers the sandbox, which has sample projects
    let company = app
        .api_get(&dev, &format!("/api/v1/companies/{sandbox}"), StatusCode::OK)
        .await;
    assert_eq!(company["name"], "Sandy Sandbox");
    let projects = app
        .api_get(&dev, &format!("/api/v1/companies/{sandbox}/projects"), StatusCode::OK)
        .await;
    let sample = ids(&projects);
    assert_eq!(sample.len(), 3);
    // no version yet: the sandbox client cannot get a token
    let v = expect(token_with(&app, &sid, &ssecret).await, StatusCode::BAD_REQUEST).await;
    assert_eq!(v["error"], "unauthorized_client");
    // a version (not promoted) installs into the sandbox by its sandbox key
    let v1 = app
        .api_post(
            &dev,
            &format!("/api/v1/apps/{app_id}/versions"),
            json!({"version": "0.1.0", "manifest": dmsa_manifest()}),
            StatusCode::CREATED,
        )
        .await;
    let key = v1["sandbox_key"].as_str().unwrap().to_string();
    assert_eq!(key.len(), 36);
    app.install(&dev, sandbox, &key, &sample[..2]).await;
    let t = expect(token_with(&app, &sid, &ssecret).await, StatusCode::OK).await;
    let sandbox_token = t["access_token"].as_str().unwrap().to_string();
    let (s, companies) = bearer_get(&app, &sandbox_token, "/rest/v1.0/companies").await;
    assert_eq!((s, ids(&companies)), (StatusCode::OK, vec![sandbox]));
    let (s, p) = bearer_get(
        &app,
        &sandbox_token,
        &format!("/rest/v1.0/projects?company_id={sandbox}"),
    )
    .await;
    assert_eq!((s, ids(&p)), (StatusCode::OK, sample[..2].to_vec()));
    // saving the version renews its sandbox key
    let saved = app
        .patch(&format!("/api/v1/apps/{app_id}/versions/{}", v1["id"]))
        .bearer_auth(&dev)
        .json(&json!({"manifest": dmsa_manifest()}))
        .send()
        .await
        .unwrap();
    let saved = expect(saved, StatusCode::OK).await;
    assert_ne!(saved["sandbox_key"].as_str().unwrap(), key);

    // environments never cross: production credentials and real companies
    let (real, admin) = app.company("Real Co").await;
    let rp = app.project(&admin, real, "R1").await;
    let e = app
        .api_post(
            &admin,
            &format!("/api/v1/companies/{real}/installs"),
            json!({"app_version_id": saved["sandbox_key"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(e["errors"][0]["reason"].as_str().unwrap().contains("sandbox"), "{e}");
    let p = app
        .api_post(
            &dev,
            &format!("/api/v1/apps/{app_id}/versions/{}/promote", v1["id"]),
            json!({}),
            StatusCode::OK,
        )
        .await;
    let uuid = p["version"]["app_version_id"].as_str().unwrap();
    let e = app
        .api_post(
            &dev,
            &format!("/api/v1/companies/{sandbox}/installs"),
            json!({"app_version_id": uuid}),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(
        e["errors"][0]["reason"].as_str().unwrap().contains("sandbox key"),
        "{e}"
    );
    app.install(&admin, real, uuid, &[rp]).await;
    let prod = expect(
        token_with(
            &app,
            p["credentials"]["client_id"].as_str().unwrap(),
            p["credentials"]["client_secret"].as_str().unwrap(),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let prod_token = prod["access_token"].as_str().unwrap();
    let (_, companies) = bearer_get(&app, prod_token, "/rest/v1.0/companies").await;
    assert_eq!(ids(&companies), vec![real], "production lists real companies only");
    assert_eq!(
        bearer_get(&app, prod_token, &format!("/rest/v1.0/projects?company_id={sandbox}"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        bearer_get(&app, &sandbox_token, &format!("/rest/v1.0/projects?company_id={real}"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let _ = dev_id;
}

async fn rename_and_delete_protect_installs(app: TestApp) {
    let w = app.world().await;
    let path = format!("/api/v1/apps/{}", w.app.app_id);
    let res = app
        .patch(&path)
        .bearer_auth(&w.dev)
        .json(&json!({"name": "Sync Pro"}))
        .send()
        .await
        .unwrap();
    assert_eq!(expect(res, StatusCode::OK).await["name"], "Sync Pro");
    let res = app
        .patch(&path)
        .bearer_auth(&w.dev)
        .json(&json!({"name": ""}))
        .send()
        .await
        .unwrap();
    expect(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    // the install view shows the new name
    let inst = app
        .api_get(
            &w.admin_a,
            &format!("/api/v1/companies/{}/installs/{}", w.a, w.install_a),
            StatusCode::OK,
        )
        .await;
    assert_eq!(inst["app"]["name"], "Sync Pro");
    let delete = |confirm: &str| {
        app.delete(&path)
            .bearer_auth(&w.dev)
            .json(&json!({"confirm": confirm}))
            .send()
    };
    let e = expect(delete("Sync App").await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(e["errors"][0]["path"], "$.confirm");
    let e = expect(delete("Sync Pro").await.unwrap(), StatusCode::CONFLICT).await;
    assert!(e["message"].as_str().unwrap().contains("2 companies"), "{e}");
    // nothing changed: the app still works
    let token = app.token(&w.app).await;
    assert_eq!(bearer_get(&app, &token, "/rest/v1.0/companies").await.0, StatusCode::OK);
    app.api_delete(
        &w.admin_a,
        &format!("/api/v1/companies/{}/installs/{}", w.a, w.install_a),
        StatusCode::OK,
    )
    .await;
    app.api_delete(
        &w.admin_b,
        &format!("/api/v1/companies/{}/installs/{}", w.b, w.install_b),
        StatusCode::OK,
    )
    .await;
    expect(delete("Sync Pro").await.unwrap(), StatusCode::NO_CONTENT).await;
    app.api_get(&w.dev, &path, StatusCode::NOT_FOUND).await;
    // its credentials and tokens stop working; company admins still see their install history
    let v = expect(
        token_with(&app, &w.app.client_id, &w.app.client_secret).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(v["error"], "invalid_client");
    assert_eq!(
        bearer_get(&app, &token, "/rest/v1.0/companies").await.0,
        StatusCode::UNAUTHORIZED
    );
    app.api_get(
        &w.admin_a,
        &format!("/api/v1/companies/{}/installs", w.a),
        StatusCode::OK,
    )
    .await;
    expect(delete("Sync Pro").await.unwrap(), StatusCode::NOT_FOUND).await;
}

async fn versions_can_be_diffed(app: TestApp) {
    let w = app.world().await;
    let base = format!("/api/v1/apps/{}/versions", w.app.app_id);
    let mut m = manifest_with("admin");
    m["permissions"]["company"] = json!({});
    m["permissions"]["project"]["rfis"] = json!("read_only");
    let v2 = app
        .api_post(
            &w.dev,
            &base,
            json!({"version": "1.1.0", "manifest": m}),
            StatusCode::CREATED,
        )
        .await;
    let v1 = &app.api_get(&w.dev, &base, StatusCode::OK).await[0];
    let d = app
        .api_get(
            &w.dev,
            &format!("{base}/diff?from={}&to={}", v1["id"], v2["id"]),
            StatusCode::OK,
        )
        .await;
    assert_eq!(d["widens"], true);
    assert_eq!(
        d["company"],
        json!([{"tool": "directory", "from": "read_only", "to": "none"}])
    );
    assert_eq!(
        d["project"],
        json!([{"tool": "documents", "from": "standard", "to": "admin"}, {"tool": "rfis", "from": "none", "to": "read_only"}])
    );
    let back = app
        .api_get(
            &w.dev,
            &format!("{base}/diff?from={}&to={}", v2["id"], v1["id"]),
            StatusCode::OK,
        )
        .await;
    assert_eq!(back["widens"], true, "directory comes back");
    app.api_get(
        &w.dev,
        &format!("{base}/diff?from={}", v1["id"]),
        StatusCode::BAD_REQUEST,
    )
    .await;
    app.api_get(
        &w.dev,
        &format!("{base}/diff?from=x&to={}", v1["id"]),
        StatusCode::BAD_REQUEST,
    )
    .await;
    app.api_get(
        &w.dev,
        &format!("{base}/diff?from={}&to=999999", v1["id"]),
        StatusCode::NOT_FOUND,
    )
    .await;
}

async fn widening_updates_wait_for_the_admin(app: TestApp) {
    let w = app.world().await;
    let base = format!("/api/v1/apps/{}/versions", w.app.app_id);
    let inst_a = format!("/api/v1/companies/{}/installs/{}", w.a, w.install_a);
    // 1.1.0 narrows (documents standard → read_only): applied at once everywhere
    let v = app
        .api_post(
            &w.dev,
            &base,
            json!({"version": "1.1.0", "manifest": manifest_with("read_only")}),
            StatusCode::CREATED,
        )
        .await;
    let p = app
        .api_post(
            &w.dev,
            &format!("{base}/{}/promote", v["id"]),
            json!({}),
            StatusCode::OK,
        )
        .await;
    let statuses: Vec<&str> = p["updates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, vec!["applied", "applied"]);
    let view = app.api_get(&w.admin_a, &inst_a, StatusCode::OK).await;
    assert_eq!(view["version"], "1.1.0");
    assert_eq!(view["project_permissions"], json!({"documents": "read_only"}));
    assert_eq!(view["pending_update"], Value::Null);
    // 1.2.0 widens (documents → admin): pending, the company keeps 1.1.0's permissions
    let v = app
        .api_post(
            &w.dev,
            &base,
            json!({"version": "1.2.0", "manifest": manifest_with("admin")}),
            StatusCode::CREATED,
        )
        .await;
    let p = app
        .api_post(
            &w.dev,
            &format!("{base}/{}/promote", v["id"]),
            json!({}),
            StatusCode::OK,
        )
        .await;
    assert!(
        p["updates"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["status"] == "pending"),
        "{p}"
    );
    let view = app.api_get(&w.admin_a, &inst_a, StatusCode::OK).await;
    assert_eq!(view["version"], "1.1.0");
    assert_eq!(view["project_permissions"], json!({"documents": "read_only"}));
    let pending = &view["pending_update"];
    assert_eq!(pending["status"], "pending");
    assert_eq!(
        pending["widened"],
        json!([{"scope": "project", "tool": "documents", "from": "read_only", "to": "admin"}])
    );
    let update = pending["id"].as_i64().unwrap();
    // the developer sees it pending
    let dev_view = app
        .api_get(
            &w.dev,
            &format!("/api/v1/apps/{}/updates", w.app.app_id),
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        dev_view
            .as_array()
            .unwrap()
            .iter()
            .filter(|u| u["status"] == "pending")
            .count(),
        2
    );
    // only A's admin can approve A's update
    app.api_post(
        &w.admin_b,
        &format!(
            "/api/v1/companies/{}/installs/{}/updates/{update}/approve",
            w.b, w.install_b
        ),
        json!({}),
        StatusCode::NOT_FOUND,
    )
    .await;
    app.api_post(
        &w.admin_b,
        &format!("{inst_a}/updates/{update}/approve"),
        json!({}),
        StatusCode::FORBIDDEN,
    )
    .await;
    app.api_post(
        &w.dev,
        &format!("{inst_a}/updates/{update}/approve"),
        json!({}),
        StatusCode::FORBIDDEN,
    )
    .await;
    let approved = app
        .api_post(
            &w.admin_a,
            &format!("{inst_a}/updates/{update}/approve"),
            json!({}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(approved["version"], "1.2.0");
    assert_eq!(approved["project_permissions"], json!({"documents": "admin"}));
    assert_eq!(approved["pending_update"], Value::Null);
    app.api_post(
        &w.admin_a,
        &format!("{inst_a}/updates/{update}/approve"),
        json!({}),
        StatusCode::CONFLICT,
    )
    .await;
    // B still waits
    let b_view = app
        .api_get(
            &w.admin_b,
            &format!("/api/v1/companies/{}/installs/{}", w.b, w.install_b),
            StatusCode::OK,
        )
        .await;
    assert_eq!(b_view["version"], "1.1.0");
    let history = app
        .api_get(&w.admin_a, &format!("{inst_a}/updates"), StatusCode::OK)
        .await;
    let st: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["status"].as_str().unwrap())
        .collect();
    assert_eq!(st, vec!["applied", "approved"]);
    // the bot keeps working through all of it
    let token = app.token(&w.app).await;
    assert_eq!(
        ids(
            &bearer_get(&app, &token, &format!("/rest/v1.0/projects?company_id={}", w.a))
                .await
                .1
        ),
        vec![w.a1, w.a2]
    );
}

async fn secrets_rotate_without_downtime(app: TestApp) {
    let w = app.world().await;
    let creds = format!("/api/v1/apps/{}/credentials", w.app.app_id);
    let old_token = app.token(&w.app).await;
    let res = app
        .post(&format!("{creds}/production/secrets"))
        .bearer_auth(&w.dev)
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["cache-control"], "no-store");
    let rotated = expect(res, StatusCode::CREATED).await;
    let new_secret = rotated["client_secret"].as_str().unwrap().to_string();
    assert_eq!(rotated["client_id"], w.app.client_id.as_str());
    // both secrets work, and the token of the old one too
    expect(
        token_with(&app, &w.app.client_id, &w.app.client_secret).await,
        StatusCode::OK,
    )
    .await;
    let new_token = expect(token_with(&app, &w.app.client_id, &new_secret).await, StatusCode::OK).await;
    let new_token = new_token["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        bearer_get(&app, &old_token, "/rest/v1.0/companies").await.0,
        StatusCode::OK
    );
    // listing never shows a secret
    let listed = app.api_get(&w.dev, &creds, StatusCode::OK).await;
    assert!(!listed.to_string().contains(&new_secret) && !listed.to_string().contains(&w.app.client_secret));
    let prod = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["environment"] == "production")
        .unwrap();
    let secret_ids: Vec<i64> = prod["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    assert_eq!(secret_ids.len(), 2);
    // retire the old one: its secret and its tokens stop at once; the new ones keep working
    app.api_delete(
        &w.dev,
        &format!("{creds}/production/secrets/{}", secret_ids[0]),
        StatusCode::NO_CONTENT,
    )
    .await;
    expect(
        token_with(&app, &w.app.client_id, &w.app.client_secret).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(
        bearer_get(&app, &old_token, "/rest/v1.0/companies").await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        bearer_get(&app, &new_token, "/rest/v1.0/companies").await.0,
        StatusCode::OK
    );
    // the last live secret cannot be retired; unknown ids are 404; bad environments 400
    app.api_delete(
        &w.dev,
        &format!("{creds}/production/secrets/{}", secret_ids[1]),
        StatusCode::CONFLICT,
    )
    .await;
    app.api_delete(
        &w.dev,
        &format!("{creds}/production/secrets/{}", secret_ids[0]),
        StatusCode::NOT_FOUND,
    )
    .await;
    app.api_delete(&w.dev, &format!("{creds}/staging/secrets/1"), StatusCode::BAD_REQUEST)
        .await;
    // rotate with an expiry for the others: the new-old secret dies when the time comes
    let r2 = app
        .api_post(
            &w.dev,
            &format!("{creds}/production/secrets"),
            json!({"expire_others_in_seconds": 60}),
            StatusCode::CREATED,
        )
        .await;
    expect(token_with(&app, &w.app.client_id, &new_secret).await, StatusCode::OK).await;
    app.clock.advance(61);
    expect(
        token_with(&app, &w.app.client_id, &new_secret).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(
        bearer_get(&app, &new_token, "/rest/v1.0/companies").await.0,
        StatusCode::UNAUTHORIZED
    );
    expect(
        token_with(&app, &w.app.client_id, r2["client_secret"].as_str().unwrap()).await,
        StatusCode::OK,
    )
    .await;
    app.api_post(
        &w.dev,
        &format!("{creds}/production/secrets"),
        json!({"expire_others_in_seconds": -5}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    // another developer cannot rotate
    let (_, other) = app.person("other@example.com", "Other").await;
    app.api_post(
        &other,
        &format!("{creds}/production/secrets"),
        json!({}),
        StatusCode::NOT_FOUND,
    )
    .await;
}

async fn metrics_count_installs_per_day_and_company(app: TestApp) {
    let w = app.world().await; // A and B installed today
    app.clock.advance(86_400);
    app.api_delete(
        &w.admin_a,
        &format!("/api/v1/companies/{}/installs/{}", w.a, w.install_a),
        StatusCode::OK,
    )
    .await;
    app.clock.advance(86_400);
    app.install(&w.admin_a, w.a, &w.app.app_version_id, &[w.a1]).await;
    let m = app
        .api_get(
            &w.dev,
            &format!("/api/v1/apps/{}/metrics", w.app.app_id),
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        (
            m["installs"].as_i64(),
            m["uninstalls"].as_i64(),
            m["active_installs"].as_i64()
        ),
        (Some(3), Some(1), Some(2))
    );
    let daily = m["daily"].as_array().unwrap();
    assert_eq!(daily.len(), 3);
    let row = |i: usize| {
        (
            daily[i]["installs"].as_i64().unwrap(),
            daily[i]["uninstalls"].as_i64().unwrap(),
            daily[i]["active"].as_i64().unwrap(),
        )
    };
    assert_eq!(row(0), (2, 0, 2));
    assert_eq!(row(1), (0, 1, 1));
    assert_eq!(row(2), (1, 0, 2));
    let companies = m["companies"].as_array().unwrap();
    assert_eq!(companies.len(), 2, "the development sandbox is not counted");
    assert_eq!(companies[0]["company_name"], "Acme");
    assert_eq!(
        (companies[0]["installs"].as_i64(), companies[0]["uninstalls"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(companies[0]["active"], true);
    // a range
    let first_day = daily[0]["date"].as_str().unwrap().to_string();
    let one = app
        .api_get(
            &w.dev,
            &format!("/api/v1/apps/{}/metrics?from={first_day}&to={first_day}", w.app.app_id),
            StatusCode::OK,
        )
        .await;
    assert_eq!(one["daily"].as_array().unwrap().len(), 1);
    // CSV
    let res = app
        .get(&format!("/api/v1/apps/{}/metrics/daily.csv", w.app.app_id))
        .bearer_auth(&w.dev)
        .send()
        .await
        .unwrap();
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("attachment"));
    let csv = res.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "date,installs,uninstalls,active");
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[1], format!("{first_day},2,0,2"));
    let res = app
        .get(&format!("/api/v1/apps/{}/metrics/companies.csv", w.app.app_id))
        .bearer_auth(&w.dev)
        .send()
        .await
        .unwrap();
    let csv = res.text().await.unwrap();
    assert!(
        csv.starts_with("company_id,company_name,installs,uninstalls,active,"),
        "{csv}"
    );
    assert!(csv.contains(&format!("{},Acme,2,1,true,", w.a)), "{csv}");
    // bad input
    for q in [
        "from=2026-02-30",
        "from=yesterday",
        "from=2026-01-02&to=2026-01-01",
        "from=2000-01-01&to=2026-01-01",
    ] {
        let e = app
            .api_get(
                &w.dev,
                &format!("/api/v1/apps/{}/metrics?{q}", w.app.app_id),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        assert_eq!(e["code"], "invalid", "{q}");
    }
    let (_, other) = app.person("o@example.com", "O").await;
    app.api_get(
        &other,
        &format!("/api/v1/apps/{}/metrics", w.app.app_id),
        StatusCode::NOT_FOUND,
    )
    .await;
}

async fn portal_endpoints_are_documented_and_owned(app: TestApp) {
    let doc = expect(app.get("/openapi.json").send().await.unwrap(), StatusCode::OK).await;
    for p in [
        "/api/v1/apps/{app_id}/versions/diff",
        "/api/v1/apps/{app_id}/credentials/{environment}/secrets",
        "/api/v1/apps/{app_id}/metrics/daily.csv",
        "/api/v1/apps/{app_id}/updates",
        "/api/v1/companies/{company_id}/installs/{install_id}/updates/{update_id}/approve",
        "/schemas/manifest.json",
    ] {
        assert!(doc["paths"].get(p).is_some(), "missing {p}");
    }
    assert!(doc["paths"]["/api/v1/apps/{app_id}"]["delete"].is_object());
    let schema = expect(app.get("/schemas/manifest.json").send().await.unwrap(), StatusCode::OK).await;
    assert_eq!(
        schema["properties"]["permissions"]["properties"]["project"]["properties"]["documents"]["enum"][0],
        "none"
    );
    assert_eq!(
        schema["properties"]["permissions"]["properties"]["company"]["properties"]["admin"]["enum"],
        json!(["none", "admin"])
    );
}
