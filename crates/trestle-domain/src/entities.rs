//! The entities, in one list: what the storage traits return and the use cases pass around,
//! each defined in its aggregate's module (`app`, `credential`, `directory`, …). Code that
//! names several entities imports them from here.

pub use crate::app::{App, AppVersion, Promotion, VersionStatus};
pub use crate::audit::AuditEvent;
pub use crate::credential::{ApiTokenOwner, ClientCredentials, ClientSecret, Environment, OAuthClient, SecretInfo};
pub use crate::directory::{Company, DirectoryEntry, Invitation, Project, User, UserKind};
pub use crate::document::{Document, DocumentKind};
pub use crate::install::{Install, InstallStatus, InstallUpdate};
pub use crate::mail::{Mail, MailStatus};
pub use crate::service_account::ServiceAccount;
pub use crate::signin::{AuthCode, CodeRedemption, Grant, RefreshRotation, WebSession};
