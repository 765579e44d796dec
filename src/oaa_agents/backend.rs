//! What the calendar agent's handlers run against: the [`Runtime`] (the
//! configuration, clock, identifier generator and preference source of an
//! [`Env`]), a small pool of read connections to the configured store and
//! one write connection. Performs I/O (opens the store; every method runs
//! store transactions).
//!
//! Handlers run on tokio's blocking pool, so store calls block a pool
//! thread and never the runtime. Reads use their own connections (WAL lets
//! them proceed while a mail agent or a booking writes); writes go through
//! the single write connection, in `BEGIN IMMEDIATE` transactions like the
//! mail agents', so bookings from the facilitator and from mail serialise.

use crate::agent::Env;
use crate::config::Config;
use crate::error::InfraResult;
use crate::runtime::Runtime;
use crate::store::{Store, StoreTx};
use std::sync::{Condvar, Mutex, MutexGuard};

/// The store connections of a program, shareable between threads.
type Conn = Box<dyn Store + Send>;

/// The runtime and the store connections.
pub struct Backend {
    runtime: Runtime,
    readers: Mutex<Vec<Conn>>,
    returned: Condvar,
    writer: Mutex<Conn>,
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
        let runtime = Runtime::new(cfg)?;
        let writer = runtime.open_store()?;
        let mut pool = Vec::new();
        for _ in 0..readers.max(1) {
            pool.push(runtime.open_store()?);
        }
        Ok(Backend {
            runtime,
            readers: Mutex::new(pool),
            returned: Condvar::new(),
            writer: Mutex::new(writer),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.runtime.config
    }

    /// The runtime.
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// The environment the agent layer expects.
    pub fn env(&self) -> Env<'_> {
        self.runtime.env()
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
    pub fn with_writer<R>(&self, f: impl FnOnce(&Env<'_>, &mut dyn Store) -> R) -> R {
        let mut store = lock(&self.writer);
        f(&self.env(), store.as_mut())
    }
}
