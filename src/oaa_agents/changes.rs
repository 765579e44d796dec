//! Change notification: the agent holds one `changed(User, Stamp)` fact per
//! served user and replaces it whenever the store's change stamp for that
//! user moves, which fires the data triggers subscribers installed on it
//! ("tell me when room X's free/busy changes"). Changes made by the mail
//! agents happen in other processes, so the store is polled (one small
//! table per poll; see migration 2) and also checked right after every
//! booking made here. Performs I/O (store reads; trigger actions are sent
//! to the facilitator by the agent library).

use super::convert::user_term;
use super::declare::CHANGED;
use super::service::Service;
use crate::address::CalAddress;
use crate::error::InfraResult;
use oaa::agent::LocalData;
use oaa::icl::Term;
use std::collections::HashMap;
use std::sync::Mutex;
use tracing::debug;

/// Stamps already published, per user.
#[derive(Default)]
pub struct Stamps(Mutex<HashMap<CalAddress, i64>>);

impl Stamps {
    /// Forgets what was published (a new connection starts with no facts).
    pub fn reset(&self) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

fn fact(user: &CalAddress, stamp: Term) -> Term {
    Term::compound(CHANGED, vec![user_term(user), stamp])
}

/// Brings the `changed/2` facts up to date with the store; returns how
/// many users' stamps moved. Users new to the store get a fact too (for an
/// agent serving the whole store).
pub fn publish(svc: &Service, local: &LocalData) -> InfraResult<usize> {
    let (users, stamps) = svc.backend.read(|_, tx| Ok((tx.users()?, tx.change_stamps()?)))?;
    svc.directory.refresh(&users);
    let current: HashMap<String, i64> = stamps.into_iter().collect();
    // Held across the updates so that concurrent calls (poller, bookings)
    // publish stamps in order.
    let mut known = svc.stamps.0.lock().unwrap_or_else(|e| e.into_inner());
    let mut moved = 0;
    for (user, _) in svc.directory.served() {
        let stamp = current.get(user.as_str()).copied().unwrap_or(0);
        if known.get(&user) == Some(&stamp) {
            continue;
        }
        // Replace, or add when there is no fact yet: fires on(replace) or
        // on(add) triggers with the new fact.
        if local.replace(fact(&user, Term::fresh_var()), fact(&user, Term::Int(stamp))).is_err() {
            // The connection is gone; the next one starts afresh.
            return Ok(moved);
        }
        debug!(user = %user, stamp, "free/busy change published");
        known.insert(user, stamp);
        moved += 1;
    }
    Ok(moved)
}
