//! App lifecycle endpoints (issue #16 item 5): the developer's own webhook destinations for
//! their app's lifecycle, managed by the app's developer (`Request::ManageAppWebhooks`;
//! another developer's app or endpoint is "not found"), and redelivery — of an endpoint's
//! delivery by the developer, of a hook's delivery by the operator. Signing secrets are made
//! like hooks' ([`crate::secrets::Keys::endpoint_secret`]: derived from a random salt, never
//! stored) and shown once, in the create or rotate answer.

use crate::error::not_found;
use crate::{CoreError, Result, Trestle};
use trestle_domain::app::App;
use trestle_domain::endpoint::*;
use trestle_domain::policy::{decide, Actor, Request};
use trestle_domain::webhook::Delivery;
use trestle_domain::*;
use trestle_store::EndpointDeliveryQuery;

/// What a create or update asks for.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EndpointInput {
    pub url: Option<String>,
    pub description: Option<String>,
    pub active: Option<bool>,
}

/// An endpoint just made (or its secret rotated), with its signing secret, shown this once.
#[derive(Clone, Debug)]
pub struct CreatedEndpoint {
    pub endpoint: Endpoint,
    pub signing_secret: String,
}

fn check_url(url: &str) -> Result<()> {
    if valid_url(url) {
        Ok(())
    } else {
        Err(CoreError::BadRequest(
            "url must be an http or https URL of at most 2000 characters".into(),
        ))
    }
}

fn check_description(d: &Option<String>) -> Result<()> {
    match d {
        Some(d) if d.chars().count() > DESCRIPTION_MAX || d.chars().any(char::is_control) => Err(
            CoreError::BadRequest(format!("description: at most {DESCRIPTION_MAX} characters on one line")),
        ),
        _ => Ok(()),
    }
}

impl Trestle {
    /// The app, if the actor may manage its webhooks; else "not found" (ids reveal nothing).
    async fn webhooks_app(&self, actor: Actor, app: AppId) -> Result<App> {
        let found = self.store.find_app(app).await?.ok_or(CoreError::NotFound("app"))?;
        decide(actor, Request::ManageAppWebhooks { owner: found.owner_id }).map_err(|_| CoreError::NotFound("app"))?;
        Ok(found)
    }

    async fn endpoint_of(&self, app: AppId, id: EndpointId) -> Result<Endpoint> {
        self.store
            .find_endpoint(app, id)
            .await?
            .ok_or(CoreError::NotFound("endpoint"))
    }

    /// The signing secret of an endpoint (derived, never stored).
    pub fn endpoint_secret(&self, endpoint: &Endpoint) -> String {
        self.keys.endpoint_secret(endpoint.id, &endpoint.secret_salt)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, app = %app))]
    pub async fn create_endpoint(&self, actor: Actor, app: AppId, input: EndpointInput) -> Result<CreatedEndpoint> {
        self.webhooks_app(actor, app).await?;
        let url = input
            .url
            .ok_or_else(|| CoreError::BadRequest("url is required".into()))?;
        check_url(&url)?;
        check_description(&input.description)?;
        let new = NewEndpoint {
            app,
            url,
            description: input.description.filter(|d| !d.is_empty()),
            created_by: actor.user_id(),
            secret_salt: crate::secrets::random_hex_256(),
        };
        let endpoint = self
            .store
            .create_endpoint(&new, &self.audit(actor))
            .await
            .map_err(not_found("app"))?;
        let signing_secret = self.endpoint_secret(&endpoint);
        Ok(CreatedEndpoint {
            endpoint,
            signing_secret,
        })
    }

    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, app = %app))]
    pub async fn list_endpoints(&self, actor: Actor, app: AppId) -> Result<Vec<Endpoint>> {
        self.webhooks_app(actor, app).await?;
        Ok(self.store.list_endpoints(app).await?)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, app = %app, endpoint = %id))]
    pub async fn show_endpoint(&self, actor: Actor, app: AppId, id: EndpointId) -> Result<Endpoint> {
        self.webhooks_app(actor, app).await?;
        self.endpoint_of(app, id).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, app = %app, endpoint = %id))]
    pub async fn update_endpoint(
        &self,
        actor: Actor,
        app: AppId,
        id: EndpointId,
        input: EndpointInput,
    ) -> Result<Endpoint> {
        self.webhooks_app(actor, app).await?;
        self.endpoint_of(app, id).await?;
        if let Some(u) = &input.url {
            check_url(u)?;
        }
        check_description(&input.description)?;
        let patch = EndpointPatch {
            url: input.url,
            description: input.description,
            active: input.active,
        };
        self.store
            .update_endpoint(app, id, &patch, &self.audit(actor))
            .await
            .map_err(not_found("endpoint"))
    }

    /// A new signing secret (the old one stops signing at once).
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, app = %app, endpoint = %id))]
    pub async fn rotate_endpoint_secret(&self, actor: Actor, app: AppId, id: EndpointId) -> Result<CreatedEndpoint> {
        self.webhooks_app(actor, app).await?;
        self.endpoint_of(app, id).await?;
        let endpoint = self
            .store
            .rotate_endpoint_salt(app, id, &crate::secrets::random_hex_256(), &self.audit(actor))
            .await
            .map_err(not_found("endpoint"))?;
        let signing_secret = self.endpoint_secret(&endpoint);
        Ok(CreatedEndpoint {
            endpoint,
            signing_secret,
        })
    }

    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, app = %app, endpoint = %id))]
    pub async fn delete_endpoint(&self, actor: Actor, app: AppId, id: EndpointId) -> Result<()> {
        self.webhooks_app(actor, app).await?;
        self.endpoint_of(app, id).await?;
        self.store
            .delete_endpoint(app, id, &self.audit(actor))
            .await
            .map_err(not_found("endpoint"))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, app = %app, endpoint = %id))]
    pub async fn list_endpoint_deliveries(
        &self,
        actor: Actor,
        app: AppId,
        id: EndpointId,
        query: &EndpointDeliveryQuery,
    ) -> Result<Vec<EndpointDelivery>> {
        self.webhooks_app(actor, app).await?;
        self.endpoint_of(app, id).await?;
        Ok(self.store.list_endpoint_deliveries(app, id, query).await?)
    }

    /// Queues one of the endpoint's deliveries again, due now: the same body and delivery id.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, app = %app, endpoint = %id, delivery = %delivery))]
    pub async fn redeliver_endpoint_delivery(
        &self,
        actor: Actor,
        app: AppId,
        id: EndpointId,
        delivery: EndpointDeliveryId,
    ) -> Result<EndpointDelivery> {
        self.webhooks_app(actor, app).await?;
        self.endpoint_of(app, id).await?;
        self.store
            .redeliver_endpoint_delivery(app, id, delivery, &self.audit(actor))
            .await
            .map_err(not_found("delivery"))
    }

    /// The operator queues a hook's delivery again, due now: the same body and delivery id.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, delivery = %delivery))]
    pub async fn redeliver_hook_delivery(&self, actor: Actor, delivery: DeliveryId) -> Result<Delivery> {
        self.require(actor, Request::OperatePlatform)?;
        self.store
            .redeliver(delivery, &self.audit(actor))
            .await
            .map_err(not_found("delivery"))
    }
}
