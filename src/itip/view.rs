//! What the engine may read: [`ScheduleView`], a read-only view of the
//! users' stored schedules (implemented over a store transaction by
//! `agent::view::TxView`, and by any store backend through it), and
//! [`Context`], who is deciding, when and with which limits. The trait has
//! no writes: the engine returns plans. No I/O here.

use super::version::Version;
use crate::address::CalAddress;
use crate::config::prefs::Prefs;
use crate::error::InfraResult;
use crate::i18n::Lang;
use crate::ical::{Instance, Object, Role};
use crate::policy::PolicyView;
use crate::recur::ExpandParams;
use crate::store::{ObjectStatus, ReplyRecord};
use chrono::{DateTime, Duration, Utc};

/// A stored object, parsed.
#[derive(Debug, Clone)]
pub struct Stored {
    /// The object.
    pub object: Object,
    /// Active or cancelled.
    pub status: ObjectStatus,
    /// Master or occurrence.
    pub instance: Instance,
}

impl Stored {
    /// Whether the object is kept as a cancellation.
    pub fn is_cancelled(&self) -> bool {
        self.status == ObjectStatus::Cancelled
    }

    /// Whether the object is live.
    pub fn is_active(&self) -> bool {
        self.status == ObjectStatus::Active
    }

    /// Its version.
    pub fn version(&self) -> Version {
        Version::of(&self.object)
    }
}

/// Read access to stored schedules.
pub trait ScheduleView {
    /// One stored object of a user (unparseable text reads as absent).
    fn stored(
        &self,
        user: &CalAddress,
        uid: &str,
        instance: &Instance,
    ) -> InfraResult<Option<Stored>>;
    /// The occurrences of a UID a user stores separately.
    fn occurrences(&self, user: &CalAddress, uid: &str) -> InfraResult<Vec<Stored>>;
    /// Counter-proposals a user holds for an instance: (attendee, text).
    fn counters(
        &self,
        user: &CalAddress,
        uid: &str,
        instance: &Instance,
    ) -> InfraResult<Vec<(String, String)>>;
    /// The attendees' recorded answers about a UID.
    fn answers(&self, user: &CalAddress, uid: &str) -> InfraResult<Vec<ReplyRecord>>;
    /// Another party's own language, when they are a user of this system.
    fn lang_of(&self, who: &CalAddress) -> InfraResult<Option<Lang>>;
    /// Another party's own zone (their TZID preference), when they are a
    /// user of this system and set one.
    fn zone_of(&self, _who: &CalAddress) -> InfraResult<Option<crate::ical::Zone>> {
        Ok(None)
    }
    /// A user's effective preferences.
    fn prefs_of(&self, who: &CalAddress) -> InfraResult<Prefs>;
    /// What policies read (busy time, policy records, others' preferences).
    fn policy(&self) -> &dyn PolicyView;

    /// The stored object a message about an instance refers to: the
    /// occurrence when stored separately, else the master.
    fn stored_for(
        &self,
        user: &CalAddress,
        uid: &str,
        instance: &Instance,
    ) -> InfraResult<Option<Stored>> {
        if !instance.is_master()
            && let Some(s) = self.stored(user, uid, instance)?
        {
            return Ok(Some(s));
        }
        self.stored(user, uid, &Instance::Master)
    }
}

/// Limits that bound one decision.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most occurrences of one event recorded.
    pub max_occurrences: usize,
    /// Most recurrence-rule steps per expansion.
    pub max_rule_iterations: usize,
    /// Most candidate times one step of a rule may generate.
    pub max_rule_candidates: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_occurrences: 10_000,
            max_rule_iterations: 200_000,
            max_rule_candidates: 10_000,
        }
    }
}

/// Who decides, for whom, when.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    /// The user whose schedule it is (the recipient; for the outgoing
    /// agent, the sender).
    pub user: &'a CalAddress,
    /// Their preferences.
    pub prefs: &'a Prefs,
    /// Now.
    pub now: DateTime<Utc>,
    /// The agents' own address (SENT-BY on what they send for a user).
    pub agent_address: &'a CalAddress,
    /// The message's senders (From, or the envelope sender).
    pub senders: &'a [CalAddress],
    /// The message's Accept-Language / Content-Language values.
    pub languages: &'a [String],
    /// Expansion limits.
    pub limits: Limits,
}

impl Context<'_> {
    /// The SENT-BY to add for the user: the agent's address when it differs.
    pub fn sent_by(&self) -> Option<&CalAddress> {
        (*self.agent_address != *self.user).then_some(self.agent_address)
    }

    /// Expansion parameters for the user's window (busy time is recorded
    /// from `window_size` days ago to as far ahead).
    pub fn expand_params(&self) -> ExpandParams {
        let days = self.prefs.window_days().max(1);
        let mut p = ExpandParams::with_window(self.now + Duration::days(days));
        p.keep_from = Some(self.now - Duration::days(days));
        p.max_occurrences = self.limits.max_occurrences;
        p.max_iterations = self.limits.max_rule_iterations;
        p.max_rule_candidates = self.limits.max_rule_candidates;
        p
    }

    /// The language for messages to another party: their own LANG if they
    /// are a user here, else the message's Accept-Language or
    /// Content-Language, else the user's own.
    pub fn lang_for(&self, view: &dyn ScheduleView, other: &CalAddress) -> InfraResult<Lang> {
        if let Some(l) = view.lang_of(other)? {
            return Ok(l);
        }
        Ok(Lang::from_pref(self.languages.first().map_or(self.prefs.lang(), String::as_str)))
    }

    /// The instance a component is, read in the user's zone.
    pub fn instance_of(&self, obj: &Object) -> Instance {
        obj.instance(&obj.zones(self.prefs.zone()))
    }

    /// Names the user, in an object composed on their behalf, with their
    /// `CN` preference: the CN parameter of their own ORGANIZER or ATTENDEE
    /// property, unless that already has one (a name their own client gave
    /// is kept).
    pub fn name_user(&self, obj: &mut Object, role: Role) {
        let Some(cn) = self.prefs.cn().map(str::trim).filter(|c| !c.is_empty()) else {
            return;
        };
        let named = match role {
            Role::Organizer => {
                obj.organizer().filter(|o| o.address == *self.user).and_then(|o| o.cn)
            }
            Role::Attendee => obj.attendee(self.user).and_then(|a| a.cn),
        };
        if named.is_none_or(|n| n.trim().is_empty()) {
            obj.set_participant_param(role, self.user, &crate::ical::Param::Cn(cn.to_string()));
        }
    }
}
