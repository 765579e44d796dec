//! Checkpointing the store's write-ahead log from a thread of its own, so
//! that copying committed pages into the database file (and syncing it)
//! overlaps the writer's next batch instead of stalling it inside a commit.
//! Performs I/O on the database file.
//!
//! The writer nudges this thread after each commit; a PASSIVE checkpoint
//! never blocks the writer. Keeping the log short this way means SQLite's
//! own automatic checkpoint (run by whichever connection commits when the
//! log passes `wal_autocheckpoint` pages) rarely falls to the writer.

use rusqlite::{Connection, OpenFlags};
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use crate::store::Nudge;

/// Starts the checkpointer for the database at `path`.
pub fn spawn(path: PathBuf) -> std::io::Result<(Nudge, std::thread::JoinHandle<()>)> {
    let (tx, rx) = mpsc::sync_channel(1);
    let handle = std::thread::Builder::new()
        .name("imip-checkpoint".into())
        .spawn(move || run(&path, &rx))?;
    Ok((Nudge::new(tx), handle))
}

fn run(path: &PathBuf, wake: &mpsc::Receiver<()>) {
    let mut conn: Option<Connection> = None;
    while wake.recv().is_ok() {
        if conn.is_none() {
            conn = open(path).ok();
        }
        let Some(c) = conn.as_ref() else { continue };
        // Errors (the store being replaced, a lock held for long) are left
        // to the next round; the writer's own checkpoint is the fallback.
        if c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())).is_err() {
            conn = None;
        }
    }
}

fn open(path: &PathBuf) -> rusqlite::Result<Connection> {
    let c = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    c.busy_timeout(Duration::from_millis(100))?;
    // The database file is synced after each checkpoint, as the store's
    // own connections do with durability = "full".
    c.execute_batch("PRAGMA synchronous=FULL;")?;
    Ok(c)
}
