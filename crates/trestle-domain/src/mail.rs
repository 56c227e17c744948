//! E-mail notifications: which domain events send a message, to whom, and what it says.
//!
//! [`TEMPLATES`] is the one table, keyed by the event's [`Action`]: who receives the message
//! ([`Recipients`]) and its subject and text with `{placeholders}` filled from the event's
//! [`Facts`]. A new kind of mail is one row. Every message is kept in the mail outbox whatever
//! happens to it ([`MailStatus`]); sending it is the core's mail worker's business.

use crate::event::Action;
use crate::ids::{CompanyId, EventId, MailId, UserId};

/// Who receives the message an event sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recipients {
    /// The developer who owns the event's app.
    AppOwner,
    /// Every active company admin (a person) of the event's company.
    CompanyAdmins,
    /// The person an invitation (the event's target) was sent to, while it is pending.
    Invitee,
}

/// One kind of message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Template {
    pub action: Action,
    pub to: Recipients,
    pub subject: &'static str,
    /// The text body; placeholders are `{name}` of [`Facts`].
    pub body: &'static str,
}

/// Every event that sends mail. Facts every event may name: `{app}`, `{company}`,
/// `{version}`, `{base_url}`; an invitation's also `{accept_link}` and `{accept_token}`.
pub const TEMPLATES: &[Template] = &[
    Template {
        action: Action::AppCreate,
        to: Recipients::AppOwner,
        subject: "Your development sandbox for {app} is ready",
        body: "Your app {app} has a development sandbox: the company \"{company}\" with sample projects \
               and people, and sandbox credentials.\n\nOpen it in the developer portal: {base_url}/ui/apps\n",
    },
    Template {
        action: Action::InstallUpdateOffered,
        to: Recipients::CompanyAdmins,
        subject: "{app} {version} awaits your approval in {company}",
        body: "A new version of {app} ({version}) is available to {company}. It asks for more permissions \
               than the installed one, so it takes effect only after a company admin approves it.\n\n\
               Review it: {base_url}/ui/companies\n",
    },
    Template {
        action: Action::InstallUpdateApplied,
        to: Recipients::CompanyAdmins,
        subject: "{app} was updated to {version} in {company}",
        body: "A new version of {app} ({version}) is available to {company} and was applied: it asks for no \
               permissions beyond the installed one.\n\nSee the installed apps: {base_url}/ui/companies\n",
    },
    Template {
        action: Action::CompanyInvitationCreate,
        to: Recipients::Invitee,
        subject: "You are invited to join {company} on Trestle",
        body: "You have been invited to join the company directory of {company}.\n\n\
               Accept the invitation: {accept_link}\n\n\
               Or with the API: POST {base_url}/api/v1/invitations/accept with {\"token\": \"{accept_token}\"}\n\n\
               If you did not expect this invitation, ignore this message.\n",
    },
    Template {
        action: Action::ClientSecretExpiring,
        to: Recipients::AppOwner,
        subject: "A client secret of {app} expires within 7 days",
        body: "One of the client secrets of your app {app} expires within 7 days. Rotate it and move your \
               servers to the new secret before then, or its tokens stop being issued.\n\n\
               See the app's credentials: {base_url}/ui/apps\n",
    },
];

/// The template of an action, if its events send mail.
pub fn template(action: Action) -> Option<&'static Template> {
    TEMPLATES.iter().find(|t| t.action == action)
}

/// The named values a template's placeholders are filled from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts(Vec<(&'static str, String)>);

impl Facts {
    pub fn new() -> Facts {
        Facts::default()
    }

    /// Sets `name` (replacing an earlier value).
    pub fn set(&mut self, name: &'static str, value: impl Into<String>) {
        let value = value.into();
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.0.push((name, value)),
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }
}

/// `text` with each `{name}` of `facts` replaced by its value; a placeholder without a fact
/// and every other brace stay as written. Values are not searched for placeholders again.
pub fn fill(text: &str, facts: &Facts) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let tail = &rest[open..];
        let close = tail.find('}');
        let name = close.map(|c| &tail[1..c]);
        match name.and_then(|n| facts.get(n)).zip(close) {
            Some((value, c)) => {
                out.push_str(value);
                rest = &tail[c + 1..];
            }
            None => {
                out.push('{');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The subject (one line) and body of `template` with `facts`.
pub fn render(template: &Template, facts: &Facts) -> (String, String) {
    let subject: String = fill(template.subject, facts)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(SUBJECT_MAX)
        .collect();
    (subject, fill(template.body, facts))
}

/// Longest subject kept (characters).
pub const SUBJECT_MAX: usize = 200;
/// Attempts at sending before a message is given up (`failed`).
pub const MAX_ATTEMPTS: i64 = 10;
/// Seconds before the first retry; doubled each time up to [`MAX_BACKOFF`].
pub const FIRST_BACKOFF: i64 = 30;
pub const MAX_BACKOFF: i64 = 3600;

/// Seconds to wait after the `attempts`-th failed attempt (1-based): 30 s, 60 s, … 1 h.
pub fn backoff(attempts: i64) -> i64 {
    let n = attempts.clamp(1, 63) - 1;
    if n >= 12 {
        return MAX_BACKOFF;
    }
    (FIRST_BACKOFF << n).min(MAX_BACKOFF)
}

/// Where a message stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MailStatus {
    /// Kept only: no SMTP server is configured (`trestle up`'s default).
    Kept,
    /// To be sent (again) at `next_attempt_at`.
    Queued,
    Sent,
    /// Given up after [`MAX_ATTEMPTS`] failed attempts.
    Failed,
}

impl MailStatus {
    pub const ALL: [MailStatus; 4] = [
        MailStatus::Kept,
        MailStatus::Queued,
        MailStatus::Sent,
        MailStatus::Failed,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            MailStatus::Kept => "kept",
            MailStatus::Queued => "queued",
            MailStatus::Sent => "sent",
            MailStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<MailStatus> {
        MailStatus::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// What follows a failed attempt that was the `attempts`-th (1-based), at `now`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterFailure {
    RetryAt(i64),
    GiveUp,
}

pub fn after_failure(attempts: i64, now: i64) -> AfterFailure {
    if attempts >= MAX_ATTEMPTS {
        AfterFailure::GiveUp
    } else {
        AfterFailure::RetryAt(now + backoff(attempts))
    }
}

/// A person a message goes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    pub user: UserId,
    pub address: String,
}

/// A message as composed, before it is kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMail {
    pub recipient: Recipient,
    pub subject: String,
    pub body: String,
    pub event_id: EventId,
    pub action: Action,
    pub company: Option<CompanyId>,
}

/// A message of the mail outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    pub id: MailId,
    pub recipient: UserId,
    pub address: String,
    pub subject: String,
    pub body: String,
    pub event_id: EventId,
    /// The event's action (`company_invitation.create`, …).
    pub action: String,
    pub company: Option<CompanyId>,
    pub status: MailStatus,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub sent_at: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_action_has_at_most_one_template_and_every_placeholder_is_known() {
        let known = ["app", "company", "version", "base_url", "accept_link", "accept_token"];
        for (i, t) in TEMPLATES.iter().enumerate() {
            assert!(
                TEMPLATES[i + 1..].iter().all(|o| o.action != t.action),
                "two templates for {}",
                t.action
            );
            assert_eq!(template(t.action), Some(t));
            for text in [t.subject, t.body] {
                let mut facts = Facts::new();
                for k in known {
                    facts.set(k, "X");
                }
                let filled = fill(text, &facts);
                for k in known {
                    assert!(!filled.contains(&format!("{{{k}}}")), "{k} left in {}", t.action);
                }
            }
        }
        assert_eq!(template(Action::RecordCreate), None);
    }

    #[test]
    fn fill_replaces_known_placeholders_once_and_keeps_other_braces() {
        let mut f = Facts::new();
        f.set("app", "Acme {company}");
        f.set("company", "Globex");
        f.set("app", "Acme {company}"); // replaced, not doubled
        assert_eq!(fill("{app} in {company}", &f), "Acme {company} in Globex");
        assert_eq!(fill("{\"token\": 1} {missing} {", &f), "{\"token\": 1} {missing} {");
        assert_eq!(fill("no braces", &f), "no braces");
    }

    #[test]
    fn subjects_are_one_bounded_line() {
        let t = template(Action::AppCreate).unwrap();
        let mut f = Facts::new();
        f.set("app", format!("a\r\nBcc: x{}", "y".repeat(500)));
        let (subject, body) = render(t, &f);
        assert!(!subject.contains('\n') && !subject.contains('\r'));
        assert_eq!(subject.chars().count(), SUBJECT_MAX);
        assert!(body.contains("Bcc: x"));
    }

    #[test]
    fn backoff_doubles_to_an_hour_and_gives_up() {
        assert_eq!([backoff(1), backoff(2), backoff(3)], [30, 60, 120]);
        assert_eq!(backoff(8), 3600);
        assert_eq!(backoff(60), 3600);
        assert_eq!(after_failure(1, 100), AfterFailure::RetryAt(130));
        assert_eq!(after_failure(MAX_ATTEMPTS, 100), AfterFailure::GiveUp);
        for s in MailStatus::ALL {
            assert_eq!(MailStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(MailStatus::parse("lost"), None);
    }
}
