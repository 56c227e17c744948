//! The `trestle` binary's library half: server start-up, keys and demo data, so integration
//! tests start exactly what the binary starts.

pub mod demo;
pub mod files;
pub mod keys;
pub mod seeding;
pub mod server;
