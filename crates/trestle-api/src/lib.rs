//! The management API's request and response types (`/api/v1`), one module per resource: what
//! the server sends and reads, and what the CLI and the tests can use as well. Serde and
//! utoipa only — no HTTP framework, no storage, no use cases; the server converts its values
//! into these. The JSON shapes are a public API: a field renamed here is a breaking change.
//!
//! Every type is `Serialize + Deserialize` (and `Debug + Clone`), so the server writes exactly
//! what a client reads. With the `client` feature, `client::Client` is the typed HTTP client
//! of the API (reqwest): one method per endpoint, every path written once, there; the CLI and
//! the integration tests use it. Without the feature nothing here names HTTP.

pub mod apps;
pub mod audit;
#[cfg(feature = "client")]
pub mod client;
pub mod companies;
pub mod credentials;
pub mod endpoints;
pub mod error;
pub mod installs;
pub mod invitations;
pub mod mail;
pub mod metrics;
pub mod operator;
pub mod people;
pub mod projects;
pub mod request_log;
pub mod sandbox;
pub mod service_accounts;
pub mod versions;

/// What the server writes reads back into the same type and writes again byte for byte, so a
/// client holding these types sees exactly the server's JSON.
#[cfg(test)]
mod round_trips {
    use serde::de::DeserializeOwned;
    use serde::Serialize;

    fn same<T: Serialize + DeserializeOwned>(text: &str) {
        let typed: T = serde_json::from_str(text).unwrap();
        assert_eq!(serde_json::to_string(&typed).unwrap(), text);
    }

    /// Objects inside `Value` fields come with sorted keys, as serde_json writes them (no
    /// `preserve_order`) on the server too.
    #[test]
    fn response_types_read_back_what_they_write() {
        same::<crate::people::WhoAmI>(
            r#"{"kind":"person","user":{"id":3,"kind":"person","email":"a@b.c","name":"A","created_at":9}}"#,
        );
        same::<crate::people::WhoAmI>(r#"{"kind":"operator","user":null}"#);
        same::<crate::companies::DirectoryUserOut>(
            r#"{"id":4,"name":"Bot","email_address":"b@x","kind":"bot","is_active":true,"is_admin":false,"permissions":{"directory":"read_only"}}"#,
        );
        same::<crate::credentials::ClientOut>(
            r#"{"environment":"production","client_id":"c","created_at":1,"secrets":[{"id":1,"created_at":1,"expires_at":null,"revoked_at":null,"live":true}]}"#,
        );
        same::<crate::credentials::ClientOut>(
            r#"{"environment":"sandbox","client_id":"s","created_at":1,"secrets":[],"note":"needs a version"}"#,
        );
        same::<crate::versions::PromotionOut>(
            r#"{"version":{"id":1,"app_id":2,"version":"1.0.0","status":"promoted","app_version_id":"u","manifest":{"a":1},"created_at":1,"updated_at":2,"promoted_at":3,"sandbox_key":null},"credentials":null,"updates":[]}"#,
        );
        same::<crate::installs::InstallOut>(
            r#"{"id":1,"company_id":2,"app":{"id":3,"name":"A"},"version":"1.1.0","app_version_id":null,"status":"installed","installed_at":5,"uninstalled_at":null,"add_to_new_projects":false,"bot":{"id":7,"name":"A bot","email":"bot@x"},"permitted_project_ids":[8],"company_permissions":{},"project_permissions":{},"post_installation_notes":null,"instructions_url":null,"instructions_page_name":null,"pending_update":{"id":1,"install_id":1,"company_id":2,"app_id":3,"from_version_id":1,"to_version_id":2,"status":"pending","widened":[{"from":"none","scope":"company","to":"read_only","tool":"directory"}],"created_at":6,"decided_at":null}}"#,
        );
        same::<crate::service_accounts::ServiceAccountCreated>(
            r#"{"account":{"id":1,"company_id":2,"name":"n","app_type":"custom","app_id":null,"client_id":"c","user_id":3,"created_at":4,"retired_at":null},"client_secret":"s","warning":"w"}"#,
        );
    }

    #[test]
    fn request_types_send_what_the_server_reads() {
        // Absent fields of a change are left out, a cleared one is null.
        let change = crate::projects::UpdateProject {
            city: Some(None),
            zip: Some(Some("94107".into())),
            ..Default::default()
        };
        let text = serde_json::to_string(&change).unwrap();
        assert_eq!(text, r#"{"city":null,"zip":"94107"}"#);
        let back: crate::projects::UpdateProject = serde_json::from_str(&text).unwrap();
        assert_eq!(
            (back.city, back.zip, back.name),
            (Some(None), Some(Some("94107".into())), None)
        );
        // A person without a password is sent without one.
        let person = crate::people::CreatePerson {
            email: "a@b.c".into(),
            name: "A".into(),
            password: None,
        };
        same::<crate::people::CreatePerson>(&serde_json::to_string(&person).unwrap());
        assert_eq!(
            serde_json::to_string(&person).unwrap(),
            r#"{"email":"a@b.c","name":"A"}"#
        );
        same::<crate::installs::InstallIn>(
            r#"{"app_version_id":"","app_id":5,"permitted_project_ids":[1,2],"add_to_new_projects":true}"#,
        );
    }
}
