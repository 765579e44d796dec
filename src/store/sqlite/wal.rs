//! Switching a database to the write-ahead log, waiting for other
//! connections instead of failing. Performs I/O on the database.
//!
//! `PRAGMA journal_mode=WAL` on a new database needs the write lock, and
//! SQLite takes it while the statement already holds a read lock; a busy
//! handler is not called for that upgrade (it could deadlock), so when
//! another process is creating or switching the same new file at that
//! moment the pragma fails at once with "database is locked", whatever the
//! busy timeout. About 1 % of sixteen processes creating one store at once
//! did. The switch is therefore retried here until the busy timeout.

use crate::error::{InfraError, InfraResult};
use rusqlite::{Connection, ErrorCode};
use std::time::{Duration, Instant};

/// The first pause between attempts; it doubles up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(1);
/// The longest pause between attempts.
const MAX_PAUSE: Duration = Duration::from_millis(50);

/// Puts the database in WAL mode (a no-op once it is), retrying while
/// another connection holds the lock for at most `busy_timeout`.
pub(super) fn enable(conn: &Connection, busy_timeout: Duration) -> InfraResult<()> {
    let give_up = Instant::now() + busy_timeout;
    let mut pause = FIRST_PAUSE;
    loop {
        match conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get::<_, String>(0)) {
            Ok(mode) if mode.eq_ignore_ascii_case("wal") => return Ok(()),
            Ok(mode) => {
                return Err(InfraError::Store(format!("cannot use WAL journal (got {mode})")));
            }
            Err(e) if is_busy(&e) && Instant::now() + pause < give_up => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(MAX_PAUSE);
            }
            Err(e) => return Err(e.into()),
        }
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::super::{SqliteOptions, SqliteStore};
    use std::time::{Duration, Instant};

    /// Another connection holds the write lock of a new database that is
    /// not in WAL mode yet (as a process creating the store does while it
    /// switches): opening waits until it is released instead of failing at
    /// once with "database is locked", and gives up after the busy timeout.
    #[test]
    fn opening_waits_for_a_creator_holding_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.db");
        let holder = rusqlite::Connection::open(&path).unwrap();
        holder.execute_batch("BEGIN IMMEDIATE").unwrap();
        let short = SqliteOptions { busy_timeout: Duration::from_millis(300), durable: false };
        let t = Instant::now();
        let r = SqliteStore::open(&path, &short);
        assert!(r.is_err(), "the lock is held: {r:?}");
        assert!(t.elapsed() >= Duration::from_millis(250), "gave up after {:?}", t.elapsed());
        let release = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            holder.execute_batch("COMMIT").unwrap();
        });
        let opts = SqliteOptions { busy_timeout: Duration::from_secs(10), durable: false };
        let t = Instant::now();
        let store = SqliteStore::open(&path, &opts);
        release.join().unwrap();
        assert!(store.is_ok(), "{store:?}");
        assert!(t.elapsed() >= Duration::from_millis(150), "did not wait: {:?}", t.elapsed());
        assert_eq!(store.unwrap().schema_version().unwrap(), super::super::schema::CURRENT_VERSION);
    }
}
