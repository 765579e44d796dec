//! All integration tests, linked into one binary (faster to build and run).

// Shared helpers: temporary environments, running binaries, rendering output.
mod util;

// Fixture scenarios under tests/fixtures/scenarios: the behaviour specification.
mod scenarios;
