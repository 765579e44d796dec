//! A client connection: sends commands and reads (multi-line) replies,
//! parsed by `smtp_proto::response::parser::ResponseReceiver`. Performs I/O.
//!
//! Every read and write waits at most the configured timeout, and, when a
//! deadline is set, no longer than the time left until it: the socket's
//! timeouts are shortened before each call, so a server that trickles its
//! replies or reads the message a few bytes at a time cannot stretch an
//! exchange past the deadline.

use std::io::{ErrorKind, Read, Write};
use std::time::{Duration, Instant};

use smtp_proto::Error as ParseError;
use smtp_proto::response::parser::ResponseReceiver;

use super::ClientError;
use super::target::{Stream, Target};

/// Upper bound on the bytes of one reply; a server sending more is broken.
const MAX_REPLY: usize = 64 * 1024;

/// One reply from the server.
#[derive(Debug)]
pub(crate) struct Reply {
    /// Basic reply code, e.g. 250.
    pub(crate) code: u16,
    /// Enhanced status code, `[0, 0, 0]` if none.
    pub(crate) esc: [u8; 3],
    /// Text of all lines, joined by `\n`.
    pub(crate) message: String,
    /// The reply exactly as received (for EHLO capability parsing).
    pub(crate) raw: Vec<u8>,
}

impl Reply {
    /// One-line rendering for errors and results, e.g. `451 4.2.2 Mailbox full`.
    pub(crate) fn text(&self) -> String {
        let message: String =
            self.message.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
        let message = message.trim();
        if self.esc == [0, 0, 0] {
            format!("{} {message}", self.code)
        } else {
            let [a, b, c] = self.esc;
            format!("{} {a}.{b}.{c} {message}", self.code)
        }
    }
}

/// An open session with a server.
pub(crate) struct Connection {
    stream: Stream,
    /// Received bytes not yet given to the reply parser.
    unparsed: Vec<u8>,
    receiver: ResponseReceiver,
    /// Bytes of the reply being parsed.
    raw: Vec<u8>,
    /// An earlier read or write failed; the conversation is out of step.
    broken: bool,
    /// Limit for each read or write; `None`: none.
    timeout: Option<Duration>,
    /// When the current exchange must be over, if ever.
    deadline: Option<Instant>,
    /// The socket timeout in force.
    applied: Option<Duration>,
}

impl Connection {
    /// Connects within the timeout and before `deadline`.
    pub(crate) fn open(
        target: &Target,
        timeout: Duration,
        deadline: Option<Instant>,
    ) -> Result<Self, ClientError> {
        let timeout = (!timeout.is_zero()).then_some(timeout);
        // Connecting is one call: the exact time left, not rounded.
        let left = match deadline.map(|at| at.saturating_duration_since(Instant::now())) {
            Some(left) if left.is_zero() => return Err(ClientError::Timeout),
            left => left,
        };
        let limit = shorter(timeout, left);
        Ok(Self {
            stream: target.connect(limit)?,
            unparsed: Vec::new(),
            receiver: ResponseReceiver::default(),
            raw: Vec::new(),
            broken: false,
            timeout,
            deadline,
            applied: limit,
        })
    }

    /// Sets (or clears) the time by which the coming exchanges must end.
    pub(crate) fn set_deadline(&mut self, deadline: Option<Instant>) {
        self.deadline = deadline;
    }

    /// Gives the socket the timeout for its next read or write: the
    /// configured one, or the time left if that is shorter.
    fn arm(&mut self) -> Result<(), ClientError> {
        let limit = shorter(self.timeout, time_left(self.deadline)?);
        if limit != self.applied {
            self.stream.set_timeouts(limit).map_err(ClientError::from_io)?;
            self.applied = limit;
        }
        Ok(())
    }

    pub(crate) fn send(&mut self, bytes: &[u8]) -> Result<(), ClientError> {
        if self.broken {
            return Err(ClientError::ConnectionClosed);
        }
        let result = self.write_all(bytes);
        self.broken = result.is_err();
        result
    }

    /// Writes everything, one `write` at a time so that the deadline is
    /// checked between them.
    fn write_all(&mut self, mut bytes: &[u8]) -> Result<(), ClientError> {
        while !bytes.is_empty() {
            self.arm()?;
            match self.stream.write(bytes) {
                Ok(0) => return Err(ClientError::ConnectionClosed),
                Ok(n) => bytes = &bytes[n..],
                Err(error) if error.kind() == ErrorKind::Interrupted => {}
                Err(error) => return Err(ClientError::from_io(error)),
            }
        }
        self.stream.flush().map_err(ClientError::from_io)
    }

    /// Sends `line` with CRLF and reads the reply.
    pub(crate) fn command(&mut self, line: &str) -> Result<Reply, ClientError> {
        self.send(format!("{line}\r\n").as_bytes())?;
        self.read_reply()
    }

    pub(crate) fn read_reply(&mut self) -> Result<Reply, ClientError> {
        if self.broken {
            return Err(ClientError::ConnectionClosed);
        }
        let result = self.read_reply_inner();
        self.broken = result.is_err();
        result
    }

    fn read_reply_inner(&mut self) -> Result<Reply, ClientError> {
        loop {
            if !self.unparsed.is_empty() {
                let mut bytes = self.unparsed.iter();
                let result = self.receiver.parse(&mut bytes);
                let consumed = self.unparsed.len() - bytes.as_slice().len();
                self.raw.extend(self.unparsed.drain(..consumed));
                match result {
                    Ok(response) => {
                        self.receiver.reset();
                        return Ok(Reply {
                            code: response.code,
                            esc: response.esc,
                            message: response.message,
                            raw: std::mem::take(&mut self.raw),
                        });
                    }
                    Err(ParseError::NeedsMoreData { .. }) => {}
                    Err(error) => return Err(ClientError::Garbled(error.to_string())),
                }
                if self.raw.len() > MAX_REPLY {
                    return Err(ClientError::Garbled("reply too long".into()));
                }
            }
            let mut chunk = [0u8; 4096];
            self.arm()?;
            match self.stream.read(&mut chunk) {
                Ok(0) => return Err(ClientError::ConnectionClosed),
                Ok(n) => self.unparsed.extend_from_slice(&chunk[..n]),
                Err(error) if error.kind() == ErrorKind::Interrupted => {}
                Err(error) => return Err(ClientError::from_io(error)),
            }
        }
    }
}

/// Granularity of the time left: rounded down to it, the limit stays the
/// same across the few reads and writes of one exchange, so the socket's
/// timeouts are not set again before each of them. (An exchange may thus
/// end up to this much before its deadline.)
const STEP: Duration = Duration::from_millis(100);

/// The time left until `deadline` (`None`: no deadline), rounded down to a
/// multiple of [`STEP`] while more than one step is left; a deadline that
/// has passed is a timeout.
fn time_left(deadline: Option<Instant>) -> Result<Option<Duration>, ClientError> {
    let Some(at) = deadline else { return Ok(None) };
    match at.checked_duration_since(Instant::now()) {
        Some(left) if left >= STEP => {
            let steps = left.as_millis() / STEP.as_millis();
            let steps = u32::try_from(steps).unwrap_or(u32::MAX);
            Ok(Some(STEP.saturating_mul(steps)))
        }
        Some(left) if !left.is_zero() => Ok(Some(left)),
        _ => Err(ClientError::Timeout),
    }
}

/// The shorter of two optional limits (`None` is unlimited).
fn shorter(a: Option<Duration>, b: Option<Duration>) -> Option<Duration> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
