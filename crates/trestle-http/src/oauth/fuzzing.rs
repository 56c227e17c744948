//! The token request's parsing, as the fuzz targets in `fuzz/` drive it (not an API).

use super::{client_auth, form_pairs, read_params};
use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue};
use trestle_core::ClientAuth;

/// Name–value pairs, in order.
pub type Pairs = Vec<(String, String)>;

/// What a token request says once parsed: its parameters and its client authentication.
#[derive(Debug)]
pub struct TokenRequest {
    pub params: Pairs,
    pub client: Result<ClientAuth, String>,
}

/// Parses a token request's body (form, JSON or multipart, by `content_type`) and its client
/// authentication (HTTP Basic in `authorization`, or the body), as `POST /oauth/token` does.
/// A header value that HTTP could not carry is left out, as a server would never see it.
pub async fn parse_token_request(
    content_type: Option<&[u8]>,
    authorization: Option<&[u8]>,
    body: Vec<u8>,
) -> Result<TokenRequest, String> {
    let mut headers = HeaderMap::new();
    for (name, value) in [
        (header::CONTENT_TYPE, content_type),
        (header::AUTHORIZATION, authorization),
    ] {
        if let Some(v) = value.and_then(|v| HeaderValue::from_bytes(v).ok()) {
            headers.insert(name, v);
        }
    }
    let params = read_params(&headers, Body::from(body))
        .await
        .map_err(|e| e.to_string())?;
    let client = client_auth(&headers, &params).map_err(|e| e.to_string());
    Ok(TokenRequest {
        params: params.pairs(),
        client,
    })
}

/// The fast form-body split the token endpoint uses, next to `form_urlencoded`'s reading of
/// the same bytes: the two must always agree.
pub fn form_pairs_both(body: &[u8]) -> (Pairs, Pairs) {
    (form_pairs(body), form_urlencoded::parse(body).into_owned().collect())
}
