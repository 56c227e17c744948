//! Procore's tag groups → the tool that guards them.
//! STUB (interface commit): the catalog helper replaces this with the full table.

use super::OpScope;
use crate::tool::Tool;

/// `(tag group, tool at company scope, tool at project scope)`: the group is a tag's first two
/// segments, e.g. `"Project Management/RFI"`.
pub const TAG_GROUPS: &[(&str, Option<Tool>, Option<Tool>)] = &[];

/// The tool that guards an operation with this tag at this scope (`None` for platform scope).
pub fn tool_of_tag(_tag: &str, _scope: OpScope) -> Option<Tool> {
    None
}
