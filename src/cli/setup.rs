//! Turning the agents' flags and the configuration file into a
//! [`Runtime`] (the composition root) and the transports the flags choose.
//! Reads the configuration file.

use super::args::AgentArgs;
use crate::config::Config;
use crate::error::{InfraError, InfraResult};
use crate::runtime::Runtime;
use crate::transport::Sender;
use crate::transport::debug::MboxStdout;
use crate::transport::delivery::MailboxDelivery;
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
