//! Attendees' answers as an organiser holds them: each attendee's last
//! answer per instance is recorded with its own version (RFC 5546 §2.1.5),
//! and the organiser's copy of an instance shows every recorded answer
//! given to its current SEQUENCE or a later one. Because the records are
//! kept whatever arrives first, answers that overtake the organiser's own
//! copy are applied when it arrives. Pure.

use super::version::Version;
use crate::address::CalAddress;
use crate::ical::{Instance, Object, Participant};
use crate::store::{ReplyKind, ReplyRecord};

/// The attendees an answer may speak for: those the senders sent (see
/// `identity::check_to_organizer`) that the stored copy lists, plus new
/// attendees delegated to by one of them (DELEGATED-TO on the delegator and
/// DELEGATED-FROM on the delegate agree). Without a stored copy every
/// attendee sent by the senders counts; the copy decides when it arrives.
pub fn answering_attendees(
    stored: Option<&Object>,
    answer: &Object,
    from: &[Participant],
) -> Vec<CalAddress> {
    let mut out: Vec<CalAddress> = Vec::new();
    for a in from {
        let listed = stored.is_none_or(|s| s.has_attendee(&a.address));
        if listed && !out.contains(&a.address) {
            out.push(a.address.clone());
        }
        for d in &a.delegated_to {
            let ok = answer.attendee(d).is_some_and(|p| p.delegated_from.contains(&a.address));
            if ok && !out.contains(d) {
                out.push(d.clone());
            }
        }
    }
    out
}

/// The record of one attendee's answer.
pub fn record(
    uid: &str,
    instance: &Instance,
    attendee: &CalAddress,
    kind: ReplyKind,
    answer: &Object,
) -> ReplyRecord {
    let v = Version::of(answer);
    ReplyRecord {
        uid: uid.to_string(),
        instance: instance.clone(),
        attendee: attendee.to_string(),
        kind,
        sequence: v.sequence,
        dtstamp: v.dtstamp_seconds(),
        text: answer.to_ics(),
    }
}

/// The version of a record.
pub fn version(r: &ReplyRecord) -> Version {
    Version::from_parts(r.sequence, r.dtstamp)
}

/// The recorded answer of a kind of one attendee about one instance.
pub fn last<'a>(
    records: &'a [ReplyRecord],
    instance: &Instance,
    attendee: &CalAddress,
    kind: ReplyKind,
) -> Option<&'a ReplyRecord> {
    records
        .iter()
        .find(|r| r.instance == *instance && r.attendee == attendee.as_str() && r.kind == kind)
}

/// Whether an answer records something newer than the attendee's last
/// answer of that kind (a repeat counts: applying it again changes nothing).
pub fn is_newest(
    records: &[ReplyRecord],
    instance: &Instance,
    attendee: &CalAddress,
    kind: ReplyKind,
    answer: Version,
) -> bool {
    last(records, instance, attendee, kind).is_none_or(|r| answer >= version(r))
}

/// Whether an answer at `answer` is given to the organiser's copy at
/// `copy` or a later version of it (SEQUENCE only: the organiser's re-sends
/// at the same SEQUENCE do not outdate answers, RFC 5546 §2.1.5).
pub fn applies_to(answer: Version, copy: &Object) -> bool {
    answer.sequence >= copy.sequence().unwrap_or(0)
}

/// Merges into the organiser's copy of `instance` each attendee's newest
/// recorded answer that applies to it: an answer about that instance, or
/// about the whole event (a REPLY to a series speaks for every occurrence
/// the attendee did not answer on its own later). Returns the attendees
/// merged.
pub fn apply_recorded(
    copy: &mut Object,
    instance: &Instance,
    records: &[ReplyRecord],
) -> Vec<CalAddress> {
    let mut newest: Vec<&ReplyRecord> = Vec::new();
    for r in records.iter().filter(|r| {
        r.kind == ReplyKind::Reply && (r.instance == *instance || r.instance.is_master())
    }) {
        if !applies_to(version(r), copy) {
            continue;
        }
        match newest.iter_mut().find(|n| n.attendee == r.attendee) {
            // The newer answer wins; at the same version the one about this
            // instance is the more specific.
            Some(n)
                if (version(r), r.instance == *instance)
                    > (version(n), n.instance == *instance) =>
            {
                *n = r
            }
            Some(_) => {}
            None => newest.push(r),
        }
    }
    let mut merged = Vec::new();
    for r in newest {
        let (Some(a), Some(answer)) =
            (CalAddress::parse(&r.attendee), Object::from_stored(&r.text))
        else {
            continue;
        };
        let delegate = answer
            .attendee(&a)
            .is_some_and(|p| p.delegated_from.iter().any(|f| copy.has_attendee(f)));
        if (copy.has_attendee(&a) || delegate) && copy.copy_attendee_from(&answer, &a) {
            merged.push(a);
        }
    }
    merged
}

/// The records with `fresh` in place of the same attendee's earlier
/// answer of the same kind about the same instance.
pub fn with_fresh(records: &[ReplyRecord], fresh: &[ReplyRecord]) -> Vec<ReplyRecord> {
    let mut out: Vec<ReplyRecord> = records
        .iter()
        .filter(|r| {
            !fresh
                .iter()
                .any(|f| f.instance == r.instance && f.attendee == r.attendee && f.kind == r.kind)
        })
        .cloned()
        .collect();
    out.extend(fresh.iter().cloned());
    out
}
