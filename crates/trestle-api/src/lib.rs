//! The management API's request and response types (`/api/v1`), one module per resource: what
//! the server sends and reads, and what the CLI and the tests can use as well. Serde and
//! utoipa only — no HTTP framework, no storage, no use cases; the server converts its values
//! into these. The JSON shapes are a public API: a field renamed here is a breaking change.

pub mod apps;
pub mod audit;
pub mod companies;
pub mod credentials;
pub mod installs;
pub mod invitations;
pub mod metrics;
pub mod operator;
pub mod people;
pub mod projects;
pub mod service_accounts;
pub mod versions;
