//! The body of every management-API error, as a client reads it: `{"code","message","errors"}`
//! (the server writes it in `trestle-http/src/error.rs`; `errors` is left out when empty).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Machine-readable code, e.g. `forbidden`, `invalid`, `not_found`, `bad_request`.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
    /// For `invalid` and `bad_request`: every problem, with its JSON path.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<Problem>,
}

/// One problem in a request body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// JSONPath of the offending value, e.g. `$.name`; a path parameter by its name in the URL
    /// template, e.g. `{app_id}`.
    pub path: String,
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_shape_reads_and_writes_back_the_same() {
        for text in [
            r#"{"code":"not_found","message":"no such app"}"#,
            r#"{"code":"invalid","message":"invalid request","errors":[{"path":"$.name","reason":"is required"}]}"#,
        ] {
            let body: ErrorBody = serde_json::from_str(text).unwrap();
            assert_eq!(serde_json::to_string(&body).unwrap(), text);
        }
        let body: ErrorBody = serde_json::from_str(r#"{"code":"x","message":"y"}"#).unwrap();
        assert!(body.errors.is_empty());
    }
}
