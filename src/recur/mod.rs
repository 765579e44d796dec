//! Recurrence expansion: an event's busy periods in UTC from DTSTART with
//! DTEND or DURATION, RRULE (every part calcard's engine supports, including
//! BYSETPOS and BYWEEKNO), RDATE (dates, date-times, periods) and EXDATE.
//! RECURRENCE-ID overrides are separate objects; `freebusy` merges them.
//! Performs no I/O.
//!
//! Bounds: open-ended rules are expanded only up to a window end and flagged
//! so that a later run can extend them; every expansion stops after
//! `max_iterations` rule instances and keeps at most `max_occurrences`
//! occurrences, so that no rule (FREQ=SECONDLY for ever, an impossible
//! BYMONTHDAY) can hang or exhaust memory. A rule whose single step would
//! generate more than `max_rule_candidates` candidate times (`cost.rs`) is
//! not expanded at all: the engine materialises a whole step at once, so the
//! caps above cannot stop it. Occurrences must start and end within the
//! years iCalendar can write (up to 9999); others are dropped, and a DTSTART
//! period beyond them leaves the event without occurrences. Every step is
//! near-linear in the occurrences, RDATEs and EXDATEs (issue 12).

mod cost;
mod memo;
mod rule;

pub use cost::candidates_per_step;

use crate::ical::datetime::writable_year;
use crate::ical::{DateTimeValue, Object, RDate, ZoneResolver};
use chrono::{DateTime, Datelike, Duration, NaiveDateTime, Utc};
use std::collections::HashSet;

/// Limits and window for one expansion.
#[derive(Debug, Clone, Copy)]
pub struct ExpandParams {
    /// Open-ended rules are expanded up to (excluding) this instant.
    pub window_end: DateTime<Utc>,
    /// For open-ended or truncated rules, occurrences that end before this
    /// instant are not returned (a daily meeting since 1990 still yields its
    /// current occurrences).
    pub keep_from: Option<DateTime<Utc>>,
    /// At most this many occurrences are returned.
    pub max_occurrences: usize,
    /// At most this many rule instances are generated.
    pub max_iterations: usize,
    /// A rule whose one step generates more candidate times is not expanded.
    pub max_rule_candidates: u64,
    /// Set by `expand` for windowed runs: instances enough to know the
    /// result (see there).
    enough: Option<usize>,
}

impl ExpandParams {
    /// The defaults: the given window end, 10,000 occurrences, 200,000
    /// instances, 10,000 candidates per rule step.
    pub fn with_window(window_end: DateTime<Utc>) -> Self {
        Self {
            window_end,
            keep_from: None,
            max_occurrences: 10_000,
            max_iterations: 200_000,
            max_rule_candidates: crate::budget::BudgetLimits::default().rule_candidates,
            enough: None,
        }
    }
}

/// One occurrence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// Start (UTC).
    pub start: DateTime<Utc>,
    /// End (UTC); equal to start for a zero-length event.
    pub end: DateTime<Utc>,
    /// The RECURRENCE-ID key an override of this occurrence would have.
    pub rid: String,
    /// Whether this is the DTSTART occurrence.
    pub is_main: bool,
}

/// The result of an expansion.
#[derive(Debug, Clone, Default)]
pub struct Expansion {
    /// Occurrences, sorted by start, without duplicates.
    pub occurrences: Vec<Occurrence>,
    /// The rule has no end and was expanded only up to the window.
    pub open_ended: bool,
    /// The caps cut the expansion short.
    pub truncated: bool,
    /// Notes about what could not be used.
    pub diagnostics: Vec<String>,
}

impl Expansion {
    /// Whether later runs must extend the expansion (imip-agent's "free/busy provider").
    pub fn needs_extension(&self) -> bool {
        self.open_ended || self.truncated
    }
}

/// How long each occurrence lasts, measured on the wall clock so that a
/// 10:00–11:00 meeting stays 10:00–11:00 across a daylight-saving change.
#[derive(Debug, Clone, Copy)]
enum Length {
    Wall(Duration),
    Exact(Duration),
}

fn length_of(obj: &Object, start: &DateTimeValue, zones: &ZoneResolver) -> Length {
    if let Some(end) = obj.dtend() {
        let same_zone = std::mem::discriminant(start) == std::mem::discriminant(&end)
            && start.tzid() == end.tzid();
        if same_zone {
            return Length::Wall((end.local() - start.local()).max(Duration::zero()));
        }
        if let (Some(s), Some(e)) = (start.to_utc(zones), end.to_utc(zones)) {
            return Length::Exact((e - s).max(Duration::zero()));
        }
    }
    if let Some(d) = obj.duration() {
        return Length::Wall(d.max(Duration::zero()));
    }
    // RFC 5545 §3.6.1: a DATE start alone lasts one day; a DATE-TIME start
    // alone has no duration (calcard would run it to the end of the day).
    if start.is_date() { Length::Wall(Duration::days(1)) } else { Length::Exact(Duration::zero()) }
}

/// An occurrence before its RECURRENCE-ID key is made: the key is a string,
/// so it is built only for the occurrences kept.
struct Slot {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    /// The wall-clock start the key is made from.
    local: NaiveDateTime,
    is_main: bool,
}

/// Whether an instant can be written in iCalendar (a four-digit year).
fn writable(t: &DateTime<Utc>) -> bool {
    writable_year(t.year())
}

/// A slot from its start and end, when both can be written.
fn slot(s: DateTime<Utc>, e: DateTime<Utc>, local: NaiveDateTime, is_main: bool) -> Option<Slot> {
    let e = e.max(s);
    (writable(&s) && writable(&e)).then_some(Slot { start: s, end: e, local, is_main })
}

fn occurrence(
    start: &DateTimeValue,
    length: Length,
    zones: &ZoneResolver,
    is_main: bool,
) -> Option<Slot> {
    let s = start.to_utc(zones)?;
    // Checked: DURATION:P99999999W is valid iCalendar but ends after the
    // last date chrono can represent.
    let e = match length {
        Length::Exact(d) => s.checked_add_signed(d)?,
        Length::Wall(d) => start.with_local(start.local().checked_add_signed(d)?).to_utc(zones)?,
    };
    slot(s, e, start.local(), is_main)
}

/// Expands an event (or any component with DTSTART) into occurrences. A
/// recent expansion of the same recurrence with the same zones and
/// parameters is reused (`memo`).
pub fn expand(obj: &Object, zones: &ZoneResolver, params: &ExpandParams) -> Expansion {
    // Single events are cheaper to expand than to key.
    if !obj.is_recurring() && obj.exrules().is_empty() {
        return expand_uncached(obj, zones, params);
    }
    let key = memo::key(obj, zones, params);
    if let Some(e) = memo::get(&key) {
        return e;
    }
    let e = expand_uncached(obj, zones, params);
    memo::put(key, &e);
    e
}

fn expand_uncached(obj: &Object, zones: &ZoneResolver, params: &ExpandParams) -> Expansion {
    let mut out = Expansion::default();
    let Some(start) = obj.dtstart().or_else(|| obj.recurrence_id()) else {
        out.diagnostics.push("no DTSTART: no period".into());
        return out;
    };
    let length = length_of(obj, &start, zones);
    let mut occ: Vec<Slot> = Vec::new();
    match occurrence(&start, length, zones, true) {
        Some(o) => occ.push(o),
        None => {
            out.diagnostics.push(format!(
                "DTSTART {start} and its duration cannot be placed in time (up to the year 9999)"
            ));
            return out;
        }
    }

    let exdates: HashSet<DateTime<Utc>> =
        obj.exdates().iter().filter_map(|e| e.to_utc(zones)).collect();
    let exrules = obj.exrules();
    for rrule in obj.rrules() {
        let open = rrule.count.is_none() && rrule.until.is_none();
        // When no instance can end before `keep_from`, every instance is
        // kept unless an EXDATE removes it: a windowed run then needs only
        // this many to fill `max_occurrences` and see that there are more.
        let enough = (params.keep_from.is_none_or(|k| occ[0].start >= k) && exrules.is_empty())
            .then(|| params.max_occurrences.saturating_add(exdates.len()).saturating_add(2));
        let params = &ExpandParams { enough, ..*params };
        let mut run = rule::RuleRun::new(rrule, &start, zones, params, open);
        let mut locals = run.locals();
        out.diagnostics.extend(run.diagnostics);
        out.open_ended |= open;
        let truncated = run.truncated;
        if !open && truncated && !run.refused {
            // A bounded rule longer than the caps is treated like an
            // open-ended one: expanded within the window, extended later.
            let mut again = rule::RuleRun::new(rrule, &start, zones, params, true);
            locals = again.locals();
        }
        occ.extend(
            locals.iter().filter_map(|l| occurrence(&start.with_local(*l), length, zones, false)),
        );
        out.truncated |= truncated;
    }

    for rd in obj.rdates() {
        let o = match rd {
            RDate::At(v) => occurrence(&v, length, zones, false),
            RDate::Period(s, e) => match (s.to_utc(zones), e.to_utc(zones)) {
                (Some(su), Some(eu)) => slot(su, eu, s.local(), false),
                _ => None,
            },
            RDate::PeriodDuration(s, d) => s.to_utc(zones).and_then(|su| {
                slot(su, su.checked_add_signed(d.max(Duration::zero()))?, s.local(), false)
            }),
        };
        match o {
            Some(o) => occ.push(o),
            None => out.diagnostics.push("an RDATE cannot be placed in time".into()),
        }
    }

    if !exdates.is_empty() {
        occ.retain(|o| !exdates.contains(&o.start));
    }
    if !exrules.is_empty() {
        let mut excluded = HashSet::new();
        for r in exrules {
            let open = r.count.is_none() && r.until.is_none();
            let mut run = rule::RuleRun::new(r, &start, zones, params, open);
            excluded
                .extend(run.locals().into_iter().filter_map(|l| start.with_local(l).to_utc(zones)));
            out.diagnostics.extend(run.diagnostics);
        }
        // RFC 2445 §4.8.5.2: the union of EXRULE and EXDATE instants is
        // removed from the set, DTSTART included.
        occ.retain(|o| !excluded.contains(&o.start));
    }
    // The DTSTART occurrence wins over an identical rule or RDATE occurrence.
    occ.sort_by(|a, b| a.start.cmp(&b.start).then(b.is_main.cmp(&a.is_main)));
    occ.dedup_by(|b, a| a.start == b.start);
    if out.needs_extension()
        && let Some(keep) = params.keep_from
    {
        occ.retain(|o| o.end >= keep || o.is_main);
    }
    if occ.len() > params.max_occurrences {
        occ.truncate(params.max_occurrences);
        out.truncated = true;
    }
    out.occurrences = occ
        .into_iter()
        .map(|o| Occurrence {
            start: o.start,
            end: o.end,
            rid: start.with_local(o.local).rid_key(zones),
            is_main: o.is_main,
        })
        .collect();
    out
}

/// The local start times of the rule instances of an RRULE, as calcard
/// computes them (exposed for tests of the adapter).
pub fn rule_locals(
    obj: &Object,
    zones: &ZoneResolver,
    params: &ExpandParams,
) -> Vec<NaiveDateTime> {
    let Some(start) = obj.dtstart() else { return Vec::new() };
    let mut out: Vec<NaiveDateTime> = obj
        .rrules()
        .into_iter()
        .flat_map(|rrule| {
            let open = rrule.count.is_none() && rrule.until.is_none();
            rule::RuleRun::new(rrule, &start, zones, params, open).locals()
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests;

/// Whether a RECURRENCE-ID names an occurrence of a series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// It does: the occurrence.
    Found(Occurrence),
    /// It does not.
    NotFound,
    /// The caps stopped the expansion before reaching it.
    BeyondCaps,
}

/// Looks up the occurrence a RECURRENCE-ID key names by asking the rule,
/// however far ahead it lies: the series is expanded up to that instant
/// (within the iteration and occurrence caps), not to a free/busy window.
pub fn occurrence_at(
    obj: &Object,
    zones: &ZoneResolver,
    rid: &str,
    params: &ExpandParams,
) -> Lookup {
    let Some(start) = obj.dtstart() else { return Lookup::NotFound };
    let Some(at) = crate::ical::datetime::parse_rid_key(rid).and_then(|v| {
        // Dates and floating keys are read in the series' own zone.
        match v {
            DateTimeValue::Utc(_) => v.to_utc(zones),
            other => start.zone(zones).to_utc(&other.local()),
        }
    }) else {
        return Lookup::NotFound;
    };
    let mut p = *params;
    p.window_end = at + Duration::days(1);
    p.keep_from = Some(at - Duration::days(1));
    let e = expand(obj, zones, &p);
    match e.occurrences.into_iter().find(|o| o.rid == rid) {
        Some(o) => Lookup::Found(o),
        None if e.truncated => Lookup::BeyondCaps,
        None => Lookup::NotFound,
    }
}
