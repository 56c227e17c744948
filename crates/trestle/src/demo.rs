//! Demo data for `trestle up`: a developer with a promoted DMSA app installed in two companies.

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::path::Path;
use trestle_core::{InstallRequest, Trestle};
use trestle_domain::policy::Actor;
use trestle_domain::ProjectId;
use trestle_store::NewProject;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DemoCompany {
    pub id: i64,
    pub name: String,
    pub install_id: i64,
    pub permitted_project_ids: Vec<i64>,
    pub all_project_ids: Vec<i64>,
    /// API token of the company's admin.
    pub admin_api_token: String,
    /// The admin signs in to apps (authorization_code) with this e-mail and `demo_password`.
    pub admin_email: String,
    /// The company's webhooks (seed files), with their signing secrets.
    #[serde(default)]
    pub hooks: Vec<DemoHook>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DemoHook {
    pub id: i64,
    pub project_id: Option<i64>,
    pub destination_url: String,
    pub signing_secret: String,
}

/// Every app a seed file made, with its credentials.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DemoApp {
    pub name: String,
    pub id: i64,
    pub app_version_id: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub sandbox_company_id: Option<i64>,
    pub sandbox_client_id: Option<String>,
    pub sandbox_client_secret: Option<String>,
}

/// Every person a seed file made, with their management API token.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DemoPerson {
    pub email: String,
    pub user_id: i64,
    pub api_token: Option<String>,
}

/// What `<data-dir>/demo.json` holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Demo {
    pub base_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub app_id: i64,
    pub app_version_id: String,
    pub companies: Vec<DemoCompany>,
    pub operator_api_token: String,
    pub developer_api_token: String,
    /// The app's development sandbox and its credentials.
    pub sandbox_company_id: Option<i64>,
    pub sandbox_client_id: String,
    pub sandbox_client_secret: String,
    /// The password of every demo person (for the login page of the authorization-code flow).
    pub demo_password: String,
    /// The redirect URIs registered for the demo app (urn:ietf:wg:oauth:2.0:oob works too).
    pub redirect_uris: Vec<String>,
    /// Seed files: every app and person seeded (the fields above describe the first app).
    #[serde(default)]
    pub apps: Vec<DemoApp>,
    #[serde(default)]
    pub people: Vec<DemoPerson>,
}

/// The password of the demo people.
pub const DEMO_PASSWORD: &str = "trestle-demo-password";

pub fn demo_manifest() -> serde_json::Value {
    json!({
        "schema_version": "4.1",
        "components": { "oauth": { "grant_type": "client_credentials" } },
        "permissions": {
            "company": { "directory": "read_only", "documents": "read_only" },
            "project": {
                "directory": "read_only", "documents": "standard", "daily_log": "read_only",
                "rfis": "standard", "submittals": "read_only", "punch_list": "read_only",
                "observations": "read_only", "change_events": "read_only", "direct_costs": "read_only",
                "commitments": "read_only", "tasks": "read_only", "schedule": "read_only",
                "timesheets": "read_only",
                "photos": "read_only", "meetings": "read_only"
            }
        },
        "post_installation_instruction": {
            "notes": "Demo Data Sync reads your project directory, documents and field records, and answers RFIs. Pick the projects it may touch.",
            "page": { "url": "https://example.com/demo-data-sync/setup", "label": "Demo Data Sync setup guide" }
        }
    })
}

/// Creates the demo world through the same use cases the API calls.
pub async fn seed(core: &Trestle, base_url: &str) -> Result<Demo> {
    let op = Actor::Operator;
    let operator_api_token = core.create_operator_token("demo operator").await?;
    let dev = core
        .create_person(op, "dana.developer@demo.trestle.test", "Dana Developer")
        .await
        .context(
            "the demo developer already exists: this database was seeded before but demo.json is gone; \
         start with an empty --data-dir to seed again",
        )?;
    let dev_actor = Actor::Person(dev.user.id);
    let created = core.create_app(dev_actor, "Demo Data Sync").await?;
    let app = created.app;
    core.set_password(op, dev.user.id, DEMO_PASSWORD).await?;
    let redirect_uris = core.add_redirect_uri(dev_actor, app.id, "http://localhost").await?;
    let version = core
        .create_version(dev_actor, app.id, "1.0.0", &demo_manifest())
        .await?;
    let promoted = core.promote_version(dev_actor, app.id, version.id).await?;
    let creds = promoted.credentials.context("first promotion returns credentials")?;
    let app_version_id = promoted
        .version
        .app_version_uuid
        .clone()
        .context("promoted version has an id")?;

    let plan: [(&str, &str, &str, &[&str], usize); 2] = [
        (
            "Acme Construction",
            "alex.admin@acme.demo.trestle.test",
            "Alex Admin",
            &["Harbor Tower", "Main Street Clinic", "Airport Expansion"],
            2,
        ),
        (
            "Bridgeworks Builders",
            "blair.boss@bridgeworks.demo.trestle.test",
            "Blair Boss",
            &["River Bridge", "North Depot"],
            1,
        ),
    ];
    let mut companies = Vec::new();
    for (name, email, admin_name, projects, permitted) in plan {
        let admin = core.create_person(op, email, admin_name).await?;
        let admin_actor = Actor::Person(admin.user.id);
        core.set_password(op, admin.user.id, DEMO_PASSWORD).await?;
        let company = core.create_company(op, name, admin.user.id).await?;
        let mut ids = Vec::new();
        for (i, p) in projects.iter().enumerate() {
            let new = NewProject {
                name: p.to_string(),
                project_number: Some(format!("{:03}", i + 1)),
                city: Some("Anytown".into()),
                state_code: Some("CA".into()),
                country_code: Some("US".into()),
                ..Default::default()
            };
            let project = core.create_project(admin_actor, company.id, new).await?.id;
            // The admin works in every project: the sample RFIs name them as manager.
            core.admin_add_project_member(admin_actor, company.id, project, admin.user.id, Default::default())
                .await?;
            core.seed_sample_records(company.id, project, &[admin.user.id]).await?;
            ids.push(project);
        }
        let permitted_ids: Vec<ProjectId> = ids[..permitted].to_vec();
        let install = core
            .install_app(
                admin_actor,
                company.id,
                &InstallRequest {
                    app_version_id: app_version_id.clone(),
                    permitted_project_ids: permitted_ids.clone(),
                    add_to_new_projects: false,
                    marketplace_app: None,
                },
            )
            .await?;
        companies.push(DemoCompany {
            id: company.id.0,
            name: name.into(),
            install_id: install.install.id.0,
            permitted_project_ids: permitted_ids.iter().map(|p| p.0).collect(),
            all_project_ids: ids.iter().map(|p| p.0).collect(),
            admin_api_token: admin.api_token,
            admin_email: email.to_string(),
            hooks: Vec::new(),
        });
    }
    Ok(Demo {
        base_url: base_url.into(),
        client_id: creds.client_id,
        client_secret: creds.client_secret,
        app_id: app.id.0,
        app_version_id,
        companies,
        operator_api_token,
        developer_api_token: dev.api_token,
        sandbox_company_id: app.sandbox_company_id.map(|c| c.0),
        sandbox_client_id: created.sandbox_credentials.client_id,
        sandbox_client_secret: created.sandbox_credentials.client_secret,
        demo_password: DEMO_PASSWORD.into(),
        redirect_uris,
        apps: Vec::new(),
        people: Vec::new(),
    })
}

pub fn write(path: &Path, demo: &Demo) -> Result<()> {
    let text = serde_json::to_string_pretty(demo)?;
    let tmp = path.with_extension("json.tmp");
    // 0600 from the first byte: it holds secrets.
    let _ = std::fs::remove_file(&tmp);
    {
        use std::io::Write;
        let mut f = crate::files::create_private(&tmp).with_context(|| format!("writing {}", tmp.display()))?;
        f.write_all(text.as_bytes())
            .and_then(|_| f.sync_all())
            .with_context(|| format!("writing {}", tmp.display()))?;
    }
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

pub fn read(path: &Path) -> Result<Option<Demo>> {
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(Some(
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?,
    ))
}

/// The ready-to-paste instructions printed by `trestle up`.
pub fn instructions(demo: &Demo, demo_path: &Path) -> String {
    let c = &demo.companies[0];
    format!(
        "\nTrestle is running at {base}\n\
         Demo credentials are in {path}\n\n\
         Get a token (client_credentials):\n\n  \
         curl -s -X POST {base}/oauth/token -d grant_type=client_credentials \\\n    \
         -d client_id={id} \\\n    -d client_secret={secret}\n\n\
         Then list the companies that installed the app, and the projects it may touch in {cname}:\n\n  \
         curl -s {base}/rest/v1.0/companies -H \"Authorization: Bearer $TOKEN\"\n  \
         curl -s \"{base}/rest/v1.0/projects?company_id={cid}\" -H \"Authorization: Bearer $TOKEN\" -H \"Procore-Company-Id: {cid}\"\n\n\
         Or in one line:\n\n  \
         TOKEN=$(curl -s -X POST {base}/oauth/token -d grant_type=client_credentials -d client_id={id} -d client_secret={secret} | sed 's/.*\"access_token\":\"\\([^\"]*\\)\".*/\\1/') && \
         curl -s {base}/rest/v1.0/companies -H \"Authorization: Bearer $TOKEN\"\n\n\
         Web UI: {base}/ui — sign in as the developer dana.developer@demo.trestle.test or as the\n\
         admin {admin}, password {password}\n",
        admin = c.admin_email,
        password = demo.demo_password,
        base = demo.base_url,
        path = demo_path.display(),
        id = demo.client_id,
        secret = demo.client_secret,
        cname = c.name,
        cid = c.id,
    )
}
