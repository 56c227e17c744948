//! Trestle's domain core: the entities (directory, app, credential, install, document, audit,
//! service_account, signin), app manifests, tool permissions, pagination and the single
//! authorization policy. Everything here is plain data and pure functions: no IO, no async,
//! no HTTP or SQL types, so the riskiest rules are tested quickly and deterministically.

pub mod app;
pub mod audit;
pub mod catalog;
pub mod credential;
pub mod directory;
pub mod document;
pub mod endpoint;
pub mod entities;
pub mod event;
pub mod fault;
pub mod ids;
pub mod install;
pub mod mail;
pub mod manifest;
pub mod page;
pub mod permissions;
pub mod policy;
pub mod project;
pub mod record;
pub mod request_log;
pub mod seed;
pub mod service_account;
pub mod signin;
pub mod text;
pub mod tool;
pub mod version;
pub mod webhook;

pub use ids::*;
