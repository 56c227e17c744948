//! People, companies, projects and company directories, as the rest of the system sees them.

use crate::ids::{AppId, CompanyId, InvitationId, ProjectId, UserId};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserKind {
    Person,
    /// An app's DMSA bot (one per install).
    Bot,
    /// The directory contact of a traditional service account (not an app's bot).
    ServiceAccount,
}

impl UserKind {
    /// The kind as the management API names it.
    pub fn as_str(self) -> &'static str {
        match self {
            UserKind::Person => "person",
            UserKind::Bot => "bot",
            UserKind::ServiceAccount => "service_account",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub kind: UserKind,
    pub email: String,
    pub name: String,
    pub created_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Company {
    pub id: CompanyId,
    pub name: String,
    pub is_active: bool,
    pub created_at: i64,
    /// Set when this company is the development sandbox of an app.
    pub sandbox_of_app: Option<AppId>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Project {
    pub id: ProjectId,
    pub company_id: CompanyId,
    pub company_name: String,
    pub name: String,
    pub project_number: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub state_code: Option<String>,
    pub country_code: Option<String>,
    pub zip: Option<String>,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
    /// The project's fields from Procore's project endpoints that have no field above
    /// (description, dates, total value, …): a JSON object, `{}` when none.
    pub details_json: String,
}

/// A person or bot in a company directory, with their membership.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectoryEntry {
    pub user: User,
    pub is_active: bool,
    pub is_admin: bool,
    pub permissions_json: String,
    /// The company's own profile of the member, as Procore's directory endpoints write it (job
    /// title, phones, address, names as the company knows them, …): a JSON object, `{}` when
    /// none. What one company writes is never seen by another.
    pub profile_json: String,
}

/// An invitation as its company's admins and the invited person see it. It never says whether
/// the address belongs to anyone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invitation {
    pub id: InvitationId,
    pub company_id: CompanyId,
    pub company_name: String,
    pub email: String,
    pub is_admin: bool,
    pub permissions_json: String,
    /// `pending`, `accepted` or `cancelled`.
    pub status: String,
    pub created_at: i64,
    pub decided_at: Option<i64>,
}
