//! All integration tests, linked into one binary (faster to build and run).

// Shared helpers: temporary environments, running binaries, rendering output.
mod util;

// Fixture scenarios under tests/fixtures/scenarios: the behaviour specification.
mod scenarios;

// Real client messages from ../shared/fixtures/real-world (IMIP_REAL_WORLD_FIXTURES).
mod conformance;

// Exit statuses and retries: nothing is lost, nothing recorded twice.
mod failures;

// Stories delivered in every order end in the same state (issue 11).
mod convergence;

// Scheduling actions outside mail: imip_admin respond, invite, cancel… (issue 11).
mod actions;

// No mail lost by configuration: channels, recipients, permanent refusals (issue 11).
mod delivery;

// Several processes booking one room at once.
mod concurrency;

// The LMTP/SMTP listener and sender authentication, against the binaries (issue 6).
pub mod listener;

// Hostile calendar data within the message limits: CPU and memory per message (issue 12).
mod hostile;

// Calendar agents on an OAA facilitator: wire transcripts and multi-process tests (issue 7).
mod oaa_calendar;

// Running it like mail software: status lines, logs, metrics, publishing, the admin tool (issue 16).
mod operations;
