//! `trestle service-accounts`: a company's traditional service accounts (legacy) and the
//! migration report.

use super::args::{json_arg, Conn};
use super::output;
use anyhow::Result;
use clap::Subcommand;
use serde_json::json;

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

pub async fn run(cmd: ServiceAccountsCmd) -> Result<()> {
    use ServiceAccountsCmd as S;
    match cmd {
        S::Create {
            conn,
            company,
            name,
            app_type,
            app,
        } => {
            let body = json!({"name": name, "app_type": app_type, "app_id": app});
            output::json(&conn.client().create_service_account(company, &body).await?)
        }
        S::List { conn, company } => output::json(&conn.client().list_service_accounts(company).await?),
        S::Permissions {
            conn,
            company,
            account,
            permissions,
        } => {
            let body = json!({"permissions": json_arg(Some(&permissions))?});
            output::done(
                &conn
                    .client()
                    .set_service_account_permissions(company, account, &body)
                    .await?,
            );
            Ok(())
        }
        S::AddProject {
            conn,
            company,
            account,
            project,
            permissions,
        } => {
            let body = json!({"project_id": project, "permissions": json_arg(permissions.as_deref())?});
            output::done(
                &conn
                    .client()
                    .add_service_account_project(company, account, &body)
                    .await?,
            );
            Ok(())
        }
        S::ResetSecret { conn, company, account } => {
            output::json(&conn.client().reset_service_account_secret(company, account).await?)
        }
        S::Retire {
            conn,
            company,
            account,
            force,
        } => {
            let body = json!({"force": force});
            output::done(&conn.client().retire_service_account(company, account, &body).await?);
            Ok(())
        }
        S::Report { conn, company, csv } => {
            let client = conn.client();
            if csv {
                output::csv(&client.migration_report_csv(company).await?);
                Ok(())
            } else {
                output::json(&client.migration_report(company).await?)
            }
        }
    }
}
