use trestle_domain::manifest::Problem;
use trestle_domain::policy::Denied;
use trestle_store::StoreError;

/// Errors of the management and REST use cases. `trestle-http` maps each variant to one status.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// No valid credentials (401).
    #[error("{0}")]
    Unauthenticated(String),
    /// Valid credentials, not allowed (403).
    #[error("{}", .0.message())]
    Forbidden(Denied),
    /// The thing does not exist or is not visible to the caller (404).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request is well-formed but its content is invalid; every problem is listed (422).
    #[error("{message}")]
    Invalid { message: String, problems: Vec<Problem> },
    /// The request itself is malformed (400).
    #[error("{0}")]
    BadRequest(String),
    /// The request conflicts with the current state (409).
    #[error("{0}")]
    Conflict(String),
    /// The database cannot serve now (503).
    #[error("service temporarily unavailable: {0}")]
    Unavailable(String),
    /// A bug or an unexpected failure (500); details are logged, not shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl CoreError {
    pub fn invalid(message: impl Into<String>, problems: Vec<Problem>) -> Self {
        CoreError::Invalid {
            message: message.into(),
            problems,
        }
    }

    pub fn invalid_field(path: &str, reason: impl Into<String>) -> Self {
        let reason = reason.into();
        CoreError::Invalid {
            message: format!("{path}: {reason}"),
            problems: vec![Problem {
                path: path.into(),
                reason,
            }],
        }
    }
}

/// Maps a store error, naming what was not found: `.map_err(not_found("install"))`.
pub fn not_found(what: &'static str) -> impl Fn(StoreError) -> CoreError {
    move |e| match e {
        StoreError::NotFound => CoreError::NotFound(what),
        other => other.into(),
    }
}

impl From<StoreError> for CoreError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => CoreError::NotFound("resource"),
            StoreError::Conflict(m) => CoreError::Conflict(m),
            StoreError::Unavailable(m) => CoreError::Unavailable(m),
            StoreError::Other(m) => CoreError::Internal(m),
        }
    }
}

/// Token-endpoint errors, with the codes of RFC 6749 §5.2.
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("{0}")]
    InvalidRequest(String),
    #[error("{0}")]
    InvalidClient(String),
    #[error("{0}")]
    InvalidGrant(String),
    #[error("{0}")]
    UnauthorizedClient(String),
    #[error("{0}")]
    UnsupportedGrantType(String),
    #[error("{0}")]
    InvalidScope(String),
    #[error("{0}")]
    TemporarilyUnavailable(String),
    /// Too many failed client authentications from one address: wait this many seconds.
    #[error("too many failed attempts for this client from this address; retry in {0} seconds")]
    TooManyAttempts(i64),
    #[error("{0}")]
    ServerError(String),
}

impl OAuthError {
    pub fn code(&self) -> &'static str {
        match self {
            OAuthError::InvalidRequest(_) => "invalid_request",
            OAuthError::InvalidClient(_) => "invalid_client",
            OAuthError::InvalidGrant(_) => "invalid_grant",
            OAuthError::UnauthorizedClient(_) => "unauthorized_client",
            OAuthError::UnsupportedGrantType(_) => "unsupported_grant_type",
            OAuthError::InvalidScope(_) => "invalid_scope",
            OAuthError::TemporarilyUnavailable(_) | OAuthError::TooManyAttempts(_) => "temporarily_unavailable",
            OAuthError::ServerError(_) => "server_error",
        }
    }
}

impl From<StoreError> for OAuthError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(m) => OAuthError::TemporarilyUnavailable(m),
            other => OAuthError::ServerError(other.to_string()),
        }
    }
}
