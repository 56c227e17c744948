//! Seeding (issue #17): makes a seed file (`trestle_domain::seed`) true in the stored world,
//! through the same use cases the management API calls.
//!
//! [`Trestle::check_seed`] refuses a file before anything is written, listing every problem
//! with its path: the file's own checks (the domain's), then what needs the catalog (each
//! record collection exists at its scope; each record against the schema of the operation
//! that creates it) and the stored world (a fixed token or client id that belongs to someone
//! else, a seeded app whose client id the file changes). [`Trestle::apply_seed`] checks, then
//! converges (`apply.rs`); should a write still fail (the database), the world is put back as
//! it was before the seed, so a seed is applied whole or not at all.

mod apply;

use crate::{CoreError, Result, Trestle};
use serde_json::{Map, Value};
use trestle_domain::app::App;
use trestle_domain::credential::{ApiTokenOwner, Environment};
use trestle_domain::directory::{User, UserKind};
use trestle_domain::manifest::{Manifest, Problem};
use trestle_domain::seed::{self, SeedFile};
use trestle_domain::*;

/// What a seed made true, with every credential the file fixed or the seed generated.
/// Generated secrets are known only when they were made: a credential made by an earlier seed
/// is `None` here (the caller keeps what it was told then).
#[derive(Clone, Debug, Default)]
pub struct SeedReport {
    pub operator_api_token: Option<String>,
    pub people: Vec<SeededPerson>,
    pub apps: Vec<SeededApp>,
    pub companies: Vec<SeededCompany>,
    /// How many changes the seed made (0: the world already was as the file says).
    pub changes: usize,
    /// Tool records created or updated.
    pub records_written: usize,
}

#[derive(Clone, Debug)]
pub struct SeededPerson {
    pub email: String,
    pub user_id: UserId,
    pub api_token: Option<String>,
}

#[derive(Clone, Debug)]
pub struct SeededApp {
    pub name: String,
    pub id: AppId,
    pub developer: UserId,
    /// The App Version ID of its last promoted version.
    pub app_version_id: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub sandbox_company_id: Option<CompanyId>,
    pub sandbox_client_id: Option<String>,
    pub sandbox_client_secret: Option<String>,
    pub redirect_uris: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct SeededCompany {
    pub name: String,
    pub id: CompanyId,
    pub admin: UserId,
    pub projects: Vec<(String, ProjectId)>,
    pub installs: Vec<SeededInstall>,
    pub hooks: Vec<SeededHook>,
}

#[derive(Clone, Debug)]
pub struct SeededInstall {
    pub app: String,
    pub install_id: InstallId,
    pub permitted_project_ids: Vec<ProjectId>,
}

#[derive(Clone, Debug)]
pub struct SeededHook {
    pub id: HookId,
    pub project: Option<ProjectId>,
    pub destination_url: String,
    pub signing_secret: String,
}

fn problem(path: String, reason: impl Into<String>) -> Problem {
    Problem {
        path,
        reason: reason.into(),
    }
}

/// The records of one collection checked against the catalog; the converted fields of each.
fn check_collection(
    at: &str,
    collection: &str,
    project: bool,
    items: &[Map<String, Value>],
    problems: &mut Vec<Problem>,
) -> Vec<Map<String, Value>> {
    let Some(op) = crate::records::creating_op(collection, project) else {
        let level = if project { "project" } else { "company" };
        problems.push(problem(
            format!("{at}.{collection}"),
            format!("no catalog operation creates {collection:?} records at the {level} level (name the collection as in the path, e.g. rfis, punch_items, vendors)"),
        ));
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut fields = r.clone();
            crate::records::check_seed_record(op, &mut fields, &format!("{at}.{collection}[{i}]"), problems);
            fields
        })
        .collect()
}

impl Trestle {
    /// Every problem of a seed file, or `Ok` when it can be applied.
    pub async fn check_seed(&self, file: &SeedFile) -> Result<()> {
        let mut problems = seed::check(file);
        for (i, a) in file.apps.iter().enumerate() {
            for (j, v) in a.versions.iter().enumerate() {
                if v.manifest.is_object() {
                    if let Err(ps) = Manifest::parse(&v.manifest) {
                        let at = format!("$.apps[{i}].versions[{j}].manifest");
                        problems.extend(ps.into_iter().map(|p| problem(p.path.replacen('$', &at, 1), p.reason)));
                    }
                }
            }
            for (j, u) in a.redirect_uris.iter().enumerate() {
                if let Err(e) = crate::check_redirect_uri(u) {
                    problems.push(problem(format!("$.apps[{i}].redirect_uris[{j}]"), e.to_string()));
                }
            }
        }
        for (i, p) in file.people.iter().enumerate() {
            if p.password
                .as_ref()
                .is_some_and(|pw| pw.chars().count() < crate::signin::MIN_PASSWORD)
            {
                problems.push(problem(
                    format!("$.people[{i}].password"),
                    format!("must be at least {} characters", crate::signin::MIN_PASSWORD),
                ));
            }
        }
        for (i, c) in file.companies.iter().enumerate() {
            let at = format!("$.companies[{i}]");
            for (collection, items) in &c.records {
                check_collection(&format!("{at}.records"), collection, false, items, &mut problems);
            }
            for (j, p) in c.projects.iter().enumerate() {
                for (collection, items) in &p.records {
                    check_collection(
                        &format!("{at}.projects[{j}].records"),
                        collection,
                        true,
                        items,
                        &mut problems,
                    );
                }
            }
            for (j, h) in c.webhooks.iter().enumerate() {
                let hat = format!("{at}.webhooks[{j}]");
                if crate::webhooks::check_url(&h.destination_url).is_err() {
                    problems.push(problem(
                        format!("{hat}.destination_url"),
                        "must be an http or https URL",
                    ));
                }
                for (k, t) in h.triggers.iter().enumerate() {
                    if let Err(e) = Trestle::trigger_names(&t.resource_name, &t.event_type) {
                        problems.push(problem(format!("{hat}.triggers[{k}]"), e));
                    }
                }
            }
        }
        self.check_against_world(file, &mut problems).await?;
        if problems.is_empty() {
            return Ok(());
        }
        let message = match problems.as_slice() {
            [one] => format!(
                "the seed file has a problem, nothing was written: {}: {}",
                one.path, one.reason
            ),
            _ => format!("the seed file has {} problems, nothing was written", problems.len()),
        };
        Err(CoreError::invalid(message, problems))
    }

    /// Fixed credentials that the stored world gives to someone else.
    async fn check_against_world(&self, file: &SeedFile, problems: &mut Vec<Problem>) -> Result<()> {
        if let Some(t) = &file.operator_api_token {
            if let Some(ApiTokenOwner::User(_)) = self.store.find_api_token(&self.keys.hash_secret(t)).await? {
                problems.push(problem("$.operator_api_token".into(), "is a person's API token"));
            }
        }
        for (i, p) in file.people.iter().enumerate() {
            let Some(t) = &p.api_token else { continue };
            let owner = self.store.find_api_token(&self.keys.hash_secret(t)).await?;
            let mine = self.person_by_email(&p.email).await?.map(|u| u.id);
            match owner {
                Some(ApiTokenOwner::User(u)) if Some(u) == mine => {}
                Some(_) => problems.push(problem(
                    format!("$.people[{i}].api_token"),
                    "is another holder's API token",
                )),
                None => {}
            }
        }
        for (i, a) in file.apps.iter().enumerate() {
            let existing = match self.person_by_email(&a.developer).await? {
                Some(dev) => self.app_named(dev.id, &a.name).await?,
                None => None,
            };
            for (field, env, id) in [
                ("client_id", Environment::Production, &a.client_id),
                ("sandbox_client_id", Environment::Sandbox, &a.sandbox_client_id),
            ] {
                let Some(id) = id else { continue };
                let path = format!("$.apps[{i}].{field}");
                if let Some(held) = self.store.find_client_by_client_id(id).await? {
                    if existing
                        .as_ref()
                        .is_none_or(|e| e.id != held.client.app_id || held.client.environment != env)
                    {
                        problems.push(problem(path.clone(), "is the client_id of another app"));
                        continue;
                    }
                }
                if let Some(app) = &existing {
                    if let Some(client) = self.store.find_client(env, app.id).await? {
                        if &client.client_id != id {
                            problems.push(problem(
                                path,
                                format!(
                                    "the app was seeded with client_id {}; a client's id does not change (seed an empty data directory to start over)",
                                    client.client_id
                                ),
                            ));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// The person with this e-mail (case-insensitive), if any.
    async fn person_by_email(&self, email: &str) -> Result<Option<User>> {
        let email = email.trim().to_ascii_lowercase();
        let found = self
            .store
            .list_people(&email, trestle_domain::page::PageRequest::new(1, 100))
            .await?;
        Ok(found
            .items
            .into_iter()
            .find(|u| u.email.eq_ignore_ascii_case(&email) && u.kind == UserKind::Person))
    }

    /// The developer's app with this name, if any.
    async fn app_named(&self, developer: UserId, name: &str) -> Result<Option<App>> {
        let mut page = trestle_domain::page::PageRequest::new(1, 1000);
        loop {
            let apps = self.store.list_apps(developer, page).await?;
            if let Some(a) = apps.items.iter().find(|a| a.name == name.trim()) {
                return Ok(Some(a.clone()));
            }
            if apps.items.len() < page.per_page() as usize {
                return Ok(None);
            }
            page = page.next();
        }
    }

    /// Checks the file, then makes it true, whole or not at all. Seeding is the operator's.
    #[tracing::instrument(level = "info", skip_all, fields(people = file.people.len(), companies = file.companies.len(), apps = file.apps.len()))]
    pub async fn apply_seed(&self, file: &SeedFile) -> Result<SeedReport> {
        self.check_seed(file).await?;
        // What a failed write puts back. (A snapshot is also what a reset returns to; the
        // caller keeps the seeded world as that once the seed is done.)
        self.store.take_snapshot(&self.system_audit()).await?;
        match self.converge(file).await {
            Ok(report) => Ok(report),
            Err(e) => {
                tracing::warn!(error = %e, "seeding failed; putting the world back as it was");
                if let Err(undo) = self.store.restore_snapshot(&self.system_audit()).await {
                    return Err(CoreError::Internal(format!(
                        "seeding failed ({e}) and the world could not be put back ({undo})"
                    )));
                }
                Err(e)
            }
        }
    }
}
