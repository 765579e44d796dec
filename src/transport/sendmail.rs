//! The sendmail transport: runs a sendmail-compatible command (Postfix's,
//! Exim's) with `-i -f <sender> -- <recipients>`. Performs I/O (a child
//! process). Any failure is temporary: the message stays ours to retry.

use super::Sender;
use crate::error::{InfraError, InfraResult};
use crate::store::OutboxMessage;
use std::io::Write;
use std::process::{Command, Stdio};

/// Sends through a sendmail command.
#[derive(Debug, Clone)]
pub struct Sendmail {
    /// The command (e.g. /usr/sbin/sendmail).
    pub command: String,
}

impl Sender for Sendmail {
    fn send(&mut self, msg: &OutboxMessage) -> InfraResult<()> {
        let mut cmd = Command::new(&self.command);
        cmd.arg("-i");
        if !msg.from.is_empty() {
            cmd.arg("-f").arg(&msg.from);
        }
        cmd.arg("--")
            .args(&msg.to)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .map_err(|e| InfraError::Transport(format!("running {}: {e}", self.command)))?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(&msg.bytes)
                .map_err(|e| InfraError::Transport(format!("writing to {}: {e}", self.command)))?;
        }
        let out = child
            .wait_with_output()
            .map_err(|e| InfraError::Transport(format!("waiting for {}: {e}", self.command)))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(InfraError::Transport(format!(
                "{} exited with {}: {}",
                self.command,
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            )))
        }
    }
}
