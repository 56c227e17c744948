//! The policy's specification, as tables.
use super::*;

const PERSON: Actor = Actor::Person(UserId(1));
const OTHER: Actor = Actor::Person(UserId(2));
const BOT: Actor = Actor::Bot(UserId(3));

fn member(admin: bool, active: bool, tools: &[(Tool, Level)]) -> CompanyMembership {
    CompanyMembership {
        is_active: active,
        is_admin: admin,
        permissions: ToolPermissions(tools.iter().map(|(t, l)| (t.name().to_string(), *l)).collect()),
    }
}

fn project(tools: &[(Tool, Level)]) -> ProjectMembership {
    ProjectMembership {
        permissions: ToolPermissions(tools.iter().map(|(t, l)| (t.name().to_string(), *l)).collect()),
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
        (PERSON, Request::ManageAppWebhooks { owner: UserId(1) }, Ok(())),
        (
            OTHER,
            Request::ManageAppWebhooks { owner: UserId(1) },
            Err(Denied::NotAppOwner),
        ),
        (
            Actor::Operator,
            Request::ManageAppWebhooks { owner: UserId(1) },
            Err(Denied::NotAppOwner),
        ),
        (
            BOT,
            Request::ManageAppWebhooks { owner: UserId(3) },
            Err(Denied::NotForBots),
        ),
        (PERSON, Request::ReadAppRequestLog { owner: UserId(1) }, Ok(())),
        (Actor::Operator, Request::ReadAppRequestLog { owner: UserId(1) }, Ok(())),
        (
            OTHER,
            Request::ReadAppRequestLog { owner: UserId(1) },
            Err(Denied::NotAppOwner),
        ),
        (
            BOT,
            Request::ReadAppRequestLog { owner: UserId(3) },
            Err(Denied::NotForBots),
        ),
        (PERSON, Request::AnswerInvitations, Ok(())),
        (BOT, Request::AnswerInvitations, Err(Denied::NotForBots)),
        (Actor::Operator, Request::AnswerInvitations, Err(Denied::PeopleOnly)),
        (
            PERSON,
            Request::AdministerCompany {
                company: Some(&admin),
                area: AdminArea::Apps,
            },
            Ok(()),
        ),
        (
            PERSON,
            Request::AdministerCompany {
                company: Some(&plain),
                area: AdminArea::AdminFlag,
            },
            Err(Denied::NotCompanyAdmin),
        ),
        (
            PERSON,
            Request::AdministerCompany {
                company: Some(&gone),
                area: AdminArea::Apps,
            },
            Err(Denied::NotInCompany),
        ),
        (
            PERSON,
            Request::AdministerCompany {
                company: None,
                area: AdminArea::Settings,
            },
            Err(Denied::NotInCompany),
        ),
        (
            BOT,
            Request::AdministerCompany {
                company: Some(&bot_admin_flag),
                area: AdminArea::Apps,
            },
            Err(Denied::NotForBots),
        ),
        (
            Actor::Operator,
            Request::AdministerCompany {
                company: None,
                area: AdminArea::Settings,
            },
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
            Err(Denied::NotCompanyAdminOr {
                tool: Tool::Portfolio,
                required: Level::ReadOnly,
                granted: Level::None,
            }),
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
            let company = member(false, true, &[(Tool::Documents, granted)]);
            let proj = project(&[(Tool::Documents, granted)]);
            for (op, want) in ops.iter().zip(allowed) {
                let got = decide(
                    actor,
                    Request::UseCompanyTool {
                        company: Some(&company),
                        tool: Tool::Documents,
                        op: *op,
                    },
                );
                assert_eq!(got.is_ok(), want, "{actor:?} company documents {granted:?} {op:?}");
                let got = decide(
                    actor,
                    Request::UseProjectTool {
                        company: Some(&company),
                        project: Some(&proj),
                        tool: Tool::Documents,
                        op: *op,
                    },
                );
                assert_eq!(got.is_ok(), want, "{actor:?} project documents {granted:?} {op:?}");
                if !want {
                    assert_eq!(
                        got,
                        Err(Denied::InsufficientLevel {
                            tool: Tool::Documents,
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
                    tool: Tool::Directory,
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
                        tool: Tool::Documents,
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
            tool: Tool::Documents,
            op: Delete
        }
    )
    .is_ok());
    assert!(decide(
        BOT,
        Request::UseProjectTool {
            company: Some(&admin),
            project: Option::None,
            tool: Tool::Documents,
            op: Read
        }
    )
    .is_err());
}

#[test]
fn person_and_marketplace_table() {
    let cases: Vec<(Actor, Request, Result<(), Denied>)> = vec![
        // self or operator
        (PERSON, Request::ActForPerson { user: UserId(1) }, Ok(())),
        (Actor::Operator, Request::ActForPerson { user: UserId(1) }, Ok(())),
        (
            OTHER,
            Request::ActForPerson { user: UserId(1) },
            Err(Denied::NotOperator),
        ),
        (BOT, Request::ActForPerson { user: UserId(3) }, Err(Denied::NotOperator)),
        (BOT, Request::ActForPerson { user: UserId(1) }, Err(Denied::NotOperator)),
        // mail: the recipient or the operator
        (PERSON, Request::ReadOwnMail { recipient: UserId(1) }, Ok(())),
        (Actor::Operator, Request::ReadOwnMail { recipient: UserId(1) }, Ok(())),
        (
            OTHER,
            Request::ReadOwnMail { recipient: UserId(1) },
            Err(Denied::NotOperator),
        ),
        (
            BOT,
            Request::ReadOwnMail { recipient: UserId(1) },
            Err(Denied::NotForBots),
        ),
        (
            BOT,
            Request::ReadOwnMail { recipient: UserId(3) },
            Err(Denied::NotForBots),
        ),
        // the marketplace: people and the operator
        (PERSON, Request::BrowseMarketplace, Ok(())),
        (Actor::Operator, Request::BrowseMarketplace, Ok(())),
        (BOT, Request::BrowseMarketplace, Err(Denied::NotForBots)),
    ];
    for (i, (actor, req, want)) in cases.into_iter().enumerate() {
        assert_eq!(decide(actor, req), want, "case {i}: {actor:?} {req:?}");
    }
}

/// `user_id()` is `None` for the operator and only for it. The marketplace's former check,
/// `actor.user_id().is_none() && actor != Actor::Operator`, was therefore never true: it
/// refused nobody (not even the bots it meant to refuse). `BrowseMarketplace` replaces it.
#[test]
fn only_the_operator_has_no_user_id_so_the_old_marketplace_check_was_dead() {
    for actor in [Actor::Operator, PERSON, BOT] {
        assert_eq!(actor.user_id().is_none(), actor == Actor::Operator, "{actor:?}");
        let old_check_refuses = actor.user_id().is_none() && actor != Actor::Operator;
        assert!(!old_check_refuses, "{actor:?}");
    }
}

#[test]
fn environment_and_service_account_table() {
    let (app, other) = (AppId(7), AppId(8));
    let cases = [
        // (sandbox token, company's sandbox_of, allowed)
        (true, Some(app), true),
        (true, Some(other), false),
        (true, None, false),
        (false, None, true),
        (false, Some(app), false),
        (false, Some(other), false),
    ];
    for (sandbox, of, ok) in cases {
        let want = if ok { Ok(()) } else { Err(Denied::NotInstalled) };
        assert_eq!(token_environment(app, sandbox, of), want, "{sandbox} {of:?}");
    }
    assert_eq!(service_account_company(CompanyId(1), CompanyId(1)), Ok(()));
    assert_eq!(
        service_account_company(CompanyId(1), CompanyId(2)),
        Err(Denied::NotInCompany)
    );
}

#[test]
fn grant_table() {
    use GrantType::*;
    use TokenGrant as G;
    let cc: &[GrantType] = &[ClientCredentials];
    let code: &[GrantType] = &[AuthorizationCode];
    let both: &[GrantType] = &[AuthorizationCode, ClientCredentials];
    let s = |suspended, declared| AppStanding { suspended, declared };
    let cases = [
        (G::ClientCredentials, s(false, Some(cc)), Ok(())),
        (G::ClientCredentials, s(false, Some(both)), Ok(())),
        (
            G::ClientCredentials,
            s(false, Some(code)),
            Err(GrantRefused::NotDeclared),
        ),
        (G::ClientCredentials, s(false, None), Err(GrantRefused::NoVersion)),
        (G::ClientCredentials, s(true, Some(cc)), Err(GrantRefused::Suspended)),
        (G::ClientCredentials, s(true, None), Err(GrantRefused::Suspended)),
        (G::AuthorizationCode, s(false, None), Ok(())),
        (G::AuthorizationCode, s(false, Some(cc)), Ok(())),
        (G::AuthorizationCode, s(true, Some(code)), Err(GrantRefused::Suspended)),
        (G::RefreshToken, s(false, None), Ok(())),
        (G::RefreshToken, s(true, None), Err(GrantRefused::Suspended)),
    ];
    for (i, (grant, app, want)) in cases.into_iter().enumerate() {
        assert_eq!(app_grant(grant, app), want, "case {i}: {grant:?} {app:?}");
    }
}

#[test]
fn install_environment_table() {
    use InstallRefused::*;
    use InstallSource::*;
    let (app, other) = (AppId(7), AppId(8));
    let cases = [
        (None, Marketplace, Ok(())),
        (None, AppVersionId, Ok(())),
        (None, SandboxKey { app }, Err(ForeignSandboxKey)),
        (Some(app), Marketplace, Err(SandboxFromMarketplace)),
        (Some(app), AppVersionId, Err(SandboxByAppVersionId)),
        (Some(app), SandboxKey { app }, Ok(())),
        (Some(other), SandboxKey { app }, Err(ForeignSandboxKey)),
    ];
    for (of, source, want) in cases {
        assert_eq!(install_environment(of, source), want, "{of:?} {source:?}");
    }
}

/// Company administration by area: a company admin may do every area; another member the areas
/// whose company tool they hold at the needed level; a bot none, whatever its permissions.
#[test]
fn administration_areas_table() {
    use AdminArea::*;
    let admin = member(true, true, &[]);
    let directory_admin = member(false, true, &[(Tool::Directory, Level::Admin)]);
    let directory_standard = member(false, true, &[(Tool::Directory, Level::Standard)]);
    let app_manager = member(false, true, &[(Tool::AppManagement, Level::Admin)]);
    let admin_tool = member(false, true, &[(Tool::Admin, Level::Admin)]);
    let portfolio_reader = member(false, true, &[(Tool::Portfolio, Level::ReadOnly)]);
    let portfolio_admin = member(false, true, &[(Tool::Portfolio, Level::Admin)]);
    let plain = member(false, true, &[]);
    let bot_all = member(
        true,
        true,
        &[
            (Tool::Directory, Level::Admin),
            (Tool::Admin, Level::Admin),
            (Tool::Portfolio, Level::Admin),
        ],
    );
    let short = |tool, required, granted| {
        Err(Denied::NotCompanyAdminOr {
            tool,
            required,
            granted,
        })
    };
    let all = [
        Settings,
        Audit,
        Members,
        AdminFlag,
        Projects,
        ViewProjects,
        Apps,
        ServiceAccounts,
        Any,
    ];
    // (member, the areas it may administer)
    let table: Vec<(&CompanyMembership, &[AdminArea])> = vec![
        (&admin, &all),
        (&directory_admin, &[Members, Apps, Any]),
        (&directory_standard, &[]),
        (&app_manager, &[Apps, Any]),
        (&admin_tool, &[Settings, Audit, ServiceAccounts, Any]),
        (&portfolio_reader, &[ViewProjects, Any]),
        (&portfolio_admin, &[Projects, ViewProjects, Any]),
        (&plain, &[]),
    ];
    for (i, (m, allowed)) in table.iter().enumerate() {
        for area in all {
            let got = decide(PERSON, Request::AdministerCompany { company: Some(m), area });
            assert_eq!(got.is_ok(), allowed.contains(&area), "member {i}, {area:?}: {got:?}");
        }
    }
    for area in all {
        assert_eq!(
            decide(
                BOT,
                Request::AdministerCompany {
                    company: Some(&bot_all),
                    area
                }
            ),
            Err(Denied::NotForBots)
        );
    }
    // The refusal names the tool and the levels.
    let cases = [
        (&plain, Apps, short(Tool::Directory, Level::Admin, Level::None)),
        (
            &directory_standard,
            Members,
            short(Tool::Directory, Level::Admin, Level::Standard),
        ),
        (
            &directory_admin,
            ServiceAccounts,
            short(Tool::Admin, Level::Admin, Level::None),
        ),
        (
            &plain,
            ViewProjects,
            short(Tool::Portfolio, Level::ReadOnly, Level::None),
        ),
        (&directory_admin, AdminFlag, Err(Denied::NotCompanyAdmin)),
    ];
    for (m, area, want) in cases {
        assert_eq!(
            decide(PERSON, Request::AdministerCompany { company: Some(m), area }),
            want,
            "{area:?}"
        );
    }
    assert_eq!(
        short(Tool::Directory, Level::Admin, Level::Standard).unwrap_err().message(),
        "only company admins, or members with admin permission on the company directory tool, may do this; you have standard"
    );
    // Seeing every project follows the Portfolio tool the same way.
    assert_eq!(
        decide(
            PERSON,
            Request::SeeAllProjects {
                company: Some(&portfolio_reader)
            }
        ),
        Ok(())
    );
    assert!(decide(
        PERSON,
        Request::SeeAllProjects {
            company: Some(&directory_admin)
        }
    )
    .is_err());
}
