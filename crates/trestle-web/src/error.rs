//! Errors of the web UI's pages: an HTML page with the status the API would give for the
//! same use-case error (`trestle_core::answer`), its message cut short, and a way back.

use crate::layout;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use trestle_core::answer::{bounded, shorten, MAX_ECHO};
use trestle_core::CoreError;

/// An error of a web UI page: an HTML page with the same status the API would give, and a
/// way back (`back`, a path of the UI).
#[derive(Debug)]
pub struct WebError {
    pub error: CoreError,
    pub back: String,
}

impl WebError {
    pub fn new(error: CoreError, back: impl Into<String>) -> Self {
        WebError {
            error,
            back: back.into(),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.error.status().0).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let message = self.error.public_message();
        let problems = match self.error {
            CoreError::Invalid { problems, .. } => bounded(problems),
            _ => vec![],
        };
        let message = shorten(&message, MAX_ECHO);
        let mut res = layout::error_page(status, &message, &problems, &self.back);
        if status == StatusCode::SERVICE_UNAVAILABLE {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        res
    }
}
