//! Integration tests: each drives a real Trestle server over HTTP on a random port, against a
//! fresh SQLite file and a fresh PostgreSQL schema (every test runs on both).

mod support;

mod cli;
mod company_admin;
mod dmsa_loop;
mod faults;
mod janitor;
mod management;
mod oauth_endpoints;
mod portal;
mod scale_out;
mod service_accounts;
mod token_endpoint;
mod up;
mod user_oauth;
mod web_ui;
