//! The request log: the REST calls an app made (never a body or a token).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RequestOut {
    pub id: i64,
    pub app_id: i64,
    /// Unix seconds when the answer was known.
    pub at: i64,
    pub method: String,
    /// The path and query string (`access_token` parameters are never kept).
    pub path: String,
    /// The catalog's path template, when the call was a catalog operation.
    pub template: Option<String>,
    /// The company the request named (header, `company_id` or path).
    pub company_id: Option<i64>,
    pub status: u16,
    pub duration_us: i64,
    /// The client's `X-Request-Id`, if it sent one.
    pub request_id: Option<String>,
}
