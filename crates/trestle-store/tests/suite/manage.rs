//! Conformance: project management, invitations by e-mail address, operator listings.

use super::{ctx, new_install, page, run, world};
use std::sync::Arc;
use trestle_domain::entities::*;
use trestle_domain::page::PageRequest;
use trestle_domain::*;
use trestle_store::*;

on_both_backends!(
    projects_change_deactivate_and_reactivate,
    project_delete_is_guarded_and_scoped,
    bulk_create_adds_bots_with_one_audit_row,
    operator_listings_search_and_page,
    invitations_reveal_nothing_until_accepted,
);

fn np(name: &str) -> NewProject {
    NewProject {
        name: name.into(),
        ..Default::default()
    }
}

fn ids(p: &trestle_domain::page::Page<Project>) -> Vec<ProjectId> {
    p.items.iter().map(|p| p.id).collect()
}

async fn audit_actions(s: &Arc<dyn Store>, company: CompanyId) -> Vec<String> {
    s.list_audit(
        AuditFilter {
            company: Some(company),
            app: None,
        },
        PageRequest::new(1, 1000),
    )
    .await
    .unwrap()
    .items
    .into_iter()
    .map(|e| e.action)
    .collect()
}

async fn projects_change_deactivate_and_reactivate(s: Arc<dyn Store>) {
    let w = world(&s).await;
    let patch = ProjectPatch {
        name: Some("Tower".into()),
        project_number: Some(Some("T-1".into())),
        city: Some(Some("Oakland".into())),
        state_code: Some(Some("CA".into())),
        ..Default::default()
    };
    let p = s.update_project(w.company_a.id, w.a1.id, &patch, &ctx()).await.unwrap();
    assert_eq!((p.name.as_str(), p.project_number.as_deref()), ("Tower", Some("T-1")));
    assert_eq!(
        (p.city.as_deref(), p.state_code.as_deref(), p.zip.as_deref()),
        (Some("Oakland"), Some("CA"), None)
    );
    // Absent fields stay, Some(None) clears.
    let clear = ProjectPatch {
        project_number: Some(None),
        ..Default::default()
    };
    let p = s.update_project(w.company_a.id, w.a1.id, &clear, &ctx()).await.unwrap();
    assert_eq!(
        (p.name.as_str(), p.project_number, p.city.as_deref()),
        ("Tower", None, Some("Oakland"))
    );
    // Another company's project is not found, and stays as it was.
    let r = s.update_project(w.company_b.id, w.a1.id, &patch, &ctx()).await;
    assert!(matches!(r, Err(StoreError::NotFound)), "{r:?}");
    let r = s.update_project(w.company_a.id, w.b1.id, &patch, &ctx()).await;
    assert!(matches!(r, Err(StoreError::NotFound)), "{r:?}");
    assert_eq!(
        s.find_project(w.company_b.id, w.b1.id).await.unwrap().unwrap().name,
        "B1"
    );
    // Deactivated: out of the active lists and of every membership lookup; back when reactivated.
    let inst = s
        .install_app(&new_install(&w, w.company_a.id, vec![w.a1.id]), &ctx())
        .await
        .unwrap();
    assert!(s
        .project_membership(w.company_a.id, w.a1.id, inst.bot_user_id)
        .await
        .unwrap()
        .is_some());
    let off = ProjectPatch {
        active: Some(false),
        ..Default::default()
    };
    assert!(
        !s.update_project(w.company_a.id, w.a1.id, &off, &ctx())
            .await
            .unwrap()
            .active
    );
    let listed = s.list_projects(w.company_a.id, None, page(), None).await.unwrap();
    assert_eq!(ids(&listed), vec![w.a2.id]);
    assert!(s
        .project_membership(w.company_a.id, w.a1.id, inst.bot_user_id)
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        s.find_project_company(w.a1.id).await.unwrap(),
        None,
        "an inactive project routes nowhere"
    );
    let by = |status| ProjectFilter {
        status,
        query: String::new(),
    };
    let inactive = s
        .list_company_projects(w.company_a.id, &by(ProjectStatus::Inactive), page())
        .await
        .unwrap();
    assert_eq!(ids(&inactive), vec![w.a1.id]);
    let all = s
        .list_company_projects(w.company_a.id, &by(ProjectStatus::All), page())
        .await
        .unwrap();
    assert_eq!((ids(&all), all.total), (vec![w.a1.id, w.a2.id], 2));
    let on = ProjectPatch {
        active: Some(true),
        ..Default::default()
    };
    s.update_project(w.company_a.id, w.a1.id, &on, &ctx()).await.unwrap();
    assert_eq!(s.find_project_company(w.a1.id).await.unwrap(), Some(w.company_a.id));
    assert!(s
        .project_membership(w.company_a.id, w.a1.id, inst.bot_user_id)
        .await
        .unwrap()
        .is_some());
    // The search runs on every status, inside the company only.
    let q = ProjectFilter {
        status: ProjectStatus::All,
        query: "TOW".into(),
    };
    assert_eq!(
        ids(&s.list_company_projects(w.company_a.id, &q, page()).await.unwrap()),
        vec![w.a1.id]
    );
    assert!(s
        .list_company_projects(w.company_b.id, &q, page())
        .await
        .unwrap()
        .items
        .is_empty());
    let actions = audit_actions(&s, w.company_a.id).await;
    for a in ["project.update", "project.deactivate", "project.reactivate"] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
}

async fn project_delete_is_guarded_and_scoped(s: Arc<dyn Store>) {
    let w = world(&s).await;
    // Foreign ids: not found, nothing deleted.
    let r = s.delete_project(w.company_b.id, w.a1.id, &ctx()).await;
    assert!(matches!(r, Err(StoreError::NotFound)), "{r:?}");
    assert!(s.find_project(w.company_a.id, w.a1.id).await.unwrap().is_some());
    // A permitted app, a member, a document: each refuses, naming it.
    let inst = s
        .install_app(&new_install(&w, w.company_a.id, vec![w.a1.id]), &ctx())
        .await
        .unwrap();
    match s.delete_project(w.company_a.id, w.a1.id, &ctx()).await {
        Err(StoreError::Conflict(m)) => assert!(m.contains("1 app(s)"), "{m}"),
        other => panic!("{other:?}"),
    }
    s.add_project_member(w.company_a.id, w.a2.id, w.admin_a.id, "{}", &ctx())
        .await
        .unwrap();
    match s.delete_project(w.company_a.id, w.a2.id, &ctx()).await {
        Err(StoreError::Conflict(m)) => assert!(m.contains("1 member(s)"), "{m}"),
        other => panic!("{other:?}"),
    }
    let a3 = s.create_project(w.company_a.id, &np("A3"), &ctx()).await.unwrap();
    let doc = NewDocument {
        parent_id: None,
        kind: DocumentKind::Folder,
        name: "Plans".into(),
        data: None,
        created_by: None,
    };
    s.create_document(w.company_a.id, a3.id, &doc, &ctx()).await.unwrap();
    match s.delete_project(w.company_a.id, a3.id, &ctx()).await {
        Err(StoreError::Conflict(m)) => assert!(m.contains("1 document(s)"), "{m}"),
        other => panic!("{other:?}"),
    }
    // Once the app no longer has it, the project goes.
    s.remove_permitted_project(w.company_a.id, inst.id, w.a1.id, &ctx())
        .await
        .unwrap();
    s.delete_project(w.company_a.id, w.a1.id, &ctx()).await.unwrap();
    assert!(s.find_project(w.company_a.id, w.a1.id).await.unwrap().is_none());
    let r = s.delete_project(w.company_a.id, w.a1.id, &ctx()).await;
    assert!(matches!(r, Err(StoreError::NotFound)), "{r:?}");
    assert!(audit_actions(&s, w.company_a.id)
        .await
        .iter()
        .any(|a| a == "project.delete"));
}

async fn bulk_create_adds_bots_with_one_audit_row(s: Arc<dyn Store>) {
    let w = world(&s).await;
    let mut inst = new_install(&w, w.company_a.id, vec![]);
    inst.add_to_new_projects = true;
    let inst = s.install_app(&inst, &ctx()).await.unwrap();
    let many: Vec<NewProject> = (0..250).map(|i| np(&format!("Bulk {i}"))).collect();
    let made = s.create_projects(w.company_a.id, &many, &ctx()).await.unwrap();
    assert_eq!(made.len(), 250);
    assert_eq!(made[0].name, "Bulk 0");
    assert_eq!(made[249].name, "Bulk 249");
    assert!(made
        .iter()
        .all(|p| p.company_id == w.company_a.id && p.active && p.company_name == "Acme"));
    // The "add to all new projects" bot joined every one.
    let permitted = s.list_permitted_projects(w.company_a.id, inst.id).await.unwrap();
    assert_eq!(permitted.len(), 250);
    // One audit row for the whole batch.
    let actions = audit_actions(&s, w.company_a.id).await;
    assert_eq!(actions.iter().filter(|a| *a == "project.bulk_create").count(), 1);
}

async fn operator_listings_search_and_page(s: Arc<dyn Store>) {
    let w = world(&s).await;
    let all = s.list_companies(None, "", page()).await.unwrap();
    // Acme, Beta and the app's development sandbox.
    assert_eq!(all.total, 3);
    let found = s.list_companies(None, "acm", page()).await.unwrap();
    assert_eq!(
        found.items.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![w.company_a.id]
    );
    let one = s.list_companies(None, "", PageRequest::new(2, 1)).await.unwrap();
    assert_eq!((one.items.len(), one.total), (1, 3));
    // A member sees their own companies only.
    let mine = s.list_companies(Some(w.admin_a.id), "", page()).await.unwrap();
    assert_eq!(
        mine.items.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![w.company_a.id]
    );
    assert!(s
        .list_companies(Some(w.admin_a.id), "beta", page())
        .await
        .unwrap()
        .items
        .is_empty());
    // People: persons only (no bots), by name or e-mail, literal wildcards.
    s.install_app(&new_install(&w, w.company_a.id, vec![]), &ctx())
        .await
        .unwrap();
    let people = s.list_people("", PageRequest::new(1, 1000)).await.unwrap();
    assert!(people.items.iter().all(|u| u.kind == UserKind::Person));
    assert_eq!(people.total as usize, people.items.len());
    let ann = s.list_people("ANN", page()).await.unwrap();
    assert_eq!(ann.items.iter().map(|u| u.id).collect::<Vec<_>>(), vec![w.admin_a.id]);
    let by_mail = s.list_people("b@example", page()).await.unwrap();
    assert_eq!(by_mail.items.len(), 1);
    assert!(s.list_people("%", page()).await.unwrap().items.is_empty());
}

fn invitation(email: &str) -> NewInvitation {
    NewInvitation {
        email: email.into(),
        name: "Newcomer".into(),
        is_admin: false,
        permissions_json: r#"{"documents":"read_only"}"#.into(),
        invited_by: None,
    }
}

async fn invitations_reveal_nothing_until_accepted(s: Arc<dyn Store>) {
    let w = world(&s).await;
    let bob = s.list_people("b@example.com", page()).await.unwrap().items.remove(0);
    let bot = s
        .install_app(&new_install(&w, w.company_b.id, vec![]), &ctx())
        .await
        .unwrap()
        .bot_user_id;
    let bot_email = s.find_user(bot).await.unwrap().unwrap().email;
    // An existing person (Bob, of Beta), nobody, and another company's bot: the same answer.
    let existing = s
        .invite(w.company_a.id, &invitation("b@example.com"), &ctx())
        .await
        .unwrap();
    let nobody = s
        .invite(w.company_a.id, &invitation("new@example.com"), &ctx())
        .await
        .unwrap();
    let robot = s.invite(w.company_a.id, &invitation(&bot_email), &ctx()).await.unwrap();
    for i in [&existing, &nobody, &robot] {
        assert_eq!(
            (i.status.as_str(), i.company_id, i.is_admin),
            ("pending", w.company_a.id, false)
        );
    }
    // Nobody is in the directory yet, and the company's log names only the addresses.
    let dir = s.list_company_users(w.company_a.id, page()).await.unwrap();
    assert_eq!(dir.total, 1);
    let log = s
        .list_audit(
            AuditFilter {
                company: Some(w.company_a.id),
                app: None,
            },
            PageRequest::new(1, 1000),
        )
        .await
        .unwrap();
    assert!(log.items.iter().all(|e| e.action != "user.create"));
    assert_eq!(
        log.items
            .iter()
            .filter(|e| e.action == "company_invitation.create")
            .count(),
        3
    );
    // Inviting again replaces the terms; an active member is a conflict.
    let again = NewInvitation {
        is_admin: true,
        ..invitation("b@example.com")
    };
    let again = s.invite(w.company_a.id, &again, &ctx()).await.unwrap();
    assert_eq!((again.id, again.is_admin), (existing.id, true));
    let r = s.invite(w.company_a.id, &invitation("a@example.com"), &ctx()).await;
    assert!(matches!(r, Err(StoreError::Conflict(_))), "{r:?}");
    assert_eq!(s.list_invitations(w.company_a.id, page()).await.unwrap().total, 3);
    assert_eq!(s.list_invitations(w.company_b.id, page()).await.unwrap().total, 0);
    // Bob sees his invitation; another person cannot accept it; Bob can.
    let mine = s.list_my_invitations(bob.id).await.unwrap();
    assert_eq!(mine.iter().map(|i| i.id).collect::<Vec<_>>(), vec![existing.id]);
    let r = s.accept_invitation(w.admin_a.id, existing.id, &ctx()).await;
    assert!(matches!(r, Err(StoreError::NotFound)), "{r:?}");
    let done = s.accept_invitation(bob.id, existing.id, &ctx()).await.unwrap();
    assert_eq!(done.status, "accepted");
    let m = s.company_membership(w.company_a.id, bob.id).await.unwrap().unwrap();
    assert!(m.is_active && m.is_admin);
    let r = s.accept_invitation(bob.id, existing.id, &ctx()).await;
    assert!(matches!(r, Err(StoreError::NotFound)), "accepted once: {r:?}");
    // The new address became a person without credentials, who can accept too.
    let newcomer = s.list_people("new@example.com", page()).await.unwrap().items.remove(0);
    assert_eq!(newcomer.name, "Newcomer");
    assert!(s.find_login("new@example.com").await.unwrap().is_none());
    s.accept_invitation(newcomer.id, nobody.id, &ctx()).await.unwrap();
    // The bot's invitation can never be accepted; cancelling is scoped to the company.
    assert!(s.list_my_invitations(bot).await.unwrap().is_empty());
    let r = s.cancel_invitation(w.company_b.id, robot.id, &ctx()).await;
    assert!(matches!(r, Err(StoreError::NotFound)), "{r:?}");
    s.cancel_invitation(w.company_a.id, robot.id, &ctx()).await.unwrap();
    assert_eq!(s.list_invitations(w.company_a.id, page()).await.unwrap().total, 0);
    assert_eq!(s.list_company_users(w.company_a.id, page()).await.unwrap().total, 3);
}
