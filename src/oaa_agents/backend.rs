//! What the calendar agent's handlers run against: the configuration,
//! clock, identifier generator and preference source of an [`Env`], a small
//! pool of SQLite read connections and one write connection. Performs I/O
//! (opens the store; every method runs store transactions).
//!
//! Handlers run on tokio's blocking pool, so store calls block a pool
//! thread and never the runtime. Reads use their own connections (WAL lets
//! them proceed while a mail agent or a booking writes); writes go through
//! the single write connection, in `BEGIN IMMEDIATE` transactions like the
//! mail agents', so bookings from the facilitator and from mail serialise.

use crate::address::CalAddress;
use crate::agent::Env;
use crate::agent::prefs::{DirPrefs, PrefSource, StorePrefs};
use crate::cli::setup;
use crate::clock::{Clock, CounterIdGen};
use crate::config::Config;
use crate::error::InfraResult;
use crate::store::sqlite::SqliteStore;
use crate::store::{Store, StoreTx};
use std::path::PathBuf;
use std::sync::{Condvar, Mutex, MutexGuard};

/// Configuration, clock, store connections.
pub struct Backend {
    cfg: Config,
    clock: Box<dyn Clock>,
    ids: CounterIdGen,
    prefs: Box<dyn PrefSource + Send + Sync>,
    agent_address: CalAddress,
    system_zone: Option<String>,
    readers: Mutex<Vec<SqliteStore>>,
    returned: Condvar,
    writer: Mutex<SqliteStore>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A handler that panicked left the connection usable (its transaction
    // rolled back when dropped); keep serving.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Backend {
    /// Opens `readers` read connections and one write connection to the
    /// configured store (migrating it if needed).
    pub fn open(cfg: Config, readers: usize) -> InfraResult<Backend> {
        let clock = setup::clock();
        let ids = CounterIdGen::from_clock(clock.as_ref());
        let prefs: Box<dyn PrefSource + Send + Sync> = if cfg.paths.preferences_dir.is_empty() {
            Box::new(StorePrefs)
        } else {
            Box::new(DirPrefs { dir: PathBuf::from(&cfg.paths.preferences_dir) })
        };
        let agent_address = setup::agent_address(&cfg)?;
        let writer = setup::open_store(&cfg)?;
        let mut pool = Vec::new();
        for _ in 0..readers.max(1) {
            pool.push(setup::open_store(&cfg)?);
        }
        Ok(Backend {
            cfg,
            clock,
            ids,
            prefs,
            agent_address,
            system_zone: setup::system_zone(),
            readers: Mutex::new(pool),
            returned: Condvar::new(),
            writer: Mutex::new(writer),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The environment the agent layer expects.
    pub fn env(&self) -> Env<'_> {
        Env {
            config: &self.cfg,
            clock: self.clock.as_ref(),
            ids: &self.ids,
            agent_address: self.agent_address.clone(),
            prefs: self.prefs.as_ref(),
            system_zone: self.system_zone.clone(),
            mailbox_delivery: false,
        }
    }

    /// Runs `f` in a read transaction on a pooled connection (waiting for
    /// one when all are busy).
    pub fn read<R>(
        &self,
        f: impl FnOnce(&Env<'_>, &dyn StoreTx) -> InfraResult<R>,
    ) -> InfraResult<R> {
        let mut store = {
            let mut pool = lock(&self.readers);
            loop {
                if let Some(s) = pool.pop() {
                    break s;
                }
                pool = self.returned.wait(pool).unwrap_or_else(|e| e.into_inner());
            }
        };
        let result = (|| {
            let tx = store.read()?;
            let r = f(&self.env(), tx.as_ref())?;
            // A read transaction only ends the snapshot; nothing to keep.
            tx.commit()?;
            Ok(r)
        })();
        lock(&self.readers).push(store);
        self.returned.notify_one();
        result
    }

    /// Runs `f` with the write connection (one writer at a time in this
    /// process; other processes are kept out by `BEGIN IMMEDIATE`).
    pub fn with_writer<R>(&self, f: impl FnOnce(&Env<'_>, &mut SqliteStore) -> R) -> R {
        let mut store = lock(&self.writer);
        f(&self.env(), &mut store)
    }
}
