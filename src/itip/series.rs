//! Masters and occurrences of one event, in any order of arrival. Pure.
//!
//! Each slot of an event — the master, and each occurrence stored
//! separately — keeps the newest version it was sent, ordered by
//! (SEQUENCE, DTSTAMP) with a cancellation winning a tie
//! (`version::wins`). Between a master and an occurrence SEQUENCE says
//! nothing (RFC 5545 §3.8.7.4: instances may have their own sequence
//! numbers, and Google, Confluence and others send overrides with a lower
//! one than the master's), so they are ordered by DTSTAMP, the time the
//! organiser's client wrote them: an occurrence survives a master that is
//! not later than it, and a master supersedes the occurrences written
//! before it. Overrides sent in the same message as their master belong
//! to that master's version ([`MessageScope`]), whatever their own
//! SEQUENCE. With these rules the stored state does not depend on the
//! order in which the messages arrive (`docs/differences.md`).

use super::version::Version;
use super::view::Stored;
use crate::ical::{DateTimeValue, Instance, Method, Object, Property, ZoneResolver};
use crate::mail::ItipItem;
use crate::recur::{ExpandParams, Lookup, occurrence_at};
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};

/// How a master and an occurrence rank when their DTSTAMPs are equal: a
/// cancelled master over an active occurrence, an occurrence over an
/// active master, a cancelled occurrence over everything.
fn rank(is_master: bool, cancelled: bool) -> u8 {
    match (is_master, cancelled) {
        (true, false) => 0,
        (false, false) => 1,
        (true, true) => 2,
        (false, true) => 3,
    }
}

/// Whether a master (at `master`, cancelled or not) supersedes an
/// occurrence (at `occurrence`): it was written later, or at the same
/// moment with a higher rank.
pub fn master_supersedes(
    master: Option<DateTime<Utc>>,
    master_cancelled: bool,
    occurrence: Option<DateTime<Utc>>,
    occurrence_cancelled: bool,
) -> bool {
    (master, rank(true, master_cancelled)) > (occurrence, rank(false, occurrence_cancelled))
}

/// The stored occurrences a new master state supersedes (to be removed),
/// leaving those the same message sends again.
pub fn superseded_occurrences(
    master: &Object,
    master_cancelled: bool,
    stored: &[Stored],
    resent: &HashSet<Instance>,
) -> Vec<Instance> {
    let at = master.dtstamp();
    stored
        .iter()
        .filter(|o| !resent.contains(&o.instance))
        .filter(|o| master_supersedes(at, master_cancelled, o.object.dtstamp(), o.is_cancelled()))
        .map(|o| o.instance.clone())
        .collect()
}

/// What one message says about each event: the version of the master it
/// carries, and which overrides it carries with it, per method class.
#[derive(Debug, Default)]
pub struct MessageScope {
    masters: HashMap<(String, bool), Version>,
    overrides: HashMap<(String, bool), HashSet<Instance>>,
}

/// Whether a method comes from the organiser's side of a series update
/// (REQUEST and PUBLISH send the series; CANCEL cancels it).
fn class(method: &Method) -> Option<bool> {
    match method {
        Method::Request | Method::Publish => Some(false),
        Method::Cancel => Some(true),
        _ => None,
    }
}

impl MessageScope {
    /// Indexes a message's items once (linear in the number of items).
    pub fn of(items: &[ItipItem], zones: impl Fn(&Object) -> ZoneResolver) -> MessageScope {
        let mut s = MessageScope::default();
        for item in items {
            let (Some(c), Some(uid)) = (class(&item.method), item.object.uid()) else { continue };
            match item.object.instance(&zones(&item.object)) {
                Instance::Master => {
                    s.masters.insert((uid, c), Version::of(&item.object));
                }
                inst => {
                    s.overrides.entry((uid, c)).or_default().insert(inst);
                }
            }
        }
        s
    }

    /// The version of the master a message carries along with an item of
    /// `method` for `uid`.
    pub fn master(&self, method: &Method, uid: &str) -> Option<Version> {
        let c = class(method)?;
        self.masters.get(&(uid.to_string(), c)).copied()
    }

    /// The overrides a message carries for `uid` with `method`.
    pub fn overrides(&self, method: &Method, uid: &str) -> HashSet<Instance> {
        class(method)
            .and_then(|c| self.overrides.get(&(uid.to_string(), c)))
            .cloned()
            .unwrap_or_default()
    }
}

/// An override as it is stored: sent with its master, it carries the
/// master's DTSTAMP when that is later than its own (it belongs to that
/// version of the series).
pub fn with_message_stamp(obj: &Object, master: Option<Version>) -> Object {
    match master.and_then(|m| m.dtstamp) {
        Some(at) if obj.dtstamp().is_none_or(|own| own < at) => {
            let mut o = obj.clone();
            o.set_dtstamp(&at);
            o
        }
        _ => obj.clone(),
    }
}

/// The occurrence an ADD brings, to be stored separately: the object with
/// RECURRENCE-ID := DTSTART.
pub fn added_occurrence(obj: &Object) -> Object {
    let mut occurrence = obj.clone();
    if let Some(start) = occurrence.dtstart() {
        occurrence.set_recurrence_id(&start);
    }
    occurrence
}

/// Finds the occurrence a RECURRENCE-ID key names in a series, asking the
/// rule however far ahead it is.
pub fn find_occurrence(
    parent: &Object,
    zones: &ZoneResolver,
    rid: &str,
    params: &ExpandParams,
) -> Lookup {
    occurrence_at(parent, zones, rid, params)
}

/// Makes a separately stored occurrence of a series: the parent with
/// RECURRENCE-ID set, the occurrence's own times (in the series' zone when
/// it has one), and no recurrence rules.
pub fn separate_occurrence(
    parent: &Object,
    zones: &ZoneResolver,
    rid: &str,
    params: &ExpandParams,
) -> Result<Object, Lookup> {
    let occ = match find_occurrence(parent, zones, rid, params) {
        Lookup::Found(o) => o,
        other => return Err(other),
    };
    let start = parent.dtstart().ok_or(Lookup::NotFound)?;
    let rid_value = crate::ical::datetime::parse_rid_key(rid).ok_or(Lookup::NotFound)?;
    let mut o = parent.clone();
    o.remove_property(&Property::Rrule);
    o.remove_property(&Property::Rdate);
    o.remove_property(&Property::Exdate);
    o.remove_property_named("EXRULE");
    let place = |t: &DateTime<Utc>| {
        let local = start.zone(zones).from_utc(t);
        match &start {
            DateTimeValue::Date(_) => DateTimeValue::Date(local.date()),
            s => s.with_local(local),
        }
    };
    o.set_recurrence_id(&rid_value);
    o.set_dtstart(&place(&occ.start));
    o.set_dtend(&place(&occ.end));
    Ok(o)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32) -> Option<DateTime<Utc>> {
        Some(Utc.with_ymd_and_hms(2027, 3, 1, h, 0, 0).unwrap())
    }

    #[test]
    fn later_master_supersedes_earlier_occurrence() {
        assert!(master_supersedes(at(10), false, at(9), false));
        assert!(!master_supersedes(at(9), false, at(10), false));
        // Same moment: the occurrence is more specific…
        assert!(!master_supersedes(at(9), false, at(9), false));
        // …unless the master is cancelled at that moment.
        assert!(master_supersedes(at(9), true, at(9), false));
        assert!(!master_supersedes(at(9), true, at(9), true));
        assert!(master_supersedes(at(9), false, None, false));
    }
}
