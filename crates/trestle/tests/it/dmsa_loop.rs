//! The DMSA loop over HTTP: one credential, many companies; every request authorized against
//! the current install, permitted projects and company.

use crate::support::{expect, ids, on_both_backends, TestApp};
use reqwest::StatusCode;
use serde_json::Value;

on_both_backends!(
    companies_lists_exactly_the_installing_companies,
    projects_list_only_permitted_projects_on_every_endpoint,
    me_is_the_bot_of_the_named_company,
    foreign_company_is_refused_without_leaking,
    removed_project_is_refused_on_the_next_request,
    uninstall_takes_effect_on_the_next_request_and_reinstall_works,
    pagination_headers_and_links,
    bearer_token_errors,
    expired_tokens_are_refused,
);

async fn get_json(app: &TestApp, token: &str, path: &str, company: Option<i64>, want: StatusCode) -> Value {
    let mut req = app.get(path).bearer_auth(token);
    if let Some(c) = company {
        req = req.header("Procore-Company-Id", c.to_string());
    }
    expect(req.send().await.unwrap(), want).await
}

async fn companies_lists_exactly_the_installing_companies(app: TestApp) {
    let w = app.world().await;
    // a third company that did not install the app
    let (_c, _) = app.company("Gamma").await;
    let token = app.token(&w.app).await;
    let v = get_json(&app, &token, "/rest/v1.0/companies", None, StatusCode::OK).await;
    assert_eq!(ids(&v), vec![w.a, w.b]);
    assert_eq!(v[0]["name"], "Acme");
    assert_eq!(v[0]["is_active"], true);
    // with the company header (DMSA docs say to send it even here)
    let v = get_json(&app, &token, "/rest/v1.0/companies", Some(w.b), StatusCode::OK).await;
    assert_eq!(ids(&v), vec![w.a, w.b]);
    // propycore's parameters
    let v = get_json(
        &app,
        &token,
        "/rest/v1.0/companies?page=1&per_page=10000&include_free_companies=True",
        None,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids(&v), vec![w.a, w.b]);
}

async fn projects_list_only_permitted_projects_on_every_endpoint(app: TestApp) {
    let w = app.world().await;
    let token = app.token(&w.app).await;
    for path in [
        format!("/rest/v1.0/projects?company_id={}", w.a),
        format!("/rest/v1.1/projects?company_id={}", w.a),
        format!("/rest/v1.0/companies/{}/projects", w.a),
    ] {
        let v = get_json(&app, &token, &path, None, StatusCode::OK).await;
        assert_eq!(ids(&v), vec![w.a1, w.a2], "{path}: A3 is not permitted");
        assert_eq!(v[0]["company"]["id"], w.a);
        assert_eq!(v[0]["name"], "A1");
        let v = get_json(&app, &token, &path, Some(w.a), StatusCode::OK).await;
        assert_eq!(ids(&v), vec![w.a1, w.a2], "{path} with header");
    }
    let v = get_json(
        &app,
        &token,
        &format!("/rest/v1.0/projects?company_id={}", w.b),
        None,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids(&v), vec![w.b1]);
    // the header alone names the company too
    let v = get_json(&app, &token, "/rest/v1.0/projects", Some(w.b), StatusCode::OK).await;
    assert_eq!(ids(&v), vec![w.b1]);
    // the company admin (a person) sees all projects of A
    let admin_view = app
        .api_get(
            &w.admin_a,
            &format!("/api/v1/companies/{}/projects", w.a),
            StatusCode::OK,
        )
        .await;
    assert_eq!(ids(&admin_view), vec![w.a1, w.a2, w.a3]);
    // no company at all, a bad id, header and parameter that disagree
    let e = get_json(&app, &token, "/rest/v1.0/projects", None, StatusCode::BAD_REQUEST).await;
    assert!(e["message"].as_str().unwrap().contains("company_id"), "{e}");
    get_json(
        &app,
        &token,
        "/rest/v1.0/projects?company_id=abc",
        None,
        StatusCode::BAD_REQUEST,
    )
    .await;
    get_json(
        &app,
        &token,
        "/rest/v1.0/projects?company_id=-4",
        None,
        StatusCode::BAD_REQUEST,
    )
    .await;
    get_json(
        &app,
        &token,
        "/rest/v1.0/companies/xyz/projects",
        None,
        StatusCode::BAD_REQUEST,
    )
    .await;
    let e = get_json(
        &app,
        &token,
        &format!("/rest/v1.0/projects?company_id={}", w.a),
        Some(w.b),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(e["message"].as_str().unwrap().contains("does not match"), "{e}");
}

async fn me_is_the_bot_of_the_named_company(app: TestApp) {
    let w = app.world().await;
    let token = app.token(&w.app).await;
    let e = get_json(&app, &token, "/rest/v1.0/me", None, StatusCode::BAD_REQUEST).await;
    assert!(e["message"].as_str().unwrap().contains("Procore-Company-Id"), "{e}");
    let me_a = get_json(&app, &token, "/rest/v1.0/me", Some(w.a), StatusCode::OK).await;
    let me_b = get_json(&app, &token, "/rest/v1.0/me", Some(w.b), StatusCode::OK).await;
    assert_ne!(me_a["id"], me_b["id"], "one bot per company");
    assert!(me_a["name"].as_str().unwrap().starts_with("Sync App"), "{me_a}");
    assert!(me_a["login"].as_str().unwrap().starts_with("sync-app-"), "{me_a}");
    // company_id as a parameter works too
    let me = get_json(
        &app,
        &token,
        &format!("/rest/v1.0/me?company_id={}", w.b),
        None,
        StatusCode::OK,
    )
    .await;
    assert_eq!(me["id"], me_b["id"]);
    // the install view shows the same bot
    let inst = app
        .api_get(
            &w.admin_a,
            &format!("/api/v1/companies/{}/installs/{}", w.a, w.install_a),
            StatusCode::OK,
        )
        .await;
    assert_eq!(inst["bot"]["id"], me_a["id"]);
    assert_eq!(inst["bot"]["email"], me_a["login"]);
}

async fn foreign_company_is_refused_without_leaking(app: TestApp) {
    let w = app.world().await;
    let (c, _) = app.company("Gamma").await;
    let token = app.token(&w.app).await;
    let not_installed = get_json(
        &app,
        &token,
        &format!("/rest/v1.0/projects?company_id={c}"),
        None,
        StatusCode::FORBIDDEN,
    )
    .await;
    let nonexistent = get_json(
        &app,
        &token,
        "/rest/v1.0/projects?company_id=999999",
        None,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(
        not_installed, nonexistent,
        "an existing foreign company looks like a missing one"
    );
    assert!(not_installed.get("id").is_none() && !not_installed.to_string().contains("Gamma"));
    get_json(
        &app,
        &token,
        &format!("/rest/v1.0/companies/{c}/projects"),
        None,
        StatusCode::FORBIDDEN,
    )
    .await;
    get_json(&app, &token, "/rest/v1.0/me", Some(c), StatusCode::FORBIDDEN).await;
    get_json(&app, &token, "/rest/v1.0/companies", Some(c), StatusCode::FORBIDDEN).await;
}

async fn removed_project_is_refused_on_the_next_request(app: TestApp) {
    let w = app.world().await;
    let token = app.token(&w.app).await;
    let path = format!("/rest/v1.0/projects?company_id={}", w.a);
    assert_eq!(
        ids(&get_json(&app, &token, &path, None, StatusCode::OK).await),
        vec![w.a1, w.a2]
    );
    let base = format!("/api/v1/companies/{}/installs/{}/permitted_projects", w.a, w.install_a);
    app.api_delete(&w.admin_a, &format!("{base}/{}", w.a1), StatusCode::NO_CONTENT)
        .await;
    // the same unexpired token, the very next request
    assert_eq!(
        ids(&get_json(&app, &token, &path, None, StatusCode::OK).await),
        vec![w.a2]
    );
    // removing it again, or a project of another company, is a clear 404
    app.api_delete(&w.admin_a, &format!("{base}/{}", w.a1), StatusCode::NOT_FOUND)
        .await;
    app.api_delete(&w.admin_a, &format!("{base}/{}", w.b1), StatusCode::NOT_FOUND)
        .await;
    // add it back, plus A3
    let v = app
        .api_post(
            &w.admin_a,
            &base,
            serde_json::json!({"project_ids": [w.a1, w.a3]}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(v["permitted_project_ids"], serde_json::json!([w.a1, w.a2, w.a3]));
    assert_eq!(
        ids(&get_json(&app, &token, &path, None, StatusCode::OK).await),
        vec![w.a1, w.a2, w.a3]
    );
    // B's own view never changed
    let vb = get_json(
        &app,
        &token,
        &format!("/rest/v1.0/projects?company_id={}", w.b),
        None,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids(&vb), vec![w.b1]);
}

async fn uninstall_takes_effect_on_the_next_request_and_reinstall_works(app: TestApp) {
    let w = app.world().await;
    let token = app.token(&w.app).await;
    let projects_a = format!("/rest/v1.0/projects?company_id={}", w.a);
    get_json(&app, &token, &projects_a, None, StatusCode::OK).await;
    let me_a = get_json(&app, &token, "/rest/v1.0/me", Some(w.a), StatusCode::OK).await;
    let v = app
        .api_delete(
            &w.admin_a,
            &format!("/api/v1/companies/{}/installs/{}", w.a, w.install_a),
            StatusCode::OK,
        )
        .await;
    assert_eq!(v["status"], "uninstalled");
    // same token, next request
    get_json(&app, &token, &projects_a, None, StatusCode::FORBIDDEN).await;
    get_json(&app, &token, "/rest/v1.0/me", Some(w.a), StatusCode::FORBIDDEN).await;
    assert_eq!(
        ids(&get_json(&app, &token, "/rest/v1.0/companies", None, StatusCode::OK).await),
        vec![w.b]
    );
    // company B is unaffected
    assert_eq!(
        ids(&get_json(
            &app,
            &token,
            &format!("/rest/v1.0/projects?company_id={}", w.b),
            None,
            StatusCode::OK
        )
        .await),
        vec![w.b1]
    );
    // uninstalling twice is a conflict, not a silent success
    app.api_delete(
        &w.admin_a,
        &format!("/api/v1/companies/{}/installs/{}", w.a, w.install_a),
        StatusCode::CONFLICT,
    )
    .await;
    // reinstall: permitted projects start from what the admin picks now; the bot is the same
    app.install(&w.admin_a, w.a, &w.app.app_version_id, &[w.a3]).await;
    assert_eq!(
        ids(&get_json(&app, &token, &projects_a, None, StatusCode::OK).await),
        vec![w.a3]
    );
    let me_again = get_json(&app, &token, "/rest/v1.0/me", Some(w.a), StatusCode::OK).await;
    assert_eq!(me_again["id"], me_a["id"]);
    assert_eq!(
        ids(&get_json(&app, &token, "/rest/v1.0/companies", None, StatusCode::OK).await),
        vec![w.a, w.b]
    );
    // the companies' next link carries the keyset, and following it gives the second page
    let res = app
        .get("/rest/v1.0/companies?per_page=1")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let link = res.headers()["link"].to_str().unwrap().to_string();
    assert_eq!(res.headers()["total"], "2");
    assert_eq!(ids(&expect(res, StatusCode::OK).await), vec![w.a]);
    let next = link
        .split(", ")
        .find(|l| l.ends_with("rel=\"next\""))
        .map(|l| l[1..l.find('>').unwrap()].to_string())
        .unwrap();
    assert!(
        next.ends_with(&format!("?page=2&per_page=1&after_id={}", w.a)),
        "{link}"
    );
    let res = app.http.get(&next).bearer_auth(&token).send().await.unwrap();
    assert_eq!(res.headers()["total"], "2");
    assert_eq!(ids(&expect(res, StatusCode::OK).await), vec![w.b]);
}

async fn pagination_headers_and_links(app: TestApp) {
    let w = app.world().await;
    let token = app.token(&w.app).await;
    // permit all five projects of A (A1..A3 plus two more)
    let a4 = app.project(&w.admin_a, w.a, "A4").await;
    let a5 = app.project(&w.admin_a, w.a, "A5").await;
    let added = app
        .api_post(
            &w.admin_a,
            &format!(
                "/api/v1/companies/{}/installs/{}/permitted_projects/add_all",
                w.a, w.install_a
            ),
            serde_json::json!({}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(added["added"], 3);
    let path = format!("/rest/v1.0/projects?company_id={}&per_page=2&page=2", w.a);
    let res = app.get(&path).bearer_auth(&token).send().await.unwrap();
    let h = res.headers().clone();
    let v = expect(res, StatusCode::OK).await;
    assert_eq!(ids(&v), vec![w.a3, a4]);
    assert_eq!(h["total"], "5");
    assert_eq!(h["per-page"], "2");
    let link = h["link"].to_str().unwrap();
    let base = format!("{}/rest/v1.0/projects?company_id={}", app.url, w.a);
    assert!(
        link.contains(&format!("<{base}&page=1&per_page=2>; rel=\"first\"")),
        "{link}"
    );
    assert!(
        link.contains(&format!("<{base}&page=1&per_page=2>; rel=\"prev\"")),
        "{link}"
    );
    assert!(
        link.contains(&format!("<{base}&page=3&per_page=2&after_id={a4}>; rel=\"next\"")),
        "{link}"
    );
    assert!(
        link.contains(&format!("<{base}&page=3&per_page=2>; rel=\"last\"")),
        "{link}"
    );
    // follow next until the end, as pyprocore does
    let mut seen = vec![];
    let mut next = Some(format!("{base}&per_page=2"));
    while let Some(url) = next.take() {
        let res = app.http.get(&url).bearer_auth(&token).send().await.unwrap();
        let link = res.headers()["link"].to_str().unwrap().to_string();
        seen.extend(ids(&expect(res, StatusCode::OK).await));
        next = link
            .split(", ")
            .find(|l| l.ends_with("rel=\"next\""))
            .map(|l| l[1..l.find('>').unwrap()].to_string());
        assert!(seen.len() <= 5, "pagination must end");
    }
    assert_eq!(seen, vec![w.a1, w.a2, w.a3, a4, a5]);
    // a keyset page (`after_id` = the last id of the page before) is the page of that number
    let res = app
        .get(&format!(
            "/rest/v1.0/projects?company_id={}&per_page=2&page=2&after_id={}",
            w.a, w.a2
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let link = res.headers()["link"].to_str().unwrap().to_string();
    assert_eq!(res.headers()["total"], "5");
    assert_eq!(ids(&expect(res, StatusCode::OK).await), vec![w.a3, a4]);
    assert!(
        link.contains(&format!("<{base}&page=1&per_page=2>; rel=\"first\"")),
        "no after but in next: {link}"
    );
    assert!(
        link.contains(&format!("<{base}&page=3&per_page=2&after_id={a4}>; rel=\"next\"")),
        "{link}"
    );
    for bad in ["after_id=0", "after_id=x", "after_id=-3", "after_id=1&after_id=2"] {
        get_json(
            &app,
            &token,
            &format!("/rest/v1.0/projects?company_id={}&{bad}", w.a),
            None,
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    // past the end: an empty page (propycore pages until [])
    let v = get_json(
        &app,
        &token,
        &format!("/rest/v1.0/projects?company_id={}&per_page=2&page=9", w.a),
        None,
        StatusCode::OK,
    )
    .await;
    assert_eq!(v, serde_json::json!([]));
    // bad paging parameters
    for bad in ["page=0", "per_page=0", "per_page=x", "page=-1"] {
        get_json(
            &app,
            &token,
            &format!("/rest/v1.0/projects?company_id={}&{bad}", w.a),
            None,
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
}

async fn bearer_token_errors(app: TestApp) {
    let w = app.world().await;
    let token = app.token(&w.app).await;
    // no token: 401 with a bare Bearer challenge
    let res = app.get("/rest/v1.0/companies").send().await.unwrap();
    assert_eq!(res.headers()["www-authenticate"], "Bearer realm=\"trestle\"");
    expect(res, StatusCode::UNAUTHORIZED).await;
    // a garbage token, a tampered token
    for auth in [
        "Bearer garbage".to_string(),
        format!("Bearer {}x", &token[..token.len() - 1]),
    ] {
        let res = app
            .get("/rest/v1.0/companies")
            .header("authorization", auth.clone())
            .send()
            .await
            .unwrap();
        let challenge = res.headers()["www-authenticate"].to_str().unwrap().to_string();
        assert!(challenge.contains("invalid_token"), "{auth}: {challenge}");
        expect(res, StatusCode::UNAUTHORIZED).await;
    }
    // the wrong scheme is no bearer token at all (RFC 6750 §3.1: a bare challenge, issue 13)
    let res = app
        .get("/rest/v1.0/companies")
        .header("authorization", format!("Basic {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["www-authenticate"], "Bearer realm=\"trestle\"");
    expect(res, StatusCode::UNAUTHORIZED).await;
    // an API token is not an OAuth access token, and vice versa
    expect(
        app.get("/rest/v1.0/companies")
            .bearer_auth(&w.admin_a)
            .send()
            .await
            .unwrap(),
        StatusCode::UNAUTHORIZED,
    )
    .await;
    expect(
        app.get("/api/v1/apps").bearer_auth(&token).send().await.unwrap(),
        StatusCode::UNAUTHORIZED,
    )
    .await;
    // access tokens are never accepted in the URL
    let res = app
        .get(&format!("/rest/v1.0/companies?access_token={token}"))
        .send()
        .await
        .unwrap();
    expect(res, StatusCode::UNAUTHORIZED).await;
}

async fn expired_tokens_are_refused(app: TestApp) {
    let w = app.world().await;
    let token = app.token(&w.app).await;
    app.clock.advance(5399);
    get_json(&app, &token, "/rest/v1.0/companies", None, StatusCode::OK).await;
    app.clock.advance(1);
    let res = app
        .get("/rest/v1.0/companies")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(res.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .contains("invalid_token"));
    let v = expect(res, StatusCode::UNAUTHORIZED).await;
    assert!(v["message"].as_str().unwrap().contains("expired"), "{v}");
    // a fresh token works
    let fresh = app.token(&w.app).await;
    get_json(&app, &fresh, "/rest/v1.0/companies", None, StatusCode::OK).await;
}
