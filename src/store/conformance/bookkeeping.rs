//! Cases for run records, processed markers with their outbox, resource
//! decisions and key/value records. No I/O of their own.

use super::Backend;
use super::fixtures::*;
use crate::store::{DecisionRecord, RunFilter, RunRecord};

/// Records with their ids cleared, after checking the ids are distinct and
/// decreasing (newest first).
fn without_ids<T: Clone>(records: &[T], id: impl Fn(&mut T) -> &mut i64) -> Vec<T> {
    let mut ids = Vec::new();
    let cleared = records
        .iter()
        .map(|r| {
            let mut r = r.clone();
            ids.push(*id(&mut r));
            *id(&mut r) = 0;
            r
        })
        .collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "ids not decreasing: {ids:?}");
    cleared
}

fn runs_of(db: &mut Db, f: RunFilter) -> Vec<RunRecord> {
    let runs = db.read(|tx| tx.runs(&f).unwrap());
    without_ids(&runs, |r| &mut r.id)
}

fn keys(runs: &[RunRecord]) -> Vec<&str> {
    runs.iter().map(|r| r.message_key.as_str()).collect()
}

pub(super) fn runs_are_listed_newest_first_with_every_field(b: &dyn Backend) {
    let mut db = Db::open(b);
    let all: Vec<RunRecord> = (1..=3).map(|n| run(n, "imip_resource", secs(n), 0)).collect();
    db.write(|tx| {
        for r in &all[..2] {
            tx.add_run(r).unwrap();
        }
    });
    db.write(|tx| tx.add_run(&all[2]).unwrap());
    let got = runs_of(&mut db, RunFilter::default());
    assert_eq!(got, all.iter().rev().cloned().collect::<Vec<_>>());
}

pub(super) fn runs_are_filtered_by_every_field(b: &dyn Backend) {
    let mut db = Db::open(b);
    db.write(|tx| {
        tx.add_run(&run(1, "imip_resource", secs(0), 0)).unwrap();
        tx.add_run(&run(2, "imip_person", secs(1), 75)).unwrap();
        tx.add_run(&run(3, "imip_resource", secs(2), 75)).unwrap();
        tx.add_run(&run(4, "imip_person", secs(3), 0)).unwrap();
    });
    let some = |s: &str| Some(s.to_string());
    let cases = [
        (
            RunFilter { program: some("imip_resource"), ..Default::default() },
            vec!["key-3", "key-1"],
        ),
        (RunFilter { program: some("imip"), ..Default::default() }, vec![]),
        (RunFilter { since: Some(secs(2)), ..Default::default() }, vec!["key-4", "key-3"]),
        (RunFilter { exit_status: Some(75), ..Default::default() }, vec!["key-3", "key-2"]),
        (RunFilter { message_id: some("msg-2@"), ..Default::default() }, vec!["key-2"]),
        (
            RunFilter { message_id: some("<msg-"), ..Default::default() },
            vec!["key-4", "key-3", "key-2", "key-1"],
        ),
        (RunFilter { message_id: some("MSG-2"), ..Default::default() }, vec![]),
        (RunFilter { recipient: some("rcpt-3b@"), ..Default::default() }, vec!["key-3"]),
        (
            RunFilter { program: some("imip_person"), exit_status: Some(0), ..Default::default() },
            vec!["key-4"],
        ),
        (RunFilter { limit: 2, ..Default::default() }, vec!["key-4", "key-3"]),
        (RunFilter { since: Some(secs(9)), ..Default::default() }, vec![]),
    ];
    for (filter, want) in cases {
        let got = runs_of(&mut db, filter.clone());
        assert_eq!(keys(&got), want, "{filter:?}");
    }
}

pub(super) fn runs_are_limited_to_100_by_default(b: &dyn Backend) {
    let mut db = Db::open(b);
    db.write(|tx| {
        for n in 1..=105 {
            tx.add_run(&run(n, "imip_person", n, 0)).unwrap();
        }
    });
    let newest = runs_of(&mut db, RunFilter::default());
    assert_eq!(newest.len(), 100);
    assert_eq!(
        (newest[0].message_key.as_str(), newest[99].message_key.as_str()),
        ("key-105", "key-6")
    );
    assert_eq!(runs_of(&mut db, RunFilter { limit: 0, ..Default::default() }).len(), 100);
    assert_eq!(runs_of(&mut db, RunFilter { limit: 200, ..Default::default() }).len(), 105);
}

pub(super) fn old_runs_are_pruned(b: &dyn Backend) {
    let mut db = Db::open(b);
    db.write(|tx| {
        for n in 0..3 {
            tx.add_run(&run(n, "imip_person", secs(n), 0)).unwrap();
        }
    });
    db.write(|tx| {
        assert_eq!(tx.prune_runs(t(1)).unwrap(), 1, "started strictly before");
        assert_eq!(tx.prune_runs(t(1)).unwrap(), 0);
    });
    assert_eq!(keys(&runs_of(&mut db, RunFilter::default())), ["key-2", "key-1"]);
    // Records added after pruning are still listed newest first.
    db.write(|tx| tx.add_run(&run(3, "imip_person", secs(3), 0)).unwrap());
    assert_eq!(keys(&runs_of(&mut db, RunFilter::default())), ["key-3", "key-2", "key-1"]);
}

pub(super) fn processed_markers_keep_their_outbox_and_are_replaced(b: &dyn Backend) {
    let mut db = Db::open(b);
    let first = marker("k1", "imip_resource", secs(0), 3);
    let empty = marker("k2", "imip_resource", secs(0), 0);
    db.write(|tx| {
        tx.put_processed(&first).unwrap();
        tx.put_processed(&empty).unwrap();
    });
    db.read(|tx| {
        assert_eq!(tx.processed("k1", ROOM, "imip_resource").unwrap(), Some(first.clone()));
        assert_eq!(tx.processed("k2", ROOM, "imip_resource").unwrap(), Some(empty.clone()));
        assert_eq!(tx.processed("k1", ROOM, "imip_person").unwrap(), None, "per agent");
        assert_eq!(tx.processed("k1", ANN, "imip_resource").unwrap(), None, "per recipient");
        assert_eq!(tx.processed("k3", ROOM, "imip_resource").unwrap(), None);
    });
    let replaced = crate::store::Processed {
        notes: "again".into(),
        sent: true,
        sent_count: 1,
        outbox: vec![outbox_message(7)],
        at: secs(1),
        ..first.clone()
    };
    db.write(|tx| tx.put_processed(&replaced).unwrap());
    assert_eq!(
        db.read(|tx| tx.processed("k1", ROOM, "imip_resource").unwrap()),
        Some(replaced),
        "replaced whole, outbox included"
    );
}

pub(super) fn mark_sent_never_lowers_and_completes(b: &dyn Backend) {
    let mut db = Db::open(b);
    let get =
        |db: &mut Db, key: &str| db.read(|tx| tx.processed(key, ROOM, "imip_resource").unwrap());
    db.write(|tx| {
        tx.put_processed(&marker("k", "imip_resource", secs(0), 3)).unwrap();
        tx.put_processed(&marker("none", "imip_resource", secs(0), 0)).unwrap();
        tx.put_processed(&marker("over", "imip_resource", secs(0), 2)).unwrap();
    });
    db.write(|tx| tx.mark_sent("k", ROOM, "imip_resource", 1).unwrap());
    let p = get(&mut db, "k").unwrap();
    assert!(!p.sent);
    assert_eq!(p.sent_count, 1);
    assert_eq!(p.unsent(), &p.outbox[1..]);
    db.write(|tx| tx.mark_sent("k", ROOM, "imip_resource", 0).unwrap());
    assert_eq!(get(&mut db, "k").unwrap().sent_count, 1, "a smaller count never lowers it");
    db.write(|tx| tx.mark_sent("k", ROOM, "imip_resource", 3).unwrap());
    let p = get(&mut db, "k").unwrap();
    assert!(p.sent && p.unsent().is_empty(), "all of the outbox went out");
    assert!(p.outbox.is_empty(), "a sent outbox is not kept");
    db.write(|tx| tx.mark_sent("k", ROOM, "imip_resource", 2).unwrap());
    let p = get(&mut db, "k").unwrap();
    assert!(p.sent && p.sent_count == 3, "stays sent");
    db.write(|tx| {
        tx.mark_sent("none", ROOM, "imip_resource", 0).unwrap();
        tx.mark_sent("over", ROOM, "imip_resource", 5).unwrap();
        tx.mark_sent("missing", ROOM, "imip_resource", 1).unwrap();
    });
    assert!(get(&mut db, "none").unwrap().sent, "an empty outbox is complete");
    assert!(get(&mut db, "over").unwrap().sent);
    assert_eq!(get(&mut db, "missing"), None, "no marker is made");
}

pub(super) fn old_processed_markers_are_pruned_with_their_outbox(b: &dyn Backend) {
    let mut db = Db::open(b);
    db.write(|tx| {
        tx.put_processed(&marker("old", "imip_person", secs(0), 2)).unwrap();
        tx.put_processed(&marker("edge", "imip_person", secs(1), 2)).unwrap();
        tx.put_processed(&marker("new", "imip_person", secs(2), 2)).unwrap();
    });
    db.write(|tx| {
        assert_eq!(tx.prune_processed(t(1)).unwrap(), 1, "strictly before");
        assert_eq!(tx.prune_processed(t(1)).unwrap(), 0);
    });
    db.read(|tx| {
        assert_eq!(tx.processed("old", ROOM, "imip_person").unwrap(), None);
        assert_eq!(
            tx.processed("edge", ROOM, "imip_person").unwrap(),
            Some(marker("edge", "imip_person", secs(1), 2))
        );
        assert!(tx.processed("new", ROOM, "imip_person").unwrap().is_some());
    });
}

pub(super) fn outbox_recipients_round_trip_exactly(b: &dyn Backend) {
    let mut db = Db::open(b);
    let mut p = marker("k", "imip_person", secs(0), 1);
    // RFC 5321 allows a quoted local part with a space.
    p.outbox[0].to = vec!["\"ann smith\"@example.com".into(), "bob@example.com".into()];
    db.write(|tx| tx.put_processed(&p).unwrap());
    assert_eq!(db.read(|tx| tx.processed("k", ROOM, "imip_person").unwrap()), Some(p));
}

pub(super) fn decisions_are_listed_newest_first_per_resource_with_a_limit(b: &dyn Backend) {
    let mut db = Db::open(b);
    let other = "mailto:hall@example.com";
    let (a, c, d) =
        (decision(ROOM, secs(0), "a"), decision(ROOM, secs(2), "c"), decision(ROOM, secs(3), "d"));
    db.write(|tx| {
        tx.add_decision(&a).unwrap();
        tx.add_decision(&decision(other, secs(1), "b")).unwrap();
        tx.add_decision(&c).unwrap();
    });
    db.write(|tx| tx.add_decision(&d).unwrap());
    let listed = |db: &mut Db, r: &str, limit| -> Vec<DecisionRecord> {
        let got = db.read(|tx| tx.decisions(r, limit).unwrap());
        without_ids(&got, |d| &mut d.id)
    };
    assert_eq!(listed(&mut db, ROOM, 10), [d.clone(), c.clone(), a]);
    assert_eq!(listed(&mut db, ROOM, 2), [d, c]);
    assert_eq!(uids_of(&listed(&mut db, other, 10)), ["b"]);
    assert!(listed(&mut db, ANN, 10).is_empty());
    let ids: Vec<i64> = db.read(|tx| {
        [ROOM, other].iter().flat_map(|r| tx.decisions(r, 10).unwrap()).map(|d| d.id).collect()
    });
    let mut distinct = ids.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), ids.len(), "ids are unique across resources: {ids:?}");
}

fn uids_of(ds: &[DecisionRecord]) -> Vec<&str> {
    ds.iter().map(|d| d.uid.as_str()).collect()
}

pub(super) fn kv_records_are_written_replaced_and_deleted(b: &dyn Backend) {
    let mut db = Db::open(b);
    db.write(|tx| {
        tx.kv_put("quota", "q1", "10").unwrap();
        tx.kv_put("quota", "q1", "20").unwrap();
        tx.kv_put("pool", "q1", "other namespace").unwrap();
        tx.kv_put("quota", "empty", "").unwrap();
    });
    db.read(|tx| {
        assert_eq!(tx.kv_get("quota", "q1").unwrap().as_deref(), Some("20"));
        assert_eq!(tx.kv_get("pool", "q1").unwrap().as_deref(), Some("other namespace"));
        assert_eq!(
            tx.kv_get("quota", "empty").unwrap().as_deref(),
            Some(""),
            "empty is not absent"
        );
        assert_eq!(tx.kv_get("quota", "q2").unwrap(), None);
        assert_eq!(tx.kv_get("none", "q1").unwrap(), None);
    });
    db.write(|tx| {
        assert!(tx.kv_delete("quota", "q1").unwrap());
        assert!(!tx.kv_delete("quota", "q1").unwrap());
        assert!(!tx.kv_delete("none", "q1").unwrap());
    });
    db.read(|tx| {
        assert_eq!(tx.kv_get("quota", "q1").unwrap(), None);
        assert_eq!(tx.kv_get("pool", "q1").unwrap().as_deref(), Some("other namespace"));
    });
}

pub(super) fn kv_list_selects_a_prefix_sorted_by_key(b: &dyn Backend) {
    let mut db = Db::open(b);
    let keys =
        ["q2\tann", "q1\tbob", "Q1", "q10\tx", "q1", "q1\tann", "\u{e4}1", "\u{e4}2", "a%", "a_"];
    db.write(|tx| {
        for k in keys {
            tx.kv_put("quota", k, &format!("v {k}")).unwrap();
        }
        tx.kv_put("pool", "q1\tzed", "elsewhere").unwrap();
    });
    let list = |db: &mut Db, prefix: &str| -> Vec<String> {
        let got = db.read(|tx| tx.kv_list("quota", prefix).unwrap());
        assert!(got.iter().all(|(k, v)| *v == format!("v {k}")), "{got:?}");
        got.into_iter().map(|(k, _)| k).collect()
    };
    assert_eq!(list(&mut db, "q1\t"), ["q1\tann", "q1\tbob"]);
    assert_eq!(list(&mut db, "q1"), ["q1", "q1\tann", "q1\tbob", "q10\tx"], "byte order");
    assert_eq!(list(&mut db, "\u{e4}"), ["\u{e4}1", "\u{e4}2"]);
    assert_eq!(list(&mut db, "a%"), ["a%"], "no wildcards");
    assert_eq!(list(&mut db, "a_"), ["a_"], "no wildcards");
    assert!(list(&mut db, "%").is_empty());
    assert!(list(&mut db, "q1\tann\tmore").is_empty());
    let mut all: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    all.sort();
    assert_eq!(list(&mut db, ""), all, "everything, sorted by key");
    assert!(db.read(|tx| tx.kv_list("none", "").unwrap()).is_empty());
}

pub(super) fn kv_prefixes_match_byte_for_byte(b: &dyn Backend) {
    let mut db = Db::open(b);
    db.write(|tx| {
        for k in ["a", "a\0b1", "a\0c"] {
            tx.kv_put("ns", k, "v").unwrap();
        }
    });
    let got = db.read(|tx| tx.kv_list("ns", "a\0b").unwrap());
    assert_eq!(got, [pair("a\0b1", "v")]);
}

pub(super) fn unsent_markers_are_listed_per_agent_oldest_first(b: &dyn Backend) {
    let mut db = Db::open(b);
    db.write(|tx| {
        tx.put_processed(&marker("late", "imip_admin", secs(5), 2)).unwrap();
        tx.put_processed(&marker("early", "imip_admin", secs(1), 1)).unwrap();
        tx.put_processed(&marker("done", "imip_admin", secs(0), 1)).unwrap();
        tx.put_processed(&marker("other", "imip_person", secs(0), 1)).unwrap();
        tx.mark_sent("done", ROOM, "imip_admin", 1).unwrap();
        tx.mark_sent("late", ROOM, "imip_admin", 1).unwrap();
    });
    let unsent = db.read(|tx| tx.unsent("imip_admin").unwrap());
    let keys: Vec<&str> = unsent.iter().map(|p| p.message_key.as_str()).collect();
    assert_eq!(keys, ["early", "late"], "not sent, this agent's, oldest first");
    assert_eq!(unsent[1].sent_count, 1);
    assert_eq!(unsent[1].unsent().len(), 1, "the part still to send");
    assert_eq!(unsent[1].outbox.len(), 2, "the whole outbox until it all went out");
    assert!(db.read(|tx| tx.unsent("imip_resource").unwrap()).is_empty());
}
