//! What an answer may carry back to a caller, the same on every surface (the JSON APIs and the
//! web UI's pages): the status class and code of a use-case error, the message a caller may
//! see (internal details are logged, never returned), echoed input cut short, and URLs made
//! fit for a response header.

use crate::CoreError;
use std::borrow::Cow;
use trestle_domain::manifest::Problem;

impl CoreError {
    /// The HTTP status and machine-readable code of this error.
    pub fn status(&self) -> (u16, &'static str) {
        match self {
            CoreError::Unauthenticated(_) => (401, "unauthorized"),
            CoreError::Forbidden(_) => (403, "forbidden"),
            CoreError::NotFound(_) => (404, "not_found"),
            CoreError::Invalid { .. } => (422, "invalid"),
            CoreError::BadRequest(_) => (400, "bad_request"),
            CoreError::Conflict(_) => (409, "conflict"),
            CoreError::Unavailable(_) => (503, "unavailable"),
            CoreError::Internal(_) => (500, "internal_error"),
        }
    }

    /// The message a caller may see: internal details are logged, never returned.
    pub fn public_message(&self) -> String {
        match self {
            CoreError::Internal(detail) => {
                tracing::error!(error = %detail, "internal error");
                "something went wrong; the error has been logged".to_string()
            }
            CoreError::Unavailable(detail) => {
                tracing::warn!(error = %detail, "database unavailable");
                "the service is temporarily unavailable; retry shortly".to_string()
            }
            other => other.to_string(),
        }
    }
}

/// `s` cut to at most `max` characters (an echo of the caller's input stays small).
pub fn shorten(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => s.into(),
        Some((at, _)) => format!("{}…", &s[..at]).into(),
    }
}

/// Longest message, problem path or reason an error answer carries: they may quote the
/// caller's input (an unknown key, a refused value), which must never inflate the answer.
pub const MAX_ECHO: usize = 300;

/// Most problems one error answer lists.
pub const MAX_PROBLEMS: usize = 100;

/// `problems` as an answer carries them: at most [`MAX_PROBLEMS`], each path and reason cut to
/// [`MAX_ECHO`] characters.
pub fn bounded(mut problems: Vec<Problem>) -> Vec<Problem> {
    problems.truncate(MAX_PROBLEMS);
    for p in &mut problems {
        if let Cow::Owned(s) = shorten(&p.path, MAX_ECHO) {
            p.path = s;
        }
        if let Cow::Owned(s) = shorten(&p.reason, MAX_ECHO) {
            p.reason = s;
        }
    }
    problems
}

/// `s` with every byte outside a plain URL path and query (letters, digits, `-._~/?=&+%:@!$*()`)
/// percent-encoded: fit for `Location` and `Link`, where `<>";,'`, spaces or non-ASCII text of a
/// request must never appear as sent.
pub fn header_safe(s: &str) -> String {
    let plain = |b: u8| b.is_ascii_alphanumeric() || b"-._~/?=&+%:@!$*()".contains(&b);
    if s.bytes().all(plain) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 16);
    for b in s.bytes() {
        if plain(b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::header_safe;

    #[test]
    fn header_safe_encodes_what_is_not_plain() {
        assert_eq!(header_safe("/ui/apps/3?done=x&y=1"), "/ui/apps/3?done=x&y=1");
        assert_eq!(header_safe("/ui/a\"<b>; c,'é"), "/ui/a%22%3Cb%3E%3B%20c%2C%27%C3%A9");
        assert_eq!(header_safe("/ui/%41"), "/ui/%41");
    }
}
