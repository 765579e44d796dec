//! Infrastructure errors: failures of the store, the disk or a transport.
//! These never describe a problem with the message itself; every one of them
//! ends as a temporary failure (exit status 75 in pipe mode, a 4xx reply over
//! LMTP) so that the mail system keeps the message and retries. Problems with
//! the message (malformed calendar data, a sender who is not the organiser…)
//! are domain outcomes and are reported through notes and replies instead.
//! Performs no I/O.

use thiserror::Error;

/// A failure of the machinery around the agent.
#[derive(Debug, Error)]
pub enum InfraError {
    /// The store could not be opened, read or written (locked, corrupt, full…).
    #[error("store: {0}")]
    Store(String),
    /// A file system operation failed.
    #[error("i/o: {context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Sending or delivering a message failed temporarily.
    #[error("transport: {0}")]
    Transport(String),
    /// The configuration cannot be used.
    #[error("configuration: {0}")]
    Config(String),
}

impl InfraError {
    /// Wraps an I/O error with what was being done.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        InfraError::Io { context: context.into(), source }
    }
}

impl From<rusqlite::Error> for InfraError {
    fn from(e: rusqlite::Error) -> Self {
        InfraError::Store(e.to_string())
    }
}

/// Result with an infrastructure error.
pub type InfraResult<T> = Result<T, InfraError>;
