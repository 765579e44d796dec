//! The iTIP engine: for one scheduling object and a read-only view of what
//! the users hold, `decide` returns a [`Plan`]. One module per side:
//!
//! - `attendee` — a person receiving from an organiser (REQUEST, PUBLISH,
//!   CANCEL, ADD, DECLINECOUNTER), and the organiser's own copy;
//! - `organiser` — a person receiving attendees' answers (REPLY, COUNTER,
//!   REFRESH) and recording their own versions;
//! - `outgoing` — what a person sends (imip_person_outgoing);
//! - `resource` — a resource booking itself by policy;
//! - `freebusy` — VFREEBUSY requests, publications and replies;
//! - `approval` — an owner's or administrator's decision on a held booking.
//!
//! Every function starts at the admission gate (`admission::Gate`). No I/O:
//! reads go through [`ScheduleView`], writes are the plan's operations.

pub mod approval;
pub mod attendee;
pub mod freebusy;
pub mod organiser;
pub mod outgoing;
pub mod resource;
mod slots;

use super::admission::Refusal;
use super::plan::Plan;
use super::series::MessageScope;
use super::view::{Context, ScheduleView};
use crate::error::{InfraError, InfraResult};
use crate::ical::{ComponentKind, Method};
use crate::mail::ItipItem;

/// Why deciding stopped early: a domain refusal (logged, not an error) or
/// an infrastructure failure (the message is retried). Never mixed.
#[derive(Debug)]
pub enum Stop {
    /// The object is not acted on.
    Refused(Refusal),
    /// Reading the view failed.
    Infra(InfraError),
}

impl From<Refusal> for Stop {
    fn from(r: Refusal) -> Stop {
        Stop::Refused(r)
    }
}

impl From<InfraError> for Stop {
    fn from(e: InfraError) -> Stop {
        Stop::Infra(e)
    }
}

/// What a deciding function returns before refusals become plans.
pub type Decided = Result<Plan, Stop>;

/// Turns a refusal into a plan that logs it; keeps infrastructure errors.
pub fn finish(d: Decided) -> InfraResult<Plan> {
    match d {
        Ok(p) => Ok(p),
        Err(Stop::Refused(r)) => Ok(Plan::refused(&r)),
        Err(Stop::Infra(e)) => Err(e),
    }
}

/// A person's agent (imip_person) deciding on one item.
pub fn person(
    ctx: &Context<'_>,
    view: &dyn ScheduleView,
    scope: &MessageScope,
    item: &ItipItem,
) -> InfraResult<Plan> {
    let obj = &item.object;
    finish(match (obj.kind(), &item.method) {
        (ComponentKind::FreeBusy, m) => freebusy::person(ctx, view, obj, m),
        (ComponentKind::Event, Method::Request) => attendee::request(ctx, view, scope, obj, true),
        (ComponentKind::Event, Method::Publish) => attendee::request(ctx, view, scope, obj, false),
        (ComponentKind::Event, Method::Cancel) => attendee::cancel(ctx, view, scope, obj),
        (ComponentKind::Event, Method::Add) => attendee::add(ctx, view, obj),
        (ComponentKind::Event, Method::DeclineCounter) => attendee::decline_counter(ctx, view, obj),
        (ComponentKind::Event, Method::Reply) => organiser::reply(ctx, view, obj),
        (ComponentKind::Event, Method::Counter) => organiser::counter(ctx, view, obj),
        (ComponentKind::Event, Method::Refresh) => organiser::refresh(ctx, view, obj),
        (ComponentKind::Event, m) => {
            Ok(Plan::note(format!("{m} ignored: not an iTIP method for events")))
        }
        (k, m) => Ok(Plan::note(format!(
            "{} {m} ignored: only VEVENT and VFREEBUSY are understood",
            k.as_str()
        ))),
    })
}

/// A resource's agent (imip_resource) deciding on one item.
pub fn resource(
    ctx: &Context<'_>,
    view: &dyn ScheduleView,
    scope: &MessageScope,
    item: &ItipItem,
) -> InfraResult<Plan> {
    let obj = &item.object;
    finish(match (obj.kind(), &item.method) {
        (ComponentKind::FreeBusy, m) => freebusy::resource(ctx, view, obj, m),
        (ComponentKind::Event, Method::Request) => resource::request(ctx, view, scope, obj),
        (ComponentKind::Event, Method::Cancel) => resource::cancel(ctx, view, scope, obj),
        (ComponentKind::Event, Method::Add) => resource::add(ctx, view, obj),
        (ComponentKind::Event, Method::DeclineCounter) => resource::decline_counter(ctx, view, obj),
        (ComponentKind::Event, Method::Reply) if approval::is_owner_reply(obj) => {
            approval::owner_reply(ctx, view, obj)
        }
        (ComponentKind::Event, m) => Ok(Plan::note(format!(
            "{m} for {} ignored: resources do not act on it",
            obj.uid().unwrap_or_default()
        ))),
        (k, m) => Ok(Plan::note(format!(
            "{} {m} ignored: only VEVENT and VFREEBUSY are understood",
            k.as_str()
        ))),
    })
}

/// The outgoing agent (imip_person_outgoing) recording one item for the
/// user who sent it (identified by the caller).
pub fn outgoing(
    ctx: &Context<'_>,
    view: &dyn ScheduleView,
    scope: &MessageScope,
    item: &ItipItem,
) -> InfraResult<Plan> {
    let obj = &item.object;
    if obj.kind() != ComponentKind::Event {
        return Ok(Plan::note(format!(
            "{} {} not recorded: the outgoing agent records events only",
            obj.kind().as_str(),
            item.method
        )));
    }
    finish(match &item.method {
        Method::Request | Method::Publish => {
            outgoing::organiser_update(ctx, view, scope, obj, &item.method)
        }
        Method::Reply | Method::Counter => outgoing::attendee_answer(ctx, view, obj, &item.method),
        Method::Cancel => outgoing::organiser_cancel(ctx, view, scope, obj),
        Method::Add => outgoing::organiser_add(ctx, view, obj),
        Method::DeclineCounter => outgoing::decline_counter(ctx, view, obj),
        Method::Refresh => {
            Ok(Plan::note(format!("REFRESH {}: nothing to record", obj.uid().unwrap_or_default())))
        }
        m => Ok(Plan::note(format!("{m} ignored"))),
    })
}

#[cfg(test)]
mod tests;
