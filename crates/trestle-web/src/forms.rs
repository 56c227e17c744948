//! Refused forms: the page is shown again, with its navigation, everything the person typed,
//! and each problem in words next to the field it is about.

use crate::error::WebError;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use serde::de::DeserializeOwned;
use trestle_core::CoreError;
use trestle_domain::manifest::Problem;

/// The fields of a submitted form (repeated names kept, in order).
pub(crate) struct Fields(pub Vec<(String, String)>);

impl Fields {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn text(&self, name: &str) -> &str {
        self.get(name).unwrap_or("")
    }

    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0.iter().filter(move |(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// A form body that is not an HTML form's (`application/x-www-form-urlencoded`).
pub(crate) fn unreadable_form() -> Response {
    WebError::new(
        CoreError::BadRequest(
            "the form could not be read: send it from the page (as an HTML form), not as another kind of body".into(),
        ),
        "/ui",
    )
    .into_response()
}

/// Why a form was refused, and what it held.
pub(crate) struct Refusal<'a> {
    /// Which form of the page (its id).
    pub form: &'static str,
    pub values: &'a Fields,
    pub message: String,
    pub problems: Vec<Problem>,
}

impl<'a> Refusal<'a> {
    /// A refusal to show on the form, for errors about what was entered (422, 400, 409);
    /// any other error (not allowed, not found, unavailable…) is handed back as it is.
    pub fn of(form: &'static str, values: &'a Fields, e: CoreError) -> Result<Refusal<'a>, CoreError> {
        match e {
            CoreError::Invalid { message, problems } => Ok(Refusal {
                form,
                values,
                message,
                problems,
            }),
            e @ (CoreError::BadRequest(_) | CoreError::Conflict(_)) => Ok(Refusal {
                form,
                values,
                message: e.to_string(),
                problems: vec![],
            }),
            other => Err(other),
        }
    }

    /// A refusal of one field, found by the page itself.
    pub fn field(form: &'static str, values: &'a Fields, field: &str, reason: &str) -> Refusal<'a> {
        Refusal {
            form,
            values,
            message: format!("{field}: {reason}"),
            problems: vec![Problem {
                path: format!("$.{field}"),
                reason: reason.into(),
            }],
        }
    }

    /// The status of the page that shows it.
    pub fn status(&self) -> StatusCode {
        StatusCode::UNPROCESSABLE_ENTITY
    }

    fn about(&self, field: &str) -> Option<&str> {
        self.problems
            .iter()
            .find(|p| is_about(&p.path, field))
            .map(|p| p.reason.as_str())
    }
}

/// Whether a problem's JSONPath is about the form field `field` (`$.name`, `$.ids[2]`…).
fn is_about(path: &str, field: &str) -> bool {
    let rest = path.strip_prefix("$.").unwrap_or(path);
    rest.strip_prefix(field)
        .is_some_and(|tail| tail.is_empty() || tail.starts_with(['[', '.']))
}

/// What the form `form` showed in `field`: what was typed if the form was refused, else `default`.
pub(crate) fn value<'b>(r: Option<&'b Refusal<'_>>, form: &str, field: &str, default: &'b str) -> &'b str {
    match r {
        Some(r) if r.form == form => r.values.get(field).unwrap_or(""),
        _ => default,
    }
}

/// Whether the refused form `form` sent `value` for `field` (a checkbox or option it had chosen).
pub(crate) fn chosen(r: Option<&Refusal<'_>>, form: &str, field: &str, value: &str) -> bool {
    r.is_some_and(|r| r.form == form && r.values.all(field).any(|v| v == value))
}

/// The problem with `field` of `form`, if it was refused for it.
pub(crate) fn problem<'b>(r: Option<&'b Refusal<'_>>, form: &str, field: &str) -> Option<&'b str> {
    r.filter(|r| r.form == form).and_then(|r| r.about(field))
}

/// The id of a field's error text (for `aria-describedby`).
pub(crate) fn error_id(form: &str, field: &str) -> String {
    format!("{form}-{}-error", field.replace(['.', '[', ']'], "-"))
}

/// The error text next to a field (nothing when the field is fine).
pub(crate) fn field_error(r: Option<&Refusal<'_>>, form: &str, field: &str) -> Markup {
    html! {
        @if let Some(reason) = problem(r, form, field) {
            p.field-error id=(error_id(form, field)) { (sentence(reason)) }
        }
    }
}

/// `aria-describedby` for a field that has an error.
pub(crate) fn described_by(r: Option<&Refusal<'_>>, form: &str, field: &str) -> Option<String> {
    problem(r, form, field).map(|_| error_id(form, field))
}

/// The notice at the top of a refused form: its message, and problems no field shows.
pub(crate) fn form_notice(r: Option<&Refusal<'_>>, form: &str, fields: &[&str]) -> Markup {
    html! {
        @if let Some(r) = r.filter(|r| r.form == form) {
            @let others: Vec<&Problem> = r.problems.iter().filter(|p| !fields.iter().any(|f| is_about(&p.path, f))).collect();
            div.notice.error role="alert" {
                @if r.problems.is_empty() { (sentence(&r.message)) } @else { "Please check what you entered." }
                @if !others.is_empty() {
                    ul { @for p in others { li { code { (p.path) } " " (p.reason) } } }
                }
            }
        }
    }
}

/// A reason as a sentence: first letter capitalised, with a full stop.
fn sentence(s: &str) -> String {
    let mut out: String = s.chars().take(1).flat_map(char::to_uppercase).collect();
    out.extend(s.chars().skip(1));
    if !out.ends_with(['.', '?', '!']) {
        out.push('.');
    }
    out
}

/// Path parameters of a page; a value that does not fit (e.g. `/ui/apps/abc`) is the
/// "not found" page, not the framework's text.
pub(crate) struct WebPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for WebPath<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| WebPath(v))
            .map_err(|_| {
                crate::layout::error_page(
                    StatusCode::NOT_FOUND,
                    "There is no such page: a part of its address is not a valid id.",
                    &[],
                    "/ui",
                )
            })
    }
}

/// A page's query string; one that does not fit is a 400 page in words.
pub(crate) struct WebQuery<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for WebQuery<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| WebQuery(v))
            .map_err(|_| {
                crate::layout::error_page(
                    StatusCode::BAD_REQUEST,
                    "The address has a parameter this page does not take (for example a page number that is not a number).",
                    &[],
                    "/ui",
                )
                .into_response()
            })
    }
}

/// An HTML form's fields; a body that is not a form is answered with a page in words.
pub(crate) struct WebForm(pub Fields);

impl<S: Send + Sync> FromRequest<S> for WebForm {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::Form::<Vec<(String, String)>>::from_request(req, state)
            .await
            .map(|axum::Form(pairs)| WebForm(Fields(pairs.into_iter().map(kept).collect())))
            .map_err(|_| unreadable_form())
    }
}

/// Most characters of a form field kept (and so shown again on a refused form): twice the
/// longest limit of any field, so a value cut here is still refused as too long, and a huge
/// one never inflates the page. The manifest editor's JSON is bounded by the body size only.
pub(crate) const KEPT_CHARS: usize = 2 * trestle_domain::text::NOTES.max;

pub(crate) fn kept((name, mut value): (String, String)) -> (String, String) {
    if name != "manifest_json" {
        if let Some((at, _)) = value.char_indices().nth(KEPT_CHARS) {
            value.truncate(at);
        }
    }
    (name, value)
}

/// A page's form decoded as `T`; a body that is not a form is answered with a page in words.
pub(crate) struct PageForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for PageForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::Form::<T>::from_request(req, state)
            .await
            .map(|axum::Form(v)| PageForm(v))
            .map_err(|_| unreadable_form())
    }
}
