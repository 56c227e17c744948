//! Integration tests: each drives a real Trestle server over HTTP on a random port, against a
//! fresh SQLite file and a fresh PostgreSQL schema (every test runs on both).

mod support;

mod admin_areas;
mod catalog_callers;
mod catalog_head;
mod catalog_ops;
mod cli;
mod cli_projects;
mod cli_words;
mod clock_jumps;
mod company_admin;
mod concurrent_creates;
mod directory_kinds;
mod directory_reads;
mod directory_writes;
mod dmsa_loop;
mod faults;
mod files_at_rest;
mod input_limits;
mod janitor;
mod management;
mod oauth_endpoints;
mod page_cache;
mod portal;
mod projects;
mod readme;
mod request_errors;
mod sandbox_clock;
mod scale_out;
mod second_pass;
mod service_accounts;
mod standards;
mod timing;
mod token_endpoint;
mod tuned_resources;
mod typed_client;
mod up;
mod upgrade;
mod user_oauth;
mod versions;
mod web_forms;
mod web_projects;
mod web_ui;
mod webhook_faults;
mod webhooks;
