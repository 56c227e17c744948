//! `POST /oauth/token`: accepts form, multipart and JSON bodies, and client authentication in
//! the body (client_secret_post) or by HTTP Basic (client_secret_basic).

use crate::error::OAuthErrorResponse;
use crate::AppState;
use axum::body::Body;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Serialize;
use trestle_core::{ClientAuth, OAuthError};

#[doc(hidden)]
pub mod fuzzing;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/oauth/token", post(token))
        .route("/oauth/token/", post(token))
        .route("/oauth/token/info", get(token_info))
        .route("/oauth/revoke", post(revoke))
        .route("/oauth/introspect", post(introspect))
        .route("/.well-known/oauth-authorization-server", get(metadata))
}

/// Largest token request body accepted.
const MAX_BODY: usize = 64 * 1024;

#[derive(Serialize)]
struct TokenResponse {
    access_token: String,
    token_type: &'static str,
    expires_in: i64,
    created_at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
}

/// Token request parameters. Empty values count as absent and a repeated parameter is an
/// error (RFC 6749 §3.1), in every body format. A request has a handful, so a list beats a map.
/// The parameters of a form body with nothing to decode stay ranges of the body, not copies.
struct Params {
    body: String,
    list: Vec<(Param, Param)>,
}

/// A parameter's name or value: a range of the body (split at ASCII bytes), or decoded text.
enum Param {
    Body(usize, usize),
    Text(String),
}

impl Params {
    fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> Result<Params, OAuthError> {
        let mut params = Params {
            body: String::new(),
            list: Vec::with_capacity(4),
        };
        for (k, v) in pairs {
            params.push(Param::Text(k), Param::Text(v))?;
        }
        Ok(params)
    }

    /// Adds a parameter; an empty value counts as absent, a repeated name is refused.
    fn push(&mut self, k: Param, v: Param) -> Result<(), OAuthError> {
        if self.text(&v).is_empty() {
            return Ok(());
        }
        let name = self.text(&k);
        if self.list.iter().any(|(seen, _)| self.text(seen) == name) {
            return Err(OAuthError::InvalidRequest(format!(
                "parameter {name} is given more than once"
            )));
        }
        self.list.push((k, v));
        Ok(())
    }

    fn text<'a>(&'a self, p: &'a Param) -> &'a str {
        match p {
            // Split at ASCII bytes: always at character boundaries.
            Param::Body(start, end) => self.body.get(*start..*end).unwrap_or_default(),
            Param::Text(s) => s,
        }
    }

    fn get(&self, k: &str) -> Option<&str> {
        self.list
            .iter()
            .find(|(key, _)| self.text(key) == k)
            .map(|(_, v)| self.text(v))
    }

    /// The parameters as owned pairs, in order.
    fn pairs(&self) -> Vec<(String, String)> {
        let own = |p| self.text(p).to_owned();
        self.list.iter().map(|(k, v)| (own(k), own(v))).collect()
    }
}

/// Reads the parameters from the body of a request whose head is `headers`.
async fn read_params(headers: &HeaderMap, body: Body) -> Result<Params, OAuthError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = content_type.split(';').next().unwrap_or("").trim();
    let is = |m: &str| mime.eq_ignore_ascii_case(m);
    if is("multipart/form-data") {
        // The multipart reader needs a request: one with the content type (it holds the
        // boundary) and the body.
        let mut req = Request::new(body);
        if let Some(ct) = headers.get(header::CONTENT_TYPE) {
            req.headers_mut().insert(header::CONTENT_TYPE, ct.clone());
        }
        let mut mp = Multipart::from_request(req, &())
            .await
            .map_err(|_| OAuthError::InvalidRequest("the multipart body could not be read".into()))?;
        let mut pairs = Vec::new();
        while let Some(field) = mp
            .next_field()
            .await
            .map_err(|_| OAuthError::InvalidRequest("the multipart body could not be read".into()))?
        {
            let name = field.name().unwrap_or("").to_string();
            let value = field
                .text()
                .await
                .map_err(|_| OAuthError::InvalidRequest("a multipart field is not text".into()))?;
            pairs.push((name, value));
        }
        Params::from_pairs(pairs)
    } else {
        let body = axum::body::to_bytes(body, MAX_BODY)
            .await
            .map_err(|_| OAuthError::InvalidRequest(format!("the request body is larger than {MAX_BODY} bytes")))?;
        if is("application/json") || (mime.is_empty() && body.first() == Some(&b'{')) {
            // Read as a list of members, not a map: a map would keep one of two members
            // with the same name, and a repeated parameter must be refused.
            let JsonMembers(obj) = serde_json::from_slice(&body).map_err(|e| {
                OAuthError::InvalidRequest(if e.is_data() {
                    "the JSON body must be an object".into()
                } else {
                    "the request body is not well-formed JSON".into()
                })
            })?;
            let mut pairs = Vec::new();
            for (k, v) in obj {
                let s = match v {
                    serde_json::Value::Null => continue,
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Number(n) => n.to_string(),
                    serde_json::Value::Bool(b) => b.to_string(),
                    _ => return Err(OAuthError::InvalidRequest(format!("parameter {k} must be a string"))),
                };
                pairs.push((k, s));
            }
            Params::from_pairs(pairs)
        } else if is("application/x-www-form-urlencoded") || mime.is_empty() {
            form_params(body)
        } else {
            Err(OAuthError::InvalidRequest(format!(
                "unsupported content type {:?}: send application/x-www-form-urlencoded, multipart/form-data or application/json",
                mime.to_ascii_lowercase()
            )))
        }
    }
}

/// The members of a JSON object in the order sent, repeated names kept.
struct JsonMembers(Vec<(String, serde_json::Value)>);

impl<'de> serde::Deserialize<'de> for JsonMembers {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Members;
        impl<'de> serde::de::Visitor<'de> for Members {
            type Value = JsonMembers;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<JsonMembers, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry::<String, serde_json::Value>()? {
                    members.push(member);
                }
                Ok(JsonMembers(members))
            }
        }
        d.deserialize_map(Members)
    }
}

/// Whether a form body can be split as it is: nothing to decode (no `%`, no `+`: client ids and
/// secrets are hex) and valid UTF-8. That is several times cheaper than decoding each value.
fn plain_form(body: &[u8]) -> bool {
    memchr::memchr2(b'%', b'+', body).is_none() && std::str::from_utf8(body).is_ok()
}

/// The name and value ranges of the next pair of a plain form body ([`plain_form`]) from `at`,
/// and where the one after starts, as `form_urlencoded` splits it: at `&`, empty parts
/// skipped, the name up to the first `=`.
fn next_pair(body: &[u8], mut at: usize) -> Option<(Param, Param, usize)> {
    while at < body.len() {
        let start = at;
        let end = memchr::memchr(b'&', &body[start..]).map_or(body.len(), |i| start + i);
        at = end + 1;
        if end == start {
            continue;
        }
        return Some(match memchr::memchr(b'=', &body[start..end]) {
            Some(i) => (Param::Body(start, start + i), Param::Body(start + i + 1, end), at),
            None => (Param::Body(start, end), Param::Body(end, end), at),
        });
    }
    None
}

/// The parameters of an `application/x-www-form-urlencoded` body.
fn form_params(body: Bytes) -> Result<Params, OAuthError> {
    // The body as text, checked once (and not copied when hyper handed over its only owner).
    let body = match String::from_utf8(Vec::from(body)) {
        Ok(text) if memchr::memchr2(b'%', b'+', text.as_bytes()).is_none() => text,
        Ok(text) => return Params::from_pairs(form_urlencoded::parse(text.as_bytes()).into_owned()),
        Err(e) => return Params::from_pairs(form_urlencoded::parse(e.as_bytes()).into_owned()),
    };
    let mut params = Params {
        body,
        list: Vec::with_capacity(4),
    };
    let mut at = 0;
    while let Some((k, v, next)) = next_pair(params.body.as_bytes(), at) {
        params.push(k, v)?;
        at = next;
    }
    Ok(params)
}

/// The pairs of an `application/x-www-form-urlencoded` body, as `form_urlencoded` reads them
/// (what [`form_params`] reads, before empty values and repeats are looked at).
fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    if plain_form(body) {
        let text = |p: Param| match p {
            Param::Body(start, end) => std::str::from_utf8(&body[start..end]).unwrap_or_default().to_owned(),
            Param::Text(s) => s,
        };
        let (mut pairs, mut at) = (Vec::new(), 0);
        while let Some((k, v, next)) = next_pair(body, at) {
            pairs.push((text(k), text(v)));
            at = next;
        }
        return pairs;
    }
    form_urlencoded::parse(body).into_owned().collect()
}

/// HTTP Basic client credentials (RFC 6749 §2.3.1: each part form-urlencoded).
fn basic_credentials(headers: &HeaderMap) -> Result<Option<ClientAuth>, OAuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let bad = || OAuthError::InvalidClient("malformed HTTP Basic client authentication".into());
    let value = value.to_str().map_err(|_| bad())?;
    let (scheme, rest) = value.split_once(' ').ok_or_else(bad)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(OAuthError::InvalidClient(format!(
            "unsupported client authentication scheme {scheme:?}; use Basic"
        )));
    }
    let decoded = STANDARD.decode(rest.trim()).map_err(|_| bad())?;
    let decoded = String::from_utf8(decoded).map_err(|_| bad())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(bad)?;
    // Each part is form-urlencoded; hex ids and secrets have nothing to decode.
    let unescape = |s: &str| -> String {
        if !s.contains(['%', '+']) {
            return s.to_owned();
        }
        form_urlencoded::parse(format!("v={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Ok(Some(ClientAuth {
        client_id: unescape(id),
        client_secret: unescape(secret),
    }))
}

/// Picks the client authentication: Basic or body, never two different ones.
fn client_auth(headers: &HeaderMap, params: &Params) -> Result<ClientAuth, OAuthError> {
    let basic = basic_credentials(headers)?;
    let body_id = params.get("client_id");
    let body_secret = params.get("client_secret");
    match basic {
        Some(b) => {
            if body_id.is_some_and(|id| id != b.client_id) || body_secret.is_some_and(|s| s != b.client_secret) {
                return Err(OAuthError::InvalidRequest(
                    "the client authenticated with HTTP Basic and with different credentials in the body; use one method".into(),
                ));
            }
            Ok(b)
        }
        None => match (body_id, body_secret) {
            (Some(id), Some(secret)) => Ok(ClientAuth {
                client_id: id.to_string(),
                client_secret: secret.to_string(),
            }),
            (Some(_), None) => Err(OAuthError::InvalidClient("client_secret is missing".into())),
            _ => Err(OAuthError::InvalidClient(
                "no client authentication: send client_id and client_secret, or HTTP Basic".into(),
            )),
        },
    }
}

/// A request to the token, revocation or introspection endpoint, as an extractor: its
/// parameters read from any body format (a body that cannot be read is refused per RFC 6749
/// §5.2 before the handler runs), the client's address, and its head, from which
/// [`OAuthForm::client`] reads the client authentication the same way for all three.
struct OAuthForm {
    headers: HeaderMap,
    params: Params,
    /// The peer's address (lockouts are per client and address); unspecified when unknown.
    peer: std::net::IpAddr,
}

impl<S: Send + Sync> FromRequest<S> for OAuthForm {
    type Rejection = OAuthErrorResponse;

    async fn from_request(req: Request, _: &S) -> Result<Self, OAuthErrorResponse> {
        let (parts, body) = req.into_parts();
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
        let params = read_params(&parts.headers, body).await.map_err(OAuthErrorResponse)?;
        Ok(OAuthForm {
            headers: parts.headers,
            params,
            peer,
        })
    }
}

impl OAuthForm {
    /// The client authentication: HTTP Basic or the body's `client_id`/`client_secret`.
    fn client(&self) -> Result<ClientAuth, OAuthError> {
        client_auth(&self.headers, &self.params)
    }
}

async fn token(State(state): State<AppState>, form: OAuthForm) -> Response {
    match handle_token(&state, &form).await {
        Ok(issued) => {
            let json = match token_json(&issued) {
                Some(json) => json,
                None => {
                    let answer = TokenResponse {
                        access_token: issued.access_token,
                        token_type: "bearer",
                        expires_in: issued.expires_in,
                        created_at: issued.created_at,
                        refresh_token: issued.refresh_token,
                    };
                    match serde_json::to_vec(&answer) {
                        Ok(json) => json,
                        Err(e) => return OAuthErrorResponse(OAuthError::ServerError(e.to_string())).into_response(),
                    }
                }
            };
            no_store(
                (
                    [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
                    json,
                )
                    .into_response(),
            )
        }
        Err(e) => OAuthErrorResponse(e).into_response(),
    }
}

/// The token response as `serde_json` writes a [`TokenResponse`], written directly (on every
/// token request): `None` if a token has a character JSON would escape (never, for the
/// base64url and hex tokens Trestle issues), which then goes through `serde_json`.
fn token_json(issued: &trestle_core::IssuedToken) -> Option<Vec<u8>> {
    /// Letters, digits and `-_.~`: what JSON writes as it is.
    const PLAIN: [bool; 256] = {
        let mut table = [false; 256];
        let mut i = 0;
        while i < 256 {
            let b = i as u8;
            table[i] = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~');
            i += 1;
        }
        table
    };
    fn plain(s: &str) -> bool {
        s.bytes().all(|b| PLAIN[usize::from(b)])
    }
    fn int(json: &mut Vec<u8>, n: i64) {
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        let mut rest = n.unsigned_abs();
        loop {
            at -= 1;
            digits[at] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        if n < 0 {
            json.push(b'-');
        }
        json.extend_from_slice(&digits[at..]);
    }
    if !plain(&issued.access_token) || !issued.refresh_token.as_deref().is_none_or(plain) {
        return None;
    }
    // Sized for the answer up front (about 160 bytes, 250 with a refresh token).
    let mut json = Vec::with_capacity(320);
    json.extend_from_slice(br#"{"access_token":""#);
    json.extend_from_slice(issued.access_token.as_bytes());
    json.extend_from_slice(br#"","token_type":"bearer","expires_in":"#);
    int(&mut json, issued.expires_in);
    json.extend_from_slice(br#","created_at":"#);
    int(&mut json, issued.created_at);
    if let Some(refresh) = &issued.refresh_token {
        json.extend_from_slice(br#","refresh_token":""#);
        json.extend_from_slice(refresh.as_bytes());
        json.push(b'"');
    }
    json.push(b'}');
    Some(json)
}

/// Runs a grant unless this client is locked out from this address, and counts a failed
/// client authentication.
async fn guarded(
    state: &AppState,
    auth: &ClientAuth,
    ip: std::net::IpAddr,
    grant: impl std::future::Future<Output = Result<trestle_core::IssuedToken, OAuthError>>,
) -> Result<trestle_core::IssuedToken, OAuthError> {
    let now = state.core.now();
    if let Some(wait) = state.failed_auth.locked(&auth.client_id, ip, now) {
        return Err(OAuthError::TooManyAttempts(wait));
    }
    let result = grant.await;
    if matches!(result, Err(OAuthError::InvalidClient(_))) {
        state.failed_auth.failed(&auth.client_id, ip, now);
    }
    result
}

async fn handle_token(state: &AppState, form: &OAuthForm) -> Result<trestle_core::IssuedToken, OAuthError> {
    let (params, ip) = (&form.params, form.peer);
    let grant = params
        .get("grant_type")
        .ok_or_else(|| OAuthError::InvalidRequest("grant_type is required".into()))?;
    match grant {
        "client_credentials" => {
            let auth = form.client()?;
            guarded(
                state,
                &auth,
                ip,
                state.core.issue_client_credentials(&auth, params.get("scope")),
            )
            .await
        }
        "authorization_code" => {
            let auth = form.client()?;
            let code = params
                .get("code")
                .ok_or_else(|| OAuthError::InvalidRequest("code is required".into()))?;
            let exchange =
                state
                    .core
                    .exchange_code(&auth, code, params.get("redirect_uri"), params.get("code_verifier"));
            guarded(state, &auth, ip, exchange).await
        }
        "refresh_token" => {
            let auth = form.client()?;
            let token = params
                .get("refresh_token")
                .ok_or_else(|| OAuthError::InvalidRequest("refresh_token is required".into()))?;
            guarded(state, &auth, ip, state.core.refresh(&auth, token)).await
        }
        other => Err(OAuthError::UnsupportedGrantType(format!(
            "grant_type {other:?} is not supported (supported: client_credentials, authorization_code, refresh_token)"
        ))),
    }
}

fn no_store(mut res: Response) -> Response {
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res.headers_mut()
        .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    res
}

/// `GET /oauth/token/info`: the live token's owner, application and remaining lifetime.
async fn token_info(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Result<Response, crate::error::ApiError> {
    let token = match crate::extract::bearer_token(&headers, &uri) {
        Ok(Some(t)) => t,
        Ok(None) => return Ok(crate::error::missing_token()),
        Err(bad) => return Ok(bad.into_response()),
    };
    let info = state.core.token_info(token).await?;
    let body = serde_json::json!({
        "resource_owner_id": info.person.map(|p| p.0),
        "scopes": [],
        // never more than the token was issued for, even with the clock set back
        "expires_in_seconds": (info.expires_at - info.now).min(info.expires_at - info.issued_at).max(0),
        "application": { "uid": info.client_id },
        "created_at": info.issued_at,
    });
    Ok(no_store(Json(body).into_response()))
}

/// `POST /oauth/revoke` (RFC 7009): `{}` with 200, also for unknown or expired tokens.
async fn revoke(State(state): State<AppState>, form: OAuthForm) -> Response {
    let result = async {
        let auth = form.client()?;
        let token = form
            .params
            .get("token")
            .ok_or_else(|| OAuthError::InvalidRequest("token is required".into()))?;
        state.core.revoke_token(&auth, token).await
    }
    .await;
    match result {
        Ok(()) => no_store(Json(serde_json::json!({})).into_response()),
        Err(e) => OAuthErrorResponse(e).into_response(),
    }
}

/// `POST /oauth/introspect` (RFC 7662), for a resource server authenticated as a client of
/// the same app. Anything not active answers only `{"active": false}`.
async fn introspect(State(state): State<AppState>, form: OAuthForm) -> Response {
    let result = async {
        let auth = form.client()?;
        let token = form
            .params
            .get("token")
            .ok_or_else(|| OAuthError::InvalidRequest("token is required".into()))?;
        state.core.introspect(&auth, token).await
    }
    .await;
    match result {
        Ok(Some(info)) => no_store(
            Json(serde_json::json!({
                "active": true,
                "client_id": info.client_id,
                "token_type": "bearer",
                "iat": info.issued_at,
                "exp": info.expires_at,
                "sub": info.person.map(|p| format!("user:{p}")).or(info.app.map(|a| format!("app:{a}"))),
                "environment": if info.sandbox { "sandbox" } else { "production" },
            }))
            .into_response(),
        ),
        Ok(None) => no_store(Json(serde_json::json!({"active": false})).into_response()),
        Err(e) => OAuthErrorResponse(e).into_response(),
    }
}

/// RFC 8414 authorization-server metadata. Its URLs must be absolute: without a configured
/// public URL, a request whose `Host` is not a valid authority gets a 400.
async fn metadata(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if state.public_url.is_none() && crate::paging::request_host(&headers).is_none() {
        return crate::error::ApiError::bad_request(
            "the Host header must be a valid host[:port] (or the server must be started with --public-url)",
        )
        .into_response();
    }
    let issuer = crate::paging::origin(state.public_url.as_deref(), &headers);
    Json(serde_json::json!({
        "issuer": issuer,
        "token_endpoint": format!("{issuer}/oauth/token"),
        "revocation_endpoint": format!("{issuer}/oauth/revoke"),
        "introspection_endpoint": format!("{issuer}/oauth/introspect"),
        "authorization_endpoint": format!("{issuer}/oauth/authorize"),
        "grant_types_supported": ["client_credentials", "authorization_code", "refresh_token"],
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": [],
        "service_documentation": format!("{issuer}/openapi.json"),
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::{form_pairs, token_json, TokenResponse};

    #[test]
    fn token_json_is_what_serde_json_writes() {
        let token = "AQAAAAAAAAABAAAAAAAAAAEAAAAAZWPlgAAAAABlY_uQ-_8AAQIDBAU";
        for (expires_in, created_at, refresh) in [
            (5400, 1_700_000_000, None),
            (0, 0, Some("0123abcdef")),
            (-1, i64::MIN, Some("")),
            (i64::MAX, 9, None),
        ] {
            let issued = trestle_core::IssuedToken {
                access_token: token.into(),
                expires_in,
                created_at,
                refresh_token: refresh.map(str::to_string),
            };
            let serde = serde_json::to_vec(&TokenResponse {
                access_token: issued.access_token.clone(),
                token_type: "bearer",
                expires_in,
                created_at,
                refresh_token: issued.refresh_token.clone(),
            })
            .unwrap();
            assert_eq!(token_json(&issued), Some(serde));
        }
        let odd = trestle_core::IssuedToken {
            access_token: "a\"b".into(),
            expires_in: 1,
            created_at: 1,
            refresh_token: None,
        };
        assert_eq!(token_json(&odd), None, "anything JSON escapes goes through serde_json");
    }

    #[test]
    fn form_pairs_reads_bodies_as_form_urlencoded_does() {
        let bodies: [&[u8]; 10] = [
            b"grant_type=client_credentials&client_id=ab12&client_secret=cd34",
            b"a=1&&b=2&",
            b"a&b=&=c",
            b"a=1=2",
            b"scope=read+write&x=%41%zz",
            b"name=%E2%9C%93",
            b"bad=\xff\xfe",
            b"",
            b"&&&",
            b"k=v%26w&k2=v2",
        ];
        for body in bodies {
            let expected: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
            assert_eq!(form_pairs(body), expected, "body {:?}", String::from_utf8_lossy(body));
        }
        assert_eq!(
            form_pairs(&[b'a', b'=', 0xff]),
            vec![("a".to_string(), "\u{fffd}".to_string())]
        );
    }
}
