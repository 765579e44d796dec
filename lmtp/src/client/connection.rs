//! A client connection: sends commands and reads (multi-line) replies,
//! parsed by `smtp_proto::response::parser::ResponseReceiver`. Performs I/O.

use std::io::{ErrorKind, Read, Write};
use std::time::Duration;

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
}

impl Connection {
    pub(crate) fn open(target: &Target, timeout: Duration) -> Result<Self, ClientError> {
        Ok(Self {
            stream: target.connect(timeout)?,
            unparsed: Vec::new(),
            receiver: ResponseReceiver::default(),
            raw: Vec::new(),
            broken: false,
        })
    }

    pub(crate) fn send(&mut self, bytes: &[u8]) -> Result<(), ClientError> {
        if self.broken {
            return Err(ClientError::ConnectionClosed);
        }
        let result = self.stream.write_all(bytes).and_then(|()| self.stream.flush());
        self.broken = result.is_err();
        result.map_err(ClientError::from_io)
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
            match self.stream.read(&mut chunk) {
                Ok(0) => return Err(ClientError::ConnectionClosed),
                Ok(n) => self.unparsed.extend_from_slice(&chunk[..n]),
                Err(error) if error.kind() == ErrorKind::Interrupted => {}
                Err(error) => return Err(ClientError::from_io(error)),
            }
        }
    }
}
