//! Company administration by area. A company admin (the membership's admin flag) may do all of
//! it; any other member may do an area when they hold, on the company tool that guards it, the
//! level it needs — the model Procore uses (installing apps needs `admin` on the company
//! Directory, creating service accounts `admin` on the company Admin tool, …).

use super::{Denied, Operation};
use crate::permissions::ToolPermissions;
use crate::tool::Tool;

/// What part of a company's administration a request touches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AdminArea {
    /// The company's details and settings: `admin` on the company Admin tool.
    Settings,
    /// The company's audit log: `admin` on the company Admin tool.
    Audit,
    /// The company directory: members, their permissions, invitations, project membership
    /// — `admin` on the company Directory tool.
    Members,
    /// Making someone a company admin or not: company admins only.
    AdminFlag,
    /// Creating, changing and deleting projects: `admin` on the company Portfolio tool.
    Projects,
    /// Reading every project of the company: `read_only` on the company Portfolio tool.
    ViewProjects,
    /// Installing, updating and uninstalling apps and choosing their projects (App
    /// Management): `admin` on the company Directory tool or on App Management.
    Apps,
    /// Traditional service accounts: `admin` on the company Admin tool.
    ServiceAccounts,
    /// The company's administration pages at all (its name and details): any of the above.
    Any,
}

impl AdminArea {
    /// The company tools that grant the area (any of them), with what they must allow.
    pub const fn granted_by(self) -> &'static [(Tool, Operation)] {
        match self {
            AdminArea::Settings | AdminArea::Audit | AdminArea::ServiceAccounts => {
                &[(Tool::Admin, Operation::Administer)]
            }
            AdminArea::Members => &[(Tool::Directory, Operation::Administer)],
            AdminArea::AdminFlag => &[],
            AdminArea::Projects => &[(Tool::Portfolio, Operation::Administer)],
            AdminArea::ViewProjects => &[(Tool::Portfolio, Operation::Read)],
            AdminArea::Any => &[
                (Tool::Admin, Operation::Administer),
                (Tool::Directory, Operation::Administer),
                (Tool::AppManagement, Operation::Administer),
                (Tool::Portfolio, Operation::Read),
            ],
            AdminArea::Apps => &[
                (Tool::Directory, Operation::Administer),
                (Tool::AppManagement, Operation::Administer),
            ],
        }
    }

    /// Whether a member who is not a company admin, holding `permissions` at company level,
    /// may act in this area.
    pub fn allows(self, permissions: &ToolPermissions) -> Result<(), Denied> {
        let tools = self.granted_by();
        if tools
            .iter()
            .any(|(tool, op)| permissions.level_of(*tool) >= op.required_level())
        {
            return Ok(());
        }
        match tools.first() {
            None => Err(Denied::NotCompanyAdmin),
            Some((tool, op)) => Err(Denied::NotCompanyAdminOr {
                tool: *tool,
                required: op.required_level(),
                granted: permissions.level_of(*tool),
            }),
        }
    }
}
