//! Storage failures.

/// Storage failures, free of any driver type.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness or state rule was broken (e.g. the app is already installed).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database cannot be reached or is overloaded right now; retrying later may work.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Other(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
