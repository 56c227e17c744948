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

use crate::tool::Offered;
pub use crate::tool::{Tool, ToolScope, COMPANY_TOOLS, PROJECT_TOOLS};

/// Looks a tool up in the catalog of `scope`: `Some(admin_only)` when it exists.
pub fn tool_info(scope: ToolScope, tool: &str) -> Option<bool> {
    Tool::at(scope, tool).map(|(_, offered)| offered == Offered::AdminOnly)
}

/// The levels granted on each tool of one scope. Tools not listed are at `none`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ToolPermissions(pub BTreeMap<String, Level>);

impl ToolPermissions {
    pub fn level(&self, tool: &str) -> Level {
        self.0.get(tool).copied().unwrap_or(Level::None)
    }

    /// The level granted on a tool of the catalog.
    pub fn level_of(&self, tool: Tool) -> Level {
        self.level(tool.name())
    }

    /// Whether `self` grants at least `needed`'s level on every tool `needed` lists.
    pub fn covers(&self, needed: &ToolPermissions) -> bool {
        needed.0.iter().all(|(tool, level)| self.level(tool) >= *level)
    }

    /// The tools granted above `none`, with their levels, in name order.
    pub fn granted(&self) -> impl Iterator<Item = (&String, &Level)> {
        self.0.iter().filter(|(_, l)| **l > Level::None)
    }

    /// Tools whose level in `self` is higher than in `old`: what an upgrade would widen.
    pub fn widened_from(&self, old: &ToolPermissions) -> Vec<(String, Level, Level)> {
        self.0
            .iter()
            .filter(|(tool, level)| **level > old.level(tool))
            .map(|(tool, level)| (tool.clone(), old.level(tool), *level))
            .collect()
    }

    /// Every tool whose level differs between `self` and `to`, in name order.
    pub fn changes_to(&self, to: &ToolPermissions) -> Vec<ToolChange> {
        let mut tools: Vec<&String> = self.0.keys().chain(to.0.keys()).collect();
        tools.sort();
        tools.dedup();
        tools
            .into_iter()
            .filter(|t| self.level(t) != to.level(t))
            .map(|t| ToolChange {
                tool: t.clone(),
                from: self.level(t),
                to: to.level(t),
            })
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

/// One tool whose level differs between two sets of permissions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolChange {
    pub tool: String,
    pub from: Level,
    pub to: Level,
}

impl ToolChange {
    /// Whether the change grants more than before (an installed company must approve it).
    pub fn widens(&self) -> bool {
        self.to > self.from
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
    fn covers_changes_and_granted() {
        let p = |v: &[(&str, Level)]| ToolPermissions(v.iter().map(|(t, l)| (t.to_string(), *l)).collect());
        let granted = p(&[("documents", Level::Standard), ("directory", Level::ReadOnly)]);
        let cases = [
            (p(&[]), true),
            (p(&[("documents", Level::ReadOnly)]), true),
            (p(&[("documents", Level::Standard)]), true),
            (p(&[("documents", Level::Admin)]), false),
            (p(&[("directory", Level::ReadOnly), ("rfis", Level::None)]), true),
            (p(&[("rfis", Level::ReadOnly)]), false),
        ];
        for (needed, want) in cases {
            assert_eq!(granted.covers(&needed), want, "{needed:?}");
        }
        let to = p(&[("documents", Level::Admin), ("home", Level::None)]);
        let changes = granted.changes_to(&to);
        assert_eq!(
            changes,
            vec![
                ToolChange {
                    tool: "directory".into(),
                    from: Level::ReadOnly,
                    to: Level::None
                },
                ToolChange {
                    tool: "documents".into(),
                    from: Level::Standard,
                    to: Level::Admin
                },
            ]
        );
        assert_eq!(
            changes.iter().map(ToolChange::widens).collect::<Vec<_>>(),
            [false, true]
        );
        let listed: Vec<_> = to.granted().map(|(t, _)| t.as_str()).collect();
        assert_eq!(listed, ["documents"]);
        assert_eq!(to.level_of(crate::tool::Tool::Documents), Level::Admin);
    }

    #[test]
    fn corrupt_stored_permissions_grant_nothing() {
        assert_eq!(ToolPermissions::from_json("{not json").level("documents"), Level::None);
    }
}
