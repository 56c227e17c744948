//! The CLI over the management API. Every command is one HTTP call through the typed client
//! `trestle_api::client::Client`; the answer is printed as pretty JSON. Set `TRESTLE_URL` and
//! `TRESTLE_TOKEN` (an API token), or pass `--url`/`--token`.
//!
//! One module per command group, each with its subcommand enum and its handlers; this one
//! puts them together and dispatches.

mod account;
mod apps;
mod args;
mod clock;
mod companies;
mod endpoints;
mod faults;
mod installs;
mod invitations;
mod mail;
mod metrics;
mod output;
mod people;
mod projects;
mod sandbox;
mod secrets;
mod service_accounts;
mod versions;

use anyhow::Result;
use apps::AppsCmd;
use args::Conn;
use clap::Subcommand;
use clock::ClockCmd;
use companies::CompaniesCmd;
use endpoints::EndpointsCmd;
use faults::FaultsCmd;
use installs::InstallsCmd;
use invitations::InvitationsCmd;
use mail::MailCmd;
use people::PeopleCmd;
use projects::ProjectsCmd;
use sandbox::SandboxCmd;
use secrets::SecretsCmd;
use service_accounts::ServiceAccountsCmd;
use versions::VersionsCmd;

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
    /// E-mail notifications: every message for the operator, a person's own.
    #[command(subcommand)]
    Mail(MailCmd),
    /// Developers: apps.
    #[command(subcommand)]
    Apps(AppsCmd),
    /// Developers: manifest versions and promotion.
    #[command(subcommand)]
    Versions(VersionsCmd),
    /// Developers: client credentials and secret rotation.
    #[command(subcommand)]
    Secrets(SecretsCmd),
    /// Developers: the app's lifecycle webhook endpoints, their deliveries and redelivery.
    #[command(subcommand)]
    Endpoints(EndpointsCmd),
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
    /// Operator: a sandbox server's clock (show it, move it forward).
    #[command(subcommand)]
    Clock(ClockCmd),
    /// Operator: a sandbox server's snapshot (show it, take it) and reset to it.
    #[command(subcommand)]
    Sandbox(SandboxCmd),
    /// Operator: a sandbox node's scripted fault rules (add, list, remove).
    #[command(subcommand)]
    Faults(FaultsCmd),
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

pub async fn run(cmd: ClientCommand) -> Result<()> {
    use ClientCommand as C;
    let outcome = match cmd {
        C::Whoami { conn } => account::whoami(&conn).await,
        C::People(cmd) => people::run(cmd).await,
        C::Companies(cmd) => companies::run(cmd).await,
        C::Projects(cmd) => projects::run(cmd).await,
        C::Invitations(cmd) => invitations::run(cmd).await,
        C::Mail(cmd) => mail::run(cmd).await,
        C::Apps(cmd) => apps::run(cmd).await,
        C::Versions(cmd) => versions::run(cmd).await,
        C::Secrets(cmd) => secrets::run(cmd).await,
        C::Endpoints(cmd) => endpoints::run(cmd).await,
        C::Metrics {
            conn,
            app,
            from,
            to,
            csv,
        } => metrics::run(&conn, app, trestle_api::client::Period { from, to }, csv.as_deref()).await,
        C::Installs(cmd) => installs::run(cmd).await,
        C::ServiceAccounts(cmd) => service_accounts::run(cmd).await,
        C::Clock(cmd) => clock::run(cmd).await,
        C::Sandbox(cmd) => sandbox::run(cmd).await,
        C::Faults(cmd) => faults::run(cmd).await,
        C::Token {
            conn,
            client_id,
            client_secret,
        } => account::token(&conn, &client_id, &client_secret).await,
    };
    if let Err(e) = &outcome {
        output::refusal(e);
    }
    outcome
}
