//! Manifest versions of apps and their promotion.

use crate::entities::*;
use crate::error::Result;
use crate::model::*;
use async_trait::async_trait;
use trestle_domain::*;

/// Manifest versions of an app and their promotion to production.
#[async_trait]
pub trait VersionStore: Send + Sync {
    /// A version by its sandbox key.
    async fn find_version_by_sandbox_key(&self, key: &str) -> Result<Option<AppVersion>>;
    /// The app's newest version, promoted or not.
    async fn latest_version(&self, app: AppId) -> Result<Option<AppVersion>>;
    /// Adds a version in status `ready_for_testing`. `Conflict` unless the version orders
    /// above every version of the app by SemVer precedence (checked under a lock on the app, so
    /// concurrent creations cannot both pass).
    async fn create_version(
        &self,
        app: AppId,
        version: &str,
        manifest_json: &str,
        sandbox_key: &str,
        audit: &EventContext,
    ) -> Result<AppVersion>;
    async fn list_versions(&self, app: AppId) -> Result<Vec<AppVersion>>;
    async fn find_version(&self, app: AppId, version: VersionId) -> Result<Option<AppVersion>>;
    /// A promoted version by its public App Version ID.
    async fn find_version_by_uuid(&self, app_version_uuid: &str) -> Result<Option<AppVersion>>;
    /// Replaces the manifest of a version that is still `ready_for_testing`.
    async fn update_version(
        &self,
        app: AppId,
        version: VersionId,
        manifest_json: &str,
        new_sandbox_key: &str,
        audit: &EventContext,
    ) -> Result<AppVersion>;
    /// Promotes a `ready_for_testing` version to production under `app_version_uuid`. When the
    /// app has no production client yet, `first_credentials` creates it in the same transaction.
    async fn promote_version(
        &self,
        app: AppId,
        version: VersionId,
        app_version_uuid: &str,
        first_credentials: Option<&NewClient>,
        updates: &[PlannedUpdate],
        audit: &EventContext,
    ) -> Result<Promotion>;
    /// The app's newest promoted version.
    async fn latest_promoted_version(&self, app: AppId) -> Result<Option<AppVersion>>;
}
