//! Conformance: the project lists' maintained totals (migration 0011) and keyset pages.
//!
//! A table of every kind of change that moves a project list's total — project create, bulk
//! create, a sandbox, deactivate and reactivate, delete, project members added and removed,
//! permitted projects added (one, all) and removed, install and uninstall, a service account's
//! reset — each followed by the same check: for every company and every user involved, the
//! total the list reports (the maintained count) equals the number of projects the list
//! actually returns (the rows themselves, counted).

use super::{ctx, new_install, run, sandbox, world, World};
use std::sync::Arc;
use trestle_domain::entities::*;
use trestle_domain::page::{Page, PageRequest};
use trestle_domain::*;
use trestle_store::*;

on_both_backends!(
    list_totals_follow_every_change,
    keyset_pages_equal_offset_pages,
    company_keyset_pages_equal_offset_pages,
);

fn everything() -> PageRequest {
    PageRequest::new(1, 10_000)
}

fn np(name: &str) -> NewProject {
    NewProject {
        name: name.into(),
        ..Default::default()
    }
}

fn active(on: bool) -> ProjectPatch {
    ProjectPatch {
        active: Some(on),
        ..Default::default()
    }
}

/// The list's total equals the rows it holds, for the company and each of `members`.
async fn assert_totals(s: &Arc<dyn Store>, step: &str, company: CompanyId, members: &[UserId]) {
    let who = std::iter::once(None).chain(members.iter().copied().map(Some));
    for member in who {
        let all = s.list_projects(company, member, everything(), None).await.unwrap();
        assert_eq!(
            all.total,
            all.items.len() as i64,
            "after {step}: company {company}, member {member:?}: the maintained total is the count"
        );
        assert!(
            all.items.iter().all(|p| p.active && p.company_id == company),
            "after {step}"
        );
    }
}

/// One kind of change.
#[derive(Clone, Copy, Debug)]
enum Op {
    CreateProject,
    BulkCreate,
    Install,
    AddPermitted,
    AddAllPermitted,
    RemovePermitted,
    AddMember,
    RemoveMember,
    ServiceAccountMember,
    ResetServiceAccount,
    Deactivate,
    Reactivate,
    DeleteProject,
    Sandbox,
    Uninstall,
}

struct State {
    w: World,
    worker: UserId,
    install: Option<Install>,
    account: Option<ServiceAccount>,
    extra: Vec<Project>,
    sandboxes: Vec<CompanyId>,
}

impl State {
    fn members(&self) -> Vec<UserId> {
        let mut m = vec![self.w.admin_a.id, self.worker];
        m.extend(self.install.as_ref().map(|i| i.bot_user_id));
        m.extend(self.account.as_ref().map(|a| a.user_id));
        m
    }
}

async fn apply(s: &Arc<dyn Store>, st: &mut State, op: Op) {
    let a = st.w.company_a.id;
    match op {
        Op::CreateProject => st.extra.push(s.create_project(a, &np("Extra"), &ctx()).await.unwrap()),
        Op::BulkCreate => {
            let made = s
                .create_projects(a, &[np("Bulk 1"), np("Bulk 2"), np("Bulk 3")], &ctx())
                .await
                .unwrap();
            st.extra.extend(made);
        }
        Op::Install => {
            let mut ni = new_install(&st.w, a, vec![st.w.a1.id]);
            ni.add_to_new_projects = true;
            st.install = Some(s.install_app(&ni, &ctx()).await.unwrap());
        }
        Op::AddPermitted => {
            let i = st.install.as_ref().unwrap().id;
            s.add_permitted_projects(a, i, &[st.w.a2.id], &ctx()).await.unwrap();
        }
        Op::AddAllPermitted => {
            let i = st.install.as_ref().unwrap().id;
            s.add_all_permitted_projects(a, i, &ctx()).await.unwrap();
        }
        Op::RemovePermitted => {
            let i = st.install.as_ref().unwrap().id;
            s.remove_permitted_project(a, i, st.w.a1.id, &ctx()).await.unwrap();
        }
        Op::AddMember => {
            for p in [st.w.a1.id, st.w.a2.id, st.extra[0].id] {
                s.add_project_member(a, p, st.worker, "{}", &ctx()).await.unwrap();
            }
        }
        Op::RemoveMember => s.remove_project_member(a, st.w.a1.id, st.worker, &ctx()).await.unwrap(),
        Op::ServiceAccountMember => {
            let account = s
                .create_service_account(
                    &NewServiceAccount {
                        company: a,
                        name: "Legacy".into(),
                        app_type: "custom".into(),
                        app_id: None,
                        client_id: "legacy-lists".into(),
                        secret_hash: "sh-legacy-lists".into(),
                        contact_email: "legacy-lists@service.invalid".into(),
                    },
                    &ctx(),
                )
                .await
                .unwrap();
            for p in [st.w.a1.id, st.w.a2.id] {
                s.add_project_member(a, p, account.user_id, "{}", &ctx()).await.unwrap();
            }
            st.account = Some(account);
        }
        Op::ResetServiceAccount => {
            let account = st.account.as_ref().unwrap();
            s.reset_service_account(a, account.id, "sh-legacy-lists-2", &ctx())
                .await
                .unwrap();
        }
        Op::Deactivate => {
            s.update_project(a, st.w.a2.id, &active(false), &ctx()).await.unwrap();
            // a second deactivation changes nothing
            s.update_project(a, st.w.a2.id, &active(false), &ctx()).await.unwrap();
        }
        Op::Reactivate => {
            s.update_project(a, st.w.a2.id, &active(true), &ctx()).await.unwrap();
        }
        Op::DeleteProject => {
            // projects nothing depends on, made for this step (in B, where no bot joins new
            // projects): an active one and an inactive one
            let b = st.w.company_b.id;
            let p = s.create_project(b, &np("Short-lived"), &ctx()).await.unwrap();
            s.delete_project(b, p.id, &ctx()).await.unwrap();
            let q = s.create_project(b, &np("Inactive, then gone"), &ctx()).await.unwrap();
            s.update_project(b, q.id, &active(false), &ctx()).await.unwrap();
            s.delete_project(b, q.id, &ctx()).await.unwrap();
            let left = s.list_projects(b, None, everything(), None).await.unwrap();
            assert_eq!(left.total, 1, "B has B1 again");
        }
        Op::Sandbox => {
            let owner = st.w.app.owner_id;
            let app = s.create_app(owner, "Lists", &sandbox("Lists"), &ctx()).await.unwrap();
            st.sandboxes.push(app.sandbox_company_id.unwrap());
        }
        Op::Uninstall => {
            let i = st.install.as_ref().unwrap().id;
            s.uninstall(a, i, &ctx()).await.unwrap();
        }
    }
}

async fn list_totals_follow_every_change(s: Arc<dyn Store>) {
    let w = world(&s).await;
    let worker = s
        .create_person(
            &NewPerson {
                email: "worker@example.com".into(),
                name: "Worker".into(),
            },
            &ctx(),
        )
        .await
        .unwrap();
    let member = NewMember {
        user: worker.id,
        is_admin: false,
        permissions_json: "{}".into(),
    };
    s.add_company_member(w.company_a.id, &member, &ctx()).await.unwrap();
    let mut st = State {
        w,
        worker: worker.id,
        install: None,
        account: None,
        extra: vec![],
        sandboxes: vec![],
    };
    assert_totals(&s, "the world", st.w.company_a.id, &st.members()).await;
    // (the change, the company's active projects after it, the worker's, the bot's)
    let table: &[(Op, i64, i64, Option<i64>)] = &[
        (Op::CreateProject, 3, 0, None),
        (Op::Install, 3, 0, Some(1)),
        (Op::AddPermitted, 3, 0, Some(2)),
        (Op::BulkCreate, 6, 0, Some(5)),
        (Op::RemovePermitted, 6, 0, Some(4)),
        (Op::AddAllPermitted, 6, 0, Some(6)),
        (Op::AddMember, 6, 3, Some(6)),
        (Op::ServiceAccountMember, 6, 3, Some(6)),
        (Op::Deactivate, 5, 2, Some(5)),
        (Op::Reactivate, 6, 3, Some(6)),
        (Op::RemoveMember, 6, 2, Some(6)),
        (Op::ResetServiceAccount, 6, 2, Some(6)),
        (Op::DeleteProject, 6, 2, Some(6)),
        (Op::Sandbox, 6, 2, Some(6)),
        (Op::Uninstall, 6, 2, Some(0)),
    ];
    for &(op, company, worker, bot) in table {
        apply(&s, &mut st, op).await;
        let step = format!("{op:?}");
        let a = st.w.company_a.id;
        assert_totals(&s, &step, a, &st.members()).await;
        assert_totals(&s, &step, st.w.company_b.id, &[]).await;
        for sb in &st.sandboxes {
            assert_totals(&s, &step, *sb, &[]).await;
        }
        let total = |p: Page<Project>| p.total;
        assert_eq!(
            total(s.list_projects(a, None, everything(), None).await.unwrap()),
            company,
            "{step}"
        );
        assert_eq!(
            total(s.list_projects(a, Some(st.worker), everything(), None).await.unwrap()),
            worker,
            "{step}"
        );
        if let (Some(bot), Some(i)) = (bot, &st.install) {
            let listed = s
                .list_projects(a, Some(i.bot_user_id), everything(), None)
                .await
                .unwrap();
            assert_eq!(listed.total, bot, "{step}");
        }
    }
    // The service account's memberships went with its reset; a sandbox has its one project.
    let account = st.account.as_ref().unwrap().user_id;
    let a = st.w.company_a.id;
    assert_eq!(
        s.list_projects(a, Some(account), everything(), None)
            .await
            .unwrap()
            .total,
        0
    );
    assert_eq!(
        s.list_projects(st.sandboxes[0], None, everything(), None)
            .await
            .unwrap()
            .total,
        1
    );
    // Counts are per company: a member of A has none in B.
    assert_eq!(
        s.list_projects(st.w.company_b.id, Some(st.worker), everything(), None)
            .await
            .unwrap()
            .total,
        0
    );
}

/// Walking a list by keyset (`after` = the last id of the page before) gives exactly the pages
/// walking it by page number gives, with the same totals, for the company and for a member.
async fn keyset_pages_equal_offset_pages(s: Arc<dyn Store>) {
    let w = world(&s).await;
    let a = w.company_a.id;
    let mut made = s
        .create_projects(a, &(0..9).map(|i| np(&format!("P{i}"))).collect::<Vec<_>>(), &ctx())
        .await
        .unwrap();
    // a hole in the ids: an inactive project is skipped by both
    s.update_project(a, made[4].id, &active(false), &ctx()).await.unwrap();
    made.remove(4);
    for p in made.iter().step_by(2) {
        s.add_project_member(a, p.id, w.admin_a.id, "{}", &ctx()).await.unwrap();
    }
    for member in [None, Some(w.admin_a.id)] {
        let per_page = 3;
        let mut after: Option<ProjectId> = None;
        let mut seen = vec![];
        for n in 1.. {
            let req = PageRequest::new(n, per_page);
            let by_offset = s.list_projects(a, member, req, None).await.unwrap();
            let by_keyset = s.list_projects(a, member, req, after).await.unwrap();
            assert_eq!(by_keyset, by_offset, "page {n} of {member:?}");
            if by_keyset.items.is_empty() {
                assert_eq!(seen.len() as i64, by_keyset.total, "every project once, {member:?}");
                break;
            }
            after = by_keyset.items.last().map(|p| p.id);
            seen.extend(by_keyset.items.iter().map(|p| p.id));
        }
        let mut sorted = seen.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, seen, "in id order, none twice");
    }
    // another company's id as `after` shows nothing of that company
    let b = s
        .list_projects(w.company_b.id, None, PageRequest::default(), Some(w.a1.id))
        .await
        .unwrap();
    assert!(b.items.iter().all(|p| p.company_id == w.company_b.id));
}

/// The same for a person's companies and an app's companies.
async fn company_keyset_pages_equal_offset_pages(s: Arc<dyn Store>) {
    let w = world(&s).await;
    for i in 0..4 {
        s.create_company(&format!("More {i}"), w.admin_a.id, &ctx())
            .await
            .unwrap();
    }
    for company in [w.company_a.id, w.company_b.id] {
        s.install_app(&new_install(&w, company, vec![]), &ctx()).await.unwrap();
    }
    for lister in ["person", "app"] {
        let list = |req: PageRequest, after: Option<CompanyId>| {
            let s = s.clone();
            let (user, app) = (w.admin_a.id, w.app.id);
            async move {
                match lister {
                    "person" => s.list_user_companies(user, req, after).await.unwrap(),
                    _ => s
                        .list_app_companies(app, Environment::Production, req, after)
                        .await
                        .unwrap(),
                }
            }
        };
        let mut after = None;
        let mut seen = vec![];
        for n in 1.. {
            let req = PageRequest::new(n, 2);
            let by_offset = list(req, None).await;
            let by_keyset = list(req, after).await;
            assert_eq!(by_keyset, by_offset, "page {n} of the {lister}'s companies");
            if by_keyset.items.is_empty() {
                assert_eq!(seen.len() as i64, by_keyset.total, "{lister}");
                break;
            }
            after = by_keyset.items.last().map(|c| c.id);
            seen.extend(by_keyset.items.iter().map(|c| c.id));
        }
        let want = if lister == "person" { 5 } else { 2 };
        assert_eq!(seen.len(), want, "{lister}");
    }
}

/// With many rows (and statistics), PostgreSQL reads a keyset page of either list from an index
/// in id order: no sort over the whole set. Rows added by plain SQL keep the totals right too
/// (the counts are kept by triggers, whoever writes).
#[tokio::test]
async fn postgres_reads_a_keyset_page_from_the_index() {
    use sqlx::Connection;
    let db = trestle_store::testing::TestDb::new(trestle_store::testing::Backend::Postgres).await;
    let s = connect(&StoreConfig::new(&db.url)).await.expect("connect");
    let w = world(&s).await;
    let (a, user) = (w.company_a.id.0, w.admin_a.id.0);
    let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
    sqlx::query(
        "INSERT INTO projects (company_id, name, active, created_at, updated_at) \
         SELECT $1, 'Bulk ' || n, TRUE, 0, 0 FROM generate_series(1, 20000) n",
    )
    .bind(a)
    .execute(&mut conn)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO project_users (project_id, user_id, company_id, permissions, created_at) \
         SELECT id, $2, $1, '{}', 0 FROM projects WHERE company_id = $1",
    )
    .bind(a)
    .bind(user)
    .execute(&mut conn)
    .await
    .unwrap();
    sqlx::query("ANALYZE").execute(&mut conn).await.unwrap();
    for member in [None, Some(user)] {
        let plan = trestle_store::testing::explain_project_list(&db.url, a, member, 15_000, 100).await;
        assert!(plan.contains("Index"), "{member:?}: {plan}");
        assert!(!plan.contains("Sort"), "{member:?}: {plan}");
        assert!(!plan.contains("Seq Scan on project"), "{member:?}: {plan}");
        let listed = s
            .list_projects(
                w.company_a.id,
                member.map(UserId),
                PageRequest::new(150, 100),
                Some(w.a2.id),
            )
            .await
            .unwrap();
        assert_eq!(listed.total, 20_002, "{member:?}");
    }
    db.cleanup().await;
}
