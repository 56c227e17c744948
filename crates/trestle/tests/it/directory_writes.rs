//! Procore's Directory and project writes land in Trestle's own model: a company user created
//! over REST is in the company directory every version lists (and the management API's), a
//! project user is in the project's, a project created or changed over REST is in the project
//! lists — with the fields Procore sends kept, behind the tool levels the catalog names, with
//! replays of an `Idempotency-Token`, and nothing of another company.

use crate::support::{app_with_permissions, on_both_backends, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_backends!(
    directory_writes_land_in_the_directory,
    project_writes_land_in_the_project_lists
);

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    token: &str,
    company: i64,
    path: &str,
    body: Option<Value>,
    idem: Option<&str>,
) -> (StatusCode, Value) {
    let mut req = app
        .http
        .request(method, format!("{}{path}", app.url))
        .bearer_auth(token)
        .header("Procore-Company-Id", company.to_string());
    if let Some(b) = body {
        req = req.json(&b);
    }
    if let Some(t) = idem {
        req = req.header("Idempotency-Token", t);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn find(list: &Value, id: i64) -> Option<&Value> {
    list.as_array().unwrap().iter().find(|u| u["id"] == id)
}

async fn directory_writes_land_in_the_directory(app: TestApp) {
    use reqwest::Method as M;
    let (_, dev) = app.person("dev@example.com", "Dev").await;
    let (a, admin) = app.company("Acme").await;
    let (b, admin_b) = app.company("Beta").await;
    let a1 = app.project(&admin, a, "A1").await;
    let a2 = app.project(&admin, a, "A2").await;
    let perms = |c: &str, p: &str| json!({"company": {"directory": c}, "project": {"directory": p}});
    let hr = app_with_permissions(&app, &dev, &admin, a, &[a1], "HR", perms("admin", "standard")).await;
    let reader = app_with_permissions(&app, &dev, &admin, a, &[a1], "Reader", perms("standard", "read_only")).await;
    app_with_permissions(&app, &dev, &admin_b, b, &[], "HR", perms("admin", "standard")).await;

    // create, in the v1.3 shape (Procore documents it as multipart; JSON works the same)
    let body = json!({"user": {"email_address": "Pat.Jones@Example.com", "first_name": "Pat", "last_name": "Jones",
                               "job_title": "Superintendent", "mobile_phone": "555-0100", "is_employee": true}});
    let (s, pat) = send(
        &app,
        M::POST,
        &hr,
        a,
        &format!("/rest/v1.3/companies/{a}/users"),
        Some(body.clone()),
        Some("t-1"),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{pat}");
    let pat_id = pat["id"].as_i64().unwrap();
    assert_eq!(pat["email_address"], "pat.jones@example.com");
    assert_eq!(
        (
            pat["name"].as_str(),
            pat["job_title"].as_str(),
            pat["mobile_phone"].as_str()
        ),
        (Some("Pat Jones"), Some("Superintendent"), Some("555-0100")),
        "{pat}"
    );
    assert_eq!(pat["is_active"], true);
    // a replay answers the first answer; the same address again is refused
    let (s, again) = send(
        &app,
        M::POST,
        &hr,
        a,
        &format!("/rest/v1.3/companies/{a}/users"),
        Some(body.clone()),
        Some("t-1"),
    )
    .await;
    assert_eq!((s, again["id"].as_i64()), (StatusCode::OK, Some(pat_id)), "{again}");
    let (s, dup) = send(
        &app,
        M::POST,
        &hr,
        a,
        &format!("/rest/v1.0/companies/{a}/users"),
        Some(body.clone()),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{dup}");
    assert!(dup.to_string().contains("already in the company directory"), "{dup}");
    // every version's list and show, and the management API's directory, have Pat
    for v in ["v1.0", "v1.1", "v1.2", "v1.3"] {
        let (s, list) = send(
            &app,
            M::GET,
            &reader,
            a,
            &format!("/rest/{v}/companies/{a}/users?per_page=100"),
            None,
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(find(&list, pat_id), Some(&pat), "{v}: {list}");
        let (s, one) = send(
            &app,
            M::GET,
            &reader,
            a,
            &format!("/rest/{v}/companies/{a}/users/{pat_id}"),
            None,
            None,
        )
        .await;
        assert_eq!((s, &one), (StatusCode::OK, &pat), "{v}");
    }
    let managed = app
        .api_get(
            &admin,
            &format!("/api/v1/companies/{a}/users?per_page=100"),
            StatusCode::OK,
        )
        .await;
    assert!(managed.to_string().contains("pat.jones@example.com"), "{managed}");

    // update: the profile merges, is_active moves the membership, the login stays
    let (s, up) = send(&app, M::PATCH, &hr, a, &format!("/rest/v1.3/companies/{a}/users/{pat_id}"),
        Some(json!({"user": {"email_address": "pat.jones@example.com", "last_name": "Jones-Smith", "city": "Austin", "is_active": false}})), None).await;
    assert_eq!(s, StatusCode::OK, "{up}");
    assert_eq!(
        (
            up["name"].as_str(),
            up["city"].as_str(),
            up["mobile_phone"].as_str(),
            up["is_active"].as_bool()
        ),
        (Some("Pat Jones-Smith"), Some("Austin"), Some("555-0100"), Some(false)),
        "{up}"
    );
    let (_, inactive) = send(
        &app,
        M::GET,
        &reader,
        a,
        &format!("/rest/v1.0/companies/{a}/users/inactive"),
        None,
        None,
    )
    .await;
    assert!(find(&inactive, pat_id).is_some(), "{inactive}");
    let (s, login) = send(
        &app,
        M::PATCH,
        &hr,
        a,
        &format!("/rest/v1.0/companies/{a}/users/{pat_id}"),
        Some(json!({"user": {"email_address": "someone.else@example.com", "last_name": "X"}})),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{login}");
    assert!(login.to_string().contains("email_address"), "{login}");
    // bad input lists its problems; nothing is written
    let (s, bad) = send(
        &app,
        M::POST,
        &hr,
        a,
        &format!("/rest/v1.3/companies/{a}/users"),
        Some(json!({"user": {"first_name": 7}})),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    assert!(
        bad.to_string().contains("email_address") && bad.to_string().contains("last_name"),
        "{bad}"
    );

    // levels: company user writes need admin on the company Directory
    let (s, _) = send(
        &app,
        M::POST,
        &reader,
        a,
        &format!("/rest/v1.3/companies/{a}/users"),
        Some(json!({"user": {"email_address": "x@example.com", "last_name": "X"}})),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = send(
        &app,
        M::PATCH,
        &reader,
        a,
        &format!("/rest/v1.3/companies/{a}/users/{pat_id}"),
        Some(json!({"user": {"email_address": "pat.jones@example.com", "last_name": "X"}})),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Beta's HR cannot touch Acme's people, nor learn whether they exist
    let beta_admin = app.api_get(&admin_b, "/api/v1/me", StatusCode::OK).await["user"]["id"]
        .as_i64()
        .unwrap();
    let (s, body) = send(
        &app,
        M::PATCH,
        &hr,
        a,
        &format!("/rest/v1.3/companies/{a}/users/{beta_admin}"),
        Some(json!({"user": {"email_address": "x@example.com", "last_name": "X"}})),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
    let (s, _) = send(
        &app,
        M::POST,
        &hr,
        b,
        &format!("/rest/v1.3/companies/{b}/users"),
        Some(json!({"user": {"email_address": "y@example.com", "last_name": "Y"}})),
        None,
    )
    .await;
    assert!(matches!(s, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{s}");
    // the bot's own entry is not editable by hand
    let (_, list) = send(
        &app,
        M::GET,
        &reader,
        a,
        &format!("/rest/v1.0/companies/{a}/users?per_page=100"),
        None,
        None,
    )
    .await;
    let bot = list.as_array().unwrap().iter().find(|u| u["is_dmsa"] == true).unwrap()["id"]
        .as_i64()
        .unwrap();
    let (s, refused) = send(
        &app,
        M::PATCH,
        &hr,
        a,
        &format!("/rest/v1.3/companies/{a}/users/{bot}"),
        Some(json!({"user": {"last_name": "Renamed"}})),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");

    // project users: a new person lands in the company and the project directory
    let (s, sam) = send(&app, M::POST, &hr, a, &format!("/rest/v1.0/projects/{a1}/users"),
        Some(json!({"user": {"email_address": "sam@example.com", "first_name": "Sam", "last_name": "Lee", "business_phone": "555-0199"}})), None).await;
    assert_eq!(s, StatusCode::CREATED, "{sam}");
    let sam_id = sam["id"].as_i64().unwrap();
    let (_, members) = send(
        &app,
        M::GET,
        &reader,
        a,
        &format!("/rest/v1.0/projects/{a1}/users?per_page=100"),
        None,
        None,
    )
    .await;
    assert_eq!(
        find(&members, sam_id).map(|u| &u["business_phone"]),
        Some(&json!("555-0199")),
        "{members}"
    );
    let (_, company) = send(
        &app,
        M::GET,
        &reader,
        a,
        &format!("/rest/v1.0/companies/{a}/users?per_page=100"),
        None,
        None,
    )
    .await;
    assert!(find(&company, sam_id).is_some());
    // Pat, already in the company, joins the project; twice is refused
    let (s, _) = send(
        &app,
        M::POST,
        &hr,
        a,
        &format!("/rest/v1.0/projects/{a1}/users"),
        Some(json!({"user": {"email_address": "pat.jones@example.com", "last_name": "Jones"}})),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = send(
        &app,
        M::POST,
        &hr,
        a,
        &format!("/rest/v1.0/projects/{a1}/users"),
        Some(json!({"user": {"email_address": "pat.jones@example.com", "last_name": "Jones"}})),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, sam2) = send(
        &app,
        M::PATCH,
        &hr,
        a,
        &format!("/rest/v1.0/projects/{a1}/users/{sam_id}"),
        Some(json!({"user": {"job_title": "Foreman"}})),
        None,
    )
    .await;
    assert_eq!(
        (s, sam2["job_title"].as_str()),
        (StatusCode::OK, Some("Foreman")),
        "{sam2}"
    );
    // a project the app may not touch, a read-only level
    let (s, _) = send(
        &app,
        M::POST,
        &hr,
        a,
        &format!("/rest/v1.0/projects/{a2}/users"),
        Some(json!({"user": {"email_address": "z@example.com", "last_name": "Z"}})),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = send(
        &app,
        M::POST,
        &reader,
        a,
        &format!("/rest/v1.0/projects/{a1}/users"),
        Some(json!({"user": {"email_address": "z@example.com", "last_name": "Z"}})),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = send(
        &app,
        M::PATCH,
        &hr,
        a,
        &format!("/rest/v1.0/projects/{a2}/users/{sam_id}"),
        Some(json!({"user": {"job_title": "X"}})),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // every change is in the company's audit log
    let audit = app
        .api_get(
            &admin,
            &format!("/api/v1/companies/{a}/audit?per_page=100"),
            StatusCode::OK,
        )
        .await;
    let text = audit.to_string();
    for action in ["company_user.add", "company_user.update", "project_user.add"] {
        assert!(text.contains(action), "{action}: {text}");
    }
}

async fn project_writes_land_in_the_project_lists(app: TestApp) {
    use reqwest::Method as M;
    let (_, dev) = app.person("dev@example.com", "Dev").await;
    let (a, admin) = app.company("Acme").await;
    let (b, _admin_b) = app.company("Beta").await;
    let a1 = app.project(&admin, a, "A1").await;
    let pm = app_with_permissions(
        &app,
        &dev,
        &admin,
        a,
        &[a1],
        "PM",
        json!({"company": {"portfolio": "standard"}, "project": {"home": "read_only"}}),
    )
    .await;
    let viewer = app_with_permissions(
        &app,
        &dev,
        &admin,
        a,
        &[a1],
        "Viewer",
        json!({"company": {"portfolio": "read_only"}, "project": {"home": "read_only"}}),
    )
    .await;
    let body = json!({"company_id": a, "project": {"name": "Tower", "project_number": "T-1", "city": "Austin",
                      "description": "Forty floors", "total_value": 1250000.5, "start_date": "2027-01-04"}});
    let (s, tower) = send(
        &app,
        M::POST,
        &pm,
        a,
        "/rest/v1.0/projects",
        Some(body.clone()),
        Some("p-1"),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{tower}");
    let id = tower["id"].as_i64().unwrap();
    assert_eq!(
        (
            tower["display_name"].as_str(),
            tower["description"].as_str(),
            tower["total_value"].as_f64()
        ),
        (Some("T-1 - Tower"), Some("Forty floors"), Some(1250000.5)),
        "{tower}"
    );
    let (s, replay) = send(&app, M::POST, &pm, a, "/rest/v1.0/projects", Some(body), Some("p-1")).await;
    assert_eq!((s, replay["id"].as_i64()), (StatusCode::OK, Some(id)));
    // the company's lists have it once (the management API's too); show answers it
    let listed = app
        .api_get(
            &admin,
            &format!("/api/v1/companies/{a}/projects?per_page=100"),
            StatusCode::OK,
        )
        .await;
    assert_eq!(listed.to_string().matches("Tower").count(), 1, "{listed}");
    let (s, shown) = send(
        &app,
        M::GET,
        &viewer,
        a,
        &format!("/rest/v1.0/projects/{id}?company_id={a}"),
        None,
        None,
    )
    .await;
    assert_eq!((s, &shown), (StatusCode::OK, &tower));
    // update merges the details and changes the columns
    let (s, up) = send(
        &app,
        M::PATCH,
        &pm,
        a,
        &format!("/rest/v1.0/projects/{id}"),
        Some(json!({"company_id": a, "project": {"name": "Tower One", "flag": "Green"}})),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{up}");
    assert_eq!(
        (up["name"].as_str(), up["flag"].as_str(), up["description"].as_str()),
        (Some("Tower One"), Some("Green"), Some("Forty floors")),
        "{up}"
    );
    // bad input: every problem, nothing written
    let (s, bad) = send(
        &app,
        M::POST,
        &pm,
        a,
        "/rest/v1.0/projects",
        Some(json!({"company_id": a, "project": {"flag": "Purple"}})),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    assert!(
        bad.to_string().contains("name") && bad.to_string().contains("flag"),
        "{bad}"
    );
    // levels and tenants
    let (s, _) = send(
        &app,
        M::POST,
        &viewer,
        a,
        "/rest/v1.0/projects",
        Some(json!({"company_id": a, "project": {"name": "Nope"}})),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = send(
        &app,
        M::PATCH,
        &viewer,
        a,
        &format!("/rest/v1.0/projects/{id}"),
        Some(json!({"company_id": a, "project": {"name": "Nope"}})),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = send(
        &app,
        M::POST,
        &pm,
        b,
        "/rest/v1.0/projects",
        Some(json!({"company_id": b, "project": {"name": "Elsewhere"}})),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = send(
        &app,
        M::GET,
        &pm,
        b,
        &format!("/rest/v1.0/projects/{id}?company_id={b}"),
        None,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let listed = app
        .api_get(
            &admin,
            &format!("/api/v1/companies/{a}/projects?per_page=100"),
            StatusCode::OK,
        )
        .await;
    assert!(
        !listed.to_string().contains("Nope") && !listed.to_string().contains("Elsewhere"),
        "{listed}"
    );
}
