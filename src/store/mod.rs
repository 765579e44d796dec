//! The store interface: per-user objects, occurrences, cancellations,
//! counter-proposals, the request queue, free/busy collections (own,
//! others', offers, quota journals), free/busy providers, preferences, run
//! records, processed-message markers with their outbox, and resource
//! decisions. [`sqlite`] implements it; [`memory`] implements it in memory
//! for tests; a PostgreSQL backend implements the same two traits; every
//! backend passes `conformance` (tests only). This module performs no I/O
//! itself.
//!
//! Every write happens inside one [`StoreTx`] opened with [`Store::write`]
//! (SQLite: `BEGIN IMMEDIATE`), so that a message's effects are applied
//! atomically and committed durably before the agent reports success.

#[cfg(any(test, feature = "conformance"))]
#[doc(hidden)]
pub mod conformance;
pub mod memory;
pub mod sqlite;
#[cfg(test)]
mod tests_conformance;
mod types;

pub use types::*;

use crate::config::StoreConfig;
use crate::error::{InfraError, InfraResult};
use crate::freebusy::{BusyPeriod, FbSet};
use crate::ical::Instance;
use chrono::{DateTime, Utc};

/// A store: opens transactions.
pub trait Store: Send {
    /// Opens a write transaction (takes the write lock now, waiting up to the
    /// busy timeout; a timeout is an infrastructure failure).
    fn write(&mut self) -> InfraResult<Box<dyn StoreTx + '_>>;
    /// Opens a write transaction whose commit need not reach the disk before
    /// it returns: it survives this process dying, but perhaps not the
    /// machine. Only for bookkeeping whose loss costs at most a repeated
    /// reply after a power cut (run records, "sent" marks); never for what
    /// a message changed. Backends without the distinction commit durably.
    fn write_relaxed(&mut self) -> InfraResult<Box<dyn StoreTx + '_>> {
        self.write()
    }
    /// Opens a read transaction (a consistent snapshot).
    fn read(&mut self) -> InfraResult<Box<dyn StoreTx + '_>>;
}

/// A boxed store is a store (the configured backend behind `store::open`).
impl<S: Store + ?Sized> Store for Box<S> {
    fn write(&mut self) -> InfraResult<Box<dyn StoreTx + '_>> {
        (**self).write()
    }
    fn write_relaxed(&mut self) -> InfraResult<Box<dyn StoreTx + '_>> {
        (**self).write_relaxed()
    }
    fn read(&mut self) -> InfraResult<Box<dyn StoreTx + '_>> {
        (**self).read()
    }
}

/// Operations inside one transaction. Reads take `&self`, writes `&mut self`.
pub trait StoreTx {
    /// Commits durably.
    fn commit(self: Box<Self>) -> InfraResult<()>;
    /// Marks a point to roll back to (several messages in one transaction).
    fn savepoint(&mut self) -> InfraResult<()>;
    /// Forgets the savepoint, keeping its changes.
    fn release_savepoint(&mut self) -> InfraResult<()>;
    /// Undoes the changes since the savepoint and forgets it.
    fn rollback_savepoint(&mut self) -> InfraResult<()>;

    // Users and preferences.
    /// Records a user (no-op when known).
    fn ensure_user(&mut self, uri: &str, kind: &str, now: DateTime<Utc>) -> InfraResult<()>;
    /// All users, with their kind.
    fn users(&self) -> InfraResult<Vec<(String, String)>>;
    /// Deletes a user and everything stored for them.
    fn delete_user(&mut self, uri: &str) -> InfraResult<()>;
    /// One preference.
    fn pref(&self, user: &str, name: &str) -> InfraResult<Option<String>>;
    /// All preferences of a user.
    fn prefs(&self, user: &str) -> InfraResult<Vec<(String, String)>>;
    /// Sets a preference.
    fn set_pref(&mut self, user: &str, name: &str, value: &str) -> InfraResult<()>;
    /// Removes a preference.
    fn unset_pref(&mut self, user: &str, name: &str) -> InfraResult<bool>;

    // Objects: the master (or single event) and occurrences stored separately.
    /// One stored object, active or cancelled.
    fn object(
        &self,
        user: &str,
        uid: &str,
        instance: &Instance,
    ) -> InfraResult<Option<StoredObject>>;
    /// Stores (inserts or replaces) an object with a status.
    fn put_object(&mut self, user: &str, obj: &StoredObject, now: DateTime<Utc>)
    -> InfraResult<()>;
    /// Removes an object.
    fn delete_object(&mut self, user: &str, uid: &str, instance: &Instance) -> InfraResult<()>;
    /// The separately stored occurrences of a UID (not the master), by key.
    fn occurrences(&self, user: &str, uid: &str) -> InfraResult<Vec<StoredObject>>;
    /// Removes all separately stored occurrences (active or cancelled).
    fn delete_occurrences(&mut self, user: &str, uid: &str) -> InfraResult<()>;
    /// Lists objects of a user, optionally only those with a given status,
    /// by UID then instance.
    fn list_objects(
        &self,
        user: &str,
        status: Option<ObjectStatus>,
    ) -> InfraResult<Vec<StoredObject>>;

    // Counter-proposals.
    /// Stores an attendee's counter-proposal.
    fn put_counter(
        &mut self,
        user: &str,
        uid: &str,
        instance: &Instance,
        attendee: &str,
        text: &str,
    ) -> InfraResult<()>;
    /// Counter-proposals for an instance: (attendee, text), by attendee.
    fn counters(
        &self,
        user: &str,
        uid: &str,
        instance: &Instance,
    ) -> InfraResult<Vec<(String, String)>>;
    /// Removes counter-proposals (of one attendee, or all).
    fn delete_counters(
        &mut self,
        user: &str,
        uid: &str,
        instance: &Instance,
        attendee: Option<&str>,
    ) -> InfraResult<()>;

    // Attendees' answers, for an organiser.
    /// Records (replaces) an attendee's last answer of a kind for an instance.
    fn put_reply(&mut self, user: &str, reply: &ReplyRecord) -> InfraResult<()>;
    /// Every recorded answer about a UID, by instance, attendee and kind.
    fn replies(&self, user: &str, uid: &str) -> InfraResult<Vec<ReplyRecord>>;
    /// Removes the recorded answers about a UID.
    fn delete_replies(&mut self, user: &str, uid: &str) -> InfraResult<()>;

    // Request queue.
    /// Queues an instance for the user's attention.
    fn queue_request(
        &mut self,
        user: &str,
        uid: &str,
        instance: &Instance,
        kind: RequestKind,
    ) -> InfraResult<()>;
    /// Removes queue entries (of one kind, or all).
    fn dequeue_request(
        &mut self,
        user: &str,
        uid: &str,
        instance: &Instance,
        kind: Option<RequestKind>,
    ) -> InfraResult<()>;
    /// The queue, by UID, instance and kind.
    fn requests(&self, user: &str) -> InfraResult<Vec<RequestEntry>>;

    // Free/busy.
    /// Periods of a collection overlapping or touching [start, end]
    /// (a superset: callers apply their exact overlap rule).
    fn busy(
        &self,
        set: &FbSet,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> InfraResult<Vec<BusyPeriod>>;
    /// All periods of a collection, sorted by start.
    fn busy_all(&self, set: &FbSet) -> InfraResult<Vec<BusyPeriod>>;
    /// Periods of a collection belonging to a UID (any occurrence when `rid` is None).
    fn busy_for_uid(
        &self,
        set: &FbSet,
        uid: &str,
        rid: Option<&str>,
    ) -> InfraResult<Vec<BusyPeriod>>;
    /// Adds periods.
    fn add_busy(&mut self, set: &FbSet, periods: &[BusyPeriod]) -> InfraResult<()>;
    /// Removes the periods of a UID (one occurrence, or all when `rid` is None).
    fn remove_busy_for_uid(
        &mut self,
        set: &FbSet,
        uid: &str,
        rid: Option<&str>,
    ) -> InfraResult<usize>;
    /// Removes periods overlapping [start, end] (all when the window is None).
    fn remove_busy_in(
        &mut self,
        set: &FbSet,
        window: Option<(DateTime<Utc>, DateTime<Utc>)>,
    ) -> InfraResult<usize>;
    /// Removes periods whose `expires` is at or before `now`.
    fn purge_expired(&mut self, set: &FbSet, now: DateTime<Utc>) -> InfraResult<usize>;
    /// Removes periods that ended before `before` from every collection of a
    /// kind ("journal", "collective", "offer"…): quota reservations in the
    /// past no longer count.
    fn expire_busy(&mut self, kind: &str, before: DateTime<Utc>) -> InfraResult<usize>;
    /// The (owner, other) keys of every collection of a kind.
    fn sets_of_kind(&self, kind: &str) -> InfraResult<Vec<(String, String)>>;
    /// The "other" participants a user holds records for.
    fn other_sets(&self, user: &str) -> InfraResult<Vec<String>>;
    /// Change stamps of users' own free/busy and offers: (owner, stamp),
    /// where the stamp grows with every period added or removed by any
    /// process. Users whose periods never changed are absent (stamp 0).
    fn change_stamps(&self) -> InfraResult<Vec<(String, i64)>>;

    // Free/busy providers (events recurring without end, extended later).
    /// Registers a UID as a provider of the owner's free/busy.
    fn add_provider(&mut self, owner: &str, uid: &str) -> InfraResult<()>;
    /// Unregisters a provider.
    fn remove_provider(&mut self, owner: &str, uid: &str) -> InfraResult<()>;
    /// The provider UIDs of an owner, sorted.
    fn providers(&self, owner: &str) -> InfraResult<Vec<String>>;
    /// Owners that have providers.
    fn provider_owners(&self) -> InfraResult<Vec<String>>;
    /// How far providers of an owner have been expanded.
    fn provider_horizon(&self, owner: &str) -> InfraResult<Option<DateTime<Utc>>>;
    /// Records the expansion horizon.
    fn set_provider_horizon(&mut self, owner: &str, until: DateTime<Utc>) -> InfraResult<()>;

    // Run records and idempotence.
    /// Appends a run record.
    fn add_run(&mut self, run: &RunRecord) -> InfraResult<()>;
    /// Run records matching a filter, newest first.
    fn runs(&self, filter: &RunFilter) -> InfraResult<Vec<RunRecord>>;
    /// Removes run records older than `before`.
    fn prune_runs(&mut self, before: DateTime<Utc>) -> InfraResult<usize>;
    /// The marker of a message already processed for a recipient.
    fn processed(&self, key: &str, recipient: &str, agent: &str) -> InfraResult<Option<Processed>>;
    /// Records that a message was processed, with the messages to send and deliver.
    fn put_processed(&mut self, p: &Processed) -> InfraResult<()>;
    /// Records that the first `count` messages of a marker's outbox went
    /// out (never lowering what was recorded); the marker counts as sent
    /// when that is all of them, and its outbox is then dropped (the marker
    /// stays, so that a redelivery is recognised; the copies it held need
    /// not be kept for the markers' lifetime).
    fn mark_sent(
        &mut self,
        key: &str,
        recipient: &str,
        agent: &str,
        count: usize,
    ) -> InfraResult<()>;
    /// The markers of `agent` whose outbox has not all gone out, oldest
    /// first (messages a retry must still send).
    fn unsent(&self, agent: &str) -> InfraResult<Vec<Processed>>;
    /// Removes markers older than `before`.
    fn prune_processed(&mut self, before: DateTime<Utc>) -> InfraResult<usize>;

    // Resource decisions.
    /// Records a decision.
    fn add_decision(&mut self, d: &DecisionRecord) -> InfraResult<()>;
    /// Decisions for a resource, newest first.
    fn decisions(&self, resource: &str, limit: usize) -> InfraResult<Vec<DecisionRecord>>;

    // Generic key/value records for policy state (quotas, delegates,
    // approvals, pools): (namespace, key) → value.
    /// Reads a record.
    fn kv_get(&self, ns: &str, key: &str) -> InfraResult<Option<String>>;
    /// Writes a record.
    fn kv_put(&mut self, ns: &str, key: &str, value: &str) -> InfraResult<()>;
    /// Deletes a record.
    fn kv_delete(&mut self, ns: &str, key: &str) -> InfraResult<bool>;
    /// Records of a namespace whose key starts with `prefix`, sorted by key.
    fn kv_list(&self, ns: &str, prefix: &str) -> InfraResult<Vec<(String, String)>>;
}

/// Opens the store the configuration names (creating and migrating an
/// embedded one on first use). The one place that picks a backend.
pub fn open(cfg: &StoreConfig) -> InfraResult<Box<dyn Store + Send>> {
    match cfg.kind.as_str() {
        "sqlite" => {
            let opts = sqlite::SqliteOptions {
                busy_timeout: std::time::Duration::from_secs(cfg.busy_timeout_seconds),
                durable: cfg.durability == "full",
            };
            Ok(Box::new(sqlite::SqliteStore::open(std::path::Path::new(&cfg.path), &opts)?))
        }
        other => {
            Err(InfraError::Config(format!("store type {other:?} is not available in this build")))
        }
    }
}

/// Opens the store the configuration names for a command that must not
/// create one (`imip_admin`'s reading commands, `check`): a mistyped `-S`
/// is an error, not a new empty store.
pub fn open_existing(cfg: &StoreConfig) -> InfraResult<Box<dyn Store + Send>> {
    if cfg.kind == "sqlite" && !std::path::Path::new(&cfg.path).is_file() {
        return Err(InfraError::Config(format!(
            "no store at {}: check -S or [store] path (reading commands never create one)",
            cfg.path
        )));
    }
    open(cfg)
}

/// A token that changes whenever anyone commits to the store; compared for
/// equality only (a token from a reconnected probe never equals an older one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChangeToken(pub u64, pub i64);

/// Tells cheaply whether the store changed, for caches that must never be
/// older than the store.
pub trait ChangeProbe: Send {
    /// The current token, or `None` when it cannot be known without waiting
    /// (then nothing may be cached or served from a cache).
    fn token(&mut self) -> Option<ChangeToken>;
}

/// A change probe of the configured store.
pub fn change_probe(cfg: &StoreConfig) -> Box<dyn ChangeProbe> {
    Box::new(sqlite::probe::SqliteProbe::new(&cfg.path))
}

/// Wakes a store's background maintenance (SQLite: a checkpoint of its
/// write-ahead log, overlapping the writer's next batch); dropping every
/// handle ends it.
#[derive(Debug, Clone)]
pub struct Nudge(std::sync::mpsc::SyncSender<()>);

impl Nudge {
    /// A handle over a channel.
    pub fn new(tx: std::sync::mpsc::SyncSender<()>) -> Nudge {
        Nudge(tx)
    }

    /// Asks for maintenance soon (coalesced with any already asked for).
    pub fn nudge(&self) {
        let _ = self.0.try_send(());
    }
}

/// Starts the configured store's background maintenance for a long-running
/// writer, when the backend has any.
pub fn background_maintenance(
    cfg: &StoreConfig,
) -> std::io::Result<Option<(Nudge, std::thread::JoinHandle<()>)>> {
    match cfg.kind.as_str() {
        "sqlite" => sqlite::checkpoint::spawn(std::path::PathBuf::from(&cfg.path)).map(Some),
        _ => Ok(None),
    }
}
