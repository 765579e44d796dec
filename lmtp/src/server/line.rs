//! Splits client input into command lines with a length cap. No I/O.
//!
//! `smtp_proto::request::receiver::RequestReceiver` frames lines too, but its
//! limit is a fixed 4096 bytes and it only applies when a line arrives in
//! pieces; a session must treat a line identically however it was split, and
//! with the configured limit. So lines are framed here and each complete line
//! is handed to `smtp_proto::Request::parse`.

use std::borrow::Cow;

/// A complete command line, or the news that one was too long.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Framed<'a> {
    /// A line including its terminating LF.
    Line(Cow<'a, [u8]>),
    /// A line longer than the limit ended; its bytes were dropped.
    TooLong,
}

/// Accumulates a partial line between calls; never holds more than `max` bytes.
#[derive(Debug)]
pub(crate) struct LineFramer {
    buf: Vec<u8>,
    max: usize,
    overflowed: bool,
}

impl LineFramer {
    pub(crate) fn new(max: usize) -> Self {
        Self { buf: Vec::new(), max, overflowed: false }
    }

    /// Bytes of a partial line held.
    pub(crate) fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Whether a line is under way: bytes of it arrived (kept, or dropped
    /// for being too long) and its end did not.
    pub(crate) fn in_line(&self) -> bool {
        !self.buf.is_empty() || self.overflowed
    }

    /// Takes the next line from `input`, advancing it. Returns `None` once
    /// `input` is used up without completing a line.
    pub(crate) fn next<'a>(&mut self, input: &mut &'a [u8]) -> Option<Framed<'a>> {
        let Some(pos) = input.iter().position(|&b| b == b'\n') else {
            self.absorb(input);
            *input = &[];
            return None;
        };
        let (line, rest) = input.split_at(pos + 1);
        *input = rest;
        if self.overflowed || self.buf.len() + line.len() > self.max {
            self.overflowed = false;
            self.buf = Vec::new();
            return Some(Framed::TooLong);
        }
        if self.buf.is_empty() {
            return Some(Framed::Line(Cow::Borrowed(line)));
        }
        self.buf.extend_from_slice(line);
        Some(Framed::Line(Cow::Owned(std::mem::take(&mut self.buf))))
    }

    fn absorb(&mut self, part: &[u8]) {
        if self.overflowed {
            return;
        }
        if self.buf.len() + part.len() > self.max {
            // Keep only the fact; the bytes of an over-long line are never used.
            self.overflowed = true;
            self.buf = Vec::new();
        } else {
            self.buf.extend_from_slice(part);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn lines(framer: &mut LineFramer, mut input: &[u8]) -> Vec<Framed<'static>> {
        let mut out = Vec::new();
        while let Some(f) = framer.next(&mut input) {
            out.push(match f {
                Framed::Line(l) => Framed::Line(Cow::Owned(l.into_owned())),
                Framed::TooLong => Framed::TooLong,
            });
        }
        out
    }

    #[test]
    fn joins_pieces_and_splits_lines() {
        let mut f = LineFramer::new(100);
        assert!(lines(&mut f, b"NO").is_empty());
        assert_eq!(f.buffered(), 2);
        let got = lines(&mut f, b"OP\r\nQUIT\r\nRS");
        assert_eq!(
            got,
            vec![
                Framed::Line(Cow::Borrowed(b"NOOP\r\n".as_slice())),
                Framed::Line(Cow::Borrowed(b"QUIT\r\n".as_slice()))
            ]
        );
        assert_eq!(f.buffered(), 2);
    }

    #[test]
    fn too_long_whole_or_in_pieces() {
        let mut f = LineFramer::new(6);
        assert_eq!(lines(&mut f, b"NOOP\r\n"), vec![Framed::Line(Cow::Borrowed(b"NOOP\r\n"))]);
        assert_eq!(
            lines(&mut f, b"NOOPS\r\nQUIT\n"),
            vec![Framed::TooLong, Framed::Line(Cow::Borrowed(b"QUIT\n"))]
        );
        assert!(lines(&mut f, b"NOOPXX").is_empty());
        assert!(lines(&mut f, b"XXXXXXXXXXXX").is_empty());
        assert_eq!(f.buffered(), 0);
        assert_eq!(
            lines(&mut f, b"\r\nQUIT\r\n"),
            vec![Framed::TooLong, Framed::Line(Cow::Borrowed(b"QUIT\r\n"))]
        );
    }
}
