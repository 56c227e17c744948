//! E-mail notifications (issue #16 item 7): the messages the platform composes from its
//! events, kept in the mail outbox (no SMTP server here: `kept`), read by their recipient and
//! the operator only. An invitation's message carries an accept link that accepts; an update
//! awaiting approval mails every admin of that company and nobody else; a new app mails its
//! developer that the sandbox is ready.

use crate::support::{dmsa_manifest, on_both_backends, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

on_both_backends!(
    an_invitation_mails_an_accept_link_that_accepts,
    an_update_awaiting_approval_mails_every_admin_of_that_company_only,
    a_new_app_mails_its_developer_that_the_sandbox_is_ready,
    mail_is_read_by_its_recipient_and_the_operator_only,
    the_cli_lists_and_shows_mail_and_accepts_with_the_token,
    the_web_ui_shows_a_person_their_own_mail,
);

/// Waits (at most 15 s) until the list at `path` read with `token` has a message of `action`
/// for `address`; returns it.
pub async fn wait_for_mail(app: &TestApp, token: &str, path: &str, action: &str, address: &str) -> Value {
    let start = Instant::now();
    loop {
        let list = app.api_get(token, path, StatusCode::OK).await;
        if let Some(m) = list
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["action"] == action && m["recipient_address"] == address)
        {
            return m.clone();
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "no {action} mail for {address} in {list}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The accept link in a message's body, and its token.
pub fn accept_link(body: &str) -> (String, String) {
    let link = body
        .split_whitespace()
        .find(|w| w.contains("/ui/invitations/accept?token="))
        .unwrap_or_else(|| panic!("no accept link in {body}"))
        .to_string();
    let token = link.split("token=").nth(1).unwrap().to_string();
    (link, token)
}

async fn an_invitation_mails_an_accept_link_that_accepts(app: TestApp) {
    let (acme, admin) = app.company("Acme").await;
    let inv = app
        .api_post(
            &admin,
            &format!("/api/v1/companies/{acme}/invitations"),
            json!({"email": "new.hire@example.com", "name": "New Hire"}),
            StatusCode::CREATED,
        )
        .await;
    let m = wait_for_mail(
        &app,
        &app.operator,
        "/api/v1/mail",
        "company_invitation.create",
        "new.hire@example.com",
    )
    .await;
    assert_eq!(m["status"], "kept", "no SMTP server: kept only");
    assert_eq!(m["subject"], "You are invited to join Acme on Trestle");
    assert_eq!(m["company_id"], acme);
    assert_eq!(m["attempts"], 0);
    let body = m["body"].as_str().unwrap();
    let (link, token) = accept_link(body);
    assert!(
        link.starts_with(&format!("{}/ui/invitations/accept?token=inv_", app.url)),
        "{link}"
    );
    assert!(body.contains(&format!("\"token\": \"{token}\"")), "{body}");
    // The token is in the message only: not in the audit log, nor in the invitation's answer.
    let audit = app
        .api_get(&app.operator, "/api/v1/audit?per_page=1000", StatusCode::OK)
        .await;
    assert!(
        !audit.to_string().contains(&token),
        "the accept token is in the audit log"
    );
    assert!(!inv.to_string().contains(&token));
    // The link's page shows the invitation with a button that accepts it.
    let page = app.http.get(&link).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Acme") && html.contains(&token), "{html}");
    // A changed token accepts nothing.
    let mut forged = token.clone();
    let last = forged.pop().unwrap();
    forged.push(if last == '0' { '1' } else { '0' });
    let res = app
        .post("/api/v1/invitations/accept")
        .json(&json!({"token": forged}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // The form on the page accepts: the person is in Acme's directory.
    let res = app
        .post("/ui/invitations/accept")
        .header("Origin", app.url.as_str())
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
    let directory = app
        .api_get(&admin, &format!("/api/v1/companies/{acme}/users"), StatusCode::OK)
        .await;
    assert!(
        directory
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["email_address"] == "new.hire@example.com"),
        "{directory}"
    );
    // Once accepted, the token is spent.
    let res = app
        .post("/api/v1/invitations/accept")
        .json(&json!({"token": token}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // Accepting is an event of the person, as with their own API token.
    let audit = app
        .api_get(&app.operator, "/api/v1/audit?per_page=1000", StatusCode::OK)
        .await;
    let accepted = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "company_invitation.accept")
        .expect("an accept event");
    assert_eq!(accepted["actor_kind"], "person");
    assert_eq!(accepted["actor_user_id"], m["recipient_user_id"]);
}

/// The DMSA manifest with the company Directory at `level`.
fn manifest_with_directory(level: &str) -> Value {
    let mut m = dmsa_manifest();
    m["permissions"]["company"]["directory"] = json!(level);
    m
}

async fn an_update_awaiting_approval_mails_every_admin_of_that_company_only(app: TestApp) {
    let (_, dev) = app.person("dev@example.com", "Dev").await;
    let promoted = app.promoted_app(&dev, "Sync App").await;
    let (acme, admin_a) = app.company("Acme").await;
    let (beta, admin_b) = app.company("Beta").await;
    // A second admin of Acme.
    let (_, second) = app.person("second.admin@acme.test", "Second").await;
    let inv = app
        .api_post(
            &admin_a,
            &format!("/api/v1/companies/{acme}/invitations"),
            json!({"email": "second.admin@acme.test", "is_admin": true}),
            StatusCode::CREATED,
        )
        .await;
    app.api_post(
        &second,
        &format!("/api/v1/me/invitations/{}/accept", inv["id"]),
        json!({}),
        StatusCode::OK,
    )
    .await;
    let a1 = app.project(&admin_a, acme, "A1").await;
    app.install(&admin_a, acme, &promoted.app_version_id, &[a1]).await;
    let _ = beta;
    // 1.1.0 widens the company Directory: it awaits Acme's approval.
    let base = format!("/api/v1/apps/{}/versions", promoted.app_id);
    let v = app
        .api_post(
            &dev,
            &base,
            json!({"version": "1.1.0", "manifest": manifest_with_directory("standard")}),
            StatusCode::CREATED,
        )
        .await;
    app.api_post(&dev, &format!("{base}/{}/promote", v["id"]), json!({}), StatusCode::OK)
        .await;
    let action = "install_update.offered";
    for (token, address) in [(&admin_a, "admin@acme.test"), (&second, "second.admin@acme.test")] {
        let m = wait_for_mail(&app, token, "/api/v1/me/mail", action, address).await;
        assert_eq!(m["subject"], "Sync App 1.1.0 awaits your approval in Acme");
        assert!(m["body"].as_str().unwrap().contains("approves"), "{m}");
        assert_eq!(m["company_id"], acme);
    }
    // Exactly those two: nobody of Beta, not the developer.
    let all = app.api_get(&app.operator, "/api/v1/mail", StatusCode::OK).await;
    let mut to: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["action"] == action)
        .map(|m| m["recipient_address"].as_str().unwrap())
        .collect();
    to.sort();
    assert_eq!(to, ["admin@acme.test", "second.admin@acme.test"]);
    let beta_mail = app.api_get(&admin_b, "/api/v1/me/mail", StatusCode::OK).await;
    assert!(
        beta_mail.as_array().unwrap().iter().all(|m| m["action"] != action),
        "{beta_mail}"
    );
}

async fn a_new_app_mails_its_developer_that_the_sandbox_is_ready(app: TestApp) {
    let (dev_id, dev) = app.person("dev@example.com", "Dev").await;
    let created = app
        .api_post(&dev, "/api/v1/apps", json!({"name": "Field Sync"}), StatusCode::CREATED)
        .await;
    let m = wait_for_mail(&app, &dev, "/api/v1/me/mail", "app.create", "dev@example.com").await;
    assert_eq!(m["recipient_user_id"], dev_id);
    assert_eq!(m["subject"], "Your development sandbox for Field Sync is ready");
    assert!(m["body"].as_str().unwrap().contains("Field Sync Sandbox"), "{m}");
    assert_eq!(m["company_id"], created["app"]["sandbox_company_id"]);
    // Its own mail, one message for the one event.
    let mine = app.api_get(&dev, "/api/v1/me/mail?status=kept", StatusCode::OK).await;
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    let none = app.api_get(&dev, "/api/v1/me/mail?status=sent", StatusCode::OK).await;
    assert_eq!(none, json!([]));
}

async fn mail_is_read_by_its_recipient_and_the_operator_only(app: TestApp) {
    let (dev_id, dev) = app.person("dev@example.com", "Dev").await;
    let (_, other) = app.person("other@example.com", "Other").await;
    app.api_post(&dev, "/api/v1/apps", json!({"name": "Mine"}), StatusCode::CREATED)
        .await;
    let m = wait_for_mail(&app, &dev, "/api/v1/me/mail", "app.create", "dev@example.com").await;
    let path = format!("/api/v1/mail/{}", m["id"]);
    // The recipient and the operator read it; anyone else is told it does not exist.
    assert_eq!(app.api_get(&dev, &path, StatusCode::OK).await["id"], m["id"]);
    assert_eq!(
        app.api_get(&app.operator, &path, StatusCode::OK).await["body"],
        m["body"]
    );
    let missing = app.api_get(&other, &path, StatusCode::NOT_FOUND).await;
    let nowhere = app.api_get(&other, "/api/v1/mail/999999", StatusCode::NOT_FOUND).await;
    assert_eq!(missing, nowhere, "someone else's message looks like no message");
    assert_eq!(app.api_get(&other, "/api/v1/me/mail", StatusCode::OK).await, json!([]));
    // The operator's list: everyone's, filtered by recipient and status, paged.
    app.api_get(&dev, "/api/v1/mail", StatusCode::FORBIDDEN).await;
    let of_dev = app
        .api_get(
            &app.operator,
            &format!("/api/v1/mail?recipient={dev_id}"),
            StatusCode::OK,
        )
        .await;
    assert_eq!(of_dev.as_array().unwrap().len(), 1, "{of_dev}");
    let res = app
        .get("/api/v1/mail?per_page=1")
        .bearer_auth(&app.operator)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let total: i64 = res.headers()["Total"].to_str().unwrap().parse().unwrap();
    assert!(total >= 1, "Total {total}");
    assert_eq!(res.json::<Value>().await.unwrap().as_array().unwrap().len(), 1);
    let sent = app
        .api_get(
            &app.operator,
            &format!("/api/v1/mail?recipient={dev_id}&status=sent"),
            StatusCode::OK,
        )
        .await;
    assert_eq!(sent, json!([]));
    app.api_get(
        &app.operator,
        "/api/v1/mail?status=lost",
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    // The operator has no mail of their own.
    app.api_get(&app.operator, "/api/v1/me/mail", StatusCode::FORBIDDEN)
        .await;
    // A token longer than the documented limit is refused as such.
    let long = "x".repeat(201);
    let res = app
        .post("/api/v1/invitations/accept")
        .json(&json!({"token": long}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // The routes are in the OpenAPI document, with the token's limit.
    let doc = app.api_get(&app.operator, "/openapi.json", StatusCode::OK).await;
    for (p, m) in [
        ("/api/v1/mail", "get"),
        ("/api/v1/me/mail", "get"),
        ("/api/v1/mail/{mail_id}", "get"),
        ("/api/v1/invitations/accept", "post"),
    ] {
        assert!(doc["paths"][p][m].is_object(), "{m} {p} not in the document");
    }
    assert_eq!(
        doc["components"]["schemas"]["AcceptTokenIn"]["properties"]["token"]["maxLength"],
        200
    );
}

async fn the_cli_lists_and_shows_mail_and_accepts_with_the_token(app: TestApp) {
    use crate::cli::trestle;
    let (acme, admin) = app.company("Acme").await;
    app.api_post(
        &admin,
        &format!("/api/v1/companies/{acme}/invitations"),
        json!({"email": "cli.hire@example.com"}),
        StatusCode::CREATED,
    )
    .await;
    let m = wait_for_mail(
        &app,
        &app.operator,
        "/api/v1/mail",
        "company_invitation.create",
        "cli.hire@example.com",
    )
    .await;
    let admin_token = admin.clone();
    let app = tokio::task::spawn_blocking(move || {
        let op = app.operator.clone();
        // The operator's `mail list` is every message; `--status` filters.
        let all = trestle(&app, &op, &["mail", "list"]);
        assert!(all.as_array().unwrap().iter().any(|x| x["id"] == m["id"]), "{all}");
        let sent = trestle(&app, &op, &["mail", "list", "--status", "sent"]);
        assert_eq!(sent, json!([]));
        let shown = trestle(&app, &op, &["mail", "show", "--id", &m["id"].to_string()]);
        assert_eq!(shown["body"], m["body"]);
        // A person's `mail list` is their own: the admin has none of the invitee's.
        let admins = trestle(&app, &admin_token, &["mail", "list"]);
        assert!(
            admins.as_array().unwrap().iter().all(|x| x["id"] != m["id"]),
            "{admins}"
        );
        let (_, token) = accept_link(shown["body"].as_str().unwrap());
        let accepted = trestle(&app, "", &["mail", "accept", "--invitation-token", &token]);
        assert_eq!(accepted["status"], "accepted");
        assert_eq!(accepted["company_id"], acme);
        app
    })
    .await
    .unwrap();
    let directory = app
        .api_get(&admin, &format!("/api/v1/companies/{acme}/users"), StatusCode::OK)
        .await;
    assert!(directory.to_string().contains("cli.hire@example.com"), "{directory}");
}

async fn the_web_ui_shows_a_person_their_own_mail(app: TestApp) {
    use crate::web_ui::{person, sign_in};
    let (_, dev) = person(&app, "web.dev@example.com", "Web Dev").await;
    let (_, other) = person(&app, "web.other@example.com", "Web Other").await;
    app.api_post(&dev, "/api/v1/apps", json!({"name": "Web Sync"}), StatusCode::CREATED)
        .await;
    app.api_post(
        &other,
        "/api/v1/apps",
        json!({"name": "Other Sync"}),
        StatusCode::CREATED,
    )
    .await;
    let mine = wait_for_mail(&app, &dev, "/api/v1/me/mail", "app.create", "web.dev@example.com").await;
    let theirs = wait_for_mail(&app, &other, "/api/v1/me/mail", "app.create", "web.other@example.com").await;
    let mut b = sign_in(&app, "web.dev@example.com").await;
    let inbox = b.get("/ui/mail").await;
    assert_eq!(inbox.status(), StatusCode::OK);
    let html = inbox.text().await.unwrap();
    assert!(
        html.contains("Your development sandbox for Web Sync is ready"),
        "{html}"
    );
    assert!(!html.contains("Other Sync"), "another person's mail is listed");
    let one = b.get(&format!("/ui/mail/{}", mine["id"])).await;
    assert_eq!(one.status(), StatusCode::OK);
    assert!(one.text().await.unwrap().contains("Web Sync Sandbox"));
    let foreign = b.get(&format!("/ui/mail/{}", theirs["id"])).await;
    assert_eq!(foreign.status(), StatusCode::NOT_FOUND);
    // Without a session the page sends to the sign-in.
    let res = crate::support::Browser::new(&app).get("/ui/mail").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(
        crate::support::location(&res).starts_with("/ui/login"),
        "{}",
        crate::support::location(&res)
    );
}
