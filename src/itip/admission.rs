//! The admission gate every method and role goes through before anything
//! is decided, and the typed reasons for not acting on a scheduling object.
//! The checks run in one fixed order — UID, identity, the recipient's part
//! in the event, continuity of the organiser (replacement, SENT-BY),
//! newness, a usable period — and the first that fails gives a [`Refusal`]
//! whose `Display` is the log line. Pure.

use super::identity::{self, IdentityError};
use super::series::master_supersedes;
use super::version::{Version, wins};
use super::view::Stored;
use crate::address::CalAddress;
use crate::config::prefs::OrganiserReplacement;
use crate::ical::{Instance, Object, Participant};
use std::fmt;

/// Why a scheduling object is not acted on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// The component has no UID.
    NoUid,
    /// Who sent it may not send it (organiser, attendee, SENT-BY, replacement).
    Identity(IdentityError),
    /// The recipient is neither an attendee nor a valid delegate.
    NotAttendee(CalAddress),
    /// A CANCEL does not list the recipient among the attendees cancelled.
    NotAmongCancelled(CalAddress),
    /// Older than what is stored.
    Stale,
    /// Older than a cancellation that is stored.
    SupersededByCancellation,
    /// No DTSTART with DTEND or DURATION.
    NoPeriod,
    /// An answer for an event the organiser does not hold.
    NotStored,
    /// An answer for a cancelled event.
    EventCancelled,
    /// The RECURRENCE-ID is not an occurrence of the stored series.
    NotAnOccurrence(String),
    /// The occurrence lies beyond what the expansion caps can verify.
    OccurrenceBeyondCaps(String),
    /// None of the answering attendees is invited.
    AnswerersNotInvited,
    /// The proposing attendee is not invited.
    ProposerNotInvited,
    /// An answer older than the same attendee's last one.
    OlderThanLastAnswer(String),
    /// An answer to an earlier version of the event than the stored one.
    ForEarlierVersion(String),
    /// A counter-proposal the organiser already declined.
    CounterAlreadyDeclined(String),
    /// The agents' outgoing copy is not from the user's point of view.
    NotOrganiser(CalAddress),
    /// The user is not an attendee in their own answer.
    NotAttendeeInAnswer(CalAddress),
    /// The user's answer is about an invitation that is not stored.
    InvitationNotStored,
    /// The message's work exceeded the per-message budget (the budget's
    /// own words: "too costly (…)").
    TooCostly(String),
    /// Anything else, said as it is.
    Other(String),
}

impl Reason {
    /// "ignored" for repeats and unusable data, "not acted on" for refusals.
    fn verb(&self) -> &'static str {
        match self {
            Reason::Stale
            | Reason::SupersededByCancellation
            | Reason::NoPeriod
            | Reason::OlderThanLastAnswer(_)
            | Reason::ForEarlierVersion(_)
            | Reason::CounterAlreadyDeclined(_) => "ignored",
            _ => "not acted on",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::NoUid => write!(f, "no UID"),
            Reason::Identity(e) => write!(f, "{e}"),
            Reason::NotAttendee(u) => write!(f, "{u} is not an attendee"),
            Reason::NotAmongCancelled(u) => {
                write!(f, "{u} is not among the attendees cancelled")
            }
            Reason::Stale => write!(f, "not newer than the stored version (SEQUENCE/DTSTAMP)"),
            Reason::SupersededByCancellation => {
                write!(f, "older than the cancellation already received (SEQUENCE/DTSTAMP)")
            }
            Reason::NoPeriod => write!(f, "no DTSTART with DTEND or DURATION"),
            Reason::NotStored => write!(f, "no such event stored"),
            Reason::EventCancelled => write!(f, "the event is cancelled"),
            Reason::NotAnOccurrence(rid) => {
                write!(f, "{rid} is not an occurrence of the stored event")
            }
            Reason::OccurrenceBeyondCaps(rid) => write!(
                f,
                "{rid} lies beyond what the recurrence caps allow to verify as an occurrence"
            ),
            Reason::AnswerersNotInvited => write!(f, "the replying attendees are not invited"),
            Reason::ProposerNotInvited => write!(f, "the proposing attendee is not invited"),
            Reason::OlderThanLastAnswer(a) => {
                write!(f, "older than the last answer of {a} (SEQUENCE/DTSTAMP)")
            }
            Reason::ForEarlierVersion(a) => {
                write!(f, "the answer of {a} is for an earlier version of the event (SEQUENCE)")
            }
            Reason::CounterAlreadyDeclined(a) => {
                write!(f, "the counter-proposal of {a} was already declined")
            }
            Reason::NotOrganiser(u) => write!(f, "{u} is not its organiser"),
            Reason::NotAttendeeInAnswer(u) => write!(f, "{u} is not an attendee in it"),
            Reason::InvitationNotStored => write!(f, "the invitation is not stored"),
            // Already says "too costly (what: amount, limit n)".
            Reason::TooCostly(why) => f.write_str(why),
            Reason::Other(s) => f.write_str(s),
        }
    }
}

/// A scheduling object not acted on: the method, which event, and why.
/// Its `Display` is the log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The iTIP method (or a label such as "free/busy REQUEST").
    pub method: String,
    /// UID, with the RECURRENCE-ID in brackets for an occurrence.
    pub label: String,
    /// Why.
    pub reason: Reason,
}

impl Refusal {
    /// A refusal.
    pub fn new(method: impl Into<String>, label: impl Into<String>, reason: Reason) -> Refusal {
        Refusal { method: method.into(), label: label.into(), reason }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.reason == Reason::NoUid {
            return write!(f, "{} without UID ignored", self.method);
        }
        write!(f, "{} {} {}: {}", self.method, self.label, self.reason.verb(), self.reason)
    }
}

/// How an event (or one occurrence of it) is named in log lines.
pub fn label(uid: &str, instance: &Instance) -> String {
    match instance {
        Instance::Master => uid.to_string(),
        Instance::Occurrence(rid) => format!("{uid} ({rid})"),
    }
}

/// The gate's checks for one object, built up in the fixed order; each
/// step returns the refusal of the first check that fails.
pub struct Gate<'a> {
    method: &'a str,
    label: String,
    uid: String,
    instance: Instance,
}

impl<'a> Gate<'a> {
    /// Step 1: the UID (and the instance, for the label).
    pub fn open(method: &'a str, obj: &Object, instance: Instance) -> Result<Gate<'a>, Refusal> {
        let Some(uid) = obj.uid() else {
            return Err(Refusal::new(method, "", Reason::NoUid));
        };
        Ok(Gate { method, label: label(&uid, &instance), uid, instance })
    }

    /// The UID.
    pub fn uid(&self) -> &str {
        &self.uid
    }

    /// The instance.
    pub fn instance(&self) -> &Instance {
        &self.instance
    }

    /// The label for log lines.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// A refusal for this object.
    pub fn refuse(&self, reason: Reason) -> Refusal {
        Refusal::new(self.method, self.label.clone(), reason)
    }

    /// Fails with `reason` unless `ok`.
    pub fn require(&self, ok: bool, reason: impl FnOnce() -> Reason) -> Result<(), Refusal> {
        if ok { Ok(()) } else { Err(self.refuse(reason())) }
    }

    /// Step 2 for messages from the organiser: the ORGANIZER was sent by
    /// one of the senders (or the recipient is a valid delegate), and, when
    /// `must_attend`, the recipient is listed.
    pub fn from_organizer(
        &self,
        obj: &Object,
        senders: &[CalAddress],
        recipient: &CalAddress,
        must_attend: bool,
    ) -> Result<Participant, Refusal> {
        identity::check_from_organizer(obj, senders, recipient, must_attend)
            .map_err(|e| self.refuse(Reason::Identity(e)))
    }

    /// Step 2 for messages to the organiser: the recipient is the
    /// ORGANIZER; returns the attendees sent by the senders.
    pub fn to_organizer(
        &self,
        obj: &Object,
        senders: &[CalAddress],
        recipient: &CalAddress,
    ) -> Result<Vec<Participant>, Refusal> {
        identity::check_to_organizer(obj, senders, recipient)
            .map_err(|e| self.refuse(Reason::Identity(e)))
    }

    /// Step 4: a known event keeps its organiser (per the replacement
    /// policy) and is not taken over through a new SENT-BY.
    pub fn continuity(
        &self,
        reference: Option<&Object>,
        obj: &Object,
        senders: &[CalAddress],
        replacement: OrganiserReplacement,
    ) -> Result<(), Refusal> {
        let Some(r) = reference else { return Ok(()) };
        identity::organiser_change_allowed(r, obj, replacement)
            .and_then(|_| identity::check_sent_by_continuity(Some(r), obj, senders))
            .map_err(|e| self.refuse(Reason::Identity(e)))
    }

    /// Step 5: not older than what the slot holds (the same master or
    /// occurrence): (SEQUENCE, DTSTAMP), a cancellation winning a tie.
    pub fn newer(
        &self,
        incoming: Version,
        incoming_cancelled: bool,
        stored: Option<&Stored>,
    ) -> Result<(), Refusal> {
        let Some(s) = stored else { return Ok(()) };
        if wins(incoming, incoming_cancelled, s.version(), s.is_cancelled()) {
            return Ok(());
        }
        let reason = if s.is_cancelled() && !incoming_cancelled {
            Reason::SupersededByCancellation
        } else {
            Reason::Stale
        };
        Err(self.refuse(reason))
    }

    /// Step 5 for an occurrence: not superseded by a master (or its
    /// cancellation) written later (`series::master_supersedes`).
    pub fn not_superseded(
        &self,
        incoming: &Object,
        incoming_cancelled: bool,
        master: Option<&Stored>,
    ) -> Result<(), Refusal> {
        let Some(m) = master.filter(|_| !self.instance.is_master()) else { return Ok(()) };
        if !master_supersedes(
            m.object.dtstamp(),
            m.is_cancelled(),
            incoming.dtstamp(),
            incoming_cancelled,
        ) {
            return Ok(());
        }
        Err(self.refuse(if m.is_cancelled() {
            Reason::SupersededByCancellation
        } else {
            Reason::Stale
        }))
    }

    /// Step 6: a usable period.
    pub fn has_period(&self, obj: &Object) -> Result<(), Refusal> {
        self.require(obj.has_period(), || Reason::NoPeriod)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn log_lines_read_as_before() {
        let r = Refusal::new("REQUEST", "u1", Reason::Stale);
        assert_eq!(
            r.to_string(),
            "REQUEST u1 ignored: not newer than the stored version (SEQUENCE/DTSTAMP)"
        );
        assert_eq!(
            Refusal::new("CANCEL", "", Reason::NoUid).to_string(),
            "CANCEL without UID ignored"
        );
        let a = CalAddress::parse("room@example.com").unwrap();
        assert_eq!(
            Refusal::new("REQUEST", "u1 (20270301T090000Z)", Reason::NotAttendee(a)).to_string(),
            "REQUEST u1 (20270301T090000Z) not acted on: mailto:room@example.com is not an attendee"
        );
    }
}
