//! `TestApp`: a server on 127.0.0.1:0 with its own database, and helpers that build the usual
//! world (operator, developer, companies, projects, a promoted DMSA app) through the real API.

use reqwest::{Client, RequestBuilder, Response, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;
use trestle::server::{self, Running, ServerConfig};
use trestle_core::{Clock, ManualClock, SystemClock};
use trestle_store::testing::{Backend, TestDb};

/// Runs `test` on a fresh server backed by `backend`.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                crate::support::run(trestle_store::testing::Backend::Sqlite, super::$name).await;
            }
            #[tokio::test]
            async fn postgres() {
                crate::support::run(trestle_store::testing::Backend::Postgres, super::$name).await;
            }
        }
    )*};
}
pub(crate) use on_both_backends;

pub struct TestApp {
    pub url: String,
    pub http: Client,
    pub clock: Arc<ManualClock>,
    pub operator: String,
    pub db_url: String,
    running: Option<Running>,
}

pub async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn(&db.url).await;
    test(app).await;
    db.cleanup().await;
}

impl TestApp {
    pub async fn spawn(db_url: &str) -> TestApp {
        Self::spawn_with(db_url, |_| {}).await
    }

    /// A server with adjusted configuration (e.g. small rate limits).
    pub async fn spawn_with(db_url: &str, adjust: impl FnOnce(&mut ServerConfig)) -> TestApp {
        let now = SystemClock.now();
        let clock = Arc::new(ManualClock::new(now));
        let mut config = ServerConfig::new(db_url, vec![7u8; 32]);
        config.clock = clock.clone();
        // A loaded CI machine can keep a second node's first connection waiting past the 3 s
        // default; tests that need a short timeout (faults.rs) set their own in `adjust`.
        config.acquire_timeout = std::time::Duration::from_secs(30);
        adjust(&mut config);
        let core = server::build(&config).await.expect("build server");
        let operator = core.create_operator_token("tests").await.expect("operator token");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let running = server::start(core, &config, listener).unwrap();
        TestApp {
            url: running.url(),
            http: Client::new(),
            clock,
            operator,
            db_url: db_url.to_string(),
            running: Some(running),
        }
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await.unwrap();
        }
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.http.get(format!("{}{path}", self.url))
    }

    pub fn post(&self, path: &str) -> RequestBuilder {
        self.http.post(format!("{}{path}", self.url))
    }

    pub fn delete(&self, path: &str) -> RequestBuilder {
        self.http.delete(format!("{}{path}", self.url))
    }

    pub fn patch(&self, path: &str) -> RequestBuilder {
        self.http.patch(format!("{}{path}", self.url))
    }

    /// POST JSON with an API token; asserts the status and returns the body.
    pub async fn api_post(&self, token: &str, path: &str, body: Value, want: StatusCode) -> Value {
        let res = self.post(path).bearer_auth(token).json(&body).send().await.unwrap();
        expect(res, want).await
    }

    pub async fn api_get(&self, token: &str, path: &str, want: StatusCode) -> Value {
        let res = self.get(path).bearer_auth(token).send().await.unwrap();
        expect(res, want).await
    }

    pub async fn api_delete(&self, token: &str, path: &str, want: StatusCode) -> Value {
        let res = self.delete(path).bearer_auth(token).send().await.unwrap();
        expect(res, want).await
    }

    /// Creates a person; returns (user id, API token).
    pub async fn person(&self, email: &str, name: &str) -> (i64, String) {
        let v = self
            .api_post(
                &self.operator,
                "/api/v1/people",
                json!({"email": email, "name": name}),
                StatusCode::CREATED,
            )
            .await;
        (
            v["user"]["id"].as_i64().unwrap(),
            v["api_token"].as_str().unwrap().to_string(),
        )
    }

    /// Creates a company with a new admin; returns (company id, admin token).
    pub async fn company(&self, name: &str) -> (i64, String) {
        let email = format!("admin@{}.test", name.to_lowercase().replace(' ', "-"));
        let (admin, token) = self.person(&email, &format!("{name} Admin")).await;
        let v = self
            .api_post(
                &self.operator,
                "/api/v1/companies",
                json!({"name": name, "admin_user_id": admin}),
                StatusCode::CREATED,
            )
            .await;
        (v["id"].as_i64().unwrap(), token)
    }

    /// Invites `email` into `company` (as its admin) and accepts with the person's own token.
    pub async fn join(&self, admin: &str, company: i64, email: &str, person_token: &str) {
        let inv = self
            .api_post(
                admin,
                &format!("/api/v1/companies/{company}/invitations"),
                json!({"email": email}),
                StatusCode::CREATED,
            )
            .await;
        self.api_post(
            person_token,
            &format!("/api/v1/me/invitations/{}/accept", inv["id"]),
            json!({}),
            StatusCode::OK,
        )
        .await;
    }

    pub async fn project(&self, admin: &str, company: i64, name: &str) -> i64 {
        let v = self
            .api_post(
                admin,
                &format!("/api/v1/companies/{company}/projects"),
                json!({"name": name}),
                StatusCode::CREATED,
            )
            .await;
        v["id"].as_i64().unwrap()
    }

    /// A developer with a DMSA app whose version 1.0.0 is promoted.
    pub async fn promoted_app(&self, dev: &str, name: &str) -> PromotedApp {
        let app = self
            .api_post(dev, "/api/v1/apps", json!({"name": name}), StatusCode::CREATED)
            .await;
        let app_id = app["app"]["id"].as_i64().unwrap();
        let v = self
            .api_post(
                dev,
                &format!("/api/v1/apps/{app_id}/versions"),
                json!({"version": "1.0.0", "manifest": dmsa_manifest()}),
                StatusCode::CREATED,
            )
            .await;
        let version_id = v["id"].as_i64().unwrap();
        let p = self
            .api_post(
                dev,
                &format!("/api/v1/apps/{app_id}/versions/{version_id}/promote"),
                json!({}),
                StatusCode::OK,
            )
            .await;
        PromotedApp {
            app_id,
            app_version_id: p["version"]["app_version_id"].as_str().unwrap().to_string(),
            client_id: p["credentials"]["client_id"].as_str().unwrap().to_string(),
            client_secret: p["credentials"]["client_secret"].as_str().unwrap().to_string(),
        }
    }

    /// Installs; returns the install id.
    pub async fn install(&self, admin: &str, company: i64, app_version_id: &str, projects: &[i64]) -> i64 {
        let v = self
            .api_post(
                admin,
                &format!("/api/v1/companies/{company}/installs"),
                json!({"app_version_id": app_version_id, "permitted_project_ids": projects}),
                StatusCode::CREATED,
            )
            .await;
        v["id"].as_i64().unwrap()
    }

    /// A client_credentials access token (form body).
    pub async fn token(&self, app: &PromotedApp) -> String {
        let res = self
            .post("/oauth/token")
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", app.client_id.as_str()),
                ("client_secret", app.client_secret.as_str()),
            ])
            .send()
            .await
            .unwrap();
        let v = expect(res, StatusCode::OK).await;
        v["access_token"].as_str().unwrap().to_string()
    }

    /// The standard world: two companies with projects, a promoted app installed in both.
    pub async fn world(&self) -> World {
        let (_, dev) = self.person("dev@example.com", "Dev").await;
        let app = self.promoted_app(&dev, "Sync App").await;
        let (a, admin_a) = self.company("Acme").await;
        let (b, admin_b) = self.company("Beta").await;
        let a1 = self.project(&admin_a, a, "A1").await;
        let a2 = self.project(&admin_a, a, "A2").await;
        let a3 = self.project(&admin_a, a, "A3").await;
        let b1 = self.project(&admin_b, b, "B1").await;
        let install_a = self.install(&admin_a, a, &app.app_version_id, &[a1, a2]).await;
        let install_b = self.install(&admin_b, b, &app.app_version_id, &[b1]).await;
        World {
            dev,
            app,
            a,
            b,
            admin_a,
            admin_b,
            a1,
            a2,
            a3,
            b1,
            install_a,
            install_b,
        }
    }
}

pub struct PromotedApp {
    pub app_id: i64,
    pub app_version_id: String,
    pub client_id: String,
    pub client_secret: String,
}

#[allow(dead_code)]
pub struct World {
    pub dev: String,
    pub app: PromotedApp,
    pub a: i64,
    pub b: i64,
    pub admin_a: String,
    pub admin_b: String,
    pub a1: i64,
    pub a2: i64,
    pub a3: i64,
    pub b1: i64,
    pub install_a: i64,
    pub install_b: i64,
}

pub fn dmsa_manifest() -> Value {
    json!({
        "schema_version": "4.1",
        "components": { "oauth": { "grant_type": "client_credentials" } },
        "permissions": {
            "company": { "directory": "read_only" },
            "project": { "documents": "standard" }
        },
        "post_installation_instruction": {
            "notes": "Pick the projects to sync.",
            "page": { "url": "https://example.com/setup", "label": "Setup guide" }
        }
    })
}

/// Asserts the status (printing the body on mismatch) and returns the JSON body (Null if empty).
pub async fn expect(res: Response, want: StatusCode) -> Value {
    let status = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(status, want, "unexpected status; body: {text}");
    if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
    }
}

/// The ids in a JSON array of objects.
pub fn ids(v: &Value) -> Vec<i64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|o| o["id"].as_i64().unwrap())
        .collect()
}

/// Every row of every table, as text: two equal snapshots mean nothing was written.
pub async fn snapshot(url: &str) -> String {
    use sqlx::{Column, Row};
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
        "company_invitations",
    ];
    macro_rules! dump {
        ($pool:expr) => {{
            let mut out = String::new();
            for t in TABLES {
                let rows = sqlx::query(&format!("SELECT * FROM {t} ORDER BY 1, 2"))
                    .fetch_all(&$pool)
                    .await
                    .unwrap();
                out.push_str(&format!("## {t} {}\n", rows.len()));
                for row in rows {
                    for c in row.columns() {
                        let i = c.ordinal();
                        let cell = row
                            .try_get::<Option<i64>, _>(i)
                            .map(|v| format!("{v:?}"))
                            .or_else(|_| row.try_get::<Option<String>, _>(i).map(|v| format!("{v:?}")))
                            .or_else(|_| row.try_get::<Option<bool>, _>(i).map(|v| format!("{v:?}")))
                            .unwrap_or_else(|_| "?".into());
                        out.push_str(&cell);
                        out.push('|');
                    }
                    out.push('\n');
                }
            }
            out
        }};
    }
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        dump!(pool)
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        dump!(pool)
    }
}

/// A DMSA app whose manifest grants `documents` and `directory` at the given levels, installed
/// in `company` with `projects` permitted; returns its access token.
#[allow(clippy::too_many_arguments)]
pub async fn app_at_levels(
    app: &TestApp,
    dev: &str,
    admin: &str,
    company: i64,
    projects: &[i64],
    name: &str,
    company_level: &str,
    project_level: &str,
) -> String {
    let permissions = json!({
        "company": {"directory": company_level},
        "project": {"documents": project_level, "directory": project_level}
    });
    app_with_permissions(app, dev, admin, company, projects, name, permissions).await
}

/// A promoted DMSA app named `name` whose manifest asks for `permissions`, installed by `admin`
/// in `company` with `projects` permitted; returns its access token.
pub async fn app_with_permissions(
    app: &TestApp,
    dev: &str,
    admin: &str,
    company: i64,
    projects: &[i64],
    name: &str,
    permissions: Value,
) -> String {
    let created = app
        .api_post(dev, "/api/v1/apps", json!({"name": name}), StatusCode::CREATED)
        .await;
    let id = created["app"]["id"].as_i64().unwrap();
    let manifest = json!({
        "schema_version": "4.1",
        "components": {"oauth": {"grant_type": "client_credentials"}},
        "permissions": permissions,
    });
    let v = app
        .api_post(
            dev,
            &format!("/api/v1/apps/{id}/versions"),
            json!({"version": "1.0.0", "manifest": manifest}),
            StatusCode::CREATED,
        )
        .await;
    let p = app
        .api_post(
            dev,
            &format!("/api/v1/apps/{id}/versions/{}/promote", v["id"]),
            json!({}),
            StatusCode::OK,
        )
        .await;
    let promoted = PromotedApp {
        app_id: id,
        app_version_id: p["version"]["app_version_id"].as_str().unwrap().to_string(),
        client_id: p["credentials"]["client_id"].as_str().unwrap().to_string(),
        client_secret: p["credentials"]["client_secret"].as_str().unwrap().to_string(),
    };
    app.install(admin, company, &promoted.app_version_id, projects).await;
    app.token(&promoted).await
}

/// A browser: keeps cookies, never follows redirects.
pub struct Browser {
    pub http: reqwest::Client,
    pub cookies: Vec<(String, String)>,
    pub base: String,
}

impl Browser {
    pub fn new(app: &TestApp) -> Self {
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: vec![],
            base: app.url.clone(),
        }
    }

    pub fn keep(&mut self, res: &reqwest::Response) {
        for v in res.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap();
            assert!(
                v.contains("Secure") && v.contains("HttpOnly") && v.contains("SameSite=Lax"),
                "{v}"
            );
            let (k, rest) = v.split_once('=').unwrap();
            let val = rest.split(';').next().unwrap().to_string();
            self.cookies.retain(|(n, _)| n != k);
            self.cookies.push((k.to_string(), val));
        }
    }

    pub fn cookie(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn get(&mut self, path: &str) -> reqwest::Response {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookie())
            .send()
            .await
            .unwrap();
        self.keep(&res);
        res
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie())
            .form(form)
            .send()
            .await
            .unwrap();
        self.keep(&res);
        res
    }
}

pub fn field(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name} in {html}")) + marker.len();
    let end = start + html[start..].find('"').unwrap();
    html[start..end]
        .replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

pub fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

pub fn query_param(url: &str, name: &str) -> Option<String> {
    let q = url.split_once('?')?.1;
    serde_urlencoded::from_str::<Vec<(String, String)>>(q)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// Runs the CLI as the operator (off the test's runtime, which serves its requests).
pub async fn operator_cli(app: &TestApp, args: &'static [&'static str]) -> Value {
    let (url, token) = (app.url.clone(), app.operator.clone());
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_trestle"))
            .args(args)
            .env("TRESTLE_URL", url)
            .env("TRESTLE_TOKEN", token)
            .output()
            .expect("run trestle")
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "trestle {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON output")
}
