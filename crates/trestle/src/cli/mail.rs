//! `trestle mail`: the e-mail messages the platform composed — every one for the operator,
//! a person's own otherwise — and accepting an invitation with the token of its message.

use super::args::Conn;
use super::output;
use anyhow::Result;
use clap::Subcommand;
use trestle_api::client::Page;

#[derive(Subcommand)]
pub enum MailCmd {
    /// Messages, newest first: with an operator token every message (or one recipient's),
    /// with a person's token their own.
    List {
        #[command(flatten)]
        conn: Conn,
        /// Operator: only the messages of this person (a user id).
        #[arg(long)]
        recipient: Option<i64>,
        /// Only messages in this state: kept, queued, sent or failed.
        #[arg(long)]
        status: Option<String>,
        /// Page number, from 1.
        #[arg(long, default_value_t = 1)]
        page: u32,
        /// Items per page.
        #[arg(long, default_value_t = 100)]
        per_page: u32,
    },
    /// One message, with its body (its recipient or the operator).
    Show {
        #[command(flatten)]
        conn: Conn,
        /// The message id.
        #[arg(long)]
        id: i64,
    },
    /// Accept an invitation with the token of its message's accept link (no API token needed).
    Accept {
        #[command(flatten)]
        conn: Conn,
        /// The `token` of the accept link (`inv_…`).
        #[arg(long = "invitation-token")]
        invitation_token: String,
    },
}

pub async fn run(cmd: MailCmd) -> Result<()> {
    match cmd {
        MailCmd::List {
            conn,
            recipient,
            status,
            page,
            per_page,
        } => {
            let page = Page {
                query: None,
                page,
                per_page,
            };
            let client = conn.client();
            // Who the token belongs to decides which list is meant.
            let operator = recipient.is_some() || client.me().await?.kind == "operator";
            if operator {
                output::json(&client.list_mail(recipient, status, &page).await?)
            } else {
                output::json(&client.my_mail(status, &page).await?)
            }
        }
        MailCmd::Show { conn, id } => output::json(&conn.client().mail(id).await?),
        MailCmd::Accept { conn, invitation_token } => {
            output::json(&conn.client().accept_invitation_token(&invitation_token).await?)
        }
    }
}
