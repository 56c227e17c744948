//! `trestle secrets`: an app's client credentials and secret rotation.

use super::args::Conn;
use super::output;
use anyhow::Result;
use clap::Subcommand;
use serde_json::json;

#[derive(Subcommand)]
pub enum SecretsCmd {
    /// The app's clients and their secrets (metadata only).
    List {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
    },
    /// Add a secret (printed once); the old ones keep working until retired or expired.
    Rotate {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
        /// `production` or `sandbox`.
        #[arg(long, default_value = "production")]
        environment: String,
        /// Make the other secrets expire this many seconds from now.
        #[arg(long)]
        expire_others_in: Option<i64>,
    },
    /// Retire a secret now.
    Retire {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
        /// `production` or `sandbox`.
        #[arg(long, default_value = "production")]
        environment: String,
        /// Secret id (a number, as `secrets list` prints it).
        #[arg(long)]
        secret: i64,
    },
}

pub async fn run(cmd: SecretsCmd) -> Result<()> {
    use SecretsCmd as S;
    match cmd {
        S::List { conn, app } => output::json(&conn.client().list_credentials(app).await?),
        S::Rotate {
            conn,
            app,
            environment,
            expire_others_in,
        } => {
            let body = json!({"expire_others_in_seconds": expire_others_in});
            output::json(&conn.client().rotate_secret(app, &environment, &body).await?)
        }
        S::Retire {
            conn,
            app,
            environment,
            secret,
        } => {
            output::done(&conn.client().retire_secret(app, &environment, secret).await?);
            Ok(())
        }
    }
}
