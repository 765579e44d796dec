//! Who is asking: the facilitator forwards a request with `from(Address)`,
//! the requester's connection; its agent name (the `other_name` it
//! connected with) is looked up once in the facilitator's registry
//! (`agent_data/6`) and cached for the connection. A requester acts for a
//! calendar user when its name is that user's address (`'mailto:…'` or
//! bare). Performs I/O (a solve on the facilitator per new requester).
//!
//! This is identification, not authentication: OAA permissions are per
//! solvable, not per caller (reference §13.4), and names are chosen by the
//! agents themselves. The facilitator's shared secret decides who may
//! connect at all; among those, an agent can claim any name. Owner-only
//! solvables therefore protect against well-behaved agents asking for
//! someone else's details, not against an agent holding the secret that
//! lies about its name.

use crate::address::CalAddress;
use oaa::agent::Agent;
use oaa::icl::Term;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// How long a registry lookup may take.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);

/// Requester names by address, for the current connection.
#[derive(Default)]
pub struct Requesters {
    agent: Mutex<Option<Agent>>,
    names: Mutex<HashMap<Term, Option<String>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Requesters {
    /// Uses `agent` for lookups from now on (a new connection: the cache,
    /// keyed by the previous facilitator's addresses, is dropped).
    pub fn attach(&self, agent: Option<Agent>) {
        *lock(&self.agent) = agent;
        lock(&self.names).clear();
    }

    /// The agent name of the requester at `from`, if the registry knows it.
    pub async fn name_of(&self, from: Option<&Term>) -> Option<String> {
        let from = from?;
        if let Some(hit) = lock(&self.names).get(from) {
            return hit.clone();
        }
        let agent = lock(&self.agent).clone()?;
        let goal = Term::compound(
            "agent_data",
            vec![
                from.clone(),
                Term::fresh_var(),
                Term::fresh_var(),
                Term::fresh_var(),
                Term::var("Name"),
                Term::fresh_var(),
            ],
        );
        let params = vec![Term::compound("address", vec![Term::atom("parent")])];
        let answer = tokio::time::timeout(LOOKUP_TIMEOUT, agent.solve(goal, params)).await;
        let name = match answer {
            Ok(Ok(s)) => s
                .solutions
                .first()
                .and_then(|t| t.arg(4))
                .and_then(|n| n.as_atom().map(str::to_string)),
            // Not cached: the next request tries again.
            _ => return None,
        };
        lock(&self.names).insert(from.clone(), name.clone());
        name
    }
}

/// The calendar user a requester name stands for, if it is an address.
pub fn acting_for(name: Option<&str>) -> Option<CalAddress> {
    name.filter(|n| n.contains('@')).and_then(CalAddress::parse)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn names_that_are_addresses_act_for_that_user() {
        let alice = CalAddress::parse("alice@example.com").unwrap();
        assert_eq!(acting_for(Some("mailto:Alice@example.com")), Some(alice.clone()));
        assert_eq!(acting_for(Some("alice@example.com")), Some(alice));
        assert_eq!(acting_for(Some("imip_ask")), None);
        assert_eq!(acting_for(None), None);
    }
}
