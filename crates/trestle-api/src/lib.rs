//! The management API's request and response types (`/api/v1`), one module per resource: what
//! the server sends and reads, and what the CLI and the tests can use as well. Serde and
//! utoipa only — no HTTP framework, no storage, no use cases; the server converts its values
//! into these. The JSON shapes are a public API: a field renamed here is a breaking change.
//!
//! Every type is `Serialize + Deserialize` (and `Debug + Clone`), so the server writes exactly
//! what a client reads. With the `client` feature, `client::Client` is the typed HTTP client
//! of the API (reqwest): one method per endpoint, every path written once, there; the CLI and
//! the integration tests use it. Without the feature nothing here names HTTP.

pub mod apps;
pub mod audit;
#[cfg(feature = "client")]
pub mod client;
pub mod companies;
pub mod credentials;
pub mod error;
pub mod installs;
pub mod invitations;
pub mod metrics;
pub mod operator;
pub mod people;
pub mod projects;
pub mod service_accounts;
pub mod versions;
