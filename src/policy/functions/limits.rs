//! Limits beyond imip-agent (after Exchange's calendar processing settings):
//! `booking_window MAX [HORIZON]` (how far ahead a booking may start, and
//! how far a recurring series may run; `*` = no limit), `duration_limits
//! MIN MAX` (`-` = no limit), `working_hours SPEC…` (e.g. `mon-fri
//! 08:00-18:00 sat 09:00-13:00` in the resource's zone, or `availability`
//! to use the VAVAILABILITY in the `availability` preference) and
//! `no_recurrence`. These are policy limits: with `out_of_policy_approval`
//! their refusals become requests for approval.

use super::{SchedulingFunction, misconfigured, no_period};
use crate::config::prefs::parse_duration;
use crate::error::InfraResult;
use crate::freebusy::Span;
use crate::i18n::{Reason, Text};
use crate::ical::parse::{ParseLimits, parse_calendar_text};
use crate::ical::{ComponentKind, Zone};
use crate::policy::{Booking, PolicyView, Step, Verdict};
use crate::recur::{ExpandParams, expand};
use chrono::{DateTime, Datelike, Duration, NaiveTime, Utc, Weekday};

/// Whether a span is allowed.
type SpanCheck = dyn Fn(&DateTime<Utc>, &DateTime<Utc>) -> bool;

pub(crate) struct BookingWindow;
pub(crate) struct DurationLimits;
pub(crate) struct WorkingHours;
pub(crate) struct NoRecurrence;

fn duration_arg(a: Option<&String>, none: &str) -> Result<Option<Duration>, String> {
    match a.map(String::as_str) {
        None => Ok(None),
        Some(x) if x == none => Ok(None),
        Some(x) => parse_duration(x)
            .filter(|d| *d >= Duration::zero())
            .map(Some)
            .ok_or_else(|| format!("{x:?} is not a duration")),
    }
}

/// The two optional duration arguments, `none` meaning no limit.
fn duration_args(
    args: &[String],
    none: &str,
) -> Result<(Option<Duration>, Option<Duration>), String> {
    Ok((duration_arg(args.first(), none)?, duration_arg(args.get(1), none)?))
}

impl SchedulingFunction for BookingWindow {
    fn evaluate(
        &self,
        args: &[String],
        b: &mut Booking,
        _view: &dyn PolicyView,
    ) -> InfraResult<Step> {
        let (max, horizon) = match duration_args(args, "*") {
            Ok(d) => d,
            Err(e) => return Ok(misconfigured(e)),
        };
        let Some((first, last)) = b.span() else {
            return Ok(no_period());
        };
        if let Some(m) = max
            && first > b.now + m
        {
            return Ok(Step::new(
                Verdict::Decline,
                Text::OutsidePolicy,
                format!("starts more than {} days ahead", m.num_days()),
            )
            .because(Reason::StartsTooFarAhead { days: m.num_days() }));
        }
        if let Some(h) = horizon {
            if b.open_ended {
                return Ok(Step::new(
                    Verdict::Decline,
                    Text::OutsidePolicy,
                    "recurs without end, beyond the booking horizon",
                )
                .because(Reason::RecursWithoutEnd));
            }
            if last > b.now + h {
                return Ok(Step::new(
                    Verdict::Decline,
                    Text::OutsidePolicy,
                    format!("runs beyond the {}-day booking horizon", h.num_days()),
                )
                .because(Reason::BeyondHorizon { days: h.num_days() }));
            }
        }
        Ok(Step::new(Verdict::Accept, Text::Scheduled, "within the booking window"))
    }
    fn is_policy_limit(&self) -> bool {
        true
    }
}

impl SchedulingFunction for DurationLimits {
    fn evaluate(
        &self,
        args: &[String],
        b: &mut Booking,
        _view: &dyn PolicyView,
    ) -> InfraResult<Step> {
        let (min, max) = match duration_args(args, "-") {
            Ok(d) => d,
            Err(e) => return Ok(misconfigured(e)),
        };
        for o in &b.occurrences {
            let d = o.end - o.start;
            if let Some(m) = min
                && d < m
            {
                let minutes = m.num_minutes();
                return Ok(Step::new(
                    Verdict::Decline,
                    Text::OutsidePolicy,
                    format!("shorter than the minimum of {minutes} minutes"),
                )
                .because(Reason::TooShort { minutes }));
            }
            if let Some(m) = max
                && d > m
            {
                let minutes = m.num_minutes();
                return Ok(Step::new(
                    Verdict::Decline,
                    Text::OutsidePolicy,
                    format!("longer than the maximum of {minutes} minutes"),
                )
                .because(Reason::TooLong { minutes }));
            }
        }
        Ok(Step::new(Verdict::Accept, Text::Scheduled, "duration within limits"))
    }
    fn is_policy_limit(&self) -> bool {
        true
    }
}

impl SchedulingFunction for NoRecurrence {
    fn evaluate(
        &self,
        _args: &[String],
        b: &mut Booking,
        _view: &dyn PolicyView,
    ) -> InfraResult<Step> {
        Ok(if b.object.is_recurring() {
            Step::new(Verdict::Decline, Text::OutsidePolicy, "recurring bookings are not accepted")
                .because(Reason::RecurrenceNotAccepted)
        } else {
            Step::new(Verdict::Accept, Text::Scheduled, "not recurring")
        })
    }
    fn is_policy_limit(&self) -> bool {
        true
    }
}

/// One weekly window: days and a time span (wall clock).
#[derive(Debug, Clone)]
struct Window {
    days: Vec<Weekday>,
    start: NaiveTime,
    end: NaiveTime,
}

fn weekday(s: &str) -> Option<Weekday> {
    Some(match s.get(..3)?.to_ascii_lowercase().as_str() {
        "mon" => Weekday::Mon,
        "tue" => Weekday::Tue,
        "wed" => Weekday::Wed,
        "thu" => Weekday::Thu,
        "fri" => Weekday::Fri,
        "sat" => Weekday::Sat,
        "sun" => Weekday::Sun,
        _ => return None,
    })
}

fn days(spec: &str) -> Option<Vec<Weekday>> {
    let mut out = Vec::new();
    for part in spec.split(',') {
        match part.split_once('-') {
            Some((a, z)) => {
                let (mut d, z) = (weekday(a)?, weekday(z)?);
                loop {
                    out.push(d);
                    if d == z {
                        break;
                    }
                    d = d.succ();
                }
            }
            None => out.push(weekday(part)?),
        }
    }
    Some(out)
}

/// Parses `DAYS HH:MM-HH:MM [DAYS HH:MM-HH:MM …]`.
fn windows(args: &[String]) -> Result<Vec<Window>, String> {
    if args.is_empty() || !args.len().is_multiple_of(2) {
        return Err("expected pairs of days and times, e.g. mon-fri 08:00-18:00".into());
    }
    args.chunks(2)
        .map(|c| {
            let d = days(&c[0]).ok_or_else(|| format!("{:?} are not days", c[0]))?;
            let (a, z) =
                c[1].split_once('-').ok_or_else(|| format!("{:?} is not HH:MM-HH:MM", c[1]))?;
            let t = |x: &str| {
                NaiveTime::parse_from_str(x, "%H:%M").map_err(|_| format!("{x:?} is not HH:MM"))
            };
            Ok(Window { days: d, start: t(a)?, end: t(z)? })
        })
        .collect()
}

fn within_weekly(ws: &[Window], zone: &Zone, s: &DateTime<Utc>, e: &DateTime<Utc>) -> bool {
    let (ls, le) = (zone.from_utc(s), zone.from_utc(e));
    ws.iter().any(|w| {
        w.days.contains(&ls.weekday())
            && (le.date() == ls.date()
                || (le.date() == ls.date().succ_opt().unwrap_or(ls.date())
                    && le.time() == NaiveTime::MIN
                    && w.end == NaiveTime::MIN))
            && ls.time() >= w.start
            && (le.time() <= w.end || (le.time() == NaiveTime::MIN && le.date() != ls.date()))
    })
}

/// Available windows from a VAVAILABILITY (RFC 7953) around a span.
fn availability_windows(text: &str, zone: &Zone, span: Span) -> Result<Vec<Span>, String> {
    let parsed = parse_calendar_text(text, ParseLimits::default());
    let objs: Vec<_> = parsed
        .calendars
        .into_iter()
        .flat_map(|c| c.objects)
        .filter(|o| o.kind() == ComponentKind::Availability)
        .collect();
    if objs.is_empty() {
        return Err("the availability preference holds no VAVAILABILITY".into());
    }
    let mut out = Vec::new();
    let params = ExpandParams::with_window(span.1 + Duration::days(1));
    for o in objs {
        for a in o.children_as_events() {
            let zones = a.zones(zone.clone());
            for occ in expand(&a, &zones, &params).occurrences {
                if occ.end >= span.0 && occ.start <= span.1 {
                    out.push((occ.start, occ.end));
                }
            }
        }
    }
    Ok(crate::freebusy::coalesce(out))
}

/// Whether [s, e] lies inside one of the coalesced (sorted, disjoint)
/// windows: only the last window starting by `s` can hold it, found by
/// binary search rather than a scan per occurrence.
fn within_windows(ws: &[Span], s: &DateTime<Utc>, e: &DateTime<Utc>) -> bool {
    let n = ws.partition_point(|(a, _)| a <= s);
    n > 0 && ws.get(n - 1).is_some_and(|(_, z)| e <= z)
}

impl SchedulingFunction for WorkingHours {
    fn evaluate(
        &self,
        args: &[String],
        b: &mut Booking,
        _view: &dyn PolicyView,
    ) -> InfraResult<Step> {
        let zone = b.zone();
        let Some(span) = b.span() else {
            return Ok(no_period());
        };
        let check: Box<SpanCheck> = if args.first().map(String::as_str) == Some("availability") {
            let Some(text) = b.prefs.get("availability") else {
                return Ok(misconfigured("working_hours availability: no availability preference"));
            };
            match availability_windows(text, &zone, span) {
                Ok(ws) => Box::new(move |s, e| within_windows(&ws, s, e)),
                Err(e) => return Ok(misconfigured(e)),
            }
        } else {
            match windows(args) {
                Ok(ws) => Box::new(move |s, e| within_weekly(&ws, &zone, s, e)),
                Err(e) => return Ok(misconfigured(format!("working_hours: {e}"))),
            }
        };
        for o in &b.occurrences {
            if !check(&o.start, &o.end) {
                return Ok(Step::new(
                    Verdict::Decline,
                    Text::OutsidePolicy,
                    format!(
                        "the occurrence at {} is outside working hours",
                        crate::ical::datetime::format_utc(&o.start)
                    ),
                )
                .because(Reason::OutsideWorkingHours { at: o.start }));
            }
        }
        Ok(Step::new(Verdict::Accept, Text::Scheduled, "within working hours"))
    }
    fn is_policy_limit(&self) -> bool {
        true
    }
}
