//! The one place where Trestle decides whether an actor may do something.
//!
//! Callers (the use-case layer) load the *facts* an answer needs — the actor's current
//! membership of a company and project, the app's owner — and ask [`decide`]. Questions that
//! are not about an [`Actor`] — which companies a token's environment reaches, a service
//! account's company, whether an app may use a grant, where a version may be installed — are
//! the pure functions below it. Nothing else in the codebase compares levels or roles. The
//! table tests at the bottom are the specification.

use crate::ids::{AppId, CompanyId, UserId};
use crate::manifest::GrantType;
use crate::permissions::{Level, ToolPermissions};
use crate::tool::Tool;

mod admin;
pub use admin::AdminArea;

/// Who is asking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    /// The platform operator (creates companies and developer accounts).
    Operator,
    /// A person signed in with an API token or user OAuth token.
    Person(UserId),
    /// An app's bot directory user, acting through a DMSA client_credentials token.
    Bot(UserId),
}

impl Actor {
    pub fn user_id(&self) -> Option<UserId> {
        match self {
            Actor::Operator => None,
            Actor::Person(id) | Actor::Bot(id) => Some(*id),
        }
    }
}

/// The actor's membership of a company, as stored now. `None` when not a member.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompanyMembership {
    pub is_active: bool,
    pub is_admin: bool,
    pub permissions: ToolPermissions,
}

/// The actor's membership of a project, as stored now. `None` when not a member.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProjectMembership {
    pub permissions: ToolPermissions,
}

/// What a tool operation needs: reading needs `read_only`, creating and updating need
/// `standard`, deleting and administering need `admin`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    Read,
    Write,
    Delete,
    Administer,
}

impl Operation {
    pub fn required_level(self) -> Level {
        match self {
            Operation::Read => Level::ReadOnly,
            Operation::Write => Level::Standard,
            Operation::Delete | Operation::Administer => Level::Admin,
        }
    }
}

/// What is being asked, with the facts needed to answer.
#[derive(Clone, Copy, Debug)]
pub enum Request<'a> {
    /// Create companies and developer accounts.
    OperatePlatform,
    /// Become a developer: create apps.
    CreateApp,
    /// Change or read an app, its versions and credentials.
    ManageApp { owner: UserId },
    /// See and manage an app's lifecycle webhook endpoints and their deliveries: the app's
    /// developer (people only; the operator redelivers hook deliveries, not endpoints').
    ManageAppWebhooks { owner: UserId },
    /// Read the log of an app's REST calls: the app's developer and the operator.
    ReadAppRequestLog { owner: UserId },
    /// Company administration, by area (installing apps, projects, members, …): company
    /// admins, or members with the area's company tool level ([`AdminArea`]).
    AdministerCompany {
        company: Option<&'a CompanyMembership>,
        area: AdminArea,
    },
    /// See a company exist (list it, read its details).
    ViewCompany { company: Option<&'a CompanyMembership> },
    /// See every project of a company, not only the actor's own.
    SeeAllProjects { company: Option<&'a CompanyMembership> },
    /// See one project.
    ViewProject {
        company: Option<&'a CompanyMembership>,
        project: Option<&'a ProjectMembership>,
    },
    /// Use a company-level tool.
    UseCompanyTool {
        company: Option<&'a CompanyMembership>,
        tool: Tool,
        op: Operation,
    },
    /// Act on one person's own account (their password, their API tokens): the person
    /// themself, or the platform operator for anyone.
    ActForPerson { user: UserId },
    /// Read a message of the mail outbox: its recipient, or the platform operator (who reads
    /// every message). A bot receives no mail.
    ReadOwnMail { recipient: UserId },
    /// Browse the marketplace (published apps): people and the operator, not bots.
    BrowseMarketplace,
    /// Read or accept one's own invitations to companies: people only, each their own (the
    /// store looks invitations up by the person, so another person's is "not found").
    AnswerInvitations,
    /// Use a project-level tool.
    UseProjectTool {
        company: Option<&'a CompanyMembership>,
        project: Option<&'a ProjectMembership>,
        tool: Tool,
        op: Operation,
    },
}

/// Why a request was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Denied {
    /// The person is not an (active) member of the company.
    NotInCompany,
    /// The app (its bot) is not installed in the company.
    NotInstalled,
    /// The actor is not a member of the project (for a bot: not a permitted project).
    NotInProject,
    /// The operation needs a higher level on a tool.
    InsufficientLevel {
        tool: Tool,
        required: Level,
        granted: Level,
    },
    /// Only company admins may do this.
    NotCompanyAdmin,
    /// Only company admins, or members with this level on this company tool, may do this.
    NotCompanyAdminOr {
        tool: Tool,
        required: Level,
        granted: Level,
    },
    /// Only the app's owner may do this.
    NotAppOwner,
    /// Only the platform operator may do this.
    NotOperator,
    /// Bots may not do this (management actions are for people).
    NotForBots,
    /// Only a person may do this for themself (not the operator).
    PeopleOnly,
}

impl Denied {
    pub fn message(&self) -> String {
        match self {
            Denied::NotInCompany => "you are not a member of this company".into(),
            Denied::NotInstalled => "the app is not installed in this company (a sandbox token acts only in the app's development sandbox, a production token only in the companies that installed the app)".into(),
            Denied::NotInProject => "you do not have access to this project".into(),
            Denied::InsufficientLevel {
                tool,
                required,
                granted,
            } => {
                format!("the {tool} tool needs {required} permission; you have {granted}")
            }
            Denied::NotCompanyAdmin => "only company admins may do this".into(),
            Denied::NotCompanyAdminOr {
                tool,
                required,
                granted,
            } => format!(
                "only company admins, or members with {required} permission on the company {tool} tool, may do this; you have {granted}"
            ),
            Denied::NotAppOwner => "only the app's developer may do this".into(),
            Denied::NotOperator => "only the platform operator may do this".into(),
            Denied::NotForBots => "this action is not available to app bots".into(),
            Denied::PeopleOnly => "only a person can do this, for themself (not the platform operator)".into(),
        }
    }
}

/// The authorization decision.
pub fn decide(actor: Actor, request: Request<'_>) -> Result<(), Denied> {
    fn active(m: Option<&CompanyMembership>) -> Option<&CompanyMembership> {
        m.filter(|m| m.is_active)
    }
    // Not an active member: for a bot, its app is not installed (or was uninstalled).
    let not_in = || match actor {
        Actor::Bot(_) => Denied::NotInstalled,
        _ => Denied::NotInCompany,
    };
    let is_admin_person = |m: &CompanyMembership| matches!(actor, Actor::Person(_)) && m.is_admin;
    match request {
        Request::OperatePlatform => match actor {
            Actor::Operator => Ok(()),
            _ => Err(Denied::NotOperator),
        },
        Request::CreateApp => match actor {
            Actor::Person(_) => Ok(()),
            Actor::Bot(_) => Err(Denied::NotForBots),
            Actor::Operator => Err(Denied::NotAppOwner),
        },
        Request::ManageApp { owner } | Request::ManageAppWebhooks { owner } => match actor {
            Actor::Person(id) if id == owner => Ok(()),
            Actor::Bot(_) => Err(Denied::NotForBots),
            _ => Err(Denied::NotAppOwner),
        },
        Request::ReadAppRequestLog { owner } => match actor {
            Actor::Person(id) if id == owner => Ok(()),
            Actor::Operator => Ok(()),
            Actor::Bot(_) => Err(Denied::NotForBots),
            Actor::Person(_) => Err(Denied::NotAppOwner),
        },
        Request::AdministerCompany { company, area } => {
            if matches!(actor, Actor::Bot(_)) {
                return Err(Denied::NotForBots);
            }
            match active(company) {
                None => Err(not_in()),
                Some(m) if is_admin_person(m) => Ok(()),
                Some(m) => area.allows(&m.permissions),
            }
        }
        Request::AnswerInvitations => match actor {
            Actor::Person(_) => Ok(()),
            Actor::Bot(_) => Err(Denied::NotForBots),
            Actor::Operator => Err(Denied::PeopleOnly),
        },
        Request::ActForPerson { user } => match actor {
            Actor::Person(id) if id == user => Ok(()),
            Actor::Operator => Ok(()),
            _ => Err(Denied::NotOperator),
        },
        Request::ReadOwnMail { recipient } => match actor {
            Actor::Person(id) if id == recipient => Ok(()),
            Actor::Operator => Ok(()),
            Actor::Bot(_) => Err(Denied::NotForBots),
            Actor::Person(_) => Err(Denied::NotOperator),
        },
        Request::BrowseMarketplace => match actor {
            Actor::Person(_) | Actor::Operator => Ok(()),
            Actor::Bot(_) => Err(Denied::NotForBots),
        },
        Request::ViewCompany { company } => active(company).map(|_| ()).ok_or_else(not_in),
        Request::SeeAllProjects { company } => {
            let m = active(company).ok_or_else(not_in)?;
            match actor {
                Actor::Person(_) if m.is_admin => Ok(()),
                Actor::Person(_) => AdminArea::ViewProjects.allows(&m.permissions),
                _ => Err(Denied::NotCompanyAdmin),
            }
        }
        Request::ViewProject { company, project } => {
            let m = active(company).ok_or_else(not_in)?;
            if project.is_some() || is_admin_person(m) {
                Ok(())
            } else {
                Err(Denied::NotInProject)
            }
        }
        Request::UseCompanyTool { company, tool, op } => {
            let m = active(company).ok_or_else(not_in)?;
            if is_admin_person(m) {
                return Ok(());
            }
            check_level(&m.permissions, tool, op)
        }
        Request::UseProjectTool {
            company,
            project,
            tool,
            op,
        } => {
            let m = active(company).ok_or_else(not_in)?;
            if is_admin_person(m) {
                return Ok(());
            }
            let project = project.ok_or(Denied::NotInProject)?;
            check_level(&project.permissions, tool, op)
        }
    }
}

fn check_level(perms: &ToolPermissions, tool: Tool, op: Operation) -> Result<(), Denied> {
    let granted = perms.level_of(tool);
    let required = op.required_level();
    if granted >= required {
        Ok(())
    } else {
        Err(Denied::InsufficientLevel {
            tool,
            required,
            granted,
        })
    }
}

/// Whether an app's token may act in a company, by environment: a sandbox token only in its
/// own app's development sandbox, a production token only in real companies (tokens never
/// cross environments). `sandbox_of` is the app whose development sandbox the company is.
/// Refused as [`Denied::NotInstalled`]: for the token, the app is not installed there.
pub fn token_environment(app: AppId, sandbox_token: bool, sandbox_of: Option<AppId>) -> Result<(), Denied> {
    let in_env = if sandbox_token {
        sandbox_of == Some(app)
    } else {
        sandbox_of.is_none()
    };
    if in_env {
        Ok(())
    } else {
        Err(Denied::NotInstalled)
    }
}

/// A traditional service account acts only in its one company (`own`).
pub fn service_account_company(own: CompanyId, asked: CompanyId) -> Result<(), Denied> {
    if own == asked {
        Ok(())
    } else {
        Err(Denied::NotInCompany)
    }
}

/// A grant of the token endpoint (and the authorize page that leads to a code).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenGrant {
    ClientCredentials,
    AuthorizationCode,
    RefreshToken,
}

/// What the token endpoint knows about an app when it asks whether a grant may be used.
#[derive(Clone, Copy, Debug)]
pub struct AppStanding<'a> {
    /// Suspended by the operator (or gone).
    pub suspended: bool,
    /// The grant types declared by the app's newest version for this environment (sandbox:
    /// the newest version; production: the newest promoted one); `None`: there is none.
    pub declared: Option<&'a [GrantType]>,
}

/// Why an app may not use a grant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GrantRefused {
    /// The operator suspended the app: no grant at all.
    Suspended,
    /// `client_credentials` needs a version (a promoted one for production credentials).
    NoVersion,
    /// The version does not declare `client_credentials`.
    NotDeclared,
}

/// Whether an app may use `grant` now. A suspended app may use none; `client_credentials` (the
/// app acting as itself) needs a version that declares it; the person flows
/// (`authorization_code`, `refresh_token`) are authorized by the person's consent, so the
/// manifest is not asked.
pub fn app_grant(grant: TokenGrant, app: AppStanding<'_>) -> Result<(), GrantRefused> {
    if app.suspended {
        return Err(GrantRefused::Suspended);
    }
    match grant {
        TokenGrant::ClientCredentials => match app.declared {
            None => Err(GrantRefused::NoVersion),
            Some(g) if g.contains(&GrantType::ClientCredentials) => Ok(()),
            Some(_) => Err(GrantRefused::NotDeclared),
        },
        TokenGrant::AuthorizationCode | TokenGrant::RefreshToken => Ok(()),
    }
}

/// How an install names the version it installs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstallSource {
    /// A published app's newest promoted version, by app id.
    Marketplace,
    /// A promoted version's App Version ID.
    AppVersionId,
    /// A version's sandbox key (any version, promoted or not) of `app`.
    SandboxKey { app: AppId },
}

/// Why a version may not be installed into a company, by environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstallRefused {
    /// A development sandbox installs from no marketplace.
    SandboxFromMarketplace,
    /// A development sandbox installs by sandbox key, not by App Version ID.
    SandboxByAppVersionId,
    /// A sandbox key installs only into its own app's development sandbox.
    ForeignSandboxKey,
}

/// Whether a version named by `source` may be installed into a company (`sandbox_of`: the app
/// whose development sandbox the company is): production versions into real companies, sandbox
/// keys into their own app's sandbox only.
pub fn install_environment(sandbox_of: Option<AppId>, source: InstallSource) -> Result<(), InstallRefused> {
    match (source, sandbox_of) {
        (InstallSource::Marketplace, None) | (InstallSource::AppVersionId, None) => Ok(()),
        (InstallSource::Marketplace, Some(_)) => Err(InstallRefused::SandboxFromMarketplace),
        (InstallSource::AppVersionId, Some(_)) => Err(InstallRefused::SandboxByAppVersionId),
        (InstallSource::SandboxKey { app }, Some(own)) if own == app => Ok(()),
        (InstallSource::SandboxKey { .. }, _) => Err(InstallRefused::ForeignSandboxKey),
    }
}

#[cfg(test)]
mod tests;
