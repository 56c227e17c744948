//! The mail outbox: messages composed from outbox events (bookkeeping, no domain events: a
//! notification is not a change of anyone's data), their sending state, and the facts the
//! composer reads. Lists filter on the recipient; the core decides who may read what.

use crate::error::Result;
use async_trait::async_trait;
use trestle_domain::event::Event;
use trestle_domain::mail::*;
use trestle_domain::page::{Page, PageRequest};
use trestle_domain::*;

/// Which messages a list shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MailFilter {
    pub recipient: Option<UserId>,
    pub status: Option<MailStatus>,
}

/// How an attempt at sending ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MailOutcome {
    Sent {
        at: i64,
    },
    /// Failed; retried at `retry_at`, or given up (`failed`) when `None`.
    Failed {
        at: i64,
        error: String,
        retry_at: Option<i64>,
    },
}

#[async_trait]
pub trait MailStore: Send + Sync {
    /// The last outbox id composed into messages.
    async fn mail_cursor(&self) -> Result<EventId>;
    /// In one transaction: moves the cursor from `from` (the value this node read) to `to`
    /// and keeps `messages` with `status` (`kept` or `queued`). `false`, keeping nothing,
    /// when the cursor is no longer at `from` (another node composed those events).
    async fn compose_mail(
        &self,
        from: EventId,
        to: EventId,
        messages: &[NewMail],
        status: MailStatus,
        now: i64,
    ) -> Result<bool>;
    /// The people `to` names for `event` (active people with an address; none for a bot).
    async fn mail_recipients(&self, to: Recipients, event: &Event) -> Result<Vec<Recipient>>;
    /// The names an event's message shows: `app`, `company`, `version` (of the `version_id`
    /// after the event), each when the event names it.
    async fn mail_facts(&self, event: &Event) -> Result<Facts>;
    /// The person a pending invitation was sent to (`None`: not pending, or to no person).
    async fn invitation_invitee(&self, id: InvitationId) -> Result<Option<UserId>>;
    /// Claims, until `until`, up to `limit` queued messages due at `now` that no node holds
    /// (PostgreSQL: `FOR UPDATE SKIP LOCKED`).
    async fn claim_mail(&self, now: i64, until: i64, limit: i64) -> Result<Vec<Mail>>;
    /// Records an attempt's outcome and releases the claim.
    async fn finish_mail(&self, id: MailId, outcome: &MailOutcome) -> Result<()>;
    /// Messages, newest first.
    async fn list_mail(&self, filter: MailFilter, page: PageRequest) -> Result<Page<Mail>>;
    async fn find_mail(&self, id: MailId) -> Result<Option<Mail>>;
}
