//! `trestle apps`: a developer's apps (create, rename, delete, publish, redirect URIs,
//! update offers, audit) and the operator's kill switch.

use super::args::Conn;
use super::output;
use anyhow::Result;
use clap::Subcommand;
use serde_json::json;

#[derive(Subcommand)]
pub enum AppsCmd {
    /// Create an app with its development sandbox (prints the sandbox secret once).
    Create {
        #[command(flatten)]
        conn: Conn,
        /// The app's name.
        #[arg(long)]
        name: String,
    },
    /// Your apps.
    List {
        #[command(flatten)]
        conn: Conn,
    },
    /// Show an app, its clients and its status.
    Show {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
    },
    /// Rename an app.
    Rename {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
        /// The app's name.
        #[arg(long)]
        name: String,
    },
    /// Delete an app (refused while installed anywhere); repeat its name with --confirm.
    Delete {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
        /// The app's name, repeated (anything else is refused).
        #[arg(long)]
        confirm: String,
    },
    /// Update offers made to installed companies.
    Updates {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
    },
    /// Register a redirect URI for the authorization-code flow (exact match).
    AddRedirectUri {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
        /// The redirect URI (matched exactly at sign-in).
        #[arg(long)]
        uri: String,
    },
    /// List the app in the marketplace.
    Publish {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
    },
    /// The app's audit log.
    Audit {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
    },
    /// Operator: suspend an app (no tokens; its tokens are refused) until resumed.
    Suspend {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
        /// Why (shown to the developer, kept in the audit log).
        #[arg(long)]
        reason: String,
    },
    /// Operator: lift an app's suspension.
    Resume {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
    },
}

pub async fn run(cmd: AppsCmd) -> Result<()> {
    use AppsCmd as A;
    match cmd {
        A::Create { conn, name } => output::json(&conn.client().create_app(&json!({"name": name})).await?),
        A::List { conn } => output::json(&conn.client().list_apps().await?),
        A::Show { conn, app } => output::json(&conn.client().app(app).await?),
        A::Rename { conn, app, name } => output::json(&conn.client().rename_app(app, &json!({"name": name})).await?),
        A::Delete { conn, app, confirm } => {
            output::done(&conn.client().delete_app(app, &json!({"confirm": confirm})).await?);
            Ok(())
        }
        A::Updates { conn, app } => output::json(&conn.client().app_updates(app).await?),
        A::AddRedirectUri { conn, app, uri } => {
            output::json(&conn.client().add_redirect_uri(app, &json!({"uri": uri})).await?)
        }
        A::Publish { conn, app } => output::json(&conn.client().publish_app(app).await?),
        A::Audit { conn, app } => output::json(&conn.client().app_audit(app).await?),
        A::Suspend { conn, app, reason } => {
            output::json(&conn.client().suspend_app(app, &json!({ "reason": reason })).await?)
        }
        A::Resume { conn, app } => output::json(&conn.client().resume_app(app).await?),
    }
}
