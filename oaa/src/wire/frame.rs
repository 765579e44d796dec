//! Classic OAA framing: a stream of ICL terms, each ended by `.` followed
//! by layout (reference §3.1).
//!
//! Performs no I/O: bytes go in with [`FrameScanner::push`], complete frames
//! come out of [`FrameScanner::next_frame`]. Scanning is incremental (each
//! byte is examined once) and tracks quoted text and comments, so a `.`
//! inside `'...'`, `"..."`, `% ...` or `/* ... */` never ends a frame. Only
//! ASCII bytes are significant, which makes the scanner correct for both
//! Latin-1 and UTF-8 streams.

use thiserror::Error;

/// Default largest frame: 1 MiB.
pub const DEFAULT_MAX_FRAME: usize = 1 << 20;

/// The peer sent a frame larger than allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("frame exceeds the limit of {0} bytes")]
pub struct FrameTooLarge(pub usize);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Normal,
    Quote(u8),
    QuoteEscape(u8),
    LineComment,
    BlockComment,
}

/// Splits a byte stream into frames.
#[derive(Debug)]
pub struct FrameScanner {
    buf: Vec<u8>,
    /// Start of the frame being scanned.
    start: usize,
    /// Next byte to examine.
    pos: usize,
    state: State,
    max_frame: usize,
}

/// True for the layout bytes that may follow the terminating `.`.
pub fn is_layout(b: u8) -> bool {
    b.is_ascii_whitespace()
}

impl FrameScanner {
    /// A scanner that rejects frames longer than `max_frame` bytes.
    pub fn new(max_frame: usize) -> Self {
        FrameScanner { buf: Vec::new(), start: 0, pos: 0, state: State::Normal, max_frame }
    }

    /// Appends received bytes.
    pub fn push(&mut self, data: &[u8]) {
        if self.start > 0 && self.start == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
            self.start = 0;
        } else if self.start > 4096 && self.start * 2 > self.buf.len() {
            self.buf.drain(..self.start);
            self.pos -= self.start;
            self.start = 0;
        }
        self.buf.extend_from_slice(data);
    }

    /// Bytes received but not yet returned as frames (ignoring leading layout).
    pub fn has_partial(&self) -> bool {
        self.buf[self.start..].iter().any(|b| !is_layout(*b))
    }

    /// The next complete frame (text up to and including its `.`), if any.
    pub fn next_frame(&mut self) -> Result<Option<Vec<u8>>, FrameTooLarge> {
        Ok(self.scan()?.map(|r| self.buf[r].to_vec()))
    }

    /// Like [`FrameScanner::next_frame`], lending the frame's bytes
    /// instead of copying them.
    pub fn next_frame_ref(&mut self) -> Result<Option<&[u8]>, FrameTooLarge> {
        Ok(self.scan()?.map(|r| &self.buf[r]))
    }

    fn scan(&mut self) -> Result<Option<std::ops::Range<usize>>, FrameTooLarge> {
        if self.state == State::Normal && self.pos == self.start {
            while self.start < self.buf.len() && is_layout(self.buf[self.start]) {
                self.start += 1;
            }
            self.pos = self.start;
        }
        while self.pos < self.buf.len() {
            if self.pos - self.start >= self.max_frame {
                return Err(FrameTooLarge(self.max_frame));
            }
            let b = self.buf[self.pos];
            let next = self.buf.get(self.pos + 1).copied();
            match self.state {
                State::Normal => match b {
                    b'\'' | b'"' => self.state = State::Quote(b),
                    b'%' => self.state = State::LineComment,
                    b'/' | b'.' if next.is_none() => return Ok(None),
                    b'/' if next == Some(b'*') => {
                        self.state = State::BlockComment;
                        self.pos += 1;
                    }
                    b'.' if next.is_some_and(|n| is_layout(n) || n == b'%') => {
                        let (start, end) = (self.start, self.pos + 1);
                        self.start = end;
                        self.pos = end;
                        return Ok(Some(start..end));
                    }
                    _ => {}
                },
                State::Quote(q) => {
                    if b == b'\\' {
                        self.state = State::QuoteEscape(q);
                    } else if b == q {
                        match next {
                            None => return Ok(None),
                            // A doubled quote stands for one quote character.
                            Some(n) if n == q => self.pos += 1,
                            Some(_) => self.state = State::Normal,
                        }
                    }
                }
                State::QuoteEscape(q) => self.state = State::Quote(q),
                State::LineComment => {
                    if b == b'\n' {
                        self.state = State::Normal;
                    }
                }
                State::BlockComment => {
                    if b == b'*' {
                        match next {
                            None => return Ok(None),
                            Some(b'/') => {
                                self.state = State::Normal;
                                self.pos += 1;
                            }
                            Some(_) => {}
                        }
                    }
                }
            }
            self.pos += 1;
        }
        if self.pos - self.start > self.max_frame {
            return Err(FrameTooLarge(self.max_frame));
        }
        Ok(None)
    }
}
