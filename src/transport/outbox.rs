//! The outbox transport: each message becomes a file in a directory
//! (written to a temporary name, synced, then renamed, so a reader never
//! sees half a message). Useful without an MTA and in tests. Performs file
//! I/O.

use super::{SendResult, Sender};
use crate::error::InfraError;
use crate::store::OutboxMessage;
use std::io::Write;
use std::path::PathBuf;

/// Writes messages as `.eml` files with an envelope header block.
#[derive(Debug, Clone)]
pub struct OutboxDir {
    /// The directory.
    pub dir: PathBuf,
    /// Distinguishes files of one process.
    pub prefix: String,
    counter: u64,
}

impl OutboxDir {
    /// An outbox in `dir` (created when missing).
    pub fn new(dir: PathBuf, prefix: String) -> OutboxDir {
        OutboxDir { dir, prefix, counter: 0 }
    }
}

impl Sender for OutboxDir {
    fn send(&mut self, msg: &OutboxMessage) -> SendResult {
        std::fs::create_dir_all(&self.dir)
            .map_err(|e| InfraError::io(format!("creating {}", self.dir.display()), e))?;
        self.counter += 1;
        let name = format!("{}-{:04}-{}.eml", self.prefix, self.counter, msg.kind);
        let tmp = self.dir.join(format!(".{name}.tmp"));
        let dst = self.dir.join(&name);
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::File::create(&tmp)?;
            writeln!(f, "X-Envelope-From: <{}>", msg.from)?;
            writeln!(f, "X-Envelope-To: {}", msg.to.join(", "))?;
            f.write_all(&msg.bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &dst)
        };
        write().map_err(|e| InfraError::io(format!("writing {}", dst.display()), e).into())
    }
}
