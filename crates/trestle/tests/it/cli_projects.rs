//! The CLI's project management, invitations and operator listings.

use crate::cli::{trestle, trestle_text};
use crate::support::{on_both_backends, TestApp};
use serde_json::json;

on_both_backends!(cli_manages_projects_invitations_and_listings);

async fn cli_manages_projects_invitations_and_listings(app: TestApp) {
    let (c, admin) = app.company("Acme").await;
    let (_, pat) = app.person("pat@example.com", "Pat").await;
    let app = tokio::task::spawn_blocking(move || {
        let cid = c.to_string();
        let made = trestle(
            &app,
            &admin,
            &[
                "projects",
                "create",
                "--company",
                &cid,
                "--name",
                "Tower",
                "--city",
                "Lyon",
                "--country-code",
                "fr",
            ],
        );
        assert_eq!(
            (made["city"].as_str(), made["country_code"].as_str()),
            (Some("Lyon"), Some("FR"))
        );
        let pid = made["id"].as_i64().unwrap().to_string();
        // bulk create from a JSON file
        let file = tempfile::NamedTempFile::new().unwrap();
        let items = json!([{"name": "Bulk 1"}, {"name": "Bulk 2", "project_number": "B-2"}]);
        std::fs::write(file.path(), items.to_string()).unwrap();
        let path = file.path().to_str().unwrap();
        let bulk = trestle(
            &app,
            &admin,
            &["projects", "bulk-create", "--company", &cid, "--file", path],
        );
        assert_eq!(bulk["projects"].as_array().unwrap().len(), 2);
        // change (an empty value clears), deactivate, list by status, reactivate
        let changed = trestle(
            &app,
            &admin,
            &[
                "projects",
                "update",
                "--company",
                &cid,
                "--project",
                &pid,
                "--name",
                "Tower East",
                "--city",
                "",
            ],
        );
        assert_eq!(
            (changed["name"].as_str(), changed["city"].as_str()),
            (Some("Tower East"), None)
        );
        let off = trestle(
            &app,
            &admin,
            &["projects", "deactivate", "--company", &cid, "--project", &pid],
        );
        assert_eq!(off["active"], false);
        let inactive = trestle(
            &app,
            &admin,
            &["projects", "list", "--company", &cid, "--status", "inactive"],
        );
        assert_eq!(inactive.as_array().unwrap().len(), 1);
        let found = trestle(
            &app,
            &admin,
            &["projects", "list", "--company", &cid, "--query", "bulk"],
        );
        assert_eq!(found.as_array().unwrap().len(), 2);
        let on = trestle(
            &app,
            &admin,
            &["projects", "reactivate", "--company", &cid, "--project", &pid],
        );
        assert_eq!(on["active"], true);
        let shown = trestle(
            &app,
            &admin,
            &["projects", "show", "--company", &cid, "--project", &pid],
        );
        assert_eq!(shown["name"], "Tower East");
        let said = trestle_text(
            &app,
            &admin,
            &["projects", "delete", "--company", &cid, "--project", &pid],
        );
        assert_eq!(said.trim(), format!("Deleted project {pid}."));
        // operator listings
        let op = app.operator.clone();
        let companies = trestle(&app, &op, &["companies", "list", "--query", "acme"]);
        assert_eq!(companies.as_array().unwrap().len(), 1);
        let people = trestle(&app, &op, &["people", "list", "--query", "pat@"]);
        assert_eq!(people[0]["email"], "pat@example.com");
        // invitations: sent by the admin, accepted by Pat
        let inv = trestle(
            &app,
            &admin,
            &["invitations", "send", "--company", &cid, "--email", "pat@example.com"],
        );
        assert_eq!(inv["status"], "pending");
        let mine = trestle(&app, &pat, &["invitations", "mine"]);
        let id = mine[0]["id"].as_i64().unwrap().to_string();
        let accepted = trestle(&app, &pat, &["invitations", "accept", "--invitation", &id]);
        assert_eq!(accepted["status"], "accepted");
        let users = trestle(&app, &admin, &["companies", "users", "--company", &cid]);
        assert!(users
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["email_address"] == "pat@example.com"));
        let other = trestle(
            &app,
            &admin,
            &["invitations", "send", "--company", &cid, "--email", "sam@example.com"],
        );
        let oid = other["id"].as_i64().unwrap().to_string();
        let said = trestle_text(
            &app,
            &admin,
            &["invitations", "cancel", "--company", &cid, "--invitation", &oid],
        );
        assert_eq!(said.trim(), format!("Cancelled invitation {oid}."));
        assert_eq!(
            trestle(&app, &admin, &["invitations", "list", "--company", &cid]),
            json!([])
        );
        app
    })
    .await
    .unwrap();
    drop(app);
}
