//! [`StoreTx`] over a rusqlite transaction. Performs I/O on the database.

use crate::error::InfraResult;
use crate::freebusy::{BusyPeriod, FbSet};
use crate::ical::Instance;
use crate::ical::Transp;
use crate::store::{
    DecisionRecord, ObjectStatus, OutboxMessage, Processed, ReplyKind, ReplyRecord, RequestEntry,
    RequestKind, RunFilter, RunRecord, StoreTx, StoredObject,
};
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, Transaction, params};

pub(super) struct SqliteTx<'c> {
    tx: Transaction<'c>,
    savepoint_depth: u32,
}

impl<'c> SqliteTx<'c> {
    pub(super) fn new(tx: Transaction<'c>) -> Self {
        SqliteTx { tx, savepoint_depth: 0 }
    }

    fn set_id(&self, set: &FbSet) -> InfraResult<Option<i64>> {
        let (owner, kind, other) = set.key();
        Ok(self
            .tx
            .prepare_cached("SELECT id FROM fb_sets WHERE owner = ?1 AND kind = ?2 AND other = ?3")?
            .query_row(params![owner, kind, other], |r| r.get(0))
            .optional()?)
    }

    /// Moves the change stamp of a collection's owner by `n` periods
    /// added or removed, for the collections others watch (own free/busy
    /// and offers: `StoreTx::change_stamps`).
    fn bump(&self, set: &FbSet, n: usize) -> InfraResult<()> {
        let (owner, kind, _) = set.key();
        if n > 0 && matches!(kind, "own" | "offer") {
            self.bump_owner(owner, n)?;
        }
        Ok(())
    }

    fn bump_owner(&self, owner: &str, n: usize) -> InfraResult<()> {
        if n == 0 {
            return Ok(());
        }
        self.tx
            .prepare_cached("INSERT INTO fb_changes(owner, stamp) VALUES (?1, ?2) ON CONFLICT(owner) DO UPDATE SET stamp = stamp + ?2")?
            .execute(params![owner, i64::try_from(n).unwrap_or(i64::MAX)])?;
        Ok(())
    }

    fn set_id_create(&mut self, set: &FbSet) -> InfraResult<i64> {
        if let Some(id) = self.set_id(set)? {
            return Ok(id);
        }
        let (owner, kind, other) = set.key();
        self.tx
            .prepare_cached("INSERT INTO fb_sets(owner, kind, other) VALUES (?1, ?2, ?3)")?
            .execute(params![owner, kind, other])?;
        Ok(self.tx.last_insert_rowid())
    }
}

fn ts(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

fn from_ts(v: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(v, 0).unwrap_or_default()
}

const PERIOD_COLS: &str =
    "p.start, p.\"end\", p.uid, p.rid, p.transp, p.summary, p.organizer, p.expires, p.attendee";

/// The overlap query of `busy` (?1 collection, ?2 start, ?3 end). The
/// R*Tree bounds are approximate (outward-rounded floats): the probe is
/// wide, the exact filter is on fb_periods. CROSS JOIN pins the R*Tree as
/// the outer loop: with a plain JOIN, SQLite 3.40's planner picks the
/// fb_periods_uid index on set_id instead, visiting every period of the
/// collection (linear in the store); the bundled 3.54 happens to choose
/// well, and the order is pinned so that no upgrade changes it.
pub(super) fn busy_sql() -> String {
    format!(
        "SELECT {PERIOD_COLS} FROM fb_rtree r CROSS JOIN fb_periods p ON p.id = r.id \
         WHERE r.set_lo <= ?1 AND r.set_hi >= ?1 AND r.t_lo <= ?3 AND r.t_hi >= ?2 \
         AND p.set_id = ?1 AND p.start <= ?3 AND p.\"end\" >= ?2 ORDER BY p.start"
    )
}

fn period_row(r: &Row<'_>) -> rusqlite::Result<BusyPeriod> {
    let transp: String = r.get(4)?;
    let expires: Option<i64> = r.get(7)?;
    Ok(BusyPeriod {
        start: from_ts(r.get(0)?),
        end: from_ts(r.get(1)?),
        uid: r.get(2)?,
        rid: r.get(3)?,
        transp: Transp::parse(&transp),
        summary: r.get(5)?,
        organizer: r.get(6)?,
        expires: expires.map(from_ts),
        attendee: r.get(8)?,
    })
}

fn object_row(r: &Row<'_>) -> rusqlite::Result<StoredObject> {
    let status: String = r.get(2)?;
    Ok(StoredObject {
        uid: r.get(0)?,
        instance: Instance::from_key(&r.get::<_, String>(1)?),
        status: ObjectStatus::parse(&status),
        text: r.get(3)?,
    })
}

fn run_row(r: &Row<'_>) -> rusqlite::Result<RunRecord> {
    Ok(RunRecord {
        id: r.get(0)?,
        started: r.get(1)?,
        program: r.get(2)?,
        message_id: r.get(3)?,
        message_key: r.get(4)?,
        sender: r.get(5)?,
        recipients: r.get(6)?,
        methods: r.get(7)?,
        outcome: r.get(8)?,
        exit_status: r.get(9)?,
        duration_us: r.get(10)?,
        log: r.get(11)?,
    })
}

fn decision_row(r: &Row<'_>) -> rusqlite::Result<DecisionRecord> {
    Ok(DecisionRecord {
        id: r.get(0)?,
        resource: r.get(1)?,
        at: r.get(2)?,
        uid: r.get(3)?,
        rid: r.get(4)?,
        organizer: r.get(5)?,
        method: r.get(6)?,
        decision: r.get(7)?,
        function: r.get(8)?,
        reason: r.get(9)?,
        reply: r.get(10)?,
    })
}

impl StoreTx for SqliteTx<'_> {
    fn commit(self: Box<Self>) -> InfraResult<()> {
        self.tx.commit()?;
        Ok(())
    }

    fn savepoint(&mut self) -> InfraResult<()> {
        self.savepoint_depth += 1;
        self.tx.execute_batch(&format!("SAVEPOINT sp{}", self.savepoint_depth))?;
        Ok(())
    }

    fn release_savepoint(&mut self) -> InfraResult<()> {
        if self.savepoint_depth > 0 {
            self.tx.execute_batch(&format!("RELEASE sp{}", self.savepoint_depth))?;
            self.savepoint_depth -= 1;
        }
        Ok(())
    }

    fn rollback_savepoint(&mut self) -> InfraResult<()> {
        if self.savepoint_depth > 0 {
            let n = self.savepoint_depth;
            self.tx.execute_batch(&format!("ROLLBACK TO sp{n}; RELEASE sp{n}"))?;
            self.savepoint_depth -= 1;
        }
        Ok(())
    }

    fn ensure_user(&mut self, uri: &str, kind: &str, now: DateTime<Utc>) -> InfraResult<()> {
        self.tx
            .prepare_cached("INSERT INTO users(uri, kind, created) VALUES (?1, ?2, ?3) ON CONFLICT(uri) DO UPDATE SET kind = CASE WHEN users.kind = '' THEN excluded.kind ELSE users.kind END")?
            .execute(params![uri, kind, ts(now)])?;
        Ok(())
    }

    fn users(&self) -> InfraResult<Vec<(String, String)>> {
        let mut st = self.tx.prepare_cached("SELECT uri, kind FROM users ORDER BY uri")?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn delete_user(&mut self, uri: &str) -> InfraResult<()> {
        for sql in [
            "DELETE FROM users WHERE uri = ?1",
            "DELETE FROM prefs WHERE user = ?1",
            "DELETE FROM objects WHERE user = ?1",
            "DELETE FROM counters WHERE user = ?1",
            "DELETE FROM requests WHERE user = ?1",
            "DELETE FROM replies WHERE user = ?1",
            "DELETE FROM providers WHERE owner = ?1",
            "DELETE FROM provider_horizons WHERE owner = ?1",
        ] {
            self.tx.execute(sql, params![uri])?;
        }
        let watched: i64 = self.tx.query_row(
            "SELECT count(*) FROM fb_periods WHERE set_id IN (SELECT id FROM fb_sets WHERE owner = ?1 AND kind IN ('own', 'offer'))",
            params![uri],
            |r| r.get(0),
        )?;
        self.bump_owner(uri, usize::try_from(watched).unwrap_or(0))?;
        for sql in [
            "DELETE FROM fb_periods WHERE set_id IN (SELECT id FROM fb_sets WHERE owner = ?1)",
            "DELETE FROM fb_sets WHERE owner = ?1",
        ] {
            self.tx.execute(sql, params![uri])?;
        }
        Ok(())
    }

    fn pref(&self, user: &str, name: &str) -> InfraResult<Option<String>> {
        Ok(self
            .tx
            .prepare_cached("SELECT value FROM prefs WHERE user = ?1 AND name = ?2")?
            .query_row(params![user, name], |r| r.get(0))
            .optional()?)
    }

    fn prefs(&self, user: &str) -> InfraResult<Vec<(String, String)>> {
        let mut st = self
            .tx
            .prepare_cached("SELECT name, value FROM prefs WHERE user = ?1 ORDER BY name")?;
        let rows = st.query_map(params![user], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn set_pref(&mut self, user: &str, name: &str, value: &str) -> InfraResult<()> {
        self.tx
            .prepare_cached("INSERT INTO prefs(user, name, value) VALUES (?1, ?2, ?3) ON CONFLICT(user, name) DO UPDATE SET value = excluded.value")?
            .execute(params![user, name, value])?;
        Ok(())
    }

    fn unset_pref(&mut self, user: &str, name: &str) -> InfraResult<bool> {
        Ok(self
            .tx
            .prepare_cached("DELETE FROM prefs WHERE user = ?1 AND name = ?2")?
            .execute(params![user, name])?
            > 0)
    }

    fn object(
        &self,
        user: &str,
        uid: &str,
        instance: &Instance,
    ) -> InfraResult<Option<StoredObject>> {
        Ok(self
            .tx
            .prepare_cached("SELECT uid, rid, status, text FROM objects WHERE user = ?1 AND uid = ?2 AND rid = ?3")?
            .query_row(params![user, uid, instance.key()], object_row)
            .optional()?)
    }

    fn put_object(
        &mut self,
        user: &str,
        obj: &StoredObject,
        now: DateTime<Utc>,
    ) -> InfraResult<()> {
        self.tx
            .prepare_cached("INSERT INTO objects(user, uid, rid, status, text, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(user, uid, rid) DO UPDATE SET status = excluded.status, text = excluded.text, updated = excluded.updated")?
            .execute(params![
                user,
                obj.uid,
                obj.instance.key(),
                obj.status.as_str(),
                obj.text,
                ts(now)
            ])?;
        Ok(())
    }

    fn delete_object(&mut self, user: &str, uid: &str, instance: &Instance) -> InfraResult<()> {
        self.tx
            .prepare_cached("DELETE FROM objects WHERE user = ?1 AND uid = ?2 AND rid = ?3")?
            .execute(params![user, uid, instance.key()])?;
        Ok(())
    }

    fn occurrences(&self, user: &str, uid: &str) -> InfraResult<Vec<StoredObject>> {
        let mut st = self.tx.prepare_cached("SELECT uid, rid, status, text FROM objects WHERE user = ?1 AND uid = ?2 AND rid <> '' ORDER BY rid")?;
        let rows = st.query_map(params![user, uid], object_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn delete_occurrences(&mut self, user: &str, uid: &str) -> InfraResult<()> {
        self.tx
            .prepare_cached("DELETE FROM objects WHERE user = ?1 AND uid = ?2 AND rid <> ''")?
            .execute(params![user, uid])?;
        Ok(())
    }

    fn list_objects(
        &self,
        user: &str,
        status: Option<ObjectStatus>,
    ) -> InfraResult<Vec<StoredObject>> {
        let mut st = self.tx.prepare_cached(
            "SELECT uid, rid, status, text FROM objects WHERE user = ?1 AND (?2 IS NULL OR status = ?2) ORDER BY uid, rid",
        )?;
        let rows = st.query_map(params![user, status.map(ObjectStatus::as_str)], object_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn put_counter(
        &mut self,
        user: &str,
        uid: &str,
        instance: &Instance,
        attendee: &str,
        text: &str,
    ) -> InfraResult<()> {
        self.tx
            .prepare_cached("INSERT INTO counters(user, uid, rid, attendee, text) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(user, uid, rid, attendee) DO UPDATE SET text = excluded.text")?
            .execute(params![user, uid, instance.key(), attendee, text])?;
        Ok(())
    }

    fn counters(
        &self,
        user: &str,
        uid: &str,
        instance: &Instance,
    ) -> InfraResult<Vec<(String, String)>> {
        let mut st = self.tx.prepare_cached("SELECT attendee, text FROM counters WHERE user = ?1 AND uid = ?2 AND rid = ?3 ORDER BY attendee")?;
        let rows =
            st.query_map(params![user, uid, instance.key()], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn delete_counters(
        &mut self,
        user: &str,
        uid: &str,
        instance: &Instance,
        attendee: Option<&str>,
    ) -> InfraResult<()> {
        self.tx
            .prepare_cached("DELETE FROM counters WHERE user = ?1 AND uid = ?2 AND rid = ?3 AND (?4 IS NULL OR attendee = ?4)")?
            .execute(params![user, uid, instance.key(), attendee])?;
        Ok(())
    }

    fn queue_request(
        &mut self,
        user: &str,
        uid: &str,
        instance: &Instance,
        kind: RequestKind,
    ) -> InfraResult<()> {
        self.tx
            .prepare_cached(
                "INSERT OR IGNORE INTO requests(user, uid, rid, kind) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![user, uid, instance.key(), kind.as_str()])?;
        Ok(())
    }

    fn dequeue_request(
        &mut self,
        user: &str,
        uid: &str,
        instance: &Instance,
        kind: Option<RequestKind>,
    ) -> InfraResult<()> {
        self.tx
            .prepare_cached("DELETE FROM requests WHERE user = ?1 AND uid = ?2 AND rid = ?3 AND (?4 IS NULL OR kind = ?4)")?
            .execute(params![user, uid, instance.key(), kind.map(RequestKind::as_str)])?;
        Ok(())
    }

    fn requests(&self, user: &str) -> InfraResult<Vec<RequestEntry>> {
        let mut st = self.tx.prepare_cached(
            "SELECT uid, rid, kind FROM requests WHERE user = ?1 ORDER BY uid, rid, kind",
        )?;
        let rows = st.query_map(params![user], |r| {
            Ok(RequestEntry {
                uid: r.get(0)?,
                instance: Instance::from_key(&r.get::<_, String>(1)?),
                kind: RequestKind::parse(&r.get::<_, String>(2)?),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn put_reply(&mut self, user: &str, reply: &ReplyRecord) -> InfraResult<()> {
        self.tx
            .prepare_cached("INSERT INTO replies(user, uid, rid, attendee, kind, sequence, dtstamp, text) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(user, uid, rid, attendee, kind) DO UPDATE SET sequence = excluded.sequence, dtstamp = excluded.dtstamp, text = excluded.text")?
            .execute(params![
                user,
                reply.uid,
                reply.instance.key(),
                reply.attendee,
                reply.kind.as_str(),
                reply.sequence,
                reply.dtstamp,
                reply.text
            ])?;
        Ok(())
    }

    fn replies(&self, user: &str, uid: &str) -> InfraResult<Vec<ReplyRecord>> {
        let mut st = self.tx.prepare_cached("SELECT uid, rid, attendee, kind, sequence, dtstamp, text FROM replies WHERE user = ?1 AND uid = ?2 ORDER BY rid, attendee, kind")?;
        let rows = st.query_map(params![user, uid], |r| {
            Ok(ReplyRecord {
                uid: r.get(0)?,
                instance: Instance::from_key(&r.get::<_, String>(1)?),
                attendee: r.get(2)?,
                kind: ReplyKind::parse(&r.get::<_, String>(3)?),
                sequence: r.get(4)?,
                dtstamp: r.get(5)?,
                text: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn delete_replies(&mut self, user: &str, uid: &str) -> InfraResult<()> {
        self.tx
            .prepare_cached("DELETE FROM replies WHERE user = ?1 AND uid = ?2")?
            .execute(params![user, uid])?;
        Ok(())
    }

    fn busy(
        &self,
        set: &FbSet,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> InfraResult<Vec<BusyPeriod>> {
        let Some(id) = self.set_id(set)? else { return Ok(Vec::new()) };
        let sql = busy_sql();
        let mut st = self.tx.prepare_cached(&sql)?;
        let rows = st.query_map(params![id, ts(start), ts(end)], period_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn busy_all(&self, set: &FbSet) -> InfraResult<Vec<BusyPeriod>> {
        let Some(id) = self.set_id(set)? else { return Ok(Vec::new()) };
        let sql = format!(
            "SELECT {PERIOD_COLS} FROM fb_periods p WHERE p.set_id = ?1 ORDER BY p.start, p.uid"
        );
        let mut st = self.tx.prepare_cached(&sql)?;
        let rows = st.query_map(params![id], period_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn busy_for_uid(
        &self,
        set: &FbSet,
        uid: &str,
        rid: Option<&str>,
    ) -> InfraResult<Vec<BusyPeriod>> {
        let Some(id) = self.set_id(set)? else { return Ok(Vec::new()) };
        let sql = format!(
            "SELECT {PERIOD_COLS} FROM fb_periods p WHERE p.set_id = ?1 AND p.uid = ?2 AND (?3 IS NULL OR p.rid = ?3) ORDER BY p.start"
        );
        let mut st = self.tx.prepare_cached(&sql)?;
        let rows = st.query_map(params![id, uid, rid], period_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn add_busy(&mut self, set: &FbSet, periods: &[BusyPeriod]) -> InfraResult<()> {
        if periods.is_empty() {
            return Ok(());
        }
        let id = self.set_id_create(set)?;
        let mut st = self.tx.prepare_cached(
            "INSERT INTO fb_periods(set_id, start, \"end\", uid, rid, transp, summary, organizer, expires, attendee) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        for p in periods {
            st.execute(params![
                id,
                ts(p.start),
                ts(p.end),
                p.uid,
                p.rid,
                p.transp.as_str(),
                p.summary,
                p.organizer,
                p.expires.map(ts),
                p.attendee
            ])?;
        }
        drop(st);
        self.bump(set, periods.len())
    }

    fn remove_busy_for_uid(
        &mut self,
        set: &FbSet,
        uid: &str,
        rid: Option<&str>,
    ) -> InfraResult<usize> {
        let Some(id) = self.set_id(set)? else { return Ok(0) };
        let n = self
            .tx
            .prepare_cached("DELETE FROM fb_periods WHERE set_id = ?1 AND uid = ?2 AND (?3 IS NULL OR rid = ?3)")?
            .execute(params![id, uid, rid])?;
        self.bump(set, n)?;
        Ok(n)
    }

    fn remove_busy_in(
        &mut self,
        set: &FbSet,
        window: Option<(DateTime<Utc>, DateTime<Utc>)>,
    ) -> InfraResult<usize> {
        let Some(id) = self.set_id(set)? else { return Ok(0) };
        let n = match window {
            Some((s, e)) => self
                .tx
                .prepare_cached(
                    "DELETE FROM fb_periods WHERE set_id = ?1 AND start < ?3 AND \"end\" > ?2",
                )?
                .execute(params![id, ts(s), ts(e)])?,
            None => self
                .tx
                .prepare_cached("DELETE FROM fb_periods WHERE set_id = ?1")?
                .execute(params![id])?,
        };
        self.bump(set, n)?;
        Ok(n)
    }

    fn purge_expired(&mut self, set: &FbSet, now: DateTime<Utc>) -> InfraResult<usize> {
        let Some(id) = self.set_id(set)? else { return Ok(0) };
        let n = self
            .tx
            .prepare_cached("DELETE FROM fb_periods WHERE set_id = ?1 AND expires IS NOT NULL AND expires <= ?2")?
            .execute(params![id, ts(now)])?;
        self.bump(set, n)?;
        Ok(n)
    }

    fn expire_busy(&mut self, kind: &str, before: DateTime<Utc>) -> InfraResult<usize> {
        if matches!(kind, "own" | "offer") {
            let mut st = self.tx.prepare_cached("SELECT s.owner, count(*) FROM fb_periods p JOIN fb_sets s ON s.id = p.set_id WHERE p.\"end\" < ?1 AND s.kind = ?2 GROUP BY s.owner")?;
            let counts: Vec<(String, i64)> = st
                .query_map(params![ts(before), kind], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            drop(st);
            for (owner, n) in counts {
                self.bump_owner(&owner, usize::try_from(n).unwrap_or(0))?;
            }
        }
        Ok(self
            .tx
            .prepare_cached("DELETE FROM fb_periods WHERE \"end\" < ?1 AND set_id IN (SELECT id FROM fb_sets WHERE kind = ?2)")?
            .execute(params![ts(before), kind])?)
    }

    fn sets_of_kind(&self, kind: &str) -> InfraResult<Vec<(String, String)>> {
        let mut st = self.tx.prepare_cached(
            "SELECT owner, other FROM fb_sets WHERE kind = ?1 ORDER BY owner, other",
        )?;
        let rows = st.query_map(params![kind], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn other_sets(&self, user: &str) -> InfraResult<Vec<String>> {
        let mut st = self.tx.prepare_cached(
            "SELECT other FROM fb_sets WHERE owner = ?1 AND kind = 'other' ORDER BY other",
        )?;
        let rows = st.query_map(params![user], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn change_stamps(&self) -> InfraResult<Vec<(String, i64)>> {
        let mut st =
            self.tx.prepare_cached("SELECT owner, stamp FROM fb_changes ORDER BY owner")?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    // Providers are whole events: the rid column (always '') is kept from
    // imip-agent 0.3's layout.
    fn add_provider(&mut self, owner: &str, uid: &str) -> InfraResult<()> {
        self.tx
            .prepare_cached("INSERT OR IGNORE INTO providers(owner, uid, rid) VALUES (?1, ?2, '')")?
            .execute(params![owner, uid])?;
        Ok(())
    }

    fn remove_provider(&mut self, owner: &str, uid: &str) -> InfraResult<()> {
        self.tx
            .prepare_cached("DELETE FROM providers WHERE owner = ?1 AND uid = ?2")?
            .execute(params![owner, uid])?;
        Ok(())
    }

    fn providers(&self, owner: &str) -> InfraResult<Vec<String>> {
        let mut st = self
            .tx
            .prepare_cached("SELECT DISTINCT uid FROM providers WHERE owner = ?1 ORDER BY uid")?;
        let rows = st.query_map(params![owner], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn provider_owners(&self) -> InfraResult<Vec<String>> {
        let mut st =
            self.tx.prepare_cached("SELECT DISTINCT owner FROM providers ORDER BY owner")?;
        let rows = st.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn provider_horizon(&self, owner: &str) -> InfraResult<Option<DateTime<Utc>>> {
        let v: Option<i64> = self
            .tx
            .prepare_cached("SELECT horizon FROM provider_horizons WHERE owner = ?1")?
            .query_row(params![owner], |r| r.get(0))
            .optional()?;
        Ok(v.map(from_ts))
    }

    fn set_provider_horizon(&mut self, owner: &str, until: DateTime<Utc>) -> InfraResult<()> {
        self.tx
            .prepare_cached("INSERT INTO provider_horizons(owner, horizon) VALUES (?1, ?2) ON CONFLICT(owner) DO UPDATE SET horizon = excluded.horizon")?
            .execute(params![owner, ts(until)])?;
        Ok(())
    }

    fn add_run(&mut self, run: &RunRecord) -> InfraResult<()> {
        self.tx
            .prepare_cached("INSERT INTO runs(started, program, message_id, message_key, sender, recipients, methods, outcome, exit_status, duration_us, log) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)")?
            .execute(params![
                run.started,
                run.program,
                run.message_id,
                run.message_key,
                run.sender,
                run.recipients,
                run.methods,
                run.outcome,
                run.exit_status,
                run.duration_us,
                run.log
            ])?;
        Ok(())
    }

    fn runs(&self, f: &RunFilter) -> InfraResult<Vec<RunRecord>> {
        let limit = if f.limit == 0 { 100 } else { f.limit } as i64;
        let mut st = self.tx.prepare_cached(
            "SELECT id, started, program, message_id, message_key, sender, recipients, methods, outcome, exit_status, duration_us, log FROM runs \
             WHERE (?1 IS NULL OR program = ?1) AND (?2 IS NULL OR started >= ?2) AND (?3 IS NULL OR exit_status = ?3) \
             AND (?4 IS NULL OR instr(message_id, ?4) > 0) AND (?5 IS NULL OR instr(recipients, ?5) > 0) ORDER BY id DESC LIMIT ?6",
        )?;
        let rows = st.query_map(
            params![f.program, f.since, f.exit_status, f.message_id, f.recipient, limit],
            run_row,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn prune_runs(&mut self, before: DateTime<Utc>) -> InfraResult<usize> {
        Ok(self
            .tx
            .prepare_cached("DELETE FROM runs WHERE started < ?1")?
            .execute(params![ts(before)])?)
    }

    fn processed(&self, key: &str, recipient: &str, agent: &str) -> InfraResult<Option<Processed>> {
        let head: Option<(i64, String, bool, i64)> = self
            .tx
            .prepare_cached("SELECT at, notes, sent, sent_count FROM processed WHERE message_key = ?1 AND recipient = ?2 AND agent = ?3")?
            .query_row(params![key, recipient, agent], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, i64>(3)?))
            })
            .optional()?;
        let Some((at, notes, sent, sent_count)) = head else { return Ok(None) };
        let mut st = self.tx.prepare_cached(
            "SELECT kind, sender, recipients, label, bytes FROM processed_outbox WHERE message_key = ?1 AND recipient = ?2 AND agent = ?3 ORDER BY seq",
        )?;
        let outbox = st
            .query_map(params![key, recipient, agent], |r| {
                let to: String = r.get(2)?;
                Ok(OutboxMessage {
                    kind: r.get(0)?,
                    from: r.get(1)?,
                    to: to.split_whitespace().map(str::to_string).collect(),
                    label: r.get(3)?,
                    bytes: r.get(4)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(Some(Processed {
            message_key: key.into(),
            recipient: recipient.into(),
            agent: agent.into(),
            at,
            notes,
            sent,
            sent_count: usize::try_from(sent_count).unwrap_or(0),
            outbox,
        }))
    }

    fn put_processed(&mut self, p: &Processed) -> InfraResult<()> {
        self.tx
            .prepare_cached("INSERT OR REPLACE INTO processed(message_key, recipient, agent, at, notes, sent, sent_count) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?
            .execute(params![p.message_key, p.recipient, p.agent, p.at, p.notes, p.sent, p.sent_count as i64])?;
        self.tx
            .prepare_cached("DELETE FROM processed_outbox WHERE message_key = ?1 AND recipient = ?2 AND agent = ?3")?
            .execute(params![p.message_key, p.recipient, p.agent])?;
        let mut st = self.tx.prepare_cached(
            "INSERT INTO processed_outbox(message_key, recipient, agent, seq, kind, sender, recipients, label, bytes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        for (i, m) in p.outbox.iter().enumerate() {
            st.execute(params![
                p.message_key,
                p.recipient,
                p.agent,
                i as i64,
                m.kind,
                m.from,
                m.to.join(" "),
                m.label,
                m.bytes
            ])?;
        }
        Ok(())
    }

    fn mark_sent(
        &mut self,
        key: &str,
        recipient: &str,
        agent: &str,
        count: usize,
    ) -> InfraResult<()> {
        // Both right-hand sides see the old sent_count: MAX keeps a later,
        // smaller report (a replay's) from lowering what an earlier run did.
        self.tx
            .prepare_cached(
                "UPDATE processed SET sent_count = MAX(sent_count, ?4), \
                 sent = sent OR MAX(sent_count, ?4) >= (SELECT COUNT(*) FROM processed_outbox o \
                 WHERE o.message_key = ?1 AND o.recipient = ?2 AND o.agent = ?3) \
                 WHERE message_key = ?1 AND recipient = ?2 AND agent = ?3",
            )?
            .execute(params![key, recipient, agent, i64::try_from(count).unwrap_or(i64::MAX)])?;
        // Everything went out: the messages need not be kept (a mailbox
        // copy is as large as the message) for the marker's lifetime.
        self.tx
            .prepare_cached(
                "DELETE FROM processed_outbox WHERE message_key = ?1 AND recipient = ?2 AND agent = ?3 \
                 AND EXISTS (SELECT 1 FROM processed p WHERE p.message_key = ?1 AND p.recipient = ?2 \
                 AND p.agent = ?3 AND p.sent)",
            )?
            .execute(params![key, recipient, agent])?;
        Ok(())
    }

    fn unsent(&self, agent: &str) -> InfraResult<Vec<Processed>> {
        let keys: Vec<(String, String)> = self
            .tx
            .prepare_cached(
                "SELECT message_key, recipient FROM processed WHERE agent = ?1 AND NOT sent ORDER BY at, message_key, recipient",
            )?
            .query_map(params![agent], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::with_capacity(keys.len());
        for (k, r) in keys {
            if let Some(p) = self.processed(&k, &r, agent)? {
                out.push(p);
            }
        }
        Ok(out)
    }

    fn prune_processed(&mut self, before: DateTime<Utc>) -> InfraResult<usize> {
        let n = self
            .tx
            .prepare_cached("DELETE FROM processed WHERE at < ?1")?
            .execute(params![ts(before)])?;
        self.tx.execute(
            "DELETE FROM processed_outbox WHERE NOT EXISTS (SELECT 1 FROM processed p WHERE p.message_key = processed_outbox.message_key AND p.recipient = processed_outbox.recipient AND p.agent = processed_outbox.agent)",
            [],
        )?;
        Ok(n)
    }

    fn add_decision(&mut self, d: &DecisionRecord) -> InfraResult<()> {
        self.tx
            .prepare_cached("INSERT INTO decisions(resource, at, uid, rid, organizer, method, decision, function, reason, reply) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)")?
            .execute(params![d.resource, d.at, d.uid, d.rid, d.organizer, d.method, d.decision, d.function, d.reason, d.reply])?;
        Ok(())
    }

    fn decisions(&self, resource: &str, limit: usize) -> InfraResult<Vec<DecisionRecord>> {
        let mut st = self.tx.prepare_cached(
            "SELECT id, resource, at, uid, rid, organizer, method, decision, function, reason, reply FROM decisions WHERE resource = ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = st.query_map(params![resource, limit.max(1) as i64], decision_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn kv_get(&self, ns: &str, key: &str) -> InfraResult<Option<String>> {
        Ok(self
            .tx
            .prepare_cached("SELECT value FROM kv WHERE ns = ?1 AND key = ?2")?
            .query_row(params![ns, key], |r| r.get(0))
            .optional()?)
    }

    fn kv_put(&mut self, ns: &str, key: &str, value: &str) -> InfraResult<()> {
        self.tx
            .prepare_cached("INSERT INTO kv(ns, key, value) VALUES (?1, ?2, ?3) ON CONFLICT(ns, key) DO UPDATE SET value = excluded.value")?
            .execute(params![ns, key, value])?;
        Ok(())
    }

    fn kv_delete(&mut self, ns: &str, key: &str) -> InfraResult<bool> {
        Ok(self
            .tx
            .prepare_cached("DELETE FROM kv WHERE ns = ?1 AND key = ?2")?
            .execute(params![ns, key])?
            > 0)
    }

    fn kv_list(&self, ns: &str, prefix: &str) -> InfraResult<Vec<(String, String)>> {
        let mut st = self.tx.prepare_cached("SELECT key, value FROM kv WHERE ns = ?1 AND substr(key, 1, length(?2)) = ?2 ORDER BY key")?;
        let rows = st.query_map(params![ns, prefix], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
