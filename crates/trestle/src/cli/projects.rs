//! `trestle projects`: a company's projects (create, bulk create, change, deactivate,
//! delete).

use super::args::{read_json, Conn};
use super::output;
use anyhow::Context;
use anyhow::{bail, Result};
use clap::Subcommand;
use serde_json::{json, Value};
use std::path::PathBuf;
use trestle_api::client::Page;
use trestle_api::projects::{BulkProjects, CreateProject, UpdateProject};

#[derive(Subcommand)]
pub enum ProjectsCmd {
    /// Create a project (admin of the company).
    Create {
        #[command(flatten)]
        conn: Conn,
        /// The company id.
        #[arg(long)]
        company: i64,
        /// 1 to 200 characters.
        #[arg(long)]
        name: String,
        /// The project number.
        #[arg(long)]
        number: Option<String>,
        /// Street address.
        #[arg(long)]
        address: Option<String>,
        /// City.
        #[arg(long)]
        city: Option<String>,
        /// ISO 3166-2 subdivision code without the country, e.g. CA.
        #[arg(long)]
        state_code: Option<String>,
        /// ISO 3166-1 alpha-2 country code, e.g. US.
        #[arg(long)]
        country_code: Option<String>,
        /// Postal code.
        #[arg(long)]
        zip: Option<String>,
    },
    /// Create up to 1000 projects in one request, all or none, from a JSON file holding an
    /// array of projects (or {"projects": [...]}).
    BulkCreate {
        #[command(flatten)]
        conn: Conn,
        /// The company id.
        #[arg(long)]
        company: i64,
        /// The JSON file.
        #[arg(long)]
        file: PathBuf,
    },
    /// The company's projects (admin): active ones, or --status inactive|all; --query searches
    /// the name and number.
    List {
        #[command(flatten)]
        conn: Conn,
        /// The company id.
        #[arg(long)]
        company: i64,
        /// active (default), inactive or all.
        #[arg(long)]
        status: Option<String>,
        /// Part of the name or number.
        #[arg(long)]
        query: Option<String>,
        /// Page number, from 1.
        #[arg(long, default_value_t = 1)]
        page: u32,
        /// Items per page.
        #[arg(long, default_value_t = 100)]
        per_page: u32,
    },
    /// One project, active or not (admin).
    Show {
        #[command(flatten)]
        conn: Conn,
        /// The company id.
        #[arg(long)]
        company: i64,
        /// The project id.
        #[arg(long)]
        project: i64,
    },
    /// Change a project's name, number or address; an empty value ("") clears a field.
    Update {
        #[command(flatten)]
        conn: Conn,
        /// The company id.
        #[arg(long)]
        company: i64,
        /// The project id.
        #[arg(long)]
        project: i64,
        /// New name.
        #[arg(long)]
        name: Option<String>,
        /// Project number (free text, e.g. 001).
        #[arg(long)]
        number: Option<String>,
        /// Street address.
        #[arg(long)]
        address: Option<String>,
        /// City.
        #[arg(long)]
        city: Option<String>,
        /// State or province code (ISO 3166-2 without the country, e.g. CA).
        #[arg(long)]
        state_code: Option<String>,
        /// Country code (ISO 3166-1 alpha-2, e.g. US).
        #[arg(long)]
        country_code: Option<String>,
        /// Postal code.
        #[arg(long)]
        zip: Option<String>,
    },
    /// Deactivate a project: it leaves every project list and its tools answer "not found"
    /// until reactivated; members, permitted apps and documents are kept.
    Deactivate {
        #[command(flatten)]
        conn: Conn,
        /// The company id.
        #[arg(long)]
        company: i64,
        /// The project id.
        #[arg(long)]
        project: i64,
    },
    /// Reactivate a deactivated project.
    Reactivate {
        #[command(flatten)]
        conn: Conn,
        /// The company id.
        #[arg(long)]
        company: i64,
        /// The project id.
        #[arg(long)]
        project: i64,
    },
    /// Delete a project nothing depends on (no documents, members or permitted apps).
    Delete {
        #[command(flatten)]
        conn: Conn,
        /// The company id.
        #[arg(long)]
        company: i64,
        /// The project id.
        #[arg(long)]
        project: i64,
    },
}

pub async fn run(cmd: ProjectsCmd) -> Result<()> {
    use ProjectsCmd as P;
    match cmd {
        P::Create {
            conn,
            company,
            name,
            number,
            address,
            city,
            state_code,
            country_code,
            zip,
        } => {
            let body = CreateProject {
                name,
                project_number: number,
                address,
                city,
                state_code,
                country_code,
                zip,
            };
            output::json(&conn.client().create_project(company, &body).await?)
        }
        P::BulkCreate { conn, company, file } => {
            let body = match read_json(&file)? {
                Value::Array(items) => json!({"projects": items}),
                v @ Value::Object(_) => v,
                _ => bail!(
                    "{} must hold an array of projects or {{\"projects\": [...]}}",
                    file.display()
                ),
            };
            let body: BulkProjects = serde_json::from_value(body)
                .with_context(|| format!("{} does not hold projects as the API takes them", file.display()))?;
            output::json(&conn.client().bulk_create_projects(company, &body).await?)
        }
        P::List {
            conn,
            company,
            status,
            query,
            page,
            per_page,
        } => {
            let page = Page { query, page, per_page };
            output::json(&conn.client().list_projects(company, status, &page).await?)
        }
        P::Show { conn, company, project } => output::json(&conn.client().project(company, project).await?),
        P::Update {
            conn,
            company,
            project,
            name,
            number,
            address,
            city,
            state_code,
            country_code,
            zip,
        } => {
            // An empty value clears the field (sent as null); an absent one is left out.
            let set_or_clear = |v: Option<String>| v.map(|v| Some(v).filter(|v| !v.is_empty()));
            let body = UpdateProject {
                name,
                project_number: set_or_clear(number),
                address: set_or_clear(address),
                city: set_or_clear(city),
                state_code: set_or_clear(state_code),
                country_code: set_or_clear(country_code),
                zip: set_or_clear(zip),
                active: None,
            };
            if serde_json::to_value(&body)?.as_object().is_some_and(|o| o.is_empty()) {
                bail!("nothing to change: give --name, --number, --address, --city, --state-code, --country-code or --zip");
            }
            output::json(&conn.client().update_project(company, project, &body).await?)
        }
        P::Deactivate { conn, company, project } => {
            let body = UpdateProject {
                active: Some(false),
                ..UpdateProject::default()
            };
            output::json(&conn.client().update_project(company, project, &body).await?)
        }
        P::Reactivate { conn, company, project } => {
            let body = UpdateProject {
                active: Some(true),
                ..UpdateProject::default()
            };
            output::json(&conn.client().update_project(company, project, &body).await?)
        }
        P::Delete { conn, company, project } => {
            conn.client().delete_project(company, project).await?;
            println!("Deleted project {project}.");
            Ok(())
        }
    }
}
