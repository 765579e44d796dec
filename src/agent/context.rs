//! Building the engine's [`Context`] for a user and a message. No I/O.

use super::Env;
use crate::address::CalAddress;
use crate::config::prefs::Prefs;
use crate::itip::view::{Context, Limits};
use crate::mail::InboundMessage;

/// The engine's limits from the configuration.
pub fn limits(env: &Env<'_>) -> Limits {
    Limits {
        max_occurrences: env.config.limits.max_occurrences,
        max_rule_iterations: env.config.limits.max_rule_iterations,
        max_rule_candidates: env.config.limits.max_rule_candidates,
    }
}

/// The context for deciding on a message for `user`.
pub fn for_message<'a>(
    env: &'a Env<'_>,
    user: &'a CalAddress,
    prefs: &'a Prefs,
    msg: &'a InboundMessage,
) -> Context<'a> {
    Context {
        user,
        prefs,
        now: env.clock.now(),
        agent_address: &env.agent_address,
        senders: msg.senders(),
        languages: &msg.languages,
        limits: limits(env),
    }
}

/// The context for acting for `user` outside mail (no message, the user
/// as the only sender).
pub fn for_action<'a>(
    env: &'a Env<'_>,
    user: &'a CalAddress,
    prefs: &'a Prefs,
    senders: &'a [CalAddress],
) -> Context<'a> {
    Context {
        user,
        prefs,
        now: env.clock.now(),
        agent_address: &env.agent_address,
        senders,
        languages: &[],
        limits: limits(env),
    }
}
