//! `trestle installs`: a company admin's installs, permitted projects and update approvals.

use super::args::Conn;
use super::output;
use anyhow::{bail, Result};
use clap::Subcommand;
use serde_json::json;

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

pub async fn run(cmd: InstallsCmd) -> Result<()> {
    use InstallsCmd as I;
    match cmd {
        I::Create {
            conn,
            company,
            app_version_id,
            app_id,
            projects,
            add_to_new_projects,
        } => {
            let body = json!({
                "app_version_id": app_version_id,
                "app_id": app_id,
                "permitted_project_ids": projects,
                "add_to_new_projects": add_to_new_projects
            });
            output::json(&conn.client().install_app(company, &body).await?)
        }
        I::List { conn, company } => output::json(&conn.client().list_installs(company).await?),
        I::Show { conn, company, install } => output::json(&conn.client().install(company, install).await?),
        I::Uninstall { conn, company, install } => output::json(&conn.client().uninstall(company, install).await?),
        I::AddProjects {
            conn,
            company,
            install,
            projects,
        } => {
            let body = json!({"project_ids": projects});
            output::json(&conn.client().add_permitted_projects(company, install, &body).await?)
        }
        I::AddAllProjects { conn, company, install } => {
            output::json(&conn.client().add_all_permitted_projects(company, install).await?)
        }
        I::RemoveProject {
            conn,
            company,
            install,
            project,
        } => {
            output::done(
                &conn
                    .client()
                    .remove_permitted_project(company, install, project)
                    .await?,
            );
            Ok(())
        }
        I::Updates { conn, company, install } => output::json(&conn.client().install_updates(company, install).await?),
        I::AddToNewProjects {
            conn,
            company,
            install,
            state,
        } => {
            let on = match state.as_str() {
                "on" => true,
                "off" => false,
                other => bail!("--state takes on or off, not {other:?}"),
            };
            let body = json!({"add_to_new_projects": on});
            output::json(&conn.client().update_install(company, install, &body).await?)
        }
        I::Approve {
            conn,
            company,
            install,
            update,
        } => output::json(&conn.client().approve_update(company, install, update).await?),
    }
}
