//! E-mail notifications: reading the mail outbox (the operator every message, a person their
//! own), and accepting an invitation with the token its message carries. The worker that
//! composes and sends the messages is `worker.rs`.

pub mod worker;

use crate::{CoreError, Result, Trestle};
use trestle_domain::entities::{Invitation, Mail};
use trestle_domain::mail::MailStatus;
use trestle_domain::page::{Page, PageRequest};
use trestle_domain::policy::{decide, Actor, Denied, Request};
use trestle_domain::*;
use trestle_store::{MailFilter, StoreError};

/// The path of the web page an invitation's accept link opens (its query: `token=`).
pub const ACCEPT_PAGE: &str = "/ui/invitations/accept";

/// Longest accept token taken (as the API documents it).
pub const TOKEN_MAX: usize = 200;

/// The invitation id a token names (`inv_<id>_<64 hex>`), if it has that shape.
fn token_invitation(token: &str) -> Option<InvitationId> {
    let rest = token.strip_prefix("inv_")?;
    let (id, mac) = rest.split_once('_')?;
    if mac.len() != 64 || !mac.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    id.parse().ok().filter(|n: &i64| *n > 0).map(InvitationId)
}

impl Trestle {
    /// Every message of the platform (the operator), optionally of one recipient or status.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor))]
    pub async fn list_mail(&self, actor: Actor, filter: MailFilter, page: PageRequest) -> Result<Page<Mail>> {
        self.require(actor, Request::OperatePlatform)?;
        Ok(self.store.list_mail(filter, page).await?)
    }

    /// The caller's own messages (people).
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor))]
    pub async fn my_mail(&self, actor: Actor, status: Option<MailStatus>, page: PageRequest) -> Result<Page<Mail>> {
        let Some(user) = actor.user_id() else {
            return Err(CoreError::Forbidden(Denied::PeopleOnly));
        };
        self.require(actor, Request::ReadOwnMail { recipient: user })?;
        let filter = MailFilter {
            recipient: Some(user),
            status,
        };
        Ok(self.store.list_mail(filter, page).await?)
    }

    /// One message: for its recipient and the operator; anyone else is told it does not exist.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, id = %id))]
    pub async fn show_mail(&self, actor: Actor, id: MailId) -> Result<Mail> {
        match self.store.find_mail(id).await? {
            Some(m) if decide(actor, Request::ReadOwnMail { recipient: m.recipient }).is_ok() => Ok(m),
            _ => Err(CoreError::NotFound("mail")),
        }
    }

    /// The accept link of an invitation's message for `user` (the token in its query).
    pub(crate) fn accept_link(&self, base_url: &str, id: InvitationId, user: UserId) -> (String, String) {
        let token = self.keys.invitation_token(id, user);
        (format!("{base_url}{ACCEPT_PAGE}?token={token}"), token)
    }

    /// The pending invitation and person a token names, checked in constant time; any token
    /// that does not fit a pending invitation is "not found".
    async fn token_holder(&self, token: &str) -> Result<(InvitationId, UserId)> {
        let gone = || CoreError::NotFound("invitation");
        let token = token.trim();
        if token.chars().count() > TOKEN_MAX {
            return Err(CoreError::invalid_field(
                "$.token",
                format!("at most {TOKEN_MAX} characters"),
            ));
        }
        let id = token_invitation(token).ok_or_else(gone)?;
        let user = self.store.invitation_invitee(id).await?.ok_or_else(gone)?;
        let expected = self.keys.invitation_token(id, user);
        if !crate::secrets::hashes_equal(&expected, token) {
            return Err(gone());
        }
        Ok((id, user))
    }

    /// The pending invitation a token (from its message) names, without answering it: what
    /// the accept page shows.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn invitation_for_token(&self, token: &str) -> Result<Invitation> {
        let (id, user) = self.token_holder(token).await?;
        self.store
            .list_my_invitations(user)
            .await?
            .into_iter()
            .find(|i| i.id == id)
            .ok_or(CoreError::NotFound("invitation"))
    }

    /// Accepts the pending invitation a token (from its message) names, for the person it was
    /// sent to: they join the company directory, an event of that person.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn accept_invitation_by_token(&self, token: &str) -> Result<Invitation> {
        let (id, user) = self.token_holder(token).await?;
        self.store
            .accept_invitation(user, id, &self.audit(Actor::Person(user)))
            .await
            .map_err(|e| match e {
                StoreError::NotFound => CoreError::NotFound("invitation"),
                other => other.into(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_name_their_invitation_only_in_their_shape() {
        let mac = "a".repeat(64);
        assert_eq!(token_invitation(&format!("inv_12_{mac}")), Some(InvitationId(12)));
        for bad in [
            format!("inv_0_{mac}"),
            format!("inv_-1_{mac}"),
            format!("inv_12_{}", "a".repeat(63)),
            format!("inv_12_{}g", "a".repeat(63)),
            format!("xyz_12_{mac}"),
            "inv_12".into(),
            String::new(),
        ] {
            assert_eq!(token_invitation(&bad), None, "{bad}");
        }
    }
}
