//! The composition root: [`Runtime`] holds what every program runs with —
//! the effective configuration, the clock, identifiers, where preferences
//! come from, the agents' own address, the system's zone — built once from
//! the configuration file and the command line, and hands out the
//! [`Env`] the engine's applier uses, the configured store and the
//! transports. Pipe mode, the listener, `imip_admin`, the OAA calendar
//! agents and tests all start here (after ripgrep's `HiArgs`). Reads the
//! environment (`IMIP_AGENT_NOW`, `TZ`) and `/etc/timezone`; opening the
//! store and the transports does I/O.

use crate::address::CalAddress;
use crate::agent::Env;
use crate::agent::prefs::{DirPrefs, PrefSource, StorePrefs};
use crate::clock::{Clock, CounterIdGen, FixedClock, SystemClock, parse_instant};
use crate::config::Config;
use crate::error::{InfraError, InfraResult};
use crate::mail::MailLimits;
use crate::store::Store;
use crate::transport::Sender;
use crate::transport::debug::MboxStdout;
use crate::transport::outbox::OutboxDir;
use crate::transport::sendmail::Sendmail;
use crate::transport::smtp::Smtp;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Everything a program runs with.
pub struct Runtime {
    /// The effective configuration.
    pub config: Config,
    /// The clock.
    pub clock: Box<dyn Clock>,
    /// Identifier generator.
    pub ids: CounterIdGen,
    /// Where user preferences come from.
    pub prefs: Box<dyn PrefSource + Send + Sync>,
    /// The agents' own address (MESSAGE_SENDER, or `-s`).
    pub agent_address: CalAddress,
    /// The system's time zone, the last fallback for TZID.
    pub system_zone: Option<String>,
    /// Whether users' mailbox copies have a channel (`-l`, `-L`).
    pub mailbox_delivery: bool,
}

/// The clock: `IMIP_AGENT_NOW` (e.g. 20270301T090000Z) fixes it, for tests
/// and for replaying fixtures; otherwise the system clock.
pub fn clock_from_env() -> Box<dyn Clock> {
    match std::env::var("IMIP_AGENT_NOW").ok().as_deref().and_then(parse_instant) {
        Some(t) => Box::new(FixedClock(t)),
        None => Box::new(SystemClock),
    }
}

/// The system's time zone: TZ, /etc/timezone, or the /etc/localtime link.
pub fn system_zone() -> Option<String> {
    if let Ok(tz) = std::env::var("TZ") {
        let tz = tz.trim_start_matches(':').to_string();
        if !tz.is_empty() {
            return Some(tz);
        }
    }
    if let Ok(t) = std::fs::read_to_string("/etc/timezone") {
        let t = t.trim().to_string();
        if !t.is_empty() {
            return Some(t);
        }
    }
    std::fs::read_link("/etc/localtime")
        .ok()
        .and_then(|p| p.to_str().and_then(|s| s.split("zoneinfo/").nth(1)).map(str::to_string))
}

/// The agents' own address from the configuration.
pub fn agent_address(cfg: &Config) -> InfraResult<CalAddress> {
    CalAddress::from_email(&cfg.message_sender).ok_or_else(|| {
        InfraError::Config(format!("sender {:?} is not an address", cfg.message_sender))
    })
}

/// Where preferences come from: the store, or imip-agent's directory (`-p`).
pub fn pref_source(cfg: &Config) -> Box<dyn PrefSource + Send + Sync> {
    if cfg.paths.preferences_dir.is_empty() {
        Box::new(StorePrefs)
    } else {
        Box::new(DirPrefs { dir: PathBuf::from(&cfg.paths.preferences_dir) })
    }
}

impl Runtime {
    /// The runtime for a configuration, with the clock from the
    /// environment.
    pub fn new(config: Config) -> InfraResult<Runtime> {
        Runtime::with_clock(config, clock_from_env())
    }

    /// The runtime with a given clock (tests, replays).
    pub fn with_clock(config: Config, clock: Box<dyn Clock>) -> InfraResult<Runtime> {
        let ids = CounterIdGen::from_clock(clock.as_ref());
        Ok(Runtime {
            agent_address: agent_address(&config)?,
            prefs: pref_source(&config),
            system_zone: system_zone(),
            mailbox_delivery: false,
            clock,
            ids,
            config,
        })
    }

    /// Says whether users' mailbox copies have a channel.
    pub fn delivering(mut self, yes: bool) -> Runtime {
        self.mailbox_delivery = yes;
        self
    }

    /// The environment the applier runs with.
    pub fn env(&self) -> Env<'_> {
        Env {
            config: &self.config,
            clock: self.clock.as_ref(),
            ids: &self.ids,
            agent_address: self.agent_address.clone(),
            prefs: self.prefs.as_ref(),
            system_zone: self.system_zone.clone(),
            mailbox_delivery: self.mailbox_delivery,
        }
    }

    /// Opens the configured store.
    pub fn open_store(&self) -> InfraResult<Box<dyn Store + Send>> {
        crate::store::open(&self.config.store)
    }

    /// Limits for reading incoming messages.
    pub fn mail_limits(&self) -> MailLimits {
        mail_limits(&self.config)
    }

    /// The transport for messages to other parties: `-d` prints, an outbox
    /// directory collects files, otherwise the configured transport.
    pub fn outgoing_sender(&self, debug: bool, outbox: Option<&Path>) -> Box<dyn Sender> {
        sender_for(&self.config, self.clock.as_ref(), debug, outbox)
    }
}

/// Limits for reading incoming messages.
pub fn mail_limits(cfg: &Config) -> MailLimits {
    MailLimits {
        max_message_size: cfg.limits.max_message_size,
        max_depth: cfg.limits.max_mime_depth,
        max_parts: cfg.limits.max_mime_parts,
        ..MailLimits::default()
    }
}

/// The outgoing transport: `-d` prints, an outbox directory collects files,
/// otherwise the configured transport.
pub fn sender_for(
    cfg: &Config,
    clock: &dyn Clock,
    debug: bool,
    outbox: Option<&Path>,
) -> Box<dyn Sender> {
    let prefix =
        format!("{}-{}", std::process::id(), chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0));
    if debug {
        return Box::new(MboxStdout { at: clock.now() });
    }
    if let Some(dir) = outbox {
        return Box::new(OutboxDir::new(dir.to_path_buf(), prefix));
    }
    match cfg.outgoing.transport.as_str() {
        "smtp" => Box::new(Smtp::new(
            &cfg.outgoing.smtp_host,
            cfg.outgoing.smtp_port,
            Duration::from_secs(cfg.outgoing.timeout_seconds),
        )),
        "outbox" => Box::new(OutboxDir::new(PathBuf::from(&cfg.outgoing.outbox_dir), prefix)),
        "stdout" => Box::new(MboxStdout { at: clock.now() }),
        _ => Box::new(Sendmail::new(
            &cfg.outgoing.sendmail_command,
            Duration::from_secs(cfg.outgoing.timeout_seconds),
            &cfg.outgoing.spool_dir,
        )),
    }
}
