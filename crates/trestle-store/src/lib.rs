//! Trestle's storage. The rest of the system sees only the intent-named traits, one module per
//! aggregate (directory, projects, invitations, listings, apps, versions, credentials, installs,
//! permitted projects, update offers, documents, logins, authorization codes, grants, service
//! accounts, audit, upkeep, the change feed, tool records, the sandbox snapshot, the mail outbox, the request log), bundled as [`Store`]; [`connect`] picks SQLite or
//! PostgreSQL once, from the URL. `sql/` implements every trait for both backends.
//!
//! Every mutating method is one transaction that records its domain events
//! (`trestle_domain::event`); committing writes them to the audit log and the outbox inside
//! the same transaction, so a change and its events are committed together or not at all, and
//! a transaction without events refuses to commit.

mod apps;
mod audit;
mod auth_codes;
mod credentials;
mod directory;
mod documents;
mod endpoints;
mod entities;
mod error;
mod feed;
mod grants;
mod installs;
mod invitations;
mod listings;
mod mail;
mod manage;
mod model;
mod outbox;
mod permitted;
mod profiles;
mod records;
mod request_log;
mod service_accounts;
mod signin;
mod snapshot;
mod sql;
mod updates;
mod upkeep;
mod versions;
mod webhooks;

pub use apps::*;
pub use audit::*;
pub use auth_codes::*;
pub use credentials::*;
pub use directory::*;
pub use documents::*;
pub use endpoints::*;

pub use error::*;
pub use feed::*;
pub use grants::*;
pub use installs::*;
pub use invitations::*;
pub use listings::*;
pub use mail::*;
pub use manage::*;
pub use model::*;
pub use outbox::*;
pub use permitted::*;
pub use profiles::*;
pub use records::*;
pub use request_log::*;
pub use service_accounts::*;
pub use signin::*;
pub use snapshot::*;
pub use updates::*;
pub use upkeep::*;
pub use versions::*;
pub use webhooks::*;

use std::sync::Arc;

/// Everything Trestle stores.
pub trait Store:
    DirectoryStore
    + ProjectStore
    + InvitationStore
    + ListingStore
    + AppStore
    + VersionStore
    + CredentialStore
    + InstallStore
    + PermittedProjectStore
    + InstallUpdateStore
    + DocumentStore
    + LoginStore
    + AuthCodeStore
    + GrantStore
    + PurgeStore
    + ServiceAccountStore
    + AccessStore
    + AuditStore
    + OutboxStore
    + HealthStore
    + ChangeStore
    + RecordStore
    + WebhookStore
    + EndpointStore
    + DirectoryProfileStore
    + SnapshotStore
    + MailStore
    + RequestLogStore
{
}
impl<T> Store for T where
    T: DirectoryStore
        + ProjectStore
        + InvitationStore
        + ListingStore
        + AppStore
        + VersionStore
        + CredentialStore
        + InstallStore
        + PermittedProjectStore
        + InstallUpdateStore
        + DocumentStore
        + LoginStore
        + AuthCodeStore
        + GrantStore
        + PurgeStore
        + ServiceAccountStore
        + AccessStore
        + AuditStore
        + OutboxStore
        + HealthStore
        + ChangeStore
        + RecordStore
        + WebhookStore
        + EndpointStore
        + DirectoryProfileStore
        + SnapshotStore
        + MailStore
        + RequestLogStore
{
}

/// Connection settings.
#[derive(Clone, Debug)]
pub struct StoreConfig {
    /// `sqlite://path/to/file.db` or `postgres://…`.
    pub url: String,
    /// Largest number of pooled connections (PostgreSQL) or readers (SQLite).
    pub max_connections: u32,
    /// How long a request waits for a pooled connection before answering "unavailable".
    pub acquire_timeout: std::time::Duration,
}

impl StoreConfig {
    pub fn new(url: impl Into<String>) -> Self {
        StoreConfig {
            url: url.into(),
            max_connections: 16,
            acquire_timeout: std::time::Duration::from_secs(3),
        }
    }
}

/// Opens the database named by the URL scheme and brings its schema up to date.
pub async fn connect(config: &StoreConfig) -> Result<Arc<dyn Store>> {
    if config.url.starts_with("postgres://") || config.url.starts_with("postgresql://") {
        Ok(Arc::new(sql::PgStore::connect(config).await?))
    } else if config.url.starts_with("sqlite:") {
        Ok(Arc::new(sql::SqliteStore::connect(config).await?))
    } else {
        Err(StoreError::Other(
            "database URL must start with sqlite: or postgres://".into(),
        ))
    }
}

#[cfg(feature = "testing")]
pub mod testing;
