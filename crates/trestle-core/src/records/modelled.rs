//! Catalog operations answered from Trestle's own model instead of the record store: the
//! Directory's company and project users and the projects themselves are what every list, the
//! policy and the installs read, so a create or change through Procore's REST endpoints must
//! land there (a record beside them would answer 201 and never show). The engine has already
//! parsed the body, decided the policy with the operation's tool and level, and opened the
//! scope; this module checks the body against the catalog's schema, writes through the
//! directory or project store (the `Idempotency-Token` answer in the same transaction), and
//! renders with [`crate::views`], as the hand-written lists do.

use super::shapes::{answer, validate};
use super::{OpAnswer, OpRequest, Place};
use crate::operator::normalize_email;
use crate::views::{DirectoryUserJson, ProjectJson};
use crate::{CoreError, Result, Trestle};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::OnceLock;
use trestle_domain::catalog::{catalog, CatalogOp, Method};
use trestle_domain::entities::{DirectoryEntry, Project};
use trestle_domain::record::RememberedResponse;
use trestle_domain::{ProjectId, UserId};
use trestle_store::{DirectoryPersonPatch, NewDirectoryPerson, NewProject, ProjectPatch, StoreError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Modelled {
    CompanyUserCreate,
    CompanyUserUpdate,
    ProjectUserCreate,
    ProjectUserUpdate,
    ProjectCreate,
    ProjectShow,
    ProjectUpdate,
    /// `GET /rest/v1.x/users/{id}`: a person of the company directory.
    UserShow,
    /// `PATCH …/companies/{}/users/{}/invite`: answered with the person (202); Trestle's people
    /// sign in with the password they were given, so no e-mail goes out.
    UserInvite,
    ProjectLogoSet,
    ProjectLogoDelete,
}

/// Which operations are modelled, as (method, path with `{}` for each parameter).
const MODELLED: &[(Method, &str, Modelled)] = &[
    (
        Method::Post,
        "/rest/v1.0/companies/{}/users",
        Modelled::CompanyUserCreate,
    ),
    (
        Method::Post,
        "/rest/v1.1/companies/{}/users",
        Modelled::CompanyUserCreate,
    ),
    (
        Method::Post,
        "/rest/v1.2/companies/{}/users",
        Modelled::CompanyUserCreate,
    ),
    (
        Method::Post,
        "/rest/v1.3/companies/{}/users",
        Modelled::CompanyUserCreate,
    ),
    (
        Method::Patch,
        "/rest/v1.0/companies/{}/users/{}",
        Modelled::CompanyUserUpdate,
    ),
    (
        Method::Patch,
        "/rest/v1.1/companies/{}/users/{}",
        Modelled::CompanyUserUpdate,
    ),
    (
        Method::Patch,
        "/rest/v1.2/companies/{}/users/{}",
        Modelled::CompanyUserUpdate,
    ),
    (
        Method::Patch,
        "/rest/v1.3/companies/{}/users/{}",
        Modelled::CompanyUserUpdate,
    ),
    (
        Method::Post,
        "/rest/v1.0/projects/{}/users",
        Modelled::ProjectUserCreate,
    ),
    (
        Method::Patch,
        "/rest/v1.0/projects/{}/users/{}",
        Modelled::ProjectUserUpdate,
    ),
    (Method::Post, "/rest/v1.0/projects", Modelled::ProjectCreate),
    (Method::Get, "/rest/v1.0/projects/{}", Modelled::ProjectShow),
    (Method::Patch, "/rest/v1.0/projects/{}", Modelled::ProjectUpdate),
    (Method::Get, "/rest/v1.0/users/{}", Modelled::UserShow),
    (Method::Get, "/rest/v1.1/users/{}", Modelled::UserShow),
    (Method::Get, "/rest/v1.3/users/{}", Modelled::UserShow),
    (
        Method::Patch,
        "/rest/v1.0/companies/{}/users/{}/invite",
        Modelled::UserInvite,
    ),
    (
        Method::Patch,
        "/rest/v1.1/companies/{}/users/{}/invite",
        Modelled::UserInvite,
    ),
    (
        Method::Patch,
        "/rest/v1.2/companies/{}/users/{}/invite",
        Modelled::UserInvite,
    ),
    (
        Method::Patch,
        "/rest/v1.3/companies/{}/users/{}/invite",
        Modelled::UserInvite,
    ),
    (Method::Post, "/rest/v1.0/projects/{}/logo", Modelled::ProjectLogoSet),
    (
        Method::Delete,
        "/rest/v1.0/projects/{}/logo",
        Modelled::ProjectLogoDelete,
    ),
];

fn unnamed(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut inside = false;
    for c in template.chars() {
        match c {
            '{' => {
                inside = true;
                out.push_str("{}");
            }
            '}' => inside = false,
            _ if inside => {}
            c => out.push(c),
        }
    }
    out
}

/// The modelled operation `op` is, if any (by the catalog entry's identity: one hash of an
/// address on the engine's path).
pub(super) fn of(op: &'static CatalogOp) -> Option<Modelled> {
    static BY_OP: OnceLock<HashMap<usize, Modelled>> = OnceLock::new();
    let map = BY_OP.get_or_init(|| {
        catalog()
            .ops()
            .iter()
            .filter_map(|o| {
                let t = unnamed(&o.path);
                MODELLED
                    .iter()
                    .find(|(m, p, _)| *m == o.method && *p == t)
                    .map(|(_, _, k)| (o as *const CatalogOp as usize, *k))
            })
            .collect()
    });
    map.get(&(op as *const CatalogOp as usize)).copied()
}

/// The fields a directory write keeps as the membership, not in the profile.
const NOT_PROFILE: &[&str] = &[
    "id",
    "email_address",
    "is_active",
    "name",
    "is_dmsa",
    "permission_template",
    "vendor",
];
/// The fields a project write keeps in columns (or refuses), not in its details.
const NOT_DETAILS: &[&str] = &[
    "id",
    "name",
    "display_name",
    "project_number",
    "address",
    "city",
    "state_code",
    "country_code",
    "zip",
    "active",
    "created_at",
    "updated_at",
    "company",
    "company_id",
];

fn text_of(fields: &Map<String, Value>, key: &str) -> Option<String> {
    match fields.get(key)? {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

fn rest_of(fields: &Map<String, Value>, skip: &[&str]) -> String {
    let rest: Map<String, Value> = fields
        .iter()
        .filter(|(k, _)| !skip.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Value::Object(rest).to_string()
}

fn user_json(e: &DirectoryEntry) -> Value {
    serde_json::to_value(DirectoryUserJson::from(e.clone())).unwrap_or(Value::Null)
}

fn project_json(p: &Project) -> Value {
    serde_json::to_value(ProjectJson::from(p)).unwrap_or(Value::Null)
}

fn remember_with<T>(status: u16, render: fn(&T) -> Value) -> impl Fn(&T) -> RememberedResponse + Sync {
    move |t: &T| RememberedResponse {
        status,
        body: render(t).to_string(),
    }
}

/// A store refusal retold: a conflict is the request's problem (422 with the reason).
fn refused(e: StoreError, what: &'static str) -> CoreError {
    match e {
        StoreError::NotFound => CoreError::NotFound(what),
        StoreError::Conflict(m) if m == "idempotency" => CoreError::Conflict("the Idempotency-Token is in use".into()),
        StoreError::Conflict(m) => CoreError::invalid_field("$", m),
        other => other.into(),
    }
}

impl Trestle {
    /// Whether the parent `id` of a collection Trestle models exists in the scope (`None`: the
    /// collection is not modelled, its parents are records): a company user's nested
    /// collections need the person in the company directory (in the project's, at project
    /// scope), a project's need the project in the company.
    pub(super) async fn modelled_parent(&self, place: &Place, collection: &str, id: i64) -> Result<Option<bool>> {
        let company = place.scope.company;
        Ok(match collection {
            "users" => Some(match place.scope.project {
                None => self.store.find_company_user(company, UserId(id)).await?.is_some(),
                Some(p) => self.store.find_project_user(company, p, UserId(id)).await?.is_some(),
            }),
            "projects" => Some(self.store.find_project(company, ProjectId(id)).await?.is_some()),
            _ => None,
        })
    }

    pub(super) async fn serve_modelled(&self, place: &Place, kind: Modelled, req: OpRequest<'_>) -> Result<OpAnswer> {
        let op = req.op;
        let key = place.idempotency(&req);
        if let Some(done) = self.replayed(key.as_ref()).await? {
            return Ok(done);
        }
        let company = place.scope.company;
        let ctx = self.audit_by(&place.caller, place.actor);
        let path_id = |name: &str| -> Result<i64> {
            req.path
                .get(name)
                .and_then(|v| v.trim().parse::<i64>().ok())
                .filter(|n| *n > 0)
                .ok_or(CoreError::NotFound(if name == "project_id" {
                    "project"
                } else {
                    "user"
                }))
        };
        let status = op.success;
        let bodiless = matches!(
            kind,
            Modelled::ProjectShow | Modelled::UserShow | Modelled::UserInvite | Modelled::ProjectLogoDelete
        );
        let mut fields = if kind == Modelled::ProjectLogoSet {
            req.body
        } else if bodiless {
            Map::new()
        } else {
            let mut f = super::schema::unwrap(op, req.body)?;
            let create = matches!(
                kind,
                Modelled::CompanyUserCreate | Modelled::ProjectUserCreate | Modelled::ProjectCreate
            );
            validate(op, &mut f, create, req.form)?;
            f
        };
        let base = super::schema::base_path(op);
        match kind {
            Modelled::CompanyUserCreate | Modelled::ProjectUserCreate => {
                let raw = text_of(&fields, "email_address").unwrap_or_default();
                let email = normalize_email(&format!("{base}.email_address"), &raw)?;
                let first = text_of(&fields, "first_name").unwrap_or_default();
                let last = text_of(&fields, "last_name").unwrap_or_default();
                let name = match format!("{first} {last}").trim() {
                    "" => email.clone(),
                    n => n.to_string(),
                };
                let name =
                    crate::operator::clean_name(&format!("{base}.last_name"), &name, trestle_domain::text::NAME)?;
                let is_active = !matches!(fields.get("is_active"), Some(Value::Bool(false)));
                let new = NewDirectoryPerson {
                    email,
                    name,
                    is_active,
                    profile_json: rest_of(&fields, NOT_PROFILE),
                };
                let project = match kind {
                    Modelled::ProjectUserCreate => Some((ProjectId(path_id("project_id")?), "{}")),
                    _ => None,
                };
                let remember = remember_with(status, user_json);
                let idem = key.as_ref().map(|k| (k, &remember as _));
                let e = self
                    .store
                    .add_directory_person(company, &new, project, idem, &ctx)
                    .await
                    .map_err(|e| refused(e, "project"))?;
                Ok(answer(status, user_json(&e)))
            }
            Modelled::CompanyUserUpdate | Modelled::ProjectUserUpdate => {
                let user = UserId(path_id("id")?);
                let project = match kind {
                    Modelled::ProjectUserUpdate => Some(ProjectId(path_id("project_id")?)),
                    _ => None,
                };
                let existing = match project {
                    None => self.store.find_company_user(company, user).await?,
                    Some(p) => self.store.find_project_user(company, p, user).await?,
                }
                .ok_or(CoreError::NotFound("user"))?;
                if let Some(raw) = text_of(&fields, "email_address") {
                    if !raw.eq_ignore_ascii_case(&existing.user.email) {
                        return Err(CoreError::invalid_field(
                            &format!("{base}.email_address"),
                            "is the person's login and cannot be changed through a company directory",
                        ));
                    }
                }
                let is_active = match fields.remove("is_active") {
                    Some(Value::Bool(b)) => Some(b),
                    _ => None,
                };
                let patch = DirectoryPersonPatch {
                    is_active,
                    profile_json: rest_of(&fields, NOT_PROFILE),
                };
                let remember = remember_with(status, user_json);
                let idem = key.as_ref().map(|k| (k, &remember as _));
                let e = self
                    .store
                    .update_directory_person(company, user, project, &patch, idem, &ctx)
                    .await
                    .map_err(|e| refused(e, "user"))?;
                Ok(answer(status, user_json(&e)))
            }
            Modelled::ProjectCreate => {
                if matches!(fields.get("active"), Some(Value::Bool(false))) {
                    return Err(CoreError::invalid_field(
                        &format!("{base}.active"),
                        "a project is created active; deactivate it afterwards with PATCH",
                    ));
                }
                let new = NewProject {
                    name: text_of(&fields, "name").unwrap_or_default(),
                    project_number: text_of(&fields, "project_number"),
                    address: text_of(&fields, "address"),
                    city: text_of(&fields, "city"),
                    state_code: text_of(&fields, "state_code"),
                    country_code: text_of(&fields, "country_code"),
                    zip: text_of(&fields, "zip"),
                    details_json: Some(rest_of(&fields, NOT_DETAILS)),
                };
                let new = crate::projects::checked_project(&base, &new)
                    .map_err(|ps| CoreError::invalid(format!("{} invalid field(s)", ps.len()), ps))?;
                let remember = remember_with(status, project_json);
                let idem = key.as_ref().map(|k| (k, &remember as _));
                let p = self
                    .store
                    .create_project_remembered(company, &new, idem, &ctx)
                    .await
                    .map_err(|e| refused(e, "company"))?;
                Ok(answer(status, project_json(&p)))
            }
            Modelled::ProjectShow => {
                let project = ProjectId(path_id("id")?);
                let p = self
                    .store
                    .find_project(company, project)
                    .await?
                    .ok_or(CoreError::NotFound("project"))?;
                Ok(answer(status, project_json(&p)))
            }
            Modelled::UserShow | Modelled::UserInvite => {
                let user = UserId(path_id("id")?);
                let e = self
                    .store
                    .find_company_user(company, user)
                    .await?
                    .ok_or(CoreError::NotFound("user"))?;
                Ok(answer(status, user_json(&e)))
            }
            Modelled::ProjectLogoSet | Modelled::ProjectLogoDelete => {
                let project = ProjectId(path_id("id")?);
                let logo = match kind {
                    Modelled::ProjectLogoSet => Value::Object(fields),
                    _ => Value::Null,
                };
                let patch = ProjectPatch {
                    details_json: Some(serde_json::json!({ "logo": logo }).to_string()),
                    ..ProjectPatch::default()
                };
                let remember = remember_with(status, project_json);
                let idem = key.as_ref().map(|k| (k, &remember as _));
                let p = self
                    .store
                    .update_project_remembered(company, project, &patch, idem, &ctx)
                    .await
                    .map_err(|e| refused(e, "project"))?;
                Ok(answer(status, project_json(&p)))
            }
            Modelled::ProjectUpdate => {
                let project = ProjectId(path_id("id")?);
                let opt = |k: &str| fields.contains_key(k).then(|| text_of(&fields, k));
                let patch = ProjectPatch {
                    name: text_of(&fields, "name"),
                    project_number: opt("project_number"),
                    address: opt("address"),
                    city: opt("city"),
                    state_code: opt("state_code"),
                    country_code: opt("country_code"),
                    zip: opt("zip"),
                    active: match fields.get("active") {
                        Some(Value::Bool(b)) => Some(*b),
                        _ => None,
                    },
                    details_json: Some(rest_of(&fields, NOT_DETAILS)),
                };
                let patch = crate::projects::checked_patch(patch)?;
                let remember = remember_with(status, project_json);
                let idem = key.as_ref().map(|k| (k, &remember as _));
                let p = self
                    .store
                    .update_project_remembered(company, project, &patch, idem, &ctx)
                    .await
                    .map_err(|e| refused(e, "project"))?;
                Ok(answer(status, project_json(&p)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_modelled_operation_is_in_the_catalog_once() {
        for (m, p, k) in MODELLED {
            let n = catalog()
                .ops()
                .iter()
                .filter(|o| o.method == *m && unnamed(&o.path) == *p)
                .inspect(|o| assert_eq!(of(o), Some(*k), "{m:?} {p}"))
                .count();
            assert_eq!(n, 1, "{m:?} {p}");
        }
        let rfis = catalog().ops().iter().find(|o| o.resource == "rfis").expect("rfis");
        assert_eq!(of(rfis), None);
    }
}
