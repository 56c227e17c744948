//! The CLI over the management API. Every command is one HTTP call; the JSON answer is printed
//! as is. Set `TRESTLE_URL` and `TRESTLE_TOKEN` (an API token), or pass `--url`/`--token`.

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{json, Value};
use std::path::PathBuf;

mod manage;
pub use manage::{InvitationsCmd, ProjectsCmd};

#[derive(Args, Clone)]
pub struct Conn {
    /// Trestle base URL.
    #[arg(long, env = "TRESTLE_URL", default_value = "http://127.0.0.1:8080", global = true)]
    url: String,
    /// API token (trs_…).
    #[arg(long, env = "TRESTLE_TOKEN", global = true, hide_env_values = true)]
    token: Option<String>,
}

#[derive(Subcommand)]
pub enum ClientCommand {
    /// Show who the API token belongs to.
    Whoami {
        #[command(flatten)]
        conn: Conn,
    },
    /// Operator: people (developers, company users).
    #[command(subcommand)]
    People(PeopleCmd),
    /// Operator and company admins: companies and their directory.
    #[command(subcommand)]
    Companies(CompaniesCmd),
    /// Company admins: projects (create, bulk create, change, deactivate, delete).
    #[command(subcommand)]
    Projects(ProjectsCmd),
    /// Company admins invite people by e-mail address; people accept their own invitations.
    #[command(subcommand)]
    Invitations(InvitationsCmd),
    /// Developers: apps.
    #[command(subcommand)]
    Apps(AppsCmd),
    /// Developers: manifest versions and promotion.
    #[command(subcommand)]
    Versions(VersionsCmd),
    /// Developers: client credentials and secret rotation.
    #[command(subcommand)]
    Secrets(SecretsCmd),
    /// Developers: installs and uninstalls per day and per company.
    Metrics {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
        /// First day (YYYY-MM-DD, UTC).
        #[arg(long)]
        from: Option<String>,
        /// Last day (YYYY-MM-DD, UTC).
        #[arg(long)]
        to: Option<String>,
        /// Print CSV instead of JSON: `daily` or `companies`.
        #[arg(long)]
        csv: Option<String>,
    },
    /// Company admins: installs and permitted projects.
    #[command(subcommand)]
    Installs(InstallsCmd),
    /// Company admins: traditional service accounts (legacy) and the migration report.
    #[command(subcommand)]
    ServiceAccounts(ServiceAccountsCmd),
    /// Get an access token with client credentials (POST /oauth/token).
    Token {
        #[command(flatten)]
        conn: Conn,
        /// The app's client_id.
        #[arg(long, env = "TRESTLE_CLIENT_ID")]
        client_id: String,
        /// The app's client_secret.
        #[arg(long, env = "TRESTLE_CLIENT_SECRET", hide_env_values = true)]
        client_secret: String,
    },
}

#[derive(Subcommand)]
pub enum PeopleCmd {
    /// Create a person; prints their first API token once.
    Create {
        #[command(flatten)]
        conn: Conn,
        /// The person's e-mail address.
        #[arg(long)]
        email: String,
        /// The person's full name.
        #[arg(long)]
        name: String,
    },
    /// Set a person's password (to sign in to apps); the operator for anyone, a person for themself.
    Password {
        #[command(flatten)]
        conn: Conn,
        /// Person id (a number: the `user.id` that `people create` prints, or an `id` of `companies users`).
        #[arg(long)]
        user: i64,
        /// The new password (or set TRESTLE_NEW_PASSWORD).
        #[arg(long, env = "TRESTLE_NEW_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// Every person (operator): --query matches a part of the name or e-mail address.
    List {
        #[command(flatten)]
        conn: Conn,
        /// A part of the name (or number) to search for.
        #[arg(long)]
        query: Option<String>,
        /// Page number, from 1.
        #[arg(long, default_value_t = 1)]
        page: u32,
        /// Items per page.
        #[arg(long, default_value_t = 100)]
        per_page: u32,
    },
    /// Issue another API token for a person.
    Token {
        #[command(flatten)]
        conn: Conn,
        /// Person id (a number: the `user.id` that `people create` prints, or an `id` of `companies users`).
        #[arg(long)]
        user: i64,
        /// A label for the new token (shown in the audit log).
        #[arg(long, default_value = "cli")]
        label: String,
    },
}

#[derive(Subcommand)]
pub enum CompaniesCmd {
    /// Create a company with its first admin (operator).
    Create {
        #[command(flatten)]
        conn: Conn,
        /// The company's name.
        #[arg(long)]
        name: String,
        /// Person id (a number) of the company's first admin.
        #[arg(long)]
        admin_user: i64,
    },
    /// Show a company (admin).
    Show {
        #[command(flatten)]
        conn: Conn,
        /// Company id (a number; `companies[].id` in demo.json).
        #[arg(long)]
        company: i64,
    },
    /// Every company (operator), or the ones I belong to: --query matches a part of the name.
    List {
        #[command(flatten)]
        conn: Conn,
        /// A part of the company's name to search for.
        #[arg(long)]
        query: Option<String>,
        /// Page number, from 1.
        #[arg(long, default_value_t = 1)]
        page: u32,
        /// Items per page.
        #[arg(long, default_value_t = 100)]
        per_page: u32,
    },
    /// The company directory; app bots are marked (admin).
    Users {
        #[command(flatten)]
        conn: Conn,
        /// Company id (a number; `companies[].id` in demo.json).
        #[arg(long)]
        company: i64,
    },
    /// Set a person's role and company permission template, e.g. --permissions '{"documents":"standard"}'.
    SetUser {
        #[command(flatten)]
        conn: Conn,
        /// Company id (a number; `companies[].id` in demo.json).
        #[arg(long)]
        company: i64,
        /// Person id (a number: the `user.id` that `people create` prints, or an `id` of `companies users`).
        #[arg(long)]
        user: i64,
        /// Make the person a company admin.
        #[arg(long)]
        admin: bool,
        /// JSON object of tool: level.
        #[arg(long)]
        permissions: Option<String>,
    },
    /// Add a company member to a project (admin).
    AddProjectUser {
        #[command(flatten)]
        conn: Conn,
        /// Company id (a number; `companies[].id` in demo.json).
        #[arg(long)]
        company: i64,
        /// Project id (a number, as `projects list` prints it).
        #[arg(long)]
        project: i64,
        /// Person id (a number: the `user.id` that `people create` prints, or an `id` of `companies users`).
        #[arg(long)]
        user: i64,
        /// JSON object of tool: level.
        #[arg(long)]
        permissions: Option<String>,
    },
    /// Remove a person from a project (admin).
    RemoveProjectUser {
        #[command(flatten)]
        conn: Conn,
        /// Company id (a number; `companies[].id` in demo.json).
        #[arg(long)]
        company: i64,
        /// Project id (a number, as `projects list` prints it).
        #[arg(long)]
        project: i64,
        /// Person id (a number: the `user.id` that `people create` prints, or an `id` of `companies users`).
        #[arg(long)]
        user: i64,
    },
    /// The company's audit log (admin); --csv prints it as CSV.
    Audit {
        #[command(flatten)]
        conn: Conn,
        /// Company id (a number; `companies[].id` in demo.json).
        #[arg(long)]
        company: i64,
        /// Print CSV instead of JSON.
        #[arg(long)]
        csv: bool,
    },
    /// Published apps (installable with `installs create --app-id`).
    Marketplace {
        #[command(flatten)]
        conn: Conn,
    },
}

#[derive(Subcommand)]
pub enum AppsCmd {
    /// Create an app with its development sandbox (prints the sandbox secret once).
    Create {
        #[command(flatten)]
        conn: Conn,
        /// The app's name.
        #[arg(long)]
        name: String,
    },
    /// Your apps.
    List {
        #[command(flatten)]
        conn: Conn,
    },
    /// Show an app, its clients and its status.
    Show {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
    },
    /// Rename an app.
    Rename {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
        /// The app's name.
        #[arg(long)]
        name: String,
    },
    /// Delete an app (refused while installed anywhere); repeat its name with --confirm.
    Delete {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
        /// The app's name, repeated (anything else is refused).
        #[arg(long)]
        confirm: String,
    },
    /// Update offers made to installed companies.
    Updates {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
    },
    /// Register a redirect URI for the authorization-code flow (exact match).
    AddRedirectUri {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
        /// The redirect URI (matched exactly at sign-in).
        #[arg(long)]
        uri: String,
    },
    /// List the app in the marketplace.
    Publish {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
    },
    /// The app's audit log.
    Audit {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
    },
    /// Operator: suspend an app (no tokens; its tokens are refused) until resumed.
    Suspend {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
        /// Why (shown to the developer, kept in the audit log).
        #[arg(long)]
        reason: String,
    },
    /// Operator: lift an app's suspension.
    Resume {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
    },
}

#[derive(Subcommand)]
pub enum ServiceAccountsCmd {
    /// Create one (prints its secret once); --app-type custom, or marketplace with --app.
    Create {
        #[command(flatten)]
        conn: Conn,
        /// Company id (a number; `companies[].id` in demo.json).
        #[arg(long)]
        company: i64,
        /// The service account's name.
        #[arg(long)]
        name: String,
        /// `custom`, or `marketplace` (then --app names the published app).
        #[arg(long, default_value = "custom")]
        app_type: String,
        /// With --app-type marketplace: the published app's id (a number).
        #[arg(long)]
        app: Option<i64>,
    },
    /// The company's traditional service accounts (admin).
    List {
        #[command(flatten)]
        conn: Conn,
        /// Company id (a number; `companies[].id` in demo.json).
        #[arg(long)]
        company: i64,
    },
    /// Grant company permissions, e.g. --permissions '{"directory":"read_only"}'.
    Permissions {
        #[command(flatten)]
        conn: Conn,
        /// Company id (a number; `companies[].id` in demo.json).
        #[arg(long)]
        company: i64,
        /// Service account id (a number, as `service-accounts list` prints it).
        #[arg(long)]
        account: i64,
        /// JSON object of tool: level, e.g. '{"directory":"read_only"}'.
        #[arg(long)]
        permissions: String,
    },
    /// Add the account to a project.
    AddProject {
        #[command(flatten)]
        conn: Conn,
        /// Company id (a number; `companies[].id` in demo.json).
        #[arg(long)]
        company: i64,
        /// Service account id (a number, as `service-accounts list` prints it).
        #[arg(long)]
        account: i64,
        /// Project id (a number, as `projects list` prints it).
        #[arg(long)]
        project: i64,
        /// JSON object of tool: level, e.g. '{"documents":"standard"}'.
        #[arg(long)]
        permissions: Option<String>,
    },
    /// New secret (printed once); resets every permission and project membership.
    ResetSecret {
        #[command(flatten)]
        conn: Conn,
        /// Company id (a number; `companies[].id` in demo.json).
        #[arg(long)]
        company: i64,
        /// Service account id (a number, as `service-accounts list` prints it).
        #[arg(long)]
        account: i64,
    },
    /// Retire once a DMSA install covers it (--force to retire anyway).
    Retire {
        #[command(flatten)]
        conn: Conn,
        /// Company id (a number; `companies[].id` in demo.json).
        #[arg(long)]
        company: i64,
        /// Service account id (a number, as `service-accounts list` prints it).
        #[arg(long)]
        account: i64,
        /// Retire even where the DMSA app does not cover the account yet.
        #[arg(long)]
        force: bool,
    },
    /// The migration report of a company, or of every company (operator) without --company.
    Report {
        #[command(flatten)]
        conn: Conn,
        /// Company id (a number); without it, the operator's report across every company.
        #[arg(long)]
        company: Option<i64>,
        /// Print CSV instead of JSON.
        #[arg(long)]
        csv: bool,
    },
}

#[derive(Subcommand)]
pub enum SecretsCmd {
    /// The app's clients and their secrets (metadata only).
    List {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
    },
    /// Add a secret (printed once); the old ones keep working until retired or expired.
    Rotate {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
        /// `production` or `sandbox`.
        #[arg(long, default_value = "production")]
        environment: String,
        /// Make the other secrets expire this many seconds from now.
        #[arg(long)]
        expire_others_in: Option<i64>,
    },
    /// Retire a secret now.
    Retire {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
        /// `production` or `sandbox`.
        #[arg(long, default_value = "production")]
        environment: String,
        /// Secret id (a number, as `secrets list` prints it).
        #[arg(long)]
        secret: i64,
    },
}

#[derive(Subcommand)]
pub enum VersionsCmd {
    /// Create a version from a manifest file (JSON).
    Create {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
        /// Semantic version, e.g. 1.0.0 (higher than every earlier version).
        #[arg(long)]
        version: String,
        /// Path of the manifest file (JSON).
        #[arg(long)]
        manifest: PathBuf,
    },
    /// Save a new manifest into a version that is still ready for testing.
    Update {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
        /// Version id (a number, the `id` that `versions list` prints; not the App Version ID).
        #[arg(long)]
        version_id: i64,
        /// Path of the manifest file (JSON).
        #[arg(long)]
        manifest: PathBuf,
    },
    /// An app's versions and their status.
    List {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
    },
    /// The permission difference between two versions.
    Diff {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
        /// Version id (a number) to compare from.
        #[arg(long)]
        from: i64,
        /// Version id (a number) to compare to.
        #[arg(long)]
        to: i64,
    },
    /// Promote to production (the first promotion prints the client secret, once).
    Promote {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
        /// Version id (a number, the `id` that `versions list` prints; not the App Version ID).
        #[arg(long)]
        version_id: i64,
    },
}

#[derive(Subcommand)]
pub enum InstallsCmd {
    /// Install: by App Version ID (custom install) or by --app-id (marketplace).
    Create {
        #[command(flatten)]
        conn: Conn,
        /// Company id (a number; `companies[].id` in demo.json).
        #[arg(long)]
        company: i64,
        /// Custom install: a promoted version's App Version ID (a 36-character UUID), or a version's `sandbox_key` to install it into the app's development sandbox.
        #[arg(long, default_value = "")]
        app_version_id: String,
        /// A published app's id (marketplace install).
        #[arg(long)]
        app_id: Option<i64>,
        /// A permitted project (repeat for several).
        #[arg(long = "project")]
        projects: Vec<i64>,
        /// Also permit every project created later.
        #[arg(long)]
        add_to_new_projects: bool,
    },
    /// The company's installed apps (admin).
    List {
        #[command(flatten)]
        conn: Conn,
        /// Company id (a number; `companies[].id` in demo.json).
        #[arg(long)]
        company: i64,
    },
    /// Show an install: version, bot, permitted projects (admin).
    Show {
        #[command(flatten)]
        conn: Conn,
        /// Company id (a number; `companies[].id` in demo.json).
        #[arg(long)]
        company: i64,
        /// Install id (a number, as `installs list` prints it; `companies[].install_id` in demo.json).
        #[arg(long)]
        install: i64,
    },
    /// Uninstall the app: its tokens stop acting in the company at once (admin).
    Uninstall {
        #[command(flatten)]
        conn: Conn,
        /// Company id (a number; `companies[].id` in demo.json).
        #[arg(long)]
        company: i64,
        /// Install id (a number, as `installs list` prints it; `companies[].install_id` in demo.json).
        #[arg(long)]
        install: i64,
    },
    /// Permit more projects.
    AddProjects {
        #[command(flatten)]
        conn: Conn,
        /// Company id (a number; `companies[].id` in demo.json).
        #[arg(long)]
        company: i64,
        /// Install id (a number, as `installs list` prints it; `companies[].install_id` in demo.json).
        #[arg(long)]
        install: i64,
        /// A project id to permit (a number; repeat for several).
        #[arg(long = "project", required = true)]
        projects: Vec<i64>,
    },
    /// Permit every active project.
    AddAllProjects {
        #[command(flatten)]
        conn: Conn,
        /// Company id (a number; `companies[].id` in demo.json).
        #[arg(long)]
        company: i64,
        /// Install id (a number, as `installs list` prints it; `companies[].install_id` in demo.json).
        #[arg(long)]
        install: i64,
    },
    /// Stop permitting a project (admin).
    RemoveProject {
        #[command(flatten)]
        conn: Conn,
        /// Company id (a number; `companies[].id` in demo.json).
        #[arg(long)]
        company: i64,
        /// Install id (a number, as `installs list` prints it; `companies[].install_id` in demo.json).
        #[arg(long)]
        install: i64,
        /// Project id (a number, as `projects list` prints it).
        #[arg(long)]
        project: i64,
    },
    /// Update offers for an install.
    Updates {
        #[command(flatten)]
        conn: Conn,
        /// Company id (a number; `companies[].id` in demo.json).
        #[arg(long)]
        company: i64,
        /// Install id (a number, as `installs list` prints it; `companies[].install_id` in demo.json).
        #[arg(long)]
        install: i64,
    },
    /// Turn "add to all new projects" on or off.
    AddToNewProjects {
        #[command(flatten)]
        conn: Conn,
        /// Company id (a number; `companies[].id` in demo.json).
        #[arg(long)]
        company: i64,
        /// Install id (a number, as `installs list` prints it; `companies[].install_id` in demo.json).
        #[arg(long)]
        install: i64,
        /// `on` or `off`.
        #[arg(long)]
        state: String,
    },
    /// Approve a pending update (the bot gets the new version's permissions).
    Approve {
        #[command(flatten)]
        conn: Conn,
        /// Company id (a number; `companies[].id` in demo.json).
        #[arg(long)]
        company: i64,
        /// Install id (a number, as `installs list` prints it; `companies[].install_id` in demo.json).
        #[arg(long)]
        install: i64,
        /// Update offer id (a number, as `installs updates` prints it).
        #[arg(long)]
        update: i64,
    },
}

async fn call(conn: &Conn, method: Method, path: &str, body: Option<Value>) -> Result<()> {
    let res = send(conn, method.clone(), path, body).await?;
    if res.status() == reqwest::StatusCode::NO_CONTENT {
        // Nothing to print from the server: say what was done, so a script's log shows it.
        println!("done: {method} {path} ({})", res.status());
        return Ok(());
    }
    print_response(res).await
}

async fn send(conn: &Conn, method: Method, path: &str, body: Option<Value>) -> Result<reqwest::Response> {
    let url = format!("{}{}", conn.url.trim_end_matches('/'), path);
    let mut req = reqwest::Client::new().request(method, &url);
    match &conn.token {
        Some(t) => req = req.bearer_auth(t),
        None => bail!("no API token: pass --token or set TRESTLE_TOKEN"),
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.with_context(|| format!("calling {url}"))
}

async fn print_response(res: reqwest::Response) -> Result<()> {
    let status = res.status();
    let text = res.text().await.unwrap_or_default();
    let pretty = serde_json::from_str::<Value>(&text)
        .map(|v| serde_json::to_string_pretty(&v).unwrap_or(text.clone()))
        .unwrap_or(text);
    if status.is_success() {
        if !pretty.is_empty() {
            println!("{pretty}");
        }
        Ok(())
    } else {
        eprintln!("{pretty}");
        bail!("the server answered {status}")
    }
}

async fn service_accounts(cmd: ServiceAccountsCmd) -> Result<()> {
    use ServiceAccountsCmd as S;
    let base = |c: i64| format!("/api/v1/companies/{c}/service_accounts");
    match cmd {
        S::Create {
            conn,
            company,
            name,
            app_type,
            app,
        } => {
            let body = json!({"name": name, "app_type": app_type, "app_id": app});
            call(&conn, Method::POST, &base(company), Some(body)).await
        }
        S::List { conn, company } => call(&conn, Method::GET, &base(company), None).await,
        S::Permissions {
            conn,
            company,
            account,
            permissions,
        } => {
            let body = json!({"permissions": json_arg(Some(&permissions))?});
            call(
                &conn,
                Method::PUT,
                &format!("{}/{account}/permissions", base(company)),
                Some(body),
            )
            .await
        }
        S::AddProject {
            conn,
            company,
            account,
            project,
            permissions,
        } => {
            let body = json!({"project_id": project, "permissions": json_arg(permissions.as_deref())?});
            call(
                &conn,
                Method::POST,
                &format!("{}/{account}/projects", base(company)),
                Some(body),
            )
            .await
        }
        S::ResetSecret { conn, company, account } => {
            call(
                &conn,
                Method::POST,
                &format!("{}/{account}/reset_secret", base(company)),
                None,
            )
            .await
        }
        S::Retire {
            conn,
            company,
            account,
            force,
        } => {
            call(
                &conn,
                Method::POST,
                &format!("{}/{account}/retire", base(company)),
                Some(json!({"force": force})),
            )
            .await
        }
        S::Report { conn, company, csv } => {
            let path = match company {
                Some(c) => format!("{}/migration_report", base(c)),
                None => "/api/v1/service_accounts/migration_report".into(),
            };
            if csv {
                print_text(send(&conn, Method::GET, &format!("{path}.csv"), None).await?).await
            } else {
                call(&conn, Method::GET, &path, None).await
            }
        }
    }
}

/// Prints a non-JSON answer (CSV) as is.
async fn print_text(res: reqwest::Response) -> Result<()> {
    let status = res.status();
    let text = res.text().await.unwrap_or_default();
    if status.is_success() {
        print!("{text}");
        Ok(())
    } else {
        eprintln!("{text}");
        bail!("the server answered {status}")
    }
}

/// A JSON argument given on the command line.
fn json_arg(v: Option<&str>) -> Result<Value> {
    match v {
        None => Ok(Value::Null),
        Some(s) => serde_json::from_str(s).with_context(|| format!("{s:?} is not valid JSON")),
    }
}

fn read_json(path: &PathBuf) -> Result<Value> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", path.display()))
}

pub async fn run(cmd: ClientCommand) -> Result<()> {
    use ClientCommand as C;
    match cmd {
        C::Whoami { conn } => call(&conn, Method::GET, "/api/v1/me", None).await,
        C::People(PeopleCmd::Create { conn, email, name }) => {
            call(
                &conn,
                Method::POST,
                "/api/v1/people",
                Some(json!({"email": email, "name": name})),
            )
            .await
        }
        C::People(PeopleCmd::Token { conn, user, label }) => {
            call(
                &conn,
                Method::POST,
                &format!("/api/v1/people/{user}/api_tokens"),
                Some(json!({"label": label})),
            )
            .await
        }
        C::Companies(CompaniesCmd::Create { conn, name, admin_user }) => {
            call(
                &conn,
                Method::POST,
                "/api/v1/companies",
                Some(json!({"name": name, "admin_user_id": admin_user})),
            )
            .await
        }
        C::Companies(CompaniesCmd::Show { conn, company }) => {
            call(&conn, Method::GET, &format!("/api/v1/companies/{company}"), None).await
        }
        C::Companies(CompaniesCmd::List {
            conn,
            query,
            page,
            per_page,
        }) => manage::list(&conn, "/api/v1/companies", query, page, per_page).await,
        C::People(PeopleCmd::List {
            conn,
            query,
            page,
            per_page,
        }) => manage::list(&conn, "/api/v1/people", query, page, per_page).await,
        C::Projects(cmd) => manage::projects(cmd).await,
        C::Invitations(cmd) => manage::invitations(cmd).await,
        C::Apps(AppsCmd::Create { conn, name }) => {
            call(&conn, Method::POST, "/api/v1/apps", Some(json!({"name": name}))).await
        }
        C::Apps(AppsCmd::List { conn }) => call(&conn, Method::GET, "/api/v1/apps", None).await,
        C::Apps(AppsCmd::Show { conn, app }) => call(&conn, Method::GET, &format!("/api/v1/apps/{app}"), None).await,
        C::Apps(AppsCmd::Rename { conn, app, name }) => {
            call(
                &conn,
                Method::PATCH,
                &format!("/api/v1/apps/{app}"),
                Some(json!({"name": name})),
            )
            .await
        }
        C::Apps(AppsCmd::Delete { conn, app, confirm }) => {
            call(
                &conn,
                Method::DELETE,
                &format!("/api/v1/apps/{app}"),
                Some(json!({"confirm": confirm})),
            )
            .await
        }
        C::ServiceAccounts(cmd) => service_accounts(cmd).await,
        C::People(PeopleCmd::Password { conn, user, password }) => {
            call(
                &conn,
                Method::PUT,
                &format!("/api/v1/people/{user}/password"),
                Some(json!({"password": password})),
            )
            .await
        }
        C::Apps(AppsCmd::AddRedirectUri { conn, app, uri }) => {
            call(
                &conn,
                Method::POST,
                &format!("/api/v1/apps/{app}/redirect_uris"),
                Some(json!({"uri": uri})),
            )
            .await
        }
        C::Apps(AppsCmd::Publish { conn, app }) => {
            call(&conn, Method::POST, &format!("/api/v1/apps/{app}/publish"), None).await
        }
        C::Apps(AppsCmd::Audit { conn, app }) => {
            call(&conn, Method::GET, &format!("/api/v1/apps/{app}/audit"), None).await
        }
        C::Apps(AppsCmd::Suspend { conn, app, reason }) => {
            call(
                &conn,
                Method::POST,
                &format!("/api/v1/apps/{app}/suspend"),
                Some(json!({ "reason": reason })),
            )
            .await
        }
        C::Apps(AppsCmd::Resume { conn, app }) => {
            call(&conn, Method::POST, &format!("/api/v1/apps/{app}/resume"), None).await
        }
        C::Companies(CompaniesCmd::Users { conn, company }) => {
            call(&conn, Method::GET, &format!("/api/v1/companies/{company}/users"), None).await
        }
        C::Companies(CompaniesCmd::SetUser {
            conn,
            company,
            user,
            admin,
            permissions,
        }) => {
            let body = json!({"is_admin": admin, "permissions": json_arg(permissions.as_deref())?});
            call(
                &conn,
                Method::PUT,
                &format!("/api/v1/companies/{company}/users/{user}"),
                Some(body),
            )
            .await
        }
        C::Companies(CompaniesCmd::AddProjectUser {
            conn,
            company,
            project,
            user,
            permissions,
        }) => {
            let body = json!({"user_id": user, "permissions": json_arg(permissions.as_deref())?});
            call(
                &conn,
                Method::POST,
                &format!("/api/v1/companies/{company}/projects/{project}/users"),
                Some(body),
            )
            .await
        }
        C::Companies(CompaniesCmd::RemoveProjectUser {
            conn,
            company,
            project,
            user,
        }) => {
            let path = format!("/api/v1/companies/{company}/projects/{project}/users/{user}");
            call(&conn, Method::DELETE, &path, None).await
        }
        C::Companies(CompaniesCmd::Audit { conn, company, csv }) => {
            if csv {
                print_text(
                    send(
                        &conn,
                        Method::GET,
                        &format!("/api/v1/companies/{company}/audit.csv"),
                        None,
                    )
                    .await?,
                )
                .await
            } else {
                call(&conn, Method::GET, &format!("/api/v1/companies/{company}/audit"), None).await
            }
        }
        C::Companies(CompaniesCmd::Marketplace { conn }) => call(&conn, Method::GET, "/api/v1/marketplace", None).await,
        C::Installs(InstallsCmd::AddToNewProjects {
            conn,
            company,
            install,
            state,
        }) => {
            let on = match state.as_str() {
                "on" => true,
                "off" => false,
                other => bail!("--state takes on or off, not {other:?}"),
            };
            let path = format!("/api/v1/companies/{company}/installs/{install}");
            call(&conn, Method::PATCH, &path, Some(json!({"add_to_new_projects": on}))).await
        }
        C::Apps(AppsCmd::Updates { conn, app }) => {
            call(&conn, Method::GET, &format!("/api/v1/apps/{app}/updates"), None).await
        }
        C::Versions(VersionsCmd::Diff { conn, app, from, to }) => {
            call(
                &conn,
                Method::GET,
                &format!("/api/v1/apps/{app}/versions/diff?from={from}&to={to}"),
                None,
            )
            .await
        }
        C::Secrets(SecretsCmd::List { conn, app }) => {
            call(&conn, Method::GET, &format!("/api/v1/apps/{app}/credentials"), None).await
        }
        C::Secrets(SecretsCmd::Rotate {
            conn,
            app,
            environment,
            expire_others_in,
        }) => {
            let body = json!({"expire_others_in_seconds": expire_others_in});
            call(
                &conn,
                Method::POST,
                &format!("/api/v1/apps/{app}/credentials/{environment}/secrets"),
                Some(body),
            )
            .await
        }
        C::Secrets(SecretsCmd::Retire {
            conn,
            app,
            environment,
            secret,
        }) => {
            let path = format!("/api/v1/apps/{app}/credentials/{environment}/secrets/{secret}");
            call(&conn, Method::DELETE, &path, None).await
        }
        C::Metrics {
            conn,
            app,
            from,
            to,
            csv,
        } => {
            let mut q = vec![];
            if let Some(f) = from {
                q.push(format!("from={f}"));
            }
            if let Some(t) = to {
                q.push(format!("to={t}"));
            }
            let q = if q.is_empty() {
                String::new()
            } else {
                format!("?{}", q.join("&"))
            };
            match csv.as_deref() {
                None => call(&conn, Method::GET, &format!("/api/v1/apps/{app}/metrics{q}"), None).await,
                Some(table @ ("daily" | "companies")) => {
                    let res = send(
                        &conn,
                        Method::GET,
                        &format!("/api/v1/apps/{app}/metrics/{table}.csv{q}"),
                        None,
                    )
                    .await?;
                    let status = res.status();
                    let text = res.text().await.unwrap_or_default();
                    if status.is_success() {
                        print!("{text}");
                        Ok(())
                    } else {
                        eprintln!("{text}");
                        bail!("the server answered {status}")
                    }
                }
                Some(other) => bail!("--csv takes daily or companies, not {other:?}"),
            }
        }
        C::Versions(VersionsCmd::Create {
            conn,
            app,
            version,
            manifest,
        }) => {
            let body = json!({"version": version, "manifest": read_json(&manifest)?});
            call(&conn, Method::POST, &format!("/api/v1/apps/{app}/versions"), Some(body)).await
        }
        C::Versions(VersionsCmd::Update {
            conn,
            app,
            version_id,
            manifest,
        }) => {
            let body = json!({"manifest": read_json(&manifest)?});
            call(
                &conn,
                Method::PATCH,
                &format!("/api/v1/apps/{app}/versions/{version_id}"),
                Some(body),
            )
            .await
        }
        C::Versions(VersionsCmd::List { conn, app }) => {
            call(&conn, Method::GET, &format!("/api/v1/apps/{app}/versions"), None).await
        }
        C::Versions(VersionsCmd::Promote { conn, app, version_id }) => {
            call(
                &conn,
                Method::POST,
                &format!("/api/v1/apps/{app}/versions/{version_id}/promote"),
                None,
            )
            .await
        }
        C::Installs(InstallsCmd::Create {
            conn,
            company,
            app_version_id,
            app_id,
            projects,
            add_to_new_projects,
        }) => {
            let body = json!({
                "app_version_id": app_version_id,
                "app_id": app_id,
                "permitted_project_ids": projects,
                "add_to_new_projects": add_to_new_projects
            });
            call(
                &conn,
                Method::POST,
                &format!("/api/v1/companies/{company}/installs"),
                Some(body),
            )
            .await
        }
        C::Installs(InstallsCmd::List { conn, company }) => {
            call(
                &conn,
                Method::GET,
                &format!("/api/v1/companies/{company}/installs"),
                None,
            )
            .await
        }
        C::Installs(InstallsCmd::Show { conn, company, install }) => {
            call(
                &conn,
                Method::GET,
                &format!("/api/v1/companies/{company}/installs/{install}"),
                None,
            )
            .await
        }
        C::Installs(InstallsCmd::Uninstall { conn, company, install }) => {
            call(
                &conn,
                Method::DELETE,
                &format!("/api/v1/companies/{company}/installs/{install}"),
                None,
            )
            .await
        }
        C::Installs(InstallsCmd::AddProjects {
            conn,
            company,
            install,
            projects,
        }) => {
            let path = format!("/api/v1/companies/{company}/installs/{install}/permitted_projects");
            call(&conn, Method::POST, &path, Some(json!({"project_ids": projects}))).await
        }
        C::Installs(InstallsCmd::Updates { conn, company, install }) => {
            call(
                &conn,
                Method::GET,
                &format!("/api/v1/companies/{company}/installs/{install}/updates"),
                None,
            )
            .await
        }
        C::Installs(InstallsCmd::Approve {
            conn,
            company,
            install,
            update,
        }) => {
            let path = format!("/api/v1/companies/{company}/installs/{install}/updates/{update}/approve");
            call(&conn, Method::POST, &path, None).await
        }
        C::Installs(InstallsCmd::AddAllProjects { conn, company, install }) => {
            let path = format!("/api/v1/companies/{company}/installs/{install}/permitted_projects/add_all");
            call(&conn, Method::POST, &path, None).await
        }
        C::Installs(InstallsCmd::RemoveProject {
            conn,
            company,
            install,
            project,
        }) => {
            let path = format!("/api/v1/companies/{company}/installs/{install}/permitted_projects/{project}");
            call(&conn, Method::DELETE, &path, None).await
        }
        C::Token {
            conn,
            client_id,
            client_secret,
        } => {
            let url = format!("{}/oauth/token", conn.url.trim_end_matches('/'));
            let res = reqwest::Client::new()
                .post(&url)
                .form(&[
                    ("grant_type", "client_credentials"),
                    ("client_id", &client_id),
                    ("client_secret", &client_secret),
                ])
                .send()
                .await
                .with_context(|| format!("calling {url}"))?;
            print_response(res).await
        }
    }
}
