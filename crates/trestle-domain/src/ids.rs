//! Typed identifiers. Procore ids may exceed 32 bits, so every numeric id is an `i64`.

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
);
