//! The agent's budget for work the facilitator handed it: bytes of
//! forwarded requests given to the [`Handler`](super::Handler) and not yet
//! answered.
//!
//! Performs no I/O. A request takes its wire size from the budget until it
//! is answered (or dropped, which answers it with no solutions). When the
//! budget is used up, further requests are refused and the caller answers
//! them at once with no solutions. Refusing rather than pausing the reader
//! is deliberate: a handler that solves a subgoal waits for a reply that
//! only the reader can deliver, so a paused reader could deadlock the
//! agent. A request on an empty budget is always accepted, however large.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

/// Unanswered work, with a cap.
#[derive(Debug)]
pub(crate) struct Budget {
    used: AtomicUsize,
    cap: usize,
    refusing: AtomicBool,
    refused: AtomicU64,
}

/// A request's share of the budget, returned when dropped.
#[derive(Debug)]
pub(crate) struct Held {
    budget: Arc<Budget>,
    n: usize,
}

impl Drop for Held {
    fn drop(&mut self) {
        let n = self.n;
        let _ = self
            .budget
            .used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |u| Some(u.saturating_sub(n)));
    }
}

/// What [`Budget::take`] decided.
#[derive(Debug)]
pub(crate) enum Take {
    /// Accepted; `resumed` counts the requests refused since the budget
    /// was last exhausted, if this ends such a stretch.
    Accepted { held: Held, resumed: Option<u64> },
    /// Refused; `first` is true for the first refusal of a stretch.
    Refused { first: bool },
}

impl Budget {
    /// An empty budget of `cap` bytes.
    pub fn new(cap: usize) -> Arc<Self> {
        Arc::new(Budget {
            used: AtomicUsize::new(0),
            cap,
            refusing: AtomicBool::new(false),
            refused: AtomicU64::new(0),
        })
    }

    /// The cap in bytes.
    pub fn cap(&self) -> usize {
        self.cap
    }

    /// Takes `n` bytes for a request if they fit (or nothing is held).
    pub fn take(self: &Arc<Self>, n: usize) -> Take {
        let fits = self
            .used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |u| {
                (u == 0 || u.saturating_add(n) <= self.cap).then(|| u.saturating_add(n))
            })
            .is_ok();
        if fits {
            let resumed = self
                .refusing
                .swap(false, Ordering::AcqRel)
                .then(|| self.refused.swap(0, Ordering::AcqRel));
            Take::Accepted { held: Held { budget: self.clone(), n }, resumed }
        } else {
            self.refused.fetch_add(1, Ordering::AcqRel);
            Take::Refused { first: !self.refusing.swap(true, Ordering::AcqRel) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_the_cap_until_work_is_answered() {
        let b = Budget::new(100);
        let Take::Accepted { held: first, resumed: None } = b.take(80) else { panic!() };
        assert!(matches!(b.take(30), Take::Refused { first: true }));
        assert!(matches!(b.take(30), Take::Refused { first: false }));
        // 20 more still fit: the stretch of refusals ends.
        let Take::Accepted { held: _second, resumed: Some(2) } = b.take(20) else { panic!() };
        assert!(matches!(b.take(30), Take::Refused { first: true }));
        drop(first);
        let Take::Accepted { resumed: Some(1), .. } = b.take(30) else { panic!() };
    }

    #[test]
    fn an_idle_budget_takes_one_request_of_any_size() {
        let b = Budget::new(10);
        let Take::Accepted { held, .. } = b.take(1000) else { panic!() };
        assert!(matches!(b.take(1), Take::Refused { .. }));
        drop(held);
        assert!(matches!(b.take(1), Take::Accepted { .. }));
    }
}
