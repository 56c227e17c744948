//! A traditional service account is not an app's bot: the REST Directory (company and project
//! users), the management API's directory and the web UI's directory each show it as a
//! service account (`is_dmsa` false, its own job title), next to a real DMSA bot and a person.

use crate::support::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_backends!(service_accounts_are_not_shown_as_dmsa_bots);

const PASSWORD: &str = "a long enough password";

fn by_id(list: &Value, id: i64) -> Value {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .find(|u| u["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("no user {id} in {list}"))
}

async fn service_accounts_are_not_shown_as_dmsa_bots(app: TestApp) {
    let admin = app
        .api_post(
            &app.operator,
            "/api/v1/people",
            json!({"email": "admin@kinds.test", "name": "Kim Admin", "password": PASSWORD}),
            StatusCode::CREATED,
        )
        .await;
    let (admin_id, admin_token) = (
        admin["user"]["id"].as_i64().unwrap(),
        admin["api_token"].as_str().unwrap().to_string(),
    );
    let c = app
        .api_post(
            &app.operator,
            "/api/v1/companies",
            json!({"name": "Kinds", "admin_user_id": admin_id}),
            StatusCode::CREATED,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let project = app.project(&admin_token, c, "P1").await;
    let (_, dev) = app.person("dev@kinds.test", "Dev").await;
    let dmsa = app.promoted_app(&dev, "Kinds Sync").await;
    let install = app.install(&admin_token, c, &dmsa.app_version_id, &[project]).await;
    let bot_id = app
        .api_get(
            &admin_token,
            &format!("/api/v1/companies/{c}/installs/{install}"),
            StatusCode::OK,
        )
        .await["bot"]["id"]
        .as_i64()
        .unwrap();

    // a traditional service account with the Directory tool, in the project too
    let base = format!("/api/v1/companies/{c}/service_accounts");
    let created = app
        .api_post(
            &admin_token,
            &base,
            json!({"name": "Legacy ERP", "app_type": "custom"}),
            StatusCode::CREATED,
        )
        .await;
    let sa = created["account"]["id"].as_i64().unwrap();
    let contact = created["account"]["user_id"].as_i64().unwrap();
    let res = app
        .http
        .put(format!("{}{base}/{sa}/permissions", app.url))
        .bearer_auth(&admin_token)
        .json(&json!({"permissions": {"directory": "read_only"}}))
        .send()
        .await
        .unwrap();
    expect(res, StatusCode::NO_CONTENT).await;
    app.api_post(
        &admin_token,
        &format!("{base}/{sa}/projects"),
        json!({"project_id": project, "permissions": {"directory": "read_only"}}),
        StatusCode::NO_CONTENT,
    )
    .await;
    let sa_token = {
        let res = app
            .post("/oauth/token")
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", created["account"]["client_id"].as_str().unwrap()),
                ("client_secret", created["client_secret"].as_str().unwrap()),
            ])
            .send()
            .await
            .unwrap();
        expect(res, StatusCode::OK).await["access_token"]
            .as_str()
            .unwrap()
            .to_string()
    };

    // REST Directory: company users (read by the DMSA app) and project users (read by the
    // service account itself)
    let dmsa_token = app.token(&dmsa).await;
    let rest = |token: String, path: String| {
        let app = &app;
        async move {
            let res = app
                .get(&path)
                .bearer_auth(&token)
                .header("Procore-Company-Id", c.to_string())
                .send()
                .await
                .unwrap();
            expect(res, StatusCode::OK).await
        }
    };
    let company_users = rest(dmsa_token.clone(), format!("/rest/v1.0/companies/{c}/users")).await;
    let project_users = rest(sa_token, format!("/rest/v1.0/projects/{project}/users")).await;
    for list in [&company_users, &project_users] {
        let s = by_id(list, contact);
        assert_eq!(s["is_dmsa"], false, "{s}");
        assert_eq!(s["job_title"], "Service account", "{s}");
        assert_eq!(s["is_employee"], false, "{s}");
        assert_eq!(s["name"], "Legacy ERP", "{s}");
        let b = by_id(list, bot_id);
        assert_eq!(b["is_dmsa"], true, "{b}");
        assert_eq!(b["job_title"], "DMSA app user", "{b}");
    }
    let a = by_id(&company_users, admin_id);
    assert_eq!(
        (a["is_dmsa"].clone(), a["is_employee"].clone()),
        (json!(false), json!(true))
    );

    // management API: the company directory names the kind
    let dir = app
        .api_get(&admin_token, &format!("/api/v1/companies/{c}/users"), StatusCode::OK)
        .await;
    assert_eq!(by_id(&dir, contact)["kind"], "service_account");
    assert_eq!(by_id(&dir, bot_id)["kind"], "bot");
    assert_eq!(by_id(&dir, admin_id)["kind"], "person");

    // web UI: the directory page shows a service-account badge on its row, not "Bot"
    let mut b = Browser::new(&app);
    let page = b.get("/ui/login").await.text().await.unwrap();
    let csrf = field(&page, "csrf");
    let res = b
        .post(
            "/ui/login",
            &[
                ("csrf", &csrf),
                ("next", "/ui"),
                ("email", "admin@kinds.test"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = b.get(&format!("/ui/companies/{c}/directory")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    let row = |needle: &str| {
        let at = html.find(needle).unwrap_or_else(|| panic!("no {needle} in {html}"));
        let end = at + html[at..].find("</tr>").unwrap();
        html[at..end].to_string()
    };
    let sa_row = row("@service.trestle.invalid");
    assert!(
        sa_row.contains("Service account") && !sa_row.contains(">Bot<"),
        "{sa_row}"
    );
    let bot_row = row("@dmsa.trestle.invalid");
    assert!(bot_row.contains(">Bot<"), "{bot_row}");
}
