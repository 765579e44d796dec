//! The tables of a [`super::MemStore`], each behind its own `Arc` so that a
//! transaction copies only the tables it changes, and the free/busy
//! collection type with its time index. No I/O.
//!
//! Times are kept as whole UTC seconds, as the SQLite backend stores them,
//! so that what comes back is what SQLite would return.

use crate::freebusy::BusyPeriod;
use crate::store::{DecisionRecord, Processed, RunRecord, StoredObject};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// (owner, kind, other) of a free/busy collection, as `FbSet::key`.
pub(super) type SetKey = (String, String, String);

/// One user's objects: (uid, rid) → object.
type Objects = BTreeMap<(String, String), StoredObject>;

/// (user, uid, rid) of an event occurrence.
type Occurrence = (String, String, String);

/// One user's queue: (uid, rid, kind).
type Queue = BTreeSet<(String, String, String)>;

/// Everything a store holds. Maps are ordered so that listings come out in
/// the order SQLite's `ORDER BY` gives (binary collation = byte order).
#[derive(Clone, Default)]
pub(super) struct State {
    /// uri → kind.
    pub users: Arc<BTreeMap<String, String>>,
    /// user → name → value.
    pub prefs: Arc<BTreeMap<String, BTreeMap<String, String>>>,
    /// user → (uid, rid) → object.
    pub objects: Arc<BTreeMap<String, Objects>>,
    /// (user, uid, rid) → attendee → text.
    pub counters: Arc<BTreeMap<Occurrence, BTreeMap<String, String>>>,
    /// user → (uid, rid, kind).
    pub requests: Arc<BTreeMap<String, Queue>>,
    /// Free/busy collections; a collection is created by its first period.
    pub fb: Arc<BTreeMap<SetKey, Arc<PeriodSet>>>,
    /// owner → change stamp of its own free/busy and offers.
    pub fb_changes: Arc<BTreeMap<String, i64>>,
    /// Insertion counter of periods (orders periods with equal starts).
    pub next_period: u64,
    /// owner → (uid, rid); owners without providers are absent.
    pub providers: Arc<BTreeMap<String, BTreeSet<(String, String)>>>,
    /// owner → horizon (UTC seconds).
    pub horizons: Arc<BTreeMap<String, i64>>,
    /// id → run record.
    pub runs: Arc<BTreeMap<i64, RunRecord>>,
    /// (message key, recipient, agent) → marker.
    pub processed: Arc<BTreeMap<(String, String, String), Processed>>,
    /// (resource, id) → decision.
    pub decisions: Arc<BTreeMap<(String, i64), DecisionRecord>>,
    /// The highest decision id given out (decisions are never deleted).
    pub last_decision: i64,
    /// ns → key → value.
    pub kv: Arc<BTreeMap<String, BTreeMap<String, String>>>,
}

/// The table behind `a` for changing, copied first if a snapshot or a
/// savepoint still shares it.
pub(super) fn m<T: Clone>(a: &mut Arc<T>) -> &mut T {
    Arc::make_mut(a)
}

/// UTC seconds, as stored.
pub(super) fn ts(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

/// Back from UTC seconds (never fails for a value made by [`ts`]).
pub(super) fn from_ts(v: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(v, 0).unwrap_or_default()
}

/// `p` as it would come back from the database: times in whole seconds.
fn normalised(p: &BusyPeriod) -> BusyPeriod {
    BusyPeriod {
        start: from_ts(ts(p.start)),
        end: from_ts(ts(p.end)),
        expires: p.expires.map(|e| from_ts(ts(e))),
        ..p.clone()
    }
}

/// The periods of one collection, indexed by start.
#[derive(Clone, Default)]
pub(super) struct PeriodSet {
    /// (start seconds, insertion number) → period: start order, and among
    /// equal starts the order of insertion (SQLite's row id order).
    by_start: BTreeMap<(i64, u64), BusyPeriod>,
    /// The longest `end - start` ever added, in seconds: an overlap query
    /// starts its scan that far before the window (it may only grow).
    longest: i64,
}

impl PeriodSet {
    /// Adds a period under insertion number `n`.
    pub fn insert(&mut self, n: u64, p: &BusyPeriod) {
        let p = normalised(p);
        let (s, e) = (ts(p.start), ts(p.end));
        self.longest = self.longest.max(e.saturating_sub(s));
        self.by_start.insert((s, n), p);
    }

    /// How many periods there are.
    pub fn len(&self) -> usize {
        self.by_start.len()
    }

    /// Every period, by start.
    pub fn iter(&self) -> impl Iterator<Item = &BusyPeriod> {
        self.by_start.values()
    }

    /// Periods with `start <= end` and `end >= start` (overlapping or
    /// touching the window), by start. Only periods starting at most
    /// `longest` seconds before the window can reach into it; a period
    /// ending before it starts (never made by the agents) starts inside
    /// the window if it matches at all.
    pub fn touching(&self, start: i64, end: i64) -> impl Iterator<Item = &BusyPeriod> {
        let from = start.saturating_sub(self.longest);
        // A reversed window (start > end) matches nothing that starts
        // before `from`; `max` keeps the range well-formed for it.
        self.by_start
            .range((from, 0)..=(end.max(from), u64::MAX))
            .map(|(_, p)| p)
            .filter(move |p| ts(p.start) <= end && ts(p.end) >= start)
    }

    /// Removes the periods `gone` selects; returns how many.
    pub fn remove_where(&mut self, mut gone: impl FnMut(&BusyPeriod) -> bool) -> usize {
        let before = self.by_start.len();
        self.by_start.retain(|_, p| !gone(p));
        before - self.by_start.len()
    }
}

/// Whether changes to a collection of `kind` move its owner's change stamp
/// (the user's own free/busy and offers, as SQLite's fb_changes triggers).
pub(super) fn stamped(kind: &str) -> bool {
    kind == "own" || kind == "offer"
}

/// Moves `owner`'s change stamp on by `n` changed periods.
pub(super) fn bump(changes: &mut Arc<BTreeMap<String, i64>>, owner: &str, kind: &str, n: usize) {
    if n > 0 && stamped(kind) {
        let n = i64::try_from(n).unwrap_or(i64::MAX);
        let stamp = m(changes).entry(owner.to_string()).or_insert(0);
        *stamp = stamp.saturating_add(n);
    }
}
