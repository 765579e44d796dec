//! Calendar agents on a facilitator (issue 7): `imip_admin serve-agent`
//! processes, `imip_facilitator`, `imip_ask` and Rust clients over loopback
//! TCP, with mail agents changing the same stores.
#![allow(clippy::unwrap_used)]

// The agent's side of the wire, pinned as a transcript.
mod golden;
// Processes and clients for one test.
mod harness;
// Free/busy, compound goals and owner-only details across two agents.
mod queries;
// Bookings seen by mail, and triggers fired by mail-driven changes.
mod bookings;
// Petitions in utility order, time limits, an agent killed mid-request.
mod petitions;
