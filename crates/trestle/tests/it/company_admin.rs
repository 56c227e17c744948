//! Company administration over HTTP: tool levels made real by the Documents and Directory
//! tools, the directory, install settings, marketplace installs, audit, bot rules, rate limits,
//! "add all" at 100,000 projects, and the tenant-isolation matrix.

use crate::support::{app_at_levels, expect, ids, on_both_backends, snapshot, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

on_both_backends!(
    documents_follow_the_tool_level,
    directory_follows_the_tool_level_and_marks_bots,
    add_to_new_projects_can_be_switched,
    marketplace_installs,
    audit_log_is_listable_and_exportable,
    bot_users_cannot_be_changed_or_moved,
    rate_limits_answer_429_with_headers,
    add_all_permits_a_hundred_thousand_projects,
    tenant_isolation_matrix,
);

async fn call(app: &TestApp, token: &str, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut req = app
        .http
        .request(method, format!("{}{path}", app.url))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn documents_follow_the_tool_level(app: TestApp) {
    let w = app.world().await;
    // tool level → may (read, write, delete)
    let table = [
        ("none", [false, false, false]),
        ("read_only", [true, false, false]),
        ("standard", [true, true, false]),
        ("admin", [true, true, true]),
    ];
    // a folder to act on, made by an admin-level app
    let admin_token = app_at_levels(&app, &w.dev, &w.admin_a, w.a, &[w.a1], "Docs Admin", "none", "admin").await;
    for (level, [read, write, delete]) in table {
        let token = app_at_levels(
            &app,
            &w.dev,
            &w.admin_a,
            w.a,
            &[w.a1],
            &format!("Docs {level}"),
            "none",
            level,
        )
        .await;
        let q = format!("project_id={}", w.a1);
        let (s, folder) = call(
            &app,
            &admin_token,
            Method::POST,
            &format!("/rest/v1.0/folders?{q}"),
            Some(json!({"folder": {"name": format!("F-{level}")}})),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{folder}");
        let fid = folder["id"].as_i64().unwrap();
        let expect_status = |ok: bool, okc: StatusCode| if ok { okc } else { StatusCode::FORBIDDEN };
        let (s, body) = call(&app, &token, Method::GET, &format!("/rest/v1.0/folders?{q}"), None).await;
        assert_eq!(s, expect_status(read, StatusCode::OK), "{level} read: {body}");
        if read {
            assert!(body["folders"].as_array().unwrap().iter().any(|f| f["id"] == fid));
        } else {
            assert!(body["message"].as_str().unwrap().contains("documents"), "{body}");
            assert!(body.get("folders").is_none(), "none sees nothing");
        }
        let (s, _) = call(
            &app,
            &token,
            Method::GET,
            &format!("/rest/v1.0/folders/{fid}?{q}"),
            None,
        )
        .await;
        assert_eq!(s, expect_status(read, StatusCode::OK), "{level} show");
        let (s, created) = call(
            &app,
            &token,
            Method::POST,
            &format!("/rest/v1.0/files?{q}"),
            Some(json!({"file": {"name": "a.txt", "parent_id": fid, "data": "hello"}})),
        )
        .await;
        assert_eq!(
            s,
            expect_status(write, StatusCode::CREATED),
            "{level} create: {created}"
        );
        let (s, _) = call(
            &app,
            &token,
            Method::PATCH,
            &format!("/rest/v1.0/folders/{fid}?{q}"),
            Some(json!({"folder": {"name": "renamed"}})),
        )
        .await;
        assert_eq!(s, expect_status(write, StatusCode::OK), "{level} update");
        let (s, _) = call(
            &app,
            &token,
            Method::DELETE,
            &format!("/rest/v1.0/folders/{fid}?{q}"),
            None,
        )
        .await;
        assert_eq!(s, expect_status(delete, StatusCode::NO_CONTENT), "{level} delete");
        if write {
            let file = created["id"].as_i64().unwrap();
            let (s, got) = call(
                &app,
                &admin_token,
                Method::GET,
                &format!("/rest/v1.0/files/{file}?{q}"),
                None,
            )
            .await;
            if delete {
                assert_eq!(s, StatusCode::NOT_FOUND, "deleting the folder deleted its file");
            } else {
                assert_eq!((s, got["data"].as_str()), (StatusCode::OK, Some("hello")));
            }
        }
    }
    // a project that is not permitted is "not found" whatever the level; so is another company's
    let (s, _) = call(
        &app,
        &admin_token,
        Method::GET,
        &format!("/rest/v1.0/folders?project_id={}", w.a3),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = call(
        &app,
        &admin_token,
        Method::GET,
        &format!("/rest/v1.0/folders?project_id={}", w.b1),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // bad input
    let (s, _) = call(&app, &admin_token, Method::GET, "/rest/v1.0/folders", None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let q = format!("project_id={}", w.a1);
    let (s, e) = call(
        &app,
        &admin_token,
        Method::POST,
        &format!("/rest/v1.0/folders?{q}"),
        Some(json!({"folder": {}})),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (s, _) = call(
        &app,
        &admin_token,
        Method::POST,
        &format!("/rest/v1.0/files?{q}"),
        Some(json!({"file": {"name": "x", "parent_id": 999999}})),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = call(
        &app,
        &admin_token,
        Method::POST,
        &format!("/rest/v1.0/folders?{q}"),
        Some(json!({"folder": {"name": "x", "colour": 1}})),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // Procore's other folder fields (ProPyCore sends explicit_permissions on every create)
    let (s, e) = call(
        &app,
        &admin_token,
        Method::POST,
        &format!("/rest/v1.0/folders?{q}"),
        Some(json!({"folder": {"name": "Tracked", "explicit_permissions": false, "is_tracked": true}})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{e}");
    assert_eq!(e["name"], "Tracked", "{e}");
    // the DMSA app from the world (documents: standard) cannot delete
    let token = app.token(&w.app).await;
    let (_, f) = call(
        &app,
        &token,
        Method::POST,
        &format!("/rest/v1.0/folders?{q}"),
        Some(json!({"folder": {"name": "Mine"}})),
    )
    .await;
    let (s, e) = call(
        &app,
        &token,
        Method::DELETE,
        &format!("/rest/v1.0/folders/{}?{q}", f["id"]),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(e["message"].as_str().unwrap().contains("admin"), "{e}");
}

async fn directory_follows_the_tool_level_and_marks_bots(app: TestApp) {
    let w = app.world().await;
    let reader = app_at_levels(
        &app,
        &w.dev,
        &w.admin_a,
        w.a,
        &[w.a1],
        "Dir Reader",
        "read_only",
        "read_only",
    )
    .await;
    let blind = app_at_levels(&app, &w.dev, &w.admin_a, w.a, &[w.a1], "Dir Blind", "none", "none").await;
    let (s, users) = call(
        &app,
        &reader,
        Method::GET,
        &format!("/rest/v1.0/companies/{}/users", w.a),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{users}");
    let users = users.as_array().unwrap();
    assert!(users.iter().any(|u| u["is_dmsa"] == true && u["is_employee"] == false));
    assert!(users
        .iter()
        .any(|u| u["is_dmsa"] == false && u["email_address"] == "admin@acme.test"));
    let (s, _) = call(
        &app,
        &blind,
        Method::GET,
        &format!("/rest/v1.0/companies/{}/users", w.a),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = call(
        &app,
        &reader,
        Method::GET,
        &format!("/rest/v1.0/companies/{}/users", w.b),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "not installed in B");
    // project directory: the bots permitted on A1
    let (s, pu) = call(
        &app,
        &reader,
        Method::GET,
        &format!("/rest/v1.0/projects/{}/users", w.a1),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(pu.as_array().unwrap().len() >= 2);
    let (s, _) = call(
        &app,
        &blind,
        Method::GET,
        &format!("/rest/v1.0/projects/{}/users", w.a1),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // adding a person to a project needs standard, removing needs admin
    let (member, member_token) = app.person("m@example.com", "Morgan Member").await;
    app.join(&w.admin_a, w.a, "m@example.com", &member_token).await;
    let add = format!("/rest/v1.0/projects/{}/users/{member}/actions/add", w.a1);
    let (s, _) = call(&app, &reader, Method::POST, &add, None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let writer = app_at_levels(
        &app,
        &w.dev,
        &w.admin_a,
        w.a,
        &[w.a1],
        "Dir Writer",
        "read_only",
        "standard",
    )
    .await;
    let (s, e) = call(
        &app,
        &writer,
        Method::POST,
        &add,
        Some(json!({"permissions": {"documents": "read_only"}})),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{e}");
    let (_, pu) = call(
        &app,
        &reader,
        Method::GET,
        &format!("/rest/v1.0/projects/{}/users", w.a1),
        None,
    )
    .await;
    assert!(pu.as_array().unwrap().iter().any(|u| u["id"] == member));
    let remove = format!("/rest/v1.0/projects/{}/users/{member}/actions/remove", w.a1);
    let (s, _) = call(&app, &writer, Method::DELETE, &remove, None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let admin_level = app_at_levels(
        &app,
        &w.dev,
        &w.admin_a,
        w.a,
        &[w.a1],
        "Dir Admin",
        "read_only",
        "admin",
    )
    .await;
    let (s, _) = call(&app, &admin_level, Method::DELETE, &remove, None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    // the admin API marks bots too
    let dir = app
        .api_get(&w.admin_a, &format!("/api/v1/companies/{}/users", w.a), StatusCode::OK)
        .await;
    assert!(dir.as_array().unwrap().iter().filter(|u| u["kind"] == "bot").count() >= 5);
}

async fn add_to_new_projects_can_be_switched(app: TestApp) {
    let w = app.world().await;
    let token = app.token(&w.app).await;
    let inst = format!("/api/v1/companies/{}/installs/{}", w.a, w.install_a);
    let res = app
        .patch(&inst)
        .bearer_auth(&w.admin_a)
        .json(&json!({"add_to_new_projects": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(expect(res, StatusCode::OK).await["add_to_new_projects"], true);
    let a4 = app.project(&w.admin_a, w.a, "A4").await;
    let list = |t: String| {
        let app = &app;
        async move {
            ids(&expect(
                app.get(&format!("/rest/v1.0/projects?company_id={}", w.a))
                    .bearer_auth(t)
                    .send()
                    .await
                    .unwrap(),
                StatusCode::OK,
            )
            .await)
        }
    };
    assert_eq!(
        list(token.clone()).await,
        vec![w.a1, w.a2, a4],
        "the new project includes the bot"
    );
    let res = app
        .patch(&inst)
        .bearer_auth(&w.admin_a)
        .json(&json!({"add_to_new_projects": false}))
        .send()
        .await
        .unwrap();
    expect(res, StatusCode::OK).await;
    app.project(&w.admin_a, w.a, "A5").await;
    assert_eq!(list(token).await, vec![w.a1, w.a2, a4]);
    let res = app
        .patch(&inst)
        .bearer_auth(&w.admin_b)
        .json(&json!({"add_to_new_projects": true}))
        .send()
        .await
        .unwrap();
    expect(res, StatusCode::FORBIDDEN).await;
}

async fn marketplace_installs(app: TestApp) {
    let w = app.world().await;
    let (c, admin) = app.company("Gamma").await;
    assert_eq!(
        app.api_get(&admin, "/api/v1/marketplace", StatusCode::OK).await,
        json!([])
    );
    let e = app
        .api_post(
            &admin,
            &format!("/api/v1/companies/{c}/installs"),
            json!({"app_id": w.app.app_id}),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(e["errors"][0]["path"], "$.app_id");
    app.api_post(
        &admin,
        &format!("/api/v1/apps/{}/publish", w.app.app_id),
        json!({}),
        StatusCode::NOT_FOUND,
    )
    .await;
    let published = app
        .api_post(
            &w.dev,
            &format!("/api/v1/apps/{}/publish", w.app.app_id),
            json!({}),
            StatusCode::OK,
        )
        .await;
    assert!(published["id"] == w.app.app_id);
    let market = app.api_get(&admin, "/api/v1/marketplace", StatusCode::OK).await;
    assert_eq!(ids(&market), vec![w.app.app_id]);
    let inst = app
        .api_post(
            &admin,
            &format!("/api/v1/companies/{c}/installs"),
            json!({"app_id": w.app.app_id}),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(inst["app_version_id"], w.app.app_version_id.as_str());
    let token = app.token(&w.app).await;
    let companies = expect(
        app.get("/rest/v1.0/companies")
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids(&companies), vec![w.a, w.b, c]);
    app.api_post(
        &admin,
        &format!("/api/v1/companies/{c}/installs"),
        json!({}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    app.api_post(
        &admin,
        &format!("/api/v1/companies/{c}/installs"),
        json!({"app_id": w.app.app_id, "app_version_id": w.app.app_version_id}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
}

async fn audit_log_is_listable_and_exportable(app: TestApp) {
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
    let res = app
        .get(&format!("/api/v1/companies/{}/audit?per_page=2", w.a))
        .bearer_auth(&w.admin_a)
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["total"], "6");
    let first = expect(res, StatusCode::OK).await;
    assert_eq!(first.as_array().unwrap().len(), 2);
    assert_eq!(first[0]["action"], "company.create");
    let all = app
        .api_get(&w.admin_a, &format!("/api/v1/companies/{}/audit", w.a), StatusCode::OK)
        .await;
    let last = all.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "permitted_projects.remove");
    assert_eq!(last["actor_kind"], "person");
    assert_eq!(last["before"]["project_id"], w.a1);
    assert!(last["at"].as_i64().unwrap() > 0);
    let res = app
        .get(&format!("/api/v1/companies/{}/audit.csv", w.a))
        .bearer_auth(&w.admin_a)
        .send()
        .await
        .unwrap();
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = res.text().await.unwrap();
    assert_eq!(csv.lines().count(), 7, "header + 6 events: {csv}");
    assert!(csv.lines().next().unwrap().starts_with("id,at,actor_kind"));
    // other tenants cannot read it
    app.api_get(
        &w.admin_b,
        &format!("/api/v1/companies/{}/audit", w.a),
        StatusCode::FORBIDDEN,
    )
    .await;
    app.api_get(
        &w.admin_b,
        &format!("/api/v1/companies/{}/audit.csv", w.a),
        StatusCode::FORBIDDEN,
    )
    .await;
    // the developer sees install events without the company's details
    let dev_log = app
        .api_get(&w.dev, &format!("/api/v1/apps/{}/audit", w.app.app_id), StatusCode::OK)
        .await;
    let installs: Vec<&Value> = dev_log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "app.install")
        .collect();
    assert_eq!(installs.len(), 2);
    assert!(
        installs.iter().all(|e| e["after"].is_null()),
        "no permitted project ids leak to the developer"
    );
}

async fn bot_users_cannot_be_changed_or_moved(app: TestApp) {
    let w = app.world().await;
    let inst = app
        .api_get(
            &w.admin_a,
            &format!("/api/v1/companies/{}/installs/{}", w.a, w.install_a),
            StatusCode::OK,
        )
        .await;
    let bot = inst["bot"]["id"].as_i64().unwrap();
    assert!(
        inst["bot"]["email"].as_str().unwrap().ends_with(".invalid"),
        "a bot's e-mail cannot receive mail"
    );
    // cannot be changed
    let res = app
        .http
        .put(format!("{}/api/v1/companies/{}/users/{bot}", app.url, w.a))
        .bearer_auth(&w.admin_a)
        .json(&json!({"is_admin": true}))
        .send()
        .await
        .unwrap();
    let e = expect(res, StatusCode::CONFLICT).await;
    assert!(e["message"].as_str().unwrap().contains("manifest"), "{e}");
    // cannot join another company or a project by hand
    // (by id: refused; by its e-mail address: an invitation no one can ever accept)
    let res = app
        .post(&format!("/api/v1/companies/{}/users", w.b))
        .bearer_auth(&w.admin_b)
        .json(&json!({"user_id": bot}))
        .send()
        .await
        .unwrap();
    expect(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    app.api_post(
        &w.admin_b,
        &format!("/api/v1/companies/{}/invitations", w.b),
        json!({"email": inst["bot"]["email"]}),
        StatusCode::CREATED,
    )
    .await;
    let dir_b = app
        .api_get(&w.admin_b, &format!("/api/v1/companies/{}/users", w.b), StatusCode::OK)
        .await;
    assert!(dir_b.as_array().unwrap().iter().all(|u| u["id"] != bot));
    let res = app
        .post(&format!("/api/v1/companies/{}/projects/{}/users", w.a, w.a3))
        .bearer_auth(&w.admin_a)
        .json(&json!({"user_id": bot}))
        .send()
        .await
        .unwrap();
    let e = expect(res, StatusCode::CONFLICT).await;
    assert!(e["message"].as_str().unwrap().contains("permitted projects"), "{e}");
    // cannot log in: no API token can be issued for it
    app.api_post(
        &app.operator,
        &format!("/api/v1/people/{bot}/api_tokens"),
        json!({"label": "x"}),
        StatusCode::CONFLICT,
    )
    .await;
    // a person can be updated
    let (p, p_token) = app.person("p@example.com", "P").await;
    app.join(&w.admin_a, w.a, "p@example.com", &p_token).await;
    let res = app
        .http
        .put(format!("{}/api/v1/companies/{}/users/{p}", app.url, w.a))
        .bearer_auth(&w.admin_a)
        .json(&json!({"is_admin": false, "permissions": {"documents": "admin"}}))
        .send()
        .await
        .unwrap();
    expect(res, StatusCode::NO_CONTENT).await;
    let res = app
        .http
        .put(format!("{}/api/v1/companies/{}/users/{p}", app.url, w.a))
        .bearer_auth(&w.admin_a)
        .json(&json!({"is_admin": false, "permissions": {"teleport": "admin"}}))
        .send()
        .await
        .unwrap();
    expect(res, StatusCode::UNPROCESSABLE_ENTITY).await;
}

async fn rate_limits_answer_429_with_headers(app: TestApp) {
    // a second server on the same database with a small limit
    let limited = TestApp::spawn_with(&app.db_url, |c| {
        c.rate_limit = trestle_http::ratelimit::RateLimitConfig {
            per_hour: 3,
            per_spike: 0,
        }
    })
    .await;
    let (_, dev) = limited.person("d@example.com", "D").await;
    let mut last = None;
    for i in 0..4 {
        let res = limited.get("/api/v1/apps").bearer_auth(&dev).send().await.unwrap();
        let h = res.headers().clone();
        assert_eq!(h["x-rate-limit-limit"], "3");
        assert!(h["x-rate-limit-reset"].to_str().unwrap().parse::<i64>().unwrap() > 0);
        if i < 3 {
            assert_eq!(res.status(), StatusCode::OK);
            assert_eq!(h["x-rate-limit-remaining"], (2 - i).to_string().as_str());
        } else {
            assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
            assert!(h.get("retry-after").is_some());
            last = Some(res.text().await.unwrap());
        }
    }
    assert!(last.unwrap().contains("surpassed the max number of requests"));
    // another caller has its own budget; the next hour resets it
    let (_, other) = limited.person("o@example.com", "O").await;
    assert_eq!(
        limited
            .get("/api/v1/apps")
            .bearer_auth(&other)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    limited.clock.advance(3600);
    assert_eq!(
        limited
            .get("/api/v1/apps")
            .bearer_auth(&dev)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    // health checks are never limited
    for _ in 0..5 {
        assert_eq!(
            limited.get("/health/live").send().await.unwrap().status(),
            StatusCode::OK
        );
    }
    limited.stop().await;
    // the default server reports the headers on ordinary responses
    let res = app.get("/api/v1/me").bearer_auth(&app.operator).send().await.unwrap();
    assert_eq!(res.headers()["x-rate-limit-limit"], "3600");
}

async fn add_all_permits_a_hundred_thousand_projects(app: TestApp) {
    let w = app.world().await;
    const N: i64 = 100_000;
    let sql = format!(
        "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {N}) \
         INSERT INTO projects (company_id, name, active, created_at, updated_at) \
         SELECT {}, 'Bulk ' || n, TRUE, 0, 0 FROM seq",
        w.a
    );
    if app.db_url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(&app.db_url).await.unwrap();
        sqlx::query(&sql).execute(&pool).await.unwrap();
    } else {
        let pool = sqlx::PgPool::connect(&app.db_url).await.unwrap();
        sqlx::query(&sql).execute(&pool).await.unwrap();
    }
    let started = std::time::Instant::now();
    let added = app
        .api_post(
            &w.admin_a,
            &format!(
                "/api/v1/companies/{}/installs/{}/permitted_projects/add_all",
                w.a, w.install_a
            ),
            json!({}),
            StatusCode::OK,
        )
        .await;
    eprintln!(
        "add_all of {N} projects took {:?} on {}",
        started.elapsed(),
        if app.db_url.starts_with("sqlite") {
            "SQLite"
        } else {
            "PostgreSQL"
        }
    );
    assert_eq!(
        added["added"].as_i64(),
        Some(N + 1),
        "A3 plus the bulk projects (A1, A2 were permitted)"
    );
    let token = app.token(&w.app).await;
    let res = app
        .get(&format!("/rest/v1.0/projects?company_id={}&per_page=1", w.a))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["total"], (N + 3).to_string().as_str());
}

/// For every management and REST route, with company A's identities and company B's ids:
/// reads answer 403/404 with nothing of B in the body, and writes change nothing.
async fn tenant_isolation_matrix(app: TestApp) {
    let w = app.world().await;
    // B's data: a document, a person in B's directory
    let b_token = app.token(&w.app).await;
    let (_, folder) = call(
        &app,
        &b_token,
        Method::POST,
        &format!("/rest/v1.0/folders?project_id={}", w.b1),
        Some(json!({"folder": {"name": "Beta Secret Plans"}})),
    )
    .await;
    let folder = folder["id"].as_i64().unwrap();
    let b_admin_id = app.api_get(&w.admin_b, "/api/v1/me", StatusCode::OK).await["user"]["id"]
        .as_i64()
        .unwrap();
    // B's tool records: an RFI made by a bot of B with every tool
    let b_full = crate::catalog_ops::bot(&app, &w.dev, &w.admin_b, w.b, &[w.b1], "B Full", "admin").await;
    let (status, rfi) = call(
        &app,
        &b_full,
        Method::POST,
        &format!("/rest/v1.0/projects/{}/rfis", w.b1),
        Some(json!({"rfi": {"subject": "Beta Secret RFI", "question": {"body": "B1 only"}, "rfi_manager_id": 1}})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{rfi}");
    let rfi = rfi["id"].as_i64().unwrap();
    // A's identities: A's admin (management API) and an app installed only in A (REST)
    let a_only = app_at_levels(&app, &w.dev, &w.admin_a, w.a, &[w.a1], "A Only", "admin", "admin").await;
    let before = snapshot(&app.db_url).await;

    let doc = expect(app.get("/openapi.json").send().await.unwrap(), StatusCode::OK).await;
    let mut routes: Vec<(Method, String)> = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for m in ops.as_object().unwrap().keys() {
            routes.push((m.to_uppercase().parse().unwrap(), path.clone()));
        }
    }
    let rest = [
        ("GET", "/rest/v1.0/companies/{company_id}/projects"),
        ("GET", "/rest/v1.0/projects?company_id={company_id}"),
        ("GET", "/rest/v1.1/projects?company_id={company_id}"),
        ("GET", "/rest/v1.0/me?company_id={company_id}"),
        ("GET", "/rest/v1.0/companies/{company_id}/users"),
        ("GET", "/rest/v1.0/projects/{project_id}/users"),
        ("POST", "/rest/v1.0/projects/{project_id}/users/{user_id}/actions/add"),
        (
            "DELETE",
            "/rest/v1.0/projects/{project_id}/users/{user_id}/actions/remove",
        ),
        ("GET", "/rest/v1.0/folders?project_id={project_id}"),
        ("POST", "/rest/v1.0/folders?project_id={project_id}"),
        ("GET", "/rest/v1.0/folders/{id}?project_id={project_id}"),
        ("PATCH", "/rest/v1.0/folders/{id}?project_id={project_id}"),
        ("DELETE", "/rest/v1.0/folders/{id}?project_id={project_id}"),
        ("POST", "/rest/v1.0/files?project_id={project_id}"),
        ("GET", "/rest/v1.0/files/{id}?project_id={project_id}"),
        ("DELETE", "/rest/v1.0/files/{id}?project_id={project_id}"),
        // A's own project ids with B's document id
        ("GET", "/rest/v1.0/folders/{id}?project_id={a_project}"),
        ("DELETE", "/rest/v1.0/folders/{id}?project_id={a_project}"),
        // catalog operations (the resource engine)
        ("GET", "/rest/v1.0/projects/{project_id}/rfis"),
        ("POST", "/rest/v1.0/projects/{project_id}/rfis"),
        ("GET", "/rest/v1.0/projects/{project_id}/rfis/{rfi_id}"),
        ("PATCH", "/rest/v1.0/projects/{project_id}/rfis/{rfi_id}"),
        ("GET", "/rest/v1.0/projects/{project_id}/rfis/{rfi_id}/replies"),
        ("POST", "/rest/v1.0/projects/{project_id}/rfis/{rfi_id}/replies"),
        ("GET", "/rest/v1.0/projects/{a_project}/rfis/{rfi_id}"),
        ("PATCH", "/rest/v1.0/projects/{a_project}/rfis/{rfi_id}"),
        ("GET", "/rest/v1.0/vendors?company_id={company_id}"),
        ("POST", "/rest/v1.0/vendors?company_id={company_id}"),
        ("PATCH", "/rest/v1.0/companies/{company_id}/uoms/sync"),
        (
            "GET",
            "/rest/v2.0/companies/{company_id}/projects/{project_id}/budget_change_history",
        ),
    ];
    for (m, p) in rest {
        routes.push((m.parse().unwrap(), p.to_string()));
    }
    let fill = |p: &str| {
        p.replace("{company_id}", &w.b.to_string())
            .replace("{install_id}", &w.install_b.to_string())
            .replace("{project_id}", &w.b1.to_string())
            .replace("{a_project}", &w.a1.to_string())
            .replace("{user_id}", &b_admin_id.to_string())
            .replace("{rfi_id}", &rfi.to_string())
            .replace("{id}", &folder.to_string())
            .replace("{app_id}", &w.app.app_id.to_string())
            .replace("{version_id}", "1")
            .replace("{update_id}", "1")
            .replace("{secret_id}", "1")
            .replace("{environment}", "production")
    };
    let bodies = json!({"name": "Hacked", "folder": {"name": "Hacked"}, "file": {"name": "Hacked", "data": "x"},
        "rfi": {"subject": "Hacked", "question": {"body": "x"}, "rfi_manager_id": 1}, "updates": [{"name": "Hacked"}]});
    let mut checked = 0;
    for (method, template) in &routes {
        let path = fill(template);
        // skip routes that involve no company B id at all (operator actions, own account, marketplace)
        let foreign = template.contains("{company_id}")
            || template.contains("{project_id}")
            || template.contains("{install_id}")
            || template.contains("{id}")
            || template.contains("{rfi_id}")
            || template.contains("{app_id}");
        if !foreign {
            continue;
        }
        for token in [&w.admin_a, &a_only] {
            let body = if *method == Method::GET {
                None
            } else {
                Some(bodies.clone())
            };
            let (status, answer) = call(&app, token, method.clone(), &path, body).await;
            assert!(
                status.is_client_error()
                    && status != StatusCode::CONFLICT
                    && status != StatusCode::UNPROCESSABLE_ENTITY
                    || (status == StatusCode::OK && template.ends_with("/schemas/manifest.json")),
                "{method} {path}: {status} {answer}"
            );
            let text = answer.to_string();
            assert!(
                !text.contains("Beta") && !text.contains("B1"),
                "{method} {path} leaked: {text}"
            );
            checked += 1;
        }
    }
    assert!(checked > 60, "the matrix covered {checked} calls");
    assert_eq!(snapshot(&app.db_url).await, before, "no foreign write changed anything");
}
