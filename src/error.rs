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
    /// A bug: code panicked. Temporary like the rest, so that the mail
    /// system keeps the message until a fixed version handles it.
    #[error("internal error: {0}")]
    Internal(String),
}

impl InfraError {
    /// Wraps an I/O error with what was being done.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        InfraError::Io { context: context.into(), source }
    }
}

/// Result with an infrastructure error.
pub type InfraResult<T> = Result<T, InfraError>;

/// Runs `f`, turning a panic into [`InfraError::Internal`]: a bug in one
/// message's handling must end as a temporary failure (exit 75, a 4xx),
/// never as a crash the mail system reads as a permanent one.
pub fn catch_panic<T>(what: &str, f: impl FnOnce() -> InfraResult<T>) -> InfraResult<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        Err(InfraError::Internal(format!("{what}: {}", panic_text(&*payload))))
    })
}

/// The message of a panic payload.
pub fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_internal_error() {
        let r: InfraResult<()> = catch_panic("handling", || panic!("boom {}", 1));
        assert!(matches!(r, Err(InfraError::Internal(m)) if m == "handling: boom 1"));
        assert!(matches!(catch_panic("x", || Ok(3)), Ok(3)));
    }
}
