//! Credentials: apps' OAuth clients and their secrets (never the secrets themselves, only
//! keyed hashes), and who owns a management API token.

use crate::ids::{AppId, ClientPk, SecretId, UserId};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Environment {
    Production,
    Sandbox,
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Production => "production",
            Environment::Sandbox => "sandbox",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthClient {
    pub pk: ClientPk,
    pub app_id: AppId,
    pub environment: Environment,
    pub client_id: String,
    pub created_at: i64,
}

/// A secret as listed (never the secret itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretInfo {
    pub id: SecretId,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientSecret {
    pub id: SecretId,
    pub secret_hash: String,
    pub expires_at: Option<i64>,
}

/// A client with its live secrets, for authenticating a token request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientCredentials {
    pub client: OAuthClient,
    pub secrets: Vec<ClientSecret>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiTokenOwner {
    Operator,
    User(UserId),
}
