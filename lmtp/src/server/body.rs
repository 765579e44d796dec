//! Receives a DATA message body up to `.\r\n`, with a size cap. No I/O.
//!
//! Dot-unstuffing and terminator detection are `smtp-proto`'s
//! `DataReceiver`; this wrapper adds the size limit: once the body is known
//! to be too large, the rest is skipped with `DummyDataReceiver`, which keeps
//! looking for the terminator but stores nothing.

use smtp_proto::request::receiver::{DataReceiver, DummyDataReceiver};

/// How a message body ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum BodyEnd {
    /// The unstuffed message, without the terminating `.\r\n`.
    Complete(Vec<u8>),
    /// The message was larger than the limit and was discarded.
    TooLarge,
}

enum Receiver {
    Storing(DataReceiver),
    Discarding(DummyDataReceiver),
}

/// The state of one message body being received.
pub(crate) struct Body {
    receiver: Receiver,
    data: Vec<u8>,
    limit: usize,
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let discarding = matches!(self.receiver, Receiver::Discarding(_));
        f.debug_struct("Body")
            .field("stored", &self.data.len())
            .field("discarding", &discarding)
            .finish()
    }
}

impl Body {
    /// Starts a body that may be at most `limit` bytes long once unstuffed.
    pub(crate) fn new(limit: usize) -> Self {
        let mut receiver = DataReceiver::new();
        // DataReceiver recognises "." as stuffing or terminator only after a
        // CRLF it has seen itself, so a fresh one would miss a stuffed or
        // terminating dot on the very first line. The CRLF that ended the DATA
        // command is what precedes that line; feed it and drop the echo.
        let mut primer = Vec::with_capacity(2);
        receiver.ingest(&mut b"\r\n".iter(), &mut primer);
        Self { receiver: Receiver::Storing(receiver), data: Vec::new(), limit }
    }

    /// Bytes of message data held.
    pub(crate) fn buffered(&self) -> usize {
        self.data.len()
    }

    /// Consumes bytes from `input` up to and including the terminator.
    /// Returns `None` if `input` ran out first; any bytes after the
    /// terminator are left in `input`.
    pub(crate) fn ingest(&mut self, input: &mut &[u8]) -> Option<BodyEnd> {
        while !input.is_empty() {
            match &mut self.receiver {
                Receiver::Storing(receiver) => {
                    // The receiver may hold back one '\r' that later turns
                    // out to belong to the terminator, so a stored length
                    // above limit + 1 proves the message is too large. Feeding
                    // at most up to limit + 2 bytes keeps memory bounded even
                    // when one huge write arrives.
                    let room = self.limit.saturating_add(2).saturating_sub(self.data.len()).max(1);
                    let chunk = &input[..input.len().min(room)];
                    let mut bytes = chunk.iter();
                    let done = receiver.ingest(&mut bytes, &mut self.data);
                    let consumed = chunk.len() - bytes.as_slice().len();
                    *input = &input[consumed..];
                    if done {
                        let data = std::mem::take(&mut self.data);
                        return Some(if data.len() > self.limit {
                            BodyEnd::TooLarge
                        } else {
                            BodyEnd::Complete(data)
                        });
                    }
                    if self.data.len() > self.limit.saturating_add(1) {
                        let skipper = DummyDataReceiver::new_data(receiver);
                        self.receiver = Receiver::Discarding(skipper);
                        self.data = Vec::new();
                    } else if consumed == 0 {
                        // Cannot happen with smtp-proto 0.2.5, which consumes
                        // all it is given unless it finds the end; guards
                        // against spinning should that change.
                        return None;
                    }
                }
                Receiver::Discarding(skipper) => {
                    let mut bytes = input.iter();
                    let done = skipper.ingest(&mut bytes);
                    *input = bytes.as_slice();
                    if done {
                        return Some(BodyEnd::TooLarge);
                    }
                }
            }
        }
        None
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn run(limit: usize, pieces: &[&[u8]]) -> (Option<BodyEnd>, Vec<u8>) {
        let mut body = Body::new(limit);
        for (i, piece) in pieces.iter().enumerate() {
            let mut input = *piece;
            if let Some(end) = body.ingest(&mut input) {
                let mut rest = input.to_vec();
                for later in &pieces[i + 1..] {
                    rest.extend_from_slice(later);
                }
                return (Some(end), rest);
            }
            assert!(input.is_empty());
        }
        (None, Vec::new())
    }

    #[test]
    fn empty_message() {
        assert_eq!(
            run(10, &[b".\r\nQUIT\r\n"]),
            (Some(BodyEnd::Complete(vec![])), b"QUIT\r\n".to_vec())
        );
    }

    #[test]
    fn first_line_unstuffed() {
        let (end, _) = run(100, &[b"..hidden\r\n", b"a\r\n..b\r\n.\r\n"]);
        assert_eq!(end, Some(BodyEnd::Complete(b".hidden\r\na\r\n.b\r\n".to_vec())));
    }

    #[test]
    fn exact_limit_is_accepted_one_more_is_not() {
        assert_eq!(run(5, &[b"abc\r\n.\r\n"]).0, Some(BodyEnd::Complete(b"abc\r\n".to_vec())));
        assert_eq!(run(4, &[b"abc\r\n.\r\n"]).0, Some(BodyEnd::TooLarge));
        assert_eq!(
            run(4, &[b"abc", b"\r", b"\n", b".", b"\r", b"\n", b"X"]).0,
            Some(BodyEnd::TooLarge)
        );
    }

    #[test]
    fn oversize_is_skipped_without_storing() {
        let mut body = Body::new(10);
        let big = vec![b'x'; 100_000];
        let mut input = big.as_slice();
        assert_eq!(body.ingest(&mut input), None);
        assert!(body.buffered() <= 12);
        let mut input: &[u8] = b"\r\n.\r\nNOOP\r\n";
        assert_eq!(body.ingest(&mut input), Some(BodyEnd::TooLarge));
        assert_eq!(input, b"NOOP\r\n");
    }

    #[test]
    fn bare_lf_dot_is_not_a_terminator() {
        let (end, _) = run(100, &[b"a\n.\nb\r\n.\r\n"]);
        assert_eq!(end, Some(BodyEnd::Complete(b"a\n.\nb\r\n".to_vec())));
    }
}
