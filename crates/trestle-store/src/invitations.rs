//! Invitations into company directories.

use crate::entities::*;
use crate::error::Result;
use crate::model::*;
use async_trait::async_trait;
use trestle_domain::page::{Page, PageRequest};
use trestle_domain::*;

/// Invitations into company directories. Company-scoped methods filter on the `CompanyId`; a
/// foreign id is "not found".
#[async_trait]
pub trait InvitationStore: Send + Sync {
    /// Invites an e-mail address into the company directory (a pending invitation; a second
    /// invitation of the same address replaces the terms of the first). When no one has the
    /// address, a person without credentials is created for it (recorded in the platform's log
    /// only). The answer is the same whoever has the address; `Conflict` only when it belongs
    /// to an active member already (who is in the directory anyway).
    async fn invite(&self, company: CompanyId, new: &NewInvitation, audit: &EventContext) -> Result<Invitation>;
    /// The company's pending invitations.
    async fn list_invitations(&self, company: CompanyId, page: PageRequest) -> Result<Page<Invitation>>;
    async fn cancel_invitation(&self, company: CompanyId, id: InvitationId, audit: &EventContext) -> Result<()>;
    /// A person's pending invitations (of active companies).
    async fn list_my_invitations(&self, user: UserId) -> Result<Vec<Invitation>>;
    /// Accepts a pending invitation of `user`: they join the directory with its role and
    /// permissions. Another person's invitation is `NotFound`.
    async fn accept_invitation(&self, user: UserId, id: InvitationId, audit: &EventContext) -> Result<Invitation>;
}
