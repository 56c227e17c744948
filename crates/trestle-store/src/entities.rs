//! The entities the storage traits return. They live in `trestle_domain`; re-exported here so
//! that code naming them through `trestle_store` keeps compiling until it names the domain.

pub use trestle_domain::app::{App, AppVersion, Promotion, VersionStatus};
pub use trestle_domain::audit::AuditEvent;
pub use trestle_domain::credential::{
    ApiTokenOwner, ClientCredentials, ClientSecret, Environment, OAuthClient, SecretInfo,
};
pub use trestle_domain::directory::{Company, DirectoryEntry, Invitation, Project, User, UserKind};
pub use trestle_domain::document::{Document, DocumentKind};
pub use trestle_domain::install::{Install, InstallStatus, InstallUpdate};
pub use trestle_domain::service_account::ServiceAccount;
pub use trestle_domain::signin::{AuthCode, CodeRedemption, Grant, RefreshRotation, WebSession};
