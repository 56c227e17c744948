//! Converging the stored world to a checked seed file: find each thing by its natural key,
//! create what is missing, change what differs, count the changes.

use super::*;
use crate::webhooks::{HookInput, HookScope};
use crate::{Caller, InstallRequest, NewCredentials};
use std::collections::HashMap;
use trestle_domain::page::PageRequest;
use trestle_domain::policy::Actor;
use trestle_domain::record::{RecordFilter, RecordQuery, RecordScope, SyncItem, SyncOutcome};
use trestle_domain::seed::record_key;
use trestle_store::{NewApiToken, NewMember, NewProject};

/// The seeded apps by lower-cased name: the id and the (version, App Version ID) of each
/// promoted version.
type SeededApps = HashMap<String, (AppId, Vec<(String, String)>)>;

impl Trestle {
    pub(super) async fn converge(&self, file: &SeedFile) -> Result<SeedReport> {
        let op = Actor::Operator;
        let mut report = SeedReport::default();
        if let Some(t) = &file.operator_api_token {
            let hash = self.keys.hash_secret(t);
            if self.store.find_api_token(&hash).await?.is_none() {
                let new = NewApiToken {
                    token_hash: hash,
                    user: None,
                    label: "seed file".into(),
                };
                self.store.create_api_token(&new, &self.system_audit()).await?;
                report.changes += 1;
            }
            report.operator_api_token = Some(t.clone());
        }

        let mut people: HashMap<String, UserId> = HashMap::new();
        for p in &file.people {
            let email = p.email.trim().to_ascii_lowercase();
            let (user, mut token) = match self.person_by_email(&email).await? {
                Some(u) => (u.id, None),
                None => {
                    let made = self.create_person(op, &email, &p.name).await?;
                    report.changes += 1;
                    // A fixed token replaces the generated one as the one reported.
                    (made.user.id, p.api_token.is_none().then_some(made.api_token))
                }
            };
            if let Some(pw) = &p.password {
                let same = match self.store.find_login(&email).await? {
                    Some((_, stored)) => {
                        let pw = pw.clone();
                        tokio::task::spawn_blocking(move || crate::signin::password_matches(&stored, &pw))
                            .await
                            .map_err(|e| CoreError::Internal(e.to_string()))?
                    }
                    None => false,
                };
                if !same {
                    self.set_password(op, user, pw).await?;
                    report.changes += 1;
                }
            }
            if let Some(t) = &p.api_token {
                let hash = self.keys.hash_secret(t);
                if self.store.find_api_token(&hash).await?.is_none() {
                    let new = NewApiToken {
                        token_hash: hash,
                        user: Some(user),
                        label: "seed file".into(),
                    };
                    self.store.create_api_token(&new, &self.audit(op)).await?;
                    report.changes += 1;
                }
                token = Some(t.clone());
            }
            people.insert(email.clone(), user);
            report.people.push(SeededPerson {
                email,
                user_id: user,
                api_token: token,
            });
        }
        let person = |email: &str| {
            people
                .get(&email.trim().to_ascii_lowercase())
                .copied()
                .ok_or_else(|| CoreError::Internal(format!("{email} was checked as a person of the file")))
        };

        let mut apps: SeededApps = HashMap::new();
        for a in &file.apps {
            let dev = person(&a.developer)?;
            let seeded = self
                .converge_app(Actor::Person(dev), dev, a, &mut report.changes)
                .await?;
            let versions = self
                .store
                .list_versions(seeded.id)
                .await?
                .into_iter()
                .filter_map(|v| v.app_version_uuid.map(|u| (v.version, u)))
                .collect();
            apps.insert(a.name.trim().to_lowercase(), (seeded.id, versions));
            report.apps.push(seeded);
        }

        for c in &file.companies {
            let admin = person(&c.admin)?;
            let company = self.converge_company(c, admin, &person, &apps, &mut report).await?;
            report.companies.push(company);
        }
        Ok(report)
    }

    async fn converge_app(
        &self,
        actor: Actor,
        dev: UserId,
        a: &trestle_domain::seed::SeedApp,
        changes: &mut usize,
    ) -> Result<SeededApp> {
        let fixed = |id: &Option<String>, secret: &Option<String>| match (id, secret) {
            (Some(id), Some(s)) => Some(NewCredentials {
                client_id: id.clone(),
                client_secret: s.clone(),
            }),
            _ => None,
        };
        let mut out = SeededApp {
            name: a.name.trim().to_string(),
            id: AppId(0),
            developer: dev,
            app_version_id: None,
            client_id: None,
            client_secret: None,
            sandbox_company_id: None,
            sandbox_client_id: None,
            sandbox_client_secret: None,
            redirect_uris: Vec::new(),
        };
        let app = match self.app_named(dev, &a.name).await? {
            Some(app) => app,
            None => {
                let made = self
                    .create_app_with(actor, &a.name, fixed(&a.sandbox_client_id, &a.sandbox_client_secret))
                    .await?;
                *changes += 1;
                out.sandbox_client_secret = Some(made.sandbox_credentials.client_secret);
                made.app
            }
        };
        out.id = app.id;
        out.sandbox_company_id = app.sandbox_company_id;
        // A fixed secret that an earlier seed did not set (the file gained it) is added.
        for (env, secret) in [
            (Environment::Sandbox, &a.sandbox_client_secret),
            (Environment::Production, &a.client_secret),
        ] {
            let (Some(secret), Some(client)) = (secret, self.store.find_client(env, app.id).await?) else {
                continue;
            };
            let hash = self.keys.hash_secret(secret);
            let live = self.store.find_client_by_client_id(&client.client_id).await?;
            if !live.is_some_and(|l| l.secrets.iter().any(|s| s.secret_hash == hash)) {
                self.store
                    .add_secret(client.pk, &hash, None, &self.audit(actor))
                    .await?;
                *changes += 1;
            }
        }
        let uris = self.store.list_redirect_uris(app.id).await?;
        for u in &a.redirect_uris {
            if !uris.iter().any(|k| k == u) {
                self.add_redirect_uri(actor, app.id, u).await?;
                *changes += 1;
            }
        }
        out.redirect_uris = self.store.list_redirect_uris(app.id).await?;
        for v in &a.versions {
            let manifest = Manifest::parse(&v.manifest).map_err(crate::invalid_fields)?.to_json();
            let existing = self
                .store
                .list_versions(app.id)
                .await?
                .into_iter()
                .find(|e| e.version == v.version.trim());
            let stored = match existing {
                Some(e) => {
                    let promoted = e.status == trestle_domain::app::VersionStatus::Promoted;
                    if !promoted && crate::stored_manifest(&e)?.to_json() != manifest {
                        *changes += 1;
                        self.update_version(actor, app.id, e.id, &v.manifest).await?
                    } else {
                        e
                    }
                }
                None => {
                    *changes += 1;
                    self.create_version(actor, app.id, v.version.trim(), &v.manifest)
                        .await?
                }
            };
            if v.promoted && stored.status != trestle_domain::app::VersionStatus::Promoted {
                let promoted = self
                    .promote_version_with(actor, app.id, stored.id, fixed(&a.client_id, &a.client_secret))
                    .await?;
                *changes += 1;
                if let Some(c) = promoted.credentials {
                    out.client_secret = Some(c.client_secret);
                }
                out.app_version_id = promoted.version.app_version_uuid;
            } else if stored.status == trestle_domain::app::VersionStatus::Promoted {
                out.app_version_id = stored.app_version_uuid.clone();
            }
        }
        out.client_id = self
            .store
            .find_client(Environment::Production, app.id)
            .await?
            .map(|c| c.client_id);
        out.sandbox_client_id = self
            .store
            .find_client(Environment::Sandbox, app.id)
            .await?
            .map(|c| c.client_id);
        if a.client_secret.is_some() {
            out.client_secret = a.client_secret.clone();
        }
        if a.sandbox_client_secret.is_some() {
            out.sandbox_client_secret = a.sandbox_client_secret.clone();
        }
        Ok(out)
    }

    async fn converge_company(
        &self,
        c: &trestle_domain::seed::SeedCompany,
        admin: UserId,
        person: &(dyn Fn(&str) -> Result<UserId> + Sync),
        apps: &SeededApps,
        report: &mut SeedReport,
    ) -> Result<SeededCompany> {
        let op = Actor::Operator;
        let by = Actor::Person(admin);
        let name = c.name.trim();
        let found = self
            .store
            .list_companies(None, name, PageRequest::new(1, 1000))
            .await?
            .items
            .into_iter()
            .find(|k| k.name == name && k.sandbox_of_app.is_none());
        let company = match found {
            Some(k) => k,
            None => {
                report.changes += 1;
                self.create_company(op, name, admin).await?
            }
        };
        for m in &c.members {
            let user = person(m)?;
            if self.store.company_membership(company.id, user).await?.is_none() {
                let member = NewMember {
                    user,
                    is_admin: false,
                    permissions_json: trestle_domain::permissions::ToolPermissions::default().to_json(),
                };
                self.store
                    .add_company_member(company.id, &member, &self.audit(by))
                    .await?;
                report.changes += 1;
            }
        }

        // Projects, created in bulk.
        let mut known: HashMap<String, ProjectId> = HashMap::new();
        let mut after = None;
        loop {
            let page = self
                .store
                .list_projects(company.id, None, PageRequest::new(1, 10_000), after)
                .await?;
            for p in &page.items {
                known.entry(p.name.to_lowercase()).or_insert(p.id);
            }
            match page.items.last() {
                Some(last) if page.items.len() == 10_000 => after = Some(last.id),
                _ => break,
            }
        }
        let missing: Vec<NewProject> = c
            .projects
            .iter()
            .filter(|p| !known.contains_key(&p.name.trim().to_lowercase()))
            .map(|p| NewProject {
                name: p.name.trim().to_string(),
                project_number: p.project_number.clone(),
                address: p.address.clone(),
                city: p.city.clone(),
                state_code: p.state_code.clone(),
                country_code: p.country_code.clone(),
                zip: p.zip.clone(),
                ..Default::default()
            })
            .collect();
        for chunk in missing.chunks(trestle_domain::project::BULK_MAX) {
            for p in self.create_projects(by, company.id, chunk.to_vec()).await? {
                known.insert(p.name.to_lowercase(), p.id);
                report.changes += 1;
            }
        }
        let project = |n: &str| {
            known
                .get(&n.trim().to_lowercase())
                .copied()
                .ok_or_else(|| CoreError::Internal(format!("project {n} was checked")))
        };
        let mut out = SeededCompany {
            name: name.to_string(),
            id: company.id,
            admin,
            projects: Vec::new(),
            installs: Vec::new(),
            hooks: Vec::new(),
        };
        for p in &c.projects {
            let id = project(&p.name)?;
            out.projects.push((p.name.trim().to_string(), id));
            for m in &p.members {
                let user = person(m)?;
                if self.store.project_membership(company.id, id, user).await?.is_none() {
                    self.admin_add_project_member(by, company.id, id, user, Default::default())
                        .await?;
                    report.changes += 1;
                }
            }
            for (collection, items) in &p.records {
                self.converge_records(company.id, Some(id), collection, items, report)
                    .await?;
            }
        }
        for (collection, items) in &c.records {
            self.converge_records(company.id, None, collection, items, report)
                .await?;
        }

        let installs = self.list_installs(by, company.id).await?;
        for i in &c.installs {
            let (app, versions) = apps
                .get(&i.app.trim().to_lowercase())
                .ok_or_else(|| CoreError::Internal(format!("app {} was checked", i.app)))?;
            let ids = i.projects.iter().map(|p| project(p)).collect::<Result<Vec<_>>>()?;
            let current = installs
                .iter()
                .find(|v| v.app.id == *app && v.install.status == trestle_domain::install::InstallStatus::Installed);
            let view = match current {
                Some(v) => {
                    let add: Vec<ProjectId> = ids
                        .iter()
                        .copied()
                        .filter(|p| !v.permitted_project_ids.contains(p))
                        .collect();
                    if !add.is_empty() {
                        self.add_permitted_projects(by, company.id, v.install.id, &add).await?;
                        report.changes += 1;
                    }
                    if v.install.add_to_new_projects != i.add_to_new_projects {
                        self.set_add_to_new_projects(by, company.id, v.install.id, i.add_to_new_projects)
                            .await?;
                        report.changes += 1;
                    }
                    self.get_install(by, company.id, v.install.id).await?
                }
                None => {
                    let uuid = match &i.version {
                        Some(want) => versions.iter().find(|(v, _)| v == want.trim()),
                        None => versions.last(),
                    }
                    .map(|(_, u)| u.clone())
                    .ok_or_else(|| CoreError::Internal(format!("app {} has no promoted version", i.app)))?;
                    report.changes += 1;
                    let req = InstallRequest {
                        app_version_id: uuid,
                        marketplace_app: None,
                        permitted_project_ids: ids,
                        add_to_new_projects: i.add_to_new_projects,
                    };
                    self.install_app(by, company.id, &req).await?
                }
            };
            out.installs.push(SeededInstall {
                app: i.app.trim().to_string(),
                install_id: view.install.id,
                permitted_project_ids: view.permitted_project_ids,
            });
        }

        let caller = Caller::Person(admin);
        for h in &c.webhooks {
            let scope = HookScope {
                company: company.id,
                project: h.project.as_deref().map(project).transpose()?,
            };
            let namespace = h.namespace.clone().unwrap_or_else(|| "default".into());
            let hooks = self.list_hooks(&caller, scope, Some(&namespace), None).await?;
            let hook = match hooks
                .into_iter()
                .find(|k| k.project == scope.project && k.destination_url == h.destination_url)
            {
                Some(k) => k,
                None => {
                    report.changes += 1;
                    let input = HookInput {
                        namespace: Some(namespace.clone()),
                        api_version: None,
                        destination_url: Some(h.destination_url.clone()),
                        destination_headers: Some(h.destination_headers.clone()),
                        active: None,
                    };
                    self.create_hook(&caller, scope, input).await?.hook
                }
            };
            let triggers = self.list_triggers(&caller, scope, hook.id).await?;
            for t in &h.triggers {
                let (name, ty) =
                    Trestle::trigger_names(&t.resource_name, &t.event_type).map_err(CoreError::BadRequest)?;
                if !triggers.iter().any(|k| k.resource_name == name && k.event_type == ty) {
                    self.create_trigger(&caller, scope, hook.id, &t.resource_name, &t.event_type)
                        .await?;
                    report.changes += 1;
                }
            }
            out.hooks.push(SeededHook {
                id: hook.id,
                project: hook.project,
                destination_url: hook.destination_url.clone(),
                signing_secret: self.signing_secret(&hook),
            });
        }
        Ok(out)
    }

    /// One collection's records: new ones created, changed ones updated (their fields merged),
    /// the same ones left alone — by `origin_id`.
    async fn converge_records(
        &self,
        company: CompanyId,
        project: Option<ProjectId>,
        collection: &str,
        items: &[Map<String, Value>],
        report: &mut SeedReport,
    ) -> Result<()> {
        let op = crate::records::creating_op(collection, project.is_some())
            .ok_or_else(|| CoreError::Internal(format!("collection {collection} was checked")))?;
        let scope = RecordScope {
            company,
            project,
            resource: op.resource.clone(),
            parent: String::new(),
        };
        // What the collection holds, by origin_id.
        let mut stored: HashMap<String, (RecordId, Map<String, Value>)> = HashMap::new();
        let mut after = None;
        loop {
            let query = RecordQuery {
                filter: RecordFilter::default(),
                sort: Vec::new(),
                page: PageRequest::new(1, 10_000),
                after,
            };
            let page = self.store.list_records(&scope, &query).await?;
            for r in &page.items {
                if let Some(o) = &r.origin_id {
                    stored.insert(o.clone(), (r.id, r.body.clone()));
                }
            }
            match page.items.last() {
                Some(last) if page.items.len() == 10_000 => after = Some(last.id),
                _ => break,
            }
        }
        let mut sync = Vec::new();
        for (i, r) in items.iter().enumerate() {
            let key = record_key(collection, i, r).map_err(CoreError::BadRequest)?;
            let mut fields = r.clone();
            let mut ignored = Vec::new();
            crate::records::check_seed_record(op, &mut fields, "$", &mut ignored);
            match stored.get(&key) {
                Some((id, body)) => {
                    if fields.iter().any(|(k, v)| body.get(k) != Some(v)) {
                        sync.push(SyncItem {
                            id: Some(*id),
                            origin_id: Some(key),
                            body: fields,
                        });
                    }
                }
                None => {
                    crate::records::fill_defaults(&scope.resource, &mut fields);
                    sync.push(SyncItem {
                        id: None,
                        origin_id: Some(key),
                        body: fields,
                    });
                }
            }
        }
        for chunk in sync.chunks(crate::records::MAX_SYNC) {
            for o in self.store.sync_records(&scope, chunk, &self.system_audit()).await? {
                match o {
                    SyncOutcome::Created(_) | SyncOutcome::Updated(_) => report.records_written += 1,
                    other => {
                        return Err(CoreError::Conflict(format!(
                            "a {collection} record could not be written: {other:?}"
                        )))
                    }
                }
            }
            report.changes += chunk.len();
        }
        Ok(())
    }
}
