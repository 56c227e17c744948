//! The developer portal: apps, manifest versions, promotion and production credentials.

use crate::operator::clean_name;
use crate::secrets::random_hex_256;
use crate::{CoreError, Result, Trestle};
use serde_json::Value;
use trestle_domain::manifest::{parse_version, Manifest, Problem};
use trestle_domain::page::{Page, PageRequest};
use trestle_domain::policy::{decide, Actor, Request};
use trestle_domain::*;
use trestle_store::{App, AppVersion, Environment, NewClient, OAuthClient, StoreError};

/// Production credentials, with the secret in clear: returned exactly once.
#[derive(Clone, Debug)]
pub struct NewCredentials {
    pub client_id: String,
    pub client_secret: String,
}

#[derive(Clone, Debug)]
pub struct Promoted {
    pub version: AppVersion,
    /// Set only on the promotion that created the production client.
    pub credentials: Option<NewCredentials>,
}

impl Trestle {
    /// Loads an app the actor owns. Another developer's app is "not found", not "forbidden",
    /// so app ids reveal nothing.
    async fn owned_app(&self, actor: Actor, app: AppId) -> Result<App> {
        let found = self.store.find_app(app).await?.ok_or(CoreError::NotFound("app"))?;
        match decide(actor, Request::ManageApp { owner: found.owner_id }) {
            Ok(()) => Ok(found),
            Err(_) => Err(CoreError::NotFound("app")),
        }
    }

    pub async fn create_app(&self, actor: Actor, name: &str) -> Result<App> {
        self.require(actor, Request::CreateApp)?;
        let name = clean_name("$.name", name, 100)?;
        let owner = actor.user_id().expect("CreateApp is for people");
        Ok(self.store.create_app(owner, &name, &self.audit(actor)).await?)
    }

    pub async fn list_apps(&self, actor: Actor, page: PageRequest) -> Result<Page<App>> {
        self.require(actor, Request::CreateApp)?;
        let owner = actor.user_id().expect("CreateApp is for people");
        Ok(self.store.list_apps(owner, page).await?)
    }

    pub async fn get_app(&self, actor: Actor, app: AppId) -> Result<App> {
        self.owned_app(actor, app).await
    }

    /// The app's production client (never its secret).
    pub async fn production_client(&self, actor: Actor, app: AppId) -> Result<Option<OAuthClient>> {
        self.owned_app(actor, app).await?;
        Ok(self.store.find_client(Environment::Production, app).await?)
    }

    /// Creates a version in status `ready_for_testing`. The version must be semver and greater
    /// than every existing version; the manifest must validate. All problems are reported.
    pub async fn create_version(
        &self,
        actor: Actor,
        app: AppId,
        version: &str,
        manifest: &Value,
    ) -> Result<AppVersion> {
        self.owned_app(actor, app).await?;
        let mut problems: Vec<Problem> = Vec::new();
        let existing = self.store.list_versions(app).await?;
        match parse_version(version) {
            Ok(v) => {
                if let Some(newest) = existing
                    .iter()
                    .filter_map(|e| semver::Version::parse(&e.version).ok())
                    .max()
                {
                    if v <= newest {
                        problems.push(Problem {
                            path: "$.version".into(),
                            reason: format!("must be greater than {newest}, the newest version"),
                        });
                    }
                }
            }
            Err(reason) => problems.push(Problem {
                path: "$.version".into(),
                reason,
            }),
        }
        let manifest = match Manifest::parse(manifest) {
            Ok(m) => Some(m),
            Err(ps) => {
                problems.extend(ps.into_iter().map(|p| Problem {
                    path: p.path.replacen('$', "$.manifest", 1),
                    ..p
                }));
                None
            }
        };
        let Some(manifest) = manifest.filter(|_| problems.is_empty()) else {
            return Err(CoreError::invalid(
                format!("the version has {} problem(s)", problems.len()),
                problems,
            ));
        };
        self.store
            .create_version(app, version, &manifest.to_json().to_string(), &self.audit(actor))
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => CoreError::Conflict(format!("version {version} already exists")),
                other => other.into(),
            })
    }

    /// Replaces the manifest of a version that has not been promoted ("Save Version").
    pub async fn update_version(
        &self,
        actor: Actor,
        app: AppId,
        version: VersionId,
        manifest: &Value,
    ) -> Result<AppVersion> {
        self.owned_app(actor, app).await?;
        let manifest = Manifest::parse(manifest).map_err(|ps| {
            let ps: Vec<Problem> = ps
                .into_iter()
                .map(|p| Problem {
                    path: p.path.replacen('$', "$.manifest", 1),
                    ..p
                })
                .collect();
            CoreError::invalid(format!("the manifest has {} problem(s)", ps.len()), ps)
        })?;
        self.store
            .update_version(app, version, &manifest.to_json().to_string(), &self.audit(actor))
            .await
            .map_err(|e| match e {
                StoreError::NotFound => CoreError::NotFound("version"),
                other => other.into(),
            })
    }

    pub async fn list_versions(&self, actor: Actor, app: AppId) -> Result<Vec<AppVersion>> {
        self.owned_app(actor, app).await?;
        Ok(self.store.list_versions(app).await?)
    }

    pub async fn get_version(&self, actor: Actor, app: AppId, version: VersionId) -> Result<AppVersion> {
        self.owned_app(actor, app).await?;
        self.store
            .find_version(app, version)
            .await?
            .ok_or(CoreError::NotFound("version"))
    }

    /// Promotes a version to production and gives it its App Version ID. The first promotion
    /// creates the production client; its secret is in the result and nowhere else, ever.
    pub async fn promote_version(&self, actor: Actor, app: AppId, version: VersionId) -> Result<Promoted> {
        self.owned_app(actor, app).await?;
        let uuid = uuid::Uuid::new_v4().to_string();
        let existing = self.store.find_client(Environment::Production, app).await?;
        let fresh = existing.is_none().then(|| NewCredentials {
            client_id: random_hex_256(),
            client_secret: random_hex_256(),
        });
        let new_client = fresh.as_ref().map(|c| NewClient {
            environment: Environment::Production,
            client_id: c.client_id.clone(),
            secret_hash: self.keys.hash_secret(&c.client_secret),
        });
        let promotion = self
            .store
            .promote_version(app, version, &uuid, new_client.as_ref(), &self.audit(actor))
            .await
            .map_err(|e| match e {
                StoreError::NotFound => CoreError::NotFound("version"),
                other => other.into(),
            })?;
        let credentials = match (promotion.created_client, fresh) {
            (Some(_), Some(c)) => Some(c),
            _ => None,
        };
        Ok(Promoted {
            version: promotion.version,
            credentials,
        })
    }
}
