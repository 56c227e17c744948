//! Typed identifiers. Procore ids may exceed 32 bits, so every numeric id is an `i64`.
//!
//! Each kind of row has its own type, so one kind of id cannot be passed where another is meant.
//! The inner field is public on purpose: these are plain database ids, any `i64` names a row (or
//! no row), so there is no invariant for a constructor to check. Types that do carry an invariant
//! (e-mail addresses, versions, manifests) keep their fields private and validate on
//! construction.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type!(
    /// A company (tenant).
    CompanyId,
    /// A project inside one company.
    ProjectId,
    /// A directory user: a person, or an app's bot.
    UserId,
    /// A developer's app.
    AppId,
    /// One manifest version of an app (the row, not the public App Version ID).
    VersionId,
    /// An app installed in a company.
    InstallId,
    /// An OAuth client (credential set) of an app.
    ClientPk,
    /// A client secret of an OAuth client or a service account.
    SecretId,
    /// A folder or file of a project's Documents tool.
    DocumentId,
    /// A person's approval of a client (refresh tokens and authorization codes belong to one).
    GrantId,
    /// A traditional service account (legacy).
    ServiceAccountId,
    /// A recorded event: the same id in the audit log and the outbox, increasing in write order.
    EventId,
    /// An invitation to join a company.
    InvitationId,
    /// A personal API token.
    ApiTokenId,
    /// A newer promoted version offered to one install.
    InstallUpdateId,
    /// A tool record (an RFI, a vendor, …) of the generic record store.
    RecordId,
    /// A webhook hook (a destination) of a company or project.
    HookId,
    /// A trigger (resource × event type) of a webhook hook.
    TriggerId,
    /// One webhook delivery: an event queued for one hook.
    DeliveryId,
    /// One e-mail message of the mail outbox.
    MailId,
    /// A lifecycle webhook endpoint of an app (see `crate::endpoint`).
    EndpointId,
    /// One lifecycle event queued for one app endpoint.
    EndpointDeliveryId,
);
