//! VFREEBUSY for people and resources (imip-agent 3.3, 3.5): requests
//! answered from the user's own busy time (people only when they share
//! it), free/busy published or replied by others recorded. No I/O.

use super::Decided;
use crate::address::CalAddress;
use crate::freebusy::{BusyPeriod, FbSet, FreeBusyReplyInput, freebusy_object};
use crate::i18n::{Lang, Text};
use crate::ical::{DateTimeValue, Method, Object, Transp, Zone, ZoneResolver};
use crate::itip::identity::{check_from_organizer, check_to_organizer};
use crate::itip::plan::{Notice, Op, Plan};
use crate::itip::view::{Context, ScheduleView};
use chrono::{DateTime, Utc};

/// The DTSTART–DTEND window of a VFREEBUSY, in UTC.
pub fn window(obj: &Object) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let z = ZoneResolver::empty(Zone::Utc);
    let s = obj.dtstart().and_then(|v: DateTimeValue| v.to_utc(&z))?;
    let e = obj.dtend().and_then(|v| v.to_utc(&z))?;
    (e >= s).then_some((s, e))
}

/// A person's agent on a VFREEBUSY.
pub fn person(ctx: &Context<'_>, view: &dyn ScheduleView, obj: &Object, m: &Method) -> Decided {
    match m {
        Method::Request if ctx.prefs.sharing() => {
            let lang = match obj.organizer() {
                Some(o) => ctx.lang_for(view, &o.address)?,
                None => Lang::En,
            };
            answer(ctx, view, obj, lang, false)
        }
        Method::Request => {
            Ok(Plan::note("free/busy REQUEST not answered: freebusy_sharing is not \"share\""))
        }
        Method::Publish | Method::Reply => {
            let mut plan = record(ctx, obj, m);
            if plan.handled && ctx.prefs.notify_freebusy() {
                plan.notice = Some(Notice::plain(if *m == Method::Publish {
                    Text::FreeBusyUpdate
                } else {
                    Text::FreeBusyReply
                }));
            }
            Ok(plan)
        }
        m => Ok(Plan::note(format!(
            "free/busy {m} ignored: only REQUEST, PUBLISH and REPLY are understood"
        ))),
    }
}

/// A resource's agent on a VFREEBUSY.
pub fn resource(ctx: &Context<'_>, view: &dyn ScheduleView, obj: &Object, m: &Method) -> Decided {
    match m {
        Method::Request => {
            let lang = match obj.organizer() {
                Some(o) => ctx.lang_for(view, &o.address)?,
                None => {
                    Lang::from_pref(ctx.languages.first().map_or(ctx.prefs.lang(), String::as_str))
                }
            };
            answer(ctx, view, obj, lang, true)
        }
        Method::Publish => Ok(record(ctx, obj, m)),
        m => Ok(Plan::note(format!("free/busy {m} ignored by resources"))),
    }
}

/// Answers a free/busy REQUEST with the user's busy periods inside the
/// requested window. `everything_blocks` is true for resources (every
/// booking blocks the room) and false for people (only opaque periods).
fn answer(
    ctx: &Context<'_>,
    view: &dyn ScheduleView,
    obj: &Object,
    lang: Lang,
    everything_blocks: bool,
) -> Decided {
    let org = match check_from_organizer(obj, ctx.senders, ctx.user, true) {
        Ok(o) => o,
        Err(e) => return Ok(Plan::note(format!("free/busy REQUEST not answered: {e}"))),
    };
    let win = window(obj);
    let set = FbSet::Own(ctx.user.to_string());
    let mut periods: Vec<BusyPeriod> = match win {
        Some((s, e)) => view.policy().busy(&set, s, e)?,
        None => view.policy().busy_all(&set)?,
    };
    if everything_blocks {
        for p in &mut periods {
            p.transp = Transp::Opaque;
        }
    }
    let uid = obj.uid();
    let reply = freebusy_object(
        &FreeBusyReplyInput {
            organizer: &org.address,
            attendee: ctx.user,
            sent_by: ctx.sent_by(),
            uid: uid.as_deref(),
            window: win,
            now: ctx.now,
        },
        &periods,
    );
    let n = reply.freebusy_periods().len();
    let mut plan = Plan::default();
    plan.send(&org.address, Method::Reply, reply, lang);
    plan.done(format!(
        "free/busy REQUEST {} from {}: answered with {n} busy period(s)",
        uid.unwrap_or_default(),
        org.address
    ));
    Ok(plan)
}

/// Records free/busy received from others (PUBLISH from the organiser, or
/// REPLY to the user as organiser): within the object's window the record
/// of that person is replaced by the values given.
fn record(ctx: &Context<'_>, obj: &Object, method: &Method) -> Plan {
    let whose: Vec<CalAddress> = match method {
        Method::Publish => match obj.organizer() {
            Some(o) if o.sent_by_any(ctx.senders) => vec![o.address],
            Some(o) => {
                return Plan::note(format!(
                    "free/busy PUBLISH not recorded: organiser {} is not among the senders",
                    o.address
                ));
            }
            None => return Plan::note("free/busy PUBLISH not recorded: no ORGANIZER"),
        },
        _ => match check_to_organizer(obj, ctx.senders, ctx.user) {
            Ok(a) => a.into_iter().map(|p| p.address).collect(),
            Err(e) => return Plan::note(format!("free/busy REPLY not recorded: {e}")),
        },
    };
    let uid = obj.uid().unwrap_or_default();
    let periods: Vec<(DateTime<Utc>, DateTime<Utc>)> = obj
        .freebusy_periods()
        .into_iter()
        .filter(|(t, _, _)| t.is_busy())
        .map(|(_, s, e)| (s, e))
        .collect();
    let win = window(obj).or_else(|| {
        let s = periods.iter().map(|p| p.0).min()?;
        let e = periods.iter().map(|p| p.1).max()?;
        Some((s, e))
    });
    let mut plan = Plan { handled: true, ..Plan::default() };
    for who in whose.into_iter().filter(|w| w != ctx.user) {
        let rows: Vec<BusyPeriod> = periods
            .iter()
            .map(|(s, e)| {
                let mut p = BusyPeriod::new(*s, *e, &uid, "");
                p.organizer = who.to_string();
                p
            })
            .collect();
        plan.log(format!("free/busy {method} from {who}: recorded {} busy period(s)", rows.len()));
        plan.op(Op::RecordFreeBusy { other: who, window: win, periods: rows });
    }
    plan
}
