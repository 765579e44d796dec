//! Scheduling actions outside mail (issue 11): what a person does from the
//! web manager, `imip_admin` or a software agent — answer an invitation,
//! propose another time, delegate, ask for the latest version; as organiser
//! create and invite, update, add an occurrence, cancel, answer a
//! counter-proposal. Pure: [`compose`] reads what the user holds through a
//! [`ScheduleView`] and returns the iTIP messages the action sends
//! ([`Composed`]). The applier (`agent::scheduling`) records each message
//! exactly as `imip_person_outgoing` records the user's own mail (through
//! `engine::outgoing`) and sends it, so an action and the same message
//! sent by a mail client leave the same state.
//!
//! - `attendee`: respond, counter, delegate, refresh;
//! - `organiser`: create, update, add, cancel, accept or decline a counter.

mod attendee;
mod organiser;

use super::view::{Context, ScheduleView, Stored};
use crate::address::CalAddress;
use crate::error::InfraError;
use crate::ical::{DateTimeValue, Instance, Method, Object, PartStat};
use chrono::{DateTime, Duration, Utc};
use std::fmt;

/// Which event (and which instance of it) an action is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// UID.
    pub uid: String,
    /// The whole event, or one occurrence.
    pub instance: Instance,
}

/// A new event's times and description.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFields {
    /// SUMMARY.
    pub summary: Option<String>,
    /// DTSTART.
    pub start: Option<DateTimeValue>,
    /// DTEND.
    pub end: Option<DateTimeValue>,
    /// RRULE text (`FREQ=WEEKLY;COUNT=4`).
    pub rrule: Option<String>,
    /// LOCATION.
    pub location: Option<String>,
    /// DESCRIPTION.
    pub description: Option<String>,
}

/// Someone to invite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitee {
    /// Address.
    pub address: CalAddress,
    /// CUTYPE: INDIVIDUAL, ROOM or RESOURCE.
    pub cutype: String,
}

impl Invitee {
    /// A person.
    pub fn person(address: CalAddress) -> Invitee {
        Invitee { address, cutype: "INDIVIDUAL".into() }
    }

    /// A room or piece of equipment.
    pub fn resource(address: CalAddress, cutype: &str) -> Invitee {
        Invitee { address, cutype: cutype.to_ascii_uppercase() }
    }
}

/// One scheduling action of the user.
#[derive(Debug, Clone)]
pub enum Action {
    /// Attendee: ACCEPTED, TENTATIVE or DECLINED, for the series or one
    /// occurrence (REPLY to the organiser).
    Respond {
        /// The event.
        target: Target,
        /// The answer.
        partstat: PartStat,
        /// A COMMENT for the organiser.
        comment: Option<String>,
    },
    /// Attendee: proposes other times (COUNTER to the organiser).
    Counter {
        /// The event.
        target: Target,
        /// Proposed start.
        start: DateTimeValue,
        /// Proposed end.
        end: DateTimeValue,
        /// A COMMENT for the organiser.
        comment: Option<String>,
    },
    /// Attendee: hands the invitation to someone else (REPLY DELEGATED to
    /// the organiser, REQUEST to the delegate).
    Delegate {
        /// The event.
        target: Target,
        /// The delegate.
        to: CalAddress,
        /// A COMMENT.
        comment: Option<String>,
    },
    /// Attendee: asks the organiser for the latest version (REFRESH).
    Refresh {
        /// The event.
        target: Target,
    },
    /// Organiser: a new event, sent to the invitees (REQUEST).
    Create {
        /// Its UID (the caller generates it).
        uid: String,
        /// Times and description (start and end are required).
        fields: EventFields,
        /// Who is invited.
        invitees: Vec<Invitee>,
    },
    /// Organiser: changes the event or one occurrence; a significant change
    /// (times, rule, location) bumps SEQUENCE and asks everyone again.
    Update {
        /// The event.
        target: Target,
        /// What changes.
        fields: EventFields,
        /// Invited in addition.
        invite: Vec<Invitee>,
        /// No longer invited (they get a CANCEL).
        uninvite: Vec<CalAddress>,
    },
    /// Organiser: adds an occurrence to a recurring event (ADD).
    Add {
        /// The event.
        uid: String,
        /// The new occurrence's start.
        start: DateTimeValue,
        /// Its end.
        end: DateTimeValue,
    },
    /// Organiser: cancels the event or one occurrence (CANCEL).
    Cancel {
        /// The event.
        target: Target,
        /// A COMMENT for the attendees.
        comment: Option<String>,
    },
    /// Organiser: adopts an attendee's counter-proposal (REQUEST with the
    /// proposed times, SEQUENCE bumped).
    AcceptCounter {
        /// The event.
        target: Target,
        /// Whose proposal.
        attendee: CalAddress,
    },
    /// Organiser: refuses an attendee's counter-proposal (DECLINECOUNTER).
    DeclineCounter {
        /// The event.
        target: Target,
        /// Whose proposal.
        attendee: CalAddress,
        /// A COMMENT for the attendee.
        comment: Option<String>,
    },
}

impl Action {
    /// The action's name, as the command that asks for it.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Respond { .. } => "respond",
            Action::Counter { .. } => "counter",
            Action::Delegate { .. } => "delegate",
            Action::Refresh { .. } => "refresh",
            Action::Create { .. } => "invite",
            Action::Update { .. } => "update",
            Action::Add { .. } => "add",
            Action::Cancel { .. } => "cancel",
            Action::AcceptCounter { .. } => "accept-counter",
            Action::DeclineCounter { .. } => "decline-counter",
        }
    }

    /// The UID the action is about.
    pub fn uid(&self) -> &str {
        match self {
            Action::Respond { target, .. }
            | Action::Counter { target, .. }
            | Action::Delegate { target, .. }
            | Action::Refresh { target }
            | Action::Update { target, .. }
            | Action::Cancel { target, .. }
            | Action::AcceptCounter { target, .. }
            | Action::DeclineCounter { target, .. } => &target.uid,
            Action::Create { uid, .. } | Action::Add { uid, .. } => uid,
        }
    }
}

/// One message an action sends.
#[derive(Debug, Clone)]
pub struct Outbound {
    /// Its METHOD.
    pub method: Method,
    /// The component.
    pub object: Object,
    /// Who receives it (none: only recorded, e.g. an event without guests).
    pub to: Vec<CalAddress>,
    /// Whether it is recorded in the user's schedule, as the outgoing agent
    /// records the user's own mail (a REFRESH or the REQUEST a delegator
    /// forwards is not).
    pub record: bool,
}

/// What an action sends.
#[derive(Debug, Clone, Default)]
pub struct Composed {
    /// The messages, in order.
    pub messages: Vec<Outbound>,
    /// One line saying what the action does.
    pub summary: String,
}

/// Why an action cannot be done: a domain outcome, reported to the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionError {
    /// Nothing stored under that UID (and instance).
    NotStored(Target),
    /// The event (or occurrence) is cancelled.
    Cancelled(Target),
    /// The user does not organise the event.
    NotOrganiser(String),
    /// The user organises the event (an attendee action was asked).
    Organiser(String),
    /// The user is not invited to the event.
    NotAttendee(String),
    /// The RECURRENCE-ID is not an occurrence of the event.
    NoSuchOccurrence(String),
    /// No counter-proposal of that attendee is held.
    NoCounter(String),
    /// Something about the request itself (bad times, no start…).
    Invalid(String),
    /// Reading the store failed (infrastructure, not the user's doing).
    Infra(String),
}

impl fmt::Display for ActionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActionError::NotStored(t) if t.instance.is_master() => {
                write!(f, "no event {} is stored for this user", t.uid)
            }
            ActionError::NotStored(t) => {
                write!(f, "no event {} (occurrence {}) is stored for this user", t.uid, t.instance)
            }
            ActionError::Cancelled(t) => write!(f, "event {} is cancelled", t.uid),
            ActionError::NotOrganiser(uid) => {
                write!(
                    f,
                    "event {uid} is organised by someone else: only its organiser can do this"
                )
            }
            ActionError::Organiser(uid) => {
                write!(
                    f,
                    "event {uid} is organised by this user: attendees answer, organisers update"
                )
            }
            ActionError::NotAttendee(uid) => write!(f, "this user is not invited to event {uid}"),
            ActionError::NoSuchOccurrence(rid) => {
                write!(f, "{rid} is not an occurrence of the event")
            }
            ActionError::NoCounter(a) => write!(f, "no counter-proposal from {a} is held"),
            ActionError::Invalid(m) => f.write_str(m),
            ActionError::Infra(m) => write!(f, "reading the store failed: {m}"),
        }
    }
}

/// What composing returns.
pub type ComposeResult = Result<Composed, ActionFailure>;

/// An action refused (domain) or a failed read (infrastructure). Never mixed.
#[derive(Debug)]
pub enum ActionFailure {
    /// The action cannot be done; nothing changed.
    Refused(ActionError),
    /// Reading the store failed; try again.
    Infra(InfraError),
}

impl From<ActionError> for ActionFailure {
    fn from(e: ActionError) -> Self {
        ActionFailure::Refused(e)
    }
}

impl From<InfraError> for ActionFailure {
    fn from(e: InfraError) -> Self {
        ActionFailure::Infra(e)
    }
}

/// Composes the messages of `action` for `ctx.user`.
pub fn compose(ctx: &Context<'_>, view: &dyn ScheduleView, action: &Action) -> ComposeResult {
    match action {
        Action::Respond { target, partstat, comment } => {
            attendee::respond(ctx, view, target, partstat, comment.as_deref())
        }
        Action::Counter { target, start, end, comment } => {
            attendee::counter(ctx, view, target, start, end, comment.as_deref())
        }
        Action::Delegate { target, to, comment } => {
            attendee::delegate(ctx, view, target, to, comment.as_deref())
        }
        Action::Refresh { target } => attendee::refresh(ctx, view, target),
        Action::Create { uid, fields, invitees } => organiser::create(ctx, uid, fields, invitees),
        Action::Update { target, fields, invite, uninvite } => {
            organiser::update(ctx, view, target, fields, invite, uninvite)
        }
        Action::Add { uid, start, end } => organiser::add(ctx, view, uid, start, end),
        Action::Cancel { target, comment } => {
            organiser::cancel(ctx, view, target, comment.as_deref())
        }
        Action::AcceptCounter { target, attendee } => {
            organiser::accept_counter(ctx, view, target, attendee)
        }
        Action::DeclineCounter { target, attendee, comment } => {
            organiser::decline_counter(ctx, view, target, attendee, comment.as_deref())
        }
    }
}

/// The DTSTAMP for a message that follows `after`: now, or a second after
/// the latest version the user already holds or sent (two actions in the
/// same second must still be ordered; DTSTAMP never moves backwards).
fn stamp_after(now: DateTime<Utc>, after: impl IntoIterator<Item = Option<i64>>) -> DateTime<Utc> {
    let latest = after.into_iter().flatten().max();
    match latest.and_then(|s| DateTime::<Utc>::from_timestamp(s, 0)) {
        Some(t) if t >= now => t + Duration::seconds(1),
        _ => now,
    }
}

/// The stored object an action about `target` starts from: the occurrence
/// when stored separately, else the master (for an occurrence: the
/// occurrence made from the series, asking the rule however far ahead).
fn instance_of(
    ctx: &Context<'_>,
    view: &dyn ScheduleView,
    target: &Target,
) -> Result<(Stored, Object), ActionFailure> {
    let Some(stored) = view.stored_for(ctx.user, &target.uid, &target.instance)? else {
        return Err(ActionError::NotStored(target.clone()).into());
    };
    if stored.is_cancelled() {
        return Err(ActionError::Cancelled(target.clone()).into());
    }
    let object = match &target.instance {
        Instance::Occurrence(rid) if stored.instance.is_master() => {
            let zones = stored.object.zones(ctx.prefs.zone());
            crate::itip::series::separate_occurrence(
                &stored.object,
                &zones,
                rid,
                &ctx.expand_params(),
            )
            .map_err(|_| ActionError::NoSuchOccurrence(rid.clone()))?
        }
        _ => stored.object.clone(),
    };
    Ok((stored, object))
}

/// Adds a COMMENT when one is given.
fn with_comment(obj: &mut Object, comment: Option<&str>) {
    if let Some(c) = comment.map(str::trim).filter(|c| !c.is_empty()) {
        obj.set_text(crate::ical::Property::Comment, c);
    }
}

#[cfg(test)]
mod tests;
