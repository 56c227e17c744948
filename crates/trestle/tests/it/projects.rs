//! Projects can be managed (change, deactivate, delete, bulk create), the operator lists
//! companies and people, and people join a company by invitation to their e-mail address.

use crate::support::{expect, ids, on_both_backends, snapshot, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

on_both_backends!(
    projects_can_be_changed_deactivated_and_reactivated,
    projects_are_deleted_only_when_nothing_depends_on_them,
    bulk_create_is_all_or_nothing,
    operator_lists_companies_and_people,
    invitations_by_email_reveal_nothing_about_outsiders,
    unlisted_apps_stay_invisible_to_company_admins,
    new_routes_are_tenant_isolated,
    an_inactive_project_is_not_found_even_for_a_company_admin,
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

async fn patch(app: &TestApp, token: &str, path: &str, body: Value, want: StatusCode) -> Value {
    let res = app.patch(path).bearer_auth(token).json(&body).send().await.unwrap();
    expect(res, want).await
}

fn paths(e: &Value) -> Vec<String> {
    e["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap().to_string())
        .collect()
}

async fn projects_can_be_changed_deactivated_and_reactivated(app: TestApp) {
    let w = app.world().await;
    let base = format!("/api/v1/companies/{}/projects", w.a);
    let made = app
        .api_post(
            &w.admin_a,
            &base,
            json!({"name": " Harbor Tower ", "project_number": "HT-1", "address": "1 Pier Way", "city": "Oakland",
                   "state_code": "ca", "country_code": "us", "zip": "94607"}),
            StatusCode::CREATED,
        )
        .await;
    let id = made["id"].as_i64().unwrap();
    assert_eq!(made["name"], "Harbor Tower");
    assert_eq!(
        (made["state_code"].as_str(), made["country_code"].as_str()),
        (Some("CA"), Some("US"))
    );
    assert_eq!(
        (made["address"].as_str(), made["zip"].as_str()),
        (Some("1 Pier Way"), Some("94607"))
    );
    let one = format!("{base}/{id}");
    let got = app.api_get(&w.admin_a, &one, StatusCode::OK).await;
    assert_eq!(got, made);
    // change some fields, clear one, keep the rest
    let changed = patch(
        &app,
        &w.admin_a,
        &one,
        json!({"name": "Harbor Tower East", "project_number": null, "city": "Alameda"}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["name"], "Harbor Tower East");
    assert_eq!(changed["project_number"], Value::Null);
    assert_eq!(
        (changed["city"].as_str(), changed["zip"].as_str()),
        (Some("Alameda"), Some("94607"))
    );
    // every bad field is named; nothing changes
    let e = patch(
        &app,
        &w.admin_a,
        &one,
        json!({"name": "", "city": "a\u{0}b", "country_code": "USA", "zip": "9".repeat(21)}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(paths(&e), ["$.name", "$.city", "$.zip", "$.country_code"], "{e}");
    let e = patch(
        &app,
        &w.admin_a,
        &one,
        json!({"name": "x".repeat(201)}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(e["errors"][0]["reason"].as_str().unwrap().contains("200"), "{e}");
    assert_eq!(
        app.api_get(&w.admin_a, &one, StatusCode::OK).await["name"],
        "Harbor Tower East"
    );
    // deactivate a project the app may work in: it leaves every list and the app's access ends
    let token = app.token(&w.app).await;
    let rest_list = format!("/rest/v1.0/projects?company_id={}", w.a);
    let (_, before) = call(&app, &token, Method::GET, &rest_list, None).await;
    assert!(ids(&before).contains(&w.a1));
    let off = patch(
        &app,
        &w.admin_a,
        &format!("{base}/{}", w.a1),
        json!({"active": false}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(off["active"], false);
    let (_, after) = call(&app, &token, Method::GET, &rest_list, None).await;
    assert!(!ids(&after).contains(&w.a1), "{after}");
    let (s, _) = call(
        &app,
        &token,
        Method::GET,
        &format!("/rest/v1.0/folders?project_id={}", w.a1),
        None,
    )
    .await;
    assert!(s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND, "{s}");
    let listed = app.api_get(&w.admin_a, &base, StatusCode::OK).await;
    assert!(!ids(&listed).contains(&w.a1));
    let inactive = app
        .api_get(&w.admin_a, &format!("{base}?status=inactive"), StatusCode::OK)
        .await;
    assert_eq!(ids(&inactive), vec![w.a1]);
    let all = app
        .api_get(&w.admin_a, &format!("{base}?status=all&query=harbor"), StatusCode::OK)
        .await;
    assert_eq!(ids(&all), vec![id]);
    app.api_get(
        &w.admin_a,
        &format!("{base}?status=sleeping"),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    // reactivated: the app works there again, with its permissions kept
    patch(
        &app,
        &w.admin_a,
        &format!("{base}/{}", w.a1),
        json!({"active": true}),
        StatusCode::OK,
    )
    .await;
    let (s, _) = call(
        &app,
        &token,
        Method::GET,
        &format!("/rest/v1.0/folders?project_id={}", w.a1),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let audit = app
        .api_get(&w.admin_a, &format!("/api/v1/companies/{}/audit", w.a), StatusCode::OK)
        .await;
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in ["project.update", "project.deactivate", "project.reactivate"] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
}

async fn projects_are_deleted_only_when_nothing_depends_on_them(app: TestApp) {
    let w = app.world().await;
    let base = format!("/api/v1/companies/{}/projects", w.a);
    // a1 is permitted to the app: refused, with the reason
    let e = app
        .api_delete(&w.admin_a, &format!("{base}/{}", w.a1), StatusCode::CONFLICT)
        .await;
    let m = e["message"].as_str().unwrap();
    assert!(m.contains("app(s) permitted") && m.contains("deactivate"), "{e}");
    // a member
    let (member, member_token) = app.person("m@example.com", "Morgan").await;
    app.join(&w.admin_a, w.a, "m@example.com", &member_token).await;
    app.api_post(
        &w.admin_a,
        &format!("/api/v1/companies/{}/projects/{}/users", w.a, w.a3),
        json!({"user_id": member}),
        StatusCode::NO_CONTENT,
    )
    .await;
    let e = app
        .api_delete(&w.admin_a, &format!("{base}/{}", w.a3), StatusCode::CONFLICT)
        .await;
    assert!(e["message"].as_str().unwrap().contains("1 member(s)"), "{e}");
    // a document
    let p = app.project(&w.admin_a, w.a, "With plans").await;
    let token = app.token(&w.app).await;
    app.api_post(
        &w.admin_a,
        &format!("/api/v1/companies/{}/installs/{}/permitted_projects", w.a, w.install_a),
        json!({"project_ids": [p]}),
        StatusCode::OK,
    )
    .await;
    let (s, _) = call(
        &app,
        &token,
        Method::POST,
        &format!("/rest/v1.0/folders?project_id={p}"),
        Some(json!({"folder": {"name": "Plans"}})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    app.api_delete(
        &w.admin_a,
        &format!(
            "/api/v1/companies/{}/installs/{}/permitted_projects/{p}",
            w.a, w.install_a
        ),
        StatusCode::NO_CONTENT,
    )
    .await;
    let e = app
        .api_delete(&w.admin_a, &format!("{base}/{p}"), StatusCode::CONFLICT)
        .await;
    assert!(e["message"].as_str().unwrap().contains("1 document(s)"), "{e}");
    // an empty project goes; then it is not found
    let empty = app.project(&w.admin_a, w.a, "Empty").await;
    app.api_delete(&w.admin_a, &format!("{base}/{empty}"), StatusCode::NO_CONTENT)
        .await;
    app.api_get(&w.admin_a, &format!("{base}/{empty}"), StatusCode::NOT_FOUND)
        .await;
    app.api_delete(&w.admin_a, &format!("{base}/{empty}"), StatusCode::NOT_FOUND)
        .await;
    let audit = app
        .api_get(&w.admin_a, &format!("/api/v1/companies/{}/audit", w.a), StatusCode::OK)
        .await;
    assert!(audit
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "project.delete"));
}

/// How many projects the company has, of any status.
async fn total(app: &TestApp, admin: &str, c: i64) -> i64 {
    let res = app
        .get(&format!("/api/v1/companies/{c}/projects?per_page=1&status=all"))
        .bearer_auth(admin)
        .send()
        .await
        .unwrap();
    res.headers()["total"].to_str().unwrap().parse().unwrap()
}

async fn bulk_create_is_all_or_nothing(app: TestApp) {
    let (c, admin) = app.company("Big Co").await;
    let bulk = format!("/api/v1/companies/{c}/projects/bulk");
    // one bad item among many: every problem named with its path, nothing created
    let mut items: Vec<Value> = (0..10).map(|i| json!({"name": format!("P{i}")})).collect();
    items[3] = json!({"name": "  "});
    items[7] = json!({"name": "ok", "country_code": "Narnia"});
    let e = app
        .api_post(
            &admin,
            &bulk,
            json!({"projects": items}),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(paths(&e), ["$.projects[3].name", "$.projects[7].country_code"], "{e}");
    assert_eq!(total(&app, &admin, c).await, 0);
    // empty and over the limit
    let e = app
        .api_post(&admin, &bulk, json!({"projects": []}), StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(paths(&e), ["$.projects"]);
    let over: Vec<Value> = (0..1001).map(|i| json!({"name": format!("P{i}")})).collect();
    let e = app
        .api_post(
            &admin,
            &bulk,
            json!({"projects": over}),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(e["errors"][0]["reason"].as_str().unwrap().contains("1000"), "{e}");
    assert_eq!(total(&app, &admin, c).await, 0);
    // the maximum in one request, in order
    let full: Vec<Value> = (0..1000)
        .map(|i| json!({"name": format!("Site {i}"), "project_number": format!("S-{i}"), "city": "Lyon", "country_code": "fr"}))
        .collect();
    let made = app
        .api_post(&admin, &bulk, json!({"projects": full}), StatusCode::CREATED)
        .await;
    let made = made["projects"].as_array().unwrap();
    assert_eq!(made.len(), 1000);
    assert_eq!(
        (made[0]["name"].as_str(), made[999]["project_number"].as_str()),
        (Some("Site 0"), Some("S-999"))
    );
    assert_eq!(made[10]["country_code"], "FR");
    assert_eq!(total(&app, &admin, c).await, 1000);
    let audit = app
        .api_get(&admin, &format!("/api/v1/companies/{c}/audit"), StatusCode::OK)
        .await;
    let bulk_rows: Vec<&Value> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "project.bulk_create")
        .collect();
    assert_eq!(bulk_rows.len(), 1);
    assert_eq!(bulk_rows[0]["after"]["count"], 1000);
    // the limits are in the OpenAPI document
    let doc = expect(app.get("/openapi.json").send().await.unwrap(), StatusCode::OK).await;
    let schemas = &doc["components"]["schemas"];
    assert_eq!(schemas["BulkProjects"]["properties"]["projects"]["maxItems"], 1000);
    assert_eq!(schemas["CreateProject"]["properties"]["name"]["maxLength"], 200);
    assert_eq!(schemas["CreateProject"]["properties"]["country_code"]["maxLength"], 2);
    assert_eq!(schemas["InviteIn"]["properties"]["email"]["maxLength"], 254);
}

async fn operator_lists_companies_and_people(app: TestApp) {
    let w = app.world().await;
    let op = app.operator.clone();
    let all = app
        .get("/api/v1/companies?per_page=2")
        .bearer_auth(&op)
        .send()
        .await
        .unwrap();
    let total: i64 = all.headers()["total"].to_str().unwrap().parse().unwrap();
    assert!(total >= 3, "Acme, Beta and the app's sandbox: {total}");
    assert!(all.headers()["link"].to_str().unwrap().contains("rel=\"next\""));
    let acme = app.api_get(&op, "/api/v1/companies?query=ACM", StatusCode::OK).await;
    assert_eq!(ids(&acme), vec![w.a]);
    let people = app
        .api_get(&op, "/api/v1/people?query=admin%40beta", StatusCode::OK)
        .await;
    assert_eq!(people.as_array().unwrap().len(), 1);
    assert_eq!(people[0]["email"], "admin@beta.test");
    let everyone = app.api_get(&op, "/api/v1/people?per_page=1000", StatusCode::OK).await;
    assert!(
        everyone.as_array().unwrap().iter().all(|p| p["kind"] == "person"),
        "no bots: {everyone}"
    );
    // a literal wildcard matches nothing here; a long query is refused
    assert_eq!(
        app.api_get(&op, "/api/v1/people?query=%25", StatusCode::OK).await,
        json!([])
    );
    let long = "q".repeat(201);
    app.api_get(
        &op,
        &format!("/api/v1/people?query={long}"),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    // a person sees their own companies only, and no people
    let mine = app.api_get(&w.admin_b, "/api/v1/companies", StatusCode::OK).await;
    assert_eq!(ids(&mine), vec![w.b]);
    assert_eq!(
        app.api_get(&w.admin_b, "/api/v1/companies?query=acme", StatusCode::OK)
            .await,
        json!([])
    );
    let e = app.api_get(&w.admin_b, "/api/v1/people", StatusCode::FORBIDDEN).await;
    assert_eq!(e["code"], "forbidden");
}

async fn invitations_by_email_reveal_nothing_about_outsiders(app: TestApp) {
    let w = app.world().await;
    let dir = format!("/api/v1/companies/{}/users", w.a);
    let invitations = format!("/api/v1/companies/{}/invitations", w.a);
    let directory_before = app.api_get(&w.admin_a, &dir, StatusCode::OK).await;
    let bot_email = app
        .api_get(
            &w.admin_b,
            &format!("/api/v1/companies/{}/installs/{}", w.b, w.install_b),
            StatusCode::OK,
        )
        .await["bot"]["email"]
        .as_str()
        .unwrap()
        .to_string();
    // Beta's admin (exists, elsewhere), an unknown address and Beta's bot: one answer shape
    let mut answers = Vec::new();
    for email in ["admin@beta.test", "nobody@example.com", bot_email.as_str()] {
        let v = app
            .api_post(
                &w.admin_a,
                &invitations,
                json!({"email": email, "permissions": {"documents": "read_only"}}),
                StatusCode::CREATED,
            )
            .await;
        assert_eq!(v["email"], email.to_lowercase());
        let mut shape = v.as_object().unwrap().clone();
        for k in ["id", "email", "created_at"] {
            shape.remove(k);
        }
        answers.push(Value::Object(shape));
    }
    assert_eq!(answers[0], answers[1], "existing vs unknown");
    assert_eq!(answers[1], answers[2], "unknown vs bot");
    assert_eq!(answers[0]["status"], "pending");
    // nobody joined; the company's log names addresses, never user ids or new people
    assert_eq!(app.api_get(&w.admin_a, &dir, StatusCode::OK).await, directory_before);
    let log = app
        .api_get(&w.admin_a, &format!("/api/v1/companies/{}/audit", w.a), StatusCode::OK)
        .await;
    let text = log.to_string();
    assert!(!text.contains("user.create") && !text.contains("Beta Admin"), "{text}");
    // the old shape by global id is refused, whatever the id
    for id in [1, 999_999] {
        let e = app
            .api_post(
                &w.admin_a,
                &dir,
                json!({"user_id": id}),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        assert_eq!(paths(&e), ["$.user_id"]);
        assert!(e["message"].as_str().unwrap().contains("e-mail"), "{e}");
    }
    // POST /users with an e-mail address is the same invitation
    let (_, pat_token) = app.person("pat@example.com", "Pat").await;
    let via_users = app
        .api_post(
            &w.admin_a,
            &dir,
            json!({"email": "PAT@example.com", "is_admin": true}),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(
        (via_users["email"].as_str(), via_users["is_admin"].as_bool()),
        (Some("pat@example.com"), Some(true))
    );
    let pending = app.api_get(&w.admin_a, &invitations, StatusCode::OK).await;
    assert_eq!(pending.as_array().unwrap().len(), 4);
    // Beta's admin sees the invitation; Pat cannot accept it, the operator cannot either
    let theirs = app.api_get(&w.admin_b, "/api/v1/me/invitations", StatusCode::OK).await;
    assert_eq!(theirs.as_array().unwrap().len(), 1);
    assert_eq!(theirs[0]["company_name"], "Acme");
    let accept = format!("/api/v1/me/invitations/{}/accept", theirs[0]["id"]);
    app.api_post(&pat_token, &accept, json!({}), StatusCode::NOT_FOUND)
        .await;
    app.api_post(&app.operator, &accept, json!({}), StatusCode::FORBIDDEN)
        .await;
    app.api_post(&w.admin_b, &accept, json!({}), StatusCode::OK).await;
    app.api_post(&w.admin_b, &accept, json!({}), StatusCode::NOT_FOUND)
        .await;
    // now Beta's admin is in Acme's directory, with the invited permissions
    let now = app.api_get(&w.admin_a, &dir, StatusCode::OK).await;
    let joined = now
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email_address"] == "admin@beta.test")
        .expect("joined");
    assert_eq!(
        (
            joined["is_admin"].as_bool(),
            joined["permissions"]["documents"].as_str()
        ),
        (Some(false), Some("read_only"))
    );
    // inviting an active member is a conflict (they are in the directory anyway)
    app.api_post(
        &w.admin_a,
        &invitations,
        json!({"email": "admin@beta.test"}),
        StatusCode::CONFLICT,
    )
    .await;
    // the unknown address became a person without credentials: the operator finds them
    let found = app
        .api_get(
            &app.operator,
            "/api/v1/people?query=nobody%40example.com",
            StatusCode::OK,
        )
        .await;
    assert_eq!(found.as_array().unwrap().len(), 1);
    // a pending invitation can be withdrawn; a bad address is refused before anything
    let bot_inv = app.api_get(&w.admin_a, &invitations, StatusCode::OK).await;
    let bot_inv = bot_inv
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["email"] == bot_email.as_str())
        .unwrap()["id"]
        .clone();
    app.api_delete(&w.admin_a, &format!("{invitations}/{bot_inv}"), StatusCode::NO_CONTENT)
        .await;
    app.api_delete(&w.admin_a, &format!("{invitations}/{bot_inv}"), StatusCode::NOT_FOUND)
        .await;
    for bad in ["not-an-address", "a\u{1}@example.com"] {
        let e = app
            .api_post(
                &w.admin_a,
                &invitations,
                json!({"email": bad}),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        assert_eq!(paths(&e), ["$.email"]);
    }
    let e = app
        .api_post(
            &w.admin_a,
            &invitations,
            json!({"email": format!("{}@example.com", "x".repeat(300))}),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(!e.to_string().contains("xxxxxxxxxx"), "the input is not echoed: {e}");
}

async fn unlisted_apps_stay_invisible_to_company_admins(app: TestApp) {
    let w = app.world().await;
    // the world's app is promoted but not published
    let (c, admin) = app.company("Gamma").await;
    let installs = format!("/api/v1/companies/{c}/installs");
    let e1 = app
        .api_post(
            &admin,
            &installs,
            json!({"app_id": w.app.app_id}),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    let e2 = app
        .api_post(
            &admin,
            &installs,
            json!({"app_id": 999_999}),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(e1, e2, "an unlisted app answers like no app");
    let accounts = format!("/api/v1/companies/{c}/service_accounts");
    let body = |app_id: i64| json!({"name": "Legacy", "app_type": "marketplace", "app_id": app_id});
    let (s1, e1) = call(&app, &admin, Method::POST, &accounts, Some(body(w.app.app_id))).await;
    let (s2, e2) = call(&app, &admin, Method::POST, &accounts, Some(body(999_999))).await;
    assert_eq!((s1, &e1), (s2, &e2), "service accounts name only published apps");
    assert_eq!(s1, StatusCode::UNPROCESSABLE_ENTITY, "{e1}");
    // the marketplace does not list it; the App Version ID (the developer's private hand-out) still installs it
    assert_eq!(
        app.api_get(&admin, "/api/v1/marketplace", StatusCode::OK).await,
        json!([])
    );
    app.install(&admin, c, &w.app.app_version_id, &[]).await;
    // published: it can be named
    app.api_post(
        &w.dev,
        &format!("/api/v1/apps/{}/publish", w.app.app_id),
        json!({}),
        StatusCode::OK,
    )
    .await;
    let (s, e) = call(&app, &admin, Method::POST, &accounts, Some(body(w.app.app_id))).await;
    assert!(s.is_success(), "{s} {e}");
}

async fn new_routes_are_tenant_isolated(app: TestApp) {
    let w = app.world().await;
    let inv = app
        .api_post(
            &w.admin_a,
            &format!("/api/v1/companies/{}/invitations", w.a),
            json!({"email": "guest@example.com"}),
            StatusCode::CREATED,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let before = snapshot(&app.db_url).await;
    // B's admin, in B's own company, with A's ids: not found
    let own = |p: String| p;
    let cases = [
        (
            Method::GET,
            own(format!("/api/v1/companies/{}/projects/{}", w.b, w.a1)),
            None,
        ),
        (
            Method::PATCH,
            own(format!("/api/v1/companies/{}/projects/{}", w.b, w.a1)),
            Some(json!({"name": "Hacked"})),
        ),
        (
            Method::PATCH,
            own(format!("/api/v1/companies/{}/projects/{}", w.b, w.a1)),
            Some(json!({"active": false})),
        ),
        (
            Method::DELETE,
            own(format!("/api/v1/companies/{}/projects/{}", w.b, w.a2)),
            None,
        ),
        (
            Method::DELETE,
            own(format!("/api/v1/companies/{}/invitations/{inv}", w.b)),
            None,
        ),
        (
            Method::POST,
            own(format!("/api/v1/me/invitations/{inv}/accept")),
            Some(json!({})),
        ),
    ];
    for (m, p, body) in cases {
        let (s, e) = call(&app, &w.admin_b, m.clone(), &p, body).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{m} {p}: {e}");
        assert!(
            !e.to_string().contains("Acme") && !e.to_string().contains("guest"),
            "{m} {p}: {e}"
        );
    }
    // ... and in A's company: refused as a non-member
    let a = w.a;
    let cases = [
        (Method::GET, format!("/api/v1/companies/{a}/projects/{}", w.a1), None),
        (
            Method::PATCH,
            format!("/api/v1/companies/{a}/projects/{}", w.a1),
            Some(json!({"name": "Hacked"})),
        ),
        (Method::DELETE, format!("/api/v1/companies/{a}/projects/{}", w.a3), None),
        (
            Method::POST,
            format!("/api/v1/companies/{a}/projects/bulk"),
            Some(json!({"projects": [{"name": "Hacked"}]})),
        ),
        (Method::GET, format!("/api/v1/companies/{a}/projects?status=all"), None),
        (
            Method::POST,
            format!("/api/v1/companies/{a}/invitations"),
            Some(json!({"email": "admin@beta.test", "is_admin": true})),
        ),
        (
            Method::POST,
            format!("/api/v1/companies/{a}/users"),
            Some(json!({"email": "admin@beta.test", "is_admin": true})),
        ),
        (Method::GET, format!("/api/v1/companies/{a}/invitations"), None),
        (Method::DELETE, format!("/api/v1/companies/{a}/invitations/{inv}"), None),
    ];
    for (m, p, body) in cases {
        let (s, e) = call(&app, &w.admin_b, m.clone(), &p, body).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{m} {p}: {e}");
        assert!(
            !e.to_string().contains("Acme") && !e.to_string().contains("guest"),
            "{m} {p}: {e}"
        );
    }
    assert_eq!(snapshot(&app.db_url).await, before, "nothing changed");
}

async fn an_inactive_project_is_not_found_even_for_a_company_admin(app: TestApp) {
    use crate::support::Browser;
    use crate::user_oauth::{authorize_path, setup, sign_in_and_approve, CALLBACK};
    let (w, pat) = setup(&app).await;
    // Pat administers company A and signs in to the app: a person's token sees every project
    app.http
        .put(format!("{}/api/v1/companies/{}/users/{pat}", app.url, w.a))
        .bearer_auth(&w.admin_a)
        .json(&json!({"is_admin": true}))
        .send()
        .await
        .unwrap();
    let mut b = Browser::new(&app);
    let code = sign_in_and_approve(&mut b, &authorize_path(&w, "")).await;
    let res = app
        .post("/oauth/token")
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", CALLBACK),
            ("client_id", w.app.client_id.as_str()),
            ("client_secret", w.app.client_secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let t = expect(res, StatusCode::OK).await;
    let token = t["access_token"].as_str().unwrap().to_string();
    let folders = format!("/rest/v1.0/folders?project_id={}", w.a3);
    let (s, _) = call(&app, &token, Method::GET, &folders, None).await;
    assert_eq!(s, StatusCode::OK, "an admin reaches every active project");
    patch(
        &app,
        &w.admin_a,
        &format!("/api/v1/companies/{}/projects/{}", w.a, w.a3),
        json!({"active": false}),
        StatusCode::OK,
    )
    .await;
    let (s, e) = call(&app, &token, Method::GET, &folders, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
    let (_, listed) = call(
        &app,
        &token,
        Method::GET,
        &format!("/rest/v1.0/projects?company_id={}", w.a),
        None,
    )
    .await;
    assert!(!ids(&listed).contains(&w.a3), "{listed}");
    patch(
        &app,
        &w.admin_a,
        &format!("/api/v1/companies/{}/projects/{}", w.a, w.a3),
        json!({"active": true}),
        StatusCode::OK,
    )
    .await;
    let (s, _) = call(&app, &token, Method::GET, &folders, None).await;
    assert_eq!(s, StatusCode::OK);
}
