//! OAA-style agent infrastructure: the ICL term language, the classic
//! ICL/TCP wire protocol, a facilitator and an agent library.
//!
//! Speaks the OAA 2.3.2 ICL/TCP protocol as far as it is known (see
//! `docs/oaa-protocol.md`). Layers, from pure to I/O:
//!
//! - [`icl`]: terms, parser, printer, unification (pure);
//! - [`wire`]: framing, character sets and the `event/2` envelope (pure);
//! - [`protocol`]: typed messages, parameters, solvables (pure);
//! - [`logic`]: data stores, triggers and local goal evaluation (pure);
//! - [`facilitator`]: the facilitator state machine (pure) and its tokio
//!   TCP server;
//! - [`agent`]: the async agent library and a blocking wrapper;
//! - [`cli`]: the `imip_facilitator` and `imip_ask` command lines.

pub mod agent;
pub mod cli;
pub mod facilitator;
pub mod icl;
pub mod logic;
pub mod protocol;
pub mod wire;
