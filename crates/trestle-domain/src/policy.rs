//! The one place where Trestle decides whether an actor may do something.
//!
//! Callers (the use-case layer) load the *facts* an answer needs — the actor's current
//! membership of a company and project, the app's owner — and ask [`decide`]. Nothing else in
//! the codebase compares levels or roles. The table test at the bottom is the specification.

use crate::ids::UserId;
use crate::permissions::{Level, ToolPermissions};

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
    /// Install apps, choose permitted projects, create projects: company administration.
    AdministerCompany { company: Option<&'a CompanyMembership> },
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
        tool: &'a str,
        op: Operation,
    },
    /// Read or accept one's own invitations to companies: people only, each their own (the
    /// store looks invitations up by the person, so another person's is "not found").
    AnswerInvitations,
    /// Use a project-level tool.
    UseProjectTool {
        company: Option<&'a CompanyMembership>,
        project: Option<&'a ProjectMembership>,
        tool: &'a str,
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
        tool: String,
        required: Level,
        granted: Level,
    },
    /// Only company admins may do this.
    NotCompanyAdmin,
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
        Request::ManageApp { owner } => match actor {
            Actor::Person(id) if id == owner => Ok(()),
            Actor::Bot(_) => Err(Denied::NotForBots),
            _ => Err(Denied::NotAppOwner),
        },
        Request::AdministerCompany { company } => {
            if matches!(actor, Actor::Bot(_)) {
                return Err(Denied::NotForBots);
            }
            match active(company) {
                None => Err(not_in()),
                Some(m) if is_admin_person(m) => Ok(()),
                Some(_) => Err(Denied::NotCompanyAdmin),
            }
        }
        Request::AnswerInvitations => match actor {
            Actor::Person(_) => Ok(()),
            Actor::Bot(_) => Err(Denied::NotForBots),
            Actor::Operator => Err(Denied::PeopleOnly),
        },
        Request::ViewCompany { company } => active(company).map(|_| ()).ok_or_else(not_in),
        Request::SeeAllProjects { company } => {
            let m = active(company).ok_or_else(not_in)?;
            if is_admin_person(m) {
                Ok(())
            } else {
                Err(Denied::NotCompanyAdmin)
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

fn check_level(perms: &ToolPermissions, tool: &str, op: Operation) -> Result<(), Denied> {
    let granted = perms.level(tool);
    let required = op.required_level();
    if granted >= required {
        Ok(())
    } else {
        Err(Denied::InsufficientLevel {
            tool: tool.to_string(),
            required,
            granted,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PERSON: Actor = Actor::Person(UserId(1));
    const OTHER: Actor = Actor::Person(UserId(2));
    const BOT: Actor = Actor::Bot(UserId(3));

    fn member(admin: bool, active: bool, tools: &[(&str, Level)]) -> CompanyMembership {
        CompanyMembership {
            is_active: active,
            is_admin: admin,
            permissions: ToolPermissions(tools.iter().map(|(t, l)| (t.to_string(), *l)).collect()),
        }
    }

    fn project(tools: &[(&str, Level)]) -> ProjectMembership {
        ProjectMembership {
            permissions: ToolPermissions(tools.iter().map(|(t, l)| (t.to_string(), *l)).collect()),
        }
    }

    #[test]
    fn management_table() {
        let admin = member(true, true, &[]);
        let plain = member(false, true, &[]);
        let gone = member(true, false, &[]);
        let bot_admin_flag = member(true, true, &[]);
        let cases: Vec<(Actor, Request, Result<(), Denied>)> = vec![
            (Actor::Operator, Request::OperatePlatform, Ok(())),
            (PERSON, Request::OperatePlatform, Err(Denied::NotOperator)),
            (BOT, Request::OperatePlatform, Err(Denied::NotOperator)),
            (PERSON, Request::CreateApp, Ok(())),
            (BOT, Request::CreateApp, Err(Denied::NotForBots)),
            (PERSON, Request::ManageApp { owner: UserId(1) }, Ok(())),
            (OTHER, Request::ManageApp { owner: UserId(1) }, Err(Denied::NotAppOwner)),
            (
                Actor::Operator,
                Request::ManageApp { owner: UserId(1) },
                Err(Denied::NotAppOwner),
            ),
            (BOT, Request::ManageApp { owner: UserId(3) }, Err(Denied::NotForBots)),
            (PERSON, Request::AnswerInvitations, Ok(())),
            (BOT, Request::AnswerInvitations, Err(Denied::NotForBots)),
            (Actor::Operator, Request::AnswerInvitations, Err(Denied::PeopleOnly)),
            (PERSON, Request::AdministerCompany { company: Some(&admin) }, Ok(())),
            (
                PERSON,
                Request::AdministerCompany { company: Some(&plain) },
                Err(Denied::NotCompanyAdmin),
            ),
            (
                PERSON,
                Request::AdministerCompany { company: Some(&gone) },
                Err(Denied::NotInCompany),
            ),
            (
                PERSON,
                Request::AdministerCompany { company: None },
                Err(Denied::NotInCompany),
            ),
            (
                BOT,
                Request::AdministerCompany {
                    company: Some(&bot_admin_flag),
                },
                Err(Denied::NotForBots),
            ),
            (
                Actor::Operator,
                Request::AdministerCompany { company: None },
                Err(Denied::NotInCompany),
            ),
        ];
        for (i, (actor, req, want)) in cases.into_iter().enumerate() {
            assert_eq!(decide(actor, req), want, "case {i}: {actor:?} {req:?}");
        }
    }

    #[test]
    fn visibility_table() {
        let admin = member(true, true, &[]);
        let plain = member(false, true, &[]);
        let inactive = member(false, false, &[]);
        let bot = member(true, true, &[]); // a bot is never treated as an admin, whatever the flag
        let p = project(&[]);
        let cases: Vec<(Actor, Request, Result<(), Denied>)> = vec![
            (PERSON, Request::ViewCompany { company: Some(&plain) }, Ok(())),
            (
                PERSON,
                Request::ViewCompany {
                    company: Some(&inactive),
                },
                Err(Denied::NotInCompany),
            ),
            (BOT, Request::ViewCompany { company: None }, Err(Denied::NotInstalled)),
            (BOT, Request::ViewCompany { company: Some(&bot) }, Ok(())),
            (PERSON, Request::SeeAllProjects { company: Some(&admin) }, Ok(())),
            (
                PERSON,
                Request::SeeAllProjects { company: Some(&plain) },
                Err(Denied::NotCompanyAdmin),
            ),
            (
                BOT,
                Request::SeeAllProjects { company: Some(&bot) },
                Err(Denied::NotCompanyAdmin),
            ),
            (
                PERSON,
                Request::ViewProject {
                    company: Some(&admin),
                    project: None,
                },
                Ok(()),
            ),
            (
                PERSON,
                Request::ViewProject {
                    company: Some(&plain),
                    project: None,
                },
                Err(Denied::NotInProject),
            ),
            (
                PERSON,
                Request::ViewProject {
                    company: Some(&plain),
                    project: Some(&p),
                },
                Ok(()),
            ),
            (
                BOT,
                Request::ViewProject {
                    company: Some(&bot),
                    project: None,
                },
                Err(Denied::NotInProject),
            ),
            (
                BOT,
                Request::ViewProject {
                    company: Some(&bot),
                    project: Some(&p),
                },
                Ok(()),
            ),
            (
                BOT,
                Request::ViewProject {
                    company: None,
                    project: Some(&p),
                },
                Err(Denied::NotInstalled),
            ),
        ];
        for (i, (actor, req, want)) in cases.into_iter().enumerate() {
            assert_eq!(decide(actor, req), want, "case {i}: {actor:?} {req:?}");
        }
    }

    /// Tool × level × operation, for bots and non-admin people alike.
    #[test]
    fn tool_level_table() {
        use Level::*;
        use Operation::*;
        let ops = [Read, Write, Delete, Administer];
        // (granted level, [allowed for Read, Write, Delete, Administer])
        let table = [
            (None, [false, false, false, false]),
            (ReadOnly, [true, false, false, false]),
            (Standard, [true, true, false, false]),
            (Admin, [true, true, true, true]),
        ];
        for actor in [PERSON, BOT] {
            for (granted, allowed) in table {
                let company = member(false, true, &[("documents", granted)]);
                let proj = project(&[("documents", granted)]);
                for (op, want) in ops.iter().zip(allowed) {
                    let got = decide(
                        actor,
                        Request::UseCompanyTool {
                            company: Some(&company),
                            tool: "documents",
                            op: *op,
                        },
                    );
                    assert_eq!(got.is_ok(), want, "{actor:?} company documents {granted:?} {op:?}");
                    let got = decide(
                        actor,
                        Request::UseProjectTool {
                            company: Some(&company),
                            project: Some(&proj),
                            tool: "documents",
                            op: *op,
                        },
                    );
                    assert_eq!(got.is_ok(), want, "{actor:?} project documents {granted:?} {op:?}");
                    if !want {
                        assert_eq!(
                            got,
                            Err(Denied::InsufficientLevel {
                                tool: "documents".into(),
                                required: op.required_level(),
                                granted
                            })
                        );
                    }
                }
                // another tool stays at none
                assert!(decide(
                    actor,
                    Request::UseCompanyTool {
                        company: Some(&company),
                        tool: "directory",
                        op: Read
                    }
                )
                .is_err());
                // not a member of the project: nothing, whatever the level
                assert_eq!(
                    decide(
                        actor,
                        Request::UseProjectTool {
                            company: Some(&company),
                            project: Option::None,
                            tool: "documents",
                            op: Read
                        }
                    ),
                    Err(Denied::NotInProject)
                );
            }
        }
        // company admins (people) may use every tool; a bot with the admin flag may not
        let admin = member(true, true, &[]);
        assert!(decide(
            PERSON,
            Request::UseProjectTool {
                company: Some(&admin),
                project: Option::None,
                tool: "documents",
                op: Delete
            }
        )
        .is_ok());
        assert!(decide(
            BOT,
            Request::UseProjectTool {
                company: Some(&admin),
                project: Option::None,
                tool: "documents",
                op: Read
            }
        )
        .is_err());
    }
}
