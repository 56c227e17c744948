//! The company directory as Procore's REST endpoints write it: people added by e-mail with the
//! company's own profile of them, profile changes, and projects created and changed with their
//! fields — each with the `Idempotency-Token` answer written in the same transaction.

use crate::entities::*;
use crate::error::Result;
use crate::model::*;
use async_trait::async_trait;
use trestle_domain::record::{IdempotencyKey, RememberedResponse};
use trestle_domain::*;

/// The answer to remember under an `Idempotency-Token`, made from what the write produced.
pub type Remembering<'a, T> = Option<(&'a IdempotencyKey, &'a (dyn Fn(&T) -> RememberedResponse + Sync))>;

/// A person as a company's directory endpoint adds them.
#[derive(Clone, Debug)]
pub struct NewDirectoryPerson {
    /// Normalised (lower case); the person's login.
    pub email: String,
    /// The name a person new to the platform gets; someone known keeps theirs.
    pub name: String,
    pub is_active: bool,
    /// The company's profile of the person (a JSON object).
    pub profile_json: String,
}

/// A change of a member's company profile.
#[derive(Clone, Debug)]
pub struct DirectoryPersonPatch {
    pub is_active: Option<bool>,
    /// Fields merged into the company's profile of the person (a JSON object).
    pub profile_json: String,
}

#[async_trait]
pub trait DirectoryProfileStore: Send + Sync {
    /// Adds a person to the company directory by e-mail, creating the person when nobody has
    /// that address; with `project`, also to that live project of the company with those
    /// project permissions. `Conflict` when the address is an app's or service account's, when
    /// the person is already in the company directory (without `project`) or in the project.
    async fn add_directory_person(
        &self,
        company: CompanyId,
        new: &NewDirectoryPerson,
        project: Option<(ProjectId, &str)>,
        idempotency: Remembering<'_, DirectoryEntry>,
        audit: &EventContext,
    ) -> Result<DirectoryEntry>;
    /// Changes a member's company profile and active flag (a person's login and name stay
    /// theirs); with `project`, the person must be in that project. Bots and service accounts
    /// are refused (`Conflict`); a non-member is `NotFound`.
    async fn update_directory_person(
        &self,
        company: CompanyId,
        user: UserId,
        project: Option<ProjectId>,
        patch: &DirectoryPersonPatch,
        idempotency: Remembering<'_, DirectoryEntry>,
        audit: &EventContext,
    ) -> Result<DirectoryEntry>;
    /// Creates a project (as `DirectoryStore::create_project`) and remembers the answer.
    async fn create_project_remembered(
        &self,
        company: CompanyId,
        new: &NewProject,
        idempotency: Remembering<'_, Project>,
        audit: &EventContext,
    ) -> Result<Project>;
    /// Changes a project (as `ProjectStore::update_project`) and remembers the answer.
    async fn update_project_remembered(
        &self,
        company: CompanyId,
        project: ProjectId,
        patch: &ProjectPatch,
        idempotency: Remembering<'_, Project>,
        audit: &EventContext,
    ) -> Result<Project>;
}
