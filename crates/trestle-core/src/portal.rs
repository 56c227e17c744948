//! The developer portal: apps and their development sandboxes, manifest versions, promotion
//! (with update offers to installed companies), credentials and secret rotation.

use crate::error::not_found;
use crate::operator::clean_name;
use crate::secrets::{random_bytes, random_hex_256};
use crate::{CoreError, Result, Trestle};
use serde_json::Value;
use trestle_domain::entities::{
    App, AppVersion, Environment, InstallStatus, InstallUpdate, OAuthClient, SecretInfo, VersionStatus,
};
use trestle_domain::manifest::{Manifest, Problem};
use trestle_domain::page::{Page, PageRequest};
pub use trestle_domain::permissions::ToolChange;
use trestle_domain::policy::{decide, Actor, Request};
use trestle_domain::version::{check_new_version, offers_update, parse_version, NewVersionRefused};
use trestle_domain::*;
use trestle_store::{NewClient, NewProject, NewSandbox, PlannedUpdate, StoreError, UpdateFilter};

/// Credentials with the secret in clear: returned exactly once.
#[derive(Clone, Debug)]
pub struct NewCredentials {
    pub client_id: String,
    pub client_secret: String,
}

/// A new app, with the sandbox credentials (secret shown once).
#[derive(Clone, Debug)]
pub struct CreatedApp {
    pub app: App,
    pub sandbox_credentials: NewCredentials,
}

#[derive(Clone, Debug)]
pub struct Promoted {
    pub version: AppVersion,
    /// Set only on the promotion that created the production client.
    pub credentials: Option<NewCredentials>,
    /// What the promotion offered each installed company.
    pub updates: Vec<InstallUpdate>,
}

/// The permission difference between two versions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionDiff {
    pub company: Vec<ToolChange>,
    pub project: Vec<ToolChange>,
    /// Whether `to` grants anything `from` does not (installed companies must approve).
    pub widens: bool,
}

/// A client with its secrets (never the secrets themselves).
#[derive(Clone, Debug)]
pub struct ClientView {
    pub client: OAuthClient,
    pub secrets: Vec<SecretInfo>,
}

/// A freshly rotated secret (shown once).
#[derive(Clone, Debug)]
pub struct RotatedSecret {
    pub secret_id: SecretId,
    pub client_id: String,
    pub client_secret: String,
}

pub fn stored_manifest(version: &AppVersion) -> Result<Manifest> {
    serde_json::from_str::<Value>(&version.manifest_json)
        .ok()
        .and_then(|v| Manifest::parse(&v).ok())
        .ok_or_else(|| CoreError::Internal(format!("stored manifest of version {} is unreadable", version.id)))
}

/// The stored version number (every stored version was checked on creation).
fn stored_version(version: &AppVersion) -> Result<semver::Version> {
    semver::Version::parse(&version.version)
        .map_err(|_| CoreError::Internal(format!("stored version number of version {} is unreadable", version.id)))
}

/// The permission difference between two manifests.
pub fn diff_manifests(from: &Manifest, to: &Manifest) -> VersionDiff {
    let company = from.company_permissions.changes_to(&to.company_permissions);
    let project = from.project_permissions.changes_to(&to.project_permissions);
    let widens = company.iter().chain(&project).any(ToolChange::widens);
    VersionDiff {
        company,
        project,
        widens,
    }
}

fn sandbox_people(tag: &str) -> Vec<(String, String)> {
    vec![
        (
            format!("sam.superintendent.{tag}@sandbox.trestle.invalid"),
            "Sam Superintendent".into(),
        ),
        (
            format!("pat.projectmanager.{tag}@sandbox.trestle.invalid"),
            "Pat Project-Manager".into(),
        ),
    ]
}

fn sandbox_projects() -> Vec<NewProject> {
    ["Sandbox Tower", "Sandbox Clinic", "Sandbox Depot"]
        .iter()
        .enumerate()
        .map(|(i, name)| NewProject {
            name: name.to_string(),
            project_number: Some(format!("S-{:03}", i + 1)),
            city: Some("Sandbox City".into()),
            state_code: Some("CA".into()),
            country_code: Some("US".into()),
            ..Default::default()
        })
        .collect()
}

fn parse_manifest_at(manifest: &Value) -> Result<Manifest> {
    Manifest::parse(manifest).map_err(|ps| {
        let ps: Vec<Problem> = ps
            .into_iter()
            .map(|p| Problem {
                path: p.path.replacen('$', "$.manifest", 1),
                ..p
            })
            .collect();
        CoreError::invalid(format!("the manifest has {} problem(s)", ps.len()), ps)
    })
}

impl Trestle {
    /// Loads an app the actor owns. Another developer's app is "not found", not "forbidden",
    /// so app ids reveal nothing.
    pub(crate) async fn owned_app(&self, actor: Actor, app: AppId) -> Result<App> {
        let found = self.store.find_app(app).await?.ok_or(CoreError::NotFound("app"))?;
        match decide(actor, Request::ManageApp { owner: found.owner_id }) {
            Ok(()) => Ok(found),
            Err(_) => Err(CoreError::NotFound("app")),
        }
    }

    /// Creates an app with its development sandbox: a sandbox company the developer
    /// administers, with sample projects and people, and sandbox credentials.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor))]
    pub async fn create_app(&self, actor: Actor, name: &str) -> Result<CreatedApp> {
        self.create_app_with(actor, name, None).await
    }

    /// [`Trestle::create_app`] with the sandbox credentials given (a seed file fixes them)
    /// instead of generated.
    pub(crate) async fn create_app_with(
        &self,
        actor: Actor,
        name: &str,
        fixed: Option<NewCredentials>,
    ) -> Result<CreatedApp> {
        self.require(actor, Request::CreateApp)?;
        let name = clean_name("$.name", name, trestle_domain::text::APP_NAME)?;
        let owner = actor.user_id().expect("CreateApp is for people");
        let creds = fixed.unwrap_or_else(|| NewCredentials {
            client_id: random_hex_256(),
            client_secret: random_hex_256(),
        });
        let tag = hex::encode(random_bytes::<4>());
        let sandbox = NewSandbox {
            company_name: format!("{name} Sandbox"),
            projects: sandbox_projects(),
            people: sandbox_people(&tag),
            client: NewClient {
                environment: Environment::Sandbox,
                client_id: creds.client_id.clone(),
                secret_hash: self.keys.hash_secret(&creds.client_secret),
            },
        };
        let app = self
            .store
            .create_app(owner, &name, &sandbox, &self.audit(actor))
            .await?;
        if let Some(company) = app.sandbox_company_id {
            self.seed_sandbox_records(company).await?;
        }
        Ok(CreatedApp {
            app,
            sandbox_credentials: creds,
        })
    }

    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor))]
    pub async fn list_apps(&self, actor: Actor, page: PageRequest) -> Result<Page<App>> {
        self.require(actor, Request::CreateApp)?;
        let owner = actor.user_id().expect("CreateApp is for people");
        Ok(self.store.list_apps(owner, page).await?)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, app = %app))]
    pub async fn get_app(&self, actor: Actor, app: AppId) -> Result<App> {
        self.owned_app(actor, app).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, app = %app))]
    pub async fn rename_app(&self, actor: Actor, app: AppId, name: &str) -> Result<App> {
        self.owned_app(actor, app).await?;
        let name = clean_name("$.name", name, trestle_domain::text::APP_NAME)?;
        Ok(self.store.rename_app(app, &name, &self.audit(actor)).await?)
    }

    /// Deletes an app. `confirm` must repeat the app's name; an app installed in any real
    /// company cannot be deleted (its installs are protected).
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, app = %app))]
    pub async fn delete_app(&self, actor: Actor, app: AppId, confirm: &str) -> Result<()> {
        let found = self.owned_app(actor, app).await?;
        if confirm != found.name {
            return Err(CoreError::invalid_field(
                "$.confirm",
                format!("to delete the app, repeat its exact name ({:?}) in confirm", found.name),
            ));
        }
        self.store
            .delete_app(app, &self.audit(actor))
            .await
            .map_err(not_found("app"))
    }

    /// Both clients of the app with their secrets' metadata.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, app = %app))]
    pub async fn list_clients(&self, actor: Actor, app: AppId) -> Result<Vec<ClientView>> {
        self.owned_app(actor, app).await?;
        let mut out = Vec::new();
        for env in [Environment::Production, Environment::Sandbox] {
            if let Some(client) = self.store.find_client(env, app).await? {
                let secrets = self.store.list_secrets(client.pk).await?;
                out.push(ClientView { client, secrets });
            }
        }
        Ok(out)
    }

    async fn owned_client(&self, actor: Actor, app: AppId, env: Environment) -> Result<OAuthClient> {
        self.owned_app(actor, app).await?;
        self.store
            .find_client(env, app)
            .await?
            .ok_or(CoreError::NotFound("client"))
    }

    /// Adds a secret (rotation without downtime): the old ones keep working until retired, or
    /// until `expire_others_in` seconds from now when given.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, app = %app, env = ?env, expire_others_in = ?expire_others_in))]
    pub async fn rotate_secret(
        &self,
        actor: Actor,
        app: AppId,
        env: Environment,
        expire_others_in: Option<i64>,
    ) -> Result<RotatedSecret> {
        let client = self.owned_client(actor, app, env).await?;
        if let Some(s) = expire_others_in {
            if !(0..=366 * 24 * 3600).contains(&s) {
                return Err(CoreError::invalid_field(
                    "$.expire_others_in_seconds",
                    "must be between 0 and 31622400 (one year)",
                ));
            }
        }
        let secret = random_hex_256();
        let expire_at = expire_others_in.map(|s| self.now() + s);
        let id = self
            .store
            .add_secret(
                client.pk,
                &self.keys.hash_secret(&secret),
                expire_at,
                &self.audit(actor),
            )
            .await?;
        Ok(RotatedSecret {
            secret_id: id,
            client_id: client.client_id,
            client_secret: secret,
        })
    }

    /// Retires a secret at once: tokens issued with it stop working on the next request.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, app = %app, env = ?env, secret_id = %secret_id))]
    pub async fn retire_secret(&self, actor: Actor, app: AppId, env: Environment, secret_id: SecretId) -> Result<()> {
        let client = self.owned_client(actor, app, env).await?;
        self.store
            .revoke_secret(client.pk, secret_id, &self.audit(actor))
            .await
            .map_err(not_found("secret"))
    }

    /// Creates a version in status `ready_for_testing`. The version must be semver and order
    /// above every existing version by SemVer precedence (build metadata ignored, so `1.0.0+b`
    /// "already exists" when `1.0.0+a` does); the manifest must validate. All problems are
    /// reported.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, app = %app, version = ?version))]
    pub async fn create_version(
        &self,
        actor: Actor,
        app: AppId,
        version: &str,
        manifest: &Value,
    ) -> Result<AppVersion> {
        self.owned_app(actor, app).await?;
        let version = clean_name("$.version", version, trestle_domain::text::VERSION)?;
        let version = version.as_str();
        let mut problems: Vec<Problem> = Vec::new();
        let existing = self.store.list_versions(app).await?;
        let reason = match parse_version(version) {
            Ok(v) => check_new_version(&v, existing.iter().map(|e| e.version.as_str()))
                .err()
                .map(|refused| match refused {
                    NewVersionRefused::Exists { existing } if existing == version => "already exists".to_string(),
                    NewVersionRefused::Exists { existing } => format!(
                        "already exists as {existing} (versions that differ only in build metadata are the same version)"
                    ),
                    NewVersionRefused::NotNewer { newest } => {
                        format!("must be greater than {newest}, the newest version")
                    }
                }),
            Err(reason) => Some(reason),
        };
        if let Some(reason) = reason {
            problems.push(Problem {
                path: "$.version".into(),
                reason,
            });
        }
        let manifest = match parse_manifest_at(manifest) {
            Ok(m) => Some(m),
            Err(CoreError::Invalid { problems: ps, .. }) => {
                problems.extend(ps);
                None
            }
            Err(e) => return Err(e),
        };
        let Some(manifest) = manifest.filter(|_| problems.is_empty()) else {
            return Err(CoreError::invalid(
                format!("the version has {} problem(s)", problems.len()),
                problems,
            ));
        };
        let key = uuid::Uuid::new_v4().to_string();
        self.store
            .create_version(app, version, &manifest.to_json().to_string(), &key, &self.audit(actor))
            .await
            .map_err(|e| match e {
                // Another version of the app was created at the same moment.
                StoreError::Conflict(m) => CoreError::Conflict(m),
                other => other.into(),
            })
    }

    /// Replaces the manifest of a version that has not been promoted ("Save Version"); the
    /// version gets a new sandbox key.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, app = %app, version = %version))]
    pub async fn update_version(
        &self,
        actor: Actor,
        app: AppId,
        version: VersionId,
        manifest: &Value,
    ) -> Result<AppVersion> {
        self.owned_app(actor, app).await?;
        let manifest = parse_manifest_at(manifest)?;
        let key = uuid::Uuid::new_v4().to_string();
        self.store
            .update_version(app, version, &manifest.to_json().to_string(), &key, &self.audit(actor))
            .await
            .map_err(not_found("version"))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, app = %app))]
    pub async fn list_versions(&self, actor: Actor, app: AppId) -> Result<Vec<AppVersion>> {
        self.owned_app(actor, app).await?;
        Ok(self.store.list_versions(app).await?)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, app = %app, version = %version))]
    pub async fn get_version(&self, actor: Actor, app: AppId, version: VersionId) -> Result<AppVersion> {
        self.owned_app(actor, app).await?;
        self.store
            .find_version(app, version)
            .await?
            .ok_or(CoreError::NotFound("version"))
    }

    /// The permission difference between two versions of one app.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, app = %app, from = %from, to = %to))]
    pub async fn diff_versions(&self, actor: Actor, app: AppId, from: VersionId, to: VersionId) -> Result<VersionDiff> {
        self.owned_app(actor, app).await?;
        let a = self
            .store
            .find_version(app, from)
            .await?
            .ok_or(CoreError::NotFound("version"))?;
        let b = self
            .store
            .find_version(app, to)
            .await?
            .ok_or(CoreError::NotFound("version"))?;
        Ok(diff_manifests(&stored_manifest(&a)?, &stored_manifest(&b)?))
    }

    /// Promotes a version to production and gives it its App Version ID. The first promotion
    /// creates the production client; its secret is in the result and nowhere else, ever.
    /// Every company that has the app installed is offered the new version: applied at once if
    /// it grants nothing new, otherwise pending until that company's admin approves.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, app = %app, version = %version))]
    pub async fn promote_version(&self, actor: Actor, app: AppId, version: VersionId) -> Result<Promoted> {
        self.promote_version_with(actor, app, version, None).await
    }

    /// [`Trestle::promote_version`] with the production credentials its first promotion
    /// creates given (a seed file fixes them) instead of generated.
    pub(crate) async fn promote_version_with(
        &self,
        actor: Actor,
        app: AppId,
        version: VersionId,
        fixed: Option<NewCredentials>,
    ) -> Result<Promoted> {
        self.owned_app(actor, app).await?;
        let target = self
            .store
            .find_version(app, version)
            .await?
            .ok_or(CoreError::NotFound("version"))?;
        if target.status == VersionStatus::Promoted {
            return Err(CoreError::Conflict("this version is already promoted".into()));
        }
        let new_manifest = stored_manifest(&target)?;
        let promoted = stored_version(&target)?;
        let versions: std::collections::HashMap<VersionId, AppVersion> = self
            .store
            .list_versions(app)
            .await?
            .into_iter()
            .map(|v| (v.id, v))
            .collect();
        let pending = self.store.list_updates(UpdateFilter::App(app)).await?;
        let mut plan = Vec::new();
        for install in self.store.list_app_installs(app).await? {
            if install.status != InstallStatus::Installed {
                continue;
            }
            let company = self.store.find_company(install.company_id).await?;
            if company.is_none_or(|c| c.sandbox_of_app.is_some()) {
                continue; // sandbox installs follow the sandbox keys, not promotion
            }
            let current = versions
                .get(&install.version_id)
                .ok_or_else(|| CoreError::Internal(format!("install {} has no version", install.id)))?;
            // Promotion never moves a company down: a company that runs this version or a
            // newer one is not offered it, and neither is one already offered a newer version
            // (that offer stays pending).
            if !offers_update(&stored_version(current)?, &promoted) {
                continue;
            }
            let mut offered_newer = false;
            for u in pending
                .iter()
                .filter(|u| u.install_id == install.id && u.status == "pending")
            {
                if let Some(to) = versions.get(&u.to_version_id) {
                    offered_newer |= !offers_update(&stored_version(to)?, &promoted);
                }
            }
            if offered_newer {
                continue;
            }
            let diff = diff_manifests(&stored_manifest(current)?, &new_manifest);
            let widened: Vec<Value> = diff
                .company
                .iter()
                .map(|c| ("company", c))
                .chain(diff.project.iter().map(|c| ("project", c)))
                .filter(|(_, c)| c.widens())
                .map(|(scope, c)| serde_json::json!({"scope": scope, "tool": c.tool, "from": c.from, "to": c.to}))
                .collect();
            plan.push(PlannedUpdate {
                install: install.id,
                company: install.company_id,
                from_version: install.version_id,
                widened_json: Value::Array(widened).to_string(),
                apply_now: !diff.widens,
                company_permissions_json: new_manifest.company_permissions.to_json(),
                project_permissions_json: new_manifest.project_permissions.to_json(),
            });
        }
        let uuid = uuid::Uuid::new_v4().to_string();
        let existing = self.store.find_client(Environment::Production, app).await?;
        let fresh = existing.is_none().then(|| {
            fixed.unwrap_or_else(|| NewCredentials {
                client_id: random_hex_256(),
                client_secret: random_hex_256(),
            })
        });
        let new_client = fresh.as_ref().map(|c| NewClient {
            environment: Environment::Production,
            client_id: c.client_id.clone(),
            secret_hash: self.keys.hash_secret(&c.client_secret),
        });
        let promotion = self
            .store
            .promote_version(app, version, &uuid, new_client.as_ref(), &plan, &self.audit(actor))
            .await
            .map_err(not_found("version"))?;
        let credentials = match (promotion.created_client, fresh) {
            (Some(_), Some(c)) => Some(c),
            _ => None,
        };
        let updates = self
            .store
            .list_updates(UpdateFilter::App(app))
            .await?
            .into_iter()
            .filter(|u| u.to_version_id == version)
            .collect();
        Ok(Promoted {
            version: promotion.version,
            credentials,
            updates,
        })
    }

    /// Every update offered to installed companies, with its state.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, app = %app))]
    pub async fn list_app_updates(&self, actor: Actor, app: AppId) -> Result<Vec<InstallUpdate>> {
        self.owned_app(actor, app).await?;
        Ok(self.store.list_updates(UpdateFilter::App(app)).await?)
    }
}

impl Trestle {
    /// Lists the app in the marketplace, installable by its app id at its newest promoted version.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, app = %app))]
    pub async fn publish_app(&self, actor: Actor, app: AppId) -> Result<App> {
        self.owned_app(actor, app).await?;
        Ok(self.store.publish_app(app, &self.audit(actor)).await?)
    }

    /// The operator's kill switch: the app gets no tokens and every token it holds (its own
    /// and those of people who signed in to it) stops working on the next request, on every
    /// node. Its installs are kept, so lifting the suspension restores them.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, app = %app))]
    pub async fn suspend_app(&self, actor: Actor, app: AppId, reason: &str) -> Result<App> {
        self.require(actor, Request::OperatePlatform)?;
        let reason = clean_name("$.reason", reason, trestle_domain::text::REASON)?;
        self.store
            .set_app_suspension(app, Some(&reason), &self.audit(actor))
            .await
            .map_err(not_found("app"))
    }

    /// Lifts a suspension: the app's live secrets and grants work again.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, app = %app))]
    pub async fn resume_app(&self, actor: Actor, app: AppId) -> Result<App> {
        self.require(actor, Request::OperatePlatform)?;
        self.store
            .set_app_suspension(app, None, &self.audit(actor))
            .await
            .map_err(not_found("app"))
    }

    /// The marketplace: published apps (any signed-in person may browse it).
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor))]
    pub async fn marketplace(&self, actor: Actor, page: PageRequest) -> Result<Page<App>> {
        self.require(actor, Request::BrowseMarketplace)?;
        Ok(self.store.list_published_apps(page).await?)
    }

    /// The app's audit log (versions, promotions, credentials, installs), oldest first.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, app = %app))]
    pub async fn app_audit(
        &self,
        actor: Actor,
        app: AppId,
        page: PageRequest,
    ) -> Result<Page<trestle_domain::entities::AuditEvent>> {
        self.owned_app(actor, app).await?;
        let mut events = self
            .store
            .list_audit(
                trestle_store::AuditFilter {
                    company: None,
                    app: Some(app),
                },
                page,
            )
            .await?;
        // What happens inside an installing company is that company's business: the developer
        // sees that it happened, not its details.
        for e in events.items.iter_mut().filter(|e| e.company_id.is_some()) {
            e.before_json = None;
            e.after_json = None;
        }
        Ok(events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use trestle_domain::permissions::Level;

    fn m(company: Value, project: Value) -> Manifest {
        Manifest::parse(&json!({
            "schema_version": "4.1",
            "components": {"oauth": {"grant_type": "client_credentials"}},
            "permissions": {"company": company, "project": project}
        }))
        .unwrap()
    }

    #[test]
    fn diff_lists_changes_and_knows_when_permissions_widen() {
        let a = m(json!({"directory": "read_only"}), json!({"documents": "standard"}));
        let narrower = m(json!({}), json!({"documents": "read_only"}));
        let wider = m(
            json!({"directory": "read_only"}),
            json!({"documents": "admin", "rfis": "read_only"}),
        );
        let d = diff_manifests(&a, &narrower);
        assert!(!d.widens);
        assert_eq!(
            d.company,
            vec![ToolChange {
                tool: "directory".into(),
                from: Level::ReadOnly,
                to: Level::None
            }]
        );
        let d = diff_manifests(&a, &wider);
        assert!(d.widens);
        assert!(d.company.is_empty());
        assert_eq!(d.project.len(), 2);
        assert!(!diff_manifests(&a, &a).widens);
    }
}
