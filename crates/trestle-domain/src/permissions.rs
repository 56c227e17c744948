//! Tool permissions: which tools exist at company and project level, and the four levels.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// A permission level on a tool. Ordered: `None < ReadOnly < Standard < Admin`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    None,
    ReadOnly,
    Standard,
    Admin,
}

impl Level {
    /// Parses a level as written in manifests. `readonly` (Procore's spelling) is accepted
    /// beside `read_only`.
    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "none" => Some(Level::None),
            "read_only" | "readonly" => Some(Level::ReadOnly),
            "standard" => Some(Level::Standard),
            "admin" => Some(Level::Admin),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::ReadOnly => "read_only",
            Level::Standard => "standard",
            Level::Admin => "admin",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a tool lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolScope {
    Company,
    Project,
}

/// Tools that exist at company level. Tools marked `admin_only` accept only `none` or `admin`.
pub const COMPANY_TOOLS: &[(&str, bool)] = &[
    ("admin", true),
    ("app_management", true),
    ("bidding", false),
    ("calendar", false),
    ("checklists", false),
    ("concierge", false),
    ("cost_catalog", false),
    ("directory", false),
    ("documents", false),
    ("erp_integrations", false),
    ("estimating", false),
    ("home", false),
    ("insurance_manager", false),
    ("payments", false),
    ("planroom", false),
    ("portfolio", false),
    ("reports", false),
    ("schedule", false),
    ("timecard", false),
    ("timesheets", false),
    ("workforce_planning", false),
];

/// Tools that exist at project level.
pub const PROJECT_TOOLS: &[(&str, bool)] = &[
    ("admin", true),
    ("bidding", false),
    ("budgeting", false),
    ("change_events", false),
    ("change_orders", false),
    ("commitments", false),
    ("coordination_issues", false),
    ("correspondence", false),
    ("daily_log", false),
    ("directory", false),
    ("documents", false),
    ("drawings", false),
    ("emails", false),
    ("estimating", false),
    ("forms", false),
    ("home", false),
    ("incidents", false),
    ("inspections", false),
    ("instructions", false),
    ("meetings", false),
    ("observations", false),
    ("photos", false),
    ("prime_contracts", false),
    ("punch_list", false),
    ("reports", false),
    ("rfis", false),
    ("schedule", false),
    ("specifications", false),
    ("submittals", false),
    ("tasks", false),
    ("timesheets", false),
    ("transmittals", false),
];

/// Looks a tool up in the catalog of `scope`: `Some(admin_only)` when it exists.
pub fn tool_info(scope: ToolScope, tool: &str) -> Option<bool> {
    let catalog = match scope {
        ToolScope::Company => COMPANY_TOOLS,
        ToolScope::Project => PROJECT_TOOLS,
    };
    catalog
        .iter()
        .find(|(name, _)| *name == tool)
        .map(|(_, admin_only)| *admin_only)
}

/// The levels granted on each tool of one scope. Tools not listed are at `none`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ToolPermissions(pub BTreeMap<String, Level>);

impl ToolPermissions {
    pub fn level(&self, tool: &str) -> Level {
        self.0.get(tool).copied().unwrap_or(Level::None)
    }

    /// Tools whose level in `self` is higher than in `old`: what an upgrade would widen.
    pub fn widened_from(&self, old: &ToolPermissions) -> Vec<(String, Level, Level)> {
        self.0
            .iter()
            .filter(|(tool, level)| **level > old.level(tool))
            .map(|(tool, level)| (tool.clone(), old.level(tool), *level))
            .collect()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("tool permissions always serialize")
    }

    /// Reads permissions stored by [`ToolPermissions::to_json`]. Stored data that no longer
    /// parses grants nothing (fail closed).
    pub fn from_json(s: &str) -> ToolPermissions {
        serde_json::from_str(s).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_ordered_and_parse_both_spellings() {
        assert!(Level::None < Level::ReadOnly);
        assert!(Level::ReadOnly < Level::Standard);
        assert!(Level::Standard < Level::Admin);
        assert_eq!(Level::parse("readonly"), Some(Level::ReadOnly));
        assert_eq!(Level::parse("read_only"), Some(Level::ReadOnly));
        assert_eq!(Level::parse("Read-Only"), None);
    }

    #[test]
    fn widened_lists_only_raised_tools() {
        let old = ToolPermissions([("documents".to_string(), Level::ReadOnly)].into());
        let new = ToolPermissions(
            [
                ("documents".to_string(), Level::Standard),
                ("directory".to_string(), Level::ReadOnly),
                ("home".to_string(), Level::None),
            ]
            .into(),
        );
        let widened = new.widened_from(&old);
        assert_eq!(
            widened,
            vec![
                ("directory".to_string(), Level::None, Level::ReadOnly),
                ("documents".to_string(), Level::ReadOnly, Level::Standard),
            ]
        );
        assert!(old.widened_from(&new).is_empty());
    }

    #[test]
    fn corrupt_stored_permissions_grant_nothing() {
        assert_eq!(ToolPermissions::from_json("{not json").level("documents"), Level::None);
    }
}
