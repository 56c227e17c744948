//! The store's own shorthand for the domain entities its traits and rows name (crate-internal:
//! the rest of the system names them from `trestle_domain`).

pub(crate) use trestle_domain::app::{App, AppVersion, Promotion, VersionStatus};
pub(crate) use trestle_domain::audit::AuditEvent;
pub(crate) use trestle_domain::credential::{
    ApiTokenOwner, ClientCredentials, ClientSecret, Environment, OAuthClient, SecretInfo,
};
pub(crate) use trestle_domain::directory::{Company, DirectoryEntry, Invitation, Project, User, UserKind};
pub(crate) use trestle_domain::document::{Document, DocumentKind};
pub(crate) use trestle_domain::install::{Install, InstallStatus, InstallUpdate};
pub(crate) use trestle_domain::service_account::ServiceAccount;
pub(crate) use trestle_domain::signin::{AuthCode, CodeRedemption, Grant, RefreshRotation, WebSession};
