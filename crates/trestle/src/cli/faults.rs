//! `trestle faults`: scripted fault rules of a sandbox node (operator), so that an app's
//! retry and back-off code can be tested on purpose.

use super::args::Conn;
use super::output;
use anyhow::Result;
use clap::Subcommand;
use trestle_api::sandbox::{FaultIn, FaultMatchIn};

#[derive(Subcommand)]
pub enum FaultsCmd {
    /// Add a rule: the matching calls to /oauth and /rest (or, with --destination, webhook
    /// deliveries) get its status, latency or a cut connection (server started with --faults,
    /// or trestle up).
    Add {
        #[command(flatten)]
        conn: Conn,
        /// Only calls with this method (GET, POST, …).
        #[arg(long)]
        method: Option<String>,
        /// Only calls to this path or template (`/oauth/token`,
        /// `/rest/v1.0/projects/{project_id}/rfis`).
        #[arg(long)]
        path: Option<String>,
        /// Only calls of this app's client id (at /oauth, or with its access tokens).
        #[arg(long)]
        client_id: Option<String>,
        /// Only calls that name this company id.
        #[arg(long)]
        company_id: Option<i64>,
        /// Strike webhook deliveries to this URL (or URLs starting with it) instead of calls.
        #[arg(long)]
        destination: Option<String>,
        /// Answer this status: 429, 500, 502, 503 or 504.
        #[arg(long)]
        status: Option<u16>,
        /// Wait this many milliseconds first.
        #[arg(long, default_value_t = 0)]
        latency_ms: u32,
        /// Cut the connection instead of answering.
        #[arg(long)]
        drop_connection: bool,
        /// Strike only the next this many matching calls.
        #[arg(long)]
        count: Option<u32>,
        /// Strike this percentage of the matching calls.
        #[arg(long)]
        percent: Option<u8>,
        /// A 429's Retry-After, in seconds.
        #[arg(long)]
        retry_after: Option<u32>,
    },
    /// List the node's rules, in the order they are tried.
    List {
        #[command(flatten)]
        conn: Conn,
    },
    /// Remove a rule.
    Remove {
        #[command(flatten)]
        conn: Conn,
        /// Rule id (as `faults list` prints it).
        id: i64,
    },
}

pub async fn run(cmd: FaultsCmd) -> Result<()> {
    match cmd {
        FaultsCmd::Add {
            conn,
            method,
            path,
            client_id,
            company_id,
            destination,
            status,
            latency_ms,
            drop_connection,
            count,
            percent,
            retry_after,
        } => {
            let rule = FaultIn {
                matching: FaultMatchIn {
                    method,
                    path,
                    client_id,
                    company_id,
                    destination,
                },
                status,
                latency_ms,
                drop_connection,
                count,
                percent,
                retry_after,
            };
            output::json(&conn.client().add_fault(&rule).await?)
        }
        FaultsCmd::List { conn } => output::json(&conn.client().faults().await?),
        FaultsCmd::Remove { conn, id } => output::json(&conn.client().remove_fault(id).await?),
    }
}
