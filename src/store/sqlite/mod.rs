//! The SQLite store (rusqlite, bundled SQLite). Performs I/O on the database
//! file.
//!
//! Set-up: WAL journal, `synchronous=FULL` (a commit is on disk before the
//! agent reports success; `durability = "normal"` trades that for speed), a
//! busy timeout, and `BEGIN IMMEDIATE` for every write transaction so that
//! concurrent deliveries serialise instead of failing. The database file is
//! created on first use; the schema is migrated on open.

pub mod checkpoint;
pub mod probe;
mod schema;
mod tx;
mod wal;

use super::{Store, StoreTx};
use crate::error::{InfraError, InfraResult};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::Duration;

impl From<rusqlite::Error> for InfraError {
    fn from(e: rusqlite::Error) -> Self {
        InfraError::Store(e.to_string())
    }
}

/// Options for opening the store.
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    /// How long to wait for another writer.
    pub busy_timeout: Duration,
    /// `synchronous=FULL` when true, NORMAL otherwise.
    pub durable: bool,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self { busy_timeout: Duration::from_secs(20), durable: true }
    }
}

/// How many pages the write-ahead log may hold before a commit folds it
/// into the database file. SQLite's default is 1,000; see `open` for why
/// ours is smaller.
const WAL_AUTOCHECKPOINT_PAGES: u32 = 128;

/// A store in one SQLite file.
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
    /// Whether commits wait for the disk (`synchronous=FULL`).
    durable: bool,
    /// A relaxed transaction lowered `synchronous`; the next transaction
    /// restores it.
    relaxed: bool,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").field("path", &self.path).finish()
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the store at `path`.
    pub fn open(path: &Path, options: &SqliteOptions) -> InfraResult<SqliteStore> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
            && !dir.exists()
        {
            std::fs::create_dir_all(dir)
                .map_err(|e| InfraError::io(format!("creating {}", dir.display()), e))?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| {
            explain(path, InfraError::Store(format!("opening {}: {e}", path.display())))
        })?;
        conn.busy_timeout(options.busy_timeout)?;
        // journal_mode=WAL is persistent; setting it on every open is cheap
        // once it is set, and needs the write lock only the first time
        // (`wal` retries that, which the busy handler does not cover).
        wal::enable(&conn, options.busy_timeout).map_err(|e| explain(path, e))?;
        conn.execute_batch(if options.durable {
            "PRAGMA synchronous=FULL;"
        } else {
            "PRAGMA synchronous=NORMAL;"
        })?;
        // Pipe mode opens and closes the store once per message. By default
        // the last connection to close checkpoints the whole WAL into the
        // database file, fsyncs it and deletes the WAL, so that every
        // message paid for a checkpoint and the next one recreated the WAL
        // (measured: 36 ms instead of 20 ms per message at the median when
        // other processes load the disk). Committed transactions are already
        // durable in the WAL (synchronous=FULL), so the checkpoint is left
        // to the automatic one every wal_autocheckpoint (1,000) pages; the
        // next open reads the WAL back, which costs less than the fsync.
        conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)?;
        // The price of that: the first connection of a process rebuilds the
        // WAL index by reading the whole log, and with SQLite's default of
        // 1,000 pages that read was an eighth of a pipe-mode run. A short
        // log bounds it; a booking writes about 28 pages, so the fold into
        // the database file (and its fsync) comes every few messages.
        conn.execute_batch(&format!("PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES};"))?;
        conn.execute_batch("PRAGMA foreign_keys=OFF; PRAGMA temp_store=MEMORY;")?;
        // Plans must not depend on bound values: otherwise SQLite marks
        // statements with `column = ?` terms to be re-prepared when the
        // value is rebound, and rusqlite's statement cache clears the
        // bindings of every statement it takes back, so each reuse of such
        // a statement compiled it again (8% of a pipe-mode run's
        // instructions, and every reuse in the listener).
        conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
        conn.set_prepared_statement_cache_capacity(64);
        let mut store = SqliteStore {
            conn,
            path: path.to_path_buf(),
            durable: options.durable,
            relaxed: false,
        };
        schema::migrate(&mut store.conn).map_err(|e| explain(path, e))?;
        Ok(store)
    }

    /// An in-memory store, for tests.
    pub fn open_memory() -> InfraResult<SqliteStore> {
        let mut conn = Connection::open_in_memory()?;
        schema::migrate(&mut conn)?;
        Ok(SqliteStore { conn, path: PathBuf::from(":memory:"), durable: false, relaxed: false })
    }

    /// The database path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version.
    pub fn schema_version(&self) -> InfraResult<i64> {
        Ok(self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// Puts `synchronous` back after a relaxed transaction.
    fn restore_sync(&mut self) -> InfraResult<()> {
        if self.relaxed {
            self.conn.execute_batch("PRAGMA synchronous=FULL;")?;
            self.relaxed = false;
        }
        Ok(())
    }
}

/// A store another user's files lock us out of ("attempt to write a
/// readonly database", "unable to open database file") says whose files
/// they are and what to do, instead of only SQLite's words.
fn explain(path: &Path, e: InfraError) -> InfraError {
    use std::os::unix::fs::MetadataExt;
    let text = e.to_string();
    if !(text.contains("readonly") || text.contains("unable to open") || text.contains("denied")) {
        return e;
    }
    let me = rustix::process::geteuid().as_raw();
    let mut owners = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let f = PathBuf::from(format!("{}{suffix}", path.display()));
        if let Ok(m) = std::fs::metadata(&f)
            && m.uid() != me
        {
            owners.push(format!(
                "{} is owned by uid {} (mode {:o})",
                f.display(),
                m.uid(),
                m.mode() & 0o7777
            ));
        }
    }
    if let Some(dir) = path.parent()
        && let Ok(m) = std::fs::metadata(dir)
        && m.uid() != me
        && m.mode() & 0o022 == 0
    {
        owners.push(format!("{} is owned by uid {}", dir.display(), m.uid()));
    }
    if owners.is_empty() {
        return e;
    }
    InfraError::Store(format!(
        "{text}; this process runs as uid {me} but {}: run the agents and imip_admin as the store's owner (sudo -u imip-agent imip_admin …), or chown the files back (docs/troubleshooting.md)",
        owners.join(", ")
    ))
}

impl Store for SqliteStore {
    fn write(&mut self) -> InfraResult<Box<dyn StoreTx + '_>> {
        self.restore_sync()?;
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| explain(&path, e.into()))?;
        Ok(Box::new(tx::SqliteTx::new(tx)))
    }

    fn write_relaxed(&mut self) -> InfraResult<Box<dyn StoreTx + '_>> {
        if self.durable && !self.relaxed {
            // In WAL mode NORMAL commits without syncing the log; a later
            // synced commit (or checkpoint) makes these frames durable too.
            self.conn.execute_batch("PRAGMA synchronous=NORMAL;")?;
            self.relaxed = true;
        }
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        Ok(Box::new(tx::SqliteTx::new(tx)))
    }

    fn read(&mut self) -> InfraResult<Box<dyn StoreTx + '_>> {
        self.restore_sync()?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
        Ok(Box::new(tx::SqliteTx::new(tx)))
    }
}

#[cfg(test)]
mod tests;
