//! People signing in: browser sessions, authorization codes, grants and refresh rotation.

use crate::ids::{AppId, ClientPk, GrantId, UserId};

/// A live browser session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebSession {
    pub user: UserId,
    /// The session's CSRF token (every form carries it).
    pub csrf: String,
    /// When the person signed in (sensitive actions want a recent sign-in).
    pub created_at: i64,
}

/// A code taken out of circulation by its first redemption.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthCode {
    pub client: ClientPk,
    pub user: UserId,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub expires_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodeRedemption {
    /// First use: the code, now spent.
    Redeemed(AuthCode),
    /// Used before: the grant it produced (to revoke), if any.
    Replayed {
        grant: Option<GrantId>,
    },
    Unknown,
}

/// A person's approval of a client; its tokens live while it is not revoked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub id: GrantId,
    pub client: ClientPk,
    pub app_id: AppId,
    pub user_id: UserId,
    pub revoked: bool,
    /// When the person approved (the start of the refresh tokens' absolute lifetime).
    pub created_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefreshRotation {
    /// The old token is spent and the new one stored, for this grant.
    Rotated(Grant),
    /// The token was used before: the grant has been revoked (reuse detection).
    Reused {
        grant: GrantId,
    },
    Unknown,
}
