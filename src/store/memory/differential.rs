//! Differential property test: random transactions (every write, read and
//! savepoint operation of `StoreTx` over a small domain of names and
//! times, ending in commit or rollback) applied to the SQLite backend and
//! to [`MemStore`] must get the same answer from every operation, row ids
//! included. Where SQLite leaves an order open (periods with equal starts)
//! both answers are put in one canonical order first. Runs SQLite in
//! memory; no files.
#![allow(clippy::unwrap_used)]

use super::MemStore;
use crate::freebusy::{BusyPeriod, FbSet};
use crate::ical::{Instance, Transp};
use crate::store::sqlite::SqliteStore;
use crate::store::{
    DecisionRecord, ObjectStatus, OutboxMessage, Processed, RequestKind, RunFilter, RunRecord,
    Store, StoreTx, StoredObject,
};
use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;

const USERS: [&str; 3] = ["mailto:a@example.com", "mailto:b@example.com", "q1"];
const UIDS: [&str; 2] = ["u1", "u10"];
const RIDS: [&str; 2] = ["", "r1"];
const WORDS: [&str; 4] = ["", "x", "y z", "\u{fc}"];
const KINDS: [&str; 5] = ["own", "offer", "other", "journal", "collective"];
const KEYS: [&str; 6] = ["", "a", "ab", "a\tb", "b", "\u{e4}"];
const AGENTS: [&str; 2] = ["imip_person", "imip_resource"];
const REQUEST_KINDS: [RequestKind; 2] = [RequestKind::Invitation, RequestKind::Counter];

/// Number of operations `apply` knows (writes, reads, savepoints).
const OPS: u8 = 50;

fn pick<T: Copy>(b: u8, list: &[T]) -> T {
    list[usize::from(b) % list.len()]
}

fn opt<T: Copy>(b: u8, list: &[T]) -> Option<T> {
    if b.is_multiple_of(4) { None } else { Some(pick(b / 4, list)) }
}

/// Half-hour steps over six hours: few enough that periods often meet
/// the edges of windows and each other, and records their cut-offs.
fn time(b: u8) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 1, 4, 0, 0, 0).unwrap() + Duration::minutes(30 * i64::from(b % 12))
}

/// One of 20 collections, the user's own more often than the others.
fn set(kind: u8, names: u8) -> FbSet {
    let a = pick(names, &USERS[..2]).to_string();
    let b = pick(names / 2, &USERS[..2]).to_string();
    match pick(kind, &[0, 0, 0, 1, 1, 2, 3, 4]) {
        0 => FbSet::Own(a),
        1 => FbSet::Offers(a),
        2 => FbSet::Other { user: a, other: b },
        3 => FbSet::Journal { quota: a, group: b },
        _ => FbSet::Collective { quota: a, organiser: b },
    }
}

fn period(s: u8, len: u8, id: u8) -> BusyPeriod {
    let start = time(s);
    BusyPeriod {
        transp: pick(id / 9, &[Transp::Opaque, Transp::Transparent, Transp::Org]),
        summary: pick(len / 5, &WORDS).to_string(),
        organizer: pick(id / 27, &USERS).to_string(),
        expires: if len >= 128 { Some(time(len / 7)) } else { None },
        attendee: pick(s / 12, &USERS).to_string(),
        ..BusyPeriod::new(
            start,
            start + Duration::minutes(30 * i64::from(len % 5)),
            pick(id, &UIDS),
            pick(id / 3, &RIDS),
        )
    }
}

/// Periods in SQLite's order where it defines one, and canonical among
/// periods it leaves in any order.
fn canonical(mut v: Vec<BusyPeriod>) -> Vec<BusyPeriod> {
    v.sort_by(|a, b| {
        (a.start, &a.uid, a.end, &a.rid, &a.summary, &a.organizer, a.expires).cmp(&(
            b.start,
            &b.uid,
            b.end,
            &b.rid,
            &b.summary,
            &b.organizer,
            b.expires,
        ))
    });
    v
}

fn processed(p: &[u8; 8]) -> Processed {
    Processed {
        message_key: pick(p[0], &["k1", "k2"]).into(),
        recipient: USERS[0].into(),
        agent: pick(p[1], &AGENTS).into(),
        at: time(p[2]).timestamp(),
        notes: pick(p[3], &WORDS).into(),
        sent: p[4].is_multiple_of(2),
        sent_count: usize::from(p[5] % 4),
        outbox: (0..p[6] % 4)
            .map(|i| OutboxMessage {
                kind: pick(i, &["send", "deliver"]).into(),
                from: pick(p[7].wrapping_add(i), &USERS).into(),
                to: USERS[..usize::from(i % 3)].iter().map(|s| s.to_string()).collect(),
                label: format!("m{i}"),
                bytes: vec![i, 0, 255],
            })
            .collect(),
    }
}

/// Applies operation `op` with parameters `p`; returns what it did and
/// what it answered.
fn apply(tx: &mut dyn StoreTx, op: u8, p: &[u8; 8]) -> (String, String) {
    // Two users for most records, so that operations meet each other.
    let u = pick(p[0], &USERS[..2]);
    let uid = pick(p[1], &UIDS);
    let rid = pick(p[2], &RIDS);
    let fb = set(p[0], p[1]);
    macro_rules! r {
        ($what:expr, $e:expr) => {
            (format!("{}", $what), format!("{:?}", $e.unwrap()))
        };
    }
    match op % OPS {
        0 => r!(
            format!("ensure_user {u} {}", p[3] % 3),
            tx.ensure_user(u, pick(p[3], &["", "person", "resource"]), time(p[4]))
        ),
        1 => r!(format!("delete_user {u}"), tx.delete_user(u)),
        2 => r!("set_pref", tx.set_pref(u, pick(p[3], &["a", "b", "c"]), pick(p[4], &WORDS))),
        3 => r!("unset_pref", tx.unset_pref(u, pick(p[3], &["a", "b", "c"]))),
        4 => {
            let status =
                if p[3].is_multiple_of(2) { ObjectStatus::Active } else { ObjectStatus::Cancelled };
            let obj = StoredObject {
                uid: uid.into(),
                instance: Instance::from_key(rid),
                status,
                text: pick(p[4], &WORDS).into(),
            };
            r!(format!("put_object {obj:?}"), tx.put_object(u, &obj, time(p[5])))
        }
        5 => r!("delete_object", tx.delete_object(u, uid, &Instance::from_key(rid))),
        6 => r!("delete_occurrences", tx.delete_occurrences(u, uid)),
        7 => r!(
            "put_counter",
            tx.put_counter(
                u,
                uid,
                &Instance::from_key(rid),
                pick(p[3], &USERS),
                pick(p[4], &WORDS)
            )
        ),
        8 => r!(
            "delete_counters",
            tx.delete_counters(u, uid, &Instance::from_key(rid), opt(p[3], &USERS))
        ),
        9 => r!(
            "queue_request",
            tx.queue_request(u, uid, &Instance::from_key(rid), pick(p[3], &REQUEST_KINDS))
        ),
        10 => r!(
            "dequeue_request",
            tx.dequeue_request(u, uid, &Instance::from_key(rid), opt(p[3], &REQUEST_KINDS))
        ),
        11 => {
            let all = [period(p[3], p[4], p[5]), period(p[6], p[7], p[2])];
            let periods = &all[..usize::from(p[2] % 3).min(2)];
            r!(format!("add_busy {fb:?} {periods:?}"), tx.add_busy(&fb, periods))
        }
        12 => r!(
            format!("remove_busy_for_uid {fb:?}"),
            tx.remove_busy_for_uid(&fb, pick(p[3], &UIDS), opt(p[4], &RIDS))
        ),
        13 => {
            let window = if p[3].is_multiple_of(4) { None } else { Some((time(p[4]), time(p[5]))) };
            r!(format!("remove_busy_in {fb:?} {window:?}"), tx.remove_busy_in(&fb, window))
        }
        14 => r!(format!("purge_expired {fb:?}"), tx.purge_expired(&fb, time(p[3]))),
        15 => r!("expire_busy", tx.expire_busy(pick(p[3], &KINDS), time(p[4]))),
        16 => r!("add_provider", tx.add_provider(u, uid)),
        17 => r!("remove_provider", tx.remove_provider(u, uid)),
        18 => r!("set_provider_horizon", tx.set_provider_horizon(u, time(p[3]))),
        19 => {
            let run = RunRecord {
                id: 0,
                started: time(p[3]).timestamp(),
                program: pick(p[4], &AGENTS).into(),
                message_id: pick(p[5], &["<a@x>", "<b@x>", ""]).into(),
                message_key: pick(p[6], &WORDS).into(),
                sender: u.into(),
                recipients: pick(p[7], &["a@x b@x", "b@x", ""]).into(),
                methods: "REQUEST".into(),
                outcome: pick(p[1], &WORDS).into(),
                exit_status: pick(p[2], &[0, 75]),
                duration_us: i64::from(p[3]),
                log: pick(p[4], &WORDS).into(),
            };
            r!("add_run", tx.add_run(&run))
        }
        20 => r!("prune_runs", tx.prune_runs(time(p[3]))),
        21 => r!("put_processed", tx.put_processed(&processed(p))),
        22 => r!(
            "mark_sent",
            tx.mark_sent(
                pick(p[0], &["k1", "k2"]),
                USERS[0],
                pick(p[1], &AGENTS),
                usize::from(p[2] % 5)
            )
        ),
        23 => r!("prune_processed", tx.prune_processed(time(p[3]))),
        24 => {
            let d = DecisionRecord {
                resource: u.into(),
                at: time(p[3]).timestamp(),
                uid: uid.into(),
                rid: rid.into(),
                decision: pick(p[4], &["ACCEPTED", "DECLINED"]).into(),
                reason: pick(p[5], &WORDS).into(),
                ..Default::default()
            };
            r!("add_decision", tx.add_decision(&d))
        }
        25 => r!(
            "kv_put",
            tx.kv_put(pick(p[3], &["n1", "n2"]), pick(p[4], &KEYS), pick(p[5], &WORDS))
        ),
        26 => r!("kv_delete", tx.kv_delete(pick(p[3], &["n1", "n2"]), pick(p[4], &KEYS))),
        27 => r!("users", tx.users()),
        28 => r!("pref", tx.pref(u, pick(p[3], &["a", "b", "c"]))),
        29 => r!("prefs", tx.prefs(u)),
        30 => r!("object", tx.object(u, uid, &Instance::from_key(rid))),
        31 => r!("occurrences", tx.occurrences(u, uid)),
        32 => r!(
            "list_objects",
            tx.list_objects(u, opt(p[3], &[ObjectStatus::Active, ObjectStatus::Cancelled]))
        ),
        33 => r!("counters", tx.counters(u, uid, &Instance::from_key(rid))),
        34 => r!("requests", tx.requests(u)),
        35 => r!(
            format!("busy {fb:?} {} {}", time(p[3]), time(p[4])),
            tx.busy(&fb, time(p[3]), time(p[4])).map(canonical)
        ),
        36 => r!(format!("busy_all {fb:?}"), tx.busy_all(&fb).map(canonical)),
        37 => r!(
            "busy_for_uid",
            tx.busy_for_uid(&fb, pick(p[3], &UIDS), opt(p[4], &RIDS)).map(canonical)
        ),
        38 => r!("sets_of_kind", tx.sets_of_kind(pick(p[3], &KINDS))),
        39 => r!("other_sets", tx.other_sets(u)),
        40 => r!("change_stamps", tx.change_stamps()),
        41 => r!("providers", tx.providers(u)),
        42 => r!("provider_owners", tx.provider_owners()),
        43 => r!("provider_horizon", tx.provider_horizon(u)),
        44 => {
            let f = RunFilter {
                program: opt(p[3], &AGENTS).map(str::to_string),
                since: if p[4].is_multiple_of(4) { None } else { Some(time(p[4] / 4).timestamp()) },
                exit_status: opt(p[5], &[0, 75]),
                message_id: opt(p[6], &["a", "@", ""]).map(str::to_string),
                recipient: opt(p[7], &["a@", " ", "b@x"]).map(str::to_string),
                limit: pick(p[2], &[0, 1, 2, 200]),
            };
            r!(format!("runs {f:?}"), tx.runs(&f))
        }
        45 => {
            r!("processed", tx.processed(pick(p[3], &["k1", "k2"]), USERS[0], pick(p[4], &AGENTS)))
        }
        46 => r!("decisions", tx.decisions(u, pick(p[3], &[0, 1, 3, 100]))),
        47 => r!("kv_get", tx.kv_get(pick(p[3], &["n1", "n2"]), pick(p[4], &KEYS))),
        48 => r!(
            format!("kv_list {:?}", pick(p[4], &KEYS)),
            tx.kv_list(pick(p[3], &["n1", "n2"]), pick(p[4], &KEYS))
        ),
        _ => match p[0] % 3 {
            0 => r!("savepoint", tx.savepoint()),
            1 => r!("release_savepoint", tx.release_savepoint()),
            _ => r!("rollback_savepoint", tx.rollback_savepoint()),
        },
    }
}

/// Everything the stores hold, read through every listing.
fn observe(tx: &dyn StoreTx) -> Vec<String> {
    let mut out =
        vec![format!("{:?}", tx.users().unwrap()), format!("{:?}", tx.change_stamps().unwrap())];
    for u in USERS {
        out.push(format!("{:?}", tx.prefs(u).unwrap()));
        out.push(format!("{:?}", tx.list_objects(u, None).unwrap()));
        out.push(format!("{:?}", tx.requests(u).unwrap()));
        out.push(format!("{:?}", tx.providers(u).unwrap()));
        out.push(format!("{:?}", tx.provider_horizon(u).unwrap()));
        out.push(format!("{:?}", tx.decisions(u, 1000).unwrap()));
        for uid in UIDS {
            for rid in RIDS {
                out.push(format!("{:?}", tx.counters(u, uid, &Instance::from_key(rid)).unwrap()));
            }
        }
    }
    for kind in KINDS {
        out.push(format!("{:?}", tx.sets_of_kind(kind).unwrap()));
    }
    for kind in [0, 3, 5, 6, 7] {
        for names in 0..4 {
            out.push(format!("{:?}", canonical(tx.busy_all(&set(kind, names)).unwrap())));
        }
    }
    out.push(format!("{:?}", tx.provider_owners().unwrap()));
    out.push(format!("{:?}", tx.runs(&RunFilter { limit: 1000, ..Default::default() }).unwrap()));
    for key in ["k1", "k2"] {
        for agent in AGENTS {
            out.push(format!("{:?}", tx.processed(key, USERS[0], agent).unwrap()));
        }
    }
    for ns in ["n1", "n2"] {
        out.push(format!("{:?}", tx.kv_list(ns, "").unwrap()));
    }
    out
}

/// One transaction: operations, then commit (true) or drop; relaxed or not.
type Transaction = (Vec<(u8, [u8; 8])>, bool, bool);

/// Operation numbers of one area: (writes, reads).
const AREAS: [(std::ops::Range<u8>, std::ops::Range<u8>); 7] = [
    (0..4, 27..30),   // users and preferences
    (4..7, 30..33),   // objects
    (7..11, 33..35),  // counter-proposals and the queue
    (11..16, 35..41), // free/busy
    (16..19, 41..44), // providers
    (19..25, 44..47), // runs, markers, decisions
    (25..27, 47..49), // key/value records
];

/// Each case works mostly in one area, so that its operations meet each
/// other (with all 50 at once, a write was rarely read back): writes and
/// reads of the area, any operation, and savepoints, 3:3:1:1.
fn transactions() -> impl Strategy<Value = Vec<Transaction>> {
    (0..AREAS.len()).prop_flat_map(|area| {
        let (writes, reads) = AREAS[area].clone();
        let kind = prop_oneof![3 => writes, 3 => reads, 1 => 0..OPS, 1 => Just(OPS - 1)];
        let op = (kind, any::<[u8; 8]>());
        prop::collection::vec(
            (prop::collection::vec(op, 1..24), any::<bool>(), any::<bool>()),
            1..8,
        )
    })
}

fn open(s: &mut dyn Store, relaxed: bool) -> Box<dyn StoreTx + '_> {
    if relaxed { s.write_relaxed().unwrap() } else { s.write().unwrap() }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn memory_store_answers_as_sqlite_does(txs in transactions()) {
        let mut sqlite = SqliteStore::open_memory().unwrap();
        let mut memory = MemStore::new();
        for (i, (ops, commit, relaxed)) in txs.iter().enumerate() {
            let mut a = open(&mut sqlite, *relaxed);
            let mut b = open(&mut memory, *relaxed);
            for (op, p) in ops {
                let (what, want) = apply(&mut *a, *op, p);
                let (_, got) = apply(&mut *b, *op, p);
                prop_assert_eq!(got, want, "transaction {}: {}", i, what);
            }
            if *commit {
                a.commit().unwrap();
                b.commit().unwrap();
            } else {
                drop((a, b));
            }
        }
        // Once at the end (reading everything after each transaction
        // doubled the test's time); reads among the operations check the
        // states in between.
        let want = observe(&*sqlite.read().unwrap());
        let got = observe(&*memory.read().unwrap());
        prop_assert_eq!(got, want, "at the end");
    }
}
