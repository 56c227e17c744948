//! `trestle sandbox`: keep a snapshot of a sandbox server's stored world and reset to it
//! (operator), e.g. between the tests of a CI run.

use super::args::Conn;
use super::output;
use anyhow::Result;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum SandboxCmd {
    /// Show the kept snapshot (when it was taken, how many rows it holds).
    Show {
        #[command(flatten)]
        conn: Conn,
    },
    /// Keep the stored world as it is now as the state `reset` returns to (`trestle up` keeps
    /// one right after seeding).
    Snapshot {
        #[command(flatten)]
        conn: Conn,
    },
    /// Put the stored world back as the snapshot kept it; every node forgets what it cached.
    Reset {
        #[command(flatten)]
        conn: Conn,
    },
}

pub async fn run(cmd: SandboxCmd) -> Result<()> {
    match cmd {
        SandboxCmd::Show { conn } => output::json(&conn.client().snapshot().await?),
        SandboxCmd::Snapshot { conn } => output::json(&conn.client().take_snapshot().await?),
        SandboxCmd::Reset { conn } => output::json(&conn.client().reset_sandbox().await?),
    }
}
