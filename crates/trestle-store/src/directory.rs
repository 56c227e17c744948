//! People, companies, their memberships and projects.

use crate::entities::*;
use crate::error::Result;
use crate::model::*;
use async_trait::async_trait;
use trestle_domain::page::{Page, PageRequest};
use trestle_domain::policy::{CompanyMembership, ProjectMembership};
use trestle_domain::*;

/// Companies, projects, people and their memberships.
#[async_trait]
pub trait DirectoryStore: Send + Sync {
    async fn create_person(&self, new: &NewPerson, audit: &EventContext) -> Result<User>;
    async fn find_user(&self, id: UserId) -> Result<Option<User>>;
    /// Creates a company with `admin` as its first company admin.
    async fn create_company(&self, name: &str, admin: UserId, audit: &EventContext) -> Result<Company>;
    async fn find_company(&self, id: CompanyId) -> Result<Option<Company>>;
    /// Adds (or re-activates) a person in a company directory.
    async fn add_company_member(&self, company: CompanyId, member: &NewMember, audit: &EventContext) -> Result<()>;
    /// The user's current membership of the company, if any.
    async fn company_membership(&self, company: CompanyId, user: UserId) -> Result<Option<CompanyMembership>>;
    /// The user's current membership of the project, looked up inside `company` only.
    async fn project_membership(
        &self,
        company: CompanyId,
        project: ProjectId,
        user: UserId,
    ) -> Result<Option<ProjectMembership>>;
    /// Creates a project. Bots of installs marked "add to all new projects" join it in the
    /// same transaction, with their manifest's project permissions.
    async fn create_project(&self, company: CompanyId, new: &NewProject, audit: &EventContext) -> Result<Project>;
    /// A project, only if it belongs to `company`.
    async fn find_project(&self, company: CompanyId, project: ProjectId) -> Result<Option<Project>>;
    /// Companies where the user is an active member, in id order; with `after`, the page of
    /// those after that id (a keyset), else the page at `page`'s offset.
    async fn list_user_companies(
        &self,
        user: UserId,
        page: PageRequest,
        after: Option<CompanyId>,
    ) -> Result<Page<Company>>;
    /// The company an active project belongs to (for routing `/projects/{id}/…`; callers still
    /// check access before answering). An inactive project routes nowhere: "not found".
    async fn find_project_company(&self, project: ProjectId) -> Result<Option<CompanyId>>;
    /// The company directory: people and bots with their memberships.
    async fn list_company_users(&self, company: CompanyId, page: PageRequest) -> Result<Page<DirectoryEntry>>;
    /// The project directory.
    async fn list_project_users(
        &self,
        company: CompanyId,
        project: ProjectId,
        page: PageRequest,
    ) -> Result<Page<DirectoryEntry>>;
    /// The company directory's inactive members (Procore's `users/inactive`).
    async fn list_inactive_company_users(&self, company: CompanyId, page: PageRequest) -> Result<Page<DirectoryEntry>>;
    /// The project directory's members whose company membership is inactive.
    async fn list_inactive_project_users(
        &self,
        company: CompanyId,
        project: ProjectId,
        page: PageRequest,
    ) -> Result<Page<DirectoryEntry>>;
    /// One entry of the company directory (`None`: not a member of the company).
    async fn find_company_user(&self, company: CompanyId, user: UserId) -> Result<Option<DirectoryEntry>>;
    /// One entry of the project directory (`None`: not a member of the project).
    async fn find_project_user(
        &self,
        company: CompanyId,
        project: ProjectId,
        user: UserId,
    ) -> Result<Option<DirectoryEntry>>;
    /// Changes a person's company role and permissions. Bots are refused (`Conflict`): their
    /// permissions come from the app's manifest.
    async fn update_company_member(&self, company: CompanyId, member: &NewMember, audit: &EventContext) -> Result<()>;
    /// Adds an active company member (a person) to a project with permissions.
    async fn add_project_member(
        &self,
        company: CompanyId,
        project: ProjectId,
        user: UserId,
        permissions_json: &str,
        audit: &EventContext,
    ) -> Result<()>;
    async fn remove_project_member(
        &self,
        company: CompanyId,
        project: ProjectId,
        user: UserId,
        audit: &EventContext,
    ) -> Result<()>;
    /// Active projects of a company in id order; with `member` set, only those the user belongs
    /// to. With `after`, the page is the `page.per_page` projects after that id (a keyset: the
    /// cost of a page does not grow with its number); without, the page at `page`'s offset.
    /// The total is a count the store maintains in the transaction of every change that moves
    /// it, never counted per call.
    async fn list_projects(
        &self,
        company: CompanyId,
        member: Option<UserId>,
        page: PageRequest,
        after: Option<ProjectId>,
    ) -> Result<Page<Project>>;
    /// Active projects of `company` whose name or number contains `query` (case-insensitive),
    /// in id order.
    async fn search_projects(&self, company: CompanyId, query: &str, page: PageRequest) -> Result<Page<Project>>;
}
