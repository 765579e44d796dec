//! A process-wide memo of recent expansions, so that the same event is
//! expanded once per message however often the engine and the applier ask
//! (charging the budget, deciding a booking, rebuilding busy time), and so
//! that a message's expansions can be done before the store's write lock is
//! taken (`agent::prewarm`). Keyed by what an expansion depends on: the
//! recurrence properties of the object, the zones that place its times, and
//! the parameters. Bounded by the occurrences it holds. No I/O.

use super::{ExpandParams, Expansion};
use crate::ical::{Object, Property, ZoneResolver};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

/// Occurrences held at most; the memo is emptied when a new expansion
/// would pass it.
const MAX_OCCURRENCES: usize = 100_000;

#[derive(Default)]
struct Memo {
    entries: HashMap<String, Expansion>,
    held: usize,
}

static MEMO: Mutex<Option<Memo>> = Mutex::new(None);

fn memo() -> MutexGuard<'static, Option<Memo>> {
    MEMO.lock().unwrap_or_else(|e| e.into_inner())
}

/// The properties an expansion reads.
const RECURRENCE: &[Property] = &[
    Property::Dtstart,
    Property::Dtend,
    Property::Duration,
    Property::Rrule,
    Property::Rdate,
    Property::Exdate,
    Property::Exrule,
    Property::RecurrenceId,
];

/// What an expansion of `obj` depends on.
pub(super) fn key(obj: &Object, zones: &ZoneResolver, params: &ExpandParams) -> String {
    let mut stripped = obj.clone();
    stripped.retain_properties(RECURRENCE);
    format!("{}\u{1f}{}\u{1f}{params:?}", stripped.component_text(), zones.fingerprint())
}

/// A remembered expansion.
pub(super) fn get(key: &str) -> Option<Expansion> {
    memo().as_ref().and_then(|m| m.entries.get(key).cloned())
}

/// Remembers an expansion.
pub(super) fn put(key: String, e: &Expansion) {
    let mut guard = memo();
    let m = guard.get_or_insert_with(Memo::default);
    let n = e.occurrences.len().max(1);
    if n > MAX_OCCURRENCES {
        return;
    }
    if m.held + n > MAX_OCCURRENCES {
        m.entries.clear();
        m.held = 0;
    }
    m.held += n;
    m.entries.insert(key, e.clone());
}
