//! People: who am I, creating people and their API tokens, passwords.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct UserOut {
    pub id: i64,
    /// `person`, `bot` (an app's DMSA user) or `service_account`.
    pub kind: &'static str,
    pub email: String,
    pub name: String,
    pub created_at: i64,
}

#[derive(Serialize, ToSchema)]
pub struct WhoAmI {
    /// `operator` or `person`.
    pub kind: &'static str,
    pub user: Option<UserOut>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePerson {
    #[schema(max_length = 254)]
    pub email: String,
    #[schema(max_length = 200)]
    pub name: String,
    /// Lets the person sign in to apps (authorization_code); at least 10 characters.
    #[schema(max_length = 1000)]
    pub password: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PersonCreated {
    pub user: UserOut,
    /// The person's first API token. Shown once; only its keyed hash is stored.
    pub api_token: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiToken {
    #[schema(max_length = 100)]
    pub label: String,
}

#[derive(Serialize, ToSchema)]
pub struct ApiTokenCreated {
    /// Shown once; only its keyed hash is stored.
    pub api_token: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPassword {
    /// At least 10 characters; stored as an Argon2id hash.
    #[schema(max_length = 1000)]
    pub password: String,
}
