//! Busy periods and operations on collections of them. Performs no I/O.

use crate::ical::Transp;
use chrono::{DateTime, Duration, Utc};

/// A time span (start, end) in UTC.
pub type Span = (DateTime<Utc>, DateTime<Utc>);

/// Which free/busy collection a period belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FbSet {
    /// The user's own busy time.
    Own(String),
    /// What the user knows of another participant's busy time.
    Other {
        /// The user who holds the record.
        user: String,
        /// The other participant.
        other: String,
    },
    /// Periods held for counter-proposals (with expiry).
    Offers(String),
    /// A quota journal: reservations charged to a group or user.
    Journal {
        /// The quota name.
        quota: String,
        /// The group or user charged.
        group: String,
    },
    /// A quota's consolidated record per organiser (schedule_across_quota).
    Collective {
        /// The quota name.
        quota: String,
        /// The organiser.
        organiser: String,
    },
}

impl FbSet {
    /// (owner, kind, other) as stored.
    pub fn key(&self) -> (&str, &'static str, &str) {
        match self {
            FbSet::Own(u) => (u, "own", ""),
            FbSet::Other { user, other } => (user, "other", other),
            FbSet::Offers(u) => (u, "offer", ""),
            FbSet::Journal { quota, group } => (quota, "journal", group),
            FbSet::Collective { quota, organiser } => (quota, "collective", organiser),
        }
    }
}

/// One busy period as stored (imip-agent's free/busy TSV columns plus the
/// offer expiry and the journal's attendee column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusyPeriod {
    /// Start (UTC).
    pub start: DateTime<Utc>,
    /// End (UTC).
    pub end: DateTime<Utc>,
    /// UID of the event.
    pub uid: String,
    /// Normalised RECURRENCE-ID of the occurrence ("" for the parent's own periods).
    pub rid: String,
    /// Transparency.
    pub transp: Transp,
    /// SUMMARY.
    pub summary: String,
    /// ORGANIZER URI.
    pub organizer: String,
    /// For offers: when the hold lapses.
    pub expires: Option<DateTime<Utc>>,
    /// For journals: the resource that accepted.
    pub attendee: String,
}

impl BusyPeriod {
    /// A period with only times and identity; other fields empty.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>, uid: &str, rid: &str) -> Self {
        BusyPeriod {
            start,
            end,
            uid: uid.to_string(),
            rid: rid.to_string(),
            transp: Transp::Opaque,
            summary: String::new(),
            organizer: String::new(),
            expires: None,
            attendee: String::new(),
        }
    }

    /// Whether two half-open periods overlap; a zero-length period overlaps
    /// a period that contains its instant (a zero-length event still occupies
    /// its moment, as in imip-agent).
    pub fn overlaps(&self, start: &DateTime<Utc>, end: &DateTime<Utc>) -> bool {
        overlap(self.start, self.end, *start, *end)
    }
}

fn overlap(a0: DateTime<Utc>, a1: DateTime<Utc>, b0: DateTime<Utc>, b1: DateTime<Utc>) -> bool {
    match (a0 == a1, b0 == b1) {
        (true, true) => a0 == b0,
        (true, false) => b0 <= a0 && a0 < b1,
        (false, true) => a0 <= b0 && b0 < a1,
        (false, false) => a0 < b1 && b0 < a1,
    }
}

/// Periods of `periods` overlapping [start, end).
pub fn overlapping<'a>(
    periods: &'a [BusyPeriod],
    start: &DateTime<Utc>,
    end: &DateTime<Utc>,
) -> Vec<&'a BusyPeriod> {
    periods.iter().filter(|p| p.overlaps(start, end)).collect()
}

/// The largest number of `periods` simultaneously overlapping any instant of
/// [start, end): the measure for a resource with a capacity.
pub fn max_concurrency(
    periods: &[&BusyPeriod],
    start: &DateTime<Utc>,
    end: &DateTime<Utc>,
) -> usize {
    let mut edges: Vec<(DateTime<Utc>, i32)> = Vec::new();
    for p in periods.iter().filter(|p| p.overlaps(start, end)) {
        let s = p.start.max(*start);
        let e = p.end.min(*end).max(s);
        edges.push((s, 1));
        // A zero-length period still counts at its instant.
        edges.push((if e == s { s + Duration::nanoseconds(1) } else { e }, -1));
    }
    // Ends sort before starts at the same instant (half-open periods).
    edges.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    let (mut cur, mut max) = (0i32, 0i32);
    for (_, d) in edges {
        cur += d;
        max = max.max(cur);
    }
    usize::try_from(max).unwrap_or(0)
}

/// Merges overlapping or touching periods into (start, end) pairs, sorted.
pub fn coalesce(
    mut spans: Vec<(DateTime<Utc>, DateTime<Utc>)>,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    spans.sort();
    let mut out: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    for (s, e) in spans {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// The first start at or after `from` where `length` fits between the
/// coalesced `busy` spans (sorted and disjoint, as [`coalesce`] returns
/// them), with `align` choosing the first acceptable start at or after a
/// candidate (permitted times); the slot must end by `until`. Each candidate
/// finds its span by binary search.
pub fn first_gap(
    busy: &[(DateTime<Utc>, DateTime<Utc>)],
    from: DateTime<Utc>,
    length: Duration,
    until: DateTime<Utc>,
    align: &dyn Fn(DateTime<Utc>) -> Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    let mut candidate = align(from)?;
    let mut guard = 0;
    while candidate + length <= until {
        guard += 1;
        if guard > 100_000 {
            return None;
        }
        let end = candidate + length;
        // Spans ending before the candidate cannot overlap it; of the rest,
        // only those starting by its end can.
        let from_here = busy.partition_point(|(_, e)| *e < candidate);
        let hit = busy[from_here..]
            .iter()
            .take_while(|(s, _)| *s <= end)
            .find(|(s, e)| overlap(*s, *e, candidate, end));
        match hit {
            None => return Some(candidate),
            Some((_, e)) => {
                let next = align((*e).max(candidate + Duration::seconds(1)))?;
                if next <= candidate {
                    return None;
                }
                candidate = next;
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 1, 1, h, 0, 0).unwrap()
    }

    #[test]
    fn half_open_overlap_and_zero_length() {
        let p = BusyPeriod::new(t(10), t(11), "a", "");
        assert!(p.overlaps(&t(10), &t(12)));
        assert!(!p.overlaps(&t(11), &t(12)), "touching is not overlapping");
        assert!(p.overlaps(&t(10), &t(10)), "a moment inside overlaps");
        let z = BusyPeriod::new(t(10), t(10), "z", "");
        assert!(z.overlaps(&t(9), &t(11)));
        assert!(!z.overlaps(&t(9), &t(10)));
    }

    #[test]
    fn concurrency_counts_simultaneous_periods() {
        let a = BusyPeriod::new(t(9), t(11), "a", "");
        let b = BusyPeriod::new(t(10), t(12), "b", "");
        let c = BusyPeriod::new(t(11), t(13), "c", "");
        let all = [&a, &b, &c];
        assert_eq!(max_concurrency(&all, &t(9), &t(13)), 2);
        assert_eq!(max_concurrency(&all, &t(12), &t(13)), 1);
    }

    #[test]
    fn gaps_are_found_after_busy_time() {
        let busy = coalesce(vec![(t(9), t(10)), (t(10), t(12)), (t(13), t(14))]);
        assert_eq!(busy.len(), 2);
        let any = |x: DateTime<Utc>| Some(x);
        assert_eq!(first_gap(&busy, t(9), Duration::hours(1), t(20), &any), Some(t(12)));
        assert_eq!(first_gap(&busy, t(9), Duration::hours(2), t(20), &any), Some(t(14)));
        assert_eq!(first_gap(&busy, t(9), Duration::hours(2), t(15), &any), None);
    }
}
