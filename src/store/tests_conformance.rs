//! Runs the conformance suite (`store::conformance`) against every backend
//! of this crate: SQLite in a temporary file (several connections, as
//! several processes would open it) and the in-memory store. Creates and
//! removes temporary files.

use super::Store;
use super::conformance::{Backend, run_all};
use super::memory::MemStore;
use super::sqlite::{SqliteOptions, SqliteStore};
use crate::error::InfraResult;
use std::time::Duration;

/// A SQLite database in a temporary directory (removed on drop).
struct SqliteFile {
    dir: tempfile::TempDir,
}

const DB_FILES: [&str; 2] = ["store.db", "store.db-wal"];

impl SqliteFile {
    /// A new, migrated database.
    fn new() -> SqliteFile {
        let file = SqliteFile { dir: tempfile::tempdir().expect("temporary directory") };
        drop(file.connect().expect("new store"));
        file
    }

    /// A copy of this (closed) database in a new directory: creating and
    /// migrating a store takes tens of milliseconds of fsyncs, copying
    /// its files (the WAL is kept on close) well under one.
    fn copy(&self) -> SqliteFile {
        let to = tempfile::tempdir().expect("temporary directory");
        for name in DB_FILES {
            let from = self.dir.path().join(name);
            if from.exists() {
                std::fs::copy(&from, to.path().join(name)).expect("copying the template store");
            }
        }
        SqliteFile { dir: to }
    }
}

impl Backend for SqliteFile {
    fn connect(&self) -> InfraResult<Box<dyn Store>> {
        // Durability is not observable here; without fsyncs the suite runs
        // in a fraction of the time.
        let options = SqliteOptions { busy_timeout: Duration::from_secs(20), durable: false };
        Ok(Box::new(SqliteStore::open(&self.dir.path().join(DB_FILES[0]), &options)?))
    }
}

impl Backend for MemStore {
    fn connect(&self) -> InfraResult<Box<dyn Store>> {
        // A clone is another handle on the same store.
        Ok(Box::new(self.clone()))
    }
}

/// Where the SQLite backend differs from the suite; both are bugs to fix
/// in `store::sqlite` (see docs/store.md).
const SQLITE_KNOWN_FAILURES: &[&str] = &[
    // The outbox's recipients are stored space-separated and split on
    // whitespace: a quoted local part with a space comes back as two.
    "outbox_recipients_round_trip_exactly",
    // kv_list compares `substr(key, 1, length(prefix))`, and SQLite's
    // length() stops at the first NUL: such a prefix matches nothing.
    "kv_prefixes_match_byte_for_byte",
];

#[test]
fn sqlite_conforms() {
    let template = SqliteFile::new();
    run_all(&|| Box::new(template.copy()), SQLITE_KNOWN_FAILURES);
}

#[test]
fn memory_conforms() {
    run_all(&|| Box::new(MemStore::new()), &[]);
}
