//! A cache of resources' `freebusy/4` answers, so that a goal asked again
//! is answered without a store transaction, without building the periods
//! again and without a trip through the blocking pool. Performs I/O: one
//! tiny store probe per lookup.
//!
//! An answer is never older than the store: every lookup first asks the
//! store's [`ChangeProbe`] for its token, which changes whenever anyone —
//! a mail agent in another process, the admin tool, this agent's own
//! booking connection — has committed since the previous ask (SQLite:
//! `PRAGMA data_version` on a dedicated connection). Entries are tagged
//! with the token seen *before* their data was read and served only while
//! the token is still the same, so a solve sees every commit made before it
//! was received, as an uncached read would. Any commit empties the cache
//! (the next ask of each goal reads the store again).
//!
//! Only resources are cached: a person's answer also depends on the
//! `freebusy_sharing` preference, which may live in files outside the
//! store. Keys are the goal's first three arguments as written (user,
//! start, end atoms); the value is the periods list.

use crate::store::{ChangeProbe, ChangeToken};
use oaa::icl::Term;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

/// Most entries kept; the cache is emptied when it is full.
pub const MAX_ENTRIES: usize = 4096;

/// A store version (see [`ChangeToken`]).
pub type Version = ChangeToken;

/// `(User, Start, End)` as written in the goal.
pub type Key = (Term, Term, Term);

struct Entries {
    version: Option<Version>,
    map: HashMap<Key, Term>,
}

/// The cache; see the module documentation.
pub struct FreeBusyCache {
    probe: Mutex<Box<dyn ChangeProbe>>,
    entries: Mutex<Entries>,
}

fn lock<T: ?Sized>(m: &Mutex<T>) -> MutexGuard<'_, T> {
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
    /// A cache over the store `probe` watches.
    pub fn new(probe: Box<dyn ChangeProbe>) -> FreeBusyCache {
        FreeBusyCache {
            probe: Mutex::new(probe),
            entries: Mutex::new(Entries { version: None, map: HashMap::new() }),
        }
    }

    /// The store's current version, or `None` when it cannot be read
    /// without waiting (then nothing is cached or served).
    pub fn version(&self) -> Option<Version> {
        lock(&self.probe).token()
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
        let cfg = crate::config::StoreConfig {
            path: dir.path().join("store.db").display().to_string(),
            ..Default::default()
        };
        let mut writer = crate::store::open(&cfg).unwrap();
        let cache = FreeBusyCache::new(crate::store::change_probe(&cfg));
        let k = key(&goal("room")).unwrap();
        assert_eq!(cache.get(&k), None);
        let v = cache.version().unwrap();
        cache.put(v, k.clone(), Term::nil());
        assert_eq!(cache.get(&k), Some(Term::nil()));
        assert_eq!(cache.get(&key(&goal("other")).unwrap()), None);
        let mut tx = writer.write().unwrap();
        tx.kv_put("test", "k", "v").unwrap();
        tx.commit().unwrap();
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
        let cfg = crate::config::StoreConfig {
            path: dir.path().join("absent.db").display().to_string(),
            ..Default::default()
        };
        let cache = FreeBusyCache::new(crate::store::change_probe(&cfg));
        assert_eq!(cache.version(), None);
        assert_eq!(cache.get(&key(&goal("room")).unwrap()), None);
    }
}
