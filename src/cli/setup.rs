//! Turning flags and the configuration file into the pieces an agent runs
//! with: the effective configuration, the clock, the store and the
//! transports. Reads the configuration file and opens the store.

use super::args::AgentArgs;
use crate::address::CalAddress;
use crate::agent::prefs::{DirPrefs, PrefSource, StorePrefs};
use crate::clock::{Clock, FixedClock, SystemClock, parse_instant};
use crate::config::Config;
use crate::error::{InfraError, InfraResult};
use crate::mail::MailLimits;
use crate::store::sqlite::{SqliteOptions, SqliteStore};
use crate::transport::Sender;
use crate::transport::debug::MboxStdout;
use crate::transport::delivery::MailboxDelivery;
use crate::transport::outbox::OutboxDir;
use crate::transport::sendmail::Sendmail;
use crate::transport::smtp::Smtp;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Loads the configuration and applies the flags over it.
pub fn config(args: &AgentArgs) -> InfraResult<Config> {
    let (mut cfg, _) = Config::load(args.config.as_deref())?;
    if let Some(t) = &args.store_type {
        match t.as_str() {
            "sqlite" | "file" => cfg.store.kind = "sqlite".into(),
            other => {
                return Err(InfraError::Config(format!(
                    "store type {other:?} is not available; use sqlite"
                )));
            }
        }
    }
    if let Some(s) = &args.store {
        cfg.store.path = s.display().to_string();
    }
    if let Some(p) = &args.publish_dir {
        cfg.paths.publish_dir = p.display().to_string();
    }
    if let Some(p) = &args.preferences_dir {
        cfg.paths.preferences_dir = p.display().to_string();
    }
    if let Some(s) = &args.sender {
        cfg.message_sender = s.clone();
    }
    Ok(cfg)
}

/// The clock: `IMIP_AGENT_NOW` (e.g. 20270301T090000Z) fixes it, for tests
/// and for replaying fixtures; otherwise the system clock.
pub fn clock() -> Box<dyn Clock> {
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

/// The agents' own address.
pub fn agent_address(cfg: &Config) -> InfraResult<CalAddress> {
    CalAddress::from_email(&cfg.message_sender).ok_or_else(|| {
        InfraError::Config(format!("sender {:?} is not an address", cfg.message_sender))
    })
}

/// Where preferences come from.
pub fn pref_source(cfg: &Config) -> Box<dyn PrefSource> {
    if cfg.paths.preferences_dir.is_empty() {
        Box::new(StorePrefs)
    } else {
        Box::new(DirPrefs { dir: PathBuf::from(&cfg.paths.preferences_dir) })
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

/// Opens the store named by the configuration.
pub fn open_store(cfg: &Config) -> InfraResult<SqliteStore> {
    if cfg.store.kind != "sqlite" {
        return Err(InfraError::Config(format!(
            "store type {:?} is not available in this build",
            cfg.store.kind
        )));
    }
    let opts = SqliteOptions {
        busy_timeout: Duration::from_secs(cfg.store.busy_timeout_seconds),
        durable: cfg.store.durability == "full",
    };
    SqliteStore::open(Path::new(&cfg.store.path), &opts)
}

/// The transport for replies to other parties.
pub fn outgoing_sender(cfg: &Config, args: &AgentArgs) -> Box<dyn Sender> {
    sender_for(cfg, args.debug, args.outbox.as_deref())
}

/// The outgoing transport: `-d` prints, an outbox directory collects files,
/// otherwise the configured transport.
pub fn sender_for(cfg: &Config, debug: bool, outbox: Option<&Path>) -> Box<dyn Sender> {
    let prefix =
        format!("{}-{}", std::process::id(), chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0));
    if debug {
        return Box::new(MboxStdout { at: clock().now() });
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
        "stdout" => Box::new(MboxStdout { at: clock().now() }),
        _ => Box::new(Sendmail::new(
            &cfg.outgoing.sendmail_command,
            Duration::from_secs(cfg.outgoing.timeout_seconds),
            &cfg.outgoing.spool_dir,
        )),
    }
}

/// Whether mailbox delivery was asked for (`-l`, `-L`); with `-d` too, the
/// copies are printed instead.
pub fn has_delivery(args: &AgentArgs) -> bool {
    args.lmtp.is_some() || args.local_smtp
}

/// The channel for the user's own copy, if any.
pub fn delivery_sender(cfg: &Config, args: &AgentArgs) -> Option<Box<dyn Sender>> {
    if args.debug {
        return Some(Box::new(MboxStdout { at: clock().now() }));
    }
    let timeout = Duration::from_secs(cfg.delivery.timeout_seconds);
    if let Some(l) = &args.lmtp {
        let target = if l.is_empty() { cfg.delivery.lmtp.clone() } else { l.clone() };
        return Some(Box::new(MailboxDelivery::lmtp(&target, timeout)));
    }
    if args.local_smtp {
        return Some(Box::new(MailboxDelivery::local_smtp(
            &cfg.delivery.local_smtp_host,
            cfg.delivery.local_smtp_port,
            &cfg.local_prefix,
            timeout,
        )));
    }
    None
}
