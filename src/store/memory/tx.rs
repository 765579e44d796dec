//! [`StoreTx`] over a [`super::MemStore`] snapshot. Each operation mirrors
//! the SQL statement of `store::sqlite::tx` it stands for (noted where the
//! correspondence is not obvious). No I/O.

use super::state::{PeriodSet, SetKey, State, bump, from_ts, remove_where, ts};
use super::{Shared, Snapshot};
use crate::error::{InfraError, InfraResult};
use crate::freebusy::{BusyPeriod, FbSet};
use crate::ical::Instance;
use crate::store::{
    DecisionRecord, ObjectStatus, Processed, ReplyRecord, RequestEntry, RequestKind, RunFilter,
    RunRecord, StoreTx, StoredObject,
};
use chrono::{DateTime, Utc};
use std::cell::OnceCell;

pub(super) struct MemTx<'s> {
    shared: &'s Shared,
    /// What this transaction sees and changes; a read transaction takes it
    /// at its first statement.
    view: OnceCell<Snapshot>,
    /// Working states at each open savepoint, innermost last.
    savepoints: Vec<State>,
    /// Whether this transaction holds the writer lock.
    writer: bool,
    /// Whether it changed its state (then commit installs it).
    dirty: bool,
}

impl<'s> MemTx<'s> {
    /// A write transaction; the caller took the writer lock.
    pub(super) fn writer(shared: &'s Shared, view: Snapshot) -> Self {
        MemTx {
            shared,
            view: OnceCell::from(view),
            savepoints: Vec::new(),
            writer: true,
            dirty: false,
        }
    }

    /// A read transaction (deferred: no snapshot yet).
    pub(super) fn reader(shared: &'s Shared) -> Self {
        MemTx { shared, view: OnceCell::new(), savepoints: Vec::new(), writer: false, dirty: false }
    }

    fn view(&self) -> &Snapshot {
        self.view.get_or_init(|| self.shared.snapshot())
    }

    fn st(&self) -> &State {
        &self.view().state
    }

    /// The working copy for changing. A read transaction that writes takes
    /// the writer lock first, as SQLite's deferred transactions do, and
    /// fails as SQLite does (SQLITE_BUSY_SNAPSHOT) when another transaction
    /// committed since its snapshot.
    fn st_mut(&mut self) -> InfraResult<&mut State> {
        if !self.writer {
            let c = self.shared.acquire_writer()?;
            let latest = Snapshot { version: c.version, state: c.state.clone() };
            drop(c);
            match self.view.get() {
                Some(v) if v.version != latest.version => {
                    self.shared.release_writer();
                    return Err(InfraError::Store(
                        "database is locked (the read snapshot is no longer the latest)".into(),
                    ));
                }
                Some(_) => {}
                None => {
                    self.view = OnceCell::from(latest);
                }
            }
            self.writer = true;
        }
        self.view();
        self.dirty = true;
        match self.view.get_mut() {
            Some(v) => Ok(&mut v.state),
            None => Err(InfraError::Internal("memory store: transaction without a view".into())),
        }
    }

    /// Changes the periods of an existing collection with `f` (which
    /// returns how many periods it added or removed) and moves the owner's
    /// change stamp by that many, as SQLite's per-row triggers do. A
    /// collection that does not exist changes nothing.
    fn change_set(
        &mut self,
        set: &FbSet,
        f: impl FnOnce(&mut PeriodSet) -> usize,
    ) -> InfraResult<usize> {
        let key = set_key(set);
        if !self.st().fb.contains_key(&key) {
            return Ok(0);
        }
        let State { fb, fb_changes, .. } = self.st_mut()?;
        let Some(periods) = fb.get_mut(&key) else { return Ok(0) };
        let n = f(periods);
        bump(fb_changes, &key.0, &key.1, n);
        Ok(n)
    }
}

impl Drop for MemTx<'_> {
    fn drop(&mut self) {
        // Without commit the working copy is simply forgotten (a rollback).
        if self.writer {
            self.writer = false;
            self.shared.release_writer();
        }
    }
}

fn set_key(set: &FbSet) -> SetKey {
    let (owner, kind, other) = set.key();
    (owner.to_string(), kind.to_string(), other.to_string())
}

/// Owned (a, b) key for a lookup in a map keyed by string pairs.
fn k2(a: &str, b: &str) -> (String, String) {
    (a.to_string(), b.to_string())
}

/// Owned (a, b, c) key.
fn k3(a: &str, b: &str, c: &str) -> (String, String, String) {
    (a.to_string(), b.to_string(), c.to_string())
}

/// The next row id of a table whose highest id is `last` (SQLite's
/// `INTEGER PRIMARY KEY`: one more than the largest id present, so an id
/// freed at the top is given out again).
fn next_id(last: Option<i64>) -> i64 {
    last.map_or(1, |l| l.saturating_add(1))
}

impl StoreTx for MemTx<'_> {
    fn commit(mut self: Box<Self>) -> InfraResult<()> {
        if self.writer {
            if self.dirty
                && let Some(view) = self.view.take()
            {
                let mut c = self.shared.lock();
                c.state = view.state;
                c.version += 1;
            }
            self.writer = false;
            self.shared.release_writer();
        }
        Ok(())
    }

    fn savepoint(&mut self) -> InfraResult<()> {
        let at = self.view().state.clone();
        self.savepoints.push(at);
        Ok(())
    }

    fn release_savepoint(&mut self) -> InfraResult<()> {
        self.savepoints.pop();
        Ok(())
    }

    fn rollback_savepoint(&mut self) -> InfraResult<()> {
        if let Some(at) = self.savepoints.pop()
            && let Some(v) = self.view.get_mut()
        {
            v.state = at;
        }
        Ok(())
    }

    fn ensure_user(&mut self, uri: &str, kind: &str, _now: DateTime<Utc>) -> InfraResult<()> {
        // INSERT … ON CONFLICT: a known user keeps its kind unless it had none.
        match self.st().users.get(uri) {
            Some(k) if !k.is_empty() || kind.is_empty() => Ok(()),
            _ => {
                self.st_mut()?.users.insert(uri.to_string(), kind.to_string());
                Ok(())
            }
        }
    }

    fn users(&self) -> InfraResult<Vec<(String, String)>> {
        Ok(self.st().users.iter().map(|(u, k)| (u.clone(), k.clone())).collect())
    }

    fn delete_user(&mut self, uri: &str) -> InfraResult<()> {
        let st = self.st_mut()?;
        st.users.remove(uri);
        st.prefs.remove(uri);
        st.objects.remove(uri);
        remove_where(&mut st.counters, |(user, _, _), _| user == uri);
        st.requests.remove(uri);
        st.replies.remove(uri);
        st.providers.remove(uri);
        st.horizons.remove(uri);
        // Every collection the user owns, each period removal moving the stamp.
        let owned: Vec<_> = st.fb.keys().filter(|(owner, _, _)| owner == uri).cloned().collect();
        for key in owned {
            if let Some(periods) = st.fb.remove(&key) {
                bump(&mut st.fb_changes, &key.0, &key.1, periods.len());
            }
        }
        Ok(())
    }

    fn pref(&self, user: &str, name: &str) -> InfraResult<Option<String>> {
        Ok(self.st().prefs.get(user).and_then(|p| p.get(name)).cloned())
    }

    fn prefs(&self, user: &str) -> InfraResult<Vec<(String, String)>> {
        Ok(self
            .st()
            .prefs
            .get(user)
            .map(|p| p.iter().map(|(n, v)| (n.clone(), v.clone())).collect())
            .unwrap_or_default())
    }

    fn set_pref(&mut self, user: &str, name: &str, value: &str) -> InfraResult<()> {
        self.st_mut()?
            .prefs
            .entry(user.to_string())
            .or_default()
            .insert(name.to_string(), value.to_string());
        Ok(())
    }

    fn unset_pref(&mut self, user: &str, name: &str) -> InfraResult<bool> {
        if self.pref(user, name)?.is_none() {
            return Ok(false);
        }
        let prefs = &mut self.st_mut()?.prefs;
        let removed = prefs.get_mut(user).and_then(|p| p.remove(name)).is_some();
        if prefs.get(user).is_some_and(|p| p.is_empty()) {
            prefs.remove(user);
        }
        Ok(removed)
    }

    fn object(
        &self,
        user: &str,
        uid: &str,
        instance: &Instance,
    ) -> InfraResult<Option<StoredObject>> {
        Ok(self.st().objects.get(user).and_then(|o| o.get(&k2(uid, instance.key()))).cloned())
    }

    fn put_object(
        &mut self,
        user: &str,
        obj: &StoredObject,
        _now: DateTime<Utc>,
    ) -> InfraResult<()> {
        self.st_mut()?
            .objects
            .entry(user.to_string())
            .or_default()
            .insert(k2(&obj.uid, obj.instance.key()), obj.clone());
        Ok(())
    }

    fn delete_object(&mut self, user: &str, uid: &str, instance: &Instance) -> InfraResult<()> {
        let rid = instance.key();
        if self.object(user, uid, instance)?.is_none() {
            return Ok(());
        }
        let objects = &mut self.st_mut()?.objects;
        if let Some(o) = objects.get_mut(user) {
            o.remove(&k2(uid, rid));
            if o.is_empty() {
                objects.remove(user);
            }
        }
        Ok(())
    }

    fn occurrences(&self, user: &str, uid: &str) -> InfraResult<Vec<StoredObject>> {
        // WHERE uid = ? AND rid <> '' ORDER BY rid.
        let Some(o) = self.st().objects.get(user) else { return Ok(Vec::new()) };
        Ok(o.range(k2(uid, "")..)
            .take_while(|((u, _), _)| u == uid)
            .filter(|((_, r), _)| !r.is_empty())
            .map(|(_, obj)| obj.clone())
            .collect())
    }

    fn delete_occurrences(&mut self, user: &str, uid: &str) -> InfraResult<()> {
        // Cancelled occurrences are objects too: they go with the rest.
        if self.occurrences(user, uid)?.is_empty() {
            return Ok(());
        }
        let objects = &mut self.st_mut()?.objects;
        if let Some(o) = objects.get_mut(user) {
            remove_where(o, |(u, r), _| u == uid && !r.is_empty());
            if o.is_empty() {
                objects.remove(user);
            }
        }
        Ok(())
    }

    fn list_objects(
        &self,
        user: &str,
        status: Option<ObjectStatus>,
    ) -> InfraResult<Vec<StoredObject>> {
        let Some(o) = self.st().objects.get(user) else { return Ok(Vec::new()) };
        Ok(o.values().filter(|obj| status.is_none_or(|s| obj.status == s)).cloned().collect())
    }

    fn put_counter(
        &mut self,
        user: &str,
        uid: &str,
        instance: &Instance,
        attendee: &str,
        text: &str,
    ) -> InfraResult<()> {
        let rid = instance.key();
        self.st_mut()?
            .counters
            .entry(k3(user, uid, rid))
            .or_default()
            .insert(attendee.to_string(), text.to_string());
        Ok(())
    }

    fn counters(
        &self,
        user: &str,
        uid: &str,
        instance: &Instance,
    ) -> InfraResult<Vec<(String, String)>> {
        let rid = instance.key();
        Ok(self
            .st()
            .counters
            .get(&k3(user, uid, rid))
            .map(|c| c.iter().map(|(a, t)| (a.clone(), t.clone())).collect())
            .unwrap_or_default())
    }

    fn delete_counters(
        &mut self,
        user: &str,
        uid: &str,
        instance: &Instance,
        attendee: Option<&str>,
    ) -> InfraResult<()> {
        let rid = instance.key();
        let key = k3(user, uid, rid);
        if !self.st().counters.contains_key(&key) {
            return Ok(());
        }
        let counters = &mut self.st_mut()?.counters;
        match attendee {
            None => {
                counters.remove(&key);
            }
            Some(a) => {
                if let Some(c) = counters.get_mut(&key) {
                    c.remove(a);
                    if c.is_empty() {
                        counters.remove(&key);
                    }
                }
            }
        }
        Ok(())
    }

    fn queue_request(
        &mut self,
        user: &str,
        uid: &str,
        instance: &Instance,
        kind: RequestKind,
    ) -> InfraResult<()> {
        self.st_mut()?.requests.entry(user.to_string()).or_default().insert(k3(
            uid,
            instance.key(),
            kind.as_str(),
        ));
        Ok(())
    }

    fn put_reply(&mut self, user: &str, reply: &ReplyRecord) -> InfraResult<()> {
        let key = (
            reply.uid.clone(),
            reply.instance.key().to_string(),
            reply.attendee.clone(),
            reply.kind.as_str().to_string(),
        );
        self.st_mut()?.replies.entry(user.to_string()).or_default().insert(key, reply.clone());
        Ok(())
    }

    fn replies(&self, user: &str, uid: &str) -> InfraResult<Vec<ReplyRecord>> {
        // WHERE uid = ? ORDER BY rid, attendee, kind.
        let Some(r) = self.st().replies.get(user) else { return Ok(Vec::new()) };
        let start = (uid.to_string(), String::new(), String::new(), String::new());
        Ok(r.range(start..).take_while(|((u, ..), _)| u == uid).map(|(_, v)| v.clone()).collect())
    }

    fn delete_replies(&mut self, user: &str, uid: &str) -> InfraResult<()> {
        if self.replies(user, uid)?.is_empty() {
            return Ok(());
        }
        let replies = &mut self.st_mut()?.replies;
        if let Some(r) = replies.get_mut(user) {
            remove_where(r, |(u, ..), _| u == uid);
            if r.is_empty() {
                replies.remove(user);
            }
        }
        Ok(())
    }

    fn dequeue_request(
        &mut self,
        user: &str,
        uid: &str,
        instance: &Instance,
        kind: Option<RequestKind>,
    ) -> InfraResult<()> {
        let (rid, kind) = (instance.key(), kind.map(RequestKind::as_str));
        if !self.st().requests.contains_key(user) {
            return Ok(());
        }
        let requests = &mut self.st_mut()?.requests;
        if let Some(q) = requests.get_mut(user) {
            let gone: Vec<_> = q
                .iter()
                .filter(|(u, r, k)| u == uid && r == rid && kind.is_none_or(|kind| k == kind))
                .cloned()
                .collect();
            for entry in &gone {
                q.remove(entry);
            }
            if q.is_empty() {
                requests.remove(user);
            }
        }
        Ok(())
    }

    fn requests(&self, user: &str) -> InfraResult<Vec<RequestEntry>> {
        Ok(self
            .st()
            .requests
            .get(user)
            .map(|q| {
                q.iter()
                    .map(|(uid, rid, kind)| RequestEntry {
                        uid: uid.clone(),
                        instance: Instance::from_key(rid),
                        kind: RequestKind::parse(kind),
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    fn busy(
        &self,
        set: &FbSet,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> InfraResult<Vec<BusyPeriod>> {
        Ok(self
            .st()
            .fb
            .get(&set_key(set))
            .map(|ps| ps.touching(ts(start), ts(end)).cloned().collect())
            .unwrap_or_default())
    }

    fn busy_all(&self, set: &FbSet) -> InfraResult<Vec<BusyPeriod>> {
        let Some(ps) = self.st().fb.get(&set_key(set)) else { return Ok(Vec::new()) };
        // ORDER BY start, uid; the sort is stable, so equal (start, uid)
        // stay in insertion order.
        let mut all: Vec<BusyPeriod> = ps.iter().cloned().collect();
        all.sort_by(|a, b| (a.start, &a.uid).cmp(&(b.start, &b.uid)));
        Ok(all)
    }

    fn busy_for_uid(
        &self,
        set: &FbSet,
        uid: &str,
        rid: Option<&str>,
    ) -> InfraResult<Vec<BusyPeriod>> {
        let Some(ps) = self.st().fb.get(&set_key(set)) else { return Ok(Vec::new()) };
        Ok(ps.iter().filter(|p| p.uid == uid && rid.is_none_or(|r| p.rid == r)).cloned().collect())
    }

    fn add_busy(&mut self, set: &FbSet, periods: &[BusyPeriod]) -> InfraResult<()> {
        if periods.is_empty() {
            return Ok(());
        }
        let key = set_key(set);
        let State { fb, fb_changes, next_period, .. } = self.st_mut()?;
        let ps = fb.entry(key.clone()).or_default();
        for p in periods {
            ps.insert(*next_period, p);
            *next_period += 1;
        }
        bump(fb_changes, &key.0, &key.1, periods.len());
        Ok(())
    }

    fn remove_busy_for_uid(
        &mut self,
        set: &FbSet,
        uid: &str,
        rid: Option<&str>,
    ) -> InfraResult<usize> {
        self.change_set(set, |ps| {
            ps.remove_where(|p| p.uid == uid && rid.is_none_or(|r| p.rid == r))
        })
    }

    fn remove_busy_in(
        &mut self,
        set: &FbSet,
        window: Option<(DateTime<Utc>, DateTime<Utc>)>,
    ) -> InfraResult<usize> {
        // Strict overlap (start < end of window, end > start of window):
        // unlike `busy`, periods only touching the window stay.
        let window = window.map(|(s, e)| (ts(s), ts(e)));
        self.change_set(set, |ps| {
            ps.remove_where(|p| window.is_none_or(|(s, e)| ts(p.start) < e && ts(p.end) > s))
        })
    }

    fn purge_expired(&mut self, set: &FbSet, now: DateTime<Utc>) -> InfraResult<usize> {
        let now = ts(now);
        self.change_set(set, |ps| ps.remove_where(|p| p.expires.is_some_and(|x| ts(x) <= now)))
    }

    fn expire_busy(&mut self, kind: &str, before: DateTime<Utc>) -> InfraResult<usize> {
        let before = ts(before);
        let sets: Vec<SetKey> = self
            .st()
            .fb
            .iter()
            .filter(|((_, k, _), ps)| k == kind && ps.iter().any(|p| ts(p.end) < before))
            .map(|(key, _)| key.clone())
            .collect();
        if sets.is_empty() {
            return Ok(0);
        }
        let State { fb, fb_changes, .. } = self.st_mut()?;
        let mut total = 0;
        for key in sets {
            if let Some(ps) = fb.get_mut(&key) {
                let n = ps.remove_where(|p| ts(p.end) < before);
                bump(fb_changes, &key.0, &key.1, n);
                total += n;
            }
        }
        Ok(total)
    }

    fn sets_of_kind(&self, kind: &str) -> InfraResult<Vec<(String, String)>> {
        // Keys are (owner, kind, other): filtered by kind they come out by
        // owner, then other.
        Ok(self
            .st()
            .fb
            .keys()
            .filter(|(_, k, _)| k == kind)
            .map(|(owner, _, other)| (owner.clone(), other.clone()))
            .collect())
    }

    fn other_sets(&self, user: &str) -> InfraResult<Vec<String>> {
        Ok(self
            .st()
            .fb
            .range(k3(user, "other", "")..)
            .take_while(|((owner, kind, _), _)| owner == user && kind == "other")
            .map(|((_, _, other), _)| other.clone())
            .collect())
    }

    fn change_stamps(&self) -> InfraResult<Vec<(String, i64)>> {
        Ok(self.st().fb_changes.iter().map(|(o, s)| (o.clone(), *s)).collect())
    }

    fn add_provider(&mut self, owner: &str, uid: &str) -> InfraResult<()> {
        self.st_mut()?.providers.entry(owner.to_string()).or_default().insert(k2(uid, ""));
        Ok(())
    }

    fn remove_provider(&mut self, owner: &str, uid: &str) -> InfraResult<()> {
        let key = k2(uid, "");
        if !self.st().providers.get(owner).is_some_and(|p| p.contains(&key)) {
            return Ok(());
        }
        let providers = &mut self.st_mut()?.providers;
        if let Some(p) = providers.get_mut(owner) {
            p.remove(&key);
            // SELECT DISTINCT owner FROM providers: an owner with none left is gone.
            if p.is_empty() {
                providers.remove(owner);
            }
        }
        Ok(())
    }

    fn providers(&self, owner: &str) -> InfraResult<Vec<String>> {
        Ok(self
            .st()
            .providers
            .get(owner)
            .map(|p| p.iter().map(|(uid, _)| uid.clone()).collect())
            .unwrap_or_default())
    }

    fn provider_owners(&self) -> InfraResult<Vec<String>> {
        Ok(self.st().providers.keys().cloned().collect())
    }

    fn provider_horizon(&self, owner: &str) -> InfraResult<Option<DateTime<Utc>>> {
        Ok(self.st().horizons.get(owner).copied().map(from_ts))
    }

    fn set_provider_horizon(&mut self, owner: &str, until: DateTime<Utc>) -> InfraResult<()> {
        self.st_mut()?.horizons.insert(owner.to_string(), ts(until));
        Ok(())
    }

    fn add_run(&mut self, run: &RunRecord) -> InfraResult<()> {
        let runs = &mut self.st_mut()?.runs;
        let id = next_id(runs.keys().next_back().copied());
        runs.insert(id, RunRecord { id, ..run.clone() });
        Ok(())
    }

    fn runs(&self, f: &RunFilter) -> InfraResult<Vec<RunRecord>> {
        // LIMIT of `limit as i64`: 0 means 100, and a limit beyond i64 turns
        // negative there, which SQLite reads as no limit.
        let limit = if f.limit == 0 { 100 } else { f.limit };
        let limit = if i64::try_from(limit).is_ok() { limit } else { usize::MAX };
        Ok(self
            .st()
            .runs
            .values()
            .rev()
            .filter(|r| {
                f.program.as_ref().is_none_or(|p| &r.program == p)
                    && f.since.is_none_or(|s| r.started >= s)
                    && f.exit_status.is_none_or(|x| r.exit_status == x)
                    && f.message_id.as_ref().is_none_or(|m| r.message_id.contains(m.as_str()))
                    && f.recipient.as_ref().is_none_or(|m| r.recipients.contains(m.as_str()))
            })
            .take(limit)
            .cloned()
            .collect())
    }

    fn prune_runs(&mut self, before: DateTime<Utc>) -> InfraResult<usize> {
        let before = ts(before);
        if !self.st().runs.values().any(|r| r.started < before) {
            return Ok(0);
        }
        Ok(remove_where(&mut self.st_mut()?.runs, |_, r| r.started < before))
    }

    fn processed(&self, key: &str, recipient: &str, agent: &str) -> InfraResult<Option<Processed>> {
        Ok(self.st().processed.get(&k3(key, recipient, agent)).cloned())
    }

    fn put_processed(&mut self, p: &Processed) -> InfraResult<()> {
        self.st_mut()?.processed.insert(k3(&p.message_key, &p.recipient, &p.agent), p.clone());
        Ok(())
    }

    fn mark_sent(
        &mut self,
        key: &str,
        recipient: &str,
        agent: &str,
        count: usize,
    ) -> InfraResult<()> {
        let key = k3(key, recipient, agent);
        if !self.st().processed.contains_key(&key) {
            return Ok(());
        }
        if let Some(p) = self.st_mut()?.processed.get_mut(&key) {
            // Never lowered; sent once all of the outbox went out.
            p.sent_count = p.sent_count.max(count);
            p.sent = p.sent || p.sent_count >= p.outbox.len();
            if p.sent {
                p.outbox.clear();
            }
        }
        Ok(())
    }

    fn unsent(&self, agent: &str) -> InfraResult<Vec<Processed>> {
        let mut out: Vec<Processed> =
            self.st().processed.values().filter(|p| p.agent == agent && !p.sent).cloned().collect();
        out.sort_by(|a, b| {
            (a.at, &a.message_key, &a.recipient).cmp(&(b.at, &b.message_key, &b.recipient))
        });
        Ok(out)
    }

    fn prune_processed(&mut self, before: DateTime<Utc>) -> InfraResult<usize> {
        let before = ts(before);
        if !self.st().processed.values().any(|p| p.at < before) {
            return Ok(0);
        }
        Ok(remove_where(&mut self.st_mut()?.processed, |_, p| p.at < before))
    }

    fn add_decision(&mut self, d: &DecisionRecord) -> InfraResult<()> {
        let st = self.st_mut()?;
        let id = next_id(Some(st.last_decision));
        st.last_decision = id;
        st.decisions.insert((d.resource.clone(), id), DecisionRecord { id, ..d.clone() });
        Ok(())
    }

    fn decisions(&self, resource: &str, limit: usize) -> InfraResult<Vec<DecisionRecord>> {
        // LIMIT max(limit, 1): asking for none still gives the latest.
        let from = (resource.to_string(), i64::MIN);
        let to = (resource.to_string(), i64::MAX);
        Ok(self
            .st()
            .decisions
            .range(from..=to)
            .rev()
            .take(limit.max(1))
            .map(|(_, d)| d.clone())
            .collect())
    }

    fn kv_get(&self, ns: &str, key: &str) -> InfraResult<Option<String>> {
        Ok(self.st().kv.get(ns).and_then(|n| n.get(key)).cloned())
    }

    fn kv_put(&mut self, ns: &str, key: &str, value: &str) -> InfraResult<()> {
        self.st_mut()?
            .kv
            .entry(ns.to_string())
            .or_default()
            .insert(key.to_string(), value.to_string());
        Ok(())
    }

    fn kv_delete(&mut self, ns: &str, key: &str) -> InfraResult<bool> {
        if self.kv_get(ns, key)?.is_none() {
            return Ok(false);
        }
        let kv = &mut self.st_mut()?.kv;
        let removed = kv.get_mut(ns).and_then(|n| n.remove(key)).is_some();
        if kv.get(ns).is_some_and(|n| n.is_empty()) {
            kv.remove(ns);
        }
        Ok(removed)
    }

    fn kv_list(&self, ns: &str, prefix: &str) -> InfraResult<Vec<(String, String)>> {
        let Some(n) = self.st().kv.get(ns) else { return Ok(Vec::new()) };
        Ok(n.range::<_, str>((std::ops::Bound::Included(prefix), std::ops::Bound::Unbounded))
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }
}
