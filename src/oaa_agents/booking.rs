//! Booking resources from the facilitator: `book` runs a request through
//! [`crate::agent::actions::book`] — the checks, policy chain and recording
//! of a mail REQUEST — in one write transaction; `book_any` offers a
//! petition to each matching resource this agent serves until one accepts.
//! Performs I/O (store, published free/busy files, the outgoing mail
//! transport).
//!
//! Mail (docs/oaa-calendar.md §5): the organiser's reply is the OAA answer
//! and is not mailed unless [`MailPolicy::All`]; messages to third parties
//! (approval requests to a resource's owner, requests to a delegate) are
//! sent as the mail agent would, unless [`MailPolicy::None`].

use super::backend::Backend;
use super::calendar;
use super::directory::{Directory, Kind};
use crate::address::CalAddress;
use crate::agent::actions;
use crate::cli::send::send_outbox;
use crate::error::InfraResult;
use crate::ical::{ComponentKind, DateTimeValue, Object, Param, PartStat, Property};
use crate::store::{OutboxMessage, RunRecord};
use chrono::{DateTime, Utc};
use std::time::Instant;
use tracing::{info, warn};

/// The program name in run records.
const PROGRAM: &str = "imip_admin serve-agent";

/// Which messages a booking sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailPolicy {
    /// Nothing (the decision is only the OAA answer and the store records).
    None,
    /// Everything except the reply to the organiser (the default).
    Others,
    /// Everything a mail REQUEST would cause, the organiser's reply included.
    All,
}

/// A booking request.
#[derive(Debug, Clone)]
pub struct BookRequest {
    /// The resource.
    pub resource: CalAddress,
    /// The organiser the booking is for.
    pub organizer: CalAddress,
    /// Start.
    pub start: DateTime<Utc>,
    /// End.
    pub end: DateTime<Utc>,
    /// SUMMARY.
    pub summary: String,
    /// UID to use (a new one when `None`; an existing one updates that booking).
    pub uid: Option<String>,
}

/// The outcome of a booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booked {
    /// ACCEPTED, DECLINED, TENTATIVE, COUNTER or DELEGATED.
    pub decision: String,
    /// The event's UID.
    pub uid: String,
}

impl Booked {
    /// Whether the resource took the booking (possibly pending approval).
    pub fn taken(&self) -> bool {
        matches!(self.decision.as_str(), "ACCEPTED" | "TENTATIVE")
    }
}

/// The VEVENT a mail client would send to book the resource.
fn request_object(r: &BookRequest, uid: &str, now: &DateTime<Utc>) -> Object {
    let mut o = Object::new(ComponentKind::Event);
    o.set_uid(uid);
    o.set_dtstamp(now);
    o.set_sequence(0);
    o.set_dtstart(&DateTimeValue::Utc(r.start.naive_utc()));
    o.set_dtend(&DateTimeValue::Utc(r.end.naive_utc()));
    o.set_text(Property::Summary, &r.summary);
    o.set_organizer(&r.organizer, &[]);
    o.add_attendee(
        &r.resource,
        &[
            Param::PartStat(PartStat::NeedsAction),
            Param::Rsvp(true),
            Param::Cutype("RESOURCE".into()),
        ],
    );
    o
}

fn past(deadline: Option<Instant>) -> bool {
    deadline.is_some_and(|d| Instant::now() >= d)
}

/// Books `r`. `None` when nothing was decided: the request was not acted
/// on (see the log), or `deadline` (the requester's `time_limit`, counted
/// from receipt) passed before the booking could be committed — then
/// nothing is recorded, since the requester has given up.
pub fn book(
    backend: &Backend,
    r: &BookRequest,
    deadline: Option<Instant>,
    mail: MailPolicy,
) -> InfraResult<Option<Booked>> {
    let began = Instant::now();
    let done = backend.with_writer(|env, store| -> InfraResult<Option<_>> {
        let now = env.clock.now();
        let uid = r.uid.clone().unwrap_or_else(|| {
            format!("oaa-{}@{}", env.ids.next_id(), r.resource.domain().unwrap_or("localhost"))
        });
        let obj = request_object(r, &uid, &now);
        // Waits for other writers (mail agents) up to the busy timeout.
        let mut tx = store.write()?;
        if past(deadline) {
            warn!(resource = %r.resource, "time limit passed while waiting for the store: not booked");
            return Ok(None);
        }
        let (decision, out) = actions::book(env, tx.as_mut(), &r.resource, &obj, &r.organizer)?;
        if past(deadline) {
            // Dropping the transaction rolls the booking back.
            warn!(resource = %r.resource, uid, "time limit passed before commit: not booked");
            return Ok(None);
        }
        tx.commit()?;
        for u in out.freebusy_changed.iter().filter_map(|u| CalAddress::parse(u)) {
            if let Err(e) = crate::agent::publish::publish(env, store, &u) {
                warn!(user = %u, error = %e, "published free/busy not rewritten");
            }
        }
        Ok(Some((decision, out, uid)))
    })?;
    let Some((decision, out, uid)) = done else { return Ok(None) };
    for n in &out.notes {
        info!(resource = %r.resource, "{n}");
    }
    let Some(decision) = decision else { return Ok(None) };
    let organizer_email = r.organizer.email().unwrap_or_default().to_string();
    let outbox: Vec<OutboxMessage> = out
        .outbox
        .into_iter()
        .filter(|m| match mail {
            MailPolicy::None => false,
            MailPolicy::All => true,
            MailPolicy::Others => !m.to.iter().any(|t| t.eq_ignore_ascii_case(&organizer_email)),
        })
        .collect();
    let mut log: Vec<String> = out.notes.clone();
    let sent = if outbox.is_empty() {
        Ok(0)
    } else {
        let mut sender = backend.runtime().outgoing_sender(false, None);
        send_outbox(sender.as_mut(), None, &outbox, &mut |l| log.push(l))
    };
    if let Err(e) = &sent {
        warn!(resource = %r.resource, error = %e, "messages not sent");
    }
    let record = RunRecord {
        id: 0,
        started: backend.env().clock.now().timestamp(),
        program: PROGRAM.into(),
        message_id: uid.clone(),
        message_key: String::new(),
        sender: r.organizer.to_string(),
        recipients: r.resource.to_string(),
        methods: "VEVENT:REQUEST".into(),
        outcome: match &sent {
            Ok(n) => format!("booked through the facilitator: {decision}; {n} message(s) sent"),
            Err(e) => format!("booked through the facilitator: {decision}; sending failed: {e}"),
        },
        exit_status: if sent.is_ok() { 0 } else { 75 },
        duration_us: i64::try_from(began.elapsed().as_micros()).unwrap_or(i64::MAX),
        log: log.join("\n"),
    };
    backend.with_writer(|_, store| -> InfraResult<()> {
        let mut tx = store.write()?;
        tx.add_run(&record)?;
        tx.commit()
    })?;
    Ok(Some(Booked { decision, uid }))
}

/// A condition a petition puts on the resources it may go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    /// The `capacity` preference is at least this many people.
    Capacity(u64),
}

/// The resources this agent serves that may take a petition, best fit
/// first: those meeting the requirements and free at the time (checked
/// before booking, so that busy rooms do not collect declined requests),
/// by capacity, smallest first, then by address.
fn candidates(
    backend: &Backend,
    directory: &Directory,
    requirements: &[Requirement],
    only: Option<&CalAddress>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> InfraResult<Vec<CalAddress>> {
    let resources: Vec<CalAddress> = directory
        .served()
        .into_iter()
        .filter(|(a, k)| *k == Kind::Resource && only.is_none_or(|o| o == a))
        .map(|(a, _)| a)
        .collect();
    backend.read(|env, tx| {
        let mut out = Vec::new();
        for r in resources {
            let cap = calendar::room_capacity(env, tx, &r)?;
            let fits = requirements.iter().all(|q| match q {
                Requirement::Capacity(n) => cap.is_some_and(|c| c >= *n),
            });
            if fits && calendar::available(env, tx, &r, Kind::Resource, start, end)? == Some(true) {
                out.push((cap.unwrap_or(0), r));
            }
        }
        out.sort();
        Ok(out.into_iter().map(|(_, r)| r).collect())
    })
}

/// Offers a petition to the matching resources in turn until one takes it
/// (ACCEPTED, or TENTATIVE pending its owner's approval), and returns it.
/// `request.resource` is ignored; `only` limits the petition to one resource.
pub fn book_any(
    backend: &Backend,
    directory: &Directory,
    requirements: &[Requirement],
    only: Option<&CalAddress>,
    request: &BookRequest,
    deadline: Option<Instant>,
    mail: MailPolicy,
) -> InfraResult<Option<(CalAddress, Booked)>> {
    let found = candidates(backend, directory, requirements, only, request.start, request.end)?;
    for resource in found {
        if past(deadline) {
            break;
        }
        let r = BookRequest { resource: resource.clone(), ..request.clone() };
        match book(backend, &r, deadline, mail)? {
            Some(b) if b.taken() => return Ok(Some((resource, b))),
            Some(b) => info!(resource = %resource, decision = b.decision, "petition not taken"),
            None => {}
        }
    }
    Ok(None)
}
