//! The storage conformance suite: every test runs against SQLite and against PostgreSQL.

use std::sync::Arc;
use trestle_domain::entities::*;
use trestle_domain::page::PageRequest;
use trestle_domain::*;
use trestle_store::testing::{Backend, TestDb};
use trestle_store::*;

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::run(trestle_store::testing::Backend::Sqlite, super::$name).await;
            }
            #[tokio::test]
            async fn postgres() {
                super::run(trestle_store::testing::Backend::Postgres, super::$name).await;
            }
        }
    )*};
}

on_both_backends!(
    people_companies_and_projects,
    tenant_scoped_lookups,
    versions_and_promotion,
    install_lifecycle,
    permitted_projects,
    add_all_and_new_projects,
    api_tokens,
    bots_cannot_join_another_directory,
    apps_come_with_a_development_sandbox,
    rename_and_guarded_delete,
    secret_rotation,
    promotion_offers_updates,
    documents_are_scoped_to_their_project,
    directories_and_project_members,
    marketplace_publishing,
    service_accounts_lifecycle,
    sign_in_codes_and_refresh_tokens,
    project_search_is_scoped_and_literal,
    purge_removes_expired_rows_only,
);

async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let db = TestDb::new(backend).await;
    let store = connect(&StoreConfig::new(&db.url)).await.expect("connect");
    test(store).await;
    db.cleanup().await;
}

fn ctx() -> EventContext {
    EventContext {
        actor: ActorKind::System,
        actor_user: None,
        actor_app: None,
        at: 1_700_000_000,
    }
}

/// A small development sandbox with a unique e-mail per app name.
fn sandbox(app: &str) -> NewSandbox {
    let tag = app.to_lowercase().replace(' ', "-");
    NewSandbox {
        company_name: format!("{app} Sandbox"),
        projects: vec![NewProject {
            name: "Sandbox Project".into(),
            ..Default::default()
        }],
        people: vec![(format!("{tag}.sample@sandbox.invalid"), "Sample Person".into())],
        client: NewClient {
            environment: Environment::Sandbox,
            client_id: format!("sandbox-{tag}"),
            secret_hash: format!("sh-{tag}"),
        },
    }
}

fn page() -> PageRequest {
    PageRequest::default()
}

struct World {
    admin_a: User,
    company_a: Company,
    company_b: Company,
    a1: Project,
    a2: Project,
    b1: Project,
    app: App,
    version: AppVersion,
}

async fn world(s: &Arc<dyn Store>) -> World {
    let admin_a = s
        .create_person(
            &NewPerson {
                email: "a@example.com".into(),
                name: "Ann".into(),
            },
            &ctx(),
        )
        .await
        .unwrap();
    let admin_b = s
        .create_person(
            &NewPerson {
                email: "b@example.com".into(),
                name: "Bob".into(),
            },
            &ctx(),
        )
        .await
        .unwrap();
    let dev = s
        .create_person(
            &NewPerson {
                email: "dev@example.com".into(),
                name: "Dev".into(),
            },
            &ctx(),
        )
        .await
        .unwrap();
    let company_a = s.create_company("Acme", admin_a.id, &ctx()).await.unwrap();
    let company_b = s.create_company("Beta", admin_b.id, &ctx()).await.unwrap();
    let np = |n: &str| NewProject {
        name: n.into(),
        ..Default::default()
    };
    let a1 = s.create_project(company_a.id, &np("A1"), &ctx()).await.unwrap();
    let a2 = s.create_project(company_a.id, &np("A2"), &ctx()).await.unwrap();
    let b1 = s.create_project(company_b.id, &np("B1"), &ctx()).await.unwrap();
    let app = s.create_app(dev.id, "Sync", &sandbox("Sync"), &ctx()).await.unwrap();
    let version = s.create_version(app.id, "1.0.0", "{}", "sk-1", &ctx()).await.unwrap();
    let version = s
        .promote_version(
            app.id,
            version.id,
            "11111111-1111-4111-8111-111111111111",
            None,
            &[],
            &ctx(),
        )
        .await
        .unwrap()
        .version;
    World {
        admin_a,
        company_a,
        company_b,
        a1,
        a2,
        b1,
        app,
        version,
    }
}

fn new_install(w: &World, company: CompanyId, projects: Vec<ProjectId>) -> NewInstall {
    NewInstall {
        company,
        app: w.app.id,
        version: w.version.id,
        bot_email: format!("sync-{}@bots.invalid", company.0),
        bot_name: "Sync (bot)".into(),
        company_permissions_json: r#"{"directory":"read_only"}"#.into(),
        project_permissions_json: r#"{"documents":"standard"}"#.into(),
        permitted_projects: projects,
        add_to_new_projects: false,
        installed_by: None,
    }
}

async fn people_companies_and_projects(s: Arc<dyn Store>) {
    let w = world(&s).await;
    let m = s
        .company_membership(w.company_a.id, w.admin_a.id)
        .await
        .unwrap()
        .unwrap();
    assert!(m.is_admin && m.is_active);
    assert!(s
        .company_membership(w.company_b.id, w.admin_a.id)
        .await
        .unwrap()
        .is_none());
    let companies = s.list_user_companies(w.admin_a.id, page(), None).await.unwrap();
    assert_eq!(companies.total, 1);
    assert_eq!(companies.items[0].name, "Acme");
    let projects = s.list_projects(w.company_a.id, None, page(), None).await.unwrap();
    assert_eq!(projects.total, 2);
    assert_eq!(
        projects.items.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        vec!["A1", "A2"]
    );
    assert_eq!(projects.items[0].company_name, "Acme");
    let second = s
        .list_projects(w.company_a.id, None, PageRequest::new(2, 1), None)
        .await
        .unwrap();
    assert_eq!((second.total, second.items.len(), second.items[0].id), (2, 1, w.a2.id));
    // e-mail addresses are unique
    let dup = s
        .create_person(
            &NewPerson {
                email: "a@example.com".into(),
                name: "X".into(),
            },
            &ctx(),
        )
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
    // each change wrote an audit row
    let audit = s
        .list_audit(
            AuditFilter {
                company: Some(w.company_a.id),
                app: None,
            },
            page(),
        )
        .await
        .unwrap();
    let actions: Vec<&str> = audit.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, vec!["company.create", "project.create", "project.create"]);
}

async fn tenant_scoped_lookups(s: Arc<dyn Store>) {
    let w = world(&s).await;
    assert!(s.find_project(w.company_a.id, w.a1.id).await.unwrap().is_some());
    assert!(
        s.find_project(w.company_a.id, w.b1.id).await.unwrap().is_none(),
        "B's project through A"
    );
    assert!(s.find_project(w.company_b.id, w.a1.id).await.unwrap().is_none());
    let inst = s
        .install_app(&new_install(&w, w.company_a.id, vec![w.a1.id]), &ctx())
        .await
        .unwrap();
    assert!(
        s.find_install(w.company_b.id, inst.id).await.unwrap().is_none(),
        "A's install through B"
    );
    let r = s.uninstall(w.company_b.id, inst.id, &ctx()).await;
    assert!(matches!(r, Err(StoreError::NotFound)), "{r:?}");
    let r = s
        .remove_permitted_project(w.company_b.id, inst.id, w.a1.id, &ctx())
        .await;
    assert!(matches!(r, Err(StoreError::NotFound)), "{r:?}");
    assert!(s
        .list_permitted_projects(w.company_b.id, inst.id)
        .await
        .unwrap()
        .is_empty());
    // the bot's project membership is not visible through another company
    assert!(s
        .project_membership(w.company_b.id, w.a1.id, inst.bot_user_id)
        .await
        .unwrap()
        .is_none());
    assert!(s
        .project_membership(w.company_a.id, w.a1.id, inst.bot_user_id)
        .await
        .unwrap()
        .is_some());
}

async fn versions_and_promotion(s: Arc<dyn Store>) {
    let dev = s
        .create_person(
            &NewPerson {
                email: "d@example.com".into(),
                name: "D".into(),
            },
            &ctx(),
        )
        .await
        .unwrap();
    let app = s.create_app(dev.id, "App", &sandbox("App"), &ctx()).await.unwrap();
    let v1 = s
        .create_version(app.id, "0.1.0", r#"{"a":1}"#, "sk-2", &ctx())
        .await
        .unwrap();
    assert_eq!(v1.status, VersionStatus::ReadyForTesting);
    let dup = s.create_version(app.id, "0.1.0", "{}", "sk-3", &ctx()).await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))));
    // by SemVer precedence, not the raw string: build metadata does not make a new version
    for same_or_lower in ["0.1.0+build.9", "0.1.0-rc.1", "0.0.9"] {
        let r = s
            .create_version(app.id, same_or_lower, "{}", &format!("sk-{same_or_lower}"), &ctx())
            .await;
        assert!(matches!(r, Err(StoreError::Conflict(_))), "{same_or_lower}: {r:?}");
    }
    let v1 = s
        .update_version(app.id, v1.id, r#"{"a":2}"#, "sk-2b", &ctx())
        .await
        .unwrap();
    assert_eq!(v1.manifest_json, r#"{"a":2}"#);
    let creds = NewClient {
        environment: Environment::Production,
        client_id: "cid".into(),
        secret_hash: "h1".into(),
    };
    let p = s
        .promote_version(app.id, v1.id, "uuid-1", Some(&creds), &[], &ctx())
        .await
        .unwrap();
    assert_eq!(p.version.status, VersionStatus::Promoted);
    assert_eq!(p.version.app_version_uuid.as_deref(), Some("uuid-1"));
    assert_eq!(p.created_client.as_ref().unwrap().client_id, "cid");
    // promoted versions are immutable and promote once
    assert!(matches!(
        s.update_version(app.id, v1.id, "{}", "sk-2c", &ctx()).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        s.promote_version(app.id, v1.id, "uuid-x", None, &[], &ctx()).await,
        Err(StoreError::Conflict(_))
    ));
    // a second promotion does not create another client
    let v2 = s.create_version(app.id, "0.2.0", "{}", "sk-4", &ctx()).await.unwrap();
    let creds2 = NewClient {
        environment: Environment::Production,
        client_id: "cid2".into(),
        secret_hash: "h2".into(),
    };
    let p2 = s
        .promote_version(app.id, v2.id, "uuid-2", Some(&creds2), &[], &ctx())
        .await
        .unwrap();
    assert!(p2.created_client.is_none());
    assert!(s.find_client_by_client_id("cid2").await.unwrap().is_none());
    let found = s.find_client_by_client_id("cid").await.unwrap().unwrap();
    assert_eq!(found.client.app_id, app.id);
    assert_eq!(found.secrets.len(), 1);
    assert_eq!(found.secrets[0].secret_hash, "h1");
    assert_eq!(s.find_live_secret(found.secrets[0].id).await.unwrap(), Some(None));
    assert_eq!(
        s.find_live_secret(SecretId(found.secrets[0].id.0 + 1000))
            .await
            .unwrap(),
        None
    );
    assert_eq!(s.latest_promoted_version(app.id).await.unwrap().unwrap().id, v2.id);
    assert_eq!(s.find_version_by_uuid("uuid-1").await.unwrap().unwrap().id, v1.id);
    assert!(s.find_version_by_uuid("nope").await.unwrap().is_none());
    // a version of another app is not found through this app
    let other = s.create_app(dev.id, "Other", &sandbox("Other"), &ctx()).await.unwrap();
    assert!(s.find_version(other.id, v1.id).await.unwrap().is_none());
    assert!(matches!(
        s.promote_version(other.id, v2.id, "u", None, &[], &ctx()).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(s.list_versions(app.id).await.unwrap().len(), 2);
    assert_eq!(s.list_apps(dev.id, page()).await.unwrap().total, 2);
}

async fn install_lifecycle(s: Arc<dyn Store>) {
    let w = world(&s).await;
    let inst = s
        .install_app(&new_install(&w, w.company_a.id, vec![w.a1.id]), &ctx())
        .await
        .unwrap();
    let bot = s.find_user(inst.bot_user_id).await.unwrap().unwrap();
    assert_eq!(bot.kind, UserKind::Bot);
    let m = s.company_membership(w.company_a.id, bot.id).await.unwrap().unwrap();
    assert!(m.is_active && !m.is_admin);
    assert_eq!(
        m.permissions.level("directory"),
        trestle_domain::permissions::Level::ReadOnly
    );
    let again = s.install_app(&new_install(&w, w.company_a.id, vec![]), &ctx()).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    assert_eq!(
        s.list_app_companies(w.app.id, Environment::Production, page(), None)
            .await
            .unwrap()
            .items,
        vec![w.company_a.clone()]
    );
    let inst_b = s
        .install_app(&new_install(&w, w.company_b.id, vec![w.b1.id]), &ctx())
        .await
        .unwrap();
    assert_ne!(inst_b.bot_user_id, inst.bot_user_id, "one bot per company");
    assert_eq!(
        s.list_app_companies(w.app.id, Environment::Production, page(), None)
            .await
            .unwrap()
            .total,
        2
    );

    let gone = s.uninstall(w.company_a.id, inst.id, &ctx()).await.unwrap();
    assert_eq!(gone.status, InstallStatus::Uninstalled);
    assert!(
        !s.company_membership(w.company_a.id, bot.id)
            .await
            .unwrap()
            .unwrap()
            .is_active
    );
    assert!(s
        .project_membership(w.company_a.id, w.a1.id, bot.id)
        .await
        .unwrap()
        .is_none());
    assert!(s.find_active_install(w.company_a.id, w.app.id).await.unwrap().is_none());
    assert_eq!(
        s.list_app_companies(w.app.id, Environment::Production, page(), None)
            .await
            .unwrap()
            .items,
        vec![w.company_b.clone()]
    );
    assert!(matches!(
        s.uninstall(w.company_a.id, inst.id, &ctx()).await,
        Err(StoreError::Conflict(_))
    ));

    // reinstall reuses the bot and starts from the chosen projects only
    let re = s
        .install_app(&new_install(&w, w.company_a.id, vec![w.a2.id]), &ctx())
        .await
        .unwrap();
    assert_eq!(re.bot_user_id, bot.id);
    assert_eq!(
        s.list_permitted_projects(w.company_a.id, re.id).await.unwrap(),
        vec![w.a2.id]
    );
    assert!(
        s.company_membership(w.company_a.id, bot.id)
            .await
            .unwrap()
            .unwrap()
            .is_active
    );

    // a foreign project in the install request rolls the whole install back
    let bad = s
        .install_app(&new_install(&w, w.company_b.id, vec![w.a1.id]), &ctx())
        .await;
    assert!(bad.is_err());
    let actions: Vec<String> = s
        .list_audit(
            AuditFilter {
                company: Some(w.company_a.id),
                app: Some(w.app.id),
            },
            page(),
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, vec!["app.install", "app.uninstall", "app.install"]);
}

async fn permitted_projects(s: Arc<dyn Store>) {
    let w = world(&s).await;
    let inst = s
        .install_app(&new_install(&w, w.company_a.id, vec![w.a1.id]), &ctx())
        .await
        .unwrap();
    s.add_permitted_projects(w.company_a.id, inst.id, &[w.a2.id], &ctx())
        .await
        .unwrap();
    assert_eq!(
        s.list_permitted_projects(w.company_a.id, inst.id).await.unwrap(),
        vec![w.a1.id, w.a2.id]
    );
    let listed = s
        .list_projects(w.company_a.id, Some(inst.bot_user_id), page(), None)
        .await
        .unwrap();
    assert_eq!(listed.total, 2);
    // another company's project cannot be permitted, and nothing is half-written
    let r = s
        .add_permitted_projects(w.company_a.id, inst.id, &[w.b1.id], &ctx())
        .await;
    assert!(r.is_err());
    s.remove_permitted_project(w.company_a.id, inst.id, w.a1.id, &ctx())
        .await
        .unwrap();
    assert_eq!(
        s.list_permitted_projects(w.company_a.id, inst.id).await.unwrap(),
        vec![w.a2.id]
    );
    assert!(matches!(
        s.remove_permitted_project(w.company_a.id, inst.id, w.a1.id, &ctx())
            .await,
        Err(StoreError::NotFound)
    ));
    let pm = s
        .project_membership(w.company_a.id, w.a2.id, inst.bot_user_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        pm.permissions.level("documents"),
        trestle_domain::permissions::Level::Standard
    );
}

async fn add_all_and_new_projects(s: Arc<dyn Store>) {
    let w = world(&s).await;
    let mut ni = new_install(&w, w.company_a.id, vec![]);
    ni.add_to_new_projects = true;
    let inst = s.install_app(&ni, &ctx()).await.unwrap();
    assert_eq!(
        s.add_all_permitted_projects(w.company_a.id, inst.id, &ctx())
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        s.add_all_permitted_projects(w.company_a.id, inst.id, &ctx())
            .await
            .unwrap(),
        0
    );
    let p3 = s
        .create_project(
            w.company_a.id,
            &NewProject {
                name: "A3".into(),
                ..Default::default()
            },
            &ctx(),
        )
        .await
        .unwrap();
    assert_eq!(
        s.list_permitted_projects(w.company_a.id, inst.id).await.unwrap(),
        vec![w.a1.id, w.a2.id, p3.id],
        "the new project includes the bot"
    );
    // B's install without the flag does not get B's new project
    let inst_b = s
        .install_app(&new_install(&w, w.company_b.id, vec![]), &ctx())
        .await
        .unwrap();
    s.create_project(
        w.company_b.id,
        &NewProject {
            name: "B2".into(),
            ..Default::default()
        },
        &ctx(),
    )
    .await
    .unwrap();
    assert!(s
        .list_permitted_projects(w.company_b.id, inst_b.id)
        .await
        .unwrap()
        .is_empty());
}

async fn api_tokens(s: Arc<dyn Store>) {
    let u = s
        .create_person(
            &NewPerson {
                email: "t@example.com".into(),
                name: "T".into(),
            },
            &ctx(),
        )
        .await
        .unwrap();
    s.create_api_token(
        &NewApiToken {
            token_hash: "hash-u".into(),
            user: Some(u.id),
            label: "cli".into(),
        },
        &ctx(),
    )
    .await
    .unwrap();
    s.create_api_token(
        &NewApiToken {
            token_hash: "hash-op".into(),
            user: None,
            label: "operator".into(),
        },
        &ctx(),
    )
    .await
    .unwrap();
    assert_eq!(
        s.find_api_token("hash-u").await.unwrap(),
        Some(ApiTokenOwner::User(u.id))
    );
    assert_eq!(
        s.find_api_token("hash-op").await.unwrap(),
        Some(ApiTokenOwner::Operator)
    );
    assert_eq!(s.find_api_token("nope").await.unwrap(), None);
}

async fn bots_cannot_join_another_directory(s: Arc<dyn Store>) {
    let w = world(&s).await;
    let inst = s
        .install_app(&new_install(&w, w.company_a.id, vec![]), &ctx())
        .await
        .unwrap();
    let r = s
        .add_company_member(
            w.company_b.id,
            &NewMember {
                user: inst.bot_user_id,
                is_admin: false,
                permissions_json: "{}".into(),
            },
            &ctx(),
        )
        .await;
    assert!(matches!(r, Err(StoreError::Conflict(_))), "{r:?}");
    assert!(s
        .company_membership(w.company_b.id, inst.bot_user_id)
        .await
        .unwrap()
        .is_none());
}

async fn apps_come_with_a_development_sandbox(s: Arc<dyn Store>) {
    let dev = s
        .create_person(
            &NewPerson {
                email: "d@example.com".into(),
                name: "D".into(),
            },
            &ctx(),
        )
        .await
        .unwrap();
    let app = s.create_app(dev.id, "Sandy", &sandbox("Sandy"), &ctx()).await.unwrap();
    let sb = app.sandbox_company_id.expect("sandbox company");
    let company = s.find_company(sb).await.unwrap().unwrap();
    assert_eq!(company.sandbox_of_app, Some(app.id));
    assert_eq!(company.name, "Sandy Sandbox");
    assert!(
        s.company_membership(sb, dev.id).await.unwrap().unwrap().is_admin,
        "the developer administers it"
    );
    assert_eq!(s.list_projects(sb, None, page(), None).await.unwrap().total, 1);
    let client = s.find_client(Environment::Sandbox, app.id).await.unwrap().unwrap();
    assert_eq!(client.client_id, "sandbox-sandy");
    assert!(s.find_client(Environment::Production, app.id).await.unwrap().is_none());
    // sandbox keys find versions and change on every save
    let v = s.create_version(app.id, "0.1.0", "{}", "key-a", &ctx()).await.unwrap();
    assert_eq!(s.find_version_by_sandbox_key("key-a").await.unwrap().unwrap().id, v.id);
    s.update_version(app.id, v.id, "{}", "key-b", &ctx()).await.unwrap();
    assert!(s.find_version_by_sandbox_key("key-a").await.unwrap().is_none());
    assert_eq!(s.find_version_by_sandbox_key("key-b").await.unwrap().unwrap().id, v.id);
    assert_eq!(s.latest_version(app.id).await.unwrap().unwrap().id, v.id);
    assert!(s.latest_promoted_version(app.id).await.unwrap().is_none());
    // an install in the sandbox is listed for the sandbox environment only
    let bot = NewInstall {
        company: sb,
        app: app.id,
        version: v.id,
        bot_email: "sandy-bot@bots.invalid".into(),
        bot_name: "Sandy bot".into(),
        company_permissions_json: "{}".into(),
        project_permissions_json: "{}".into(),
        permitted_projects: vec![],
        add_to_new_projects: false,
        installed_by: Some(dev.id),
    };
    s.install_app(&bot, &ctx()).await.unwrap();
    assert_eq!(
        s.list_app_companies(app.id, Environment::Sandbox, page(), None)
            .await
            .unwrap()
            .items[0]
            .id,
        sb
    );
    assert_eq!(
        s.list_app_companies(app.id, Environment::Production, page(), None)
            .await
            .unwrap()
            .total,
        0
    );
}

async fn rename_and_guarded_delete(s: Arc<dyn Store>) {
    let w = world(&s).await;
    let renamed = s.rename_app(w.app.id, "Sync Pro", &ctx()).await.unwrap();
    assert_eq!(renamed.name, "Sync Pro");
    let inst = s
        .install_app(&new_install(&w, w.company_a.id, vec![w.a1.id]), &ctx())
        .await
        .unwrap();
    let refused = s.delete_app(w.app.id, &ctx()).await;
    assert!(
        matches!(&refused, Err(StoreError::Conflict(m)) if m.contains("1 company")),
        "{refused:?}"
    );
    assert!(s.find_app(w.app.id).await.unwrap().is_some(), "nothing deleted");
    s.uninstall(w.company_a.id, inst.id, &ctx()).await.unwrap();
    s.delete_app(w.app.id, &ctx()).await.unwrap();
    assert!(s.find_app(w.app.id).await.unwrap().is_none());
    assert!(matches!(
        s.rename_app(w.app.id, "x", &ctx()).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.delete_app(w.app.id, &ctx()).await,
        Err(StoreError::NotFound)
    ));
    let sandbox = s
        .find_company(w.app.sandbox_company_id.unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(!sandbox.is_active, "the sandbox company goes with the app");
    assert!(
        s.find_client_by_client_id("sandbox-sync").await.unwrap().is_none(),
        "its clients stop working"
    );
}

async fn secret_rotation(s: Arc<dyn Store>) {
    let w = world(&s).await;
    let client = s.find_client(Environment::Sandbox, w.app.id).await.unwrap().unwrap();
    let first = s.list_secrets(client.pk).await.unwrap()[0].id;
    // the last live secret cannot be retired
    assert!(matches!(
        s.revoke_secret(client.pk, first, &ctx()).await,
        Err(StoreError::Conflict(_))
    ));
    let second = s
        .add_secret(client.pk, "second-hash", Some(1_800_000_000), &ctx())
        .await
        .unwrap();
    let listed = s.list_secrets(client.pk).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].expires_at, Some(1_800_000_000), "the old secret now expires");
    assert_eq!(listed[1].expires_at, None);
    assert_eq!(s.find_live_secret(first).await.unwrap(), Some(Some(1_800_000_000)));
    let creds = s.find_client_by_client_id(&client.client_id).await.unwrap().unwrap();
    assert_eq!(creds.secrets.len(), 2);
    s.revoke_secret(client.pk, first, &ctx()).await.unwrap();
    assert_eq!(s.find_live_secret(first).await.unwrap(), None);
    assert_eq!(s.find_live_secret(second).await.unwrap(), Some(None));
    assert!(matches!(
        s.revoke_secret(client.pk, first, &ctx()).await,
        Err(StoreError::NotFound)
    ));
    // another client's secret id is not found through this client
    let other = s.find_client(Environment::Sandbox, w.app.id).await.unwrap().unwrap();
    assert!(matches!(
        s.revoke_secret(ClientPk(other.pk.0 + 999), second, &ctx()).await,
        Err(StoreError::NotFound)
    ));
    let actions: Vec<String> = s
        .list_audit(
            AuditFilter {
                company: None,
                app: Some(w.app.id),
            },
            page(),
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|e| e.action)
        .filter(|a| a.starts_with("client_secret"))
        .collect();
    assert_eq!(actions, vec!["client_secret.rotate", "client_secret.retire"]);
}

async fn promotion_offers_updates(s: Arc<dyn Store>) {
    let w = world(&s).await;
    let ia = s
        .install_app(&new_install(&w, w.company_a.id, vec![w.a1.id]), &ctx())
        .await
        .unwrap();
    let ib = s
        .install_app(&new_install(&w, w.company_b.id, vec![w.b1.id]), &ctx())
        .await
        .unwrap();
    let v2 = s
        .create_version(w.app.id, "2.0.0", "{}", "sk-v2", &ctx())
        .await
        .unwrap();
    let plan = |i: &Install, company: &Company, apply_now: bool| PlannedUpdate {
        install: i.id,
        company: company.id,
        from_version: w.version.id,
        widened_json: if apply_now {
            "[]".into()
        } else {
            r#"[["documents","standard","admin"]]"#.into()
        },
        apply_now,
        company_permissions_json: r#"{"directory":"admin"}"#.into(),
        project_permissions_json: r#"{"documents":"admin"}"#.into(),
    };
    let updates = vec![plan(&ia, &w.company_a, false), plan(&ib, &w.company_b, true)];
    s.promote_version(w.app.id, v2.id, "uuid-v2", None, &updates, &ctx())
        .await
        .unwrap();
    // B applied at once; A waits, with its old permissions
    assert_eq!(
        s.find_install(w.company_b.id, ib.id).await.unwrap().unwrap().version_id,
        v2.id
    );
    let pb = s
        .project_membership(w.company_b.id, w.b1.id, ib.bot_user_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        pb.permissions.level("documents"),
        trestle_domain::permissions::Level::Admin
    );
    assert_eq!(
        s.find_install(w.company_a.id, ia.id).await.unwrap().unwrap().version_id,
        w.version.id
    );
    let pa = s
        .project_membership(w.company_a.id, w.a1.id, ia.bot_user_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        pa.permissions.level("documents"),
        trestle_domain::permissions::Level::Standard
    );
    let offers = s.list_updates(UpdateFilter::Install(ia.id)).await.unwrap();
    assert_eq!(offers.len(), 1);
    assert_eq!(offers[0].status, "pending");
    assert_eq!(s.list_updates(UpdateFilter::App(w.app.id)).await.unwrap().len(), 2);
    // another company cannot approve A's update
    let r = s.approve_update(w.company_b.id, offers[0].id, "{}", "{}", &ctx()).await;
    assert!(matches!(r, Err(StoreError::NotFound)), "{r:?}");
    let done = s
        .approve_update(
            w.company_a.id,
            offers[0].id,
            r#"{"directory":"admin"}"#,
            r#"{"documents":"admin"}"#,
            &ctx(),
        )
        .await
        .unwrap();
    assert_eq!(done.status, "approved");
    assert_eq!(
        s.find_install(w.company_a.id, ia.id).await.unwrap().unwrap().version_id,
        v2.id
    );
    let pa = s
        .project_membership(w.company_a.id, w.a1.id, ia.bot_user_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        pa.permissions.level("documents"),
        trestle_domain::permissions::Level::Admin
    );
    let ma = s
        .company_membership(w.company_a.id, ia.bot_user_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        ma.permissions.level("directory"),
        trestle_domain::permissions::Level::Admin
    );
    assert!(matches!(
        s.approve_update(w.company_a.id, offers[0].id, "{}", "{}", &ctx()).await,
        Err(StoreError::Conflict(_))
    ));
}

async fn documents_are_scoped_to_their_project(s: Arc<dyn Store>) {
    let w = world(&s).await;
    let (c, p) = (w.company_a.id, w.a1.id);
    let folder = s
        .create_document(
            c,
            p,
            &NewDocument {
                parent_id: None,
                kind: DocumentKind::Folder,
                name: "Specs".into(),
                data: None,
                created_by: None,
            },
            &ctx(),
        )
        .await
        .unwrap();
    let file = s
        .create_document(
            c,
            p,
            &NewDocument {
                parent_id: Some(folder.id),
                kind: DocumentKind::File,
                name: "a.txt".into(),
                data: Some("hi".into()),
                created_by: None,
            },
            &ctx(),
        )
        .await
        .unwrap();
    assert_eq!(s.list_documents(c, p, None).await.unwrap(), vec![folder.clone()]);
    assert_eq!(
        s.list_documents(c, p, Some(folder.id)).await.unwrap(),
        vec![file.clone()]
    );
    // other project / other company: not found, nothing created
    assert!(s.find_document(c, w.a2.id, file.id).await.unwrap().is_none());
    assert!(s
        .find_document(w.company_b.id, w.b1.id, file.id)
        .await
        .unwrap()
        .is_none());
    let bad_parent = NewDocument {
        parent_id: Some(folder.id),
        kind: DocumentKind::File,
        name: "x".into(),
        data: None,
        created_by: None,
    };
    assert!(matches!(
        s.create_document(c, w.a2.id, &bad_parent, &ctx()).await,
        Err(StoreError::NotFound)
    ));
    let under_file = NewDocument {
        parent_id: Some(file.id),
        kind: DocumentKind::File,
        name: "x".into(),
        data: None,
        created_by: None,
    };
    assert!(matches!(
        s.create_document(c, p, &under_file, &ctx()).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.create_document(w.company_b.id, p, &bad_parent, &ctx()).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.update_document(w.company_b.id, w.b1.id, file.id, Some("y"), None, &ctx())
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.delete_document(w.company_b.id, w.b1.id, folder.id, &ctx()).await,
        Err(StoreError::NotFound)
    ));
    let renamed = s
        .update_document(c, p, file.id, Some("b.txt"), None, &ctx())
        .await
        .unwrap();
    assert_eq!((renamed.name.as_str(), renamed.data.as_deref()), ("b.txt", Some("hi")));
    // deleting a folder deletes its contents
    s.delete_document(c, p, folder.id, &ctx()).await.unwrap();
    assert!(s.find_document(c, p, file.id).await.unwrap().is_none());
    assert!(s.list_documents(c, p, None).await.unwrap().is_empty());
}

async fn directories_and_project_members(s: Arc<dyn Store>) {
    let w = world(&s).await;
    let inst = s
        .install_app(&new_install(&w, w.company_a.id, vec![w.a1.id]), &ctx())
        .await
        .unwrap();
    let worker = s
        .create_person(
            &NewPerson {
                email: "w@example.com".into(),
                name: "W".into(),
            },
            &ctx(),
        )
        .await
        .unwrap();
    s.add_company_member(
        w.company_a.id,
        &NewMember {
            user: worker.id,
            is_admin: false,
            permissions_json: "{}".into(),
        },
        &ctx(),
    )
    .await
    .unwrap();
    let dir = s.list_company_users(w.company_a.id, page()).await.unwrap();
    assert_eq!(dir.total, 3, "admin, bot, worker");
    assert!(dir.items.iter().any(|e| e.user.kind == UserKind::Bot));
    assert_eq!(s.list_company_users(w.company_b.id, page()).await.unwrap().total, 1);
    s.add_project_member(
        w.company_a.id,
        w.a1.id,
        worker.id,
        r#"{"documents":"read_only"}"#,
        &ctx(),
    )
    .await
    .unwrap();
    let pdir = s.list_project_users(w.company_a.id, w.a1.id, page()).await.unwrap();
    assert_eq!(
        pdir.items.iter().map(|e| e.user.id).collect::<Vec<_>>(),
        vec![inst.bot_user_id, worker.id]
    );
    // a project of another company, a non-member, a bot: refused
    assert!(s
        .add_project_member(w.company_a.id, w.b1.id, worker.id, "{}", &ctx())
        .await
        .is_err());
    assert!(s
        .add_project_member(w.company_b.id, w.b1.id, worker.id, "{}", &ctx())
        .await
        .is_err());
    assert!(matches!(
        s.add_project_member(w.company_a.id, w.a2.id, inst.bot_user_id, "{}", &ctx())
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        s.remove_project_member(w.company_a.id, w.a1.id, inst.bot_user_id, &ctx())
            .await,
        Err(StoreError::Conflict(_))
    ));
    let bot_update = NewMember {
        user: inst.bot_user_id,
        is_admin: true,
        permissions_json: "{}".into(),
    };
    assert!(matches!(
        s.update_company_member(w.company_a.id, &bot_update, &ctx()).await,
        Err(StoreError::Conflict(_))
    ));
    s.update_company_member(
        w.company_a.id,
        &NewMember {
            user: worker.id,
            is_admin: true,
            permissions_json: "{}".into(),
        },
        &ctx(),
    )
    .await
    .unwrap();
    assert!(
        s.company_membership(w.company_a.id, worker.id)
            .await
            .unwrap()
            .unwrap()
            .is_admin
    );
    s.remove_project_member(w.company_a.id, w.a1.id, worker.id, &ctx())
        .await
        .unwrap();
    assert!(matches!(
        s.remove_project_member(w.company_a.id, w.a1.id, worker.id, &ctx())
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(s.find_project_company(w.b1.id).await.unwrap(), Some(w.company_b.id));
    let toggled = s
        .set_add_to_new_projects(w.company_a.id, inst.id, true, &ctx())
        .await
        .unwrap();
    assert!(toggled.add_to_new_projects);
    assert!(s
        .set_add_to_new_projects(w.company_b.id, inst.id, true, &ctx())
        .await
        .is_err());
}

async fn marketplace_publishing(s: Arc<dyn Store>) {
    let w = world(&s).await;
    let dev = w.app.owner_id;
    let draft = s.create_app(dev, "Draft", &sandbox("Draft"), &ctx()).await.unwrap();
    assert!(matches!(
        s.publish_app(draft.id, &ctx()).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(s.list_published_apps(page()).await.unwrap().total, 0);
    let published = s.publish_app(w.app.id, &ctx()).await.unwrap();
    assert!(published.published_at.is_some());
    let listed = s.list_published_apps(page()).await.unwrap();
    assert_eq!(listed.items.iter().map(|a| a.id).collect::<Vec<_>>(), vec![w.app.id]);
}

async fn service_accounts_lifecycle(s: Arc<dyn Store>) {
    let w = world(&s).await;
    let new = NewServiceAccount {
        company: w.company_a.id,
        name: "Legacy".into(),
        app_type: "custom".into(),
        app_id: None,
        client_id: "sa-client".into(),
        secret_hash: "sa-hash-1".into(),
        contact_email: "sa@service.invalid".into(),
    };
    let a = s.create_service_account(&new, &ctx()).await.unwrap();
    assert_eq!(
        s.list_service_accounts(Some(w.company_a.id)).await.unwrap(),
        vec![a.clone()]
    );
    assert!(s.list_service_accounts(Some(w.company_b.id)).await.unwrap().is_empty());
    assert!(
        s.find_service_account(w.company_b.id, a.id).await.unwrap().is_none(),
        "tenant scoped"
    );
    let (found, secrets) = s.find_service_account_by_client_id("sa-client").await.unwrap().unwrap();
    assert_eq!((found.id, secrets.len()), (a.id, 1));
    // its contact can be given permissions and projects by the admin (unlike an app's bot)
    s.update_company_member(
        w.company_a.id,
        &NewMember {
            user: a.user_id,
            is_admin: false,
            permissions_json: r#"{"directory":"read_only"}"#.into(),
        },
        &ctx(),
    )
    .await
    .unwrap();
    s.add_project_member(w.company_a.id, w.a1.id, a.user_id, "{}", &ctx())
        .await
        .unwrap();
    // reset: new secret only, permissions and projects gone
    s.reset_service_account(w.company_a.id, a.id, "sa-hash-2", &ctx())
        .await
        .unwrap();
    let (_, secrets) = s.find_service_account_by_client_id("sa-client").await.unwrap().unwrap();
    assert_eq!(
        secrets.iter().map(|x| x.1.as_str()).collect::<Vec<_>>(),
        vec!["sa-hash-2"]
    );
    assert!(s.find_service_account_by_secret(secrets[0].0).await.unwrap().is_some());
    let m = s.company_membership(w.company_a.id, a.user_id).await.unwrap().unwrap();
    assert_eq!(
        m.permissions.level("directory"),
        trestle_domain::permissions::Level::None
    );
    assert!(s
        .project_membership(w.company_a.id, w.a1.id, a.user_id)
        .await
        .unwrap()
        .is_none());
    assert!(matches!(
        s.reset_service_account(w.company_b.id, a.id, "x", &ctx()).await,
        Err(StoreError::NotFound)
    ));
    s.retire_service_account(w.company_a.id, a.id, &ctx()).await.unwrap();
    assert!(s.find_service_account_by_secret(secrets[0].0).await.unwrap().is_none());
    assert!(
        !s.company_membership(w.company_a.id, a.user_id)
            .await
            .unwrap()
            .unwrap()
            .is_active
    );
    assert!(matches!(
        s.retire_service_account(w.company_a.id, a.id, &ctx()).await,
        Err(StoreError::NotFound)
    ));
}

async fn sign_in_codes_and_refresh_tokens(s: Arc<dyn Store>) {
    let w = world(&s).await;
    let person = w.admin_a.id;
    s.set_password(person, "argon-hash", &ctx()).await.unwrap();
    assert_eq!(
        s.find_login("a@example.com").await.unwrap(),
        Some((person, "argon-hash".to_string()))
    );
    let client = NewClient {
        environment: Environment::Production,
        client_id: "c1".into(),
        secret_hash: "h".into(),
    };
    let v2 = s.create_version(w.app.id, "2.0.0", "{}", "k2", &ctx()).await.unwrap();
    let p = s
        .promote_version(w.app.id, v2.id, "u2", Some(&client), &[], &ctx())
        .await
        .unwrap();
    let client = p.created_client.unwrap();
    let code = NewCode {
        code_hash: "code1".into(),
        client: client.pk,
        user: person,
        redirect_uri: "https://x/cb".into(),
        code_challenge: None,
        expires_at: 2_000_000_000,
    };
    s.create_code(&code).await.unwrap();
    let CodeRedemption::Redeemed(found) = s.redeem_code("code1").await.unwrap() else {
        panic!("first redemption wins")
    };
    assert_eq!(found.user, person);
    assert_eq!(
        s.redeem_code("code1").await.unwrap(),
        CodeRedemption::Replayed { grant: None }
    );
    assert_eq!(s.redeem_code("nope").await.unwrap(), CodeRedemption::Unknown);
    let grant = s.create_grant("code1", &found, w.app.id, "rt1", &ctx()).await.unwrap();
    assert_eq!(
        s.redeem_code("code1").await.unwrap(),
        CodeRedemption::Replayed { grant: Some(grant.id) }
    );
    let RefreshRotation::Rotated(g) = s.rotate_refresh("rt1", "rt2", &ctx()).await.unwrap() else {
        panic!("rotates")
    };
    assert_eq!(g.id, grant.id);
    assert_eq!(s.find_refresh_grant("rt1").await.unwrap().unwrap().id, grant.id);
    assert_eq!(
        s.rotate_refresh("rt1", "rt3", &ctx()).await.unwrap(),
        RefreshRotation::Reused { grant: grant.id }
    );
    assert!(
        s.find_grant(grant.id).await.unwrap().unwrap().revoked,
        "reuse revoked the grant"
    );
    assert_eq!(
        s.rotate_refresh("unknown", "rt4", &ctx()).await.unwrap(),
        RefreshRotation::Unknown
    );
    s.create_web_session("sess", person, "csrf", 100, 200).await.unwrap();
    assert_eq!(
        s.find_web_session("sess", 150).await.unwrap(),
        Some(WebSession {
            user: person,
            csrf: "csrf".into(),
            created_at: 100
        })
    );
    assert_eq!(s.find_web_session("sess", 200).await.unwrap(), None, "expired");
    s.create_web_session("sess2", person, "csrf2", 100, 200).await.unwrap();
    s.end_web_session("sess2").await.unwrap();
    assert_eq!(s.find_web_session("sess2", 150).await.unwrap(), None, "signed out");
    s.end_web_session("sess2").await.unwrap();
    s.add_redirect_uri(w.app.id, "https://x/cb", &ctx()).await.unwrap();
    s.add_redirect_uri(w.app.id, "https://x/cb", &ctx()).await.unwrap();
    assert_eq!(
        s.list_redirect_uris(w.app.id).await.unwrap(),
        vec!["https://x/cb".to_string()]
    );
}

async fn project_search_is_scoped_and_literal(s: Arc<dyn Store>) {
    let admin = s
        .create_person(
            &NewPerson {
                email: "admin@example.com".into(),
                name: "Admin".into(),
            },
            &ctx(),
        )
        .await
        .unwrap();
    let a = s.create_company("Acme", admin.id, &ctx()).await.unwrap();
    let b = s.create_company("Beta", admin.id, &ctx()).await.unwrap();
    let np = |n: &str, number: Option<&str>| NewProject {
        name: n.into(),
        project_number: number.map(Into::into),
        ..Default::default()
    };
    let tower = s
        .create_project(a.id, &np("Harbor Tower", Some("HT-1")), &ctx())
        .await
        .unwrap();
    let clinic = s
        .create_project(a.id, &np("Main Street Clinic", None), &ctx())
        .await
        .unwrap();
    let pct = s
        .create_project(a.id, &np("50% Fit-out", Some("X_9")), &ctx())
        .await
        .unwrap();
    s.create_project(b.id, &np("Harbor Bridge", None), &ctx())
        .await
        .unwrap();
    let ids = |p: trestle_domain::page::Page<Project>| p.items.iter().map(|p| p.id).collect::<Vec<_>>();
    let page = PageRequest::new(1, 100);

    // Case-insensitive, on name or number, inside the company only.
    assert_eq!(
        ids(s.search_projects(a.id, "harbor", page).await.unwrap()),
        vec![tower.id]
    );
    assert_eq!(ids(s.search_projects(a.id, "ht-", page).await.unwrap()), vec![tower.id]);
    assert_eq!(ids(s.search_projects(b.id, "tower", page).await.unwrap()), vec![]);
    // Wildcards in the query are literal characters.
    assert_eq!(ids(s.search_projects(a.id, "%", page).await.unwrap()), vec![pct.id]);
    assert_eq!(ids(s.search_projects(a.id, "x_", page).await.unwrap()), vec![pct.id]);
    // Empty query: every active project, paged, with the total.
    let all = s.search_projects(a.id, "", PageRequest::new(1, 2)).await.unwrap();
    assert_eq!(all.total, 3);
    assert_eq!(ids(all), vec![tower.id, clinic.id]);
}

/// Project management, invitations and the operator's listings.
#[path = "suite/manage.rs"]
mod manage;

/// The directory and projects as the REST endpoints write them.
#[path = "suite/profiles.rs"]
mod profiles;

/// Events: the audit log and the outbox, written together or not at all.
#[path = "suite/events.rs"]
mod events;

/// Project lists: maintained totals after every kind of change, keyset pages.
#[path = "suite/lists.rs"]
mod lists;

/// Tool records: the generic record store behind every catalog operation.
#[path = "suite/records.rs"]
mod records;

/// App lifecycle endpoints: app-scoped, their queue, redelivery, expiring secrets.
#[path = "suite/endpoints.rs"]
mod endpoints;

/// The janitor's purge: expired sessions, codes, revocations, refresh tokens and grants go, in
/// batches; live ones stay; a second purge finds nothing.
async fn purge_removes_expired_rows_only(s: Arc<dyn Store>) {
    const NOW: i64 = 1_800_000_000;
    let w = world(&s).await;
    let person = w.admin_a.id;
    let client = NewClient {
        environment: Environment::Production,
        client_id: "c1".into(),
        secret_hash: "h".into(),
    };
    let v2 = s.create_version(w.app.id, "2.0.0", "{}", "k2", &ctx()).await.unwrap();
    let p = s
        .promote_version(w.app.id, v2.id, "u2", Some(&client), &[], &ctx())
        .await
        .unwrap();
    let client = p.created_client.unwrap().pk;
    for (hash, expires_at) in [("s-old1", NOW - 1), ("s-old2", NOW), ("s-live", NOW + 1)] {
        s.create_web_session(hash, person, "csrf", 100, expires_at)
            .await
            .unwrap();
    }
    // A grant approved long ago (its code long expired) and a recent one (its code still live).
    let mut grants = Vec::new();
    for (tag, expires_at, approved_at) in [("old", NOW - 1, 1_000), ("live", NOW + 600, NOW - 10)] {
        let code_hash = format!("code-{tag}");
        s.create_code(&NewCode {
            code_hash: code_hash.clone(),
            client,
            user: person,
            redirect_uri: "https://x/cb".into(),
            code_challenge: None,
            expires_at,
        })
        .await
        .unwrap();
        let CodeRedemption::Redeemed(code) = s.redeem_code(&code_hash).await.unwrap() else {
            panic!("redeems")
        };
        let at = EventContext {
            at: approved_at,
            ..ctx()
        };
        grants.push(
            s.create_grant(&code_hash, &code, w.app.id, &format!("rt-{tag}"), &at)
                .await
                .unwrap(),
        );
    }
    s.create_code(&NewCode {
        code_hash: "code-unused".into(),
        client,
        user: person,
        redirect_uri: "https://x/cb".into(),
        code_challenge: None,
        expires_at: NOW,
    })
    .await
    .unwrap();
    // A revocation outlives its token by REVOCATION_GRACE (a clock set back must not revive it).
    s.revoke_token(w.app.id, "t-old", NOW - REVOCATION_GRACE - 1, &ctx())
        .await
        .unwrap();
    s.revoke_token(w.app.id, "t-in-grace", NOW - 1, &ctx()).await.unwrap();
    s.revoke_token(w.app.id, "t-live", NOW + 1, &ctx()).await.unwrap();

    let cutoffs = PurgeCutoffs {
        expired: NOW,
        refresh_granted: NOW - 100,
        granted: NOW - 200,
        remembered: NOW - 300,
    };
    let first = s.purge_expired(&cutoffs, 1).await.unwrap();
    assert_eq!(
        (first.sessions, first.codes, first.revocations, first.refresh_tokens),
        (1, 1, 1, 1),
        "one row of each kind per batch of 1"
    );
    assert!(first.grants <= 1, "{first:?}");
    let mut total = first;
    loop {
        let n = s.purge_expired(&cutoffs, 1).await.unwrap();
        if n.total() == 0 {
            break;
        }
        total.sessions += n.sessions;
        total.codes += n.codes;
        total.revocations += n.revocations;
        total.refresh_tokens += n.refresh_tokens;
        total.grants += n.grants;
    }
    assert_eq!(
        total,
        PurgeCounts {
            sessions: 2,
            codes: 2,
            revocations: 1,
            refresh_tokens: 1,
            grants: 1,
            remembered: 0,
        }
    );
    assert_eq!(s.purge_expired(&cutoffs, 100).await.unwrap(), PurgeCounts::default());

    for gone in ["s-old1", "s-old2"] {
        assert_eq!(s.find_web_session(gone, 0).await.unwrap(), None, "{gone} purged");
    }
    assert!(
        s.find_web_session("s-live", NOW).await.unwrap().is_some(),
        "live session kept"
    );
    assert_eq!(s.redeem_code("code-old").await.unwrap(), CodeRedemption::Unknown);
    assert_eq!(s.redeem_code("code-unused").await.unwrap(), CodeRedemption::Unknown);
    assert_eq!(
        s.redeem_code("code-live").await.unwrap(),
        CodeRedemption::Replayed {
            grant: Some(grants[1].id)
        },
        "live code kept"
    );
    let mut kept = s.list_revoked_tokens(w.app.id, 0).await.unwrap();
    kept.sort();
    assert_eq!(kept, vec!["t-in-grace".to_string(), "t-live".to_string()]);
    assert_eq!(s.find_refresh_grant("rt-old").await.unwrap(), None);
    assert_eq!(s.find_grant(grants[0].id).await.unwrap(), None, "old grant purged");
    assert_eq!(
        s.find_refresh_grant("rt-live").await.unwrap().map(|g| g.id),
        Some(grants[1].id)
    );
    assert!(s.find_grant(grants[1].id).await.unwrap().is_some(), "live grant kept");
}

/// Webhooks: hooks and triggers are tenant-scoped events; the delivery queue's cursor, claims,
/// per-hook order, retries and discards.
#[path = "suite/webhooks.rs"]
mod webhooks;

/// Mail: the outbox's cursor compare-and-set, recipients and facts of each kind of message,
/// claims, retries and the lists' filters.
#[path = "suite/mail.rs"]
mod mail;

/// The request log: batched appends, newest-first lists with every filter, pruning by age and
/// per-app cap.
#[path = "suite/request_log.rs"]
mod request_log;
