//! Deadlines on the client's progress, so that a client trickling bytes
//! cannot hold a connection forever: a command line must be complete within
//! its time once its first byte arrived; a message's data must be complete
//! within its time from the `354`, and must keep up a least average rate.
//! No I/O and no clock of its own: the caller passes the time in.
//!
//! Silence between commands is the caller's business (an idle timeout on
//! the socket); these deadlines catch the client that is never silent but
//! never finishes.

use std::time::{Duration, Instant};

/// The least average rate of message data (see [`ServerConfig::min_data_rate`](super::ServerConfig::min_data_rate)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataRate {
    /// Bytes per second, averaged from the `354`.
    pub bytes_per_second: u64,
    /// Time granted before the rate counts: the data must have arrived
    /// by `354 + grace + bytes / bytes_per_second`.
    pub grace: Duration,
}

/// Which deadline passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expired {
    /// A command line was begun and not finished in time.
    Command,
    /// The message data was not finished in time.
    Data,
    /// The message data arrived more slowly than the least rate.
    DataRate,
}

impl Expired {
    /// The text of the `421` that closes the connection.
    pub(crate) fn text(self) -> &'static str {
        match self {
            Expired::Command => "Command not completed in time, closing connection",
            Expired::Data => "Message not completed in time, closing connection",
            Expired::DataRate => "Message data arriving too slowly, closing connection",
        }
    }
}

/// When the current command line and message data began, and how much data
/// arrived. A start that is `None` while a line or message is under way was
/// begun from input held during a delivery, whose time is not known; it
/// starts with the next input (meanwhile the caller's idle timeout applies).
#[derive(Debug, Default)]
pub(crate) struct Progress {
    line_since: Option<Instant>,
    data_since: Option<Instant>,
    data_bytes: u64,
}

impl Progress {
    /// A command line is under way (bytes of it are buffered).
    pub(crate) fn line_begun(&mut self, now: Option<Instant>) {
        if self.line_since.is_none() {
            self.line_since = now;
        }
    }

    /// The command line is complete (or was dropped).
    pub(crate) fn line_done(&mut self) {
        self.line_since = None;
    }

    /// Message data is expected from now on.
    pub(crate) fn data_begun(&mut self, now: Option<Instant>) {
        self.data_since = now;
        self.data_bytes = 0;
    }

    /// Bytes of message data arrived (a start not yet known is taken as now).
    pub(crate) fn data_arrived(&mut self, now: Option<Instant>, bytes: usize) {
        if self.data_since.is_none() {
            self.data_since = now;
        }
        self.data_bytes = self.data_bytes.saturating_add(bytes as u64);
    }

    /// The message data ended.
    pub(crate) fn data_done(&mut self) {
        self.data_since = None;
        self.data_bytes = 0;
    }

    /// The earliest deadline that applies, with what it is for.
    /// `in_line`: a command line is under way; `in_data`: message data is.
    pub(crate) fn next(
        &self,
        command: Option<Duration>,
        data: Option<Duration>,
        rate: Option<DataRate>,
        in_line: bool,
        in_data: bool,
    ) -> Option<(Instant, Expired)> {
        let mut best: Option<(Instant, Expired)> = None;
        let mut consider = |at: Option<Instant>, why: Expired| {
            if let Some(at) = at
                && best.is_none_or(|(b, _)| at < b)
            {
                best = Some((at, why));
            }
        };
        if in_line {
            consider(
                self.line_since.zip(command).and_then(|(t, d)| t.checked_add(d)),
                Expired::Command,
            );
        }
        if in_data && let Some(since) = self.data_since {
            consider(data.and_then(|d| since.checked_add(d)), Expired::Data);
            if let Some(r) = rate.filter(|r| r.bytes_per_second > 0) {
                // The data that arrived buys time at the least rate.
                let earned = Duration::from_millis(
                    self.data_bytes.saturating_mul(1000) / r.bytes_per_second,
                );
                consider(
                    since.checked_add(r.grace).and_then(|t| t.checked_add(earned)),
                    Expired::DataRate,
                );
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn a_line_has_its_time_from_its_first_byte() {
        let t0 = Instant::now();
        let mut p = Progress::default();
        assert_eq!(p.next(Some(S), None, None, false, false), None);
        p.line_begun(Some(t0));
        // More bytes of the same line do not move the deadline.
        p.line_begun(Some(t0 + S / 2));
        assert_eq!(p.next(Some(S), None, None, true, false), Some((t0 + S, Expired::Command)));
        p.line_done();
        p.line_begun(Some(t0 + 3 * S));
        assert_eq!(p.next(Some(S), None, None, true, false), Some((t0 + 4 * S, Expired::Command)));
        // Without a limit there is no deadline.
        assert_eq!(p.next(None, None, None, true, false), None);
    }

    #[test]
    fn data_has_a_whole_deadline_and_a_least_rate() {
        let t0 = Instant::now();
        let rate = DataRate { bytes_per_second: 1000, grace: S };
        let mut p = Progress::default();
        p.data_begun(Some(t0));
        // Nothing arrived: the grace is all there is.
        assert_eq!(
            p.next(None, Some(10 * S), Some(rate), false, true),
            Some((t0 + S, Expired::DataRate))
        );
        // 3000 bytes buy three more seconds.
        p.data_arrived(Some(t0), 3000);
        assert_eq!(
            p.next(None, Some(10 * S), Some(rate), false, true),
            Some((t0 + 4 * S, Expired::DataRate))
        );
        // Fast data still ends at the whole deadline.
        p.data_arrived(Some(t0), 1_000_000);
        assert_eq!(
            p.next(None, Some(10 * S), Some(rate), false, true),
            Some((t0 + 10 * S, Expired::Data))
        );
        p.data_done();
        assert_eq!(p.next(None, Some(10 * S), Some(rate), false, true), None);
    }

    #[test]
    fn unknown_starts_wait_for_the_next_input() {
        let t0 = Instant::now();
        let mut p = Progress::default();
        p.line_begun(None);
        p.data_begun(None);
        assert_eq!(p.next(Some(S), Some(S), None, true, true), None);
        p.line_begun(Some(t0));
        p.data_arrived(Some(t0), 10);
        assert_eq!(
            p.next(Some(S), Some(2 * S), None, true, true),
            Some((t0 + S, Expired::Command))
        );
        assert_eq!(
            p.next(Some(S), Some(2 * S), None, false, true),
            Some((t0 + 2 * S, Expired::Data))
        );
    }
}
