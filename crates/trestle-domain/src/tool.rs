//! The tool catalog: every Procore tool Trestle knows, with the scopes it exists at and the
//! levels it accepts there. One table ([`CATALOG`]) is the only place a tool's name is written;
//! code names tools as [`Tool`] values, manifests and stored permissions as the names.
//!
//! To add a tool, add one line to the `catalog!` invocation below (kept in alphabetical order
//! of names, so the derived per-scope lists are alphabetical too).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Where a tool lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolScope {
    Company,
    Project,
}

/// Whether a tool exists at one scope, and which levels it accepts there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Offered {
    /// The tool does not exist at this scope.
    No,
    /// Every level: `none`, `read_only`, `standard`, `admin`.
    Levels,
    /// Only `none` or `admin`.
    AdminOnly,
}

/// One line of the catalog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ToolDef {
    pub tool: Tool,
    /// The name in manifests, stored permissions and messages.
    pub name: &'static str,
    pub company: Offered,
    pub project: Offered,
}

impl ToolDef {
    pub const fn at(&self, scope: ToolScope) -> Offered {
        match scope {
            ToolScope::Company => self.company,
            ToolScope::Project => self.project,
        }
    }
}

macro_rules! catalog {
    ($($variant:ident = $name:literal, company: $company:ident, project: $project:ident;)*) => {
        /// A tool of the catalog.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Tool {
            $($variant,)*
        }

        /// Every tool, in the order of [`Tool`] (alphabetical by name).
        pub const CATALOG: &[ToolDef] = &[
            $(ToolDef {
                tool: Tool::$variant,
                name: $name,
                company: Offered::$company,
                project: Offered::$project,
            },)*
        ];
    };
}

catalog! {
    ActionPlans = "action_plans", company: No, project: Levels;
    Admin = "admin", company: AdminOnly, project: AdminOnly;
    AppManagement = "app_management", company: AdminOnly, project: No;
    BidBoard = "bid_board", company: Levels, project: No;
    Bidding = "bidding", company: Levels, project: Levels;
    Budgeting = "budgeting", company: No, project: Levels;
    Calendar = "calendar", company: Levels, project: No;
    ChangeEvents = "change_events", company: No, project: Levels;
    ChangeOrders = "change_orders", company: No, project: Levels;
    Checklists = "checklists", company: Levels, project: No;
    Commitments = "commitments", company: No, project: Levels;
    Concierge = "concierge", company: Levels, project: No;
    CoordinationIssues = "coordination_issues", company: No, project: Levels;
    Correspondence = "correspondence", company: No, project: Levels;
    CostCatalog = "cost_catalog", company: Levels, project: No;
    DailyLog = "daily_log", company: No, project: Levels;
    DirectCosts = "direct_costs", company: No, project: Levels;
    Directory = "directory", company: Levels, project: Levels;
    Documents = "documents", company: Levels, project: Levels;
    Drawings = "drawings", company: No, project: Levels;
    Emails = "emails", company: No, project: Levels;
    Equipment = "equipment", company: Levels, project: Levels;
    ErpIntegrations = "erp_integrations", company: Levels, project: No;
    Estimating = "estimating", company: Levels, project: Levels;
    Forms = "forms", company: No, project: Levels;
    Home = "home", company: Levels, project: Levels;
    Incidents = "incidents", company: No, project: Levels;
    Inspections = "inspections", company: No, project: Levels;
    Instructions = "instructions", company: No, project: Levels;
    InsuranceManager = "insurance_manager", company: Levels, project: No;
    Invoicing = "invoicing", company: No, project: Levels;
    Meetings = "meetings", company: No, project: Levels;
    Models = "models", company: No, project: Levels;
    Observations = "observations", company: No, project: Levels;
    Payments = "payments", company: Levels, project: No;
    Permissions = "permissions", company: Levels, project: No;
    Photos = "photos", company: No, project: Levels;
    Planroom = "planroom", company: Levels, project: No;
    Portfolio = "portfolio", company: Levels, project: No;
    PrimeContracts = "prime_contracts", company: No, project: Levels;
    PunchList = "punch_list", company: No, project: Levels;
    Reports = "reports", company: Levels, project: Levels;
    ResourcePlanning = "resource_planning", company: Levels, project: No;
    Rfis = "rfis", company: No, project: Levels;
    Schedule = "schedule", company: Levels, project: Levels;
    Specifications = "specifications", company: No, project: Levels;
    Submittals = "submittals", company: No, project: Levels;
    Tasks = "tasks", company: No, project: Levels;
    Timecard = "timecard", company: Levels, project: No;
    Timesheets = "timesheets", company: Levels, project: Levels;
    Transmittals = "transmittals", company: No, project: Levels;
    Webhooks = "webhooks", company: Levels, project: Levels;
    WorkforcePlanning = "workforce_planning", company: Levels, project: No;
}

impl Tool {
    /// The tool's line of the catalog.
    pub const fn def(self) -> &'static ToolDef {
        &CATALOG[self as usize]
    }

    pub const fn name(self) -> &'static str {
        self.def().name
    }

    /// The tool with this name, at any scope.
    pub fn parse(name: &str) -> Option<Tool> {
        CATALOG.iter().find(|d| d.name == name).map(|d| d.tool)
    }

    /// The tool with this name if it exists at `scope`, with what it accepts there.
    pub fn at(scope: ToolScope, name: &str) -> Option<(Tool, Offered)> {
        let t = Tool::parse(name)?;
        match t.def().at(scope) {
            Offered::No => None,
            offered => Some((t, offered)),
        }
    }
}

impl fmt::Display for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Tool {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Tool {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Tool::parse(&name).ok_or_else(|| serde::de::Error::custom(format!("unknown tool {name:?}")))
    }
}

/// How many tools exist at `scope`.
const fn count(scope: ToolScope) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < CATALOG.len() {
        if !matches!(CATALOG[i].at(scope), Offered::No) {
            n += 1;
        }
        i += 1;
    }
    n
}

/// The `(name, admin_only)` list of the tools at `scope`, in catalog order.
const fn list<const N: usize>(scope: ToolScope) -> [(&'static str, bool); N] {
    let mut out = [("", false); N];
    let (mut i, mut n) = (0, 0);
    while i < CATALOG.len() {
        match CATALOG[i].at(scope) {
            Offered::No => {}
            offered => {
                out[n] = (CATALOG[i].name, matches!(offered, Offered::AdminOnly));
                n += 1;
            }
        }
        i += 1;
    }
    out
}

const COMPANY_COUNT: usize = count(ToolScope::Company);
const PROJECT_COUNT: usize = count(ToolScope::Project);
const COMPANY_LIST: [(&str, bool); COMPANY_COUNT] = list(ToolScope::Company);
const PROJECT_LIST: [(&str, bool); PROJECT_COUNT] = list(ToolScope::Project);

/// The tools that exist at company level as `(name, admin_only)`, derived from [`CATALOG`].
pub const COMPANY_TOOLS: &[(&str, bool)] = &COMPANY_LIST;
/// The tools that exist at project level as `(name, admin_only)`, derived from [`CATALOG`].
pub const PROJECT_TOOLS: &[(&str, bool)] = &PROJECT_LIST;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_is_in_enum_order_sorted_and_unique() {
        for (i, d) in CATALOG.iter().enumerate() {
            assert_eq!(d.tool as usize, i, "{} is out of place", d.name);
            assert_eq!(Tool::parse(d.name), Some(d.tool));
            assert_ne!(
                (d.company, d.project),
                (Offered::No, Offered::No),
                "{} exists nowhere",
                d.name
            );
        }
        assert!(
            CATALOG.windows(2).all(|w| w[0].name < w[1].name),
            "names sorted and unique"
        );
        assert_eq!(Tool::parse("teleporter"), None);
    }

    #[test]
    fn scopes_and_admin_only_tools() {
        assert_eq!(COMPANY_TOOLS.len(), 26);
        assert_eq!(PROJECT_TOOLS.len(), 38);
        assert!(COMPANY_TOOLS.contains(&("app_management", true)));
        assert!(!PROJECT_TOOLS.iter().any(|(n, _)| *n == "app_management"));
        assert!(PROJECT_TOOLS.contains(&("admin", true)) && COMPANY_TOOLS.contains(&("admin", true)));
        assert!(PROJECT_TOOLS.contains(&("documents", false)));
        assert_eq!(
            Tool::at(ToolScope::Project, "rfis"),
            Some((Tool::Rfis, Offered::Levels))
        );
        assert_eq!(Tool::at(ToolScope::Company, "rfis"), None);
        assert_eq!(
            Tool::at(ToolScope::Company, "admin"),
            Some((Tool::Admin, Offered::AdminOnly))
        );
    }

    /// The string lists the catalog replaced are a subset of today's lists, in the same order
    /// and with the same admin-only tools, so manifests and stored permissions read as before;
    /// the tools added since (for the operation catalog, #15) are exactly these.
    #[test]
    fn the_former_string_tables_are_a_subset_in_order() {
        let company = "admin* app_management* bidding calendar checklists concierge cost_catalog directory \
                       documents erp_integrations estimating home insurance_manager payments planroom portfolio \
                       reports schedule timecard timesheets workforce_planning";
        let project = "admin* bidding budgeting change_events change_orders commitments coordination_issues \
                       correspondence daily_log directory documents drawings emails estimating forms home incidents \
                       inspections instructions meetings observations photos prime_contracts punch_list reports rfis \
                       schedule specifications submittals tasks timesheets transmittals";
        let parse = |s: &'static str| -> Vec<(&'static str, bool)> {
            s.split_whitespace()
                .map(|w| (w.trim_end_matches('*'), w.ends_with('*')))
                .collect()
        };
        let check = |former: Vec<(&'static str, bool)>, now: &[(&'static str, bool)], added: &str| {
            let kept: Vec<_> = now.iter().copied().filter(|t| former.contains(t)).collect();
            assert_eq!(kept, former, "every former tool is still there, in order");
            let new: Vec<_> = now.iter().filter(|t| !former.contains(t)).map(|(n, _)| *n).collect();
            assert_eq!(new.join(" "), added);
        };
        check(
            parse(company),
            COMPANY_TOOLS,
            "bid_board equipment permissions resource_planning webhooks",
        );
        check(
            parse(project),
            PROJECT_TOOLS,
            "action_plans direct_costs equipment invoicing models webhooks",
        );
    }

    #[test]
    fn a_tool_serializes_as_its_name() {
        assert_eq!(serde_json::to_string(&Tool::DailyLog).unwrap(), r#""daily_log""#);
        assert_eq!(serde_json::from_str::<Tool>(r#""daily_log""#).unwrap(), Tool::DailyLog);
        assert!(serde_json::from_str::<Tool>(r#""nope""#).is_err());
        assert_eq!(Tool::Documents.to_string(), "documents");
    }
}
