//! Cases for transactions: commit, rollback on drop, savepoints, read
//! snapshots, relaxed writes and concurrent writers. Threads in one case;
//! no I/O of their own.

use super::Backend;
use super::fixtures::*;
use crate::freebusy::{BusyPeriod, FbSet};
use crate::store::{
    DecisionRecord, Processed, RequestEntry, RunFilter, RunRecord, StoreTx, StoredObject,
};
use chrono::{DateTime, Utc};

/// Everything the cases write, as read back through every listing.
#[derive(Debug, PartialEq)]
struct Inventory {
    users: Vec<(String, String)>,
    prefs: Vec<(String, String)>,
    objects: Vec<StoredObject>,
    counters: Vec<(String, String)>,
    requests: Vec<RequestEntry>,
    own: Vec<BusyPeriod>,
    offers: Vec<BusyPeriod>,
    sets: Vec<(String, String)>,
    stamps: Vec<(String, i64)>,
    providers: Vec<String>,
    horizon: Option<DateTime<Utc>>,
    runs: Vec<RunRecord>,
    processed: Option<Processed>,
    decisions: Vec<DecisionRecord>,
    kv: Vec<(String, String)>,
}

fn inventory(tx: &dyn StoreTx) -> Inventory {
    Inventory {
        users: tx.users().unwrap(),
        prefs: tx.prefs(ANN).unwrap(),
        objects: tx.list_objects(ANN, None).unwrap(),
        counters: tx.counters(ANN, "e1", &inst("")).unwrap(),
        requests: tx.requests(ANN).unwrap(),
        own: canonical(tx.busy_all(&FbSet::Own(ANN.into())).unwrap()),
        offers: canonical(tx.busy_all(&FbSet::Offers(ANN.into())).unwrap()),
        sets: tx.sets_of_kind("other").unwrap(),
        stamps: tx.change_stamps().unwrap(),
        providers: tx.providers(ANN).unwrap(),
        horizon: tx.provider_horizon(ANN).unwrap(),
        runs: tx.runs(&RunFilter::default()).unwrap(),
        processed: tx.processed("k", ROOM, "imip_person").unwrap(),
        decisions: tx.decisions(ROOM, 100).unwrap(),
        kv: tx.kv_list("ns", "").unwrap(),
    }
}

/// Writes one of everything, named after `tag` so that two fills differ.
fn fill(tx: &mut dyn StoreTx, tag: &str) {
    tx.ensure_user(ANN, "person", t(0)).unwrap();
    tx.ensure_user(&format!("mailto:{tag}@example.com"), "person", t(0)).unwrap();
    tx.set_pref(ANN, "CN", tag).unwrap();
    tx.put_object(ANN, &active("e1", tag), t(0)).unwrap();
    tx.put_counter(ANN, "e1", &inst(""), tag, "counter").unwrap();
    tx.queue_request(ANN, "e1", &inst(tag), kind("")).unwrap();
    tx.add_busy(&FbSet::Own(ANN.into()), &[period(tag, "", 1, 2)]).unwrap();
    tx.add_busy(&FbSet::Offers(ANN.into()), &[hold(tag, 3, 4, Some(9))]).unwrap();
    tx.add_busy(&FbSet::Other { user: ANN.into(), other: tag.into() }, &[period(tag, "", 1, 2)])
        .unwrap();
    tx.add_provider(ANN, tag).unwrap();
    tx.set_provider_horizon(ANN, t(tag.len() as i64)).unwrap();
    tx.add_run(&run(1, tag, secs(0), 0)).unwrap();
    let mut p = marker("k", "imip_person", secs(0), 1);
    p.notes = tag.into();
    tx.put_processed(&p).unwrap();
    tx.add_decision(&decision(ROOM, secs(0), tag)).unwrap();
    tx.kv_put("ns", tag, tag).unwrap();
}

/// Undoes some of [`fill`]: deletions and updates, to roll back as well.
fn undo_some(tx: &mut dyn StoreTx, tag: &str) {
    tx.delete_object(ANN, "e1", &inst(tag)).unwrap();
    tx.unset_pref(ANN, "CN").unwrap();
    tx.remove_busy_in(&FbSet::Own(ANN.into()), None).unwrap();
    tx.purge_expired(&FbSet::Offers(ANN.into()), t(100)).unwrap();
    tx.remove_provider(ANN, tag).unwrap();
    tx.prune_runs(t(100)).unwrap();
    tx.mark_sent("k", ROOM, "imip_person", 1).unwrap();
    tx.kv_delete("ns", tag).unwrap();
    tx.delete_user(&format!("mailto:{tag}@example.com")).unwrap();
}

pub(super) fn a_commit_is_visible_to_new_transactions_and_other_handles(b: &dyn Backend) {
    let mut db = Db::open(b);
    let mut other = Db::open(b);
    let empty = other.read(inventory);
    db.write(|tx| fill(tx, "one"));
    let mine = db.read(inventory);
    assert_ne!(mine, empty);
    assert_eq!(other.read(inventory), mine, "a handle opened before the commit");
    assert_eq!(Db::open(b).read(inventory), mine, "a new handle");
    db.write(|tx| undo_some(tx, "one"));
    let after = db.read(inventory);
    assert_ne!(after, mine);
    assert_eq!(other.read(inventory), after);
}

pub(super) fn uncommitted_writes_are_invisible_to_other_handles(b: &dyn Backend) {
    let mut db = Db::open(b);
    let mut other = Db::open(b);
    db.write(|tx| fill(tx, "one"));
    let committed = other.read(inventory);
    let mut tx = db.0.write().unwrap();
    fill(&mut *tx, "two");
    undo_some(&mut *tx, "one");
    let inside = inventory(&*tx);
    assert_ne!(inside, committed, "the transaction sees its own writes");
    assert_eq!(other.read(inventory), committed, "others do not");
    tx.commit().unwrap();
    assert_eq!(other.read(inventory), inside, "until it commits");
}

pub(super) fn dropping_a_write_transaction_rolls_it_back(b: &dyn Backend) {
    let mut db = Db::open(b);
    let empty = db.read(inventory);
    {
        let mut tx = db.0.write().unwrap();
        fill(&mut *tx, "one");
    }
    assert_eq!(db.read(inventory), empty, "nothing of a dropped transaction, stamps included");
    db.write(|tx| fill(tx, "one"));
    let committed = db.read(inventory);
    {
        let mut tx = db.0.write().unwrap();
        fill(&mut *tx, "two");
        undo_some(&mut *tx, "one");
    }
    assert_eq!(db.read(inventory), committed, "writes and deletions undone");
    assert_eq!(Db::open(b).read(inventory), committed);
}

pub(super) fn a_rolled_back_savepoint_undoes_only_its_changes(b: &dyn Backend) {
    let mut db = Db::open(b);
    db.write(|tx| fill(tx, "one"));
    let committed = db.read(inventory);
    let mut tx = db.0.write().unwrap();
    tx.savepoint().unwrap();
    tx.kv_put("ns", "first", "kept").unwrap();
    tx.release_savepoint().unwrap();
    let after_first = inventory(&*tx);
    tx.savepoint().unwrap();
    fill(&mut *tx, "two");
    let after_second = inventory(&*tx);
    tx.savepoint().unwrap();
    undo_some(&mut *tx, "one");
    tx.kv_put("ns", "third", "gone").unwrap();
    tx.rollback_savepoint().unwrap();
    assert_eq!(inventory(&*tx), after_second, "the inner savepoint only");
    tx.rollback_savepoint().unwrap();
    assert_eq!(inventory(&*tx), after_first, "then the outer one, stamps included");
    tx.commit().unwrap();
    let got = db.read(inventory);
    assert_eq!(got.kv, [pair("first", "kept"), pair("one", "one")]);
    assert_eq!(Inventory { kv: committed.kv.clone(), ..got }, committed);
}

pub(super) fn a_released_savepoint_is_part_of_its_transaction(b: &dyn Backend) {
    let mut db = Db::open(b);
    let empty = db.read(inventory);
    {
        let mut tx = db.0.write().unwrap();
        tx.savepoint().unwrap();
        fill(&mut *tx, "one");
        tx.release_savepoint().unwrap();
        assert_ne!(inventory(&*tx), empty);
    }
    assert_eq!(db.read(inventory), empty, "rolled back with the transaction");
    let mut tx = db.0.write().unwrap();
    tx.savepoint().unwrap();
    fill(&mut *tx, "one");
    tx.savepoint().unwrap();
    tx.kv_put("ns", "two", "2").unwrap();
    tx.release_savepoint().unwrap();
    tx.release_savepoint().unwrap();
    let inside = inventory(&*tx);
    tx.commit().unwrap();
    assert_eq!(db.read(inventory), inside, "kept by the commit");
}

pub(super) fn a_read_transaction_is_a_snapshot(b: &dyn Backend) {
    let mut db = Db::open(b);
    let mut writer = Db::open(b);
    writer.write(|tx| fill(tx, "one"));
    let tx = db.0.read().unwrap();
    let before = inventory(&*tx);
    writer.write(|tx| {
        fill(tx, "two");
        undo_some(tx, "one");
    });
    assert_eq!(inventory(&*tx), before, "later commits are not seen");
    drop(tx);
    let now = db.read(inventory);
    assert_ne!(now, before);
    assert_eq!(now, writer.read(inventory), "a new transaction sees them");
}

pub(super) fn relaxed_writes_commit_like_writes(b: &dyn Backend) {
    let mut db = Db::open(b);
    {
        let mut tx = db.0.write_relaxed().unwrap();
        tx.add_run(&run(1, "dropped", secs(0), 0)).unwrap();
    }
    let mut tx = db.0.write_relaxed().unwrap();
    tx.add_run(&run(2, "kept", secs(0), 0)).unwrap();
    tx.mark_sent("k", ROOM, "imip_person", 1).unwrap();
    tx.commit().unwrap();
    let runs = Db::open(b).read(|tx| tx.runs(&RunFilter::default()).unwrap());
    assert_eq!(runs.iter().map(|r| r.program.as_str()).collect::<Vec<_>>(), ["kept"]);
    // A normal write after a relaxed one works as before.
    db.write(|tx| tx.kv_put("ns", "after", "1").unwrap());
    assert_eq!(Db::open(b).read(|tx| tx.kv_get("ns", "after").unwrap()).as_deref(), Some("1"));
}

pub(super) fn concurrent_writers_serialise(b: &dyn Backend) {
    const WRITERS: usize = 2;
    const ROUNDS: usize = 25;
    Db::open(b).write(|tx| tx.kv_put("ns", "counter", "0").unwrap());
    let handles: Vec<Db> = (0..WRITERS).map(|_| Db::open(b)).collect();
    std::thread::scope(|s| {
        for mut db in handles {
            s.spawn(move || {
                for _ in 0..ROUNDS {
                    // Read, then write what was read plus one: a lost
                    // update would show in the total.
                    db.write(|tx| {
                        let n: usize =
                            tx.kv_get("ns", "counter").unwrap().unwrap().parse().unwrap();
                        std::thread::yield_now();
                        tx.kv_put("ns", "counter", &(n + 1).to_string()).unwrap();
                    });
                }
            });
        }
    });
    let total = Db::open(b).read(|tx| tx.kv_get("ns", "counter").unwrap());
    assert_eq!(total, Some((WRITERS * ROUNDS).to_string()));
}
