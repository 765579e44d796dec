//! VFREEBUSY handling shared by the person and resource agents
//! (imip-agent 3.3, 3.5): answering requests and recording published or
//! replied free/busy of others. Performs I/O through the transaction only.

use super::common::sent_by;
use super::{Env, Outcome, outgoing_mail::OutPart};
use crate::address::CalAddress;
use crate::error::InfraResult;
use crate::freebusy::{BusyPeriod, FbSet, FreeBusyReplyInput, freebusy_object};
use crate::i18n::Lang;
use crate::ical::{DateTimeValue, Method, Object, Transp, Zone, ZoneResolver};
use crate::itip::{check_from_organizer, check_to_organizer};
use crate::store::StoreTx;
use chrono::{DateTime, Utc};

/// The DTSTART–DTEND window of a VFREEBUSY, in UTC.
pub fn window(obj: &Object) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let z = ZoneResolver::empty(Zone::Utc);
    let s = obj.dtstart().and_then(|v: DateTimeValue| v.to_utc(&z))?;
    let e = obj.dtend().and_then(|v| v.to_utc(&z))?;
    (e >= s).then_some((s, e))
}

/// Answers a free/busy REQUEST with the user's busy periods inside the
/// requested window. `everything_blocks` is true for resources (every
/// booking blocks the room) and false for people (only opaque periods).
#[allow(clippy::too_many_arguments)]
pub fn answer_request(
    env: &Env<'_>,
    tx: &dyn StoreTx,
    out: &mut Outcome,
    user: &CalAddress,
    senders: &[CalAddress],
    obj: &Object,
    lang: Lang,
    everything_blocks: bool,
) -> InfraResult<()> {
    let org = match check_from_organizer(obj, senders, user, true) {
        Ok(o) => o,
        Err(e) => {
            out.log(format!("free/busy REQUEST not answered: {e}"));
            return Ok(());
        }
    };
    let win = window(obj);
    let set = FbSet::Own(user.to_string());
    let mut periods: Vec<BusyPeriod> = match win {
        Some((s, e)) => tx.busy(&set, s, e)?,
        None => tx.busy_all(&set)?,
    };
    if everything_blocks {
        for p in &mut periods {
            p.transp = Transp::Opaque;
        }
    }
    let now = env.clock.now();
    let uid = obj.uid();
    let sent_by = sent_by(env, user);
    let reply = freebusy_object(
        &FreeBusyReplyInput {
            organizer: &org.address,
            attendee: user,
            sent_by,
            uid: uid.as_deref(),
            window: win,
            now,
        },
        &periods,
    );
    let n = reply.freebusy_periods().len();
    out.parts.push(OutPart {
        to: org.address.clone(),
        method: Method::Reply,
        object: reply,
        text: None,
        lang,
    });
    out.handled = true;
    out.log(format!(
        "free/busy REQUEST {} from {}: answered with {n} busy period(s)",
        uid.unwrap_or_default(),
        org.address
    ));
    Ok(())
}

/// Records free/busy received from others (PUBLISH from the organiser, or
/// REPLY to the user as organiser): within the object's window the stored
/// record of that person is replaced by the values given. Returns whether
/// anything was recorded.
pub fn record(
    tx: &mut dyn StoreTx,
    out: &mut Outcome,
    user: &CalAddress,
    senders: &[CalAddress],
    obj: &Object,
    method: &Method,
) -> InfraResult<bool> {
    let whose: Vec<CalAddress> = match method {
        Method::Publish => match obj.organizer() {
            Some(o) if o.sent_by_any(senders) => vec![o.address],
            Some(o) => {
                out.log(format!(
                    "free/busy PUBLISH not recorded: organiser {} is not among the senders",
                    o.address
                ));
                return Ok(false);
            }
            None => {
                out.log("free/busy PUBLISH not recorded: no ORGANIZER");
                return Ok(false);
            }
        },
        Method::Reply => match check_to_organizer(obj, senders, user) {
            Ok(a) => a.into_iter().map(|p| p.address).collect(),
            Err(e) => {
                out.log(format!("free/busy REPLY not recorded: {e}"));
                return Ok(false);
            }
        },
        other => {
            out.log(format!(
                "free/busy {other} ignored: only REQUEST, PUBLISH and REPLY are understood"
            ));
            return Ok(false);
        }
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
    for who in whose {
        if who == *user {
            continue;
        }
        let set = FbSet::Other { user: user.to_string(), other: who.to_string() };
        tx.remove_busy_in(&set, win)?;
        let rows: Vec<BusyPeriod> = periods
            .iter()
            .map(|(s, e)| {
                let mut p = BusyPeriod::new(*s, *e, &uid, "");
                p.organizer = who.to_string();
                p
            })
            .collect();
        tx.add_busy(&set, &rows)?;
        out.log(format!("free/busy {method} from {who}: recorded {} busy period(s)", rows.len()));
    }
    out.handled = true;
    Ok(true)
}
