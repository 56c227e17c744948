//! Every operation of Procore's catalog on the REST API: the router's fallback (and its
//! wrong-method fallback, since hand-written routes such as `/rest/v1.0/folders/{id}` take only
//! some methods) resolves `/rest/…` requests in `trestle_domain::catalog` and hands them to
//! the core's engine (`Trestle::serve_operation`). An unknown path keeps the `no route` 404, a
//! known path with another method the 405; hand-written routes keep winning. `HEAD` on a
//! catalog `GET` answers its head: the status and headers (`Total`, `Link`, …) without the body.
//!
//! A found operation is authenticated exactly like [`RestCaller`]; the company comes from the
//! path, `company_id` or `Procore-Company-Id` ([`company_of`]); the body may be JSON,
//! `application/x-www-form-urlencoded` or `multipart/form-data` with Rails bracket keys
//! (`rfi[subject]`, `rfi[question][body]`, `attachments[]`; a file becomes `{filename,
//! content_type, size}`). Lists carry `Total`, `Per-Page` and `Link` (its next URL with the
//! keyset cursor when the order is the default). Errors are Procore's v1 shape, and on v2
//! paths `{"error": {"code", "message", "details": [{reason_code, message}]}}`.

use crate::error::{ApiError, RequestError};
use crate::extract::RestCaller;
use crate::paging::{keyset_link_header, link_value, origin, query_pairs, PER_PAGE, TOTAL};
use crate::rest::{company_of, parse_company};
use crate::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};
use trestle_core::{OpAnswer, OpBody, OpRequest};
use trestle_domain::catalog::{catalog, CatalogOp, Method, PathParams, Resolved};
use trestle_domain::manifest::Problem;

/// Longest bracket key of a form body (`a[b][c]…`), in segments.
const MAX_KEY_DEPTH: usize = 8;

/// The router's fallback: a catalog operation, else the `no route` 404.
pub async fn fallback(state: AppState, req: Request) -> Response {
    serve(state, req, false).await
}

/// The wrong-method fallback of hand-written routes: a catalog operation, else the 405.
pub async fn wrong_method(state: AppState, req: Request) -> Response {
    serve(state, req, true).await
}

async fn miss(req: Request, known_path: bool) -> Response {
    let (parts, _) = req.into_parts();
    let (method, uri) = (parts.method, parts.uri);
    if known_path {
        crate::error::wrong_method(method, uri).await
    } else {
        crate::error::no_route(method, uri).await
    }
}

async fn serve(state: AppState, req: Request, known_path: bool) -> Response {
    if !req.uri().path().starts_with("/rest/") {
        return miss(req, known_path).await;
    }
    // HEAD is a GET whose body is left out (hyper sends the head alone, with the length).
    let asked = if req.method() == axum::http::Method::HEAD {
        "GET"
    } else {
        req.method().as_str()
    };
    let Some(method) = Method::parse(asked) else {
        return miss(req, known_path).await;
    };
    if let Some(found) = remembered(method, req.uri()) {
        return found_operation(state, found, req).await;
    }
    match catalog().resolve(method, req.uri().path()) {
        Resolved::NotFound => miss(req, known_path).await,
        Resolved::MethodNotAllowed(methods) => {
            let mut res = miss(req, true).await;
            if !known_path {
                let allow: Vec<&str> = methods.iter().map(|m| m.as_str()).collect();
                if let Ok(v) = HeaderValue::from_str(&allow.join(", ")) {
                    res.headers_mut().insert(header::ALLOW, v);
                }
            }
            res
        }
        Resolved::Found(op, params) => {
            let pairs = query_pairs(req.uri());
            let found = std::sync::Arc::new(Found { op, params, pairs });
            remember(method, req.uri(), &found);
            found_operation(state, found, req).await
        }
    }
}

/// A request's operation, path parameters and query pairs: what its method and URL select.
struct Found {
    op: &'static CatalogOp,
    params: PathParams,
    pairs: Vec<(String, String)>,
}

/// The longest path and query whose resolution is remembered.
const REMEMBERED_URL: usize = 512;

/// Resolutions of the URLs clients ask again (a pure function of method and URL, so nothing
/// invalidates them), bounded in number and in URL length.
fn resolutions() -> &'static quick_cache::sync::Cache<(Method, String), std::sync::Arc<Found>> {
    static CACHE: std::sync::OnceLock<quick_cache::sync::Cache<(Method, String), std::sync::Arc<Found>>> =
        std::sync::OnceLock::new();
    CACHE.get_or_init(|| quick_cache::sync::Cache::new(4096))
}

/// A borrowed key of [`resolutions`]: hashes as the owned tuple does.
#[derive(Hash)]
struct UrlKey<'a>(Method, &'a str);

impl quick_cache::Equivalent<(Method, String)> for UrlKey<'_> {
    fn equivalent(&self, key: &(Method, String)) -> bool {
        self.0 == key.0 && self.1 == key.1
    }
}

fn remembered(method: Method, uri: &Uri) -> Option<std::sync::Arc<Found>> {
    resolutions().get(&UrlKey(method, path_and_query(uri)))
}

fn remember(method: Method, uri: &Uri, found: &std::sync::Arc<Found>) {
    let url = path_and_query(uri);
    if url.len() <= REMEMBERED_URL {
        resolutions().insert((method, url.to_string()), found.clone());
    }
}

async fn found_operation(state: AppState, found: std::sync::Arc<Found>, req: Request) -> Response {
    if let Some(slot) = req.extensions().get::<crate::request_log::Slot>() {
        slot.set_template(found.op.path.as_str());
    }
    let v2 = found.op.version.is_some_and(|v| v.is_v2());
    let res = match operation(&state, &found, req).await {
        Ok(res) => res,
        Err(res) => res,
    };
    if v2 && !res.status().is_success() {
        v2_error(res).await
    } else {
        res
    }
}

async fn operation(state: &AppState, found: &Found, req: Request) -> Result<Response, Response> {
    let (op, params, pairs) = (found.op, &found.params, &found.pairs);
    let (mut parts, body) = req.into_parts();
    let RestCaller(caller) = RestCaller::from_request_parts(&mut parts, state).await?;
    let explicit = match params.get("company_id") {
        Some(v) => Some(parse_company("the company id in the path", v).map_err(IntoResponse::into_response)?),
        None => match pairs.iter().find(|(k, _)| k == "company_id") {
            Some((_, v)) => Some(parse_company("company_id", v).map_err(IntoResponse::into_response)?),
            None => None,
        },
    };
    let hint = company_of(state, &parts.headers, explicit).map_err(IntoResponse::into_response)?;
    let bytes = axum::body::to_bytes(body, crate::extract::MAX_BODY)
        .await
        .map_err(|_| RequestError::too_large(crate::extract::MAX_BODY).into_response())?;
    let (body, form) = parse_body(&parts.headers, bytes)
        .await
        .map_err(|e| e.respond_to(parts.uri.path(), None))?;
    let token = parts
        .headers
        .get("idempotency-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let answer = state
        .core
        .serve_operation(
            &caller,
            OpRequest {
                op,
                path: params,
                query: pairs,
                company_hint: hint,
                body,
                form,
                idempotency_token: token.as_deref(),
                request_path: parts.uri.path(),
            },
        )
        .await
        .map_err(|e| ApiError(e).into_response())?;
    Ok(respond(state, &parts.headers, &parts.uri, pairs, answer))
}

fn respond(state: &AppState, headers: &HeaderMap, uri: &Uri, pairs: &[(String, String)], answer: OpAnswer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let mut res = match answer.body {
        OpBody::Json(v) => (status, Json(v)).into_response(),
        OpBody::Raw(s) => (status, [(header::CONTENT_TYPE, "application/json")], s).into_response(),
        OpBody::Shared(r) => return respond_shared(state, headers, uri, pairs, &r),
        OpBody::Empty => status.into_response(),
    };
    if let Some(list) = answer.list {
        let origin = origin(state.public_url.as_deref(), headers);
        let next_after = list.next_after.map(|id| id.0);
        let link = keyset_link_header(&origin, uri, pairs, list.page, list.total, next_after);
        let h = res.headers_mut();
        h.insert(TOTAL, HeaderValue::from(list.total));
        h.insert(PER_PAGE, HeaderValue::from(list.page.per_page()));
        if let Some(v) = link_value(&link) {
            h.insert(header::LINK, v);
        }
    }
    res
}

/// The paging headers of a shared answer, made for one request: the links depend on the
/// `Host` header and the path and query it was asked with.
struct PagingHeaders {
    host: Option<HeaderValue>,
    path_and_query: String,
    link: Option<HeaderValue>,
    total: HeaderValue,
    per_page: HeaderValue,
}

fn path_and_query(uri: &Uri) -> &str {
    uri.path_and_query().map_or(uri.path(), |pq| pq.as_str())
}

/// A rendered answer the core shares with its page cache: the body is the shared bytes (no
/// copy), and the `Link` header is made once per answer and request URL, attached to it.
fn respond_shared(
    state: &AppState,
    headers: &HeaderMap,
    uri: &Uri,
    pairs: &[(String, String)],
    shared: &trestle_core::SharedAnswer,
) -> Response {
    let r = &shared.value;
    let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::OK);
    let mut res = (status, r.body.clone()).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let Some(list) = &r.list else {
        return res;
    };
    let host = headers.get(header::HOST);
    let make = |_: &trestle_core::Rendered| {
        let origin = origin(state.public_url.as_deref(), headers);
        let next_after = list.next_after.map(|id| id.0);
        let link = keyset_link_header(&origin, uri, pairs, list.page, list.total, next_after);
        std::sync::Arc::new(PagingHeaders {
            host: host.cloned(),
            path_and_query: path_and_query(uri).to_string(),
            link: link_value(&link),
            total: HeaderValue::from(list.total),
            per_page: HeaderValue::from(list.page.per_page()),
        })
    };
    let mut paging = shared.rendering(make);
    if paging.host.as_ref() != host || paging.path_and_query != path_and_query(uri) {
        paging = make(r);
    }
    let h = res.headers_mut();
    h.insert(TOTAL, paging.total.clone());
    h.insert(PER_PAGE, paging.per_page.clone());
    if let Some(v) = &paging.link {
        h.insert(header::LINK, v.clone());
    }
    res
}

/// The media type without parameters, lower-cased.
fn essence(headers: &HeaderMap) -> Option<String> {
    let ct = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
}

/// The body as an object, and whether it was a form.
async fn parse_body(headers: &HeaderMap, bytes: Bytes) -> Result<(Map<String, Value>, bool), RequestError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok((Map::new(), false));
    }
    match essence(headers).as_deref() {
        None | Some("application/json") => Ok((crate::extract::parse_json::<Map<String, Value>>(&bytes)?, false)),
        Some(e) if e.starts_with("application/") && e.ends_with("+json") => {
            Ok((crate::extract::parse_json::<Map<String, Value>>(&bytes)?, false))
        }
        Some("application/x-www-form-urlencoded") => {
            let pairs = form_urlencoded::parse(&bytes)
                .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                .collect::<Vec<_>>();
            Ok((nest(pairs)?, true))
        }
        Some("multipart/form-data") => Ok((nest(multipart(headers, bytes).await?)?, true)),
        Some(_) => Err(RequestError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as application/json, application/x-www-form-urlencoded or multipart/form-data",
            vec![],
        )),
    }
}

fn body_problem(path: &str, reason: &str) -> RequestError {
    RequestError::malformed(vec![Problem {
        path: path.into(),
        reason: reason.into(),
    }])
}

/// The fields of a multipart body: text fields as text, files as `{filename, content_type, size}`.
async fn multipart(headers: &HeaderMap, bytes: Bytes) -> Result<Vec<(String, Value)>, RequestError> {
    let mut req = Request::new(Body::from(bytes));
    if let Some(ct) = headers.get(header::CONTENT_TYPE) {
        req.headers_mut().insert(header::CONTENT_TYPE, ct.clone());
    }
    let unreadable = |_| body_problem("$", "is not a readable multipart/form-data body");
    let mut form = axum::extract::Multipart::from_request(req, &())
        .await
        .map_err(|_| body_problem("$", "multipart/form-data needs its boundary in Content-Type"))?;
    let mut out = Vec::new();
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or("").to_string();
        let value = match field.file_name().map(str::to_string) {
            Some(filename) => {
                let content_type = field.content_type().unwrap_or("application/octet-stream").to_string();
                let data = field.bytes().await.map_err(unreadable)?;
                json!({"filename": filename, "content_type": content_type, "size": data.len()})
            }
            None => Value::String(field.text().await.map_err(unreadable)?),
        };
        out.push((name, value));
    }
    Ok(out)
}

/// Rails bracket keys to nested JSON: `a[b][c]=v` → `{"a":{"b":{"c":v}}}`, `a[]=v` appends.
pub(crate) fn nest(pairs: Vec<(String, Value)>) -> Result<Map<String, Value>, RequestError> {
    let mut root = Map::new();
    for (key, value) in pairs {
        let (base, rest) = match key.find('[') {
            Some(i) => (&key[..i], &key[i..]),
            None => (key.as_str(), ""),
        };
        let mut segs = vec![base];
        let mut rest = rest;
        while !rest.is_empty() {
            let Some((seg, after)) = rest.strip_prefix('[').and_then(|r| r.split_once(']')) else {
                return Err(body_problem(&key, "is not a valid bracket key (a[b][c] or a[])"));
            };
            segs.push(seg);
            rest = after;
        }
        if base.is_empty() || segs.len() > MAX_KEY_DEPTH {
            return Err(body_problem(&key, "is not a valid bracket key (a[b][c] or a[])"));
        }
        insert(&mut root, &segs, value).map_err(|reason| body_problem(&key, reason))?;
    }
    Ok(root)
}

fn insert(map: &mut Map<String, Value>, segs: &[&str], value: Value) -> Result<(), &'static str> {
    match segs {
        [] => Ok(()),
        [name] => {
            map.insert((*name).to_string(), value);
            Ok(())
        }
        [name, ""] => match map.entry((*name).to_string()).or_insert_with(|| Value::Array(vec![])) {
            Value::Array(items) => {
                items.push(value);
                Ok(())
            }
            _ => Err("mixes a field and a list under one name"),
        },
        [_, "", ..] => Err("lists of objects (a[][b]) are not taken; send JSON"),
        [name, more @ ..] => match map
            .entry((*name).to_string())
            .or_insert_with(|| Value::Object(Map::new()))
        {
            Value::Object(inner) => insert(inner, more, value),
            _ => Err("mixes a field and an object under one name"),
        },
    }
}

/// An error answer retold in v2's shape, keeping its status and headers.
pub(crate) async fn v2_error(res: Response) -> Response {
    let (parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default();
    let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let code = v["code"].as_str().unwrap_or("error").to_string();
    let message = v["message"].as_str().unwrap_or("the request failed").to_string();
    let details: Vec<Value> = v["errors"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .map(|p| {
                    json!({
                        "reason_code": code,
                        "message": format!("{} {}", p["path"].as_str().unwrap_or("$"), p["reason"].as_str().unwrap_or("")),
                        "path": p["path"],
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let body = json!({"error": {"code": code, "message": message, "details": details}});
    let mut res = Response::from_parts(parts, Body::from(body.to_string()));
    res.headers_mut().remove(header::CONTENT_LENGTH);
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    res
}

#[cfg(test)]
mod tests {
    use super::{nest, Method, UrlKey};
    use serde_json::{json, Value};

    /// A borrowed URL key hashes as its owned form (or a remembered resolution is never found).
    #[test]
    fn url_keys_hash_as_their_owned_form() {
        use std::hash::{BuildHasher, RandomState};
        let h = RandomState::new();
        let url = "/rest/v1.0/projects/4/rfis?per_page=100";
        assert_eq!(
            h.hash_one(UrlKey(Method::Get, url)),
            h.hash_one((Method::Get, url.to_string()))
        );
        assert!(quick_cache::Equivalent::equivalent(
            &UrlKey(Method::Get, url),
            &(Method::Get, url.to_string())
        ));
        assert!(!quick_cache::Equivalent::equivalent(
            &UrlKey(Method::Post, url),
            &(Method::Get, url.to_string())
        ));
    }

    fn form(pairs: &[(&str, &str)]) -> Result<Value, String> {
        nest(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
                .collect(),
        )
        .map(Value::Object)
        .map_err(|e| e.message)
    }

    #[test]
    fn bracket_keys_nest() {
        assert_eq!(
            form(&[
                ("rfi[subject]", "S"),
                ("rfi[question][body]", "B"),
                ("attachments[]", "1"),
                ("attachments[]", "2"),
                ("plain", "p")
            ])
            .unwrap(),
            json!({"rfi": {"subject": "S", "question": {"body": "B"}}, "attachments": ["1", "2"], "plain": "p"})
        );
        for bad in [
            &[("a[b", "1")][..],
            &[("[a]", "1")],
            &[("a", "1"), ("a[b]", "2")],
            &[("a[][b]", "1")],
            &[("a[b]c", "1")],
        ] {
            assert!(form(bad).is_err(), "{bad:?}");
        }
    }
}
