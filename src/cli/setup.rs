//! Turning the agents' flags and the configuration file into a
//! [`Runtime`] (the composition root) and the transports the flags choose.
//! Reads the configuration file.

use super::args::AgentArgs;
use crate::agent::AgentKind;
use crate::clock::IdGen;
use crate::config::Config;
use crate::error::{InfraError, InfraResult};
use crate::runtime::Runtime;
use crate::transport::Sender;
use crate::transport::debug::MboxStdout;

use crate::transport::delivery::MailboxDelivery;
use crate::transport::outbox::OutboxDir;
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

/// The runtime an agent runs with.
pub fn runtime(args: &AgentArgs) -> InfraResult<Runtime> {
    Ok(Runtime::new(config(args)?)?.delivering(has_delivery(args)))
}

/// The transport for replies to other parties.
pub fn outgoing_sender(rt: &Runtime, args: &AgentArgs) -> Box<dyn Sender> {
    rt.outgoing_sender(args.debug, args.outbox.as_deref())
}

/// Whether mailbox delivery was asked for (`-l`, `-L`); with `-d` too, the
/// copies are printed instead.
pub fn has_delivery(args: &AgentArgs) -> bool {
    args.lmtp.is_some() || args.local_smtp
}

/// Whether the user's copy has somewhere to go: a flag (`-l`, `-L`, `-d`,
/// `--outbox`) or `[delivery] method`.
pub fn has_delivery_channel(rt: &Runtime, args: &AgentArgs) -> bool {
    has_delivery(args)
        || args.debug
        || args.outbox.is_some()
        || !rt.config.delivery.method.is_empty()
}

/// A person agent must be able to deliver the mail it takes: without any
/// way to (no flag, nothing configured) it refuses to run, so that the MTA
/// defers the mail (exit 78) instead of it being dropped.
pub fn check_delivery(kind: AgentKind, rt: &Runtime, args: &AgentArgs) -> InfraResult<()> {
    if kind == AgentKind::Person && !has_delivery_channel(rt, args) {
        return Err(InfraError::Config(
            "imip_person has no way to deliver the user's copy: give -l SOCKET, -L, -d or --outbox DIR, or set [delivery] method".into(),
        ));
    }
    Ok(())
}

/// The channel for the user's own copy, if any.
pub fn delivery_sender(rt: &Runtime, args: &AgentArgs) -> Option<Box<dyn Sender>> {
    let cfg = &rt.config;
    if args.debug {
        return Some(Box::new(MboxStdout { at: rt.clock.now() }));
    }
    let timeout = Duration::from_secs(cfg.delivery.timeout_seconds);
    if let Some(l) = &args.lmtp {
        let target = if l.is_empty() { cfg.delivery.lmtp.clone() } else { l.clone() };
        return Some(Box::new(MailboxDelivery::lmtp(&target, timeout)));
    }
    if let Some(dir) = &args.outbox {
        // --outbox captures everything, the user's copies too.
        let prefix = format!("{}-{}", std::process::id(), rt.ids.next_id());
        return Some(Box::new(OutboxDir::new(dir.clone(), format!("deliver-{prefix}"))));
    }
    if !args.local_smtp && cfg.delivery.method == "lmtp" {
        return Some(Box::new(MailboxDelivery::lmtp(&cfg.delivery.lmtp, timeout)));
    }
    if args.local_smtp || cfg.delivery.method == "smtp" {
        return Some(Box::new(MailboxDelivery::local_smtp(
            &cfg.delivery.local_smtp_host,
            cfg.delivery.local_smtp_port,
            &cfg.local_prefix,
            timeout,
        )));
    }
    None
}
