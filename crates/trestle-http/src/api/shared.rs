//! What several resource modules answer with: `201 Created` bodies, never-cached secret
//! responses, CSV downloads, and the `{tool: level}` permissions of a request body. Imports no
//! resource module.

use crate::error::ApiError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::Value;
use trestle_core::CoreError;
use trestle_domain::manifest::parse_tool_permissions;
use trestle_domain::permissions::{ToolPermissions, ToolScope};

pub(crate) fn created<T: Serialize>(body: T) -> Response {
    (StatusCode::CREATED, Json(body)).into_response()
}

/// A response carrying a secret: never cached.
pub(crate) fn secret_response(status: StatusCode, body: impl Serialize) -> Response {
    let mut res = (status, Json(body)).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res.headers_mut()
        .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    res
}

pub(crate) fn permissions(v: &Option<Value>, scope: ToolScope) -> Result<ToolPermissions, ApiError> {
    match v {
        None | Some(Value::Null) => Ok(ToolPermissions::default()),
        Some(v) => parse_tool_permissions(v, scope, "$.permissions")
            .map_err(|ps| ApiError(CoreError::invalid("invalid permissions", ps))),
    }
}

/// One CSV field, quoted when it needs to be (RFC 4180). Fields that a spreadsheet would run
/// as a formula are prefixed with a quote.
fn csv_field(v: &str) -> String {
    let v = if v.starts_with(['=', '+', '-', '@']) {
        format!("'{v}")
    } else {
        v.to_string()
    };
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

pub(crate) fn csv_response(filename: &str, rows: Vec<Vec<String>>) -> Response {
    let body: String = rows
        .into_iter()
        .map(|r| r.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(",") + "\r\n")
        .collect();
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}
