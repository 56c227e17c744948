//! `trestle projects`: a company's projects (create, bulk create, change, deactivate,
//! delete).

use super::args::{read_json, Conn};
use super::client::Page;
use super::output;
use anyhow::{bail, Result};
use clap::Subcommand;
use serde_json::{json, Map, Value};
use std::path::PathBuf;

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
            let body = json!({"name": name, "project_number": number, "address": address, "city": city,
                "state_code": state_code, "country_code": country_code, "zip": zip});
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
            let mut body = Map::new();
            if let Some(n) = name {
                body.insert("name".into(), n.into());
            }
            for (k, v) in [
                ("project_number", number),
                ("address", address),
                ("city", city),
                ("state_code", state_code),
                ("country_code", country_code),
                ("zip", zip),
            ] {
                if let Some(v) = v {
                    body.insert(k.into(), if v.is_empty() { Value::Null } else { v.into() });
                }
            }
            if body.is_empty() {
                bail!("nothing to change: give --name, --number, --address, --city, --state-code, --country-code or --zip");
            }
            let body = Value::Object(body);
            output::json(&conn.client().update_project(company, project, &body).await?)
        }
        P::Deactivate { conn, company, project } => {
            let body = json!({"active": false});
            output::json(&conn.client().update_project(company, project, &body).await?)
        }
        P::Reactivate { conn, company, project } => {
            let body = json!({"active": true});
            output::json(&conn.client().update_project(company, project, &body).await?)
        }
        P::Delete { conn, company, project } => {
            conn.client().delete_project(company, project).await?;
            println!("Deleted project {project}.");
            Ok(())
        }
    }
}
