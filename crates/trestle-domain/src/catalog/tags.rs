//! Procore's tag groups → the tool that guards them.
//!
//! Procore tags every operation `<Category>/<Tool group>/<sub-tag>`; the group (the first two
//! segments) decides the tool. Groups whose tool exists at only one scope map the other scope
//! to the nearest tool, or to Admin. To map a new group, add one line (alphabetical); the tests
//! check that every tool named exists at its scope and that every group of the data is here.

use super::OpScope;
use crate::tool::Tool::{self, *};

/// `(tag group, tool at company scope, tool at project scope)`: the group is a tag's first two
/// segments, e.g. `"Project Management/RFI"`. `None` only for the platform groups.
pub const TAG_GROUPS: &[(&str, Option<Tool>, Option<Tool>)] = &[
    ("Company Admin/Company Settings", Some(Admin), Some(Admin)),
    ("Company Admin/Custom - Configurable Tools", Some(Admin), Some(Admin)),
    ("Company Admin/Project-Level Configuration", Some(Admin), Some(Admin)),
    ("Company Admin/Users & Permissions", Some(Permissions), Some(Admin)),
    ("Construction Financials/Budget", Some(Admin), Some(Budgeting)),
    ("Construction Financials/Change Events", Some(Admin), Some(ChangeEvents)),
    ("Construction Financials/Change Orders", Some(Admin), Some(ChangeOrders)),
    ("Construction Financials/Commitments", Some(Admin), Some(Commitments)),
    ("Construction Financials/Contracts", Some(Admin), Some(PrimeContracts)),
    (
        "Construction Financials/Currency Configurations",
        Some(Admin),
        Some(Admin),
    ),
    ("Construction Financials/Direct Costs", Some(Admin), Some(DirectCosts)),
    ("Construction Financials/Invoices", Some(Payments), Some(Invoicing)),
    ("Construction Financials/Payments", Some(Payments), Some(Invoicing)),
    (
        "Construction Financials/Prime Contracts",
        Some(Admin),
        Some(PrimeContracts),
    ),
    ("Construction Financials/Tax", Some(Admin), Some(Admin)),
    ("Construction Financials/Units of Measure", Some(Admin), Some(Admin)),
    (
        "Construction Financials/Work Breakdown Structure",
        Some(Admin),
        Some(Budgeting),
    ),
    ("Core/Directory", Some(Directory), Some(Directory)),
    ("Core/Documents", Some(Documents), Some(Documents)),
    ("Core/Equipment", Some(Equipment), Some(Equipment)),
    ("Core/File Access & Storage", Some(Documents), Some(Documents)),
    ("Core/Portfolio", Some(Portfolio), Some(Home)),
    ("Core/Project", Some(Home), Some(Home)),
    ("Core/Tasks", Some(Admin), Some(Tasks)),
    ("Core/Telematics", Some(Equipment), Some(Equipment)),
    ("Core/Workflows", Some(Admin), Some(Admin)),
    (
        "Platform - Developer Tools/App Marketplace",
        Some(AppManagement),
        Some(Admin),
    ),
    ("Platform - Developer Tools/Authentication", None, None),
    ("Platform - Developer Tools/Platform Services", None, None),
    ("Platform - Developer Tools/Webhooks", Some(Webhooks), Some(Webhooks)),
    ("Preconstruction/BIM", Some(Admin), Some(Models)),
    ("Preconstruction/Bid Board", Some(BidBoard), Some(Bidding)),
    ("Preconstruction/Bid Management", Some(Bidding), Some(Bidding)),
    ("Preconstruction/Cost Catalog", Some(CostCatalog), Some(Estimating)),
    ("Preconstruction/Estimating", Some(Estimating), Some(Estimating)),
    ("Procore Helix/Reports", Some(Reports), Some(Reports)),
    ("Project Management/Action Plans", Some(Admin), Some(ActionPlans)),
    (
        "Project Management/Coordination Issues",
        Some(Admin),
        Some(CoordinationIssues),
    ),
    ("Project Management/Daily Log", Some(Admin), Some(DailyLog)),
    ("Project Management/Document Markup", Some(Documents), Some(Drawings)),
    ("Project Management/Drawings", Some(Admin), Some(Drawings)),
    ("Project Management/Emails", Some(Admin), Some(Emails)),
    (
        "Project Management/Field Productivity",
        Some(Timecard),
        Some(Timesheets),
    ),
    ("Project Management/Forms", Some(Admin), Some(Forms)),
    ("Project Management/Incidents", Some(Admin), Some(Incidents)),
    ("Project Management/Inspections", Some(Checklists), Some(Inspections)),
    ("Project Management/Meetings", Some(Admin), Some(Meetings)),
    ("Project Management/Observations", Some(Admin), Some(Observations)),
    ("Project Management/Photos", Some(Admin), Some(Photos)),
    ("Project Management/Punch List", Some(Admin), Some(PunchList)),
    ("Project Management/RFI", Some(Admin), Some(Rfis)),
    ("Project Management/Schedule (Legacy)", Some(Schedule), Some(Schedule)),
    ("Project Management/Scheduling", Some(Schedule), Some(Schedule)),
    ("Project Management/Specifications", Some(Admin), Some(Specifications)),
    ("Project Management/Submittals", Some(Admin), Some(Submittals)),
    (
        "Resource Management/Resource Planning",
        Some(ResourcePlanning),
        Some(Admin),
    ),
];

/// A tag's group: its first two `/`-separated segments.
pub(super) fn group_of(tag: &str) -> &str {
    match tag.match_indices('/').nth(1) {
        Some((i, _)) => &tag[..i],
        None => tag,
    }
}

/// Whether the tag's group has no tool (OAuth and platform services).
pub(super) fn is_platform_tag(tag: &str) -> bool {
    let group = group_of(tag);
    TAG_GROUPS
        .iter()
        .any(|(g, c, p)| *g == group && c.is_none() && p.is_none())
}

/// The tool that guards an operation with this tag at this scope (`None` for platform scope
/// and for a tag whose group is not in [`TAG_GROUPS`]).
pub fn tool_of_tag(tag: &str, scope: OpScope) -> Option<Tool> {
    let group = group_of(tag);
    let (_, company, project) = TAG_GROUPS.iter().find(|(g, _, _)| *g == group)?;
    match scope {
        OpScope::Company => *company,
        OpScope::Project => *project,
        OpScope::Platform => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tool::{Offered, ToolScope};

    #[test]
    fn every_tool_exists_at_its_scope() {
        assert_eq!(TAG_GROUPS.len(), 56);
        for (group, company, project) in TAG_GROUPS {
            for (tool, scope) in [(company, ToolScope::Company), (project, ToolScope::Project)] {
                if let Some(t) = tool {
                    assert_ne!(t.def().at(scope), Offered::No, "{group}: {t} at {scope:?}");
                }
            }
            assert_eq!(company.is_none(), project.is_none(), "{group}");
        }
        assert!(
            TAG_GROUPS.windows(2).all(|w| w[0].0 < w[1].0),
            "groups sorted and unique"
        );
    }

    #[test]
    fn tags_resolve_by_group() {
        assert_eq!(group_of("Project Management/RFI/rfis"), "Project Management/RFI");
        assert_eq!(group_of("Core/Project"), "Core/Project");
        assert_eq!(
            tool_of_tag("Project Management/RFI/replies", OpScope::Project),
            Some(Tool::Rfis)
        );
        assert_eq!(
            tool_of_tag("Project Management/RFI/replies", OpScope::Company),
            Some(Tool::Admin)
        );
        assert_eq!(
            tool_of_tag(
                "Project Management/Field Productivity/timecard-entries",
                OpScope::Company
            ),
            Some(Tool::Timecard)
        );
        assert_eq!(tool_of_tag("Project Management/RFI/rfis", OpScope::Platform), None);
        assert_eq!(tool_of_tag("Nowhere/Else/x", OpScope::Project), None);
        assert!(is_platform_tag(
            "Platform - Developer Tools/Authentication/authentication"
        ));
        assert!(!is_platform_tag("Platform - Developer Tools/Webhooks/hooks"));
    }
}
