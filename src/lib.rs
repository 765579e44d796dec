//! imip-agent: calendar scheduling over e-mail (iMIP, RFC 6047, carrying
//! iTIP, RFC 5546) for people and resources.
//!
//! Layers (docs/architecture.md): a pure core (`ical`, `recur`, `freebusy`,
//! `itip`, `policy`) that takes parsed values and an injected clock and
//! returns decisions; adapters behind small traits (`mail`, `store`,
//! `transport`); one orchestration layer (`agent`) that applies a decision
//! inside one store transaction; thin binaries over `cli`.

pub mod address;
pub mod admin;
pub mod agent;
pub mod budget;
pub mod cli;
pub mod clock;
pub mod config;
pub mod error;
pub mod freebusy;
pub mod i18n;
pub mod ical;
pub mod itip;
pub mod listener;
pub mod mail;
pub mod oaa_agents;
pub mod policy;
pub mod recur;
pub mod runtime;
pub mod scheduling;
pub mod store;
pub mod transport;
