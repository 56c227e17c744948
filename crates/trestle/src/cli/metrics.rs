//! `trestle metrics`: an app's installs and uninstalls per day and per company, as JSON or
//! as one of the CSV tables.

use super::args::Conn;
use super::client::{MetricsTable, Period};
use super::output;
use anyhow::{bail, Result};

/// `csv`: `daily` or `companies` for that table as CSV; JSON without it.
pub async fn run(conn: &Conn, app: i64, period: Period, csv: Option<&str>) -> Result<()> {
    let table = match csv {
        None => return output::json(&conn.client().app_metrics(app, &period).await?),
        Some("daily") => MetricsTable::Daily,
        Some("companies") => MetricsTable::Companies,
        Some(other) => bail!("--csv takes daily or companies, not {other:?}"),
    };
    output::csv(&conn.client().app_metrics_csv(app, table, &period).await?);
    Ok(())
}
