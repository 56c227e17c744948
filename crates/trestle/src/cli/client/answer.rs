//! What the server answers, as the client hands it on: a JSON answer, a receipt for an
//! answer without a body, or one typed error carrying the server's refusal.

use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::fmt;

/// What can go wrong when calling the server.
#[derive(Debug)]
pub enum ClientError {
    /// The endpoint wants an API token and none was given.
    NoToken,
    /// The request did not reach the server, or its answer could not be read.
    Transport { url: String, source: reqwest::Error },
    /// A success answer that is not the JSON the endpoint sends.
    Decode { url: String, source: serde_json::Error },
    /// The server refused: its status and its answer as the CLI shows it (JSON pretty-printed,
    /// anything else as sent).
    Refused { status: StatusCode, body: String },
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoToken => f.write_str("no API token: pass --token or set TRESTLE_TOKEN"),
            Self::Transport { url, .. } => write!(f, "calling {url}"),
            Self::Decode { url, .. } => write!(f, "reading the answer of {url}"),
            Self::Refused { status, .. } => write!(f, "the server answered {status}"),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Transport { source, .. } => Some(source),
            Self::Decode { source, .. } => Some(source),
            Self::NoToken | Self::Refused { .. } => None,
        }
    }
}

/// The answer of an endpoint that answers without a body (204): what was done.
#[derive(Debug)]
pub struct Done {
    method: Method,
    path: String,
    status: StatusCode,
}

impl Done {
    pub(super) fn new(method: Method, path: &str, status: StatusCode) -> Self {
        Self {
            method,
            path: path.to_string(),
            status,
        }
    }
}

impl fmt::Display for Done {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "done: {} {} ({})", self.method, self.path, self.status)
    }
}

/// Reads a JSON answer, or the refusal it is.
pub(super) async fn read_json(res: reqwest::Response) -> Result<Value, ClientError> {
    if !res.status().is_success() {
        return Err(refused(res, true).await);
    }
    let url = res.url().to_string();
    let bytes = res.bytes().await.map_err(|source| ClientError::Transport {
        url: url.clone(),
        source,
    })?;
    serde_json::from_slice(&bytes).map_err(|source| ClientError::Decode { url, source })
}

/// A refusal with the server's answer; JSON pretty-printed when `pretty`.
pub(super) async fn refused(res: reqwest::Response, pretty: bool) -> ClientError {
    let status = res.status();
    let text = res.text().await.unwrap_or_default();
    let body = if pretty { pretty_json(text) } else { text };
    ClientError::Refused { status, body }
}

fn pretty_json(text: String) -> String {
    serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_and_receipts_read_as_before() {
        let done = Done {
            method: Method::DELETE,
            path: "/api/v1/apps/3".into(),
            status: StatusCode::NO_CONTENT,
        };
        assert_eq!(done.to_string(), "done: DELETE /api/v1/apps/3 (204 No Content)");
        let refused = ClientError::Refused {
            status: StatusCode::NOT_FOUND,
            body: "{}".into(),
        };
        assert_eq!(refused.to_string(), "the server answered 404 Not Found");
        assert_eq!(
            pretty_json(r#"{"code":"not_found"}"#.into()),
            "{\n  \"code\": \"not_found\"\n}"
        );
        assert_eq!(pretty_json("plain".into()), "plain");
    }
}
