//! A cache of resources' `freebusy/4` answers, so that a goal asked again
//! is answered without a store transaction, without building the periods
//! again and without a trip through the blocking pool. Performs I/O: one
//! tiny SQLite statement per lookup.
//!
//! An answer is never older than the store: every lookup first asks a
//! dedicated connection for `PRAGMA data_version`, which changes whenever
//! any other connection — a mail agent in another process, the admin tool,
//! this agent's own booking connection — has committed since the previous
//! ask. Entries are tagged with the version seen *before* their data was
//! read and served only while the version is still the same, so a solve
//! sees every commit made before it was received, as an uncached read
//! would. Any commit empties the cache (the next ask of each goal reads
//! the store again); so does reopening the probe connection, whose
//! versions are not comparable with the old one's.
//!
//! Only resources are cached: a person's answer also depends on the
//! `freebusy_sharing` preference, which may live in files outside the
//! store. Keys are the goal's first three arguments as written (user,
//! start, end atoms); the value is the periods list.

use oaa::icl::Term;
use rusqlite::{Connection, OpenFlags};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;
use tracing::debug;

/// Most entries kept; the cache is emptied when it is full.
pub const MAX_ENTRIES: usize = 4096;

/// A store version: the probe connection's generation and its
/// `data_version`.
pub type Version = (u64, i64);

/// `(User, Start, End)` as written in the goal.
pub type Key = (Term, Term, Term);

struct Probe {
    conn: Option<Connection>,
    generation: u64,
}

struct Entries {
    version: Option<Version>,
    map: HashMap<Key, Term>,
}

/// The cache; see the module documentation.
pub struct FreeBusyCache {
    path: PathBuf,
    probe: Mutex<Probe>,
    entries: Mutex<Entries>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The cache key of a `freebusy/4` goal: its first three arguments, when
/// they are atoms.
pub fn key(goal: &Term) -> Option<Key> {
    match goal.args() {
        [u @ Term::Atom(_), s @ Term::Atom(_), e @ Term::Atom(_), _] => {
            Some((u.clone(), s.clone(), e.clone()))
        }
        _ => None,
    }
}

impl FreeBusyCache {
    /// A cache over the SQLite store at `path` (opened on first use).
    pub fn new(path: impl Into<PathBuf>) -> FreeBusyCache {
        FreeBusyCache {
            path: path.into(),
            probe: Mutex::new(Probe { conn: None, generation: 0 }),
            entries: Mutex::new(Entries { version: None, map: HashMap::new() }),
        }
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        // Read-write without CREATE: the store exists (the backend opened
        // it), and a read-only connection could not recover a WAL index.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&self.path, flags)?;
        // Never wait: a busy store means "not known", and the caller reads
        // it the usual way on the blocking pool.
        conn.busy_timeout(Duration::ZERO)?;
        // Like the backend's connections: closing must not checkpoint.
        conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)?;
        Ok(conn)
    }

    /// The store's current version, or `None` when it cannot be read
    /// without waiting (then nothing is cached or served).
    pub fn version(&self) -> Option<Version> {
        let mut probe = lock(&self.probe);
        if probe.conn.is_none() {
            match self.open() {
                Ok(c) => {
                    probe.conn = Some(c);
                    probe.generation += 1;
                }
                Err(e) => {
                    debug!(error = %e, "free/busy cache: cannot open the store");
                    return None;
                }
            }
        }
        let conn = probe.conn.as_ref()?;
        let v = conn
            .prepare_cached("PRAGMA data_version")
            .and_then(|mut st| st.query_row([], |r| r.get::<_, i64>(0)));
        match v {
            Ok(v) => Some((probe.generation, v)),
            Err(e) => {
                debug!(error = %e, "free/busy cache: no store version");
                // Reopened next time, under a new generation.
                probe.conn = None;
                None
            }
        }
    }

    /// The cached periods for `key`, if the store has not changed since
    /// they were read.
    pub fn get(&self, key: &Key) -> Option<Term> {
        let now = self.version()?;
        let mut e = lock(&self.entries);
        if e.version != Some(now) {
            e.map.clear();
            e.version = Some(now);
            return None;
        }
        e.map.get(key).cloned()
    }

    /// Remembers `periods` for `key`, read from a snapshot taken after the
    /// store was at `version`.
    pub fn put(&self, version: Version, key: Key, periods: Term) {
        let mut e = lock(&self.entries);
        if e.version != Some(version) {
            // Either side may be the stale one; a lookup compares with the
            // store again, so keeping the newest arrival is always safe.
            e.map.clear();
            e.version = Some(version);
        }
        if e.map.len() >= MAX_ENTRIES {
            e.map.clear();
        }
        e.map.insert(key, periods);
    }

    /// Number of entries (for tests).
    pub fn len(&self) -> usize {
        lock(&self.entries).map.len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn goal(u: &str) -> Term {
        Term::compound(
            "freebusy",
            vec![Term::atom(u), Term::atom("s"), Term::atom("e"), Term::var("P")],
        )
    }

    #[test]
    fn an_entry_lasts_until_another_connection_commits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.db");
        let writer = Connection::open(&path).unwrap();
        writer.execute_batch("PRAGMA journal_mode=WAL; CREATE TABLE t(x);").unwrap();
        let cache = FreeBusyCache::new(&path);
        let k = key(&goal("room")).unwrap();
        assert_eq!(cache.get(&k), None);
        let v = cache.version().unwrap();
        cache.put(v, k.clone(), Term::nil());
        assert_eq!(cache.get(&k), Some(Term::nil()));
        assert_eq!(cache.get(&key(&goal("other")).unwrap()), None);
        writer.execute_batch("INSERT INTO t VALUES (1)").unwrap();
        assert_eq!(cache.get(&k), None);
        assert!(cache.is_empty());
        // Data read before the commit is not kept under the new version.
        cache.put(v, k.clone(), Term::nil());
        assert_eq!(cache.get(&k), None);
    }

    #[test]
    fn keys_need_atoms_and_a_missing_store_caches_nothing() {
        assert_eq!(key(&Term::compound("freebusy", vec![Term::var("U"); 4])), None);
        let dir = tempfile::tempdir().unwrap();
        let cache = FreeBusyCache::new(dir.path().join("absent.db"));
        assert_eq!(cache.version(), None);
        assert_eq!(cache.get(&key(&goal("room")).unwrap()), None);
    }
}
