//! Exit statuses (sysexits.h), as the MTA reads them. No I/O.

/// Done: the message was handled (or deliberately not acted on).
pub const OK: u8 = 0;
/// Usage error: wrong flags.
pub const USAGE: u8 = 64;
/// Temporary failure: store, disk or transport; the MTA keeps the message
/// and retries.
pub const TEMPFAIL: u8 = 75;
