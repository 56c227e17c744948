//! The platform operator's actions and management API authentication.

use crate::secrets::new_api_token;
use crate::{CoreError, Result, Trestle};
use trestle_domain::entities::{ApiTokenOwner, Company, User, UserKind};
use trestle_domain::policy::{Actor, Request};
use trestle_domain::text;
use trestle_domain::*;
use trestle_store::{NewApiToken, NewPerson};

/// A person created with their first API token (shown once).
#[derive(Clone, Debug)]
pub struct NewPersonWithToken {
    pub user: User,
    pub api_token: String,
}

/// Checks an e-mail address and returns it in lower case.
pub fn normalize_email(path: &str, email: &str) -> Result<String> {
    let e = email.trim().to_ascii_lowercase();
    if let Some(reason) = text::refusal(&e, text::EMAIL) {
        return Err(CoreError::invalid_field(path, reason));
    }
    let ok = !e.contains(char::is_whitespace)
        && e.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
        });
    if ok {
        Ok(e)
    } else {
        Err(CoreError::invalid_field(
            path,
            format!("{e:?} is not an e-mail address"),
        ))
    }
}

/// Checks a single-line text field such as a name: trimmed, not empty, within `kind`'s
/// length and without control characters (`trestle_domain::text`).
pub fn clean_name(path: &str, name: &str, kind: text::Text) -> Result<String> {
    let mut f = text::Fields::new();
    let v = f.required(path, name, kind);
    f.finish().map_err(invalid_fields)?;
    Ok(v)
}

/// The 422 for the problems of several text fields.
pub fn invalid_fields(problems: Vec<trestle_domain::manifest::Problem>) -> CoreError {
    match problems.as_slice() {
        [one] => CoreError::invalid_field(&one.path, one.reason.clone()),
        _ => CoreError::invalid(format!("{} fields have problems", problems.len()), problems),
    }
}

impl Trestle {
    /// Who a management API token belongs to.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn authenticate_api_token(&self, token: &str) -> Result<Actor> {
        let hash = self.keys.hash_secret(token);
        match self.store.find_api_token(&hash).await? {
            Some(ApiTokenOwner::Operator) => Ok(Actor::Operator),
            Some(ApiTokenOwner::User(u)) => Ok(Actor::Person(u)),
            None => Err(CoreError::Unauthenticated("the API token is invalid or revoked".into())),
        }
    }

    /// Mints an operator API token (used by `trestle up` and `trestle operator-token`).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn create_operator_token(&self, label: &str) -> Result<String> {
        let label = clean_name("$.label", label, text::LABEL)?;
        let token = new_api_token();
        let new = NewApiToken {
            token_hash: self.keys.hash_secret(&token),
            user: None,
            label,
        };
        self.store.create_api_token(&new, &self.system_audit()).await?;
        Ok(token)
    }

    /// Operator: creates a person (developer or company user) with a first API token.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor))]
    pub async fn create_person(&self, actor: Actor, email: &str, name: &str) -> Result<NewPersonWithToken> {
        self.require(actor, Request::OperatePlatform)?;
        let email = normalize_email("$.email", email)?;
        let name = clean_name("$.name", name, text::NAME)?;
        let user = self
            .store
            .create_person(
                &NewPerson {
                    email: email.clone(),
                    name,
                },
                &self.audit(actor),
            )
            .await
            .map_err(|e| match e {
                trestle_store::StoreError::Conflict(_) => {
                    CoreError::Conflict(format!("a user with e-mail {email} already exists"))
                }
                other => other.into(),
            })?;
        let api_token = self.issue_api_token(actor, user.id, "initial").await?;
        Ok(NewPersonWithToken { user, api_token })
    }

    /// Issues an API token for a person: the operator for anyone, a person for themself.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, user = %user))]
    pub async fn issue_api_token(&self, actor: Actor, user: UserId, label: &str) -> Result<String> {
        self.require(actor, Request::ActForPerson { user })?;
        let label = clean_name("$.label", label, text::LABEL)?;
        let target = self.store.find_user(user).await?.ok_or(CoreError::NotFound("user"))?;
        if target.kind != UserKind::Person {
            return Err(CoreError::Conflict("bot users cannot log in or hold API tokens".into()));
        }
        let token = new_api_token();
        let new = NewApiToken {
            token_hash: self.keys.hash_secret(&token),
            user: Some(user),
            label,
        };
        self.store.create_api_token(&new, &self.audit(actor)).await?;
        Ok(token)
    }

    /// Operator: creates a company whose first admin is `admin`.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor))]
    pub async fn create_company(&self, actor: Actor, name: &str, admin: UserId) -> Result<Company> {
        self.require(actor, Request::OperatePlatform)?;
        let name = clean_name("$.name", name, text::NAME)?;
        let user = self.store.find_user(admin).await?;
        match user {
            Some(u) if u.kind == UserKind::Person => {}
            Some(_) => {
                return Err(CoreError::invalid_field(
                    "$.admin_user_id",
                    "a bot cannot be a company admin",
                ))
            }
            None => return Err(CoreError::invalid_field("$.admin_user_id", format!("no user {admin}"))),
        }
        Ok(self.store.create_company(&name, admin, &self.audit(actor)).await?)
    }

    /// The person behind an actor, for `GET /api/v1/me`.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor))]
    pub async fn whoami(&self, actor: Actor) -> Result<Option<User>> {
        match actor.user_id() {
            Some(u) => Ok(self.store.find_user(u).await?),
            None => Ok(None),
        }
    }
}
