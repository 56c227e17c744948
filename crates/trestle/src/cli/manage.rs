//! CLI commands for projects (change, deactivate, delete, bulk create), invitations into
//! company directories, and the operator's listings.

use super::{call, json_arg, print_response, read_json, send, Conn};
use anyhow::{bail, Result};
use clap::Subcommand;
use reqwest::Method;
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

#[derive(Subcommand)]
pub enum InvitationsCmd {
    /// Invite someone into the company directory by e-mail address (admin). They appear in
    /// the directory once they accept.
    Send {
        #[command(flatten)]
        conn: Conn,
        /// The company id.
        #[arg(long)]
        company: i64,
        /// Their e-mail address.
        #[arg(long)]
        email: String,
        /// The name for a person created by this invitation (no one has the address yet).
        #[arg(long)]
        name: Option<String>,
        /// Make them a company admin.
        #[arg(long)]
        admin: bool,
        /// JSON object of tool: level, e.g. '{"documents":"standard"}'.
        #[arg(long)]
        permissions: Option<String>,
    },
    /// The company's pending invitations (admin).
    List {
        #[command(flatten)]
        conn: Conn,
        /// The company id.
        #[arg(long)]
        company: i64,
    },
    /// Withdraw a pending invitation (admin).
    Cancel {
        #[command(flatten)]
        conn: Conn,
        /// The company id.
        #[arg(long)]
        company: i64,
        /// The invitation id.
        #[arg(long)]
        invitation: i64,
    },
    /// My pending invitations (the token's person).
    Mine {
        #[command(flatten)]
        conn: Conn,
    },
    /// Accept one of my invitations: I join the company's directory.
    Accept {
        #[command(flatten)]
        conn: Conn,
        /// The invitation id.
        #[arg(long)]
        invitation: i64,
    },
}

/// Calls an endpoint that answers 204 and says what was done.
/// Sends a request answered without a body; on success says `what` was done (once: not also
/// the generic line of [`call`]).
async fn done(conn: &Conn, method: Method, path: &str, what: String) -> Result<()> {
    let res = send(conn, method, path, None).await?;
    if res.status().is_success() {
        println!("{what}");
        return Ok(());
    }
    print_response(res).await
}

/// Percent-encodes a query value.
fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn listing(path: String, params: &[(&str, Option<String>)]) -> String {
    let q: Vec<String> = params
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", encode(v))))
        .collect();
    if q.is_empty() {
        path
    } else {
        format!("{path}?{}", q.join("&"))
    }
}

/// `GET` with `query`, `page` and `per_page`.
pub async fn list(conn: &Conn, path: &str, query: Option<String>, page: u32, per_page: u32) -> Result<()> {
    let path = listing(
        path.to_string(),
        &[
            ("query", query),
            ("page", Some(page.to_string())),
            ("per_page", Some(per_page.to_string())),
        ],
    );
    call(conn, Method::GET, &path, None).await
}

pub async fn projects(cmd: ProjectsCmd) -> Result<()> {
    use ProjectsCmd as P;
    let base = |c: i64| format!("/api/v1/companies/{c}/projects");
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
            call(&conn, Method::POST, &base(company), Some(body)).await
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
            call(&conn, Method::POST, &format!("{}/bulk", base(company)), Some(body)).await
        }
        P::List {
            conn,
            company,
            status,
            query,
            page,
            per_page,
        } => {
            let path = listing(
                base(company),
                &[
                    ("status", status),
                    ("query", query),
                    ("page", Some(page.to_string())),
                    ("per_page", Some(per_page.to_string())),
                ],
            );
            call(&conn, Method::GET, &path, None).await
        }
        P::Show { conn, company, project } => {
            call(&conn, Method::GET, &format!("{}/{project}", base(company)), None).await
        }
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
            let path = format!("{}/{project}", base(company));
            call(&conn, Method::PATCH, &path, Some(Value::Object(body))).await
        }
        P::Deactivate { conn, company, project } => {
            let path = format!("{}/{project}", base(company));
            call(&conn, Method::PATCH, &path, Some(json!({"active": false}))).await
        }
        P::Reactivate { conn, company, project } => {
            let path = format!("{}/{project}", base(company));
            call(&conn, Method::PATCH, &path, Some(json!({"active": true}))).await
        }
        P::Delete { conn, company, project } => {
            let path = format!("{}/{project}", base(company));
            done(&conn, Method::DELETE, &path, format!("Deleted project {project}.")).await
        }
    }
}

pub async fn invitations(cmd: InvitationsCmd) -> Result<()> {
    use InvitationsCmd as I;
    let base = |c: i64| format!("/api/v1/companies/{c}/invitations");
    match cmd {
        I::Send {
            conn,
            company,
            email,
            name,
            admin,
            permissions,
        } => {
            let body = json!({"email": email, "name": name, "is_admin": admin,
                "permissions": json_arg(permissions.as_deref())?});
            call(&conn, Method::POST, &base(company), Some(body)).await
        }
        I::List { conn, company } => call(&conn, Method::GET, &base(company), None).await,
        I::Cancel {
            conn,
            company,
            invitation,
        } => {
            let path = format!("{}/{invitation}", base(company));
            done(
                &conn,
                Method::DELETE,
                &path,
                format!("Cancelled invitation {invitation}."),
            )
            .await
        }
        I::Mine { conn } => call(&conn, Method::GET, "/api/v1/me/invitations", None).await,
        I::Accept { conn, invitation } => {
            let path = format!("/api/v1/me/invitations/{invitation}/accept");
            call(&conn, Method::POST, &path, Some(json!({}))).await
        }
    }
}
