//! What one step of an RRULE costs in calcard's engine (rust-rrule's
//! algorithm): each step takes one period of the rule's FREQ (a year, a
//! month, a week, a day…), keeps the days of that period its BYxxx day parts
//! allow, and materialises every kept day × every time of day its BYHOUR,
//! BYMINUTE and BYSECOND parts list, all at once, before yielding the first
//! occurrence (with BYSETPOS, before choosing among them). The count of
//! those candidates is bounded here from the sizes of the BYxxx lists, the
//! way the engine fills in missing parts from DTSTART; it is an upper bound,
//! never an underestimate. Performs no I/O.

use calcard::icalendar::{ICalendarFrequency, ICalendarRecurrenceRule};

/// How many different values a BYxxx list holds (the engine removes
/// duplicates), or `None` when the part is absent.
fn distinct<T: Ord + Clone>(values: &[T]) -> Option<u64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_unstable();
    v.dedup();
    Some(v.len() as u64)
}

/// The candidate times one expansion step of `rule` generates at most.
pub fn candidates_per_step(rule: &ICalendarRecurrenceRule) -> u64 {
    days_per_step(rule).saturating_mul(times_per_day(rule))
}

/// Times of day per kept day: the product of BYHOUR, BYMINUTE and BYSECOND
/// for the parts finer than FREQ (an absent part is DTSTART's one value).
fn times_per_day(rule: &ICalendarRecurrenceRule) -> u64 {
    let h = distinct(&rule.byhour).unwrap_or(1);
    let m = distinct(&rule.byminute).unwrap_or(1);
    let s = distinct(&rule.bysecond).unwrap_or(1);
    match rule.freq {
        ICalendarFrequency::Yearly
        | ICalendarFrequency::Monthly
        | ICalendarFrequency::Weekly
        | ICalendarFrequency::Daily => h * m * s,
        ICalendarFrequency::Hourly => m * s,
        ICalendarFrequency::Minutely => s,
        ICalendarFrequency::Secondly => 1,
    }
}

/// Days kept per step: at most the period's length, narrowed by each day
/// part present (the engine keeps only days that every part allows).
fn days_per_step(rule: &ICalendarRecurrenceRule) -> u64 {
    let period: u64 = match rule.freq {
        ICalendarFrequency::Yearly => 366,
        ICalendarFrequency::Monthly => 31,
        ICalendarFrequency::Weekly => 7,
        _ => return 1,
    };
    let months = distinct(&rule.bymonth);
    let has_day_part = !(rule.byweekno.is_empty()
        && rule.byyearday.is_empty()
        && rule.bymonthday.is_empty()
        && rule.byday.is_empty());
    if !has_day_part {
        // The engine fills in DTSTART's day of the month (and, for a
        // yearly rule, its month unless BYMONTH lists some).
        return match rule.freq {
            ICalendarFrequency::Yearly => months.unwrap_or(1),
            _ => 1,
        };
    }
    let per_month_of_period = match rule.freq {
        ICalendarFrequency::Yearly => months.unwrap_or(12),
        _ => 1,
    };
    let mut bound = period;
    if let Some(m) = months {
        bound = bound.min(31 * m);
    }
    if let Some(d) = distinct(&rule.byyearday) {
        bound = bound.min(d);
    }
    if let Some(d) = distinct(&rule.bymonthday) {
        bound = bound.min(d * per_month_of_period);
    }
    if let Some(w) = distinct(&rule.byweekno) {
        bound = bound.min(7 * w);
    }
    if let Some(d) = distinct(&rule.byday) {
        // A weekday recurs up to 53 times a year, 5 times a month, once a
        // week; an nth weekday ("2MO") once per month at most.
        let every = rule.byday.iter().all(|d| d.ordwk.is_none());
        let per_day = match (rule.freq, every) {
            (ICalendarFrequency::Yearly, true) => 53,
            (ICalendarFrequency::Yearly, false) => 12,
            (ICalendarFrequency::Monthly, true) => 5,
            _ => 1,
        };
        if every || rule.byday.iter().all(|d| d.ordwk.is_some()) {
            bound = bound.min(d * per_day);
        }
    }
    bound
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use calcard::icalendar::{ICalendar, ICalendarProperty, ICalendarValue};

    fn rule(text: &str) -> ICalendarRecurrenceRule {
        let cal = ICalendar::parse(format!(
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20270101T100000Z\r\nRRULE:{text}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        ))
        .unwrap();
        let e = cal.components[1].property(&ICalendarProperty::Rrule).unwrap();
        match e.values.first() {
            Some(ICalendarValue::RecurrenceRule(r)) => r.as_ref().clone(),
            other => panic!("{other:?}"),
        }
    }

    fn list(from: u32, to: u32) -> String {
        (from..=to).map(|i| i.to_string()).collect::<Vec<_>>().join(",")
    }

    #[test]
    fn ordinary_rules_have_one_candidate_per_step() {
        for r in [
            "FREQ=DAILY",
            "FREQ=WEEKLY",
            "FREQ=MONTHLY",
            "FREQ=YEARLY",
            "FREQ=SECONDLY",
            "FREQ=MINUTELY;BYSECOND=0",
        ] {
            assert_eq!(candidates_per_step(&rule(r)), 1, "{r}");
        }
        assert_eq!(candidates_per_step(&rule("FREQ=WEEKLY;BYDAY=MO,WE,FR")), 3);
        assert_eq!(candidates_per_step(&rule("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1")), 25);
        assert_eq!(candidates_per_step(&rule("FREQ=MONTHLY;BYDAY=2TU")), 1);
        assert_eq!(candidates_per_step(&rule("FREQ=YEARLY;BYMONTH=1,7")), 2);
        assert_eq!(candidates_per_step(&rule("FREQ=DAILY;BYHOUR=9,10,11;BYMINUTE=0,30")), 6);
    }

    #[test]
    fn huge_candidate_sets_are_counted() {
        let r = rule(&format!(
            "FREQ=YEARLY;BYYEARDAY={};BYHOUR={};BYMINUTE={};BYSECOND={}",
            list(1, 366),
            list(0, 23),
            list(0, 59),
            list(0, 59)
        ));
        assert_eq!(candidates_per_step(&r), 366 * 24 * 60 * 60);
        let every_day =
            rule(&format!("FREQ=YEARLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYHOUR={}", list(0, 23)));
        assert_eq!(candidates_per_step(&every_day), 366 * 24);
        let hourly =
            rule(&format!("FREQ=HOURLY;BYMINUTE={};BYSECOND={}", list(0, 59), list(0, 59)));
        assert_eq!(candidates_per_step(&hourly), 3600);
    }

    #[test]
    fn duplicates_count_once_and_day_parts_narrow() {
        assert_eq!(candidates_per_step(&rule("FREQ=DAILY;BYHOUR=9,9,9,9,9,9")), 1);
        // Two months of a yearly rule cannot keep more than 62 days.
        assert_eq!(
            candidates_per_step(&rule("FREQ=YEARLY;BYMONTH=1,2;BYDAY=MO,TU,WE,TH,FR,SA,SU")),
            62
        );
        assert_eq!(candidates_per_step(&rule("FREQ=YEARLY;BYMONTHDAY=1,15")), 24);
        assert_eq!(candidates_per_step(&rule("FREQ=YEARLY;BYWEEKNO=1,2")), 14);
    }
}
