//! App versions over the management API: SemVer 2.0.0 precedence (build metadata ignored,
//! pre-releases below their release) for creation, and promotion that never moves an installed
//! company to a lower version.

use crate::support::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_backends!(
    version_numbers_follow_semver_precedence,
    promotion_never_moves_a_company_down,
);

async fn version_numbers_follow_semver_precedence(app: TestApp) {
    let (_, dev) = app.person("dev@example.com", "Dev").await;
    let created = app
        .api_post(&dev, "/api/v1/apps", json!({"name": "Semver"}), StatusCode::CREATED)
        .await;
    let base = format!("/api/v1/apps/{}/versions", created["app"]["id"]);
    let create = |version: &str, want: StatusCode| {
        let body = json!({"version": version, "manifest": dmsa_manifest()});
        let (app, dev, base) = (&app, &dev, &base);
        async move { app.api_post(dev, base, body, want).await }
    };
    let reason = |e: &Value| {
        assert_eq!(e["errors"][0]["path"], "$.version", "{e}");
        e["errors"][0]["reason"].as_str().unwrap().to_string()
    };

    create("1.0.0+build.1", StatusCode::CREATED).await;
    // build metadata does not make a new version
    for same in ["1.0.0+build.2", "1.0.0"] {
        let e = create(same, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert!(reason(&e).contains("already exists as 1.0.0+build.1"), "{same}: {e}");
    }
    let e = create("1.0.0+build.1", StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(reason(&e), "already exists");
    // a pre-release orders below its release
    let e = create("1.0.0-rc.1", StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(reason(&e).contains("must be greater than 1.0.0+build.1"), "{e}");
    create("1.1.0-beta.2", StatusCode::CREATED).await;
    // numeric identifiers compare as numbers, not as text ("11" > "2")
    create("1.1.0-beta.11", StatusCode::CREATED).await;
    let e = create("1.1.0-beta.3", StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(reason(&e).contains("greater than 1.1.0-beta.11"), "{e}");
    // and alphanumeric ones above numeric ones
    create("1.1.0-rc", StatusCode::CREATED).await;
    create("1.1.0", StatusCode::CREATED).await;
    let e = create("1.1.0-rc.1", StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(reason(&e).contains("greater than 1.1.0"), "{e}");
    create("1.10.0", StatusCode::CREATED).await;
    let e = create("1.9.0", StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(reason(&e).contains("greater than 1.10.0"), "not compared as text: {e}");
    for bad in ["1.10", "v2.0.0", "2.0.0-01"] {
        let e = create(bad, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert!(reason(&e).contains("not a semantic version"), "{bad:?}: {e}");
    }
    // a control character is refused as such, before the version is parsed
    let e = create("2.0.0\u{1}", StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(reason(&e).contains("control characters"), "{e}");

    // two requests at once for one precedence: exactly one version is created
    for major in 2..7 {
        let send = |build: &str| {
            app.post(&base)
                .bearer_auth(&dev)
                .json(&json!({"version": format!("{major}.0.0+{build}"), "manifest": dmsa_manifest()}))
                .send()
        };
        let (x, y) = futures::join!(send("x"), send("y"));
        let mut statuses = [x.unwrap().status(), y.unwrap().status()];
        statuses.sort();
        assert_eq!(statuses[0], StatusCode::CREATED, "{major}: {statuses:?}");
        assert!(
            matches!(statuses[1], StatusCode::CONFLICT | StatusCode::UNPROCESSABLE_ENTITY),
            "{major}: {statuses:?}"
        );
    }
    let listed = app.api_get(&dev, &base, StatusCode::OK).await;
    let versions: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions.len(), 11, "one of each 2.0.0 … 6.0.0: {versions:?}");
    assert_eq!(
        versions[..6],
        [
            "1.0.0+build.1",
            "1.1.0-beta.2",
            "1.1.0-beta.11",
            "1.1.0-rc",
            "1.1.0",
            "1.10.0"
        ]
    );
}

fn widened() -> Value {
    let mut m = dmsa_manifest();
    m["permissions"]["project"]["documents"] = json!("admin");
    m
}

/// The install's version number and its pending update's target version id, if any.
async fn install_state(app: &TestApp, admin: &str, company: i64, install: i64) -> (String, Option<i64>) {
    let v = app
        .api_get(
            admin,
            &format!("/api/v1/companies/{company}/installs/{install}"),
            StatusCode::OK,
        )
        .await;
    (
        v["version"].as_str().unwrap().to_string(),
        v["pending_update"]["to_version_id"].as_i64(),
    )
}

async fn promotion_never_moves_a_company_down(app: TestApp) {
    let (_, dev) = app.person("dev@example.com", "Dev").await;
    let created = app
        .api_post(&dev, "/api/v1/apps", json!({"name": "Downhill"}), StatusCode::CREATED)
        .await;
    let app_id = created["app"]["id"].as_i64().unwrap();
    let base = format!("/api/v1/apps/{app_id}/versions");
    let mut ids = std::collections::HashMap::new();
    for (version, manifest) in [
        ("1.0.0", dmsa_manifest()),
        ("1.1.0-rc.1", dmsa_manifest()),
        ("1.1.0", dmsa_manifest()),
        ("2.0.0", widened()),
    ] {
        let v = app
            .api_post(
                &dev,
                &base,
                json!({"version": version, "manifest": manifest}),
                StatusCode::CREATED,
            )
            .await;
        ids.insert(version, v["id"].as_i64().unwrap());
    }
    let promote = |version: &'static str| {
        let path = format!("{base}/{}/promote", ids[version]);
        let (app, dev) = (&app, &dev);
        async move { app.api_post(dev, &path, json!({}), StatusCode::OK).await }
    };
    let uuid = |p: &Value| p["version"]["app_version_id"].as_str().unwrap().to_string();

    // Low runs 1.0.0; 2.0.0 widens permissions, so Low's offer waits for its admin.
    let p1 = promote("1.0.0").await;
    let (low, admin_low) = app.company("Low").await;
    let install_low = app.install(&admin_low, low, &uuid(&p1), &[]).await;
    let p2 = promote("2.0.0").await;
    assert_eq!(p2["updates"][0]["status"], "pending", "{p2}");
    // High runs 2.0.0; Fresh installs the older App Version ID of 1.0.0 on purpose.
    let (high, admin_high) = app.company("High").await;
    let install_high = app.install(&admin_high, high, &uuid(&p2), &[]).await;
    let (fresh, admin_fresh) = app.company("Fresh").await;
    let install_fresh = app.install(&admin_fresh, fresh, &uuid(&p1), &[]).await;

    // Promoting 1.1.0 (lower than 2.0.0) is allowed, and offered only to the company on 1.0.0
    // that has no newer offer pending.
    let p3 = promote("1.1.0").await;
    let updates = p3["updates"].as_array().unwrap();
    assert_eq!(updates.len(), 1, "{p3}");
    assert_eq!(updates[0]["install_id"], install_fresh);
    assert_eq!(updates[0]["status"], "applied");
    assert_eq!(
        install_state(&app, &admin_fresh, fresh, install_fresh).await,
        ("1.1.0".to_string(), None)
    );
    assert_eq!(
        install_state(&app, &admin_high, high, install_high).await,
        ("2.0.0".to_string(), None),
        "a company on 2.0.0 is never moved to 1.1.0"
    );
    assert_eq!(
        install_state(&app, &admin_low, low, install_low).await,
        ("1.0.0".to_string(), Some(ids["2.0.0"])),
        "the pending offer of 2.0.0 is not superseded by the lower 1.1.0"
    );

    // A pre-release of 1.1.0 orders below 1.1.0: nobody is offered it.
    let p4 = promote("1.1.0-rc.1").await;
    assert_eq!(p4["updates"], json!([]), "{p4}");
    assert_eq!(install_state(&app, &admin_fresh, fresh, install_fresh).await.0, "1.1.0");
    let offers = app
        .api_get(&dev, &format!("/api/v1/apps/{app_id}/updates"), StatusCode::OK)
        .await;
    let to: Vec<i64> = offers
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["to_version_id"].as_i64().unwrap())
        .collect();
    assert!(!to.contains(&ids["1.1.0-rc.1"]), "{offers}");

    // The marketplace installs the newest version by precedence, not the last promoted one.
    app.api_post(
        &dev,
        &format!("/api/v1/apps/{app_id}/publish"),
        json!({}),
        StatusCode::OK,
    )
    .await;
    let (late, admin_late) = app.company("Late").await;
    let v = app
        .api_post(
            &admin_late,
            &format!("/api/v1/companies/{late}/installs"),
            json!({"app_id": app_id, "permitted_project_ids": []}),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(v["version"], "2.0.0", "{v}");

    // Low's admin can still take 2.0.0; after that, promoting older versions changes nothing.
    let pending = app
        .api_get(
            &admin_low,
            &format!("/api/v1/companies/{low}/installs/{install_low}/updates"),
            StatusCode::OK,
        )
        .await;
    let pending_id = pending
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["status"] == "pending")
        .map(|u| u["id"].as_i64().unwrap())
        .expect("a pending update");
    app.api_post(
        &admin_low,
        &format!("/api/v1/companies/{low}/installs/{install_low}/updates/{pending_id}/approve"),
        json!({}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        install_state(&app, &admin_low, low, install_low).await,
        ("2.0.0".to_string(), None)
    );
}
