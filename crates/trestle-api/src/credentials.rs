//! An app's clients and secrets, secret rotation.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct SecretOut {
    pub id: i64,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// Whether the secret can obtain tokens now.
    pub live: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ClientOut {
    /// `production` or `sandbox`.
    pub environment: &'static str,
    pub client_id: String,
    pub created_at: i64,
    pub secrets: Vec<SecretOut>,
    /// Set on the sandbox client while the app has no version: it gets no token until then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RotateSecret {
    /// Make the client's other secrets expire this many seconds from now (default: they stay
    /// valid until retired).
    pub expire_others_in_seconds: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct RotatedOut {
    pub secret_id: i64,
    pub client_id: String,
    /// Shown exactly once.
    pub client_secret: String,
    pub warning: &'static str,
    /// Set for the sandbox client while the app has no version: it gets no token until then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::RotatedOut;

    #[test]
    fn the_note_is_left_out_when_there_is_none() {
        let out = RotatedOut {
            secret_id: 7,
            client_id: "c".into(),
            client_secret: "s".into(),
            warning: "w",
            note: None,
        };
        assert_eq!(
            serde_json::to_string(&out).unwrap(),
            r#"{"secret_id":7,"client_id":"c","client_secret":"s","warning":"w"}"#
        );
    }
}
