//! Fixture objects and helpers shared by the cases: one builder per kind
//! of record, so that a change of the store's types is made here once. No
//! I/O of its own.

use super::Backend;
use crate::freebusy::BusyPeriod;
use crate::ical::Instance;
use crate::ical::Transp;
use crate::store::{
    DecisionRecord, ObjectStatus, OutboxMessage, Processed, ReplyKind, ReplyRecord, RequestKind,
    RunRecord, Store, StoreTx, StoredObject,
};
use chrono::{DateTime, Duration, TimeZone, Utc};

/// A person.
pub const ANN: &str = "mailto:ann@example.com";
/// Another person.
pub const BOB: &str = "mailto:bob@example.com";
/// A resource.
pub const ROOM: &str = "mailto:room@example.com";

/// `h` hours after a fixed Monday midnight (2027-01-04T00:00Z); negative
/// and fractional-day values are fine.
pub fn t(h: i64) -> DateTime<Utc> {
    base() + Duration::hours(h)
}

/// `h` hours and `min` minutes after the fixed Monday.
pub fn at(h: i64, min: i64) -> DateTime<Utc> {
    t(h) + Duration::minutes(min)
}

fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 1, 4, 0, 0, 0).single().unwrap_or_default()
}

/// The same instant in UTC seconds (for the `i64` fields of records).
pub fn secs(h: i64) -> i64 {
    t(h).timestamp()
}

/// A stored object whose text names its identity and status.
pub fn object(uid: &str, rid: &str, status: ObjectStatus) -> StoredObject {
    StoredObject {
        uid: uid.into(),
        instance: inst(rid),
        status,
        text: format!(
            "BEGIN:VCALENDAR\r\nUID:{uid}\r\nRID:{rid}\r\nX:{}\r\nEND:VCALENDAR\r\n",
            status.as_str()
        ),
    }
}

/// An active object.
pub fn active(uid: &str, rid: &str) -> StoredObject {
    object(uid, rid, ObjectStatus::Active)
}

/// A cancelled object.
pub fn cancelled(uid: &str, rid: &str) -> StoredObject {
    object(uid, rid, ObjectStatus::Cancelled)
}

/// A busy period from `from` to `to` (hours) with every column filled from
/// its identity, so that a round trip checks them all.
pub fn period(uid: &str, rid: &str, from: i64, to: i64) -> BusyPeriod {
    span(uid, rid, t(from), t(to))
}

/// A busy period between two instants, columns filled as [`period`].
pub fn span(uid: &str, rid: &str, start: DateTime<Utc>, end: DateTime<Utc>) -> BusyPeriod {
    BusyPeriod {
        transp: if uid.ends_with('t') { Transp::Transparent } else { Transp::Opaque },
        summary: format!("Meeting {uid}"),
        organizer: format!("mailto:org-{uid}@example.com"),
        attendee: format!("mailto:att-{uid}@example.com"),
        ..BusyPeriod::new(start, end, uid, rid)
    }
}

/// An offer held until `expires` (hours).
pub fn hold(uid: &str, from: i64, to: i64, expires: Option<i64>) -> BusyPeriod {
    BusyPeriod { expires: expires.map(t), ..period(uid, "", from, to) }
}

/// A run record, numbered `n`, every field derived from `n`.
pub fn run(n: i64, program: &str, started: i64, exit_status: i32) -> RunRecord {
    RunRecord {
        id: 0,
        started,
        program: program.into(),
        message_id: format!("<msg-{n}@example.com>"),
        message_key: format!("key-{n}"),
        sender: format!("sender-{n}@example.com"),
        recipients: format!("rcpt-{n}a@example.com rcpt-{n}b@example.com"),
        methods: "REQUEST".into(),
        outcome: format!("outcome {n}"),
        exit_status,
        duration_us: 1000 + n,
        log: format!("line 1 of {n}\nline 2 of {n}"),
    }
}

/// Message `i` of an outbox.
pub fn outbox_message(i: usize) -> OutboxMessage {
    OutboxMessage {
        kind: if i.is_multiple_of(2) { "send" } else { "deliver" }.into(),
        from: if i == 0 { String::new() } else { format!("from-{i}@example.com") },
        to: vec![format!("to-{i}a@example.com"), format!("to-{i}b@example.com")],
        label: format!("message {i}"),
        bytes: format!("Subject: {i}\r\n\r\nbody \u{e9} {i}\r\n").into_bytes(),
    }
}

/// A processed marker with an outbox of `messages` messages, none sent.
pub fn marker(key: &str, agent: &str, at: i64, messages: usize) -> Processed {
    Processed {
        message_key: key.into(),
        recipient: ROOM.into(),
        agent: agent.into(),
        at,
        notes: format!("notes of {key}"),
        sent: false,
        sent_count: 0,
        outbox: (0..messages).map(outbox_message).collect(),
    }
}

/// A decision of `resource` about `uid`, every field derived from `uid`.
pub fn decision(resource: &str, at: i64, uid: &str) -> DecisionRecord {
    DecisionRecord {
        id: 0,
        resource: resource.into(),
        at,
        uid: uid.into(),
        rid: format!("rid-{uid}"),
        organizer: format!("mailto:org-{uid}@example.com"),
        method: "REQUEST".into(),
        decision: "ACCEPTED".into(),
        function: "schedule_in_freebusy".into(),
        reason: format!("free for {uid}"),
        reply: format!("BEGIN:VCALENDAR\r\nUID:{uid}\r\nEND:VCALENDAR\r\n"),
    }
}

/// `(a, b)` as owned strings, for comparing listings.
pub fn inst(rid: &str) -> Instance {
    Instance::from_key(rid)
}

/// A queue entry kind from its stored form ("" or "COUNTER").
pub fn kind(k: &str) -> RequestKind {
    RequestKind::parse(k)
}

/// An attendee's answer about an instance at (SEQUENCE, DTSTAMP hour).
pub fn answer(
    uid: &str,
    rid: &str,
    attendee: &str,
    kind: ReplyKind,
    seq: i64,
    h: Option<i64>,
) -> ReplyRecord {
    ReplyRecord {
        uid: uid.into(),
        instance: inst(rid),
        attendee: attendee.into(),
        kind,
        sequence: seq,
        dtstamp: h.map(secs),
        text: format!("BEGIN:VEVENT\r\nUID:{uid}\r\nSEQ:{seq}\r\nEND:VEVENT\r\n"),
    }
}

/// A pair of strings (for comparing listings).
pub fn pair(a: &str, b: &str) -> (String, String) {
    (a.to_string(), b.to_string())
}

/// One handle on a backend's database, with helpers for whole transactions.
pub struct Db(pub Box<dyn Store>);

impl Db {
    /// A new handle (another connection) on the backend's database.
    pub fn open(backend: &dyn Backend) -> Db {
        Db(backend.connect().unwrap())
    }

    /// Runs `f` in a write transaction and commits.
    pub fn write<T>(&mut self, f: impl FnOnce(&mut dyn StoreTx) -> T) -> T {
        let mut tx = self.0.write().unwrap();
        let out = f(&mut *tx);
        tx.commit().unwrap();
        out
    }

    /// Runs `f` in a read transaction.
    pub fn read<T>(&mut self, f: impl FnOnce(&dyn StoreTx) -> T) -> T {
        let tx = self.0.read().unwrap();
        f(&*tx)
    }
}

/// `periods` sorted as a backend may return them for a query ordered by
/// start only: first checks they are in start order, then puts periods
/// with equal starts in a canonical order, so that lists compare equal
/// whatever order a backend gives ties.
pub fn by_start(periods: Vec<BusyPeriod>) -> Vec<BusyPeriod> {
    assert!(
        periods.windows(2).all(|w| w[0].start <= w[1].start),
        "not sorted by start: {periods:?}"
    );
    canonical(periods)
}

/// `periods` in a canonical order (start, end, uid, rid, summary).
pub fn canonical(mut periods: Vec<BusyPeriod>) -> Vec<BusyPeriod> {
    periods.sort_by(|a, b| {
        (a.start, a.end, &a.uid, &a.rid, &a.summary)
            .cmp(&(b.start, b.end, &b.uid, &b.rid, &b.summary))
    });
    periods
}

/// The uids of `periods`, in their order.
pub fn uids(periods: &[BusyPeriod]) -> Vec<&str> {
    periods.iter().map(|p| p.uid.as_str()).collect()
}

/// The change stamp of `owner` (0 when absent).
pub fn stamp(tx: &dyn StoreTx, owner: &str) -> i64 {
    tx.change_stamps().unwrap().into_iter().find(|(o, _)| o == owner).map_or(0, |(_, s)| s)
}
