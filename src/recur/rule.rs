//! Driving calcard's RRULE engine for one rule. calcard only exposes
//! whole-calendar expansion with a count limit, so the rule is placed on a
//! synthetic floating-time VEVENT, with UNTIL rewritten into the DTSTART's
//! wall-clock time (calcard compares UNTIL in floating time) and, for
//! open-ended rules, set to the window end. Results are wall-clock times that
//! the caller places in the DTSTART's zone. Performs no I/O.

use super::ExpandParams;
use super::cost::candidates_per_step;
use crate::ical::{DateTimeValue, ZoneResolver};
use calcard::common::timezone::Tz;
use calcard::common::{IanaString, PartialDateTime};
use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarComponentType, ICalendarEntry, ICalendarProperty,
    ICalendarRecurrenceRule, ICalendarValue,
};
use chrono::{NaiveDateTime, NaiveTime};

pub(super) struct RuleRun {
    cal: Option<ICalendar>,
    limit: usize,
    pub(super) truncated: bool,
    /// The rule was not expanded: one step costs more than allowed.
    pub(super) refused: bool,
    pub(super) diagnostics: Vec<String>,
}

fn floating(local: NaiveDateTime, date_only: bool) -> PartialDateTime {
    let v =
        if date_only { DateTimeValue::Date(local.date()) } else { DateTimeValue::Floating(local) };
    v.to_partial()
}

impl RuleRun {
    pub(super) fn new(
        rule: &ICalendarRecurrenceRule,
        start: &DateTimeValue,
        zones: &ZoneResolver,
        params: &ExpandParams,
        use_window: bool,
    ) -> RuleRun {
        let mut diagnostics = Vec::new();
        let candidates = candidates_per_step(rule);
        if candidates > params.max_rule_candidates {
            // calcard builds a whole step (e.g. every second of a year) in
            // memory before yielding its first instance: refuse up front.
            diagnostics.push(format!(
                "RRULE not expanded: one {} step has up to {candidates} candidate times (limit {})",
                rule.freq.as_str(),
                params.max_rule_candidates
            ));
            return RuleRun { cal: None, limit: 0, truncated: true, refused: true, diagnostics };
        }
        let date_only = start.is_date();
        let zone = start.zone(zones);
        let mut rule = rule.clone();
        if let Some(until) = &rule.until {
            match until.has_zone() {
                true => {
                    // UNTIL in UTC: convert to the DTSTART's wall clock.
                    let utc =
                        DateTimeValue::from_partial(until, None).and_then(|u| u.to_utc(zones));
                    match utc {
                        Some(u) => rule.until = Some(floating(zone.from_utc(&u), date_only)),
                        None => diagnostics.push("RRULE UNTIL is not a valid date".into()),
                    }
                }
                false if date_only == until.has_time() => {
                    // A DATE UNTIL with a DATE-TIME start (or the reverse):
                    // compare on the whole day (RFC 5545 asks for the same type).
                    let local = DateTimeValue::from_partial(until, None).map(|v| v.local());
                    if let Some(l) = local {
                        let l = if date_only {
                            l
                        } else {
                            l.date().and_time(
                                NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN),
                            )
                        };
                        rule.until = Some(floating(l, date_only));
                    }
                }
                false => {}
            }
        }
        if use_window {
            let end = zone.from_utc(&params.window_end);
            let window_until = floating(end, date_only);
            let earlier = match (&rule.until, DateTimeValue::from_partial(&window_until, None)) {
                (Some(u), Some(w)) => {
                    DateTimeValue::from_partial(u, None).is_none_or(|u| w.local() < u.local())
                }
                _ => true,
            };
            if earlier {
                rule.until = Some(window_until);
            }
        }
        let mut ev = ICalendarComponent::new(ICalendarComponentType::VEvent);
        ev.entries.push(ICalendarEntry {
            name: ICalendarProperty::Dtstart,
            params: Vec::new(),
            values: vec![ICalendarValue::PartialDateTime(Box::new(floating(
                start.local(),
                date_only,
            )))],
        });
        ev.entries.push(ICalendarEntry {
            name: ICalendarProperty::Rrule,
            params: Vec::new(),
            values: vec![ICalendarValue::RecurrenceRule(Box::new(rule))],
        });
        let mut root = ICalendarComponent::new(ICalendarComponentType::VCalendar);
        root.component_ids.push(1);
        RuleRun {
            cal: Some(ICalendar { components: vec![root, ev] }),
            limit: params
                .max_iterations
                .min(params.max_occurrences.saturating_mul(20))
                .min(if use_window { params.enough.unwrap_or(usize::MAX) } else { usize::MAX })
                .max(1),
            truncated: false,
            refused: false,
            diagnostics,
        }
    }

    /// The wall-clock starts of the rule's instances (including the DTSTART
    /// when it matches the rule), up to the caps.
    pub(super) fn locals(&mut self) -> Vec<NaiveDateTime> {
        let Some(cal) = self.cal.take() else { return Vec::new() };
        let expanded = cal.expand_dates(Tz::Floating, self.limit);
        for e in &expanded.errors {
            self.diagnostics.push(format!("RRULE not usable: {:?}", e.error));
        }
        if expanded.events.len() >= self.limit {
            self.truncated = true;
        }
        expanded.events.iter().map(|e| e.start.naive_local()).collect()
    }
}
