//! `trestle companies`: companies (the operator creates them), their directory, project
//! membership, audit log and the marketplace their admins install from.

use super::args::{json_arg, Conn};
use super::client::Page;
use super::output;
use anyhow::Result;
use clap::Subcommand;
use serde_json::json;

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

pub async fn run(cmd: CompaniesCmd) -> Result<()> {
    use CompaniesCmd as C;
    match cmd {
        C::Create { conn, name, admin_user } => {
            let body = json!({"name": name, "admin_user_id": admin_user});
            output::json(&conn.client().create_company(&body).await?)
        }
        C::Show { conn, company } => output::json(&conn.client().company(company).await?),
        C::List {
            conn,
            query,
            page,
            per_page,
        } => {
            let page = Page { query, page, per_page };
            output::json(&conn.client().list_companies(&page).await?)
        }
        C::Users { conn, company } => output::json(&conn.client().list_company_users(company).await?),
        C::SetUser {
            conn,
            company,
            user,
            admin,
            permissions,
        } => {
            let body = json!({"is_admin": admin, "permissions": json_arg(permissions.as_deref())?});
            output::done(&conn.client().update_member(company, user, &body).await?);
            Ok(())
        }
        C::AddProjectUser {
            conn,
            company,
            project,
            user,
            permissions,
        } => {
            let body = json!({"user_id": user, "permissions": json_arg(permissions.as_deref())?});
            output::done(&conn.client().add_project_member(company, project, &body).await?);
            Ok(())
        }
        C::RemoveProjectUser {
            conn,
            company,
            project,
            user,
        } => {
            output::done(&conn.client().remove_project_member(company, project, user).await?);
            Ok(())
        }
        C::Audit { conn, company, csv } => {
            let client = conn.client();
            if csv {
                output::csv(&client.company_audit_csv(company).await?);
                Ok(())
            } else {
                output::json(&client.company_audit(company).await?)
            }
        }
        C::Marketplace { conn } => output::json(&conn.client().marketplace().await?),
    }
}
