//! An app's lifecycle webhook endpoints: the list with each endpoint's latest deliveries (and
//! redelivery), a form to add one (its signing secret shown once), pause/resume, secret
//! rotation (wants a recent sign-in, like client secrets) and deletion.

use super::shared::*;
use crate::error::WebError;
use crate::forms::{WebPath as Path, WebQuery as Query};
use crate::layout::{csrf, notice, page, secret_once, when, Section};
use crate::session::{see_other, Posted, WebSession};
use crate::state::WebState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use trestle_core::webhooks::{CreatedEndpoint, EndpointInput};
use trestle_domain::endpoint::Lifecycle;
use trestle_domain::webhook::DeliveryStatus;
use trestle_domain::*;
use trestle_store::EndpointDeliveryQuery;

pub(super) fn routes() -> Router<WebState> {
    Router::new()
        .route("/ui/apps/{app}/endpoints", get(endpoints).post(create))
        .route("/ui/apps/{app}/endpoints/{endpoint}/active", post(set_active))
        .route("/ui/apps/{app}/endpoints/{endpoint}/rotate", post(rotate))
        .route("/ui/apps/{app}/endpoints/{endpoint}/delete", post(delete))
        .route(
            "/ui/apps/{app}/endpoints/{endpoint}/deliveries/{delivery}/redeliver",
            post(redeliver),
        )
}

fn endpoints_path(app: AppId) -> String {
    format!("/ui/apps/{app}/endpoints")
}

fn message(code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "paused" => "The endpoint is paused: nothing is queued for it.",
        "resumed" => "The endpoint receives the app's events again.",
        "deleted" => "The endpoint was deleted with its deliveries.",
        "redelivered" => "The delivery was queued again.",
        _ => return None,
    })
}

fn status_badge(s: DeliveryStatus) -> Markup {
    html! {
        @match s {
            DeliveryStatus::Successful => span.badge.ok { "Delivered" },
            DeliveryStatus::Failing => span.badge.warn { "Retrying" },
            DeliveryStatus::Queued => span.badge { "Queued" },
            DeliveryStatus::Discarded => span.badge { "Discarded" },
        }
    }
}

/// `GET /ui/apps/{app}/endpoints`.
async fn endpoints(
    State(s): State<WebState>,
    session: WebSession,
    Path(app): Path<AppId>,
    Query(d): Query<Done>,
) -> Page {
    endpoints_page(&s, &session, app, d.done.as_deref(), None).await
}

async fn endpoints_page(
    s: &WebState,
    session: &WebSession,
    app: AppId,
    done: Option<&str>,
    error: Option<String>,
) -> Page {
    let actor = session.actor();
    let back = endpoints_path(app);
    let err = |e| WebError::new(e, app_path(app));
    let found = s.core.get_app(actor, app).await.map_err(err)?;
    let list = s.core.list_endpoints(actor, app).await.map_err(err)?;
    let recent = EndpointDeliveryQuery {
        status: None,
        before: None,
        limit: 10,
    };
    let mut shown = Vec::with_capacity(list.len());
    for e in list {
        let deliveries = s
            .core
            .list_endpoint_deliveries(actor, app, e.id, &recent)
            .await
            .map_err(err)?;
        shown.push((e, deliveries));
    }
    let c = &session.csrf;
    let types: Vec<&str> = Lifecycle::ALL.iter().map(|l| l.as_str()).collect();
    let body = html! {
        p.crumbs { a href="/ui/apps" { "My apps" } " / " a href=(app_path(app)) { (found.name) } }
        h1 { "Lifecycle webhooks" }
        p.muted {
            "Trestle POSTs the app's lifecycle events (" (types.join(", ")) ") to these endpoints, signed "
            code { "Trestle-Signature: t=<unix>,v1=<HMAC-SHA256 of \"<t>.<body>\">" } "."
        }
        (notice(message(done)))
        @if let Some(e) = &error { div.notice.error role="alert" { (e) } }
        @if shown.is_empty() {
            p.empty { "No endpoints yet." }
        }
        @for (e, deliveries) in &shown {
            section.card aria-label={ "Endpoint " (e.id) } {
                div.spread {
                    h2 { code { (e.url) } }
                    @if e.active { span.badge.ok { "Active" } } @else { span.badge { "Paused" } }
                }
                @if let Some(d) = &e.description { p { (d) } }
                div.row {
                    form.inline method="post" action={ (back) "/" (e.id) "/active" } {
                        (csrf(c))
                        input type="hidden" name="active" value=(if e.active { "false" } else { "true" });
                        button.small.secondary type="submit" { @if e.active { "Pause" } @else { "Resume" } }
                    }
                    form.inline method="post" action={ (back) "/" (e.id) "/rotate" }
                        data-confirm="Make a new signing secret? The old one stops signing at once." {
                        (csrf(c))
                        button.small.secondary type="submit" { "Rotate secret" }
                    }
                    form.inline method="post" action={ (back) "/" (e.id) "/delete" }
                        data-confirm="Delete this endpoint and its deliveries?" {
                        (csrf(c))
                        button.small.danger type="submit" { "Delete" }
                    }
                }
                @if deliveries.is_empty() {
                    p.empty { "No deliveries yet." }
                } @else {
                    table {
                        thead { tr { th { "Delivery" } th { "Event" } th { "Status" } th { "Attempts" } th { "Last answer" } th { "Queued" } th {} } }
                        tbody {
                            @for d in deliveries {
                                tr {
                                    td { "#" (d.id) }
                                    td { code { (d.event_type) } }
                                    td { (status_badge(d.status)) }
                                    td { (d.attempts) }
                                    td {
                                        @if let Some(st) = d.response_status { (st) }
                                        @else if let Some(e) = &d.error { span.muted { (e) } }
                                    }
                                    td { (when(d.created_at)) }
                                    td {
                                        form.inline method="post" action={ (back) "/" (e.id) "/deliveries/" (d.id) "/redeliver" } {
                                            (csrf(c))
                                            button.small.secondary type="submit" { "Redeliver" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        section.card aria-labelledby="new-endpoint-h" {
            h2 #new-endpoint-h { "Add an endpoint" }
            form method="post" action=(back) {
                (csrf(c))
                label for="endpoint-url" { "URL" }
                input #endpoint-url type="url" name="url" required placeholder="https://example.com/trestle-events";
                label for="endpoint-description" { "Description (optional)" }
                input #endpoint-description type="text" name="description" maxlength="500";
                button type="submit" { "Add endpoint" }
            }
        }
    };
    Ok(page(
        &session.chrome(Section::Apps),
        StatusCode::OK,
        "Lifecycle webhooks",
        body,
    ))
}

/// The page that shows a new signing secret, once.
fn secret_page(session: &WebSession, app: AppId, made: &CreatedEndpoint, title: &str) -> Page {
    let back = endpoints_path(app);
    let body = html! {
        p.crumbs { a href=(app_path(app)) { "App" } " / " a href=(back) { "Lifecycle webhooks" } }
        h1 { (title) }
        section.card {
            p { code { (made.endpoint.url) } }
            (secret_once("signing-secret", "Signing secret", &made.signing_secret))
            p.muted { "Verify each delivery's Trestle-Signature with it. It is not shown again." }
            p { a.button href=(back) data-secret-ack { "I have saved the secret — continue" } }
        }
    };
    Ok(page(&session.chrome(Section::Apps), StatusCode::CREATED, title, body))
}

async fn create(State(s): State<WebState>, Path(app): Path<AppId>, posted: Posted) -> Page {
    let Posted { session, form } = posted;
    if let Some(confirm) = session.confirmation_needed(&s, &endpoints_path(app)) {
        return Ok(confirm);
    }
    let description = Some(form.text("description").trim().to_string()).filter(|d| !d.is_empty());
    let input = EndpointInput {
        url: Some(form.text("url").trim().to_string()),
        description,
        active: None,
    };
    match s.core.create_endpoint(session.actor(), app, input).await {
        Ok(made) => secret_page(&session, app, &made, "New endpoint"),
        Err(e) => refused(&s, &session, app, e).await,
    }
}

/// The page again with the refusal's message (a 404 stays a 404 page).
async fn refused(s: &WebState, session: &WebSession, app: AppId, e: trestle_core::CoreError) -> Page {
    match e {
        trestle_core::CoreError::BadRequest(m) => endpoints_page(s, session, app, None, Some(m)).await,
        other => Err(WebError::new(other, endpoints_path(app))),
    }
}

async fn set_active(
    State(s): State<WebState>,
    Path((app, endpoint)): Path<(AppId, EndpointId)>,
    posted: Posted,
) -> Page {
    let Posted { session, form } = posted;
    let active = form.text("active") == "true";
    let input = EndpointInput {
        active: Some(active),
        ..Default::default()
    };
    if let Err(e) = s.core.update_endpoint(session.actor(), app, endpoint, input).await {
        return refused(&s, &session, app, e).await;
    }
    let done = if active { "resumed" } else { "paused" };
    Ok(see_other(&format!("{}?done={done}", endpoints_path(app))))
}

async fn rotate(State(s): State<WebState>, Path((app, endpoint)): Path<(AppId, EndpointId)>, posted: Posted) -> Page {
    let session = posted.session;
    if let Some(confirm) = session.confirmation_needed(&s, &endpoints_path(app)) {
        return Ok(confirm);
    }
    match s.core.rotate_endpoint_secret(session.actor(), app, endpoint).await {
        Ok(made) => secret_page(&session, app, &made, "New signing secret"),
        Err(e) => refused(&s, &session, app, e).await,
    }
}

async fn delete(State(s): State<WebState>, Path((app, endpoint)): Path<(AppId, EndpointId)>, posted: Posted) -> Page {
    let session = posted.session;
    if let Err(e) = s.core.delete_endpoint(session.actor(), app, endpoint).await {
        return refused(&s, &session, app, e).await;
    }
    Ok(see_other(&format!("{}?done=deleted", endpoints_path(app))))
}

async fn redeliver(
    State(s): State<WebState>,
    Path((app, endpoint, delivery)): Path<(AppId, EndpointId, EndpointDeliveryId)>,
    posted: Posted,
) -> Page {
    let session = posted.session;
    if let Err(e) = s
        .core
        .redeliver_endpoint_delivery(session.actor(), app, endpoint, delivery)
        .await
    {
        return refused(&s, &session, app, e).await;
    }
    Ok(see_other(&format!("{}?done=redelivered", endpoints_path(app))))
}
