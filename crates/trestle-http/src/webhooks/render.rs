//! The Webhooks API's JSON: v1's objects (integer ids, `owned_by_*`) and v2's (string ids,
//! `payload_version`, wrapped in `data` by the handlers). `destination_headers.Authorization`
//! is masked on every answer.

use crate::rest::iso;
use serde_json::{json, Map, Value};
use trestle_domain::webhook::*;

fn headers(h: &Hook) -> Value {
    Value::Object(
        h.destination_headers
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(masked_header(k, v))))
            .collect::<Map<String, Value>>(),
    )
}

fn status(h: &Hook) -> &'static str {
    if h.active {
        "active"
    } else {
        "disabled"
    }
}

pub(super) fn hook(h: &Hook, v2: bool) -> Value {
    if v2 {
        json!({
            "id": h.id.0.to_string(),
            "status": status(h),
            "payload_version": h.api_version,
            "namespace": h.namespace,
            "destination_url": h.destination_url,
            "destination_headers": headers(h),
            "company_id": h.company.0.to_string(),
            "project_id": h.project.map(|p| p.0.to_string()),
            "created_at": iso(h.created_at),
            "updated_at": iso(h.updated_at),
        })
    } else {
        json!({
            "id": h.id.0,
            "api_version": h.api_version,
            "namespace": h.namespace,
            "destination_url": h.destination_url,
            "destination_headers": headers(h),
            "status": status(h),
            "owned_by_company_id": if h.project.is_none() { Some(h.company.0) } else { None },
            "owned_by_project_id": h.project.map(|p| p.0),
            "owned_by_user_id": h.owned_by.map(|u| u.0),
            "created_at": iso(h.created_at),
            "updated_at": iso(h.updated_at),
        })
    }
}

pub(super) fn trigger(t: &Trigger, v2: bool) -> Value {
    if v2 {
        json!({
            "id": t.id.0.to_string(),
            "webhook_hook_id": t.hook.0.to_string(),
            "resource_name": t.resource_name,
            "event_type": t.event_type.as_str(),
            "company_id": t.company.0.to_string(),
            "project_id": t.project.map(|p| p.0.to_string()),
        })
    } else {
        json!({
            "id": t.id.0,
            "webhook_hook_id": t.hook.0,
            "resource_name": t.resource_name,
            "resource_id": Value::Null,
            "event_type": t.event_type.as_str(),
            "company_id": t.company.0,
            "project_id": t.project.map(|p| p.0),
            "user_id": t.created_by.map(|u| u.0),
        })
    }
}

fn parsed(text: &Option<String>) -> Value {
    text.as_deref()
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or(Value::Null)
}

pub(super) fn delivery(d: &Delivery, v2: bool) -> Value {
    let payload: Value = serde_json::from_str(&d.payload).unwrap_or(Value::Null);
    let attempt = json!({
        "attempts": d.attempts,
        "response_status": d.response_status,
        "response_headers": parsed(&d.response_headers),
        "response_body": d.response_body,
        "response_error": d.error,
        "started_at": d.started_at.map(iso),
        "completed_at": d.completed_at.map(iso),
        "duration_ms": d.duration_ms,
    });
    if v2 {
        json!({
            "id": d.event_id.0.to_string(),
            "delivery_id": d.id.0.to_string(),
            "status": d.status.v2_status(),
            "payload": payload,
            "next_attempt_at": next_at(d),
            "delivery_attempts": if d.attempts > 0 { vec![attempt] } else { Vec::new() },
        })
    } else {
        json!({
            "id": d.id.0,
            "event_id": d.event_id.0,
            "event": payload,
            "status": d.status.as_str(),
            "outcome": d.status.v1_outcome(),
            "attempts": d.attempts,
            "next_attempt_at": next_at(d),
            "response_status": d.response_status,
            "response_headers": parsed(&d.response_headers),
            "response_body": d.response_body,
            "response_error": d.error,
            "started_at": d.started_at.map(iso),
            "completed_at": d.completed_at.map(iso),
            "duration_ms": d.duration_ms,
        })
    }
}

/// When the next attempt is due, for deliveries still pending.
fn next_at(d: &Delivery) -> Option<String> {
    matches!(d.status, DeliveryStatus::Queued | DeliveryStatus::Failing).then(|| iso(d.next_attempt_at))
}

pub(super) fn resource(r: &WebhookResource, version: &str, v2: bool) -> Value {
    if v2 {
        json!({
            "category": r.category,
            "tool": r.tool,
            "name": r.name,
            "payload_version": version,
            "actions": ["create", "update", "delete"],
        })
    } else {
        json!({
            "api_version": version,
            "product_category": r.category,
            "tools": r.tool,
            "resource_name": r.name,
            "except": [],
            "create": format!("{} created", r.name),
            "update": format!("{} updated", r.name),
            "delete": format!("{} deleted", r.name),
        })
    }
}
