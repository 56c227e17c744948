//! Project management, invitations and the operator's listings.

use crate::entities::*;
use crate::error::Result;
use crate::model::*;
use async_trait::async_trait;
use trestle_domain::page::{Page, PageRequest};
use trestle_domain::*;

/// Project management, invitations into company directories and the operator's listings.
/// Company-scoped methods filter on the `CompanyId`; a foreign id is "not found".
#[async_trait]
pub trait ManageStore: Send + Sync {
    /// A company's projects by status and name-or-number search, in id order.
    async fn list_company_projects(
        &self,
        company: CompanyId,
        filter: &ProjectFilter,
        page: PageRequest,
    ) -> Result<Page<Project>>;
    /// Changes a project of `company`; deactivating or reactivating is a change of `active`.
    async fn update_project(
        &self,
        company: CompanyId,
        project: ProjectId,
        patch: &ProjectPatch,
        audit: &EventContext,
    ) -> Result<Project>;
    /// Deletes a project nothing depends on; `Conflict` naming what does (documents, members,
    /// apps permitted on it).
    async fn delete_project(&self, company: CompanyId, project: ProjectId, audit: &EventContext) -> Result<()>;
    /// Creates every project or none, in one transaction (one audit row); bots of installs
    /// marked "add to all new projects" join each.
    async fn create_projects(
        &self,
        company: CompanyId,
        new: &[NewProject],
        audit: &EventContext,
    ) -> Result<Vec<Project>>;
    /// Every company, or (with `member`) the active ones the user actively belongs to; by a
    /// case-insensitive substring of the name.
    async fn list_companies(&self, member: Option<UserId>, query: &str, page: PageRequest) -> Result<Page<Company>>;
    /// People (not bots) by a case-insensitive substring of the name or e-mail address.
    async fn list_people(&self, query: &str, page: PageRequest) -> Result<Page<User>>;
    /// Invites an e-mail address into the company directory (a pending invitation; a second
    /// invitation of the same address replaces the terms of the first). When no one has the
    /// address, a person without credentials is created for it (recorded in the platform's log
    /// only). The answer is the same whoever has the address; `Conflict` only when it belongs
    /// to an active member already (who is in the directory anyway).
    async fn invite(&self, company: CompanyId, new: &NewInvitation, audit: &EventContext) -> Result<Invitation>;
    /// The company's pending invitations.
    async fn list_invitations(&self, company: CompanyId, page: PageRequest) -> Result<Page<Invitation>>;
    async fn cancel_invitation(&self, company: CompanyId, id: InvitationId, audit: &EventContext) -> Result<()>;
    /// A person's pending invitations (of active companies).
    async fn list_my_invitations(&self, user: UserId) -> Result<Vec<Invitation>>;
    /// Accepts a pending invitation of `user`: they join the directory with its role and
    /// permissions. Another person's invitation is `NotFound`.
    async fn accept_invitation(&self, user: UserId, id: InvitationId, audit: &EventContext) -> Result<Invitation>;
}
