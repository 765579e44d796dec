//! One connection's budget for received frames waiting for the core,
//! bounded in bytes and in frames.
//!
//! Performs no I/O. The connection's reader takes a [`Permit`] for each
//! decoded frame before queueing it for the core, waiting while the frames
//! already queued hold the whole budget, so it stops reading the socket and
//! TCP pushes back on the peer. The permit travels with the frame and
//! returns its share when the core drops it, after handling. Bytes are the
//! frame's wire bytes; a frame larger than the byte budget takes all of it,
//! so it waits for an empty queue instead of wedging the connection. The
//! frame count bounds how many requests of one peer can be ahead of
//! another peer's in the core's queue, whatever each costs to answer.
//! Closing refuses further frames and wakes a waiting reader, which then
//! stops; frames already queued are skipped by the core.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// A queued frame's share of its connection's budget, returned on drop.
#[derive(Debug)]
pub struct Permit {
    _bytes: OwnedSemaphorePermit,
    _frame: OwnedSemaphorePermit,
}

/// Input budget of one connection.
#[derive(Debug)]
pub struct Inbox {
    bytes: Arc<Semaphore>,
    frames: Arc<Semaphore>,
    max_bytes: u32,
    max_frames: u32,
}

fn permits(n: usize) -> u32 {
    u32::try_from(n.clamp(1, Semaphore::MAX_PERMITS)).unwrap_or(u32::MAX)
}

impl Inbox {
    /// A budget of `max_bytes` bytes and `max_frames` frames (at least one
    /// frame, whatever its size).
    pub fn new(max_bytes: usize, max_frames: usize) -> Self {
        let (max_bytes, max_frames) = (permits(max_bytes), permits(max_frames));
        Inbox {
            bytes: Arc::new(Semaphore::new(max_bytes as usize)),
            frames: Arc::new(Semaphore::new(max_frames as usize)),
            max_bytes,
            max_frames,
        }
    }

    /// Takes the budget for a frame of `wire_len` bytes, waiting while it is
    /// used up; `None` once the inbox is closed.
    pub async fn admit(&self, wire_len: usize) -> Option<Permit> {
        let n = u32::try_from(wire_len).unwrap_or(u32::MAX).clamp(1, self.max_bytes);
        let frame = self.frames.clone().acquire_owned().await.ok()?;
        let bytes = self.bytes.clone().acquire_many_owned(n).await.ok()?;
        Some(Permit { _bytes: bytes, _frame: frame })
    }

    /// Refuses further frames; the queued ones are to be skipped.
    pub fn close(&self) {
        self.frames.close();
        self.bytes.close();
    }

    /// True once closed: queued frames of this connection are dropped.
    pub fn is_closed(&self) -> bool {
        self.bytes.is_closed()
    }

    /// Bytes held by frames queued or being handled.
    pub fn queued_bytes(&self) -> usize {
        (self.max_bytes as usize).saturating_sub(self.bytes.available_permits())
    }

    /// Frames queued or being handled.
    pub fn queued_frames(&self) -> usize {
        (self.max_frames as usize).saturating_sub(self.frames.available_permits())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::time::Duration;

    use super::*;

    async fn blocked<T>(h: &tokio::task::JoinHandle<T>) -> bool {
        tokio::time::sleep(Duration::from_millis(20)).await;
        !h.is_finished()
    }

    #[tokio::test]
    async fn a_full_byte_budget_makes_the_reader_wait_until_a_frame_is_handled() {
        let inbox = Arc::new(Inbox::new(100, 10));
        let first = inbox.admit(60).await.unwrap();
        let _second = inbox.admit(40).await.unwrap();
        assert_eq!(inbox.queued_bytes(), 100);
        let i2 = inbox.clone();
        let mut waiting = tokio::spawn(async move { i2.admit(10).await });
        assert!(blocked(&waiting).await, "the reader must wait while the budget is used up");
        drop(first);
        let third = tokio::time::timeout(Duration::from_secs(5), &mut waiting).await.unwrap();
        let _third = third.unwrap().unwrap();
        assert_eq!(inbox.queued_bytes(), 50);
    }

    #[tokio::test]
    async fn the_frame_count_is_bounded_too() {
        let inbox = Arc::new(Inbox::new(1 << 20, 2));
        let a = inbox.admit(1).await.unwrap();
        let _b = inbox.admit(1).await.unwrap();
        assert_eq!(inbox.queued_frames(), 2);
        let i2 = inbox.clone();
        let waiting = tokio::spawn(async move { i2.admit(1).await.is_some() });
        assert!(blocked(&waiting).await);
        drop(a);
        assert!(waiting.await.unwrap());
    }

    #[tokio::test]
    async fn a_frame_larger_than_the_byte_budget_waits_for_an_empty_queue() {
        let inbox = Arc::new(Inbox::new(100, 10));
        let small = inbox.admit(10).await.unwrap();
        let i2 = inbox.clone();
        let big = tokio::spawn(async move { i2.admit(5000).await.is_some() });
        assert!(blocked(&big).await);
        drop(small);
        assert!(big.await.unwrap());
        assert_eq!(inbox.queued_bytes(), 0, "the big frame's permit was dropped with the task");
    }

    #[tokio::test]
    async fn closing_releases_a_waiting_reader_and_refuses_more() {
        let inbox = Arc::new(Inbox::new(10, 10));
        let _held = inbox.admit(10).await.unwrap();
        let i2 = inbox.clone();
        let waiting = tokio::spawn(async move { i2.admit(10).await.is_some() });
        assert!(blocked(&waiting).await);
        inbox.close();
        assert!(!waiting.await.unwrap());
        assert!(inbox.is_closed());
        assert!(inbox.admit(1).await.is_none());
    }
}
