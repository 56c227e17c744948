//! `trestle invitations`: company admins invite people into the directory by e-mail
//! address; people accept their own invitations.

use super::args::{json_arg, Conn};
use super::output;
use anyhow::Result;
use clap::Subcommand;
use serde_json::json;

#[derive(Subcommand)]
pub enum InvitationsCmd {
    /// Invite someone into the company directory by e-mail address (admin). They appear in
    /// the directory once they accept.
    Send {
        #[command(flatten)]
        conn: Conn,
        /// The company id.
        #[arg(long)]
        company: i64,
        /// Their e-mail address.
        #[arg(long)]
        email: String,
        /// The name for a person created by this invitation (no one has the address yet).
        #[arg(long)]
        name: Option<String>,
        /// Make them a company admin.
        #[arg(long)]
        admin: bool,
        /// JSON object of tool: level, e.g. '{"documents":"standard"}'.
        #[arg(long)]
        permissions: Option<String>,
    },
    /// The company's pending invitations (admin).
    List {
        #[command(flatten)]
        conn: Conn,
        /// The company id.
        #[arg(long)]
        company: i64,
    },
    /// Withdraw a pending invitation (admin).
    Cancel {
        #[command(flatten)]
        conn: Conn,
        /// The company id.
        #[arg(long)]
        company: i64,
        /// The invitation id.
        #[arg(long)]
        invitation: i64,
    },
    /// My pending invitations (the token's person).
    Mine {
        #[command(flatten)]
        conn: Conn,
    },
    /// Accept one of my invitations: I join the company's directory.
    Accept {
        #[command(flatten)]
        conn: Conn,
        /// The invitation id.
        #[arg(long)]
        invitation: i64,
    },
}

pub async fn run(cmd: InvitationsCmd) -> Result<()> {
    use InvitationsCmd as I;
    match cmd {
        I::Send {
            conn,
            company,
            email,
            name,
            admin,
            permissions,
        } => {
            let body = json!({"email": email, "name": name, "is_admin": admin,
                "permissions": json_arg(permissions.as_deref())?});
            output::json(&conn.client().invite(company, &body).await?)
        }
        I::List { conn, company } => output::json(&conn.client().list_invitations(company).await?),
        I::Cancel {
            conn,
            company,
            invitation,
        } => {
            conn.client().cancel_invitation(company, invitation).await?;
            println!("Cancelled invitation {invitation}.");
            Ok(())
        }
        I::Mine { conn } => output::json(&conn.client().my_invitations().await?),
        I::Accept { conn, invitation } => output::json(&conn.client().accept_invitation(invitation).await?),
    }
}
