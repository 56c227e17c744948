//! The shared types against the real server, both ways: `trestle_api::client::Client` sends
//! the request types and reads the response types for each resource group (people,
//! companies, projects, apps → version → promotion → install → list), and what it reads,
//! written back as JSON, is exactly the JSON the server sent.

use crate::support::{dmsa_manifest, on_both_backends, TestApp};
use serde::Serialize;
use serde_json::Value;
use trestle_api::apps::CreateApp;
use trestle_api::client::{Client, Page};
use trestle_api::companies::CreateCompany;
use trestle_api::installs::InstallIn;
use trestle_api::people::CreatePerson;
use trestle_api::projects::{BulkProjects, CreateProject, UpdateProject};
use trestle_api::versions::CreateVersion;

on_both_backends!(the_typed_client_drives_every_resource_group);

/// The server's raw JSON answer to a `GET`.
async fn raw(app: &TestApp, token: &str, path: &str) -> Value {
    let res = app
        .http
        .get(format!("{}{path}", app.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "GET {path}: {}", res.status());
    res.json().await.unwrap()
}

/// A typed answer written back as JSON is what the server sent.
async fn same_as_server(app: &TestApp, token: &str, path: &str, typed: &impl Serialize) {
    assert_eq!(
        serde_json::to_value(typed).unwrap(),
        raw(app, token, path).await,
        "GET {path}"
    );
}

fn project(name: &str) -> CreateProject {
    CreateProject {
        name: name.into(),
        project_number: None,
        address: None,
        city: None,
        state_code: None,
        country_code: None,
        zip: None,
    }
}

async fn the_typed_client_drives_every_resource_group(app: TestApp) {
    let op = Client::new(&app.url, Some(app.operator.clone()));
    assert_eq!(op.me().await.unwrap().kind, "operator");

    // people
    let person = |email: &str, name: &str| CreatePerson {
        email: email.into(),
        name: name.into(),
        password: None,
    };
    let dev = op
        .create_person(&person("typed-dev@example.com", "Typed Dev"))
        .await
        .unwrap();
    let admin = op
        .create_person(&person("typed-admin@example.com", "Typed Admin"))
        .await
        .unwrap();
    assert_eq!(dev.user.kind, "person");
    let page = Page {
        query: Some("typed-dev".into()),
        page: 1,
        per_page: 100,
    };
    let found = op.list_people(&page).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].email, "typed-dev@example.com");
    let dev_c = op.with_token(dev.api_token.clone());
    let admin_c = op.with_token(admin.api_token.clone());
    assert_eq!(dev_c.me().await.unwrap().user.unwrap().id, dev.user.id);

    // companies
    let company = op
        .create_company(&CreateCompany {
            name: "Typed Builders".into(),
            admin_user_id: admin.user.id,
        })
        .await
        .unwrap();
    let mine = admin_c
        .list_companies(&Page {
            query: None,
            page: 1,
            per_page: 100,
        })
        .await
        .unwrap();
    assert!(mine.iter().any(|c| c.id == company.id && c.name == "Typed Builders"));
    let shown = admin_c.company(company.id).await.unwrap();
    same_as_server(
        &app,
        &admin.api_token,
        &format!("/api/v1/companies/{}", company.id),
        &shown,
    )
    .await;
    let users = admin_c.list_company_users(company.id).await.unwrap();
    assert!(users
        .iter()
        .any(|u| u.id == admin.user.id && u.is_admin && u.kind == "person"));

    // a refusal: the developer is not in the company
    let err = dev_c.company(company.id).await.unwrap_err();
    assert!(err.status().is_some_and(|s| s.is_client_error()), "{err:?}");
    assert!(!err.error_body().expect("the API's error body").code.is_empty());

    // projects
    let p = admin_c
        .create_project(company.id, &project("Typed Tower"))
        .await
        .unwrap();
    let changed = admin_c
        .update_project(
            company.id,
            p.id,
            &UpdateProject {
                city: Some(Some("Oakland".into())),
                ..UpdateProject::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(changed.city.as_deref(), Some("Oakland"));
    assert_eq!(changed.name, "Typed Tower", "an absent field stays");
    let bulk = admin_c
        .bulk_create_projects(
            company.id,
            &BulkProjects {
                projects: vec![project("Typed A"), project("Typed B")],
            },
        )
        .await
        .unwrap();
    assert_eq!(bulk.projects.len(), 2);
    let page = Page {
        query: None,
        page: 1,
        per_page: 100,
    };
    let listed = admin_c.list_projects(company.id, None, &page).await.unwrap();
    assert_eq!(listed.len(), 3);
    same_as_server(
        &app,
        &admin.api_token,
        &format!("/api/v1/companies/{}/projects?page=1&per_page=100", company.id),
        &listed,
    )
    .await;

    // apps → version → promotion
    let created = dev_c
        .create_app(&CreateApp {
            name: "Typed Sync".into(),
        })
        .await
        .unwrap();
    assert!(!created.sandbox.warning.is_empty());
    let app_id = created.app.id;
    let v = dev_c
        .create_version(
            app_id,
            &CreateVersion {
                version: "1.0.0".into(),
                manifest: dmsa_manifest(),
            },
        )
        .await
        .unwrap();
    assert_eq!(v.status, "ready_for_testing");
    let promoted = dev_c.promote_version(app_id, v.id).await.unwrap();
    assert_eq!(promoted.version.status, "promoted");
    assert!(
        promoted.credentials.is_some(),
        "the first promotion creates the credentials"
    );
    let versions = dev_c.list_versions(app_id).await.unwrap();
    same_as_server(
        &app,
        &dev.api_token,
        &format!("/api/v1/apps/{app_id}/versions"),
        &versions,
    )
    .await;
    let clients = dev_c.list_credentials(app_id).await.unwrap();
    let mut envs: Vec<&str> = clients.iter().map(|c| c.environment.as_str()).collect();
    envs.sort();
    assert_eq!(envs, ["production", "sandbox"]);
    same_as_server(
        &app,
        &dev.api_token,
        &format!("/api/v1/apps/{app_id}/credentials"),
        &clients,
    )
    .await;

    // install → list
    let install = admin_c
        .install_app(
            company.id,
            &InstallIn {
                app_version_id: promoted.version.app_version_id.clone().unwrap(),
                app_id: None,
                permitted_project_ids: vec![p.id],
                add_to_new_projects: false,
            },
        )
        .await
        .unwrap();
    assert_eq!(install.status, "installed");
    assert_eq!(install.app.id, app_id);
    assert_eq!(install.permitted_project_ids, vec![p.id]);
    let installs = admin_c.list_installs(company.id).await.unwrap();
    assert_eq!(installs.len(), 1);
    assert_eq!(installs[0].id, install.id);
    same_as_server(
        &app,
        &admin.api_token,
        &format!("/api/v1/companies/{}/installs", company.id),
        &installs,
    )
    .await;
    let users = admin_c.list_company_users(company.id).await.unwrap();
    assert!(users.iter().any(|u| u.id == install.bot.id && u.kind == "bot"));
    let audit = admin_c.company_audit(company.id).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "app.install"), "{audit:?}");
}
