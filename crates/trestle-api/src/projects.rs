//! Projects of a company: create, change, bulk create, members.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProject {
    /// 1 to 200 characters, one line.
    #[schema(max_length = 200)]
    pub name: String,
    /// At most 100 characters.
    #[schema(max_length = 100)]
    pub project_number: Option<String>,
    /// At most 255 characters.
    #[schema(max_length = 255)]
    pub address: Option<String>,
    /// At most 100 characters.
    #[schema(max_length = 100)]
    pub city: Option<String>,
    /// ISO 3166-2 subdivision code without the country, e.g. `CA` (1 to 3 letters or digits).
    #[schema(max_length = 3)]
    pub state_code: Option<String>,
    /// ISO 3166-1 alpha-2 country code, e.g. `US`.
    #[schema(max_length = 2)]
    pub country_code: Option<String>,
    /// At most 20 characters.
    #[schema(max_length = 20)]
    pub zip: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ProjectOut {
    pub id: i64,
    pub company_id: i64,
    pub name: String,
    pub project_number: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub state_code: Option<String>,
    pub country_code: Option<String>,
    pub zip: Option<String>,
    /// `false` for a deactivated project.
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectMemberIn {
    pub user_id: i64,
    /// Project permissions, `{tool: level}`.
    #[schema(value_type = Object)]
    pub permissions: Option<Value>,
}

/// `null` clears a field, an absent field stays as it is.
fn set_or_clear<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProject {
    /// 1 to 200 characters.
    #[schema(max_length = 200)]
    pub name: Option<String>,
    /// At most 100 characters; `null` clears it.
    #[serde(default, deserialize_with = "set_or_clear")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub project_number: Option<Option<String>>,
    /// At most 255 characters; `null` clears it.
    #[serde(default, deserialize_with = "set_or_clear")]
    #[schema(value_type = Option<String>, max_length = 255)]
    pub address: Option<Option<String>>,
    /// At most 100 characters; `null` clears it.
    #[serde(default, deserialize_with = "set_or_clear")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub city: Option<Option<String>>,
    /// ISO 3166-2 subdivision code without the country, e.g. `CA` (1 to 3 letters or digits).
    #[serde(default, deserialize_with = "set_or_clear")]
    #[schema(value_type = Option<String>, max_length = 3)]
    pub state_code: Option<Option<String>>,
    /// ISO 3166-1 alpha-2 country code, e.g. `US`.
    #[serde(default, deserialize_with = "set_or_clear")]
    #[schema(value_type = Option<String>, max_length = 2)]
    pub country_code: Option<Option<String>>,
    /// At most 20 characters; `null` clears it.
    #[serde(default, deserialize_with = "set_or_clear")]
    #[schema(value_type = Option<String>, max_length = 20)]
    pub zip: Option<Option<String>>,
    /// `false` deactivates the project, `true` reactivates it.
    pub active: Option<bool>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkProjects {
    /// 1 to 1000 projects, each like `POST /api/v1/companies/{company_id}/projects`.
    #[schema(min_items = 1, max_items = 1000)]
    pub projects: Vec<CreateProject>,
}

#[derive(Serialize, ToSchema)]
pub struct BulkCreated {
    /// The new projects, in the order given.
    pub projects: Vec<ProjectOut>,
}

#[cfg(test)]
mod tests {
    use super::UpdateProject;

    #[test]
    fn a_null_field_clears_and_an_absent_one_stays() {
        let p: UpdateProject = serde_json::from_str(r#"{"city": null, "zip": "94107"}"#).unwrap();
        assert_eq!(p.city, Some(None));
        assert_eq!(p.zip, Some(Some("94107".into())));
        assert_eq!(p.address, None);
        assert_eq!(p.name, None);
    }

    #[test]
    fn unknown_fields_are_refused() {
        assert!(serde_json::from_str::<UpdateProject>(r#"{"nmae": "x"}"#).is_err());
    }
}
