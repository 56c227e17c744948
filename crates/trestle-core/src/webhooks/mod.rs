//! Procore's Webhooks API (issue #16): hooks, triggers and deliveries of a company or a
//! project, behind the Webhooks tool (`read_only` lists and shows, `standard` manages, as
//! Procore recommends), and the delivery worker ([`worker`]).
//!
//! Each hook has a signing secret that is not stored: it is HMAC-SHA256 of the hook's random
//! salt under a key derived from the server key ([`crate::secrets::Keys::webhook_secret`]), so
//! the worker can sign with it and the database alone cannot. It is shown once, in the create
//! (or rotate) answer.

mod endpoints;
pub mod worker;

pub use endpoints::*;

use crate::error::not_found;
use crate::{Caller, CoreError, Result, Trestle};
use std::collections::BTreeMap;
use trestle_domain::policy::{Actor, Operation, Request};
use trestle_domain::tool::Tool;
use trestle_domain::webhook::*;
use trestle_domain::*;
use trestle_store::{DeliveryQuery, StoreError};

/// The company, and the project when the call names one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HookScope {
    pub company: CompanyId,
    pub project: Option<ProjectId>,
}

/// What a create asks for.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HookInput {
    pub namespace: Option<String>,
    pub api_version: Option<String>,
    pub destination_url: Option<String>,
    pub destination_headers: Option<BTreeMap<String, String>>,
    pub active: Option<bool>,
}

/// A hook just made, with its signing secret (shown this once).
#[derive(Clone, Debug)]
pub struct CreatedHook {
    pub hook: Hook,
    pub signing_secret: String,
}

/// One item of a bulk trigger create.
#[derive(Clone, Debug)]
pub enum BulkOutcome {
    Created(Trigger),
    Failed {
        resource_name: String,
        event_type: String,
        code: &'static str,
        message: String,
    },
}

/// Destinations are http(s) URLs with a host, at most 2,000 characters.
pub(crate) fn check_url(url: &str) -> Result<()> {
    let ok = url.len() <= 2000
        && (url.starts_with("https://") || url.starts_with("http://"))
        && url.split("://").nth(1).is_some_and(|rest| {
            let host = rest.split(['/', '?', '#']).next().unwrap_or("");
            !host.is_empty() && !host.contains(char::is_whitespace)
        });
    if ok {
        Ok(())
    } else {
        Err(CoreError::BadRequest(
            "destination_url must be an http or https URL".into(),
        ))
    }
}

fn check_headers(h: &BTreeMap<String, String>) -> Result<()> {
    if h.len() > 20 {
        return Err(CoreError::BadRequest("at most 20 destination_headers".into()));
    }
    for (k, v) in h {
        let name_ok =
            !k.is_empty() && k.len() <= 100 && k.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b));
        let value_ok = v.len() <= 2000 && v.bytes().all(|b| b == b'\t' || (0x20..0x7f).contains(&b));
        // Headers the delivery itself writes (or HTTP/1.1 framing) are not the hook's to set.
        let reserved = [
            "host",
            "content-length",
            "content-type",
            "transfer-encoding",
            "connection",
            "te",
            "upgrade",
        ]
        .contains(&k.to_ascii_lowercase().as_str())
            || k.to_ascii_lowercase().starts_with("trestle-");
        if !name_ok || !value_ok || reserved {
            return Err(CoreError::BadRequest(format!(
                "destination_headers: {:?} is not a valid header",
                k.chars().take(40).collect::<String>()
            )));
        }
    }
    Ok(())
}

fn check_namespace(ns: &str) -> Result<()> {
    if valid_namespace(ns) {
        Ok(())
    } else {
        Err(CoreError::BadRequest(
            "namespace may hold only lowercase letters, digits and '-'".into(),
        ))
    }
}

fn check_version(v: &str) -> Result<&'static str> {
    api_version(v)
        .ok_or_else(|| CoreError::BadRequest(format!("api_version must be one of {}", API_VERSIONS.join(", "))))
}

impl Trestle {
    /// The caller inside the scope, allowed `op` on the Webhooks tool there. A project the
    /// caller cannot see is "not found".
    async fn webhook_actor(&self, caller: &Caller, scope: HookScope, op: Operation) -> Result<Actor> {
        match scope.project {
            Some(project) => {
                let s = self.project_scope(caller, project, Some(scope.company)).await?;
                self.require_project_tool(&s, Tool::Webhooks, op)?;
                Ok(s.actor)
            }
            None => {
                let (actor, m) = self.company_actor(caller, scope.company).await?;
                self.require(
                    actor,
                    Request::UseCompanyTool {
                        company: m.as_deref(),
                        tool: Tool::Webhooks,
                        op,
                    },
                )?;
                Ok(actor)
            }
        }
    }

    /// The hook `id` if it is in the scope: of the company, and of the project when one is
    /// named (a call naming only the company reaches its project hooks too, as n8n calls).
    async fn hook_in(&self, scope: HookScope, id: HookId) -> Result<Hook> {
        let hook = self
            .store
            .find_hook(scope.company, id)
            .await?
            .ok_or(CoreError::NotFound("hook"))?;
        if scope.project.is_some() && hook.project != scope.project {
            return Err(CoreError::NotFound("hook"));
        }
        Ok(hook)
    }

    /// The scope a call names: a project (its company found, and checked against `company`
    /// when given) or a company. A project that does not exist is "not found".
    pub async fn hook_scope(&self, company: Option<CompanyId>, project: Option<ProjectId>) -> Result<HookScope> {
        match (company, project) {
            (_, Some(p)) => {
                let found = self
                    .store
                    .find_project_company(p)
                    .await?
                    .ok_or(CoreError::NotFound("project"))?;
                if company.is_some_and(|c| c != found) {
                    return Err(CoreError::NotFound("project"));
                }
                Ok(HookScope {
                    company: found,
                    project: Some(p),
                })
            }
            (Some(c), None) => Ok(HookScope {
                company: c,
                project: None,
            }),
            (None, None) => Err(CoreError::BadRequest("company_id or project_id is required".into())),
        }
    }

    /// The signing secret of a hook (derived, never stored).
    pub fn signing_secret(&self, hook: &Hook) -> String {
        self.keys.webhook_secret(hook.id, &hook.secret_salt)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(caller = ?caller, company = %scope.company))]
    pub async fn create_hook(&self, caller: &Caller, scope: HookScope, input: HookInput) -> Result<CreatedHook> {
        let actor = self.webhook_actor(caller, scope, Operation::Write).await?;
        let url = input
            .destination_url
            .ok_or_else(|| CoreError::BadRequest("destination_url is required".into()))?;
        check_url(&url)?;
        let version = check_version(input.api_version.as_deref().unwrap_or("v2.0"))?;
        let namespace = input.namespace.unwrap_or_else(|| "default".into());
        check_namespace(&namespace)?;
        let headers = input.destination_headers.unwrap_or_default();
        check_headers(&headers)?;
        let new = NewHook {
            company: scope.company,
            project: scope.project,
            namespace,
            api_version: version.to_string(),
            destination_url: url,
            destination_headers: headers,
            owned_by: actor.user_id(),
            secret_salt: crate::secrets::random_hex_256(),
        };
        let hook = self
            .store
            .create_hook(&new, &self.audit(actor))
            .await
            .map_err(not_found("project"))?;
        let signing_secret = self.signing_secret(&hook);
        Ok(CreatedHook { hook, signing_secret })
    }

    #[tracing::instrument(level = "debug", skip_all, fields(caller = ?caller, company = %scope.company))]
    pub async fn list_hooks(
        &self,
        caller: &Caller,
        scope: HookScope,
        namespace: Option<&str>,
        version: Option<&str>,
    ) -> Result<Vec<Hook>> {
        self.webhook_actor(caller, scope, Operation::Read).await?;
        let version = version.map(|v| api_version(v).unwrap_or("unknown"));
        Ok(self
            .store
            .list_hooks(scope.company, scope.project, namespace, version)
            .await?)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(caller = ?caller, company = %scope.company, hook = %id))]
    pub async fn show_hook(&self, caller: &Caller, scope: HookScope, id: HookId) -> Result<Hook> {
        self.webhook_actor(caller, scope, Operation::Read).await?;
        self.hook_in(scope, id).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(caller = ?caller, company = %scope.company, hook = %id))]
    pub async fn update_hook(&self, caller: &Caller, scope: HookScope, id: HookId, input: HookInput) -> Result<Hook> {
        let actor = self.webhook_actor(caller, scope, Operation::Write).await?;
        self.hook_in(scope, id).await?;
        if let Some(u) = &input.destination_url {
            check_url(u)?;
        }
        if let Some(ns) = &input.namespace {
            check_namespace(ns)?;
        }
        if let Some(h) = &input.destination_headers {
            check_headers(h)?;
        }
        let version = input.api_version.as_deref().map(check_version).transpose()?;
        let patch = HookPatch {
            namespace: input.namespace,
            api_version: version.map(String::from),
            destination_url: input.destination_url,
            destination_headers: input.destination_headers,
            active: input.active,
        };
        self.store
            .update_hook(scope.company, id, &patch, &self.audit(actor))
            .await
            .map_err(not_found("hook"))
    }

    /// A new signing secret for the hook (the old one stops signing at once).
    pub async fn rotate_hook_secret(&self, caller: &Caller, scope: HookScope, id: HookId) -> Result<CreatedHook> {
        let actor = self.webhook_actor(caller, scope, Operation::Write).await?;
        self.hook_in(scope, id).await?;
        let hook = self
            .store
            .rotate_hook_salt(scope.company, id, &crate::secrets::random_hex_256(), &self.audit(actor))
            .await
            .map_err(not_found("hook"))?;
        let signing_secret = self.signing_secret(&hook);
        Ok(CreatedHook { hook, signing_secret })
    }

    #[tracing::instrument(level = "debug", skip_all, fields(caller = ?caller, company = %scope.company, hook = %id))]
    pub async fn delete_hook(&self, caller: &Caller, scope: HookScope, id: HookId) -> Result<()> {
        let actor = self.webhook_actor(caller, scope, Operation::Write).await?;
        self.hook_in(scope, id).await?;
        self.store
            .delete_hook(scope.company, id, &self.audit(actor))
            .await
            .map_err(not_found("hook"))
    }

    /// Checks one trigger's names: a known resource and event type.
    pub(crate) fn trigger_names(
        resource_name: &str,
        event_type: &str,
    ) -> std::result::Result<(&'static str, EventType), String> {
        let r = resource_named(resource_name).ok_or_else(|| format!("unknown resource_name {resource_name:?}"))?;
        let ty =
            EventType::parse(event_type).ok_or_else(|| "event_type must be create, update or delete".to_string())?;
        Ok((r.name, ty))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(caller = ?caller, company = %scope.company, hook = %hook))]
    pub async fn create_trigger(
        &self,
        caller: &Caller,
        scope: HookScope,
        hook: HookId,
        resource_name: &str,
        event_type: &str,
    ) -> Result<Trigger> {
        let actor = self.webhook_actor(caller, scope, Operation::Write).await?;
        self.hook_in(scope, hook).await?;
        let (name, ty) = Self::trigger_names(resource_name, event_type).map_err(CoreError::BadRequest)?;
        self.store
            .create_trigger(scope.company, hook, name, ty, &self.audit(actor))
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => CoreError::Conflict("the hook already has this trigger".into()),
                other => not_found("hook")(other),
            })
    }

    /// Creates up to [`MAX_BULK`] triggers, one outcome per item in order.
    pub async fn create_triggers(
        &self,
        caller: &Caller,
        scope: HookScope,
        hook: HookId,
        items: &[(String, String)],
    ) -> Result<Vec<BulkOutcome>> {
        let actor = self.webhook_actor(caller, scope, Operation::Write).await?;
        self.hook_in(scope, hook).await?;
        if items.len() > MAX_BULK {
            return Err(CoreError::BadRequest(format!("at most {MAX_BULK} triggers a call")));
        }
        let ctx = self.audit(actor);
        let mut out = Vec::with_capacity(items.len());
        for (resource_name, event_type) in items {
            let failed = |code, message: String| BulkOutcome::Failed {
                resource_name: resource_name.clone(),
                event_type: event_type.clone(),
                code,
                message,
            };
            match Self::trigger_names(resource_name, event_type) {
                Err(m) => out.push(failed("invalid", m)),
                Ok((name, ty)) => match self.store.create_trigger(scope.company, hook, name, ty, &ctx).await {
                    Ok(t) => out.push(BulkOutcome::Created(t)),
                    Err(StoreError::Conflict(_)) => {
                        out.push(failed("taken", "the hook already has this trigger".into()))
                    }
                    Err(e) => return Err(not_found("hook")(e)),
                },
            }
        }
        Ok(out)
    }

    pub async fn list_triggers(&self, caller: &Caller, scope: HookScope, hook: HookId) -> Result<Vec<Trigger>> {
        self.webhook_actor(caller, scope, Operation::Read).await?;
        self.hook_in(scope, hook).await?;
        Ok(self.store.list_triggers(scope.company, hook).await?)
    }

    /// Deletes triggers of the hook; for each id, whether it was there.
    pub async fn delete_triggers(
        &self,
        caller: &Caller,
        scope: HookScope,
        hook: HookId,
        ids: &[TriggerId],
    ) -> Result<Vec<(TriggerId, bool)>> {
        let actor = self.webhook_actor(caller, scope, Operation::Write).await?;
        self.hook_in(scope, hook).await?;
        if ids.len() > MAX_BULK {
            return Err(CoreError::BadRequest(format!("at most {MAX_BULK} triggers a call")));
        }
        let ctx = self.audit(actor);
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            match self.store.delete_trigger(scope.company, hook, *id, &ctx).await {
                Ok(()) => out.push((*id, true)),
                Err(StoreError::NotFound) => out.push((*id, false)),
                Err(e) => return Err(e.into()),
            }
        }
        Ok(out)
    }

    pub async fn list_deliveries(
        &self,
        caller: &Caller,
        scope: HookScope,
        hook: HookId,
        query: &DeliveryQuery,
    ) -> Result<Vec<Delivery>> {
        self.webhook_actor(caller, scope, Operation::Read).await?;
        self.hook_in(scope, hook).await?;
        Ok(self.store.list_deliveries(scope.company, hook, query).await?)
    }

    /// The resources catalog: needs `read_only` on Webhooks in the scope.
    pub async fn webhook_resources(&self, caller: &Caller, scope: HookScope) -> Result<&'static [WebhookResource]> {
        self.webhook_actor(caller, scope, Operation::Read).await?;
        Ok(RESOURCES)
    }
}
