//! Free time arithmetic for `available/3` and `suggest/4`: the spans where
//! a calendar is full (as many overlapping bookings as its capacity), the
//! capacity a resource's `scheduling_function` allows, and successive free
//! slots after the next-available rule of `schedule_next_available_in_freebusy`.
//! Performs no I/O.

use crate::freebusy::{Span, coalesce, first_gap};
use crate::policy::parse_functions;
use chrono::{DateTime, Duration, Utc};

/// Functions whose first argument is a capacity (concurrent bookings).
const CAPACITY_FUNCTIONS: &[&str] = &[
    "schedule_in_freebusy",
    "schedule_corrected_in_freebusy",
    "schedule_next_available_in_freebusy",
];

/// The number of concurrent bookings a resource's `scheduling_function`
/// allows: the capacity argument of its free/busy function, else 1.
pub fn booking_capacity(scheduling_function: Option<&str>) -> usize {
    let calls =
        parse_functions(scheduling_function.unwrap_or("schedule_in_freebusy")).unwrap_or_default();
    calls
        .iter()
        .find(|c| CAPACITY_FUNCTIONS.contains(&c.name.as_str()))
        .and_then(|c| c.args.first())
        .and_then(|a| a.trim().parse::<usize>().ok())
        .filter(|n| *n >= 1)
        .unwrap_or(1)
}

/// The spans where at least `cap` of `spans` overlap (half-open), merged.
/// With `cap` 1 this is the coalesced busy time.
pub fn saturated(spans: &[Span], cap: usize) -> Vec<Span> {
    if cap <= 1 {
        return coalesce(spans.to_vec());
    }
    let mut edges: Vec<(DateTime<Utc>, i32)> = Vec::new();
    for (s, e) in spans.iter().filter(|(s, e)| e > s) {
        edges.push((*s, 1));
        edges.push((*e, -1));
    }
    // Ends before starts at the same instant: touching bookings do not overlap.
    edges.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    let need = i32::try_from(cap).unwrap_or(i32::MAX);
    let (mut cur, mut open) = (0i32, None);
    let mut out = Vec::new();
    for (t, d) in edges {
        cur += d;
        match open {
            None if cur >= need => open = Some(t),
            Some(s) if cur < need => {
                if t > s {
                    out.push((s, t));
                }
                open = None;
            }
            _ => {}
        }
    }
    coalesce(out)
}

/// Whether `[start, end)` avoids every full span.
pub fn is_free(full: &[Span], start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
    !full.iter().any(|(s, e)| *s < end && start < *e)
}

/// Up to `limit` successive free slots of `length` starting at or after
/// `from` and ending by `until`: the first at the first gap, each next one
/// at or after the end of the previous. `align` moves a candidate start to
/// the first permitted time at or after it.
pub fn slots(
    full: &[Span],
    from: DateTime<Utc>,
    length: Duration,
    until: DateTime<Utc>,
    align: &dyn Fn(DateTime<Utc>) -> Option<DateTime<Utc>>,
    limit: usize,
) -> Vec<Span> {
    let mut out = Vec::new();
    let mut after = from;
    while out.len() < limit {
        let Some(start) = first_gap(full, after, length, until, align) else { break };
        out.push((start, start + length));
        after = start + length;
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::TimeZone;

    fn h(x: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 3, 10, x, 0, 0).unwrap()
    }

    #[test]
    fn capacity_comes_from_the_free_busy_function() {
        assert_eq!(booking_capacity(None), 1);
        assert_eq!(booking_capacity(Some("schedule_in_freebusy 3")), 3);
        assert_eq!(
            booking_capacity(Some("access_control_list x\nschedule_corrected_in_freebusy 2")),
            2
        );
        assert_eq!(booking_capacity(Some("schedule_in_freebusy zero")), 1);
    }

    #[test]
    fn saturation_respects_capacity() {
        let spans = vec![(h(9), h(11)), (h(10), h(12)), (h(13), h(14))];
        assert_eq!(saturated(&spans, 1), vec![(h(9), h(12)), (h(13), h(14))]);
        assert_eq!(saturated(&spans, 2), vec![(h(10), h(11))]);
        assert!(saturated(&spans, 3).is_empty());
        assert!(is_free(&saturated(&spans, 2), h(11), h(12)));
        assert!(!is_free(&saturated(&spans, 1), h(11), h(12)));
    }

    #[test]
    fn successive_slots_fill_free_time() {
        let full = vec![(h(10), h(11))];
        let any = |t: DateTime<Utc>| Some(t);
        let got = slots(&full, h(8), Duration::hours(1), h(13), &any, 10);
        assert_eq!(got, vec![(h(8), h(9)), (h(9), h(10)), (h(11), h(12)), (h(12), h(13))]);
        assert_eq!(slots(&full, h(8), Duration::hours(1), h(13), &any, 1), vec![(h(8), h(9))]);
    }
}
