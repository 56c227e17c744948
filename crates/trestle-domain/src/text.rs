//! Bounded text: every string a caller can send has a kind, and each kind a maximum length
//! (in characters) and a rule for control characters. Single-line kinds (names, e-mail
//! addresses, titles, codes, URLs) refuse every control character — NUL, tabs, line breaks,
//! escape sequences — and the invisible bidirectional overrides that make text read differently
//! from what it is; multi-line kinds (notes, reasons) allow line breaks and tabs only.
//!
//! Checked here, before anything is stored, so stored input can never inflate later responses.
//! The management API's OpenAPI document states the same limits (`maxLength`).

use serde::{Deserialize, Serialize};
use std::fmt;

/// A kind of text: how long it may be and whether it may span lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Text {
    /// Maximum length in characters (Unicode scalar values).
    pub max: usize,
    /// Line breaks and tabs allowed (multi-line text such as notes).
    pub multiline: bool,
}

impl Text {
    pub const fn line(max: usize) -> Text {
        Text { max, multiline: false }
    }
    pub const fn lines(max: usize) -> Text {
        Text { max, multiline: true }
    }
}

/// A person's, company's or project's name; a traditional service account's name.
pub const NAME: Text = Text::line(200);
/// An app's name.
pub const APP_NAME: Text = Text::line(100);
/// An e-mail address (RFC 5321's limit).
pub const EMAIL: Text = Text::line(254);
/// A password (long enough for any passphrase, short enough to hash cheaply).
pub const PASSWORD: Text = Text::line(1_000);
/// An API token's label.
pub const LABEL: Text = Text::line(100);
/// A project number, state, country or postal code.
pub const CODE: Text = Text::line(100);
/// A street address or city.
pub const ADDRESS: Text = Text::line(300);
/// A URL (redirect URIs, instruction pages).
pub const URL: Text = Text::line(2_000);
/// A document's (folder's or file's) name.
pub const DOCUMENT_NAME: Text = Text::line(255);
/// A version string such as `1.2.0`.
pub const VERSION: Text = Text::line(100);
/// An App Version ID or a sandbox version key.
pub const KEY: Text = Text::line(100);
/// A free-text reason (e.g. an app's suspension), may span lines.
pub const REASON: Text = Text::lines(500);
/// Notes such as post-installation instructions, may span lines.
pub const NOTES: Text = Text::lines(10_000);
/// A search term.
pub const SEARCH: Text = Text::line(200);
/// An OAuth `state`: opaque to the server, but it comes back in a redirect's `Location`
/// (RFC 6749 Appendix A.5 allows only visible ASCII and spaces).
pub const STATE: Text = Text::line(1_000);

/// Characters that make text display differently from what it is (bidirectional overrides
/// and isolates).
fn invisible_override(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Why `value` is not acceptable as `kind`, if it is not (emptiness is not checked here).
pub fn refusal(value: &str, kind: Text) -> Option<String> {
    if value.chars().count() > kind.max {
        return Some(format!("must be at most {} characters", kind.max));
    }
    let bad = value.chars().find(|&c| {
        if kind.multiline && matches!(c, '\n' | '\r' | '\t') {
            return false;
        }
        c.is_control() || invisible_override(c)
    });
    match bad {
        None => None,
        Some('\0') => Some("must not contain NUL characters".into()),
        Some('\n' | '\r') => Some("must be a single line".into()),
        Some(c) if c.is_control() => Some(format!(
            "must not contain control characters (found U+{:04X})",
            c as u32
        )),
        Some(c) => Some(format!(
            "must not contain invisible text-direction characters (found U+{:04X})",
            c as u32
        )),
    }
}

/// Whether `s` can be a database value at all (PostgreSQL's text takes no NUL): a lookup of a
/// value that cannot be stored is a lookup of nothing.
pub fn storable(s: &str) -> bool {
    !s.contains('\0')
}

/// A file's content: any text but NUL (no database column stores it), at most this many bytes.
pub const MAX_CONTENT_BYTES: usize = 1_000_000;

/// Why `data` is not acceptable as a file's content, if it is not.
pub fn content_refusal(data: &str) -> Option<String> {
    if data.len() > MAX_CONTENT_BYTES {
        Some("must be at most 1,000,000 bytes".into())
    } else if data.contains('\0') {
        Some("must not contain NUL characters".into())
    } else {
        None
    }
}

/// Checks `value` as `kind` at `path` (a JSONPath such as `$.name`).
pub fn check(path: &str, value: &str, kind: Text) -> Result<(), Problem> {
    match refusal(value, kind) {
        None => Ok(()),
        Some(reason) => Err(Problem {
            path: path.into(),
            reason,
        }),
    }
}

/// Collects the problems of several fields, so a request learns every one at once.
#[derive(Debug, Default)]
pub struct Fields {
    pub problems: Vec<Problem>,
}

impl Fields {
    pub fn new() -> Fields {
        Fields::default()
    }

    /// A required field: trimmed, not empty, then checked. Returns the trimmed value.
    pub fn required(&mut self, path: &str, value: &str, kind: Text) -> String {
        let v = value.trim();
        if v.is_empty() {
            self.add(path, "must not be empty");
        } else {
            self.check(path, v, kind);
        }
        v.to_string()
    }

    /// An optional field: trimmed; empty means absent. Returns the trimmed value, if any.
    pub fn optional(&mut self, path: &str, value: Option<&str>, kind: Text) -> Option<String> {
        let v = value.map(str::trim).filter(|v| !v.is_empty())?;
        self.check(path, v, kind);
        Some(v.to_string())
    }

    /// Checks `value` as it is (not trimmed; may be empty).
    pub fn check(&mut self, path: &str, value: &str, kind: Text) {
        if let Err(p) = check(path, value, kind) {
            self.problems.push(p);
        }
    }

    pub fn add(&mut self, path: &str, reason: impl Into<String>) {
        self.problems.push(Problem {
            path: path.into(),
            reason: reason.into(),
        });
    }

    /// `Ok` when no field had a problem, else every problem.
    pub fn finish(self) -> Result<(), Vec<Problem>> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(self.problems)
        }
    }
}

/// One problem with an input: where (a JSONPath such as `$.permissions.company.foo`) and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub path: String,
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_count_characters_not_bytes() {
        assert_eq!(refusal(&"é".repeat(100), APP_NAME), None);
        assert!(refusal(&"é".repeat(101), APP_NAME).unwrap().contains("at most 100"));
    }

    #[test]
    fn single_lines_refuse_every_control_character() {
        for bad in [
            "a\0b",
            "a\nb",
            "a\rb",
            "a\tb",
            "a\u{1b}[31mb",
            "a\u{7f}",
            "a\u{85}b",
            "a\u{202E}b",
            "a\u{2066}b",
        ] {
            assert!(refusal(bad, NAME).is_some(), "{bad:?}");
        }
        assert_eq!(refusal("Zoë Ångström-Ōta (北京)", NAME), None);
        assert!(refusal("a\0", NAME).unwrap().contains("NUL"));
        assert!(refusal("a\nb", NAME).unwrap().contains("single line"));
    }

    #[test]
    fn multiline_text_allows_line_breaks_and_tabs_only() {
        assert_eq!(refusal("one\r\ntwo\n\tthree", NOTES), None);
        assert!(refusal("one\0two", NOTES).is_some());
        assert!(refusal("one\u{1b}two", NOTES).is_some());
    }

    #[test]
    fn fields_collect_every_problem() {
        let mut f = Fields::new();
        assert_eq!(f.required("$.name", "  Acme  ", NAME), "Acme");
        f.required("$.empty", "   ", NAME);
        assert_eq!(f.optional("$.zip", Some(" "), CODE), None);
        f.optional("$.city", Some(&"x".repeat(301)), ADDRESS);
        f.check("$.label", "a\0", LABEL);
        let problems = f.finish().unwrap_err();
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["$.empty", "$.city", "$.label"]);
    }
}
