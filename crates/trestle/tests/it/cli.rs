//! The `trestle` CLI drives the management API: the whole DMSA setup from the command line.

use crate::support::{dmsa_manifest, on_both_backends, TestApp};
use serde_json::Value;
use std::process::Command;

on_both_backends!(cli_runs_the_dmsa_setup_end_to_end);

/// Runs the CLI and returns what it printed, for non-JSON output.
pub(crate) fn trestle_text(app: &TestApp, token: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_trestle"))
        .args(args)
        .env("TRESTLE_URL", &app.url)
        .env("TRESTLE_TOKEN", token)
        .output()
        .expect("run trestle");
    assert!(
        out.status.success(),
        "trestle {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

pub(crate) fn trestle(app: &TestApp, token: &str, args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_trestle"))
        .args(args)
        .env("TRESTLE_URL", &app.url)
        .env("TRESTLE_TOKEN", token)
        .output()
        .expect("run trestle");
    assert!(
        out.status.success(),
        "trestle {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

async fn cli_runs_the_dmsa_setup_end_to_end(app: TestApp) {
    let app = tokio::task::spawn_blocking(move || {
        let op = app.operator.clone();
        let dev = trestle(
            &app,
            &op,
            &[
                "people",
                "create",
                "--email",
                "cli-dev@example.com",
                "--name",
                "Cli Dev",
            ],
        );
        let dev_token = dev["api_token"].as_str().unwrap().to_string();
        let admin = trestle(
            &app,
            &op,
            &[
                "people",
                "create",
                "--email",
                "cli-admin@example.com",
                "--name",
                "Cli Admin",
            ],
        );
        let admin_token = admin["api_token"].as_str().unwrap().to_string();
        let admin_id = admin["user"]["id"].to_string();
        let company = trestle(
            &app,
            &op,
            &["companies", "create", "--name", "Cli Co", "--admin-user", &admin_id],
        );
        let cid = company["id"].to_string();
        let p1 = trestle(
            &app,
            &admin_token,
            &["projects", "create", "--company", &cid, "--name", "P1"],
        )["id"]
            .to_string();
        let p2 = trestle(
            &app,
            &admin_token,
            &[
                "projects",
                "create",
                "--company",
                &cid,
                "--name",
                "P2",
                "--number",
                "002",
            ],
        )["id"]
            .to_string();

        let created = trestle(&app, &dev_token, &["apps", "create", "--name", "Cli App"]);
        let app_id = created["app"]["id"].to_string();
        let dir = tempfile::tempdir().unwrap();
        let manifest = dir.path().join("manifest.json");
        std::fs::write(&manifest, dmsa_manifest().to_string()).unwrap();
        let v = trestle(
            &app,
            &dev_token,
            &[
                "versions",
                "create",
                "--app",
                &app_id,
                "--version",
                "1.0.0",
                "--manifest",
                manifest.to_str().unwrap(),
            ],
        );
        let vid = v["id"].to_string();
        let promoted = trestle(
            &app,
            &dev_token,
            &["versions", "promote", "--app", &app_id, "--version-id", &vid],
        );
        let uuid = promoted["version"]["app_version_id"].as_str().unwrap().to_string();
        let client_id = promoted["credentials"]["client_id"].as_str().unwrap().to_string();
        let secret = promoted["credentials"]["client_secret"].as_str().unwrap().to_string();

        let install = trestle(
            &app,
            &admin_token,
            &[
                "installs",
                "create",
                "--company",
                &cid,
                "--app-version-id",
                &uuid,
                "--project",
                &p1,
            ],
        );
        let iid = install["id"].to_string();
        assert_eq!(
            install["permitted_project_ids"],
            serde_json::json!([p1.parse::<i64>().unwrap()])
        );
        let added = trestle(
            &app,
            &admin_token,
            &[
                "installs",
                "add-projects",
                "--company",
                &cid,
                "--install",
                &iid,
                "--project",
                &p2,
            ],
        );
        assert_eq!(added["permitted_project_ids"].as_array().unwrap().len(), 2);

        // company-admin commands
        let users = trestle(&app, &admin_token, &["companies", "users", "--company", &cid]);
        assert!(users.as_array().unwrap().iter().any(|u| u["kind"] == "bot"), "{users}");
        let toggled = trestle(
            &app,
            &admin_token,
            &[
                "installs",
                "add-to-new-projects",
                "--company",
                &cid,
                "--install",
                &iid,
                "--state",
                "on",
            ],
        );
        assert_eq!(toggled["add_to_new_projects"], true);
        let csv = trestle_text(&app, &admin_token, &["companies", "audit", "--company", &cid, "--csv"]);
        assert!(csv.starts_with("id,at,actor_kind"), "{csv}");
        assert!(csv.contains("app.install"));
        // developer commands
        trestle(&app, &dev_token, &["apps", "publish", "--app", &app_id]);
        // the operator's kill switch
        let s = trestle(
            &app,
            &op,
            &["apps", "suspend", "--app", &app_id, "--reason", "investigation"],
        );
        assert_eq!(s["suspended_reason"], "investigation");
        let s = trestle(&app, &op, &["apps", "resume", "--app", &app_id]);
        assert!(s["suspended_at"].is_null(), "{s}");
        let market = trestle(&app, &admin_token, &["companies", "marketplace"]);
        assert_eq!(market[0]["id"].to_string(), app_id);
        let secrets = trestle(&app, &dev_token, &["secrets", "list", "--app", &app_id]);
        assert_eq!(secrets.as_array().unwrap().len(), 2, "production and sandbox clients");
        // service accounts (legacy)
        let sa = trestle(
            &app,
            &admin_token,
            &["service-accounts", "create", "--company", &cid, "--name", "Legacy"],
        );
        assert!(sa["client_secret"].as_str().unwrap().len() == 64);
        let sa_id = sa["account"]["id"].to_string();
        trestle(
            &app,
            &admin_token,
            &[
                "service-accounts",
                "permissions",
                "--company",
                &cid,
                "--account",
                &sa_id,
                "--permissions",
                r#"{"directory":"read_only"}"#,
            ],
        );
        let report = trestle_text(
            &app,
            &admin_token,
            &["service-accounts", "report", "--company", &cid, "--csv"],
        );
        assert!(report.contains("Legacy"), "{report}");
        trestle(
            &app,
            &admin_token,
            &[
                "service-accounts",
                "retire",
                "--company",
                &cid,
                "--account",
                &sa_id,
                "--force",
            ],
        );
        let daily = trestle_text(&app, &dev_token, &["metrics", "--app", &app_id, "--csv", "daily"]);
        assert!(daily.starts_with("date,installs,uninstalls,active"), "{daily}");

        let token = trestle(
            &app,
            "",
            &["token", "--client-id", &client_id, "--client-secret", &secret],
        );
        assert_eq!(token["token_type"], "bearer");
        assert_eq!(token["expires_in"], 5400);

        trestle(
            &app,
            &admin_token,
            &["installs", "uninstall", "--company", &cid, "--install", &iid],
        );
        let listed = trestle(&app, &admin_token, &["installs", "list", "--company", &cid]);
        assert_eq!(listed[0]["status"], "uninstalled");

        // a failing call exits non-zero and prints the error
        let out = Command::new(env!("CARGO_BIN_EXE_trestle"))
            .args(["apps", "show", "--app", "999999"])
            .env("TRESTLE_URL", &app.url)
            .env("TRESTLE_TOKEN", &dev_token)
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("not_found"));
        app
    })
    .await
    .unwrap();
    app.stop().await;
}
