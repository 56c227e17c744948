//! What every command takes: where the server is and the API token, and the JSON it reads
//! from the command line or from files.

use super::client::Client;
use anyhow::{Context, Result};
use clap::Args;
use serde_json::Value;
use std::path::Path;

#[derive(Args, Clone)]
pub struct Conn {
    /// Trestle base URL.
    #[arg(long, env = "TRESTLE_URL", default_value = "http://127.0.0.1:8080", global = true)]
    url: String,
    /// API token (trs_…).
    #[arg(long, env = "TRESTLE_TOKEN", global = true, hide_env_values = true)]
    token: Option<String>,
}

impl Conn {
    /// A client of the server named, with the token given (if any).
    pub fn client(&self) -> Client {
        Client::new(&self.url, self.token.clone())
    }
}

/// A JSON argument given on the command line.
pub fn json_arg(v: Option<&str>) -> Result<Value> {
    match v {
        None => Ok(Value::Null),
        Some(s) => serde_json::from_str(s).with_context(|| format!("{s:?} is not valid JSON")),
    }
}

/// A JSON file named on the command line.
pub fn read_json(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", path.display()))
}
