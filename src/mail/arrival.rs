//! How a message reached the agent: on standard input (pipe mode), or
//! through a listener's Unix socket or TCP socket (with the peer's
//! address). The listener records it; sender authentication (`mail::auth`)
//! weighs the headers by it. No I/O.

use std::fmt;
use std::net::SocketAddr;

/// The way in of one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Arrival {
    /// Standard input: the MTA's pipe transport, or somebody running the
    /// program by hand (who can reach the store directly anyway).
    #[default]
    Pipe,
    /// A listener's Unix socket: its permissions decide who may connect.
    Unix,
    /// A listener's TCP socket, from this peer: anybody who can reach the
    /// port may connect.
    Tcp(SocketAddr),
}

impl Arrival {
    /// Handed over to a listener (rather than run for this one message).
    pub fn is_listener(&self) -> bool {
        !matches!(self, Arrival::Pipe)
    }
}

impl fmt::Display for Arrival {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arrival::Pipe => f.write_str("standard input"),
            Arrival::Unix => f.write_str("the listener's Unix socket"),
            Arrival::Tcp(peer) => write!(f, "TCP from {peer}"),
        }
    }
}
