//! Signing in: the password sign-in both login forms share (`ui.rs`, the web UI's; and
//! `authorize.rs`, the OAuth flow's login and consent pages), with its lockout.

pub(crate) mod authorize;
pub(crate) mod ui;

use crate::session::{cookie, SESSION_COOKIE};
use crate::state::WebState;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;
use std::net::SocketAddr;
use trestle_core::CoreError;

/// What a password sign-in came to.
pub(crate) enum SignIn {
    /// Signed in: the new session's cookie is to be set (the browser's previous one ended).
    Session(String),
    /// Locked out for this many seconds (too many failures for this e-mail and address).
    Locked(i64),
    /// Wrong e-mail address or password: the message to show.
    Refused(String),
    Failed(CoreError),
}

/// The password sign-in of both login forms (the web UI's and the OAuth flow's). It is locked
/// for an e-mail address and client address after repeated failures, like client
/// authentication at the token endpoint; the core audits every attempt; a success ends the
/// session the browser had before, so every sign-in gets a new session id.
pub(crate) async fn sign_in(
    state: &WebState,
    headers: &HeaderMap,
    peer: SocketAddr,
    email: &str,
    password: &str,
) -> SignIn {
    let key = format!("login:{}", email.trim().to_ascii_lowercase());
    let ip = peer.ip();
    if let Some(wait) = state.failed_auth.locked(&key, ip, state.core.now()) {
        return SignIn::Locked(wait);
    }
    match state.core.login(email, password, Some(&ip.to_string())).await {
        Ok((session, _)) => {
            if let Some(old) = cookie(headers, SESSION_COOKIE) {
                if let Err(e) = state.core.logout(old).await {
                    tracing::warn!(error = %e, "could not end the previous session at sign-in");
                }
            }
            SignIn::Session(session)
        }
        Err(CoreError::Unauthenticated(m)) => {
            state.failed_auth.failed(&key, ip, state.core.now());
            SignIn::Refused(m)
        }
        Err(e) => SignIn::Failed(e),
    }
}

/// The message of a locked-out sign-in page, and its `Retry-After`.
pub(crate) fn locked_out(wait: i64, page: impl FnOnce(&str) -> Response) -> Response {
    let mut res = page(&format!("Too many failed attempts. Try again in {wait} seconds."));
    res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait));
    res
}
