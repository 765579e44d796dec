//! The value a policy decides on: the requested event, its occurrences and
//! the resource's context. No I/O.

use crate::address::CalAddress;
use crate::config::prefs::Prefs;
use crate::ical::datetime::writable_year;
use crate::ical::{DateTimeValue, Instance, Object, RDate, Zone};
use crate::recur::{ExpandParams, Occurrence, expand};
use chrono::{DateTime, Datelike, Duration, Utc};

/// A booking request as the policy sees it.
#[derive(Debug, Clone)]
pub struct Booking {
    /// The resource deciding.
    pub resource: CalAddress,
    /// The requested event; functions may modify it (corrected times).
    pub object: Object,
    /// UID.
    pub uid: String,
    /// The whole event, or the occurrence requested.
    pub instance: Instance,
    /// The organiser.
    pub organizer: CalAddress,
    /// The occurrences to book (UTC).
    pub occurrences: Vec<Occurrence>,
    /// The event recurs without end (expanded only to the window).
    pub open_ended: bool,
    /// The expansion hit its caps.
    pub truncated: bool,
    /// The resource's preferences.
    pub prefs: Prefs,
    /// Now.
    pub now: DateTime<Utc>,
    /// This resource received the request as a delegate (may not delegate again).
    pub is_delegate: bool,
    /// Expansion limits.
    pub expand: ExpandParams,
}

impl Booking {
    /// The resource's zone.
    pub fn zone(&self) -> Zone {
        self.prefs.zone()
    }

    /// Re-expands the occurrences after the object was modified.
    pub fn recompute(&mut self) {
        let zones = self.object.zones(self.zone());
        let e = expand(&self.object, &zones, &self.expand);
        // A single occurrence booking keeps only its own period.
        self.occurrences = if self.instance.is_master() {
            e.occurrences
        } else {
            e.occurrences.into_iter().take(1).collect()
        };
        self.open_ended = e.open_ended;
        self.truncated = e.truncated;
    }

    /// The span covering every occurrence.
    pub fn span(&self) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let s = self.occurrences.iter().map(|o| o.start).min()?;
        let e = self.occurrences.iter().map(|o| o.end).max()?;
        Some((s, e))
    }

    /// Total booked time.
    pub fn total_duration(&self) -> Duration {
        self.occurrences.iter().fold(Duration::zero(), |acc, o| acc + (o.end - o.start))
    }

    /// The explicitly defined periods (DTSTART and RDATEs; rule occurrences
    /// are derived from DTSTART and move with it), in UTC.
    pub fn explicit_periods(&self) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        let zones = self.object.zones(self.zone());
        let mut out = Vec::new();
        let Some(main) = self.occurrences.iter().find(|o| o.is_main).or(self.occurrences.first())
        else {
            return out;
        };
        out.push((main.start, main.end));
        let length = main.end - main.start;
        for rd in self.object.rdates() {
            // Checked: an RDATE period may last longer than chrono can
            // represent (`P99999999W`); expansion drops such periods too.
            let p = match rd {
                RDate::At(v) => {
                    v.to_utc(&zones).and_then(|s| Some((s, s.checked_add_signed(length)?)))
                }
                RDate::Period(s, e) => s.to_utc(&zones).zip(e.to_utc(&zones)),
                RDate::PeriodDuration(s, d) => {
                    s.to_utc(&zones).and_then(|s| Some((s, s.checked_add_signed(d)?)))
                }
            };
            // Periods expansion drops (past the year 9999) are not moved
            // either: a correction would write them out.
            if let Some(p) = p.filter(|(s, e)| writable_year(s.year()) && writable_year(e.year())) {
                out.push(p);
            }
        }
        out
    }

    /// Moves the explicitly defined periods: DTSTART/DTEND keep their zone
    /// (so that a weekly rule keeps its wall-clock time), RDATEs become UTC
    /// periods. Re-expands the occurrences.
    pub fn set_explicit_periods(&mut self, periods: &[(DateTime<Utc>, DateTime<Utc>)]) {
        let Some(((s, e), rest)) = periods.split_first() else { return };
        let zones = self.object.zones(self.zone());
        if let Some(start) = self.object.dtstart() {
            let zone = start.zone(&zones);
            let place = |t: &DateTime<Utc>| match &start {
                DateTimeValue::Utc(_) => DateTimeValue::Utc(t.naive_utc()),
                DateTimeValue::Date(_) => DateTimeValue::Date(zone.from_utc(t).date()),
                other => other.with_local(zone.from_utc(t)),
            };
            let (ns, ne) = (place(s), place(e));
            self.object.set_dtstart(&ns);
            self.object.set_dtend(&ne);
        }
        if !rest.is_empty() || !self.object.rdates().is_empty() {
            self.object.set_rdate_periods(rest);
        }
        self.recompute();
    }

    /// Whether a stored period belongs to this booking itself (a re-sent
    /// request must not conflict with itself): same UID, and for an
    /// occurrence request the same RECURRENCE-ID.
    pub fn is_self(&self, uid: &str, rid: &str) -> bool {
        uid == self.uid
            && match &self.instance {
                Instance::Master => true,
                Instance::Occurrence(own) => rid == own || rid.is_empty(),
            }
    }
}

/// A cancellation as retraction functions see it.
#[derive(Debug, Clone)]
pub struct Cancellation {
    /// The resource.
    pub resource: CalAddress,
    /// UID.
    pub uid: String,
    /// The whole event, or the occurrence cancelled.
    pub instance: Instance,
    /// The organiser.
    pub organizer: CalAddress,
    /// The stored event (as accepted), if any.
    pub stored: Option<Object>,
}
