#![allow(clippy::unwrap_used)]
//! What the conformance suite does not cover: handles and forks, the
//! writer lock across threads, and deferred read transactions, the last
//! checked against SQLite side by side.

use super::*;
use crate::store::sqlite::{SqliteOptions, SqliteStore};

fn put(s: &mut dyn Store, key: &str, value: &str) {
    let mut tx = s.write().unwrap();
    tx.kv_put("ns", key, value).unwrap();
    tx.commit().unwrap();
}

fn get(s: &mut dyn Store, key: &str) -> Option<String> {
    s.read().unwrap().kv_get("ns", key).unwrap()
}

#[test]
fn a_clone_shares_the_store_and_a_deep_clone_forks_it() {
    let mut a = MemStore::new();
    put(&mut a, "x", "1");
    let mut handle = a.clone();
    let mut fork = a.deep_clone();
    put(&mut a, "x", "2");
    assert_eq!(get(&mut handle, "x").as_deref(), Some("2"));
    assert_eq!(get(&mut fork, "x").as_deref(), Some("1"), "the fork kept its state");
    put(&mut fork, "x", "3");
    assert_eq!(get(&mut a, "x").as_deref(), Some("2"), "and changes alone");

    // Only what is committed goes into a fork.
    let mut tx = a.write().unwrap();
    tx.kv_put("ns", "open", "1").unwrap();
    let mut fork = handle.deep_clone();
    tx.commit().unwrap();
    assert_eq!(get(&mut fork, "open"), None);
    assert_eq!(get(&mut handle, "open").as_deref(), Some("1"));
}

#[test]
fn a_second_writer_on_the_same_thread_is_refused_at_once() {
    let mut a = MemStore::new();
    let mut b = a.clone();
    let tx = a.write().unwrap();
    let started = Instant::now();
    assert!(matches!(b.write().err(), Some(InfraError::Store(_))));
    assert!(started.elapsed() < Duration::from_secs(5), "not after the busy timeout");
    drop(tx);
    put(&mut b, "x", "1");
    assert_eq!(get(&mut a, "x").as_deref(), Some("1"));
}

#[test]
fn a_writer_on_another_thread_waits_for_the_lock_up_to_the_busy_timeout() {
    let mut a = MemStore::with_busy_timeout(Duration::from_millis(50));
    let mut b = a.clone();
    let mut tx = a.write().unwrap();
    tx.kv_put("ns", "x", "1").unwrap();
    let timed_out = std::thread::spawn(move || b.write().err().map(|e| e.to_string()));
    assert_eq!(timed_out.join().unwrap().as_deref(), Some("store: database is locked"));

    // With time enough, the waiting writer goes on after the commit and
    // sees it.
    let mut c = MemStore::with_busy_timeout(Duration::from_secs(20));
    let mut d = c.clone();
    let mut tx2 = c.write().unwrap();
    tx2.kv_put("ns", "x", "1").unwrap();
    let waiter = std::thread::spawn(move || {
        let mut tx = d.write().unwrap();
        let seen = tx.kv_get("ns", "x").unwrap();
        tx.kv_put("ns", "x", "2").unwrap();
        tx.commit().unwrap();
        seen
    });
    std::thread::sleep(Duration::from_millis(20));
    tx2.commit().unwrap();
    assert_eq!(waiter.join().unwrap().as_deref(), Some("1"));
    assert_eq!(get(&mut c, "x").as_deref(), Some("2"));
    drop(tx);
}

/// Two handles on one SQLite file.
fn sqlite_pair(dir: &std::path::Path) -> (Box<dyn Store>, Box<dyn Store>) {
    let options = SqliteOptions { busy_timeout: Duration::from_secs(20), durable: false };
    let path = dir.join("store.db");
    (
        Box::new(SqliteStore::open(&path, &options).unwrap()),
        Box::new(SqliteStore::open(&path, &options).unwrap()),
    )
}

fn memory_pair() -> (Box<dyn Store>, Box<dyn Store>) {
    let a = MemStore::new();
    (Box::new(a.clone()), Box::new(a))
}

/// A read transaction takes its snapshot at its first statement, and may
/// write (taking the writer lock then) unless someone committed since.
fn deferred_reads(mut a: Box<dyn Store>, mut b: Box<dyn Store>) {
    put(&mut *b, "x", "1");
    let tx = a.read().unwrap();
    put(&mut *b, "x", "2");
    assert_eq!(
        tx.kv_get("ns", "x").unwrap().as_deref(),
        Some("2"),
        "no snapshot before the first read"
    );
    put(&mut *b, "x", "3");
    assert_eq!(tx.kv_get("ns", "x").unwrap().as_deref(), Some("2"), "a snapshot after it");
    drop(tx);

    let mut tx = a.read().unwrap();
    assert_eq!(tx.kv_get("ns", "x").unwrap().as_deref(), Some("3"));
    tx.kv_put("ns", "x", "from a read").unwrap();
    tx.commit().unwrap();
    assert_eq!(get(&mut *b, "x").as_deref(), Some("from a read"), "a read transaction that wrote");

    let mut tx = a.read().unwrap();
    assert!(tx.kv_get("ns", "x").unwrap().is_some());
    put(&mut *b, "x", "4");
    assert!(tx.kv_put("ns", "x", "stale").is_err(), "its snapshot is no longer the latest");
    drop(tx);
    put(&mut *b, "x", "5");
    assert_eq!(get(&mut *a, "x").as_deref(), Some("5"), "and the lock was given back");
}

#[test]
fn read_transactions_are_deferred_as_in_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = sqlite_pair(dir.path());
    deferred_reads(a, b);
    let (a, b) = memory_pair();
    deferred_reads(a, b);
}
