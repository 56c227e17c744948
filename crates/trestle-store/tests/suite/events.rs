//! Conformance: the events of every change reach the audit log and the outbox together, with
//! the same ids in the same order; a refused change writes neither.

use super::{ctx, run, world};
use std::sync::Arc;
use trestle_domain::entities::*;
use trestle_domain::event::{ActorKind, RecordedEvent};
use trestle_domain::page::PageRequest;
use trestle_domain::*;
use trestle_store::*;

on_both_backends!(
    a_change_writes_its_events_to_the_audit_log_and_the_outbox,
    a_refused_change_writes_no_event,
);

async fn audit_log(s: &Arc<dyn Store>) -> Vec<AuditEvent> {
    let all = PageRequest::parse(None, Some("100")).unwrap();
    let page = s.list_audit(AuditFilter::default(), all).await.unwrap();
    assert!(page.total <= 100, "the test reads the whole log in one page");
    page.items
}

/// The outbox entry as the audit log shows it.
fn as_audit(r: &RecordedEvent) -> AuditEvent {
    AuditEvent {
        id: r.id,
        at: r.context.at,
        actor_kind: r.context.actor.as_str().to_string(),
        actor_user_id: r.context.actor_user,
        company_id: r.event.company,
        app_id: r.event.app,
        action: r.event.action.as_str().to_string(),
        target_type: r.event.target.as_str().to_string(),
        target_id: r.event.target_id.clone(),
        before_json: r.event.before.as_ref().map(|v| v.to_string()),
        after_json: r.event.after.as_ref().map(|v| v.to_string()),
        resource: r.event.resource.clone(),
    }
}

async fn a_change_writes_its_events_to_the_audit_log_and_the_outbox(s: Arc<dyn Store>) {
    let w = world(&s).await;
    let seen = audit_log(&s).await.len();
    let last = s
        .list_outbox(EventId(0), 1000)
        .await
        .unwrap()
        .last()
        .map_or(EventId(0), |r| r.id);

    // One change with two events: a new person, and the invitation.
    let new = NewInvitation {
        email: "newcomer@example.com".into(),
        name: "Newcomer".into(),
        is_admin: false,
        permissions_json: "{}".into(),
        invited_by: Some(w.admin_a.id),
    };
    s.invite(w.company_a.id, &new, &ctx()).await.unwrap();
    let outbox = s.list_outbox(last, 1000).await.unwrap();
    let log = audit_log(&s).await;
    let actions: Vec<_> = outbox.iter().map(|r| r.event.action.as_str()).collect();
    assert_eq!(actions, ["user.create", "company_invitation.create"]);
    assert_eq!(outbox.iter().map(as_audit).collect::<Vec<_>>(), log[seen..]);
    assert_eq!(outbox[1].event.company, Some(w.company_a.id));

    // A sign-in attempt is an event of its own, by the person.
    let attempt = SignInAttempt {
        user: Some(w.admin_a.id),
        email: "a@example.com".into(),
        success: true,
        address: Some("127.0.0.1".into()),
        at: 1_700_000_100,
    };
    s.record_sign_in(&attempt).await.unwrap();
    let signed_in = s.list_outbox(outbox[1].id, 1000).await.unwrap();
    assert_eq!(signed_in.len(), 1);
    assert_eq!(signed_in[0].context.actor, ActorKind::Person);
    assert_eq!(signed_in[0].event.action.as_str(), "signin.success");

    // A change inside a project names it in the outbox (the audit log has no project column).
    let project = NewProject {
        name: "Events".into(),
        ..Default::default()
    };
    let p = s.create_project(w.company_a.id, &project, &ctx()).await.unwrap();
    let created = s.list_outbox(signed_in[0].id, 1000).await.unwrap();
    assert_eq!(created.len(), 1);
    assert_eq!(
        (created[0].event.company, created[0].event.project),
        (Some(w.company_a.id), Some(p.id))
    );

    // The whole log and the whole outbox: the same events, ids and order.
    let all = s.list_outbox(EventId(0), 1000).await.unwrap();
    assert_eq!(all.iter().map(as_audit).collect::<Vec<_>>(), audit_log(&s).await);
    assert!(all.windows(2).all(|p| p[0].id < p[1].id));
    // Reading after an id and a limit pages through it in order.
    let first_two = s.list_outbox(EventId(0), 2).await.unwrap();
    assert_eq!(first_two, all[..2]);
    assert_eq!(s.list_outbox(all[1].id, 1).await.unwrap(), all[2..3]);
    assert!(s.list_outbox(all.last().unwrap().id, 10).await.unwrap().is_empty());
}

async fn a_refused_change_writes_no_event(s: Arc<dyn Store>) {
    let w = world(&s).await;
    let log = audit_log(&s).await;
    let outbox = s.list_outbox(EventId(0), 1000).await.unwrap();
    assert_eq!(outbox.len(), log.len());

    // Not found inside the transaction, after its first write (the company row).
    let missing = s.create_company("Ghost", UserId(999_999), &ctx()).await;
    assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
    assert!(matches!(
        s.rename_app(AppId(999_999), "Nobody", &ctx()).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.set_password(UserId(999_999), "hash", &ctx()).await,
        Err(StoreError::NotFound)
    ));
    // Conflicts: the person exists already; the app's only secret cannot be retired.
    let twin = NewPerson {
        email: "a@example.com".into(),
        name: "Ann again".into(),
    };
    assert!(matches!(
        s.create_person(&twin, &ctx()).await,
        Err(StoreError::Conflict(_))
    ));
    let client = s
        .find_client(Environment::Sandbox, w.app.id)
        .await
        .unwrap()
        .expect("the sandbox client");
    let secrets = s.list_secrets(client.pk).await.unwrap();
    assert_eq!(secrets.len(), 1);
    assert!(matches!(
        s.revoke_secret(client.pk, secrets[0].id, &ctx()).await,
        Err(StoreError::Conflict(_))
    ));

    assert_eq!(audit_log(&s).await, log);
    assert_eq!(s.list_outbox(EventId(0), 1000).await.unwrap(), outbox);
    let ghosts = s.list_companies(None, "Ghost", PageRequest::default()).await.unwrap();
    assert_eq!(ghosts.total, 0);
}
