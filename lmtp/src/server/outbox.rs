//! Collects the actions produced while handling input, merging adjacent
//! writes so pipelined replies leave in one write. No I/O.

use super::Action;

/// Ordered actions under construction.
#[derive(Debug, Default)]
pub(crate) struct Outbox {
    actions: Vec<Action>,
}

impl Outbox {
    /// Queues bytes for the client.
    pub(crate) fn write(&mut self, bytes: &[u8]) {
        if let Some(Action::Write(last)) = self.actions.last_mut() {
            last.extend_from_slice(bytes);
        } else {
            self.actions.push(Action::Write(bytes.to_vec()));
        }
    }

    /// Queues a non-write action.
    pub(crate) fn push(&mut self, action: Action) {
        match action {
            Action::Write(bytes) => self.write(&bytes),
            other => self.actions.push(other),
        }
    }

    pub(crate) fn into_actions(self) -> Vec<Action> {
        self.actions
    }
}
