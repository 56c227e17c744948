//! Upgrades keep data. `tests/fixtures/<release>/` holds a database made by that release through
//! its API — a SQLite file and a PostgreSQL dump (plain SQL from `pg_dump`), with every kind of
//! row — plus the server key it was made with and the secrets it handed out. Each test here
//! opens such a database with the newest code (which runs every newer migration) and checks
//! that every row still works: tokens and API tokens verify, installs answer over REST, client
//! secrets get tokens, people sign in, sessions and refresh tokens continue.
//!
//! `scripts/make-upgrade-fixture.sh` regenerates a fixture (`make_upgrade_fixture`, ignored by
//! default). Add one per release and list it in `RELEASES`.
//!
//! These tests do not use `on_both_backends!` (which starts on an empty database): each runs
//! once per backend, named `…::sqlite` and `…::postgres` like the macro's.

use crate::support::*;
use crate::user_oauth::{authorize_path, setup, sign_in_and_approve, CALLBACK};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use trestle_store::testing::{pg_base_url, Backend, TestDb};

/// Every release with a fixture.
const RELEASES: &[&str] = &["v0.1.0"];
/// The fixture world is made at this instant (2026-12-01T00:00:00Z) on a manual clock.
const MADE_AT: i64 = 1_796_083_200;
/// The PostgreSQL schema the generator dumps; the test restores it under a fresh name.
const FIXTURE_SCHEMA: &str = "trestle_upgrade_fixture";
const PERSON_PASSWORD: &str = "correct horse battery";
/// Tables that must hold at least one row in every fixture.
const TABLES: &[&str] = &[
    "users",
    "api_tokens",
    "companies",
    "company_users",
    "projects",
    "project_users",
    "apps",
    "app_versions",
    "oauth_clients",
    "client_secrets",
    "installs",
    "install_updates",
    "documents",
    "audit_events",
    "revoked_tokens",
    "redirect_uris",
    "web_sessions",
    "grants",
    "auth_codes",
    "refresh_tokens",
    "service_accounts",
    "service_account_secrets",
];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn read_key(dir: &Path) -> Vec<u8> {
    let hex = std::fs::read_to_string(dir.join("secret.key")).unwrap();
    let hex = hex.trim();
    assert_eq!(hex.len(), 64, "secret.key holds 64 hex characters");
    (0..32)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn pg_url(schema: &str) -> String {
    let base = pg_base_url();
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}options=-c%20search_path%3D{schema}&application_name={schema}")
}

async fn pg_exec(sql: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&pg_base_url()).await.unwrap();
    sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
}

pub(crate) async fn count_rows(url: &str, table: &str) -> i64 {
    let q = format!("SELECT COUNT(*) FROM {table}");
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        let n = sqlx::query_scalar(&q).fetch_one(&pool).await.unwrap();
        pool.close().await;
        n
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        let n = sqlx::query_scalar(&q).fetch_one(&pool).await.unwrap();
        pool.close().await;
        n
    }
}

/// A client_credentials token request.
async fn client_token(app: &TestApp, id: &str, secret: &str) -> (StatusCode, Value) {
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
    let s = res.status();
    (s, expect(res, s).await)
}

async fn rest(app: &TestApp, token: &str, company: i64, path: &str) -> (StatusCode, Value) {
    let res = app
        .get(path)
        .bearer_auth(token)
        .header("Procore-Company-Id", company.to_string())
        .send()
        .await
        .unwrap();
    let s = res.status();
    (s, expect(res, s).await)
}

fn s(v: &Value, k: &str) -> String {
    v[k].as_str().unwrap_or_else(|| panic!("no {k} in {v}")).to_string()
}

fn i(v: &Value, k: &str) -> i64 {
    v[k].as_i64().unwrap_or_else(|| panic!("no {k} in {v}"))
}

/// Builds a world with every kind of row through the API; returns what the check needs.
async fn populate(app: &TestApp) -> Value {
    app.clock.set(MADE_AT);
    let (w, pat) = setup(app).await;
    let q = |p: i64| format!("project_id={p}");
    // the developer: a second secret (the first expires in a day), a second, wider version
    // (pending in both companies), the app published
    let creds = format!("/api/v1/apps/{}/credentials", w.app.app_id);
    let rotated = app
        .api_post(
            &w.dev,
            &format!("{creds}/production/secrets"),
            json!({"expire_others_in_seconds": 86_400}),
            StatusCode::CREATED,
        )
        .await;
    let mut wider = dmsa_manifest();
    wider["permissions"]["project"]["documents"] = json!("admin");
    let v2 = app
        .api_post(
            &w.dev,
            &format!("/api/v1/apps/{}/versions", w.app.app_id),
            json!({"version": "1.1.0", "manifest": wider}),
            StatusCode::CREATED,
        )
        .await;
    let promoted = app
        .api_post(
            &w.dev,
            &format!("/api/v1/apps/{}/versions/{}/promote", w.app.app_id, v2["id"]),
            json!({}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(promoted["updates"][0]["status"], "pending", "{promoted}");
    app.api_post(
        &w.dev,
        &format!("/api/v1/apps/{}/publish", w.app.app_id),
        json!({}),
        StatusCode::OK,
    )
    .await;
    // the app: a folder and a file in A1, one token kept, one revoked
    let token = app.token(&w.app).await;
    let call = |method: reqwest::Method, path: String, body: Value| {
        let (app, token) = (app, token.clone());
        async move {
            let res = app
                .http
                .request(method, format!("{}{path}", app.url))
                .bearer_auth(&token)
                .header("Procore-Company-Id", w.a.to_string())
                .json(&body)
                .send()
                .await
                .unwrap();
            expect(res, StatusCode::CREATED).await
        }
    };
    let folder = call(
        reqwest::Method::POST,
        format!("/rest/v1.0/folders?{}", q(w.a1)),
        json!({"folder": {"name": "Upgrade folder"}}),
    )
    .await;
    let file = call(
        reqwest::Method::POST,
        format!("/rest/v1.0/files?{}", q(w.a1)),
        json!({"file": {"name": "kept.txt", "parent_id": folder["id"], "data": "still here"}}),
    )
    .await;
    let revoked = app.token(&w.app).await;
    let res = app
        .post("/oauth/revoke")
        .form(&[
            ("token", revoked.as_str()),
            ("client_id", w.app.client_id.as_str()),
            ("client_secret", w.app.client_secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    expect(res, StatusCode::OK).await;
    // a person: signed in to the app (grant, code, refresh token) and to the web UI (session)
    let mut b = Browser::new(app);
    let code = sign_in_and_approve(&mut b, &authorize_path(&w, "")).await;
    let res = app
        .post("/oauth/token")
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", CALLBACK),
            ("client_id", w.app.client_id.as_str()),
            ("client_secret", w.app.client_secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let person = expect(res, StatusCode::OK).await;
    let mut web = Browser::new(app);
    let page = web.get("/ui/login").await.text().await.unwrap();
    let csrf = field(&page, "csrf");
    let res = web
        .post(
            "/ui/login",
            &[
                ("csrf", &csrf),
                ("next", "/ui"),
                ("email", "pat@example.com"),
                ("password", PERSON_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // a traditional service account in company A
    let sa = app
        .api_post(
            &w.admin_a,
            &format!("/api/v1/companies/{}/service_accounts", w.a),
            json!({"name": "Legacy ERP", "app_type": "custom"}),
            StatusCode::CREATED,
        )
        .await;
    // a suspended app
    let (_, dev2) = app.person("dev2@example.com", "Second Dev").await;
    let bad = app.promoted_app(&dev2, "Suspended App").await;
    app.install(&w.admin_b, w.b, &bad.app_version_id, &[w.b1]).await;
    app.api_post(
        &app.operator,
        &format!("/api/v1/apps/{}/suspend", bad.app_id),
        json!({"reason": "fixture"}),
        StatusCode::OK,
    )
    .await;
    json!({
        "made_at": MADE_AT,
        "operator_token": app.operator,
        "developer_token": w.dev,
        "admin_a_token": w.admin_a,
        "admin_b_token": w.admin_b,
        "app_id": w.app.app_id,
        "app_version_id": w.app.app_version_id,
        "client_id": w.app.client_id,
        "client_secret": w.app.client_secret,
        "rotated_secret": s(&rotated, "client_secret"),
        "pending_version_id": v2["id"],
        "company_a": w.a, "company_b": w.b,
        "a1": w.a1, "a2": w.a2, "a3": w.a3, "b1": w.b1,
        "install_a": w.install_a, "install_b": w.install_b,
        "access_token": token,
        "revoked_token": revoked,
        "folder_id": folder["id"], "file_id": file["id"],
        "person_id": pat,
        "person_email": "pat@example.com",
        "person_password": PERSON_PASSWORD,
        "person_access_token": person["access_token"],
        "person_refresh_token": person["refresh_token"],
        "session_cookie": web.cookie(),
        "service_account_id": sa["account"]["id"],
        "service_account_user_id": sa["account"]["user_id"],
        "service_account_client_id": sa["account"]["client_id"],
        "service_account_secret": sa["client_secret"],
        "suspended_client_id": bad.client_id,
        "suspended_client_secret": bad.client_secret,
    })
}

/// Regenerates `tests/fixtures/<TRESTLE_FIXTURE_RELEASE>/` with the code of this checkout
/// (`scripts/make-upgrade-fixture.sh`). Needs PostgreSQL and `pg_dump`.
#[tokio::test]
#[ignore = "generates the upgrade fixture; run by scripts/make-upgrade-fixture.sh"]
async fn make_upgrade_fixture() {
    let release = std::env::var("TRESTLE_FIXTURE_RELEASE").expect("TRESTLE_FIXTURE_RELEASE, e.g. v0.1.0");
    let out = fixtures().join(&release);
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(
        out.join("secret.key"),
        format!("{}\n", trestle_core::secrets::random_hex_256()),
    )
    .unwrap();
    let key = read_key(&out);

    // SQLite: the world, then a clean single-file copy of the database
    let db = TestDb::new(Backend::Sqlite).await;
    let app = TestApp::spawn_with(&db.url, |c| c.master_key = key.clone()).await;
    let facts = populate(&app).await;
    app.stop().await;
    for t in TABLES {
        assert!(count_rows(&db.url, t).await > 0, "the fixture has no {t} row");
    }
    let file = out.join("trestle.db");
    let _ = std::fs::remove_file(&file);
    {
        let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
        sqlx::query(&format!("VACUUM INTO '{}'", file.display()))
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
    std::fs::write(out.join("sqlite.json"), serde_json::to_string_pretty(&facts).unwrap()).unwrap();

    // PostgreSQL: the world in a schema of a known name, dumped as plain SQL
    pg_exec(&format!(
        "DROP SCHEMA IF EXISTS {FIXTURE_SCHEMA} CASCADE; CREATE SCHEMA {FIXTURE_SCHEMA}"
    ))
    .await;
    let url = pg_url(FIXTURE_SCHEMA);
    let app = TestApp::spawn_with(&url, |c| c.master_key = key.clone()).await;
    let facts = populate(&app).await;
    app.stop().await;
    for t in TABLES {
        assert!(count_rows(&url, t).await > 0, "the fixture has no {t} row");
    }
    let dump = std::process::Command::new("pg_dump")
        .args([
            "--schema",
            FIXTURE_SCHEMA,
            "--inserts",
            "--no-owner",
            "--no-privileges",
            "--no-comments",
            "--dbname",
            &pg_base_url(),
        ])
        .output()
        .expect("pg_dump");
    assert!(dump.status.success(), "{}", String::from_utf8_lossy(&dump.stderr));
    // psql meta-commands (\restrict …) are not SQL; the restore runs the rest as it is.
    let sql: String = String::from_utf8(dump.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('\\'))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(out.join("postgres.sql"), sql).unwrap();
    std::fs::write(out.join("postgres.json"), serde_json::to_string_pretty(&facts).unwrap()).unwrap();
    pg_exec(&format!("DROP SCHEMA IF EXISTS {FIXTURE_SCHEMA} CASCADE")).await;
    db.cleanup().await;
}

/// Opens the fixture of `release` on `backend` with the newest code and checks every row works.
async fn upgrade_keeps_data(backend: Backend, release: &str) {
    let dir = fixtures().join(release);
    let key = read_key(&dir);
    let tmp = tempfile::tempdir().unwrap();
    let (url, schema, facts) = match backend {
        Backend::Sqlite => {
            let file = tmp.path().join("trestle.db");
            std::fs::copy(dir.join("trestle.db"), &file).unwrap();
            let facts = std::fs::read_to_string(dir.join("sqlite.json")).unwrap();
            (format!("sqlite://{}", file.display()), None, facts)
        }
        Backend::Postgres => {
            let schema = format!("t_{}", &trestle_core::secrets::random_hex_256()[..24]);
            let sql = std::fs::read_to_string(dir.join("postgres.sql"))
                .unwrap()
                .replace(FIXTURE_SCHEMA, &schema);
            pg_exec(&sql).await;
            let facts = std::fs::read_to_string(dir.join("postgres.json")).unwrap();
            (pg_url(&schema), Some(schema), facts)
        }
    };
    let f: Value = serde_json::from_str(&facts).unwrap();
    for t in TABLES {
        assert!(count_rows(&url, t).await > 0, "{release}: the fixture has no {t} row");
    }

    // the newest code migrates it on start, its clock a minute after the fixture was made
    // (from the first instant: nothing at start-up may judge the fixture by today's date)
    let clock = std::sync::Arc::new(trestle_core::ManualClock::new(i(&f, "made_at") + 60));
    let app = TestApp::spawn_with(&url, |c| {
        c.master_key = key.clone();
        c.clock = clock.clone();
    })
    .await;
    check(&app, &f).await;
    app.stop().await;
    if let Some(schema) = schema {
        pg_exec(&format!("DROP SCHEMA {schema} CASCADE")).await;
    }
}

async fn check(app: &TestApp, f: &Value) {
    let (a, b) = (i(f, "company_a"), i(f, "company_b"));
    // an access token issued by the old release still verifies and acts for the install
    let token = s(f, "access_token");
    let (st, companies) = rest(app, &token, a, "/rest/v1.0/companies").await;
    assert_eq!(st, StatusCode::OK, "{companies}");
    let mut listed = ids(&companies);
    listed.sort();
    assert_eq!(listed, vec![a, b]);
    let (st, projects) = rest(app, &token, a, &format!("/rest/v1.0/projects?company_id={a}")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(ids(&projects), vec![i(f, "a1"), i(f, "a2")], "the permitted projects");
    let (st, files) = rest(
        app,
        &token,
        a,
        &format!("/rest/v1.0/files/{}?project_id={}", i(f, "file_id"), i(f, "a1")),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{files}");
    assert_eq!(files["name"], "kept.txt", "{files}");
    // a revoked one stays revoked
    let (st, _) = rest(app, &s(f, "revoked_token"), a, "/rest/v1.0/companies").await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    // both live client secrets still get tokens; so do the sandbox's and the service account's
    for secret in ["client_secret", "rotated_secret"] {
        let (st, t) = client_token(app, &s(f, "client_id"), &s(f, secret)).await;
        assert_eq!(st, StatusCode::OK, "{secret}: {t}");
        let (st, _) = rest(app, &s(&t, "access_token"), b, "/rest/v1.0/companies").await;
        assert_eq!(st, StatusCode::OK);
    }
    let (st, t) = client_token(app, &s(f, "service_account_client_id"), &s(f, "service_account_secret")).await;
    assert_eq!(st, StatusCode::OK, "{t}");
    let (st, me) = rest(app, &s(&t, "access_token"), a, &format!("/rest/v1.0/me?company_id={a}")).await;
    assert_eq!(st, StatusCode::OK, "{me}");
    assert_eq!(me["id"], f["service_account_user_id"]);
    // the suspended app stays suspended
    let (st, t) = client_token(app, &s(f, "suspended_client_id"), &s(f, "suspended_client_secret")).await;
    assert!(st.is_client_error(), "{st} {t}");
    // API tokens: operator, developer, company admin
    let audit = app
        .api_get(&s(f, "operator_token"), "/api/v1/audit", StatusCode::OK)
        .await;
    assert!(!audit.as_array().unwrap().is_empty(), "{audit}");
    let apps = app
        .api_get(&s(f, "developer_token"), "/api/v1/apps", StatusCode::OK)
        .await;
    assert!(ids(&apps).contains(&i(f, "app_id")), "{apps}");
    // the install, its permitted projects and its pending update (which can still be approved)
    let admin = s(f, "admin_a_token");
    // the maintained list totals (migration 0011 fills them in) agree with the rows: the bot's
    // permitted projects, and the company's active projects
    let total = |res: reqwest::Response| res.headers()["total"].to_str().unwrap().to_string();
    let bots = app
        .get(&format!("/rest/v1.0/projects?company_id={a}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(total(bots), "2");
    let all = app
        .get(&format!("/api/v1/companies/{a}/projects?per_page=1000"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    let counted = total(all);
    let listed = app
        .api_get(
            &admin,
            &format!("/api/v1/companies/{a}/projects?per_page=1000"),
            StatusCode::OK,
        )
        .await;
    assert_eq!(counted, listed.as_array().unwrap().len().to_string(), "{listed}");
    let inst = format!("/api/v1/companies/{a}/installs/{}", i(f, "install_a"));
    let install = app.api_get(&admin, &inst, StatusCode::OK).await;
    assert_eq!(install["version"], "1.0.0");
    assert_eq!(install["app_version_id"], f["app_version_id"]);
    assert_eq!(
        install["pending_update"]["to_version_id"], f["pending_version_id"],
        "{install}"
    );
    let update = i(&install["pending_update"], "id");
    app.api_post(
        &admin,
        &format!("{inst}/updates/{update}/approve"),
        json!({}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(app.api_get(&admin, &inst, StatusCode::OK).await["version"], "1.1.0");
    // the person: the access token, the refresh token, the web session and the password
    let (st, me) = rest(
        app,
        &s(f, "person_access_token"),
        a,
        &format!("/rest/v1.0/me?company_id={a}"),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{me}");
    assert_eq!(me["id"], f["person_id"]);
    let res = app
        .post("/oauth/token")
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", s(f, "person_refresh_token").as_str()),
            ("client_id", s(f, "client_id").as_str()),
            ("client_secret", s(f, "client_secret").as_str()),
        ])
        .send()
        .await
        .unwrap();
    let refreshed = expect(res, StatusCode::OK).await;
    let (st, _) = rest(
        app,
        &s(&refreshed, "access_token"),
        a,
        &format!("/rest/v1.0/me?company_id={a}"),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let res = app
        .get("/ui")
        .header("cookie", s(f, "session_cookie"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "the web session survives");
    assert!(res.text().await.unwrap().contains("Sign out"));
    let mut web = Browser::new(app);
    let page = web.get("/ui/login").await.text().await.unwrap();
    let csrf = field(&page, "csrf");
    let res = web
        .post(
            "/ui/login",
            &[
                ("csrf", &csrf),
                ("next", "/ui"),
                ("email", &s(f, "person_email")),
                ("password", &s(f, "person_password")),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "the password still signs in");
    // and the upgraded database takes new writes of every kind
    let (_, dev) = app.person("new.dev@example.com", "New Dev").await;
    let fresh = app.promoted_app(&dev, "After Upgrade").await;
    app.install(&admin, a, &fresh.app_version_id, &[i(f, "a3")]).await;
    let t = app.token(&fresh).await;
    let (st, projects) = rest(app, &t, a, &format!("/rest/v1.0/projects?company_id={a}")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(ids(&projects), vec![i(f, "a3")]);
}

mod upgrade_keeps_data {
    #[tokio::test]
    async fn sqlite() {
        for release in super::RELEASES {
            super::upgrade_keeps_data(trestle_store::testing::Backend::Sqlite, release).await;
        }
    }
    #[tokio::test]
    async fn postgres() {
        for release in super::RELEASES {
            super::upgrade_keeps_data(trestle_store::testing::Backend::Postgres, release).await;
        }
    }
}
