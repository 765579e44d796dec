//! The classic ICL/TCP wire format: framing, character sets and the
//! `event/2` envelope.
//!
//! Performs no I/O; the tokio adapters in `facilitator::server` and
//! `agent::conn` feed bytes through these types.

pub mod charset;
pub mod event;
pub mod frame;

pub use charset::Charset;
pub use event::{DecodeError, Envelope};
pub use frame::{DEFAULT_MAX_FRAME, FrameScanner, FrameTooLarge};
