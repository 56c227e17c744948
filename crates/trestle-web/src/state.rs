//! What every page handler can reach.

use std::sync::Arc;
use trestle_core::lockout::FailedAuth;
use trestle_core::Trestle;

/// What every page handler can reach. Cloned for every request, so it is one shared pointer.
#[derive(Clone)]
pub struct WebState(Arc<Shared>);

pub struct Shared {
    pub core: Trestle,
    /// The server's public URL (behind a proxy): a form's `Origin` may be it.
    pub public_url: Option<String>,
    /// Failed sign-ins per e-mail address and client address (shared with the token
    /// endpoint's count of failed client authentications).
    pub failed_auth: Arc<FailedAuth>,
}

impl std::ops::Deref for WebState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl WebState {
    pub fn new(core: Trestle, public_url: Option<String>, failed_auth: Arc<FailedAuth>) -> Self {
        WebState(Arc::new(Shared {
            core,
            public_url,
            failed_auth,
        }))
    }
}
