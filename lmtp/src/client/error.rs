//! Errors of the delivery client. No I/O.

use std::io;

/// Why [`deliver`](crate::deliver) could not deliver the message as a whole.
#[derive(thiserror::Error, Debug)]
pub enum ClientError {
    /// Could not resolve or connect to the server.
    #[error("cannot connect to {target}: {source}")]
    Connect {
        /// The target as given.
        target: String,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// Reading from or writing to the server failed.
    #[error("I/O error talking to the server: {0}")]
    Io(#[source] io::Error),
    /// The server did not answer in time.
    #[error("timed out waiting for the server")]
    Timeout,
    /// The server closed the connection before the transaction was complete.
    #[error("server closed the connection unexpectedly")]
    ConnectionClosed,
    /// The server sent something that is not a well-formed reply.
    #[error("garbled reply from server: {0}")]
    Garbled(String),
    /// The server sent a well-formed reply that makes no sense at this point
    /// (e.g. `354` to `MAIL`).
    #[error("unexpected reply to {command}: {reply}")]
    UnexpectedReply {
        /// What we had sent.
        command: &'static str,
        /// The reply, code included.
        reply: String,
    },
    /// The server refused the transaction with a 4xx or 5xx reply.
    #[error("server refused {command}: {reply}")]
    Rejected {
        /// What we had sent (`"greeting"` for the connection greeting).
        command: &'static str,
        /// The basic reply code.
        code: u16,
        /// The reply, code included.
        reply: String,
    },
    /// Sender address or hello name cannot be sent safely (control
    /// characters, spaces or angle brackets).
    #[error("invalid input: {0}")]
    InvalidInput(String),
}

impl ClientError {
    /// Whether trying again later may succeed. Everything is temporary except
    /// an explicit 5xx refusal and unusable input, which no retry can fix.
    pub fn is_temporary(&self) -> bool {
        match self {
            ClientError::Rejected { code, .. } => !(500..600).contains(code),
            ClientError::InvalidInput(_) => false,
            _ => true,
        }
    }

    /// Maps a read/write failure, telling timeouts apart.
    pub(crate) fn from_io(error: io::Error) -> Self {
        match error.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => ClientError::Timeout,
            io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::BrokenPipe => ClientError::ConnectionClosed,
            _ => ClientError::Io(error),
        }
    }
}
