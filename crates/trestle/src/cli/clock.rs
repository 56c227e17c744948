//! `trestle clock`: read and move a sandbox server's clock (operator).

use super::args::Conn;
use super::output;
use anyhow::{bail, Result};
use clap::Subcommand;
use trestle_api::sandbox::AdvanceClock;

#[derive(Subcommand)]
pub enum ClockCmd {
    /// Show the server's time and whether it can be moved.
    Show {
        #[command(flatten)]
        conn: Conn,
    },
    /// Move the clock forward (a server started by `trestle up` or with `--manual-clock`), so
    /// tokens expire and timelines pass without waiting.
    Advance {
        #[command(flatten)]
        conn: Conn,
        /// How far: seconds (`90`), or a number with a unit: `90s`, `15m`, `2h`, `30d`.
        by: String,
    },
}

pub async fn run(cmd: ClockCmd) -> Result<()> {
    match cmd {
        ClockCmd::Show { conn } => output::json(&conn.client().clock().await?),
        ClockCmd::Advance { conn, by } => {
            let seconds = seconds_of(&by)?;
            output::json(&conn.client().advance_clock(&AdvanceClock { seconds }).await?)
        }
    }
}

/// `90`, `90s`, `15m`, `2h` or `30d` in seconds.
fn seconds_of(by: &str) -> Result<i64> {
    let by = by.trim();
    let (digits, unit) = match by.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => by.split_at(i),
        None => (by, "s"),
    };
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => bail!("{by:?}: give seconds, or a number with s, m, h or d (e.g. 2h)"),
    };
    match digits.parse::<i64>().ok().and_then(|n| n.checked_mul(scale)) {
        Some(n) => Ok(n),
        None => bail!("{by:?}: give seconds, or a number with s, m, h or d (e.g. 2h)"),
    }
}

#[cfg(test)]
mod tests {
    use super::seconds_of;

    #[test]
    fn durations_read_as_seconds() {
        assert_eq!(seconds_of("90").unwrap(), 90);
        assert_eq!(seconds_of("90s").unwrap(), 90);
        assert_eq!(seconds_of("15m").unwrap(), 900);
        assert_eq!(seconds_of("2h").unwrap(), 7200);
        assert_eq!(seconds_of("30d").unwrap(), 2_592_000);
        for bad in ["", "h", "2w", "-5", "1.5h", "99999999999999999999d"] {
            assert!(seconds_of(bad).is_err(), "{bad:?}");
        }
    }
}
