//! A project's descriptive fields (name, number, address) and their limits, checked once here
//! for the management API, the web UI and bulk creation alike.

use crate::manifest::Problem;

/// Longest project name (characters).
pub const NAME_MAX: usize = 200;
/// Longest project number.
pub const NUMBER_MAX: usize = 100;
/// Longest street address.
pub const ADDRESS_MAX: usize = 255;
/// Longest city name.
pub const CITY_MAX: usize = 100;
/// Longest postal code.
pub const ZIP_MAX: usize = 20;
/// Most projects one bulk create may hold.
pub const BULK_MAX: usize = 1000;

/// A project's descriptive fields. Optional fields are `None` when absent or blank.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProjectFields {
    pub name: String,
    pub project_number: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    /// ISO 3166-2 subdivision code without the country (e.g. `CA`), 1 to 3 letters or digits.
    pub state_code: Option<String>,
    /// ISO 3166-1 alpha-2 country code (e.g. `US`).
    pub country_code: Option<String>,
    pub zip: Option<String>,
}

/// Trims `value` and checks it: at most `max` characters, no control characters (a line break
/// or a NUL has no place in a one-line field).
pub fn one_line(path: &str, value: &str, max: usize) -> Result<String, Problem> {
    let v = value.trim();
    let problem = |reason: String| Problem {
        path: path.to_string(),
        reason,
    };
    if v.chars().any(char::is_control) {
        return Err(problem(
            "must not contain control characters (such as line breaks or NUL)".into(),
        ));
    }
    if v.chars().count() > max {
        return Err(problem(format!("must be at most {max} characters")));
    }
    Ok(v.to_string())
}

/// Checks every field; `prefix` is the JSON path of the object (`$`, `$.projects[3]`). Codes come
/// back upper-case, blanks as `None`. Every problem is listed.
pub fn check_fields(prefix: &str, f: &ProjectFields) -> Result<ProjectFields, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut keep = |r: Result<String, Problem>| match r {
        Ok(v) => v,
        Err(p) => {
            problems.push(p);
            String::new()
        }
    };
    let path = |field: &str| format!("{prefix}.{field}");
    let name = keep(one_line(&path("name"), &f.name, NAME_MAX));
    if name.is_empty() && !f.name.chars().any(char::is_control) {
        keep(Err(Problem {
            path: path("name"),
            reason: "must not be empty".into(),
        }));
    }
    let mut optional = |field: &str, v: &Option<String>, max: usize| -> Option<String> {
        let v = v.as_deref()?;
        Some(keep(one_line(&path(field), v, max))).filter(|s| !s.is_empty())
    };
    let project_number = optional("project_number", &f.project_number, NUMBER_MAX);
    let address = optional("address", &f.address, ADDRESS_MAX);
    let city = optional("city", &f.city, CITY_MAX);
    let zip = optional("zip", &f.zip, ZIP_MAX);
    let state_code = optional("state_code", &f.state_code, 3).map(|s| s.to_ascii_uppercase());
    let country_code = optional("country_code", &f.country_code, 2).map(|s| s.to_ascii_uppercase());
    if state_code
        .as_ref()
        .is_some_and(|s| !s.chars().all(|c| c.is_ascii_alphanumeric()))
    {
        problems.push(Problem {
            path: path("state_code"),
            reason: "must be an ISO 3166-2 subdivision code such as CA (1 to 3 letters or digits)".into(),
        });
    }
    if country_code
        .as_ref()
        .is_some_and(|s| s.len() != 2 || !s.chars().all(|c| c.is_ascii_alphabetic()))
    {
        problems.push(Problem {
            path: path("country_code"),
            reason: "must be an ISO 3166-1 alpha-2 country code such as US (2 letters)".into(),
        });
    }
    if problems.is_empty() {
        Ok(ProjectFields {
            name,
            project_number,
            address,
            city,
            state_code,
            country_code,
            zip,
        })
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(name: &str) -> ProjectFields {
        ProjectFields {
            name: name.into(),
            ..Default::default()
        }
    }

    #[test]
    fn trims_uppercases_and_drops_blanks() {
        let f = ProjectFields {
            name: "  Tower  ".into(),
            project_number: Some("  ".into()),
            state_code: Some("ca".into()),
            country_code: Some("us".into()),
            ..Default::default()
        };
        let ok = check_fields("$", &f).unwrap();
        assert_eq!(ok.name, "Tower");
        assert_eq!(ok.project_number, None);
        assert_eq!(ok.state_code.as_deref(), Some("CA"));
        assert_eq!(ok.country_code.as_deref(), Some("US"));
    }

    #[test]
    fn lists_every_problem_with_its_path() {
        let f = ProjectFields {
            name: "".into(),
            city: Some("a\u{0}b".into()),
            zip: Some("1".repeat(ZIP_MAX + 1)),
            country_code: Some("USA".into()),
            state_code: Some("C-".into()),
            ..Default::default()
        };
        let ps = check_fields("$.projects[3]", &f).unwrap_err();
        let paths: Vec<&str> = ps.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "$.projects[3].name",
                "$.projects[3].city",
                "$.projects[3].zip",
                "$.projects[3].country_code",
                "$.projects[3].state_code"
            ]
        );
    }

    #[test]
    fn limits_count_characters_not_bytes() {
        assert!(check_fields("$", &named(&"é".repeat(NAME_MAX))).is_ok());
        assert!(check_fields("$", &named(&"é".repeat(NAME_MAX + 1))).is_err());
        assert!(check_fields("$", &named("line\nbreak")).is_err());
    }
}
