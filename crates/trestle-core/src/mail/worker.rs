//! The mail worker, on every node, never on the request path. Each pass:
//!
//! 1. **Compose**: reads the outbox past this node's position (in commit order: the same read
//!    as the webhook worker's), and for each event whose action has a template
//!    (`trestle_domain::mail::TEMPLATES`) renders one message per recipient. The messages are
//!    kept in one transaction with the mail cursor's move from the value this node read
//!    (compare-and-set): if another node moved it first, nothing is kept and this node reads
//!    the cursor again, so no event is composed twice. Events that send nothing are passed in
//!    memory; the cursor is written with messages, or after [`PERSIST_EVERY`].
//! 2. **Send** (only with an SMTP server, `--smtp-url`): claims due queued messages
//!    (PostgreSQL: `FOR UPDATE SKIP LOCKED`) and sends them concurrently with lettre. A
//!    refusal or a connection error is retried after 30 s, 60 s, … 1 h on the core's clock
//!    (`trestle_domain::mail::backoff`); after ten attempts the message is `failed`.
//!
//! Without an SMTP server messages are `kept`: readable through the API, CLI and web UI.
//! Bodies (which may carry an invitation's accept token) are never logged.

use crate::Trestle;
use lettre::message::{header::ContentType, Mailbox, Message};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::time::{Duration, Instant};
use trestle_domain::event::RecordedEvent;
use trestle_domain::mail::*;
use trestle_domain::*;
use trestle_store::MailOutcome;

/// Events read from the outbox per pass.
const COMPOSE_BATCH: i64 = 500;
/// Messages sent per pass.
const SEND_BATCH: i64 = 16;
/// How long a claim holds (seconds on the clock); longer than an attempt can take.
const CLAIM_SECONDS: i64 = 120;
/// How often a node writes its position when it composes nothing (real time).
pub const PERSIST_EVERY: Duration = Duration::from_secs(60);
/// The timeout of one SMTP conversation.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(10);
/// The sender when `--smtp-from` is not given.
pub const DEFAULT_FROM: &str = "Trestle <trestle@localhost>";

/// Where messages are sent.
#[derive(Clone, Debug)]
pub struct Smtp {
    /// `smtp://host:port` (plain, or `?tls=required` for STARTTLS), `smtps://host:port`
    /// (TLS); credentials as `smtp://user:password@host`.
    pub url: String,
    pub from: String,
}

/// How the worker runs.
#[derive(Clone, Debug)]
pub struct MailConfig {
    /// Real time between passes.
    pub interval: Duration,
    /// Without one, messages are only kept.
    pub smtp: Option<Smtp>,
    /// The base of the links messages carry (`--public-url`, else the listening address).
    pub base_url: String,
}

/// Checks an SMTP URL and sender before a server starts; the problem in words.
pub fn check_smtp(smtp: &Smtp) -> Result<(), String> {
    transport(&smtp.url)?;
    smtp.from
        .parse::<Mailbox>()
        .map(|_| ())
        .map_err(|e| format!("--smtp-from is not an address: {e}"))
}

fn transport(url: &str) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
        return Err("--smtp-url must start with smtp:// or smtps://".into());
    }
    AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .map(|b| b.timeout(Some(SMTP_TIMEOUT)).build())
        .map_err(|e| format!("--smtp-url is not usable: {e}"))
}

/// How far this node has composed the outbox: the cursor as it read it, and past it the events
/// it passed in memory.
struct Position {
    read: Option<EventId>,
    next: EventId,
    written: Instant,
}

/// The sender of one node.
struct Sender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Trestle {
    /// Runs the worker every `config.interval` until the task is dropped. A failed pass
    /// (database unavailable) is logged and retried at the next one.
    pub async fn run_mail(self, config: MailConfig) {
        let sender = match &config.smtp {
            None => None,
            Some(smtp) => match (transport(&smtp.url), smtp.from.parse::<Mailbox>()) {
                (Ok(transport), Ok(from)) => Some(Sender { transport, from }),
                _ => {
                    tracing::error!("mail: the SMTP settings are not usable; messages are only kept on this node");
                    None
                }
            },
        };
        let status = if sender.is_some() {
            MailStatus::Queued
        } else {
            MailStatus::Kept
        };
        let mut tick = tokio::time::interval(config.interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut position = Position {
            read: None,
            next: EventId(0),
            written: Instant::now(),
        };
        loop {
            tick.tick().await;
            if let Err(e) = self.compose(&mut position, &config.base_url, status).await {
                position.read = None;
                tracing::warn!(error = %e, "mail: composing failed; retrying at the next pass");
            }
            if let Some(s) = &sender {
                if let Err(e) = self.send_due(s).await {
                    tracing::warn!(error = %e, "mail: sending failed; retrying at the next pass");
                }
            }
        }
    }

    /// Composes the messages of the outbox's next events; the number of messages kept.
    async fn compose(&self, at: &mut Position, base_url: &str, status: MailStatus) -> crate::Result<usize> {
        let read = match at.read {
            Some(r) => r,
            None => {
                let r = self.store.mail_cursor().await?;
                at.read = Some(r);
                at.next = r;
                r
            }
        };
        let events = self.store.webhook_outbox(at.next, COMPOSE_BATCH).await?;
        let Some(last) = events.last().map(|e| e.id) else {
            return Ok(0);
        };
        let mut messages = Vec::new();
        for e in &events {
            messages.extend(self.messages_of(e, base_url).await?);
        }
        if messages.is_empty() && at.written.elapsed() < PERSIST_EVERY {
            at.next = last;
            return Ok(0);
        }
        let kept = self
            .store
            .compose_mail(read, last, &messages, status, self.clock.now())
            .await?;
        if kept {
            at.read = Some(last);
            at.next = last;
            at.written = Instant::now();
            if !messages.is_empty() {
                tracing::debug!(messages = messages.len(), to = %last, "mail composed");
            }
            Ok(messages.len())
        } else {
            // Another node composed these events: start again from where it stopped.
            at.read = None;
            Ok(0)
        }
    }

    /// The messages one event sends: one per recipient of its template.
    async fn messages_of(&self, e: &RecordedEvent, base_url: &str) -> crate::Result<Vec<NewMail>> {
        let Some(t) = template(e.event.action) else {
            return Ok(Vec::new());
        };
        let recipients = self.store.mail_recipients(t.to, &e.event).await?;
        if recipients.is_empty() {
            return Ok(Vec::new());
        }
        let mut facts = self.store.mail_facts(&e.event).await?;
        facts.set("base_url", base_url);
        let mut out = Vec::with_capacity(recipients.len());
        for r in recipients {
            let mut f = facts.clone();
            if t.to == Recipients::Invitee {
                let Ok(id) = e.event.target_id.parse::<i64>() else {
                    continue;
                };
                let (link, token) = self.accept_link(base_url, InvitationId(id), r.user);
                f.set("accept_link", link);
                f.set("accept_token", token);
            }
            let (subject, body) = render(t, &f);
            out.push(NewMail {
                recipient: r,
                subject,
                body,
                event_id: e.id,
                action: e.event.action,
                company: e.event.company,
            });
        }
        Ok(out)
    }

    /// Sends the due messages concurrently.
    async fn send_due(&self, sender: &Sender) -> crate::Result<()> {
        let now = self.clock.now();
        let claimed = self.store.claim_mail(now, now + CLAIM_SECONDS, SEND_BATCH).await?;
        let mut tasks = tokio::task::JoinSet::new();
        for m in claimed {
            let core = self.clone();
            let message = build(&sender.from, &m);
            let transport = sender.transport.clone();
            tasks.spawn(async move {
                let result = match message {
                    Ok(msg) => transport.send(msg).await.map(|_| ()).map_err(|e| e.to_string()),
                    Err(e) => Err(e),
                };
                let at = core.clock.now();
                let outcome = match result {
                    Ok(()) => MailOutcome::Sent { at },
                    Err(error) => {
                        let retry_at = match after_failure(m.attempts + 1, at) {
                            AfterFailure::RetryAt(t) => Some(t),
                            AfterFailure::GiveUp => None,
                        };
                        MailOutcome::Failed { at, error, retry_at }
                    }
                };
                tracing::debug!(mail = %m.id, sent = matches!(outcome, MailOutcome::Sent { .. }), "mail attempt");
                core.store.finish_mail(m.id, &outcome).await
            });
        }
        while let Some(done) = tasks.join_next().await {
            match done {
                Ok(Err(e)) => tracing::warn!(error = %e, "mail: recording an attempt failed"),
                Err(e) => tracing::warn!(error = %e, "mail: an attempt panicked"),
                Ok(Ok(())) => {}
            }
        }
        Ok(())
    }
}

/// The message as sent: plain text, from the configured sender to the recipient's address.
fn build(from: &Mailbox, m: &Mail) -> Result<Message, String> {
    let to: Mailbox = m
        .address
        .parse()
        .map_err(|e| format!("the recipient's address is not usable: {e}"))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(m.subject.clone())
        .header(ContentType::TEXT_PLAIN)
        .body(m.body.clone())
        .map_err(|e| format!("the message cannot be built: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_settings_are_checked() {
        let ok = |url: &str, from: &str| {
            check_smtp(&Smtp {
                url: url.into(),
                from: from.into(),
            })
        };
        assert!(ok("smtp://127.0.0.1:2525", DEFAULT_FROM).is_ok());
        assert!(ok("smtps://mail.example.com", "ops@example.com").is_ok());
        assert!(ok("http://127.0.0.1:2525", DEFAULT_FROM).is_err());
        assert!(ok("smtp://127.0.0.1:2525", "not an address").is_err());
    }
}
