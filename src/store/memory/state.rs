//! The tables of a [`super::MemStore`] and the free/busy collection type
//! with its time index. No I/O.
//!
//! Tables are persistent ordered maps (`imbl::OrdMap`, a B-tree whose
//! nodes are shared between copies): cloning a [`State`] costs O(1), and a
//! change copies only the path to what it changes, O(log n). Snapshots,
//! savepoints and forks are clones. Maps are ordered as SQLite's `ORDER BY`
//! orders (binary collation = byte order), so listings need no sorting.
//!
//! Times are kept as whole UTC seconds, as the SQLite backend stores them,
//! so that what comes back is what SQLite would return.

use crate::freebusy::BusyPeriod;
use crate::store::{DecisionRecord, Processed, ReplyRecord, RunRecord, StoredObject};
use chrono::{DateTime, Utc};
use imbl::{OrdMap, OrdSet};

/// (owner, kind, other) of a free/busy collection, as `FbSet::key`.
pub(super) type SetKey = (String, String, String);

/// One user's objects: (uid, rid) → object.
type Objects = OrdMap<(String, String), StoredObject>;

/// (user, uid, rid) of an event occurrence.
pub(super) type Occurrence = (String, String, String);

/// One user's recorded answers: (uid, rid, attendee, kind) → answer.
pub(super) type Answers = OrdMap<(String, String, String, String), ReplyRecord>;

/// One user's queue: (uid, rid, kind).
type Queue = OrdSet<(String, String, String)>;

/// Everything a store holds.
#[derive(Clone, Default)]
pub(super) struct State {
    /// uri → kind.
    pub users: OrdMap<String, String>,
    /// user → name → value.
    pub prefs: OrdMap<String, OrdMap<String, String>>,
    /// user → (uid, rid) → object.
    pub objects: OrdMap<String, Objects>,
    /// (user, uid, rid) → attendee → text.
    pub counters: OrdMap<Occurrence, OrdMap<String, String>>,
    /// user → (uid, rid, kind).
    pub requests: OrdMap<String, Queue>,
    /// Free/busy collections; a collection is created by its first period.
    pub fb: OrdMap<SetKey, PeriodSet>,
    /// owner → change stamp of its own free/busy and offers.
    pub fb_changes: OrdMap<String, i64>,
    /// Insertion counter of periods (orders periods with equal starts).
    pub next_period: u64,
    /// owner → (uid, rid); owners without providers are absent.
    pub providers: OrdMap<String, OrdSet<(String, String)>>,
    /// owner → horizon (UTC seconds).
    pub horizons: OrdMap<String, i64>,
    /// id → run record.
    pub runs: OrdMap<i64, RunRecord>,
    /// (message key, recipient, agent) → marker.
    pub processed: OrdMap<(String, String, String), Processed>,
    /// (resource, id) → decision.
    pub decisions: OrdMap<(String, i64), DecisionRecord>,
    /// The highest decision id given out (decisions are never deleted).
    pub last_decision: i64,
    /// ns → key → value.
    pub kv: OrdMap<String, OrdMap<String, String>>,
    /// user → (uid, rid, attendee, kind) → an attendee's last answer.
    pub replies: OrdMap<String, Answers>,
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

/// Removes the entries of `map` that `gone` selects; returns how many.
/// (`OrdMap` has no `retain`: the keys are collected, then removed.)
pub(super) fn remove_where<K: Ord + Clone, V: Clone>(
    map: &mut OrdMap<K, V>,
    mut gone: impl FnMut(&K, &V) -> bool,
) -> usize {
    let keys: Vec<K> = map.iter().filter(|(k, v)| gone(k, v)).map(|(k, _)| k.clone()).collect();
    for k in &keys {
        map.remove(k);
    }
    keys.len()
}

/// The periods of one collection, indexed by start.
#[derive(Clone, Default)]
pub(super) struct PeriodSet {
    /// (start seconds, insertion number) → period: start order, and among
    /// equal starts the order of insertion (SQLite's row id order).
    by_start: OrdMap<(i64, u64), BusyPeriod>,
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
        remove_where(&mut self.by_start, |_, p| gone(p))
    }
}

/// Whether changes to a collection of `kind` move its owner's change stamp
/// (the user's own free/busy and offers, as SQLite's fb_changes triggers).
pub(super) fn stamped(kind: &str) -> bool {
    kind == "own" || kind == "offer"
}

/// Moves `owner`'s change stamp on by `n` changed periods.
pub(super) fn bump(changes: &mut OrdMap<String, i64>, owner: &str, kind: &str, n: usize) {
    if n > 0 && stamped(kind) {
        let n = i64::try_from(n).unwrap_or(i64::MAX);
        let stamp = changes.entry(owner.to_string()).or_insert(0);
        *stamp = stamp.saturating_add(n);
    }
}
