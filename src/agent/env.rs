//! What an agent runs with: configuration, clock, identifiers, its own
//! address and where preferences come from. No I/O.

use super::prefs::PrefSource;
use crate::address::CalAddress;
use crate::clock::{Clock, IdGen};
use crate::config::Config;
use crate::mail::compose::Composer;
use crate::recur::ExpandParams;
use chrono::Duration;

/// Which agent program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentKind {
    /// imip_person
    Person,
    /// imip_person_outgoing
    Outgoing,
    /// imip_resource
    Resource,
}

impl AgentKind {
    /// The program name.
    pub fn program(self) -> &'static str {
        match self {
            AgentKind::Person => "imip_person",
            AgentKind::Outgoing => "imip_person_outgoing",
            AgentKind::Resource => "imip_resource",
        }
    }

    /// The user kind recorded for recipients of this agent.
    pub fn user_kind(self) -> &'static str {
        match self {
            AgentKind::Resource => "resource",
            _ => "person",
        }
    }
}

/// The agent's environment.
pub struct Env<'a> {
    /// Configuration.
    pub config: &'a Config,
    /// The clock.
    pub clock: &'a dyn Clock,
    /// Identifier generator.
    pub ids: &'a dyn IdGen,
    /// The agents' own address (MESSAGE_SENDER, or `-s`).
    pub agent_address: CalAddress,
    /// Where user preferences come from.
    pub prefs: &'a dyn PrefSource,
    /// The system's time zone, the last fallback for TZID.
    pub system_zone: Option<String>,
    /// Whether mailbox delivery was asked for (`-l`, `-L`); resources
    /// deliver copies only then (people always do, when they can).
    pub mailbox_delivery: bool,
}

impl Env<'_> {
    /// Expansion parameters for a user with a window of `days`.
    pub fn expand_params(&self, days: i64) -> ExpandParams {
        let now = self.clock.now();
        let mut p = ExpandParams::with_window(now + Duration::days(days.max(1)));
        p.keep_from = Some(now - Duration::days(days.max(1)));
        p.max_occurrences = self.config.limits.max_occurrences;
        p.max_iterations = self.config.limits.max_rule_iterations;
        p.max_rule_candidates = self.config.limits.max_rule_candidates;
        p
    }

    /// The agent's e-mail address.
    pub fn sender_email(&self) -> String {
        self.agent_address.email().unwrap_or("calendar@example.com").to_string()
    }

    /// A composer for mail from `from` (normally [`Env::sender_email`]).
    pub fn composer<'s>(&'s self, from: &'s str) -> Composer<'s> {
        Composer {
            from,
            ids: self.ids,
            now: self.clock.now(),
            fold: self.config.fold_length(),
            thread: None,
        }
    }
}
