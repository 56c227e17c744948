//! Trestle's domain core: app manifests, tool permissions, pagination and the single
//! authorization policy. Everything here is plain data and pure functions: no IO, no async,
//! no HTTP or SQL types, so the riskiest rules are tested quickly and deterministically.

pub mod event;
pub mod ids;
pub mod manifest;
pub mod page;
pub mod permissions;
pub mod policy;
pub mod project;
pub mod text;
pub mod version;

pub use ids::*;
