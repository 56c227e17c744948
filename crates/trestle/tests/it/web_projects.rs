//! The web UI's project management and invitations, over HTTP on both backends.

use crate::support::{location, on_both_backends, TestApp};
use crate::web_ui::{company, csrf_of, person, sign_in};
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(
    projects_are_managed_through_the_forms,
    people_are_invited_and_accept_through_the_forms,
);

async fn projects_are_managed_through_the_forms(app: TestApp) {
    let (c, admin_id, token) = company(&app, "Delta", "delta-admin@example.com").await;
    let mut admin = sign_in(&app, "delta-admin@example.com").await;
    let csrf = csrf_of(&mut admin).await;
    let list = format!("/ui/companies/{c}/projects");
    let page = admin.get(&list).await.text().await.unwrap();
    assert!(page.contains("New project") && page.contains("No project matches"));
    // create, with an address; names are escaped
    let res = admin
        .post(
            &list,
            &[
                ("csrf", &csrf),
                ("name", "Harbor <Tower>"),
                ("city", "Oakland"),
                ("country_code", "us"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let here = location(&res).split('?').next().unwrap().to_string();
    let id: i64 = here.rsplit('/').next().unwrap().parse().unwrap();
    let api = format!("/api/v1/companies/{c}/projects/{id}");
    let p = app.api_get(&token, &api, StatusCode::OK).await;
    assert_eq!(
        (p["city"].as_str(), p["country_code"].as_str()),
        (Some("Oakland"), Some("US"))
    );
    let page = admin.get(&here).await.text().await.unwrap();
    assert!(page.contains("Harbor &lt;Tower&gt;") && !page.contains("Harbor <Tower>"));
    // a bad field is refused with its reason, and nothing is created
    let res = admin
        .post(&list, &[("csrf", &csrf), ("name", "Other"), ("country_code", "USA")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("country"));
    // change: a blank field clears it
    let res = admin
        .post(
            &here,
            &[("csrf", &csrf), ("name", "Harbor East"), ("city", ""), ("zip", "94607")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let p = app.api_get(&token, &api, StatusCode::OK).await;
    assert_eq!(
        (p["name"].as_str(), p["city"].as_str(), p["zip"].as_str()),
        (Some("Harbor East"), None, Some("94607"))
    );
    // deactivate: gone from the default list, shown under "inactive"; then reactivate
    let res = admin
        .post(&format!("{here}/active"), &[("csrf", &csrf), ("active", "false")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.api_get(&token, &api, StatusCode::OK).await["active"], false);
    assert!(!admin.get(&list).await.text().await.unwrap().contains("Harbor East"));
    let inactive = admin
        .get(&format!("{list}?status=inactive"))
        .await
        .text()
        .await
        .unwrap();
    assert!(inactive.contains("Harbor East"));
    admin
        .post(&format!("{here}/active"), &[("csrf", &csrf), ("active", "true")])
        .await;
    assert_eq!(app.api_get(&token, &api, StatusCode::OK).await["active"], true);
    // a project with a member cannot be deleted: the page says why; an empty one goes
    app.api_post(
        &token,
        &format!("/api/v1/companies/{c}/projects/{id}/users"),
        json!({"user_id": admin_id}),
        StatusCode::NO_CONTENT,
    )
    .await;
    let res = admin.post(&format!("{here}/delete"), &[("csrf", &csrf)]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res.text().await.unwrap().contains("cannot be deleted"));
    let empty = app.project(&token, c, "Empty").await;
    let res = admin.post(&format!("{list}/{empty}/delete"), &[("csrf", &csrf)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    app.api_get(
        &token,
        &format!("/api/v1/companies/{c}/projects/{empty}"),
        StatusCode::NOT_FOUND,
    )
    .await;
    // another company's admin cannot reach these pages
    let (_, _, _) = company(&app, "Echo", "echo-admin@example.com").await;
    let mut other = sign_in(&app, "echo-admin@example.com").await;
    let other_csrf = csrf_of(&mut other).await;
    assert!(other.get(&here).await.status().is_client_error());
    let res = other.post(&here, &[("csrf", &other_csrf), ("name", "Hacked")]).await;
    assert!(res.status().is_client_error());
    assert_eq!(app.api_get(&token, &api, StatusCode::OK).await["name"], "Harbor East");
}

async fn people_are_invited_and_accept_through_the_forms(app: TestApp) {
    let (c, _, token) = company(&app, "Delta", "delta-admin@example.com").await;
    person(&app, "pat@example.com", "Pat Person").await;
    let mut admin = sign_in(&app, "delta-admin@example.com").await;
    let csrf = csrf_of(&mut admin).await;
    let directory = format!("/ui/companies/{c}/directory");
    let page = admin.get(&directory).await.text().await.unwrap();
    assert!(page.contains("Send invitation"));
    let res = admin
        .post(
            &format!("/ui/companies/{c}/invitations"),
            &[("csrf", &csrf), ("email", "Pat@Example.com")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = admin.get(&location(&res)).await.text().await.unwrap();
    assert!(page.contains("once they accept") && page.contains("pat@example.com"));
    assert!(
        !page.contains("Pat Person"),
        "the invitee's name is not shown before they accept"
    );
    // Pat sees and accepts the invitation
    let mut pat = sign_in(&app, "pat@example.com").await;
    let pat_csrf = csrf_of(&mut pat).await;
    let page = pat.get("/ui/invitations").await.text().await.unwrap();
    assert!(page.contains("Delta"));
    let inv = app
        .api_get(&token, &format!("/api/v1/companies/{c}/invitations"), StatusCode::OK)
        .await;
    let inv = inv[0]["id"].as_i64().unwrap();
    // the admin cannot accept it for Pat
    let res = admin
        .post(&format!("/ui/invitations/{inv}/accept"), &[("csrf", &csrf)])
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = pat
        .post(&format!("/ui/invitations/{inv}/accept"), &[("csrf", &pat_csrf)])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let dir = app
        .api_get(&token, &format!("/api/v1/companies/{c}/users"), StatusCode::OK)
        .await;
    assert!(dir
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["email_address"] == "pat@example.com"));
    assert!(admin.get(&directory).await.text().await.unwrap().contains("Pat Person"));
    // withdrawing a pending invitation
    admin
        .post(
            &format!("/ui/companies/{c}/invitations"),
            &[("csrf", &csrf), ("email", "sam@example.com")],
        )
        .await;
    let inv = app
        .api_get(&token, &format!("/api/v1/companies/{c}/invitations"), StatusCode::OK)
        .await;
    let inv = inv[0]["id"].as_i64().unwrap();
    // another company's admin cannot withdraw it, through their own company or this one
    let (e, _, _) = company(&app, "Echo", "echo-admin@example.com").await;
    let mut other = sign_in(&app, "echo-admin@example.com").await;
    let other_csrf = csrf_of(&mut other).await;
    for path in [
        format!("/ui/companies/{e}/invitations/{inv}/cancel"),
        format!("/ui/companies/{c}/invitations/{inv}/cancel"),
    ] {
        let res = other.post(&path, &[("csrf", &other_csrf)]).await;
        assert!(res.status().is_client_error(), "{path}: {}", res.status());
    }
    let still = app
        .api_get(&token, &format!("/api/v1/companies/{c}/invitations"), StatusCode::OK)
        .await;
    assert_eq!(still.as_array().unwrap().len(), 1);
    let res = admin
        .post(
            &format!("/ui/companies/{c}/invitations/{inv}/cancel"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let left = app
        .api_get(&token, &format!("/api/v1/companies/{c}/invitations"), StatusCode::OK)
        .await;
    assert_eq!(left, json!([]));
}
