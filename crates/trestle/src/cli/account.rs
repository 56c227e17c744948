//! `trestle whoami` and `trestle token`: who an API token belongs to, and an access token for
//! an app's client credentials.

use super::args::Conn;
use super::output;
use anyhow::Result;

pub async fn whoami(conn: &Conn) -> Result<()> {
    output::json(&conn.client().me().await?)
}

pub async fn token(conn: &Conn, client_id: &str, client_secret: &str) -> Result<()> {
    output::json(&conn.client().token(client_id, client_secret).await?)
}
