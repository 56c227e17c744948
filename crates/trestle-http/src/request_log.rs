//! Records REST calls made with an app's token in the request log: a layer on `/rest/` paths
//! puts a [`Slot`] in the request's extensions, the caller's extractor (`RestCaller`) and the
//! catalog fill in the app and the path template, and once the answer is known the layer
//! queues the entry (`Trestle::log_request`, which never waits). Never a body or a token.

use crate::AppState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::{Arc, OnceLock};
use trestle_domain::request_log::{loggable_path, loggable_request_id, NewRequestEntry};
use trestle_domain::{AppId, CompanyId};

/// What the handlers learn about a call: whose app made it, and its catalog template.
#[derive(Clone, Default)]
pub(crate) struct Slot(Arc<(OnceLock<AppId>, OnceLock<&'static str>)>);

impl Slot {
    pub(crate) fn set_app(&self, app: AppId) {
        let _ = self.0 .0.set(app);
    }
    pub(crate) fn set_template(&self, t: &'static str) {
        let _ = self.0 .1.set(t);
    }
}

/// The company a request names: the `Procore-Company-Id` header, a `company_id` parameter or a
/// `/companies/{id}` path segment.
fn named_company(req: &Request) -> Option<CompanyId> {
    let num = |v: &str| v.trim().parse::<i64>().ok().filter(|n| *n > 0).map(CompanyId);
    if let Some(c) = req
        .headers()
        .get(crate::paging::PROCORE_COMPANY_ID)
        .and_then(|v| v.to_str().ok())
        .and_then(num)
    {
        return Some(c);
    }
    if let Some(q) = req.uri().query() {
        if let Some(c) = q.split('&').find_map(|p| p.strip_prefix("company_id=")).and_then(num) {
            return Some(c);
        }
    }
    let mut segs = req.uri().path().split('/');
    while let Some(s) = segs.next() {
        if s == "companies" {
            return segs.next().and_then(num);
        }
    }
    None
}

pub(crate) async fn record(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/rest/") {
        return next.run(req).await;
    }
    let started = std::time::Instant::now();
    let slot = Slot::default();
    req.extensions_mut().insert(slot.clone());
    let method = req.method().as_str().to_string();
    let path = loggable_path(req.uri().path(), req.uri().query());
    let company = named_company(&req);
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .and_then(loggable_request_id);
    let res = next.run(req).await;
    if let Some(app) = slot.0 .0.get() {
        state.core.log_request(NewRequestEntry {
            app: *app,
            at: state.core.now(),
            method,
            path,
            template: slot.0 .1.get().map(|t| t.to_string()),
            company,
            status: res.status().as_u16(),
            duration_us: i64::try_from(started.elapsed().as_micros()).unwrap_or(i64::MAX),
            request_id,
        });
    }
    res
}
