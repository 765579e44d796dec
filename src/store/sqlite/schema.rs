//! Versioned schema migrations, tracked in `PRAGMA user_version`. Each step
//! runs in its own `BEGIN IMMEDIATE` transaction so that two processes
//! opening a new store at once do not both migrate. Performs I/O on the
//! database.

use crate::error::{InfraError, InfraResult};
use rusqlite::{Connection, TransactionBehavior};

/// Migration steps; step `i` takes the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: the store of issue 3.
    r#"
CREATE TABLE users(uri TEXT PRIMARY KEY, kind TEXT NOT NULL DEFAULT '', created INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE prefs(user TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(user, name)) WITHOUT ROWID;
CREATE TABLE objects(user TEXT NOT NULL, uid TEXT NOT NULL, rid TEXT NOT NULL, status TEXT NOT NULL,
    text TEXT NOT NULL, updated INTEGER NOT NULL, PRIMARY KEY(user, uid, rid)) WITHOUT ROWID;
CREATE TABLE counters(user TEXT NOT NULL, uid TEXT NOT NULL, rid TEXT NOT NULL, attendee TEXT NOT NULL,
    text TEXT NOT NULL, PRIMARY KEY(user, uid, rid, attendee)) WITHOUT ROWID;
CREATE TABLE requests(user TEXT NOT NULL, uid TEXT NOT NULL, rid TEXT NOT NULL, kind TEXT NOT NULL,
    PRIMARY KEY(user, uid, rid, kind)) WITHOUT ROWID;
CREATE TABLE fb_sets(id INTEGER PRIMARY KEY, owner TEXT NOT NULL, kind TEXT NOT NULL, other TEXT NOT NULL,
    UNIQUE(owner, kind, other));
CREATE TABLE fb_periods(id INTEGER PRIMARY KEY, set_id INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
    uid TEXT NOT NULL, rid TEXT NOT NULL, transp TEXT NOT NULL, summary TEXT NOT NULL, organizer TEXT NOT NULL,
    expires INTEGER, attendee TEXT NOT NULL);
CREATE INDEX fb_periods_uid ON fb_periods(set_id, uid, rid);
CREATE INDEX fb_periods_expires ON fb_periods(set_id, expires) WHERE expires IS NOT NULL;
-- An R*Tree over (collection, time) keeps overlap queries logarithmic
-- however many periods a store holds. Its 32-bit float bounds are rounded
-- outwards, so it is a superset filter; exact bounds are in fb_periods.
CREATE VIRTUAL TABLE fb_rtree USING rtree(id, set_lo, set_hi, t_lo, t_hi);
CREATE TRIGGER fb_periods_ins AFTER INSERT ON fb_periods BEGIN
    INSERT INTO fb_rtree VALUES (new.id, new.set_id, new.set_id, new.start, new."end");
END;
CREATE TRIGGER fb_periods_del AFTER DELETE ON fb_periods BEGIN
    DELETE FROM fb_rtree WHERE id = old.id;
END;
CREATE TABLE providers(owner TEXT NOT NULL, uid TEXT NOT NULL, rid TEXT NOT NULL, PRIMARY KEY(owner, uid, rid)) WITHOUT ROWID;
CREATE TABLE provider_horizons(owner TEXT PRIMARY KEY, horizon INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE runs(id INTEGER PRIMARY KEY, started INTEGER NOT NULL, program TEXT NOT NULL, message_id TEXT NOT NULL,
    message_key TEXT NOT NULL, sender TEXT NOT NULL, recipients TEXT NOT NULL, methods TEXT NOT NULL,
    outcome TEXT NOT NULL, exit_status INTEGER NOT NULL, duration_us INTEGER NOT NULL, log TEXT NOT NULL);
CREATE INDEX runs_started ON runs(started);
CREATE TABLE processed(message_key TEXT NOT NULL, recipient TEXT NOT NULL, agent TEXT NOT NULL, at INTEGER NOT NULL,
    notes TEXT NOT NULL, sent INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(message_key, recipient, agent)) WITHOUT ROWID;
CREATE INDEX processed_at ON processed(at);
CREATE TABLE processed_outbox(message_key TEXT NOT NULL, recipient TEXT NOT NULL, agent TEXT NOT NULL, seq INTEGER NOT NULL,
    kind TEXT NOT NULL, sender TEXT NOT NULL, recipients TEXT NOT NULL, label TEXT NOT NULL, bytes BLOB NOT NULL,
    PRIMARY KEY(message_key, recipient, agent, seq)) WITHOUT ROWID;
CREATE TABLE decisions(id INTEGER PRIMARY KEY, resource TEXT NOT NULL, at INTEGER NOT NULL, uid TEXT NOT NULL,
    rid TEXT NOT NULL, organizer TEXT NOT NULL, method TEXT NOT NULL, decision TEXT NOT NULL, function TEXT NOT NULL,
    reason TEXT NOT NULL, reply TEXT NOT NULL);
CREATE INDEX decisions_resource ON decisions(resource, at);
CREATE TABLE kv(ns TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(ns, key)) WITHOUT ROWID;
"#,
    // 2: a change stamp per user, bumped by every insert, update or delete
    // of a period in the user's own free/busy or offers, whichever process
    // makes it. Calendar agents on a facilitator poll this small table to
    // tell subscribers that someone's free/busy changed (docs/oaa-calendar.md);
    // SQL triggers keep it right without touching the write paths.
    r#"
CREATE TABLE fb_changes(owner TEXT PRIMARY KEY, stamp INTEGER NOT NULL) WITHOUT ROWID;
CREATE TRIGGER fb_changes_ins AFTER INSERT ON fb_periods BEGIN
    INSERT INTO fb_changes(owner, stamp)
        SELECT owner, 1 FROM fb_sets WHERE id = new.set_id AND kind IN ('own', 'offer')
        ON CONFLICT(owner) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER fb_changes_del AFTER DELETE ON fb_periods BEGIN
    INSERT INTO fb_changes(owner, stamp)
        SELECT owner, 1 FROM fb_sets WHERE id = old.set_id AND kind IN ('own', 'offer')
        ON CONFLICT(owner) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER fb_changes_upd AFTER UPDATE ON fb_periods BEGIN
    INSERT INTO fb_changes(owner, stamp)
        SELECT owner, 1 FROM fb_sets WHERE id IN (old.set_id, new.set_id) AND kind IN ('own', 'offer')
        ON CONFLICT(owner) DO UPDATE SET stamp = stamp + 1;
END;
"#,
    // 3: how many of a marker's outbox messages went out, in order, so that a
    // retry after a partial failure sends only the rest.
    r#"
ALTER TABLE processed ADD COLUMN sent_count INTEGER NOT NULL DEFAULT 0;
"#,
    // 4: each attendee's last answer per instance of an organiser's event,
    // so that replies are ordered per attendee (RFC 5546 §2.1.5) and applied
    // again when the organiser's own copy arrives after them.
    r#"
CREATE TABLE replies(user TEXT NOT NULL, uid TEXT NOT NULL, rid TEXT NOT NULL, attendee TEXT NOT NULL,
    kind TEXT NOT NULL, sequence INTEGER NOT NULL, dtstamp INTEGER, text TEXT NOT NULL,
    PRIMARY KEY(user, uid, rid, attendee, kind)) WITHOUT ROWID;
"#,
    // 5: change stamps bumped by the store code once per statement (by the
    // number of periods it changed, as the triggers of migration 2 did one
    // row at a time): the per-row triggers took three quarters of the write
    // lock when a message books 10,000 occurrences (issue 12).
    r#"
DROP TRIGGER IF EXISTS fb_changes_ins;
DROP TRIGGER IF EXISTS fb_changes_del;
DROP TRIGGER IF EXISTS fb_changes_upd;
"#,
];

/// The schema version this program writes.
pub const CURRENT_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the schema up to date.
pub fn migrate(conn: &mut Connection) -> InfraResult<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version == CURRENT_VERSION {
        return Ok(());
    }
    if version > CURRENT_VERSION {
        return Err(InfraError::Store(format!(
            "store schema version {version} is newer than this program's {CURRENT_VERSION}; upgrade the program"
        )));
    }
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Another process may have migrated while we waited for the lock.
        let v: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if v >= CURRENT_VERSION {
            tx.commit()?;
            return Ok(());
        }
        let step = MIGRATIONS.get(usize::try_from(v).unwrap_or(0)).copied().unwrap_or("");
        tx.execute_batch(step)?;
        tx.execute_batch(&format!("PRAGMA user_version = {}", v + 1))?;
        tx.commit()?;
    }
}
