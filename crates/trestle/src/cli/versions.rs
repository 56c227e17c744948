//! `trestle versions`: an app's manifest versions, their differences and promotion.

use super::args::{read_json, Conn};
use super::output;
use anyhow::Result;
use clap::Subcommand;
use serde_json::json;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum VersionsCmd {
    /// Create a version from a manifest file (JSON).
    Create {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
        /// Semantic version, e.g. 1.0.0 (higher than every earlier version).
        #[arg(long)]
        version: String,
        /// Path of the manifest file (JSON).
        #[arg(long)]
        manifest: PathBuf,
    },
    /// Save a new manifest into a version that is still ready for testing.
    Update {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
        /// Version id (a number, the `id` that `versions list` prints; not the App Version ID).
        #[arg(long)]
        version_id: i64,
        /// Path of the manifest file (JSON).
        #[arg(long)]
        manifest: PathBuf,
    },
    /// An app's versions and their status.
    List {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
    },
    /// The permission difference between two versions.
    Diff {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
        /// Version id (a number) to compare from.
        #[arg(long)]
        from: i64,
        /// Version id (a number) to compare to.
        #[arg(long)]
        to: i64,
    },
    /// Promote to production (the first promotion prints the client secret, once).
    Promote {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
        /// Version id (a number, the `id` that `versions list` prints; not the App Version ID).
        #[arg(long)]
        version_id: i64,
    },
}

pub async fn run(cmd: VersionsCmd) -> Result<()> {
    use VersionsCmd as V;
    match cmd {
        V::Create {
            conn,
            app,
            version,
            manifest,
        } => {
            let body = json!({"version": version, "manifest": read_json(&manifest)?});
            output::json(&conn.client().create_version(app, &body).await?)
        }
        V::Update {
            conn,
            app,
            version_id,
            manifest,
        } => {
            let body = json!({"manifest": read_json(&manifest)?});
            output::json(&conn.client().update_version(app, version_id, &body).await?)
        }
        V::List { conn, app } => output::json(&conn.client().list_versions(app).await?),
        V::Diff { conn, app, from, to } => output::json(&conn.client().diff_versions(app, from, to).await?),
        V::Promote { conn, app, version_id } => output::json(&conn.client().promote_version(app, version_id).await?),
    }
}
