//! The LMTP/SMTP listener (issue 6) against the real binaries: answers per
//! recipient only after a durable commit, 451 on internal failures and 552
//! over the size limit, retries that do not record twice, Unix sockets,
//! graceful shutdown; sender authentication in both modes; deadlines, the
//! cap per peer address and slowloris; spoofing through the TCP listener.
#![allow(clippy::unwrap_used)]

mod auth;
pub mod daemon;
mod failures;
mod protocol;
mod raw;
mod shutdown;
mod slow;
mod spoofing;
