//! An in-memory store: [`MemStore`] implements [`Store`]/[`StoreTx`] with
//! the SQLite backend's observable semantics (orderings, filters, upserts,
//! change stamps, transactions), for unit tests of the scheduling engine
//! and fast in-process property tests. No I/O.
//!
//! The committed state is a [`State`] of persistent maps (`imbl`), which
//! clones in O(1) and changes in O(log n) without disturbing its clones:
//! - a read transaction clones the committed state at its first statement
//!   (like SQLite's deferred transactions) and is a snapshot from then on;
//! - a write transaction takes the writer lock (like `BEGIN IMMEDIATE`,
//!   waiting up to the busy timeout) and works on its own clone; commit
//!   installs it, dropping it without commit forgets it (a rollback);
//! - a savepoint is one more clone of the working state;
//! - [`MemStore::deep_clone`] forks the whole store in O(1).
//!
//! `Clone` gives another handle on the *same* store (another connection);
//! `deep_clone` gives an independent store. Everything is kept in ordered
//! maps, so every listing is deterministic.

mod state;
mod tx;

use super::{Store, StoreTx};
use crate::error::{InfraError, InfraResult};
use state::State;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

/// SQLite's default busy timeout (`SqliteOptions`), so that a second writer
/// waits as it would on a file.
const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(20);

/// A store held in memory. Cheap to clone (a handle) and to fork
/// ([`MemStore::deep_clone`]).
#[derive(Clone)]
pub struct MemStore {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for MemStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemStore").field("version", &self.shared.lock().version).finish()
    }
}

/// What the handles of one store share.
struct Shared {
    committed: Mutex<Committed>,
    /// Signalled when the writer lock is released.
    writer_released: Condvar,
    busy_timeout: Duration,
}

/// The committed state and who holds the writer lock.
struct Committed {
    /// Grows with every commit that changed something; a read transaction
    /// that starts writing checks its snapshot is still the latest.
    version: u64,
    state: State,
    /// The thread whose write transaction is open, if any.
    writer: Option<ThreadId>,
}

/// A transaction's view: the committed state it started from.
#[derive(Clone)]
struct Snapshot {
    version: u64,
    state: State,
}

impl Default for MemStore {
    fn default() -> Self {
        MemStore::new()
    }
}

impl MemStore {
    /// An empty store.
    pub fn new() -> MemStore {
        MemStore::with_busy_timeout(DEFAULT_BUSY_TIMEOUT)
    }

    /// An empty store whose writers wait at most `busy_timeout` for the
    /// writer lock held on another thread.
    pub fn with_busy_timeout(busy_timeout: Duration) -> MemStore {
        MemStore::from_state(State::default(), busy_timeout)
    }

    fn from_state(state: State, busy_timeout: Duration) -> MemStore {
        MemStore {
            shared: Arc::new(Shared {
                committed: Mutex::new(Committed { version: 0, state, writer: None }),
                writer_released: Condvar::new(),
                busy_timeout,
            }),
        }
    }

    /// An independent store holding what this one has committed (open
    /// transactions are not included). O(1): the maps share their nodes
    /// until either store changes them.
    pub fn deep_clone(&self) -> MemStore {
        let state = self.shared.lock().state.clone();
        MemStore::from_state(state, self.shared.busy_timeout)
    }
}

impl Shared {
    /// The lock is held only for a few assignments, which cannot panic; a
    /// poisoned lock therefore still holds consistent data.
    fn lock(&self) -> MutexGuard<'_, Committed> {
        self.committed.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn snapshot(&self) -> Snapshot {
        let c = self.lock();
        Snapshot { version: c.version, state: c.state.clone() }
    }

    /// Takes the writer lock, waiting up to the busy timeout while another
    /// thread holds it. The same thread asking twice would wait for itself:
    /// that is refused at once, as SQLite's busy timeout would in the end.
    fn acquire_writer(&self) -> InfraResult<MutexGuard<'_, Committed>> {
        let me = std::thread::current().id();
        let deadline = Instant::now() + self.busy_timeout;
        let mut c = self.lock();
        loop {
            match c.writer {
                None => {
                    c.writer = Some(me);
                    return Ok(c);
                }
                Some(w) if w == me => {
                    return Err(InfraError::Store(
                        "database is locked (this thread already has a write transaction open)"
                            .into(),
                    ));
                }
                Some(_) => {}
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(InfraError::Store("database is locked".into()));
            }
            c = self
                .writer_released
                .wait_timeout(c, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    fn release_writer(&self) {
        self.lock().writer = None;
        self.writer_released.notify_one();
    }
}

impl Store for MemStore {
    fn write(&mut self) -> InfraResult<Box<dyn StoreTx + '_>> {
        let view = {
            let c = self.shared.acquire_writer()?;
            Snapshot { version: c.version, state: c.state.clone() }
        };
        Ok(Box::new(tx::MemTx::writer(&self.shared, view)))
    }

    fn read(&mut self) -> InfraResult<Box<dyn StoreTx + '_>> {
        Ok(Box::new(tx::MemTx::reader(&self.shared)))
    }
}

#[cfg(test)]
mod differential;
#[cfg(test)]
mod tests;
