//! Apps of a developer, redirect URIs, the marketplace.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApp {
    #[schema(max_length = 100)]
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct AppOut {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    /// The production client_id, once the first version is promoted.
    pub production_client_id: Option<String>,
    /// The sandbox client_id (works only in the development sandbox).
    pub sandbox_client_id: Option<String>,
    /// The app's development sandbox company.
    pub sandbox_company_id: Option<i64>,
    /// When the platform operator suspended the app (it gets no tokens meanwhile), and why.
    pub suspended_at: Option<i64>,
    pub suspended_reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SandboxCredentialsOut {
    pub company_id: Option<i64>,
    pub client_id: String,
    /// Shown exactly once. Trestle keeps only a keyed hash and cannot show it again.
    pub client_secret: String,
    pub warning: &'static str,
    /// What these credentials need before they get a token: a version of the app.
    pub note: String,
}

#[derive(Serialize, ToSchema)]
pub struct AppCreated {
    pub app: AppOut,
    /// The development sandbox's credentials.
    pub sandbox: SandboxCredentialsOut,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedirectUriIn {
    /// An absolute http(s) URL without fragment (matched exactly), or urn:ietf:wg:oauth:2.0:oob.
    #[schema(max_length = 2000)]
    pub uri: String,
}

#[derive(Serialize, ToSchema)]
pub struct RedirectUrisOut {
    pub redirect_uris: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MarketplaceApp {
    pub id: i64,
    pub name: String,
    pub published_at: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameApp {
    #[schema(max_length = 100)]
    pub name: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteApp {
    /// The app's exact name, to confirm.
    pub confirm: String,
}

#[cfg(test)]
mod tests {
    use super::AppOut;

    #[test]
    fn absent_values_are_null_not_left_out() {
        let out = AppOut {
            id: 1,
            name: "a".into(),
            created_at: 2,
            production_client_id: None,
            sandbox_client_id: Some("sb".into()),
            sandbox_company_id: None,
            suspended_at: None,
            suspended_reason: None,
        };
        assert_eq!(
            serde_json::to_string(&out).unwrap(),
            r#"{"id":1,"name":"a","created_at":2,"production_client_id":null,"sandbox_client_id":"sb","sandbox_company_id":null,"suspended_at":null,"suspended_reason":null}"#
        );
    }
}
