//! Bounded input: every string a caller sends has a maximum length and, where it makes no
//! sense, no control characters; a refusal is a 422 naming the field, and writes nothing.

use crate::support::{dmsa_manifest, expect, on_both_backends, snapshot, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_backends!(
    management_strings_are_bounded_and_refused_whole,
    manifest_and_rest_tool_strings_are_bounded,
    the_openapi_document_states_the_limits,
);

/// Sends `body`, expects 422 with exactly the problems at `paths`, and that nothing changed.
async fn refused(app: &TestApp, token: &str, method: &str, path: &str, body: Value, paths: &[&str]) -> Value {
    let before = snapshot(&app.db_url).await;
    let res = app
        .http
        .request(method.parse().unwrap(), format!("{}{path}", app.url))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let v = expect(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(v["code"], "invalid", "{v}");
    let got: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(got, paths, "{method} {path}: {v}");
    assert_eq!(snapshot(&app.db_url).await, before, "{method} {path} wrote something");
    v
}

fn reason(v: &Value, i: usize) -> &str {
    v["errors"][i]["reason"].as_str().unwrap()
}

async fn management_strings_are_bounded_and_refused_whole(app: TestApp) {
    let op = app.operator.clone();
    // People: name, e-mail, password.
    for (body, at, why) in [
        (
            json!({"email": "a@example.com", "name": "x".repeat(201)}),
            "$.name",
            "at most 200",
        ),
        (
            json!({"email": "a@example.com", "name": "Ann\u{0}Lee"}),
            "$.name",
            "NUL",
        ),
        (
            json!({"email": "a@example.com", "name": "Ann\nLee"}),
            "$.name",
            "single line",
        ),
        (
            json!({"email": "a@example.com", "name": "\u{1b}[31mAnn"}),
            "$.name",
            "control",
        ),
        (
            json!({"email": "a@example.com", "name": "Ann\u{202e}eeL"}),
            "$.name",
            "invisible",
        ),
        (
            json!({"email": format!("{}@example.com", "a".repeat(250)), "name": "Ann"}),
            "$.email",
            "at most 254",
        ),
        (json!({"email": "a\u{0}@example.com", "name": "Ann"}), "$.email", "NUL"),
    ] {
        let v = refused(&app, &op, "POST", "/api/v1/people", body, &[at]).await;
        assert!(reason(&v, 0).contains(why), "{v}");
    }
    // The same e-mail works once the name is fine: the refusals left nothing behind.
    let (user, dev) = app.person("a@example.com", "Ann Lee").await;
    let v = refused(
        &app,
        &op,
        "PUT",
        &format!("/api/v1/people/{user}/password"),
        json!({"password": "p".repeat(1001)}),
        &["$.password"],
    )
    .await;
    assert!(reason(&v, 0).contains("at most 1000"), "{v}");
    refused(
        &app,
        &op,
        "POST",
        &format!("/api/v1/people/{user}/api_tokens"),
        json!({"label": "l".repeat(101)}),
        &["$.label"],
    )
    .await;
    // Companies and projects: every field is checked and every problem reported at once.
    refused(
        &app,
        &op,
        "POST",
        "/api/v1/companies",
        json!({"name": "C\u{7}o", "admin_user_id": user}),
        &["$.name"],
    )
    .await;
    let (company, admin) = app.company("Acme").await;
    let v = refused(
        &app,
        &admin,
        "POST",
        &format!("/api/v1/companies/{company}/projects"),
        json!({
            "name": "Tower",
            "project_number": "N".repeat(101),
            "address": "1 Main St\u{0}",
            "city": "c".repeat(301),
            "state_code": "C\nA",
            "country_code": "US",
            "zip": "9\t4",
        }),
        &["$.project_number", "$.address", "$.city", "$.zip", "$.state_code"],
    )
    .await;
    assert!(reason(&v, 0).contains("at most 100"), "{v}");
    let projects = app
        .api_get(&admin, &format!("/api/v1/companies/{company}/projects"), StatusCode::OK)
        .await;
    assert_eq!(projects.as_array().unwrap().len(), 0, "{projects}");
    // At the limit is accepted; non-ASCII counts characters, not bytes.
    let p = app
        .api_post(
            &admin,
            &format!("/api/v1/companies/{company}/projects"),
            json!({"name": "é".repeat(200), "city": "Zürich", "zip": "8001"}),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(p["name"].as_str().unwrap().chars().count(), 200);
    // Apps: names, renames, redirect URIs, versions.
    refused(
        &app,
        &dev,
        "POST",
        "/api/v1/apps",
        json!({"name": "a".repeat(101)}),
        &["$.name"],
    )
    .await;
    let created = app
        .api_post(&dev, "/api/v1/apps", json!({"name": "Sync"}), StatusCode::CREATED)
        .await;
    let a = created["app"]["id"].as_i64().unwrap();
    refused(
        &app,
        &dev,
        "PATCH",
        &format!("/api/v1/apps/{a}"),
        json!({"name": "Sy\rnc"}),
        &["$.name"],
    )
    .await;
    refused(
        &app,
        &dev,
        "POST",
        &format!("/api/v1/apps/{a}/redirect_uris"),
        json!({"uri": "https://example.com/cb\u{0}"}),
        &["$.uri"],
    )
    .await;
    refused(
        &app,
        &dev,
        "POST",
        &format!("/api/v1/apps/{a}/versions"),
        json!({"version": format!("1.0.0-{}", "a".repeat(100)), "manifest": dmsa_manifest()}),
        &["$.version"],
    )
    .await;
    let got = app.api_get(&dev, &format!("/api/v1/apps/{a}"), StatusCode::OK).await;
    assert_eq!(got["name"], "Sync");
    // The operator's suspension reason: may span lines, not hold control characters.
    refused(
        &app,
        &op,
        "POST",
        &format!("/api/v1/apps/{a}/suspend"),
        json!({"reason": "bad\u{0}"}),
        &["$.reason"],
    )
    .await;
    refused(
        &app,
        &op,
        "POST",
        &format!("/api/v1/apps/{a}/suspend"),
        json!({"reason": "r".repeat(501)}),
        &["$.reason"],
    )
    .await;
    let res = app
        .post(&format!("/api/v1/apps/{a}/suspend"))
        .bearer_auth(&op)
        .json(&json!({"reason": "Abuse report.\nSee ticket 42."}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
}

async fn manifest_and_rest_tool_strings_are_bounded(app: TestApp) {
    let (_, dev) = app.person("docs-dev@example.com", "Dev").await;
    let created = app
        .api_post(&dev, "/api/v1/apps", json!({"name": "Docs"}), StatusCode::CREATED)
        .await;
    let a = created["app"]["id"].as_i64().unwrap();
    let versions = format!("/api/v1/apps/{a}/versions");
    let with_page = |notes: &str, label: &str, url: &str| {
        let mut m = dmsa_manifest();
        m["post_installation_instruction"] = json!({"notes": notes, "page": {"url": url, "label": label}});
        json!({"version": "1.0.0", "manifest": m})
    };
    let base = "$.manifest.post_installation_instruction";
    refused(
        &app,
        &dev,
        "POST",
        &versions,
        with_page("fine", "Set\u{0}up", "https://example.com/setup"),
        &[&format!("{base}.page.label")],
    )
    .await;
    refused(
        &app,
        &dev,
        "POST",
        &versions,
        with_page(&"n".repeat(10_001), "Setup", "https://example.com/setup"),
        &[&format!("{base}.notes")],
    )
    .await;
    refused(
        &app,
        &dev,
        "POST",
        &versions,
        with_page(
            "bell \u{7}",
            "Setup\n",
            &format!("https://example.com/{}", "p".repeat(2000)),
        ),
        &[
            &format!("{base}.notes"),
            &format!("{base}.page.url"),
            &format!("{base}.page.label"),
        ],
    )
    .await;
    // Notes may span lines.
    app.api_post(
        &dev,
        &versions,
        with_page(
            "Step 1: pick projects.\nStep 2:\tsync.",
            "Setup",
            "https://example.com/setup",
        ),
        StatusCode::CREATED,
    )
    .await;

    // REST Documents: folder and file names are bounded and single-line.
    let w = app.world().await;
    let token = app.token(&w.app).await;
    let folders = format!("/rest/v1.0/folders?project_id={}", w.a1);
    for (name, why) in [
        ("f".repeat(256), "at most 255"),
        ("a\u{0}b".to_string(), "NUL"),
        ("a\nb".to_string(), "single line"),
    ] {
        let before = snapshot(&app.db_url).await;
        let res = app
            .post(&folders)
            .bearer_auth(&token)
            .header("Procore-Company-Id", w.a.to_string())
            .json(&json!({"folder": {"name": name}}))
            .send()
            .await
            .unwrap();
        let v = expect(res, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(v["errors"][0]["path"], "$.folder.name", "{v}");
        assert!(v["errors"][0]["reason"].as_str().unwrap().contains(why), "{v}");
        assert_eq!(snapshot(&app.db_url).await, before);
    }
    let res = app
        .post(&folders)
        .bearer_auth(&token)
        .header("Procore-Company-Id", w.a.to_string())
        .json(&json!({"folder": {"name": "Plans"}}))
        .send()
        .await
        .unwrap();
    let folder = expect(res, StatusCode::CREATED).await;
    let id = folder["id"].as_i64().unwrap();
    let res = app
        .patch(&format!("/rest/v1.0/folders/{id}?project_id={}", w.a1))
        .bearer_auth(&token)
        .header("Procore-Company-Id", w.a.to_string())
        .json(&json!({"folder": {"name": "P\u{1b}lans"}}))
        .send()
        .await
        .unwrap();
    let v = expect(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(v["errors"][0]["path"], "$.folder.name", "{v}");
    // A file's content is bounded too (bytes), on create and on update.
    let files = format!("/rest/v1.0/files?project_id={}", w.a1);
    let big = "d".repeat(1_000_001);
    let res = app
        .post(&files)
        .bearer_auth(&token)
        .header("Procore-Company-Id", w.a.to_string())
        .json(&json!({"file": {"name": "notes.txt", "data": big}}))
        .send()
        .await
        .unwrap();
    let v = expect(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(v["errors"][0]["path"], "$.file.data", "{v}");
    let res = app
        .post(&files)
        .bearer_auth(&token)
        .header("Procore-Company-Id", w.a.to_string())
        .json(&json!({"file": {"name": "notes.txt", "data": "v1"}}))
        .send()
        .await
        .unwrap();
    let file = expect(res, StatusCode::CREATED).await;
    let before = snapshot(&app.db_url).await;
    let res = app
        .patch(&format!("/rest/v1.0/files/{}?project_id={}", file["id"], w.a1))
        .bearer_auth(&token)
        .header("Procore-Company-Id", w.a.to_string())
        .json(&json!({"file": {"data": big}}))
        .send()
        .await
        .unwrap();
    let v = expect(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(v["errors"][0]["path"], "$.file.data", "{v}");
    assert_eq!(snapshot(&app.db_url).await, before);
    // Content may hold any text but NUL (which no database column takes).
    let res = app
        .post(&files)
        .bearer_auth(&token)
        .header("Procore-Company-Id", w.a.to_string())
        .json(&json!({"file": {"name": "nul.txt", "data": "a\u{0}b"}}))
        .send()
        .await
        .unwrap();
    let v = expect(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(v["errors"][0]["path"], "$.file.data", "{v}");
    let res = app
        .post(&files)
        .bearer_auth(&token)
        .header("Procore-Company-Id", w.a.to_string())
        .json(&json!({"file": {"name": "tabs.txt", "data": "a\tb\r\nc\u{1b}"}}))
        .send()
        .await
        .unwrap();
    expect(res, StatusCode::CREATED).await;
    // A sign-in with a NUL in the e-mail address is a wrong sign-in, not a failure.
    let long = "e".repeat(5000);
    for email in ["a\u{0}@example.com", long.as_str()] {
        let mut b = crate::support::Browser::new(&app);
        let page = b.get("/ui/login").await.text().await.unwrap();
        let csrf = crate::support::field(&page, "csrf");
        let res = b
            .post(
                "/ui/login",
                &[
                    ("csrf", &csrf),
                    ("next", "/ui"),
                    ("email", email),
                    ("password", "whatever it is"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
}

async fn the_openapi_document_states_the_limits(app: TestApp) {
    let doc = expect(app.get("/openapi.json").send().await.unwrap(), StatusCode::OK).await;
    let schemas = &doc["components"]["schemas"];
    for (schema, field, max) in [
        ("CreatePerson", "email", 254),
        ("CreatePerson", "name", 200),
        ("CreatePerson", "password", 1000),
        ("CreateApiToken", "label", 100),
        ("CreateCompany", "name", 200),
        ("CreateProject", "name", 200),
        ("CreateProject", "project_number", 100),
        ("CreateProject", "address", 255),
        ("CreateProject", "city", 100),
        ("CreateProject", "zip", 20),
        ("CreateProject", "state_code", 3),
        ("CreateProject", "country_code", 2),
        ("CreateApp", "name", 100),
        ("RenameApp", "name", 100),
        ("CreateVersion", "version", 100),
        ("RedirectUriIn", "uri", 2000),
        ("SetPassword", "password", 1000),
        ("SuspendIn", "reason", 500),
        ("EndpointIn", "url", 2000),
        ("EndpointIn", "description", 500),
    ] {
        assert_eq!(
            schemas[schema]["properties"][field]["maxLength"], max,
            "{schema}.{field}: {}",
            schemas[schema]["properties"][field]
        );
    }
}
