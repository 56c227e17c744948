//! `trestle people`: the operator's people (developers, company users), their passwords and
//! API tokens.

use super::args::Conn;
use super::client::Page;
use super::output;
use anyhow::Result;
use clap::Subcommand;
use serde_json::json;

#[derive(Subcommand)]
pub enum PeopleCmd {
    /// Create a person; prints their first API token once.
    Create {
        #[command(flatten)]
        conn: Conn,
        /// The person's e-mail address.
        #[arg(long)]
        email: String,
        /// The person's full name.
        #[arg(long)]
        name: String,
    },
    /// Set a person's password (to sign in to apps); the operator for anyone, a person for themself.
    Password {
        #[command(flatten)]
        conn: Conn,
        /// Person id (a number: the `user.id` that `people create` prints, or an `id` of `companies users`).
        #[arg(long)]
        user: i64,
        /// The new password (or set TRESTLE_NEW_PASSWORD).
        #[arg(long, env = "TRESTLE_NEW_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// Every person (operator): --query matches a part of the name or e-mail address.
    List {
        #[command(flatten)]
        conn: Conn,
        /// A part of the name (or number) to search for.
        #[arg(long)]
        query: Option<String>,
        /// Page number, from 1.
        #[arg(long, default_value_t = 1)]
        page: u32,
        /// Items per page.
        #[arg(long, default_value_t = 100)]
        per_page: u32,
    },
    /// Issue another API token for a person.
    Token {
        #[command(flatten)]
        conn: Conn,
        /// Person id (a number: the `user.id` that `people create` prints, or an `id` of `companies users`).
        #[arg(long)]
        user: i64,
        /// A label for the new token (shown in the audit log).
        #[arg(long, default_value = "cli")]
        label: String,
    },
}

pub async fn run(cmd: PeopleCmd) -> Result<()> {
    use PeopleCmd as P;
    match cmd {
        P::Create { conn, email, name } => {
            let body = json!({"email": email, "name": name});
            output::json(&conn.client().create_person(&body).await?)
        }
        P::Password { conn, user, password } => {
            let body = json!({"password": password});
            output::done(&conn.client().set_password(user, &body).await?);
            Ok(())
        }
        P::List {
            conn,
            query,
            page,
            per_page,
        } => {
            let page = Page { query, page, per_page };
            output::json(&conn.client().list_people(&page).await?)
        }
        P::Token { conn, user, label } => {
            let body = json!({"label": label});
            output::json(&conn.client().create_api_token(user, &body).await?)
        }
    }
}
