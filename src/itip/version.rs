//! Versions of scheduling objects and how they are ordered (RFC 5546
//! §2.1.4, §2.1.5; imip-agent 3.1 "Newness"). Pure.
//!
//! A version is (SEQUENCE, DTSTAMP): a higher SEQUENCE is newer, and with
//! equal SEQUENCE a later DTSTAMP is. A missing SEQUENCE counts as 0 (RFC
//! 5545 §3.8.7.4) and a missing DTSTAMP as older than any. Ordering every
//! object of an event this way — the master, each occurrence, each
//! cancellation, each attendee's answers — is what makes the final state
//! independent of the order mail arrives in (`docs/differences.md`).

use crate::ical::Object;
use chrono::{DateTime, Utc};

/// The version of a scheduling object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// SEQUENCE (0 when absent).
    pub sequence: i64,
    /// DTSTAMP (`None` orders before every instant).
    pub dtstamp: Option<DateTime<Utc>>,
}

impl Version {
    /// The version of an object.
    pub fn of(obj: &Object) -> Version {
        Version { sequence: obj.sequence().unwrap_or(0), dtstamp: obj.dtstamp() }
    }

    /// A version from stored fields (DTSTAMP in UTC seconds).
    pub fn from_parts(sequence: i64, dtstamp: Option<i64>) -> Version {
        Version { sequence, dtstamp: dtstamp.and_then(|s| DateTime::from_timestamp(s, 0)) }
    }

    /// DTSTAMP in UTC seconds, for storing.
    pub fn dtstamp_seconds(&self) -> Option<i64> {
        self.dtstamp.map(|d| d.timestamp())
    }
}

/// How an incoming object stands against what is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Newness {
    /// Nothing stored: new.
    New,
    /// Newer than (or a repeat of) what is stored: act on it.
    Newer,
    /// Older than what is stored: to be ignored.
    Stale,
}

impl Newness {
    /// Whether to act on the object.
    pub fn is_new(self) -> bool {
        !matches!(self, Newness::Stale)
    }
}

/// Compares an incoming version with a stored one. A repeat (equal
/// versions) is acted on again: handling is idempotent, and a re-sent
/// request must be answered again.
pub fn compare(incoming: Version, stored: Option<Version>) -> Newness {
    match stored {
        None => Newness::New,
        Some(s) if incoming < s => Newness::Stale,
        Some(_) => Newness::Newer,
    }
}

/// Compares `incoming` with `stored` (see [`compare`]).
pub fn newness(incoming: &Object, stored: Option<&Object>) -> Newness {
    compare(Version::of(incoming), stored.map(Version::of))
}

/// Whether a state reached at version `a` (cancelled or not) wins over one
/// reached at version `b`: the higher version, and at equal versions a
/// cancellation over a request — so that a REQUEST and a CANCEL carrying
/// the same SEQUENCE and DTSTAMP end the same way in either order.
pub fn wins(a: Version, a_cancelled: bool, b: Version, b_cancelled: bool) -> bool {
    (a, a_cancelled) >= (b, b_cancelled)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn obj(seq: Option<i64>, stamp: Option<&str>) -> Object {
        let mut s = String::from("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u\r\n");
        if let Some(n) = seq {
            s.push_str(&format!("SEQUENCE:{n}\r\n"));
        }
        if let Some(d) = stamp {
            s.push_str(&format!("DTSTAMP:{d}\r\n"));
        }
        s.push_str("END:VEVENT\r\nEND:VCALENDAR\r\n");
        Object::from_stored(&s).unwrap()
    }

    #[test]
    fn sequence_then_dtstamp() {
        let stored = obj(Some(1), Some("20270101T100000Z"));
        let n = |o: Object| newness(&o, Some(&stored));
        assert_eq!(newness(&obj(Some(1), None), None), Newness::New);
        assert_eq!(n(obj(Some(2), Some("20260101T000000Z"))), Newness::Newer);
        assert_eq!(n(obj(Some(0), Some("20280101T000000Z"))), Newness::Stale);
        assert_eq!(n(obj(Some(1), Some("20261231T000000Z"))), Newness::Stale);
        assert_eq!(n(obj(Some(1), Some("20270101T100000Z"))), Newness::Newer);
        assert_eq!(n(obj(Some(1), None)), Newness::Stale);
    }

    #[test]
    fn missing_sequence_is_zero() {
        let stored = obj(Some(1), Some("20270101T100000Z"));
        assert_eq!(newness(&obj(None, Some("20280101T000000Z")), Some(&stored)), Newness::Stale);
        let zero = obj(Some(0), Some("20270101T100000Z"));
        assert_eq!(newness(&obj(None, Some("20270101T100000Z")), Some(&zero)), Newness::Newer);
    }

    #[test]
    fn cancellation_wins_a_tie() {
        let v = Version::of(&obj(Some(1), Some("20270101T100000Z")));
        assert!(wins(v, true, v, false));
        assert!(!wins(v, false, v, true));
        let older = Version::of(&obj(Some(0), Some("20270101T100000Z")));
        assert!(wins(v, false, older, true));
    }
}
