//! Project management (change, deactivate and reactivate, delete, bulk create), invitations
//! into company directories by e-mail address, and the operator's listings of companies and
//! people.

use crate::operator::{clean_name, normalize_email};
use crate::{CoreError, Result, Trestle};
use trestle_domain::entities::{Company, Invitation, Project, User};
use trestle_domain::manifest::Problem;
use trestle_domain::page::{Page, PageRequest};
use trestle_domain::permissions::ToolPermissions;
use trestle_domain::policy::{decide, Actor, AdminArea, Request};
use trestle_domain::project::{check_fields, one_line, ProjectFields, BULK_MAX};
use trestle_domain::*;
use trestle_store::{NewInvitation, NewProject, ProjectFilter, ProjectPatch, StoreError};

/// Most problems one answer lists (a bulk create of 1000 bad projects names the first ones).
const MAX_PROBLEMS: usize = 100;
/// Longest search query.
const QUERY_MAX: usize = 200;

fn fields_of(p: &NewProject) -> ProjectFields {
    ProjectFields {
        name: p.name.clone(),
        project_number: p.project_number.clone(),
        address: p.address.clone(),
        city: p.city.clone(),
        state_code: p.state_code.clone(),
        country_code: p.country_code.clone(),
        zip: p.zip.clone(),
    }
}

/// Checks a new project's fields (`prefix` is its JSON path); trimmed, codes upper-case.
pub(crate) fn checked_project(prefix: &str, p: &NewProject) -> std::result::Result<NewProject, Vec<Problem>> {
    let f = check_fields(prefix, &fields_of(p))?;
    Ok(NewProject {
        name: f.name,
        project_number: f.project_number,
        address: f.address,
        city: f.city,
        state_code: f.state_code,
        country_code: f.country_code,
        zip: f.zip,
        details_json: p.details_json.clone(),
    })
}

/// Checks a project change: every given field as for a new project; absent ones stay as they
/// are.
pub(crate) fn checked_patch(patch: ProjectPatch) -> Result<ProjectPatch> {
    let given = |v: &Option<Option<String>>| v.clone().flatten();
    let probe = ProjectFields {
        name: patch.name.clone().unwrap_or_else(|| "unchanged".into()),
        project_number: given(&patch.project_number),
        address: given(&patch.address),
        city: given(&patch.city),
        state_code: given(&patch.state_code),
        country_code: given(&patch.country_code),
        zip: given(&patch.zip),
    };
    let f = check_fields("$", &probe).map_err(|ps| invalid(format!("{} invalid field(s)", ps.len()), ps))?;
    let keep = |asked: &Option<Option<String>>, checked: Option<String>| asked.as_ref().map(|_| checked);
    Ok(ProjectPatch {
        name: patch.name.as_ref().map(|_| f.name.clone()),
        project_number: keep(&patch.project_number, f.project_number),
        address: keep(&patch.address, f.address),
        city: keep(&patch.city, f.city),
        state_code: keep(&patch.state_code, f.state_code),
        country_code: keep(&patch.country_code, f.country_code),
        zip: keep(&patch.zip, f.zip),
        active: patch.active,
        details_json: patch.details_json,
    })
}

fn invalid(message: String, mut problems: Vec<Problem>) -> CoreError {
    problems.truncate(MAX_PROBLEMS);
    CoreError::invalid(message, problems)
}

/// A search query: trimmed, bounded, one line.
fn query(path: &str, q: &str) -> Result<String> {
    one_line(path, q, QUERY_MAX).map_err(|p| CoreError::invalid_field(&p.path, p.reason))
}

impl Trestle {
    /// One project of the company, active or not (admins).
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, company = %company, project = %project))]
    pub async fn get_project(&self, actor: Actor, company: CompanyId, project: ProjectId) -> Result<Project> {
        self.administer(actor, company, AdminArea::ViewProjects).await?;
        self.store
            .find_project(company, project)
            .await?
            .ok_or(CoreError::NotFound("project"))
    }

    /// The company's projects by status (active by default) and name-or-number search (admins).
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, company = %company))]
    pub async fn find_company_projects(
        &self,
        actor: Actor,
        company: CompanyId,
        mut filter: ProjectFilter,
        page: PageRequest,
    ) -> Result<Page<Project>> {
        self.administer(actor, company, AdminArea::ViewProjects).await?;
        filter.query = query("$.query", &filter.query)?;
        Ok(self.store.list_company_projects(company, &filter, page).await?)
    }

    /// Changes a project's name, number, address or `active` (admins). An inactive project
    /// leaves every project list and its tools answer "not found" until it is reactivated;
    /// its members, permitted apps and documents are kept.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, company = %company, project = %project))]
    pub async fn update_project(
        &self,
        actor: Actor,
        company: CompanyId,
        project: ProjectId,
        patch: ProjectPatch,
    ) -> Result<Project> {
        self.administer(actor, company, AdminArea::Projects).await?;
        let patch = checked_patch(patch)?;
        self.store
            .update_project(company, project, &patch, &self.audit(actor))
            .await
            .map_err(crate::error::not_found("project"))
    }

    /// Deletes a project nothing depends on (admins): one with documents, members or apps
    /// permitted on it is refused (409, naming them); deactivate it instead.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, company = %company, project = %project))]
    pub async fn delete_project(&self, actor: Actor, company: CompanyId, project: ProjectId) -> Result<()> {
        self.administer(actor, company, AdminArea::Projects).await?;
        self.store
            .delete_project(company, project, &self.audit(actor))
            .await
            .map_err(crate::error::not_found("project"))
    }

    /// Creates up to [`BULK_MAX`] projects at once, all or none (admins). Every problem is
    /// listed with its path (`$.projects[3].name`).
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, company = %company))]
    pub async fn create_projects(
        &self,
        actor: Actor,
        company: CompanyId,
        new: Vec<NewProject>,
    ) -> Result<Vec<Project>> {
        self.administer(actor, company, AdminArea::Projects).await?;
        if new.is_empty() {
            return Err(CoreError::invalid_field("$.projects", "must list at least one project"));
        }
        if new.len() > BULK_MAX {
            return Err(CoreError::invalid_field(
                "$.projects",
                format!("at most {BULK_MAX} projects per request (got {})", new.len()),
            ));
        }
        let mut problems = Vec::new();
        let mut ok = Vec::with_capacity(new.len());
        for (i, p) in new.iter().enumerate() {
            match checked_project(&format!("$.projects[{i}]"), p) {
                Ok(p) => ok.push(p),
                Err(ps) => problems.extend(ps),
            }
        }
        if !problems.is_empty() {
            let message = format!("{} problem(s); no project was created", problems.len());
            return Err(invalid(message, problems));
        }
        Ok(self.store.create_projects(company, &ok, &self.audit(actor)).await?)
    }

    /// Companies: every one for the operator, a person's own for a person.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor))]
    pub async fn find_companies(&self, actor: Actor, q: &str, page: PageRequest) -> Result<Page<Company>> {
        let member = if decide(actor, Request::OperatePlatform).is_ok() {
            None
        } else {
            self.require(actor, Request::AnswerInvitations)?; // people only, for themselves
            actor.user_id()
        };
        let q = query("$.query", q)?;
        Ok(self.store.list_companies(member, &q, page).await?)
    }

    /// Every person on the platform (the operator only).
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor))]
    pub async fn list_people(&self, actor: Actor, q: &str, page: PageRequest) -> Result<Page<User>> {
        self.require(actor, Request::OperatePlatform)?;
        let q = query("$.query", q)?;
        Ok(self.store.list_people(&q, page).await?)
    }

    /// Invites someone into the company directory by e-mail address (admins). The answer is
    /// the same whether the address belongs to a person, to no one (a person without
    /// credentials is created for it) or to an app's bot (the invitation can never be
    /// accepted): nothing about people outside the company is revealed. The person joins when
    /// they accept, with this role and these permissions.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, company = %company))]
    pub async fn invite_member(
        &self,
        actor: Actor,
        company: CompanyId,
        email: &str,
        name: Option<&str>,
        is_admin: bool,
        permissions: ToolPermissions,
    ) -> Result<Invitation> {
        self.administer(
            actor,
            company,
            if is_admin {
                AdminArea::AdminFlag
            } else {
                AdminArea::Members
            },
        )
        .await?;
        let email = normalize_email("$.email", email)?;
        let name = match name.map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => n.to_string(),
            None => email.split('@').next().unwrap_or_default().to_string(),
        };
        let name = clean_name("$.name", &name, trestle_domain::text::NAME)?;
        let new = NewInvitation {
            email,
            name,
            is_admin,
            permissions_json: permissions.to_json(),
            invited_by: actor.user_id(),
        };
        self.store
            .invite(company, &new, &self.audit(actor))
            .await
            .map_err(crate::error::not_found("company"))
    }

    /// The company's pending invitations (admins).
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, company = %company))]
    pub async fn list_invitations(
        &self,
        actor: Actor,
        company: CompanyId,
        page: PageRequest,
    ) -> Result<Page<Invitation>> {
        self.administer(actor, company, AdminArea::Members).await?;
        Ok(self.store.list_invitations(company, page).await?)
    }

    /// Withdraws a pending invitation (admins).
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, company = %company, id = %id))]
    pub async fn cancel_invitation(&self, actor: Actor, company: CompanyId, id: InvitationId) -> Result<()> {
        self.administer(actor, company, AdminArea::Members).await?;
        self.store
            .cancel_invitation(company, id, &self.audit(actor))
            .await
            .map_err(crate::error::not_found("invitation"))
    }

    /// The caller's own pending invitations (people only).
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor))]
    pub async fn my_invitations(&self, actor: Actor) -> Result<Vec<Invitation>> {
        self.require(actor, Request::AnswerInvitations)?;
        let user = actor.user_id().expect("people have an id");
        Ok(self.store.list_my_invitations(user).await?)
    }

    /// Accepts one of the caller's own invitations: they join the company directory. Someone
    /// else's invitation is "not found".
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, id = %id))]
    pub async fn accept_invitation(&self, actor: Actor, id: InvitationId) -> Result<Invitation> {
        self.require(actor, Request::AnswerInvitations)?;
        let user = actor.user_id().expect("people have an id");
        self.store
            .accept_invitation(user, id, &self.audit(actor))
            .await
            .map_err(|e| match e {
                StoreError::NotFound => CoreError::NotFound("invitation"),
                other => other.into(),
            })
    }
}
