//! Tool resources reached with OAuth tokens (`/rest/v1.0/…`): the company and project
//! Directory and the project Documents tool. Every call resolves the caller inside the project's
//! company and asks the policy for the tool level the operation needs.

use crate::error::not_found;
use crate::{Caller, CoreError, Result, Trestle};
use trestle_domain::entities::{DirectoryEntry, Document, DocumentKind};
use trestle_domain::page::{Page, PageRequest};
use trestle_domain::permissions::ToolPermissions;
use trestle_domain::policy::{decide, Actor, CompanyMembership, Operation, ProjectMembership, Request};
use trestle_domain::tool::Tool;
use trestle_domain::*;
use trestle_store::{NewDocument, StoreError};

/// The caller resolved inside one project.
pub(crate) struct ProjectScope {
    pub(crate) company: CompanyId,
    pub(crate) actor: Actor,
    company_membership: Option<std::sync::Arc<CompanyMembership>>,
    project_membership: Option<std::sync::Arc<ProjectMembership>>,
}

/// Whether a project is live in the company it was looked up in, and the member's membership
/// of it (`None`: not a member, or no user to be one).
#[derive(Clone, Debug)]
pub enum ProjectStanding {
    Gone,
    Active(Option<std::sync::Arc<ProjectMembership>>),
}

impl Trestle {
    /// The company of a live project, from memory after the first look-up. A project's company
    /// never changes and its id is never given to another project (both backends' ids only
    /// grow), so only the answer *found* is remembered — an unknown id is read every time —
    /// and whether the project is still live is asked of [`Self::project_standing`], which
    /// the company's generation keeps current.
    async fn project_company(&self, project: ProjectId) -> Result<CompanyId> {
        let gens = &self.caches.gens;
        self.caches
            .project_companies
            .get_or_load(gens, &project, gens.stamp(None, None), || async {
                self.store
                    .find_project_company(project)
                    .await?
                    .ok_or(CoreError::NotFound("project"))
            })
            .await
    }

    /// Whether `project` is live in `company`, and `user`'s membership of it, remembered under
    /// the company's generation (a project's deletion or deactivation, and every change of
    /// its members, are changes of its company).
    async fn project_standing(
        &self,
        company: CompanyId,
        project: ProjectId,
        user: Option<UserId>,
    ) -> Result<ProjectStanding> {
        let gens = &self.caches.gens;
        self.caches
            .project_standing
            .get_or_load(
                gens,
                &(company, project, user),
                gens.stamp_directory(Some(company), None),
                || async {
                    if self.store.find_project_company(project).await? != Some(company) {
                        return Ok::<_, CoreError>(ProjectStanding::Gone);
                    }
                    let m = match user {
                        Some(u) => self.store.project_membership(company, project, u).await?,
                        None => None,
                    };
                    Ok(ProjectStanding::Active(m.map(std::sync::Arc::new)))
                },
            )
            .await
    }

    /// Finds the project's company and the caller's standing there. A project the caller cannot
    /// see — in another company, not installed, not permitted — is "not found", whatever the
    /// reason, so ids reveal nothing.
    pub(crate) async fn project_scope(
        &self,
        caller: &Caller,
        project: ProjectId,
        hint: Option<CompanyId>,
    ) -> Result<ProjectScope> {
        let company = self.project_company(project).await?;
        if hint.is_some_and(|h| h != company) {
            return Err(CoreError::NotFound("project"));
        }
        let (actor, company_membership) = match self.company_actor(caller, company).await {
            Ok(found) => found,
            Err(CoreError::Forbidden(_)) => return Err(CoreError::NotFound("project")),
            Err(e) => return Err(e),
        };
        let project_membership = match self.project_standing(company, project, actor.user_id()).await? {
            ProjectStanding::Gone => return Err(CoreError::NotFound("project")),
            ProjectStanding::Active(m) => m,
        };
        decide(
            actor,
            Request::ViewProject {
                company: company_membership.as_deref(),
                project: project_membership.as_deref(),
            },
        )
        .map_err(|_| CoreError::NotFound("project"))?;
        Ok(ProjectScope {
            company,
            actor,
            company_membership,
            project_membership,
        })
    }

    pub(crate) fn require_project_tool(&self, scope: &ProjectScope, tool: Tool, op: Operation) -> Result<()> {
        self.require(
            scope.actor,
            Request::UseProjectTool {
                company: scope.company_membership.as_deref(),
                project: scope.project_membership.as_deref(),
                tool,
                op,
            },
        )
    }

    /// The one check of every company Directory read: `read_only` on the company Directory tool.
    async fn require_company_directory_read(&self, caller: &Caller, company: CompanyId) -> Result<()> {
        let (actor, m) = self.company_actor(caller, company).await?;
        self.require(
            actor,
            Request::UseCompanyTool {
                company: m.as_deref(),
                tool: Tool::Directory,
                op: Operation::Read,
            },
        )
    }

    /// `GET /rest/v1.0/companies/{id}/users`: needs `read_only` on the company Directory tool.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = ?caller, company = %company))]
    pub async fn list_company_directory(
        &self,
        caller: &Caller,
        company: CompanyId,
        page: PageRequest,
    ) -> Result<Page<DirectoryEntry>> {
        self.require_company_directory_read(caller, company).await?;
        Ok(self.store.list_company_users(company, page).await?)
    }

    /// `GET /rest/v1.0/companies/{company_id}/users/inactive`: the company directory's inactive
    /// members; needs `read_only` on the company Directory tool.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = ?caller, company = %company))]
    pub async fn list_inactive_company_directory(
        &self,
        caller: &Caller,
        company: CompanyId,
        page: PageRequest,
    ) -> Result<Page<DirectoryEntry>> {
        self.require_company_directory_read(caller, company).await?;
        Ok(self.store.list_inactive_company_users(company, page).await?)
    }

    /// `GET /rest/v1.0/projects/{project_id}/users/inactive`: the project's members whose
    /// company membership is inactive; needs `read_only` on the project Directory tool.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = ?caller, project = %project, hint = ?hint))]
    pub async fn list_inactive_project_directory(
        &self,
        caller: &Caller,
        project: ProjectId,
        hint: Option<CompanyId>,
        page: PageRequest,
    ) -> Result<Page<DirectoryEntry>> {
        let scope = self.project_scope(caller, project, hint).await?;
        self.require_project_tool(&scope, Tool::Directory, Operation::Read)?;
        Ok(self
            .store
            .list_inactive_project_users(scope.company, project, page)
            .await?)
    }

    /// `GET /rest/v1.x/companies/{company_id}/users/{id}`: one person or bot of the company
    /// directory; needs `read_only` on the company Directory tool. Someone who is not a member
    /// is "not found".
    #[tracing::instrument(level = "debug", skip_all, fields(caller = ?caller, company = %company, user = %user))]
    pub async fn show_company_directory_user(
        &self,
        caller: &Caller,
        company: CompanyId,
        user: UserId,
    ) -> Result<DirectoryEntry> {
        self.require_company_directory_read(caller, company).await?;
        self.store
            .find_company_user(company, user)
            .await?
            .ok_or(CoreError::NotFound("user"))
    }

    /// `GET /rest/v1.0/projects/{project_id}/users/{id}`: one member of the project directory;
    /// needs `read_only` on the project Directory tool.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = ?caller, project = %project, user = %user))]
    pub async fn show_project_directory_user(
        &self,
        caller: &Caller,
        project: ProjectId,
        hint: Option<CompanyId>,
        user: UserId,
    ) -> Result<DirectoryEntry> {
        let scope = self.project_scope(caller, project, hint).await?;
        self.require_project_tool(&scope, Tool::Directory, Operation::Read)?;
        self.store
            .find_project_user(scope.company, project, user)
            .await?
            .ok_or(CoreError::NotFound("user"))
    }

    /// `GET /rest/v1.0/projects/{id}/users`: needs `read_only` on the project Directory tool.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = ?caller, project = %project, hint = ?hint))]
    pub async fn list_project_directory(
        &self,
        caller: &Caller,
        project: ProjectId,
        hint: Option<CompanyId>,
        page: PageRequest,
    ) -> Result<Page<DirectoryEntry>> {
        let scope = self.project_scope(caller, project, hint).await?;
        self.require_project_tool(&scope, Tool::Directory, Operation::Read)?;
        Ok(self.store.list_project_users(scope.company, project, page).await?)
    }

    /// Adds a company member to the project directory: needs `standard` on Directory.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = ?caller, project = %project, hint = ?hint, user = %user))]
    pub async fn add_project_directory_user(
        &self,
        caller: &Caller,
        project: ProjectId,
        hint: Option<CompanyId>,
        user: UserId,
        permissions: &ToolPermissions,
    ) -> Result<()> {
        let scope = self.project_scope(caller, project, hint).await?;
        self.require_project_tool(&scope, Tool::Directory, Operation::Write)?;
        self.store
            .add_project_member(
                scope.company,
                project,
                user,
                &permissions.to_json(),
                &self.audit(scope.actor),
            )
            .await
            .map_err(not_found("project"))
    }

    /// Removes someone from the project directory: needs `admin` on Directory.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = ?caller, project = %project, hint = ?hint, user = %user))]
    pub async fn remove_project_directory_user(
        &self,
        caller: &Caller,
        project: ProjectId,
        hint: Option<CompanyId>,
        user: UserId,
    ) -> Result<()> {
        let scope = self.project_scope(caller, project, hint).await?;
        self.require_project_tool(&scope, Tool::Directory, Operation::Delete)?;
        self.store
            .remove_project_member(scope.company, project, user, &self.audit(scope.actor))
            .await
            .map_err(not_found("project user"))
    }

    /// Lists a folder (or the project root): needs `read_only` on Documents.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = ?caller, project = %project, hint = ?hint, parent = ?parent))]
    pub async fn list_documents(
        &self,
        caller: &Caller,
        project: ProjectId,
        hint: Option<CompanyId>,
        parent: Option<DocumentId>,
    ) -> Result<Vec<Document>> {
        let scope = self.project_scope(caller, project, hint).await?;
        self.require_project_tool(&scope, Tool::Documents, Operation::Read)?;
        if let Some(p) = parent {
            match self.store.find_document(scope.company, project, p).await? {
                Some(d) if d.kind == DocumentKind::Folder => {}
                _ => return Err(CoreError::NotFound("folder")),
            }
        }
        Ok(self.store.list_documents(scope.company, project, parent).await?)
    }

    /// One folder or file: needs `read_only` on Documents.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = ?caller, project = %project, hint = ?hint, id = %id, kind = ?kind))]
    pub async fn get_document(
        &self,
        caller: &Caller,
        project: ProjectId,
        hint: Option<CompanyId>,
        id: DocumentId,
        kind: DocumentKind,
    ) -> Result<Document> {
        let scope = self.project_scope(caller, project, hint).await?;
        self.require_project_tool(&scope, Tool::Documents, Operation::Read)?;
        match self.store.find_document(scope.company, project, id).await? {
            Some(d) if d.kind == kind => Ok(d),
            _ => Err(CoreError::NotFound(if kind == DocumentKind::Folder {
                "folder"
            } else {
                "file"
            })),
        }
    }

    /// Creates a folder or file: needs `standard` on Documents.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = ?caller, project = %project, hint = ?hint))]
    pub async fn create_document(
        &self,
        caller: &Caller,
        project: ProjectId,
        hint: Option<CompanyId>,
        mut new: NewDocument,
    ) -> Result<Document> {
        let scope = self.project_scope(caller, project, hint).await?;
        self.require_project_tool(&scope, Tool::Documents, Operation::Write)?;
        new.name = crate::operator::clean_name("$.name", &new.name, trestle_domain::text::DOCUMENT_NAME)?;
        if let Some(reason) = new.data.as_deref().and_then(trestle_domain::text::content_refusal) {
            return Err(CoreError::invalid_field("$.data", reason));
        }
        new.created_by = scope.actor.user_id();
        self.store
            .create_document(scope.company, project, &new, &self.audit(scope.actor))
            .await
            .map_err(|e| match e {
                StoreError::NotFound => CoreError::invalid_field("$.parent_id", "is not a folder of this project"),
                other => other.into(),
            })
    }

    /// Renames a folder or file, or replaces a file's data: needs `standard` on Documents.
    #[allow(clippy::too_many_arguments)]
    #[tracing::instrument(level = "debug", skip_all, fields(caller = ?caller, project = %project, hint = ?hint, id = %id, kind = ?kind))]
    pub async fn update_document(
        &self,
        caller: &Caller,
        project: ProjectId,
        hint: Option<CompanyId>,
        id: DocumentId,
        kind: DocumentKind,
        name: Option<&str>,
        data: Option<&str>,
    ) -> Result<Document> {
        let scope = self.project_scope(caller, project, hint).await?;
        self.require_project_tool(&scope, Tool::Documents, Operation::Write)?;
        match self.store.find_document(scope.company, project, id).await? {
            Some(d) if d.kind == kind => {}
            _ => return Err(CoreError::NotFound("document")),
        }
        let name = name
            .map(|n| crate::operator::clean_name("$.name", n, trestle_domain::text::DOCUMENT_NAME))
            .transpose()?;
        if let Some(reason) = data.and_then(trestle_domain::text::content_refusal) {
            return Err(CoreError::invalid_field("$.data", reason));
        }
        self.store
            .update_document(
                scope.company,
                project,
                id,
                name.as_deref(),
                data,
                &self.audit(scope.actor),
            )
            .await
            .map_err(not_found("document"))
    }

    /// Deletes a folder (with its contents) or a file: needs `admin` on Documents.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = ?caller, project = %project, hint = ?hint, id = %id, kind = ?kind))]
    pub async fn delete_document(
        &self,
        caller: &Caller,
        project: ProjectId,
        hint: Option<CompanyId>,
        id: DocumentId,
        kind: DocumentKind,
    ) -> Result<()> {
        let scope = self.project_scope(caller, project, hint).await?;
        self.require_project_tool(&scope, Tool::Documents, Operation::Delete)?;
        match self.store.find_document(scope.company, project, id).await? {
            Some(d) if d.kind == kind => {}
            _ => return Err(CoreError::NotFound("document")),
        }
        self.store
            .delete_document(scope.company, project, id, &self.audit(scope.actor))
            .await
            .map_err(not_found("document"))
    }
}
