//! serde_json's errors retold in the caller's terms: a JSONPath (`$.manifest.permissions`) and
//! a plain reason ("must be a string"), never a parser's wording, a Rust type name or a
//! line/column position.

use serde_path_to_error::{Path, Segment};
use trestle_domain::manifest::Problem;

/// Longest object key echoed in a path (keys are the caller's input).
const MAX_KEY: usize = 64;

/// The problem a failed deserialization comes to. `path` is where it happened, if known.
pub fn describe(path: Option<&Path>, e: &serde_json::Error) -> Problem {
    use serde_json::error::Category;
    let mut at = String::from("$");
    if let Some(path) = path {
        for seg in path.iter() {
            match seg {
                Segment::Seq { index } => at.push_str(&format!("[{index}]")),
                Segment::Map { key } => push_key(&mut at, key),
                Segment::Enum { variant } => push_key(&mut at, variant),
                Segment::Unknown => {}
            }
        }
    }
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => {
            let reason = if e.classify() == Category::Eof && e.line() == 1 && e.column() == 0 {
                "the request body is empty; send a JSON object"
            } else if e.to_string().starts_with("trailing characters") {
                "the body has more after the JSON value; send exactly one JSON value"
            } else if e.to_string().starts_with("number out of range") {
                "holds a number too large to be any value this API takes"
            } else {
                "the request body is not well-formed JSON"
            };
            Problem {
                path: "$".into(),
                reason: reason.into(),
            }
        }
        Category::Data => {
            let (field, reason) = data_reason(&message_of(e));
            if let Some(f) = field {
                let mut tail = String::new();
                push_key(&mut tail, &f);
                if !at.ends_with(&tail) {
                    at.push_str(&tail);
                }
            }
            Problem { path: at, reason }
        }
    }
}

fn push_key(at: &mut String, key: &str) {
    let plain = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let key = crate::error::shorten(key, MAX_KEY);
    if plain {
        at.push('.');
        at.push_str(&key);
    } else {
        at.push_str(&format!("[{:?}]", key.as_ref()));
    }
}

/// serde_json's message without its " at line L column C" suffix.
fn message_of(e: &serde_json::Error) -> String {
    let full = e.to_string();
    match full.rfind(" at line ") {
        Some(i) => full[..i].to_string(),
        None => full,
    }
}

/// The backticked names in `s` (serde quotes fields and variants as `name`).
fn quoted(s: &str) -> Vec<&str> {
    s.split('`').skip(1).step_by(2).collect()
}

/// For a data error: the field it names (a missing or unknown one), and the reason.
fn data_reason(msg: &str) -> (Option<String>, String) {
    if let Some(rest) = msg.strip_prefix("missing field ") {
        let field = quoted(rest).first().map(|f| f.to_string());
        return (field, "is required".into());
    }
    if let Some(rest) = msg.strip_prefix("unknown field ") {
        let names = quoted(rest);
        let field = names.first().map(|f| f.to_string());
        let known = &names[names.len().min(1)..];
        let reason = if known.is_empty() {
            "is not a field this endpoint takes".to_string()
        } else {
            format!("is not a field this endpoint takes (it takes: {})", known.join(", "))
        };
        return (field, reason);
    }
    if let Some(rest) = msg.strip_prefix("unknown variant ") {
        let names = quoted(rest);
        let allowed = &names[names.len().min(1)..];
        return (None, format!("must be one of: {}", allowed.join(", ")));
    }
    if let Some(rest) = msg.strip_prefix("invalid type: ") {
        let (got, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        return (
            None,
            format!("must be {}, not {}", expected_words(expected), got_words(got)),
        );
    }
    if let Some(rest) = msg.strip_prefix("invalid value: ") {
        let (_, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        return (None, format!("must be {}", expected_words(expected)));
    }
    if msg.starts_with("invalid length ") {
        return (None, "has the wrong number of items".into());
    }
    if msg.starts_with("duplicate field ") {
        let field = quoted(msg).first().map(|f| f.to_string());
        return (field, "is given more than once".into());
    }
    (None, "has a value this endpoint does not take".into())
}

/// What serde expected, in JSON words.
fn expected_words(expected: &str) -> String {
    let e = expected.trim();
    let integer = [
        "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize",
    ];
    if integer.contains(&e) || e.contains("integer") {
        if e.starts_with('u') {
            "a whole number, zero or more".into()
        } else {
            "a whole number".into()
        }
    } else if e == "f32" || e == "f64" || e.contains("number") {
        "a number".into()
    } else if e.contains("string") || e == "char" || e.contains("path") || e.contains("address") {
        "a string".into()
    } else if e.contains("boolean") || e == "bool" {
        "true or false".into()
    } else if e.starts_with("struct ") || e.contains("map") || e.contains("object") {
        "a JSON object".into()
    } else if e.contains("sequence") || e.contains("tuple") || e.contains("array") || e.contains("list") {
        "an array".into()
    } else if e.contains("unit") || e.contains("null") {
        "null".into()
    } else if e.starts_with("one of ") || e.contains("variant") {
        let names = quoted(e);
        if names.is_empty() {
            "one of the accepted values".into()
        } else {
            format!("one of: {}", names.join(", "))
        }
    } else {
        "a value of another type".into()
    }
}

/// What the caller sent, in JSON words (never the value itself).
fn got_words(got: &str) -> &'static str {
    let g = got.trim();
    if g.starts_with("string") || g.starts_with("char") {
        "a string"
    } else if g.starts_with("integer") || g.starts_with("floating point") {
        "a number"
    } else if g.starts_with("boolean") {
        "true/false"
    } else if g == "null" || g == "unit value" || g.starts_with("Option") {
        "null"
    } else if g == "map" {
        "an object"
    } else if g == "sequence" {
        "an array"
    } else {
        "a value of another type"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        count: Option<u32>,
        inner: Option<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        ids: Vec<i64>,
    }

    fn problem(json: &str) -> Problem {
        match crate::extract::parse_json::<Body>(json.as_bytes()) {
            Ok(b) => panic!("accepted {b:?}"),
            Err(e) => e.errors.into_iter().next().unwrap(),
        }
    }

    fn framework_free(p: &Problem) {
        for bad in [
            "line ",
            "column",
            "struct",
            "Body",
            "Inner",
            "u32",
            "i64",
            "expected",
            "`",
            "deserialize",
        ] {
            assert!(!p.reason.contains(bad) && !p.path.contains(bad), "{bad:?} in {p:?}");
        }
    }

    #[test]
    fn each_kind_of_mistake_is_named_in_json_terms() {
        let cases = [
            ("{oops", "$", "not well-formed JSON"),
            ("", "$", "empty"),
            ("{\"name\":\"a\"} x", "$", "more after"),
            ("\"text\"", "$", "must be a JSON object"),
            ("[1]", "$", "must be a JSON object"),
            ("[\"a\", null, null]", "$", "must be a JSON object"),
            ("{\"name\":5}", "$.name", "must be a string, not a number"),
            ("{\"name\":\"a\",\"count\":-1}", "$.count", "zero or more"),
            ("{\"name\":\"a\",\"count\":\"7\"}", "$.count", "must be a whole number"),
            ("{\"name\":\"a\",\"colour\":1}", "$.colour", "not a field"),
            ("{}", "$.name", "is required"),
            (
                "{\"name\":\"a\",\"inner\":{\"ids\":[1,\"x\"]}}",
                "$.inner.ids[1]",
                "whole number",
            ),
            ("{\"name\":\"a\",\"inner\":{}}", "$.inner.ids", "is required"),
            (
                "{\"name\":\"a\",\"inner\":{\"ids\":[1], \"a b\":1}}",
                "$.inner[\"a b\"]",
                "not a field",
            ),
            ("{\"name\":\"a\",\"count\":1e400}", "$", "too large"),
        ];
        for (json, path, reason) in cases {
            let p = problem(json);
            assert_eq!(p.path, path, "{json}: {p:?}");
            assert!(p.reason.contains(reason), "{json}: {p:?}");
            framework_free(&p);
        }
    }

    #[test]
    fn long_keys_are_not_echoed_whole() {
        let key = "k".repeat(10_000);
        let p = problem(&format!("{{\"name\":\"a\",\"{key}\":1}}"));
        assert!(p.path.len() < 100, "{}", p.path.len());
    }
}
