//! Conformance: the mail outbox. Composing moves the cursor compare-and-set (a second node's
//! stale move keeps nothing); recipients are exactly the people each kind of message names;
//! due messages are claimed once, retried when asked, and lists filter by recipient and status.

use super::{ctx, run, world};
use std::sync::Arc;
use trestle_domain::event::{Action, Event, TargetKind};
use trestle_domain::mail::*;
use trestle_domain::page::PageRequest;
use trestle_domain::*;
use trestle_store::*;

on_both_backends!(
    composing_moves_the_cursor_once_and_keeps_each_message_once,
    recipients_are_the_people_each_message_names,
    queued_messages_are_claimed_once_and_retried
);

fn message(event: i64, to: &Recipient, subject: &str) -> NewMail {
    NewMail {
        recipient: to.clone(),
        subject: subject.into(),
        body: format!("body of {subject}"),
        event_id: EventId(event),
        action: Action::AppCreate,
        company: None,
    }
}

fn all() -> PageRequest {
    PageRequest::new(1, 100)
}

async fn composing_moves_the_cursor_once_and_keeps_each_message_once(s: Arc<dyn Store>) {
    let w = world(&s).await;
    let start = s.mail_cursor().await.unwrap();
    let ann = Recipient {
        user: w.admin_a.id,
        address: w.admin_a.email.clone(),
    };
    let to = EventId(start.0 + 5);
    let m = [message(to.0, &ann, "first")];
    assert!(s.compose_mail(start, to, &m, MailStatus::Kept, 10).await.unwrap());
    assert_eq!(s.mail_cursor().await.unwrap(), to);
    // A second node that read the same cursor keeps nothing and moves nothing.
    assert!(!s.compose_mail(start, to, &m, MailStatus::Kept, 11).await.unwrap());
    assert!(!s
        .compose_mail(
            start,
            EventId(to.0 + 3),
            &[message(to.0 + 2, &ann, "late")],
            MailStatus::Kept,
            11
        )
        .await
        .unwrap());
    assert_eq!(s.mail_cursor().await.unwrap(), to);
    let page = s.list_mail(MailFilter::default(), all()).await.unwrap();
    assert_eq!(page.total, 1);
    let kept = &page.items[0];
    assert_eq!(
        (
            kept.subject.as_str(),
            kept.status,
            kept.recipient,
            kept.attempts,
            kept.created_at
        ),
        ("first", MailStatus::Kept, w.admin_a.id, 0, 10)
    );
    assert_eq!(s.find_mail(kept.id).await.unwrap().as_ref(), Some(kept));
    assert_eq!(s.find_mail(MailId(kept.id.0 + 100)).await.unwrap(), None);
    // Kept messages are never claimed for sending.
    assert!(s.claim_mail(1_000_000, 1_000_100, 10).await.unwrap().is_empty());
}

async fn recipients_are_the_people_each_message_names(s: Arc<dyn Store>) {
    let w = world(&s).await;
    // The app's owner, with the names the message shows.
    let created = Event::new(Action::AppCreate, TargetKind::App, w.app.id)
        .in_company(w.app.sandbox_company_id.unwrap())
        .for_app(w.app.id);
    let owner = s.mail_recipients(Recipients::AppOwner, &created).await.unwrap();
    assert_eq!(owner.len(), 1);
    assert_eq!(
        (owner[0].user, owner[0].address.as_str()),
        (w.app.owner_id, "dev@example.com")
    );
    let facts = s.mail_facts(&created).await.unwrap();
    assert_eq!(
        (facts.get("app"), facts.get("company")),
        (Some("Sync"), Some("Sync Sandbox"))
    );
    // Company admins: Acme's only (Bob administers Beta), with the version after the event.
    let offered = Event::new(Action::InstallUpdateOffered, TargetKind::InstallUpdate, 1)
        .in_company(w.company_a.id)
        .for_app(w.app.id)
        .after(serde_json::json!({"version_id": w.version.id.0}));
    let admins = s.mail_recipients(Recipients::CompanyAdmins, &offered).await.unwrap();
    assert_eq!(admins.iter().map(|r| r.user).collect::<Vec<_>>(), [w.admin_a.id]);
    assert_eq!(s.mail_facts(&offered).await.unwrap().get("version"), Some("1.0.0"));
    assert_eq!(s.mail_facts(&offered).await.unwrap().get("company"), Some("Acme"));
    // The invitee of a pending invitation, and nobody once it is cancelled.
    let inv = s
        .invite(
            w.company_a.id,
            &NewInvitation {
                email: "newcomer@example.com".into(),
                name: "Newcomer".into(),
                is_admin: false,
                permissions_json: "{}".into(),
                invited_by: Some(w.admin_a.id),
            },
            &ctx(),
        )
        .await
        .unwrap();
    let invited =
        Event::new(Action::CompanyInvitationCreate, TargetKind::Invitation, inv.id).in_company(w.company_a.id);
    let invitee = s.mail_recipients(Recipients::Invitee, &invited).await.unwrap();
    assert_eq!(invitee.len(), 1);
    assert_eq!(invitee[0].address, "newcomer@example.com");
    assert_eq!(s.invitation_invitee(inv.id).await.unwrap(), Some(invitee[0].user));
    s.cancel_invitation(w.company_a.id, inv.id, &ctx()).await.unwrap();
    assert!(s
        .mail_recipients(Recipients::Invitee, &invited)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(s.invitation_invitee(inv.id).await.unwrap(), None);
    // An event that names no app or company has no such recipients.
    let bare = Event::new(Action::AppCreate, TargetKind::App, 0);
    assert!(s.mail_recipients(Recipients::AppOwner, &bare).await.unwrap().is_empty());
    assert!(s
        .mail_recipients(Recipients::CompanyAdmins, &bare)
        .await
        .unwrap()
        .is_empty());
}

async fn queued_messages_are_claimed_once_and_retried(s: Arc<dyn Store>) {
    let w = world(&s).await;
    let start = s.mail_cursor().await.unwrap();
    let ann = Recipient {
        user: w.admin_a.id,
        address: w.admin_a.email.clone(),
    };
    let dev = Recipient {
        user: w.app.owner_id,
        address: "dev@example.com".into(),
    };
    let to = EventId(start.0 + 2);
    let m = [message(to.0 - 1, &ann, "for ann"), message(to.0, &dev, "for dev")];
    assert!(s.compose_mail(start, to, &m, MailStatus::Queued, 100).await.unwrap());
    let claimed = s.claim_mail(100, 200, 10).await.unwrap();
    assert_eq!(claimed.len(), 2);
    // Claimed: another node gets nothing until the claim runs out.
    assert!(s.claim_mail(150, 250, 10).await.unwrap().is_empty());
    let (first, second) = (claimed[0].id, claimed[1].id);
    s.finish_mail(first, &MailOutcome::Sent { at: 101 }).await.unwrap();
    s.finish_mail(
        second,
        &MailOutcome::Failed {
            at: 102,
            error: "554 refused".into(),
            retry_at: Some(132),
        },
    )
    .await
    .unwrap();
    let sent = s.find_mail(first).await.unwrap().unwrap();
    assert_eq!(
        (sent.status, sent.attempts, sent.sent_at),
        (MailStatus::Sent, 1, Some(101))
    );
    let retry = s.find_mail(second).await.unwrap().unwrap();
    assert_eq!(
        (
            retry.status,
            retry.attempts,
            retry.next_attempt_at,
            retry.last_error.as_deref()
        ),
        (MailStatus::Queued, 1, 132, Some("554 refused"))
    );
    // Not due before its time; due after it; given up on the next failure.
    assert!(s.claim_mail(131, 300, 10).await.unwrap().is_empty());
    let again = s.claim_mail(132, 300, 10).await.unwrap();
    assert_eq!(again.iter().map(|m| m.id).collect::<Vec<_>>(), [second]);
    s.finish_mail(
        second,
        &MailOutcome::Failed {
            at: 133,
            error: "554 still refused".into(),
            retry_at: None,
        },
    )
    .await
    .unwrap();
    let failed = s.find_mail(second).await.unwrap().unwrap();
    assert_eq!((failed.status, failed.attempts), (MailStatus::Failed, 2));
    assert!(s.claim_mail(10_000, 10_100, 10).await.unwrap().is_empty());
    // Filters: by recipient, by status, both.
    let of = |recipient: Option<UserId>, status: Option<MailStatus>| {
        let s = s.clone();
        async move {
            let page = s.list_mail(MailFilter { recipient, status }, all()).await.unwrap();
            (page.total, page.items.iter().map(|m| m.id).collect::<Vec<_>>())
        }
    };
    assert_eq!(of(None, None).await, (2, vec![second, first]), "newest first");
    assert_eq!(of(Some(w.admin_a.id), None).await, (1, vec![first]));
    assert_eq!(of(None, Some(MailStatus::Failed)).await, (1, vec![second]));
    assert_eq!(of(Some(w.admin_a.id), Some(MailStatus::Failed)).await, (0, vec![]));
}
