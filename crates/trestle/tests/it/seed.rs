//! Seed files (issue #17): `trestle seed FILE` against a running server's database, on both
//! backends — a broken file writes nothing and names every problem's path; the example file
//! builds a world that real calls see (fixed credentials, permitted projects, tool records);
//! seeding again changes nothing; a reset returns to the seeded world. `trestle up --seed` is
//! the same code with a fresh SQLite data dir (the last test).

use crate::support::{on_both_backends, TestApp};
use crate::upgrade::count_rows;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/sandbox.yaml")
}

/// `trestle seed FILE` on the test server's database, with its key (TestApp's is 32 × 7).
fn seed(app: &TestApp, file: &Path, data_dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_trestle"))
        .arg("seed")
        .arg(file)
        .args(["--database-url", &app.db_url, "--data-dir"])
        .arg(data_dir)
        .env("TRESTLE_SECRET_KEY", "07".repeat(32))
        .env("TRESTLE_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

const WORLD: [&str; 8] = [
    "users",
    "companies",
    "projects",
    "apps",
    "app_versions",
    "installs",
    "records",
    "webhook_hooks",
];

async fn counts(url: &str) -> Vec<i64> {
    let mut out = Vec::new();
    for t in WORLD {
        out.push(count_rows(url, t).await);
    }
    out
}

async fn token(app: &TestApp, id: &str, secret: &str) -> String {
    let res = app
        .post("/oauth/token")
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn rest(app: &TestApp, token: &str, path: &str, company: i64) -> Value {
    let res = app
        .get(path)
        .bearer_auth(token)
        .header("Procore-Company-Id", company.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    res.json().await.unwrap()
}

async fn a_broken_seed_file_writes_nothing_and_names_every_problem(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(example())
        .unwrap()
        .replace(
            "projects: [Harbor Tower, Main Street Clinic]",
            "projects: [Harbor Tower, Nowhere]",
        )
        .replace("admin: alex.admin@acme.example.test", "admin: nobody@acme.example.test");
    let broken = dir.path().join("broken.yaml");
    std::fs::write(&broken, text).unwrap();
    let before = counts(&app.db_url).await;
    let out = seed(&app, &broken, dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a broken file fails: {stderr}");
    assert!(stderr.contains("$.companies[0].admin:"), "{stderr}");
    assert!(stderr.contains("$.companies[0].installs[0].projects[1]:"), "{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert_eq!(counts(&app.db_url).await, before, "nothing was written");
    assert!(!dir.path().join("demo.json").exists());

    // A file that does not parse names the field.
    let typo = dir.path().join("typo.yaml");
    std::fs::write(&typo, "people:\n  - email: a@b.test\n    nmae: A\n").unwrap();
    let out = seed(&app, &typo, dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("$.people[0]") && stderr.contains("nmae"), "{stderr}");
    assert_eq!(counts(&app.db_url).await, before);
}

async fn the_example_world_answers_converges_and_resets(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let out = seed(&app, &example(), dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let demo: Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join("demo.json")).unwrap()).unwrap();
    assert_eq!(demo["client_id"], "ci-field-sync-client-id");
    assert_eq!(demo["operator_api_token"], "ci-operator-token-0123456789");
    let acme = &demo["companies"][0];
    assert_eq!(acme["name"], "Acme Construction");
    assert_eq!(acme["all_project_ids"].as_array().unwrap().len(), 3);
    assert_eq!(demo["people"].as_array().unwrap().len(), 3);
    assert!(
        demo["people"][2]["api_token"].as_str().unwrap().starts_with("trs_"),
        "a token the file does not fix is generated and reported"
    );
    let company = acme["id"].as_i64().unwrap();
    let harbor = acme["all_project_ids"][0].as_i64().unwrap();

    // The fixed credentials work on the running server; the app sees the permitted projects.
    let t = token(&app, "ci-field-sync-client-id", "ci-field-sync-client-secret").await;
    let projects = rest(&app, &t, &format!("/rest/v1.0/projects?company_id={company}"), company).await;
    let mut names: Vec<&str> = projects
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["Harbor Tower", "Main Street Clinic"]);
    let submittals = rest(&app, &t, &format!("/rest/v1.1/projects/{harbor}/submittals"), company).await;
    let mut origins: Vec<&str> = submittals
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["origin_id"].as_str().unwrap())
        .collect();
    origins.sort();
    assert_eq!(origins, ["submittal-curtain-wall", "submittal-slab-edge"]);
    // A person's fixed management token works too.
    let me = app
        .api_get("ci-alex-token-0123456789", "/api/v1/me", StatusCode::OK)
        .await;
    assert!(me.to_string().contains("alex.admin@acme.example.test"), "{me}");

    // The same file again: nothing changes.
    let seeded = counts(&app.db_url).await;
    let updated = submittals[0]["updated_at"].clone();
    let out = seed(&app, &example(), dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(", 0 changes"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(counts(&app.db_url).await, seeded);
    let again = rest(&app, &t, &format!("/rest/v1.1/projects/{harbor}/submittals"), company).await;
    assert_eq!(again[0]["updated_at"], updated);

    // An edited file converges: a changed field is updated, a new project created.
    let edited = dir.path().join("edited.yaml");
    let text = std::fs::read_to_string(example())
        .unwrap()
        .replace("title: Slab edge detail", "title: Slab edge detail, revised")
        .replace(
            "      - name: Airport Expansion",
            "      - name: Depot\n      - name: Airport Expansion",
        );
    std::fs::write(&edited, text).unwrap();
    let out = seed(&app, &edited, dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(count_rows(&app.db_url, "projects").await, seeded[2] + 1);
    // Another process wrote the database: on SQLite the server learns it from a reset (to
    // the world just seeded), which makes it forget every cached answer.
    app.api_post(&t_operator(), "/api/v1/sandbox/reset", json!({}), StatusCode::OK)
        .await;
    let revised = rest(&app, &t, &format!("/rest/v1.1/projects/{harbor}/submittals"), company).await;
    let titles: Vec<&str> = revised
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap())
        .collect();
    assert!(titles.contains(&"Slab edge detail, revised"), "{titles:?}");
    assert_eq!(revised.as_array().unwrap().len(), 2);

    // Reset (with the file's operator token) returns to the world as last seeded.
    app.api_post(
        "ci-alex-token-0123456789",
        &format!("/api/v1/companies/{company}/projects"),
        json!({"name": "Scratch"}),
        StatusCode::CREATED,
    )
    .await;
    app.api_post(&t_operator(), "/api/v1/sandbox/reset", json!({}), StatusCode::OK)
        .await;
    assert_eq!(count_rows(&app.db_url, "projects").await, seeded[2] + 1);
}

fn t_operator() -> String {
    "ci-operator-token-0123456789".into()
}

on_both_backends!(
    a_broken_seed_file_writes_nothing_and_names_every_problem,
    the_example_world_answers_converges_and_resets,
);

/// `trestle up --seed` prints the seeded credentials once the world is there (ready answers
/// from then on), and exits non-zero on a seed error.
#[tokio::test]
async fn up_with_a_seed_file_prints_its_credentials_and_fails_on_a_broken_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = crate::up::KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_trestle"))
            .args(["up", "--port", "0", "--seed"])
            .arg(example())
            .arg("--data-dir")
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let lines = crate::up::read_until(child.0.stdout.take().unwrap(), |l| l.contains("pat.manager")).await;
    let text = lines.join("\n");
    assert!(
        text.contains("client_id ci-field-sync-client-id client_secret ci-field-sync-client-secret"),
        "{text}"
    );
    let base = text
        .lines()
        .find_map(|l| l.strip_prefix("Trestle is running at "))
        .expect(&text)
        .trim()
        .to_string();
    let ready = reqwest::get(format!("{base}/health/ready")).await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    drop(child);

    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "companies:\n  - name: Acme\n    admin: ghost@x.test\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_trestle"))
        .args(["up", "--port", "0", "--seed"])
        .arg(&bad)
        .arg("--data-dir")
        .arg(tempfile::tempdir().unwrap().path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("$.companies[0].admin"));
}
