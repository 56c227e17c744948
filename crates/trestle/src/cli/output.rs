//! What the CLI prints: JSON answers pretty-printed, CSV as sent, a line for answers without a
//! body; a refusal's answer goes to stderr before the `error:` line.

use super::client::{ClientError, Done};
use anyhow::Result;
use serde::Serialize;

/// Prints an answer as pretty JSON.
pub fn json(answer: &impl Serialize) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(answer)?);
    Ok(())
}

/// Prints a CSV answer as is.
pub fn csv(text: &str) {
    print!("{text}");
}

/// Nothing to print from the server: says what was done, so a script's log shows it.
pub fn done(done: &Done) {
    println!("{done}");
}

/// Shows the server's answer to a refused request (the `error:` line follows from `main`).
pub fn refusal(err: &anyhow::Error) {
    if let Some(ClientError::Refused { body, .. }) = err.downcast_ref::<ClientError>() {
        eprintln!("{body}");
    }
}
