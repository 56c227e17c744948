//! People: who am I, creating people and their API tokens, passwords.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserOut {
    pub id: i64,
    /// `person`, `bot` (an app's DMSA user) or `service_account`.
    pub kind: String,
    pub email: String,
    pub name: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WhoAmI {
    /// `operator` or `person`.
    pub kind: String,
    pub user: Option<UserOut>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePerson {
    #[schema(max_length = 254)]
    pub email: String,
    #[schema(max_length = 200)]
    pub name: String,
    /// Lets the person sign in to apps (authorization_code); at least 10 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 1000)]
    pub password: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PersonCreated {
    pub user: UserOut,
    /// The person's first API token. Shown once; only its keyed hash is stored.
    pub api_token: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiToken {
    #[schema(max_length = 100)]
    pub label: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApiTokenCreated {
    /// Shown once; only its keyed hash is stored.
    pub api_token: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPassword {
    /// At least 10 characters; stored as an Argon2id hash.
    #[schema(max_length = 1000)]
    pub password: String,
}
