//! Accounting of a connection's output backlog: bytes handed to its writer
//! task and not yet written to the socket.
//!
//! Performs no I/O. The producer (the facilitator's core, or any thread of
//! an agent) adds a frame's bytes before queueing it and the writer task
//! subtracts them once written, so a peer that stops reading shows up as a
//! growing backlog. A frame is refused when it would take the backlog over
//! the cap; the caller then closes the connection. A frame on an empty
//! backlog is always accepted, so one frame larger than the cap cannot
//! wedge a connection that reads.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Default cap on one connection's received frames waiting to be handled
/// (their wire bytes): 1 MiB, one frame of the default frame limit.
pub const DEFAULT_MAX_INPUT_QUEUE: usize = 1 << 20;

/// Default cap on one connection's received frames waiting to be handled
/// (their number): how many requests of one peer may be ahead of another's.
pub const DEFAULT_MAX_INPUT_FRAMES: usize = 16;

/// Default cap on one connection's output backlog: 4 MiB.
pub const DEFAULT_MAX_OUTPUT_QUEUE: usize = 4 << 20;

/// Bytes queued for one connection's writer, with a cap.
#[derive(Debug)]
pub struct Backlog {
    queued: AtomicUsize,
    cap: usize,
}

/// Queueing a frame would take the backlog over its cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overflow {
    /// Bytes already queued.
    pub queued: usize,
    /// The frame that did not fit.
    pub frame: usize,
    /// The cap.
    pub cap: usize,
}

impl Backlog {
    /// An empty backlog that holds at most `cap` bytes.
    pub fn new(cap: usize) -> Self {
        Backlog { queued: AtomicUsize::new(0), cap }
    }

    /// The cap in bytes.
    pub fn cap(&self) -> usize {
        self.cap
    }

    /// Bytes currently queued.
    pub fn queued(&self) -> usize {
        self.queued.load(Ordering::Acquire)
    }

    /// Counts `n` more bytes if they fit (or the backlog is empty).
    pub fn try_add(&self, n: usize) -> Result<(), Overflow> {
        self.queued
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |q| {
                (q == 0 || q.saturating_add(n) <= self.cap).then(|| q.saturating_add(n))
            })
            .map(|_| ())
            .map_err(|queued| Overflow { queued, frame: n, cap: self.cap })
    }

    /// `n` queued bytes were written (or dropped).
    pub fn written(&self, n: usize) {
        let _ = self
            .queued
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |q| Some(q.saturating_sub(n)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_does_not_fit_and_frees_what_was_written() {
        let b = Backlog::new(100);
        assert_eq!(b.try_add(60), Ok(()));
        assert_eq!(b.try_add(40), Ok(()));
        assert_eq!(b.try_add(1), Err(Overflow { queued: 100, frame: 1, cap: 100 }));
        b.written(60);
        assert_eq!(b.queued(), 40);
        assert_eq!(b.try_add(60), Ok(()));
    }

    #[test]
    fn an_empty_backlog_takes_one_frame_of_any_size() {
        let b = Backlog::new(10);
        assert_eq!(b.try_add(1000), Ok(()));
        assert!(b.try_add(1).is_err());
        b.written(1000);
        assert_eq!(b.queued(), 0);
    }
}
