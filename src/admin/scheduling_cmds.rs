//! `imip_admin` scheduling actions: answer, counter, delegate, refresh as
//! attendee; invite, update, add, cancel, accept or decline a counter as
//! organiser; list and retry unsent messages. Each runs one action through
//! `scheduling::execute` (the same engine and recording as mail) and sends
//! its messages through the configured transport, or prints them (`-d`),
//! or writes them into a directory (`--outbox`). Performs I/O.

use super::output::render;
use crate::address::CalAddress;
use crate::agent::{Env, prefs as agent_prefs};
use crate::error::InfraError;
use crate::ical::input::parse_when;
use crate::ical::{DateTimeValue, Instance, PartStat, Zone, ZoneResolver};
use crate::itip::actions::{Action, ActionFailure, EventFields, Invitee, Target};
use crate::scheduling::{execute, retry_unsent, unsent};
use crate::store::Store;
use clap::{Args, Subcommand};
use serde::Serialize;
use std::path::PathBuf;

/// The program name on outbox markers of `imip_admin`'s actions.
pub const PROGRAM: &str = "imip_admin";

/// Where the messages go.
#[derive(Debug, Args)]
pub struct SendOpts {
    /// Print the messages to standard output (an mbox) instead of sending them.
    #[arg(short = 'd', long = "debug")]
    pub debug: bool,
    /// Write the messages as .eml files into this directory instead of sending them.
    #[arg(long = "outbox", value_name = "DIR")]
    pub outbox: Option<PathBuf>,
}

/// The acting user and the event.
#[derive(Debug, Args)]
pub struct Which {
    /// The user acting (address or mailto: URI).
    pub user: String,
    /// The event's UID.
    pub uid: String,
    /// Only this occurrence (its RECURRENCE-ID or start as first given,
    /// e.g. 2027-03-08T09:00 in the user's zone, or 20270308T080000Z).
    #[arg(long = "occurrence", value_name = "WHEN")]
    pub occurrence: Option<String>,
    /// Zone for times without one (default: the user's TZID preference).
    #[arg(long = "tz", value_name = "ZONE")]
    pub tz: Option<String>,
}

/// Event fields for invite and update.
#[derive(Debug, Args, Default)]
pub struct Fields {
    /// SUMMARY.
    #[arg(long)]
    pub summary: Option<String>,
    /// Start (2027-03-01T09:00 in the user's zone, …Z for UTC, 2027-03-01 for a whole day).
    #[arg(long)]
    pub start: Option<String>,
    /// End (same forms as --start).
    #[arg(long)]
    pub end: Option<String>,
    /// A recurrence rule (RFC 5545), e.g. FREQ=WEEKLY;COUNT=10.
    #[arg(long)]
    pub rrule: Option<String>,
    /// LOCATION.
    #[arg(long)]
    pub location: Option<String>,
    /// DESCRIPTION.
    #[arg(long)]
    pub description: Option<String>,
    /// Invite a person (repeatable).
    #[arg(long = "attendee", value_name = "ADDRESS")]
    pub attendees: Vec<String>,
    /// Invite a room (repeatable; CUTYPE=ROOM).
    #[arg(long = "room", value_name = "ADDRESS")]
    pub rooms: Vec<String>,
    /// Invite a piece of equipment or another resource (repeatable; CUTYPE=RESOURCE).
    #[arg(long = "resource", value_name = "ADDRESS")]
    pub resources: Vec<String>,
}

/// Scheduling actions.
#[derive(Debug, Subcommand)]
pub enum ScheduleCmd {
    /// Answer an invitation (REPLY): accepted, tentative or declined.
    Respond {
        #[command(flatten)]
        which: Which,
        /// accepted, tentative or declined.
        answer: String,
        /// A comment for the organiser.
        #[arg(long)]
        comment: Option<String>,
        #[command(flatten)]
        send: SendOpts,
    },
    /// Propose other times to the organiser (COUNTER).
    Counter {
        #[command(flatten)]
        which: Which,
        /// Proposed start.
        #[arg(long)]
        start: String,
        /// Proposed end.
        #[arg(long)]
        end: String,
        /// A comment for the organiser.
        #[arg(long)]
        comment: Option<String>,
        #[command(flatten)]
        send: SendOpts,
    },
    /// Hand an invitation to someone else (REPLY DELEGATED + REQUEST to them).
    Delegate {
        #[command(flatten)]
        which: Which,
        /// The delegate.
        to: String,
        /// A comment.
        #[arg(long)]
        comment: Option<String>,
        #[command(flatten)]
        send: SendOpts,
    },
    /// Ask the organiser for the latest version (REFRESH).
    Refresh {
        #[command(flatten)]
        which: Which,
        #[command(flatten)]
        send: SendOpts,
    },
    /// Create an event organised by USER and invite people and resources (REQUEST).
    Invite {
        /// The organiser.
        user: String,
        #[command(flatten)]
        fields: Fields,
        /// The UID (default: a new one).
        #[arg(long)]
        uid: Option<String>,
        /// Zone for times without one (default: the user's TZID preference).
        #[arg(long = "tz", value_name = "ZONE")]
        tz: Option<String>,
        #[command(flatten)]
        send: SendOpts,
    },
    /// Change an event or one occurrence; a change of times, rule or
    /// location bumps SEQUENCE and asks everyone again (REQUEST).
    Update {
        #[command(flatten)]
        which: Which,
        #[command(flatten)]
        fields: Fields,
        /// No longer invite this attendee (repeatable; they get a CANCEL).
        #[arg(long = "uninvite", value_name = "ADDRESS")]
        uninvite: Vec<String>,
        #[command(flatten)]
        send: SendOpts,
    },
    /// Add an occurrence to a recurring event (ADD).
    Add {
        #[command(flatten)]
        which: Which,
        /// The new occurrence's start.
        #[arg(long)]
        start: String,
        /// Its end.
        #[arg(long)]
        end: String,
        #[command(flatten)]
        send: SendOpts,
    },
    /// Cancel an event or one occurrence for everyone (CANCEL).
    Cancel {
        #[command(flatten)]
        which: Which,
        /// A comment for the attendees.
        #[arg(long)]
        comment: Option<String>,
        #[command(flatten)]
        send: SendOpts,
    },
    /// Adopt an attendee's counter-proposal (REQUEST with its times).
    AcceptCounter {
        #[command(flatten)]
        which: Which,
        /// The attendee who proposed.
        attendee: String,
        #[command(flatten)]
        send: SendOpts,
    },
    /// Refuse an attendee's counter-proposal (DECLINECOUNTER).
    DeclineCounter {
        #[command(flatten)]
        which: Which,
        /// The attendee who proposed.
        attendee: String,
        /// A comment for the attendee.
        #[arg(long)]
        comment: Option<String>,
        #[command(flatten)]
        send: SendOpts,
    },
    /// List messages of earlier actions that could not be sent; --send retries them.
    Outbox {
        /// Send them now.
        #[arg(long)]
        send: bool,
        #[command(flatten)]
        opts: SendOpts,
    },
}

/// Why a scheduling command did not succeed.
pub enum Failure {
    /// Bad arguments (64).
    Usage(String),
    /// The action cannot be done on this data (65); nothing changed.
    Refused(String),
    /// Store or transport (75); see the message for what was kept.
    Infra(InfraError),
}

impl From<InfraError> for Failure {
    fn from(e: InfraError) -> Self {
        Failure::Infra(e)
    }
}

impl From<ActionFailure> for Failure {
    fn from(f: ActionFailure) -> Self {
        match f {
            ActionFailure::Refused(e) => Failure::Refused(e.to_string()),
            ActionFailure::Infra(e) => Failure::Infra(e),
        }
    }
}

fn address(s: &str) -> Result<CalAddress, Failure> {
    CalAddress::parse(s)
        .filter(|a| a.email().is_some())
        .ok_or_else(|| Failure::Usage(format!("{s:?} is not an e-mail address")))
}

/// The zone for times typed without one: --tz, else the user's TZID.
fn zone_for(
    env: &Env<'_>,
    store: &mut dyn Store,
    user: &CalAddress,
    tz: Option<&str>,
) -> Result<Zone, Failure> {
    if let Some(name) = tz {
        return Zone::from_name(name)
            .ok_or_else(|| Failure::Usage(format!("{name:?} is not a time zone")));
    }
    let tx = store.read()?;
    Ok(agent_prefs::load(env, tx.as_ref(), user.as_str())?.zone())
}

fn when(text: &str, zone: &Zone, what: &str) -> Result<DateTimeValue, Failure> {
    parse_when(text, Some(zone)).ok_or_else(|| {
        Failure::Usage(format!(
            "{what} {text:?} is not a date or time (2027-03-01T09:00, 2027-03-01T08:00Z, 2027-03-01)"
        ))
    })
}

fn target(which: &Which, zone: &Zone) -> Result<Target, Failure> {
    let instance = match &which.occurrence {
        None => Instance::Master,
        Some(t) => {
            let v = when(t, zone, "--occurrence")?;
            Instance::Occurrence(v.rid_key(&ZoneResolver::empty(zone.clone())))
        }
    };
    Ok(Target { uid: which.uid.clone(), instance })
}

fn invitees(f: &Fields) -> Result<Vec<Invitee>, Failure> {
    let mut out = Vec::new();
    for a in &f.attendees {
        out.push(Invitee::person(address(a)?));
    }
    for r in &f.rooms {
        out.push(Invitee::resource(address(r)?, "ROOM"));
    }
    for r in &f.resources {
        out.push(Invitee::resource(address(r)?, "RESOURCE"));
    }
    Ok(out)
}

fn fields(f: &Fields, zone: &Zone) -> Result<EventFields, Failure> {
    Ok(EventFields {
        summary: f.summary.clone(),
        start: f.start.as_deref().map(|t| when(t, zone, "--start")).transpose()?,
        end: f.end.as_deref().map(|t| when(t, zone, "--end")).transpose()?,
        rrule: f.rrule.clone(),
        location: f.location.clone(),
        description: f.description.clone(),
    })
}

fn answer(s: &str) -> Result<PartStat, Failure> {
    match s.to_ascii_lowercase().as_str() {
        "accept" | "accepted" | "yes" => Ok(PartStat::Accepted),
        "tentative" | "maybe" => Ok(PartStat::Tentative),
        "decline" | "declined" | "no" => Ok(PartStat::Declined),
        _ => Err(Failure::Usage(format!("{s:?}: answer accepted, tentative or declined"))),
    }
}

/// Builds the action a command asks for, with the acting user and where
/// its messages go.
fn action<'c>(
    env: &Env<'_>,
    store: &mut dyn Store,
    cmd: &'c ScheduleCmd,
) -> Result<(CalAddress, Action, &'c SendOpts), Failure> {
    let parts = |which: &Which, store: &mut dyn Store| -> Result<_, Failure> {
        let user = address(&which.user)?;
        let zone = zone_for(env, store, &user, which.tz.as_deref())?;
        let target = target(which, &zone)?;
        Ok((user, zone, target))
    };
    Ok(match cmd {
        ScheduleCmd::Respond { which, answer: a, comment, send } => {
            let (user, _, target) = parts(which, store)?;
            let action = Action::Respond { target, partstat: answer(a)?, comment: comment.clone() };
            (user, action, send)
        }
        ScheduleCmd::Counter { which, start, end, comment, send } => {
            let (user, zone, target) = parts(which, store)?;
            let action = Action::Counter {
                target,
                start: when(start, &zone, "--start")?,
                end: when(end, &zone, "--end")?,
                comment: comment.clone(),
            };
            (user, action, send)
        }
        ScheduleCmd::Delegate { which, to, comment, send } => {
            let (user, _, target) = parts(which, store)?;
            (user, Action::Delegate { target, to: address(to)?, comment: comment.clone() }, send)
        }
        ScheduleCmd::Refresh { which, send } => {
            let (user, _, target) = parts(which, store)?;
            (user, Action::Refresh { target }, send)
        }
        ScheduleCmd::Invite { user, fields: f, uid, tz, send } => {
            let user = address(user)?;
            let zone = zone_for(env, store, &user, tz.as_deref())?;
            let uid = match uid {
                Some(u) if !u.trim().is_empty() => u.trim().to_string(),
                Some(_) => return Err(Failure::Usage("--uid must not be empty".into())),
                None => new_uid(env, &user),
            };
            let action = Action::Create { uid, fields: fields(f, &zone)?, invitees: invitees(f)? };
            (user, action, send)
        }
        ScheduleCmd::Update { which, fields: f, uninvite, send } => {
            let (user, zone, target) = parts(which, store)?;
            let uninvite = uninvite.iter().map(|a| address(a)).collect::<Result<Vec<_>, _>>()?;
            let action = Action::Update {
                target,
                fields: fields(f, &zone)?,
                invite: invitees(f)?,
                uninvite,
            };
            (user, action, send)
        }
        ScheduleCmd::Add { which, start, end, send } => {
            let (user, zone, _) = parts(which, store)?;
            let action = Action::Add {
                uid: which.uid.clone(),
                start: when(start, &zone, "--start")?,
                end: when(end, &zone, "--end")?,
            };
            (user, action, send)
        }
        ScheduleCmd::Cancel { which, comment, send } => {
            let (user, _, target) = parts(which, store)?;
            (user, Action::Cancel { target, comment: comment.clone() }, send)
        }
        ScheduleCmd::AcceptCounter { which, attendee, send } => {
            let (user, _, target) = parts(which, store)?;
            (user, Action::AcceptCounter { target, attendee: address(attendee)? }, send)
        }
        ScheduleCmd::DeclineCounter { which, attendee, comment, send } => {
            let (user, _, target) = parts(which, store)?;
            let action = Action::DeclineCounter {
                target,
                attendee: address(attendee)?,
                comment: comment.clone(),
            };
            (user, action, send)
        }
        ScheduleCmd::Outbox { .. } => {
            return Err(Failure::Usage("outbox is not an action".into()));
        }
    })
}

/// A new UID: unique (the id generator's time, process and counter) and
/// naming the organiser's domain, as RFC 5545 recommends.
fn new_uid(env: &Env<'_>, user: &CalAddress) -> String {
    format!("{}@{}", env.ids.next_id(), user.domain().unwrap_or("imip-agent"))
}

/// Runs one scheduling command; returns what to print.
pub fn run(
    env: &Env<'_>,
    store: &mut dyn Store,
    cmd: &ScheduleCmd,
    json: bool,
) -> Result<String, Failure> {
    if let ScheduleCmd::Outbox { send, opts } = cmd {
        return outbox(env, store, *send, opts, json);
    }
    let (user, action, opts) = action(env, store, cmd)?;
    let mut sender =
        crate::runtime::sender_for(env.config, env.clock, opts.debug, opts.outbox.as_deref());
    let done = execute(env, store, PROGRAM, &user, &action, sender.as_mut())?;
    #[derive(Serialize)]
    struct Report<'a> {
        uid: &'a str,
        summary: &'a str,
        messages: usize,
        sent: bool,
        log: Vec<&'a str>,
    }
    let outbox = &done.performed.outcome.outbox;
    let log: Vec<&str> =
        done.performed.outcome.notes.iter().chain(done.notes.iter()).map(String::as_str).collect();
    let report = Report {
        uid: &done.performed.uid,
        summary: &done.performed.summary,
        messages: outbox.len(),
        sent: done.sent.is_ok(),
        log,
    };
    if let Err(f) = &done.sent {
        // Recorded, and the messages kept: say how to send them.
        return Err(Failure::Infra(InfraError::Transport(format!(
            "{}: recorded, but sending stopped: {f}; the {} unsent message(s) are kept \
             (imip_admin outbox --send retries them)",
            done.performed.summary,
            outbox.len() - f.done
        ))));
    }
    Ok(if json {
        let mut s = serde_json::to_string_pretty(&report).unwrap_or_default();
        s.push('\n');
        s
    } else {
        let mut s = format!("{}\n", report.summary);
        // With -d the messages themselves go to standard output; keep it an mbox.
        if opts.debug {
            eprint!("{s}");
            s.clear();
        }
        s
    })
}

fn outbox(
    env: &Env<'_>,
    store: &mut dyn Store,
    send: bool,
    opts: &SendOpts,
    json: bool,
) -> Result<String, Failure> {
    #[derive(Serialize)]
    struct Row {
        key: String,
        user: String,
        summary: String,
        unsent: usize,
        status: String,
    }
    let rows: Vec<Row> = if send {
        let mut sender =
            crate::runtime::sender_for(env.config, env.clock, opts.debug, opts.outbox.as_deref());
        let mut log = Vec::new();
        let done = retry_unsent(store, PROGRAM, sender.as_mut(), &mut |l| log.push(l))?;
        let failed = done.iter().find_map(|r| r.sent.as_ref().err().map(ToString::to_string));
        if let Some(e) = failed {
            return Err(Failure::Infra(InfraError::Transport(format!(
                "sending stopped: {e}; the rest stays in the outbox"
            ))));
        }
        done.into_iter()
            .map(|r| Row {
                key: r.key,
                user: r.user,
                summary: r.summary,
                unsent: 0,
                status: "sent".into(),
            })
            .collect()
    } else {
        unsent(store, PROGRAM)?
            .into_iter()
            .map(|p| Row {
                unsent: p.unsent().len(),
                key: p.message_key,
                user: p.recipient,
                summary: p.notes,
                status: "waiting".into(),
            })
            .collect()
    };
    Ok(render(json, &rows, |r| {
        format!("{}\t{}\t{}\t{} message(s) {}", r.key, r.user, r.summary, r.unsent, r.status)
    }))
}
