//! `schedule_corrected_in_freebusy [capacity]` and
//! `schedule_next_available_in_freebusy [capacity]` (imip-agent 6.2):
//! periods corrected to the resource's `permitted_times`; when the corrected
//! booking conflicts, the next-available variant looks for the first free
//! slot of the same length at or after each explicitly defined period,
//! avoiding the resource's bookings and offers and what the resource knows
//! of the other attendees' busy time.

use super::freebusy::{capacity, conflicting};
use super::{SchedulingFunction, misconfigured};
use crate::error::InfraResult;
use crate::freebusy::{FbSet, Span, coalesce, first_gap};
use crate::i18n::Text;
use crate::ical::Object;
use crate::policy::permitted::PermittedTimes;
use crate::policy::{Booking, PolicyView, Step, Verdict};
use chrono::{DateTime, Duration, Utc};

pub(crate) struct Corrected;
pub(crate) struct NextAvailable;

fn permitted(b: &Booking) -> Result<PermittedTimes, String> {
    match b.prefs.get("permitted_times") {
        // imip-agent: invalid syntax disables the constraint; we log it instead of guessing.
        Some(t) => PermittedTimes::parse(t).map_err(|e| format!("permitted_times {t:?}: {e}")),
        None => Ok(PermittedTimes::default()),
    }
}

/// The explicitly defined periods corrected to permitted times in the
/// resource's zone, or why they cannot be.
fn corrected(b: &Booking, p: &PermittedTimes) -> Result<Vec<Span>, String> {
    if b.object.dtstart().is_some_and(|d| d.is_date()) {
        return Err("all-day events cannot be corrected to permitted times".into());
    }
    let zone = b.zone();
    b.explicit_periods()
        .iter()
        .map(|(s, e)| {
            let (ls, le) = p
                .correct(&zone.from_utc(s), &zone.from_utc(e))
                .ok_or("no permitted time within two days")?;
            Ok((
                zone.to_utc(&ls).ok_or("corrected start not placeable")?,
                zone.to_utc(&le).ok_or("corrected end not placeable")?,
            ))
        })
        .collect()
}

/// What both functions start from, once the booking is corrected.
struct Prepared {
    /// The capacity argument.
    cap: usize,
    /// The resource's permitted times.
    permitted: PermittedTimes,
    /// The object as requested, restored on refusal.
    original: Object,
    /// Whether the correction moved any period.
    changed: bool,
}

/// Parses the arguments and the permitted times and corrects the booking's
/// periods, or gives the refusal.
fn prepare(args: &[String], b: &mut Booking) -> Result<Prepared, Box<Step>> {
    let cap = capacity(args).map_err(|e| Box::new(misconfigured(e)))?;
    let permitted = permitted(b).map_err(|e| Box::new(misconfigured(e)))?;
    let original = b.object.clone();
    let before = b.explicit_periods();
    let after = corrected(b, &permitted)
        .map_err(|e| Box::new(Step::new(Verdict::Decline, Text::InvalidRequest, e)))?;
    let changed = after != before;
    if changed {
        b.set_explicit_periods(&after);
    }
    Ok(Prepared { cap, permitted, original, changed })
}

/// Refuses as unavailable, restoring the object as requested (imip-agent
/// restores the original object on refusal).
fn restore_and_decline(b: &mut Booking, original: Object, detail: &'static str) -> Step {
    b.object = original;
    b.recompute();
    Step::new(Verdict::Decline, Text::Unavailable, detail)
}

/// The answer when the (corrected) booking is free: a counter-proposal if
/// the correction moved it, else an acceptance.
fn free(changed: bool, detail: &'static str) -> Step {
    if changed {
        Step::new(Verdict::Counter, Text::Suggested, "period corrected to permitted times")
    } else {
        Step::new(Verdict::Accept, Text::Scheduled, detail)
    }
}

impl SchedulingFunction for Corrected {
    fn evaluate(
        &self,
        args: &[String],
        b: &mut Booking,
        view: &dyn PolicyView,
    ) -> InfraResult<Step> {
        let Prepared { cap, original, changed, .. } = match prepare(args, b) {
            Ok(p) => p,
            Err(step) => return Ok(*step),
        };
        if !conflicting(b, view, cap)?.is_empty() {
            return Ok(restore_and_decline(b, original, "the corrected period is not free"));
        }
        Ok(free(changed, "free, and within permitted times"))
    }
}

impl SchedulingFunction for NextAvailable {
    fn evaluate(
        &self,
        args: &[String],
        b: &mut Booking,
        view: &dyn PolicyView,
    ) -> InfraResult<Step> {
        let Prepared { cap, permitted: p, original, changed } = match prepare(args, b) {
            Ok(p) => p,
            Err(step) => return Ok(*step),
        };
        if conflicting(b, view, cap)?.is_empty() {
            return Ok(free(changed, "free"));
        }
        // Busy time: the resource's bookings and live offers (minus this
        // booking) and the other attendees' known busy time.
        let horizon = b.now + Duration::days(b.prefs.window_days());
        let explicit = b.explicit_periods();
        let Some(first) = explicit.iter().map(|p| p.0).min() else {
            return Ok(Step::new(Verdict::Decline, Text::Unavailable, "nothing to move"));
        };
        let resource = b.resource.to_string();
        let mut spans = Vec::new();
        for set in [FbSet::Own(resource.clone()), FbSet::Offers(resource.clone())] {
            for per in view.busy(&set, first, horizon)? {
                if !b.is_self(&per.uid, &per.rid) && per.expires.is_none_or(|x| x > b.now) {
                    spans.push((per.start, per.end));
                }
            }
        }
        for a in b.object.attendees() {
            if a.address == b.resource {
                continue;
            }
            let set = FbSet::Other { user: resource.clone(), other: a.address.to_string() };
            for per in view.busy(&set, first, horizon)? {
                if per.uid != b.uid {
                    spans.push((per.start, per.end));
                }
            }
        }
        let busy = coalesce(spans);
        let zone = b.zone();
        let align = |t: DateTime<Utc>| -> Option<DateTime<Utc>> {
            p.next_at_or_after(&zone.from_utc(&t)).and_then(|l| zone.to_utc(&l)).filter(|x| *x >= t)
        };
        let mut chosen: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
        let mut after = first;
        for (s, e) in &explicit {
            let len = *e - *s;
            let from = (*s).max(after);
            match first_gap(&busy, from, len, horizon, &align) {
                Some(ns) => {
                    chosen.push((ns, ns + len));
                    after = ns + len;
                }
                None => {
                    return Ok(restore_and_decline(
                        b,
                        original,
                        "no free period of the same length before the window end",
                    ));
                }
            }
        }
        b.set_explicit_periods(&chosen);
        if !conflicting(b, view, cap)?.is_empty() {
            return Ok(restore_and_decline(b, original, "no free period for every occurrence"));
        }
        let first_new =
            chosen.first().map(|c| crate::ical::datetime::format_utc(&c.0)).unwrap_or_default();
        Ok(Step::new(
            Verdict::Counter,
            Text::Suggested,
            format!("next available period starts {first_new}"),
        ))
    }
}
