//! [`SqliteProbe`]: whether anyone committed, from a dedicated connection's
//! `PRAGMA data_version`, which changes whenever any other connection — a
//! mail agent in another process, the admin tool, the caller's own writer
//! — has committed since the previous ask. Performs I/O on the database.

use crate::store::{ChangeProbe, ChangeToken};
use rusqlite::{Connection, OpenFlags};
use std::path::PathBuf;
use std::time::Duration;
use tracing::debug;

/// The probe; opened on first use, reopened after an error under a new
/// generation (versions of different connections are not comparable).
pub struct SqliteProbe {
    path: PathBuf,
    conn: Option<Connection>,
    generation: u64,
}

impl SqliteProbe {
    /// A probe of the store at `path`.
    pub fn new(path: impl Into<PathBuf>) -> SqliteProbe {
        SqliteProbe { path: path.into(), conn: None, generation: 0 }
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        // Read-write without CREATE: the store exists, and a read-only
        // connection could not recover a WAL index.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&self.path, flags)?;
        // Never wait: a busy store means "not known".
        conn.busy_timeout(Duration::ZERO)?;
        // Like the store's connections: closing must not checkpoint.
        conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)?;
        Ok(conn)
    }
}

impl ChangeProbe for SqliteProbe {
    fn token(&mut self) -> Option<ChangeToken> {
        if self.conn.is_none() {
            match self.open() {
                Ok(c) => {
                    self.conn = Some(c);
                    self.generation += 1;
                }
                Err(e) => {
                    debug!(error = %e, "change probe: cannot open the store");
                    return None;
                }
            }
        }
        let conn = self.conn.as_ref()?;
        let v = conn
            .prepare_cached("PRAGMA data_version")
            .and_then(|mut st| st.query_row([], |r| r.get::<_, i64>(0)));
        match v {
            Ok(v) => Some(ChangeToken(self.generation, v)),
            Err(e) => {
                debug!(error = %e, "change probe: no store version");
                self.conn = None;
                None
            }
        }
    }
}
