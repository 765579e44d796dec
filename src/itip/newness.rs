//! SEQUENCE/DTSTAMP ordering (imip-agent 3.1 "Newness"). Pure.

use crate::ical::Object;

/// How an incoming object compares with the stored one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Newness {
    /// Nothing stored: new.
    New,
    /// Newer than what is stored.
    Newer,
    /// Older or a repeat: to be ignored.
    Stale,
}

impl Newness {
    /// Whether to act on the object.
    pub fn is_new(self) -> bool {
        !matches!(self, Newness::Stale)
    }
}

/// Compares `incoming` with `stored`. When either lacks SEQUENCE the object
/// counts as new. A higher SEQUENCE is new, a lower one stale. With equal
/// SEQUENCE, an incoming DTSTAMP earlier than the stored one (or missing
/// while the stored one has one) is stale, unless `relaxed` (attendee
/// replies recorded by the outgoing agent: some clients, e.g. Claws Mail,
/// corrupt DTSTAMP).
pub fn newness(incoming: &Object, stored: Option<&Object>, relaxed: bool) -> Newness {
    let Some(stored) = stored else { return Newness::New };
    let (Some(si), Some(ss)) = (incoming.sequence(), stored.sequence()) else {
        return Newness::Newer;
    };
    if si > ss {
        return Newness::Newer;
    }
    if si < ss {
        return Newness::Stale;
    }
    if relaxed {
        return Newness::Newer;
    }
    match (incoming.dtstamp(), stored.dtstamp()) {
        (Some(di), Some(ds)) if di < ds => Newness::Stale,
        (None, Some(_)) => Newness::Stale,
        _ => Newness::Newer,
    }
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
    fn the_rules() {
        let stored = obj(Some(1), Some("20270101T100000Z"));
        assert_eq!(newness(&obj(Some(1), None), None, false), Newness::New);
        assert_eq!(
            newness(&obj(Some(2), Some("20260101T000000Z")), Some(&stored), false),
            Newness::Newer
        );
        assert_eq!(
            newness(&obj(Some(0), Some("20280101T000000Z")), Some(&stored), false),
            Newness::Stale
        );
        assert_eq!(
            newness(&obj(Some(1), Some("20261231T000000Z")), Some(&stored), false),
            Newness::Stale
        );
        assert_eq!(
            newness(&obj(Some(1), Some("20270101T100000Z")), Some(&stored), false),
            Newness::Newer
        );
        assert_eq!(newness(&obj(Some(1), None), Some(&stored), false), Newness::Stale);
        assert_eq!(
            newness(&obj(Some(1), Some("20261231T000000Z")), Some(&stored), true),
            Newness::Newer
        );
        assert_eq!(newness(&obj(None, None), Some(&stored), false), Newness::Newer);
    }
}
