//! App versions: SemVer 2.0.0 strings, compared by their *precedence* (§11).
//!
//! Precedence ignores build metadata: `1.0.0+a` and `1.0.0+b` are the same version (the second
//! "already exists"), and neither is newer than the other. Pre-releases order below their
//! release (`1.0.0-rc.1 < 1.0.0`), identifiers compare numerically when they are digits only,
//! numeric identifiers order below alphanumeric ones, and a longer identifier list wins when
//! the shared part is equal. Nothing here compares version strings as text.

use std::cmp::Ordering;

pub use semver::Version;

/// The longest version string accepted (a version is a label, not a document).
pub const MAX_VERSION_LEN: usize = 100;

/// Parses a strict `MAJOR.MINOR.PATCH` semantic version (pre-release and build tags allowed).
pub fn parse_version(s: &str) -> Result<Version, String> {
    if s.len() > MAX_VERSION_LEN {
        return Err(format!("is longer than {MAX_VERSION_LEN} characters"));
    }
    Version::parse(s).map_err(|_| {
        // The value as typed (control characters shown as `?`), cut short; the reason in our
        // words, never the parser's (it names Rust types such as `u64::MAX`).
        let mut shown: String = s
            .chars()
            .take(40)
            .map(|c| if c.is_control() { '?' } else { c })
            .collect();
        if s.chars().count() > 40 {
            shown.push('…');
        }
        format!(
            "\"{shown}\" is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.0.0 or 1.1.0-rc.1): {}",
            why_not(s)
        )
    })
}

/// Why `s` is not a SemVer 2.0.0 version, in a few words.
fn why_not(s: &str) -> &'static str {
    let identifiers_ok = |part: &str| {
        part.split('.')
            .all(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    };
    let (rest, build) = match s.split_once('+') {
        Some((r, b)) => (r, Some(b)),
        None => (s, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (rest, None),
    };
    let numbers: Vec<&str> = core.split('.').collect();
    if numbers.len() != 3 {
        return "it needs exactly three numbers separated by dots";
    }
    if numbers
        .iter()
        .any(|n| n.is_empty() || !n.chars().all(|c| c.is_ascii_digit()))
    {
        return "MAJOR, MINOR and PATCH must be whole numbers";
    }
    if numbers.iter().any(|n| n.len() > 1 && n.starts_with('0')) {
        return "MAJOR, MINOR and PATCH must not have leading zeros";
    }
    if numbers.iter().any(|n| n.parse::<u64>().is_err()) {
        return "a number is too large";
    }
    if let Some(pre) = pre {
        if !identifiers_ok(pre) {
            return "the pre-release part (after -) must be dot-separated identifiers of ASCII letters, digits and hyphens";
        }
        if pre
            .split('.')
            .any(|id| id.len() > 1 && id.starts_with('0') && id.chars().all(|c| c.is_ascii_digit()))
        {
            return "a numeric pre-release identifier must not have leading zeros";
        }
    }
    if let Some(build) = build {
        if !identifiers_ok(build) {
            return "the build metadata (after +) must be dot-separated identifiers of ASCII letters, digits and hyphens";
        }
    }
    "it is not of the form MAJOR.MINOR.PATCH[-pre-release][+build]"
}

/// SemVer §11 precedence: build metadata is ignored.
pub fn precedence(a: &Version, b: &Version) -> Ordering {
    a.cmp_precedence(b)
}

/// The version with the highest precedence (the first one seen among equals).
pub fn newest<'a>(versions: impl IntoIterator<Item = &'a Version>) -> Option<&'a Version> {
    versions.into_iter().fold(None, |best: Option<&Version>, v| match best {
        Some(b) if precedence(v, b) != Ordering::Greater => Some(b),
        _ => Some(v),
    })
}

/// Why a new version number is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NewVersionRefused {
    /// A version of the same precedence exists (it may differ in build metadata only).
    Exists { existing: String },
    /// The new version orders below the newest one.
    NotNewer { newest: String },
}

/// A new version must order above every existing version of the app (the existing ones as
/// stored; unreadable ones are skipped).
pub fn check_new_version<'a>(
    new: &Version,
    existing: impl IntoIterator<Item = &'a str>,
) -> Result<(), NewVersionRefused> {
    let parsed: Vec<(Version, &str)> = existing
        .into_iter()
        .filter_map(|s| Version::parse(s).ok().map(|v| (v, s)))
        .collect();
    if let Some((_, s)) = parsed.iter().find(|(v, _)| precedence(v, new) == Ordering::Equal) {
        return Err(NewVersionRefused::Exists {
            existing: s.to_string(),
        });
    }
    match newest(parsed.iter().map(|(v, _)| v)) {
        Some(top) if precedence(new, top) != Ordering::Greater => Err(NewVersionRefused::NotNewer {
            newest: top.to_string(),
        }),
        _ => Ok(()),
    }
}

/// Whether promoting `promoted` offers an update to a company running `installed`. Promotion
/// never moves a company down (or sideways): only a version of higher precedence is offered.
pub fn offers_update(installed: &Version, promoted: &Version) -> bool {
    precedence(promoted, installed) == Ordering::Greater
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    fn v(s: &str) -> Version {
        parse_version(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn parses_only_strict_semver() {
        for ok in [
            "0.1.0",
            "1.0.0",
            "1.0.0-rc.1",
            "1.0.0+build.7",
            "1.0.0-alpha-1.x+001",
            "10.20.30",
        ] {
            assert!(parse_version(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "1",
            "1.0",
            "v1.0.0",
            "1.0.0.0",
            " 1.0.0",
            "1.0.0 ",
            "01.0.0",
            "1.0.0-01",
            "1.0.0-",
            "1.0.0+",
            "1.0.0-a..b",
            "1.0.0\0",
            "1.0.0-é",
            "99999999999999999999.0.0",
        ] {
            assert!(parse_version(bad).is_err(), "{bad:?} must be refused");
        }
        let long = format!("1.0.0-{}", "a".repeat(MAX_VERSION_LEN));
        assert!(parse_version(&long).unwrap_err().contains("longer than"));
        assert!(
            !parse_version("1.0.0\u{7}").unwrap_err().contains('\u{7}'),
            "control characters are not echoed"
        );
        // the reason is in our words, never the parser's
        for (bad, why) in [
            ("1.0", "exactly three numbers"),
            ("1.0.x", "whole numbers"),
            ("01.0.0", "leading zeros"),
            ("99999999999999999999.0.0", "too large"),
            ("1.0.0-", "pre-release part"),
            ("1.0.0-é", "pre-release part"),
            ("1.0.0-01", "leading zeros"),
            ("1.0.0+", "build metadata"),
            ("1.0.0+a+b", "build metadata"),
        ] {
            let e = parse_version(bad).unwrap_err();
            assert!(e.contains(why), "{bad:?}: {e}");
            for parser in ["u64", "unexpected", "segment", "\\u{"] {
                assert!(!e.contains(parser), "{bad:?}: {e}");
            }
        }
        assert!(parse_version("1.0.0-é").unwrap_err().contains("\"1.0.0-é\""));
    }

    /// SemVer 2.0.0 §11, case by case.
    #[test]
    fn precedence_follows_semver_11() {
        let table: &[(&str, &str, Ordering)] = &[
            // 11.2: major, minor, patch numerically
            ("1.0.0", "2.0.0", Less),
            ("2.0.0", "2.1.0", Less),
            ("2.1.0", "2.1.1", Less),
            ("1.9.0", "1.10.0", Less),
            ("1.0.10", "1.0.9", Greater),
            // 11.3: a pre-release orders below its release
            ("1.0.0-alpha", "1.0.0", Less),
            ("1.0.0-rc.99", "1.0.0", Less),
            ("1.0.0", "1.0.1-alpha", Less),
            // 11.4: the spec's own chain
            ("1.0.0-alpha", "1.0.0-alpha.1", Less),
            ("1.0.0-alpha.1", "1.0.0-alpha.beta", Less),
            ("1.0.0-alpha.beta", "1.0.0-beta", Less),
            ("1.0.0-beta", "1.0.0-beta.2", Less),
            ("1.0.0-beta.2", "1.0.0-beta.11", Less),
            ("1.0.0-beta.11", "1.0.0-rc.1", Less),
            ("1.0.0-rc.1", "1.0.0", Less),
            // 11.4.1: digits compare numerically, even beyond 64 bits
            ("1.0.0-2", "1.0.0-10", Less),
            ("1.0.0-99999999999999999999", "1.0.0-100000000000000000000", Less),
            // 11.4.3: numeric below alphanumeric
            ("1.0.0-1", "1.0.0-a", Less),
            ("1.0.0-999", "1.0.0-0a", Less),
            // 11.4.2: alphanumeric in ASCII order (uppercase before lowercase, hyphen before digits)
            ("1.0.0-Beta", "1.0.0-alpha", Less),
            ("1.0.0-a-b", "1.0.0-a0", Less),
            // 11.4.4: more identifiers win when the shared ones are equal
            ("1.0.0-a.b", "1.0.0-a.b.c", Less),
            // §10: build metadata is ignored
            ("1.0.0+a", "1.0.0+b", Equal),
            ("1.0.0+zzz", "1.0.0", Equal),
            ("1.0.0-rc.1+build.2", "1.0.0-rc.1+build.1", Equal),
            ("1.0.0+999", "1.0.1+000", Less),
            ("1.0.0-rc.1+z", "1.0.0+a", Less),
        ];
        for (a, b, want) in table {
            assert_eq!(precedence(&v(a), &v(b)), *want, "{a} vs {b}");
            assert_eq!(precedence(&v(b), &v(a)), want.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn newest_is_by_precedence_and_keeps_the_first_of_equals() {
        let vs: Vec<Version> = ["1.0.0+b", "1.0.0-rc.9", "1.0.0+a", "0.9.0"]
            .iter()
            .map(|s| v(s))
            .collect();
        assert_eq!(newest(&vs).unwrap().to_string(), "1.0.0+b");
        assert!(newest(&[]).is_none());
    }

    #[test]
    fn a_new_version_must_be_newer_than_all_and_not_exist() {
        use NewVersionRefused::*;
        let existing = ["1.0.0+build.1", "1.1.0-rc.1", "not a version"];
        let table: &[(&str, Result<(), NewVersionRefused>)] = &[
            ("1.1.0", Ok(())),
            ("1.1.0-rc.2", Ok(())),
            ("2.0.0+anything", Ok(())),
            (
                "1.1.0-rc.1",
                Err(Exists {
                    existing: "1.1.0-rc.1".into(),
                }),
            ),
            (
                "1.1.0-rc.1+other",
                Err(Exists {
                    existing: "1.1.0-rc.1".into(),
                }),
            ),
            (
                "1.0.0",
                Err(Exists {
                    existing: "1.0.0+build.1".into(),
                }),
            ),
            (
                "1.0.0+build.2",
                Err(Exists {
                    existing: "1.0.0+build.1".into(),
                }),
            ),
            (
                "1.1.0-beta",
                Err(NotNewer {
                    newest: "1.1.0-rc.1".into(),
                }),
            ),
            (
                "1.0.1-rc.1",
                Err(NotNewer {
                    newest: "1.1.0-rc.1".into(),
                }),
            ),
            (
                "0.9.0",
                Err(NotNewer {
                    newest: "1.1.0-rc.1".into(),
                }),
            ),
        ];
        for (new, want) in table {
            assert_eq!(&check_new_version(&v(new), existing), want, "{new}");
        }
        assert_eq!(check_new_version(&v("0.0.1"), []), Ok(()));
    }

    #[test]
    fn promotion_offers_only_upgrades() {
        let table: &[(&str, &str, bool)] = &[
            // (installed, promoted, offered)
            ("1.0.0", "1.1.0", true),
            ("1.0.0-rc.1", "1.0.0", true),
            ("1.0.0-beta.2", "1.0.0-beta.11", true),
            ("1.1.0", "1.0.0", false),
            ("2.0.0", "1.5.0", false),
            ("1.0.0", "1.0.0-rc.1", false),
            ("1.0.0+a", "1.0.0+b", false),
            ("1.0.0", "1.0.0", false),
        ];
        for (installed, promoted, want) in table {
            assert_eq!(
                offers_update(&v(installed), &v(promoted)),
                *want,
                "{installed} -> {promoted}"
            );
        }
    }
}
