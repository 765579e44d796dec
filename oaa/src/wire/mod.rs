//! The classic ICL/TCP wire format: framing, character sets and the
//! `event/2` envelope, and the byte accounting of a connection's output
//! backlog.
//!
//! Performs no I/O; the tokio adapters in `facilitator::server` and
//! `agent::conn` feed bytes through these types.

pub mod backlog;
pub mod charset;
pub mod event;
pub mod frame;

pub use backlog::{
    Backlog, DEFAULT_MAX_INPUT_FRAMES, DEFAULT_MAX_INPUT_QUEUE, DEFAULT_MAX_OUTPUT_QUEUE, Overflow,
};
pub use charset::Charset;
pub use event::{DecodeError, Envelope};
pub use frame::{DEFAULT_MAX_FRAME, FrameScanner, FrameTooLarge};
