//! Who sent an object, and may they (imip-agent 3.1 "Identity"). Pure.

use crate::address::CalAddress;
use crate::config::prefs::OrganiserReplacement;
use crate::ical::{Object, Participant};
use std::fmt;

/// Why a message is not acted on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityError {
    /// The object has no ORGANIZER.
    NoOrganizer,
    /// The ORGANIZER was not sent by any of the senders.
    NotFromOrganizer {
        /// The organiser.
        organizer: String,
        /// The senders.
        senders: Vec<String>,
    },
    /// The recipient is not an attendee (and not a valid delegate).
    RecipientNotAttendee(String),
    /// The recipient is not the organiser of a reply-type message.
    RecipientNotOrganizer(String),
    /// No attendee of the reply was sent by the senders.
    NoAttendeeFromSender(Vec<String>),
    /// A known event is updated through a SENT-BY it did not name before.
    NewSentBy {
        /// The organiser.
        organizer: String,
        /// The sender acting for them.
        sent_by: String,
    },
    /// A known event's organiser changed, and the policy forbids it.
    OrganiserReplaced {
        /// The stored organiser.
        old: String,
        /// The new one.
        new: String,
    },
}

impl fmt::Display for IdentityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdentityError::NoOrganizer => write!(f, "no ORGANIZER"),
            IdentityError::NotFromOrganizer { organizer, senders } if senders.is_empty() => write!(
                f,
                "the message names no sender (no From, Reply-To or envelope sender), so it cannot be from organiser {organizer}"
            ),
            IdentityError::NotFromOrganizer { organizer, senders } => {
                write!(
                    f,
                    "organiser {organizer} (or its SENT-BY) is not among the senders {}",
                    senders.join(", ")
                )
            }
            IdentityError::RecipientNotAttendee(r) => {
                write!(f, "recipient {r} is not an attendee and not a delegate")
            }
            IdentityError::RecipientNotOrganizer(r) => {
                write!(f, "recipient {r} is not the organiser")
            }
            IdentityError::NoAttendeeFromSender(s) if s.is_empty() => write!(
                f,
                "the message names no sender (no From, Reply-To or envelope sender), so no attendee sent it"
            ),
            IdentityError::NoAttendeeFromSender(s) => {
                write!(f, "no attendee was sent by the senders {}", s.join(", "))
            }
            IdentityError::NewSentBy { organizer, sent_by } => write!(
                f,
                "{sent_by} acts for organiser {organizer} through SENT-BY, but the stored event does not name {sent_by} as SENT-BY"
            ),
            IdentityError::OrganiserReplaced { old, new } => write!(
                f,
                "organiser changed from {old} to {new}, which the organiser_replacement preference does not allow"
            ),
        }
    }
}

/// Whether the recipient is a valid delegate: its ATTENDEE has
/// DELEGATED-FROM naming an attendee whose DELEGATED-TO names it
/// (both directions must agree, imip-agent 3.1 / RFC 5546 §3.2.2.3).
pub fn is_valid_delegate(obj: &Object, recipient: &CalAddress) -> bool {
    let attendees = obj.attendees();
    let Some(me) = attendees.iter().find(|a| a.address == *recipient) else { return false };
    me.delegated_from.iter().any(|from| {
        attendees.iter().any(|a| a.address == *from && a.delegated_to.contains(recipient))
    })
}

/// Checks a message from the organiser (REQUEST, PUBLISH, CANCEL, ADD,
/// DECLINECOUNTER; free/busy REQUEST and PUBLISH): the ORGANIZER was sent
/// by a sender (itself or through SENT-BY), or the recipient is a valid
/// delegate; and, when `recipient_must_attend`, the recipient is listed.
pub fn check_from_organizer(
    obj: &Object,
    senders: &[CalAddress],
    recipient: &CalAddress,
    recipient_must_attend: bool,
) -> Result<Participant, IdentityError> {
    let org = obj.organizer().ok_or(IdentityError::NoOrganizer)?;
    let delegate = is_valid_delegate(obj, recipient);
    if !org.sent_by_any(senders) && !delegate {
        return Err(IdentityError::NotFromOrganizer {
            organizer: org.address.to_string(),
            senders: senders.iter().map(ToString::to_string).collect(),
        });
    }
    if recipient_must_attend && !obj.has_attendee(recipient) {
        return Err(IdentityError::RecipientNotAttendee(recipient.to_string()));
    }
    Ok(org)
}

/// Checks a message to the organiser (REPLY, COUNTER, REFRESH; free/busy
/// REPLY): the recipient is the ORGANIZER, and returns the attendees sent by
/// a sender (at least one).
pub fn check_to_organizer(
    obj: &Object,
    senders: &[CalAddress],
    recipient: &CalAddress,
) -> Result<Vec<Participant>, IdentityError> {
    let org = obj.organizer().ok_or(IdentityError::NoOrganizer)?;
    if org.address != *recipient {
        return Err(IdentityError::RecipientNotOrganizer(recipient.to_string()));
    }
    let from: Vec<Participant> =
        obj.attendees().into_iter().filter(|a| a.sent_by_any(senders)).collect();
    if from.is_empty() {
        return Err(IdentityError::NoAttendeeFromSender(
            senders.iter().map(ToString::to_string).collect(),
        ));
    }
    Ok(from)
}

/// SENT-BY continuity for known events: a message that reaches us only
/// because the organiser's SENT-BY names a sender may update a stored event
/// only if the stored event named the same SENT-BY. Anybody can write a
/// SENT-BY; for a new event the recipient has nothing better to go on, but
/// an event it already holds must not be taken over that way (imip-agent
/// 0.3 accepted any SENT-BY).
pub fn check_sent_by_continuity(
    stored: Option<&Object>,
    incoming: &Object,
    senders: &[CalAddress],
) -> Result<(), IdentityError> {
    let (Some(stored), Some(org)) = (stored, incoming.organizer()) else { return Ok(()) };
    if senders.contains(&org.address) {
        return Ok(());
    }
    let Some(via) = org.sent_by.clone() else { return Ok(()) };
    let known = stored.organizer().and_then(|o| o.sent_by);
    if known.as_ref() == Some(&via) {
        Ok(())
    } else {
        Err(IdentityError::NewSentBy {
            organizer: org.address.to_string(),
            sent_by: via.to_string(),
        })
    }
}

/// The organiser-replacement rule: may `incoming`'s organiser take over an
/// event stored with another organiser?
pub fn organiser_change_allowed(
    stored: &Object,
    incoming: &Object,
    policy: OrganiserReplacement,
) -> Result<(), IdentityError> {
    let (Some(old), Some(new)) = (stored.organizer(), incoming.organizer()) else { return Ok(()) };
    if old.address == new.address {
        return Ok(());
    }
    let allowed = match policy {
        OrganiserReplacement::Any => true,
        OrganiserReplacement::Never => false,
        OrganiserReplacement::Attendee => stored.has_attendee(&new.address),
    };
    if allowed {
        Ok(())
    } else {
        Err(IdentityError::OrganiserReplaced {
            old: old.address.to_string(),
            new: new.address.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn obj(lines: &str) -> Object {
        Object::from_stored(&format!(
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u\r\n{lines}END:VEVENT\r\nEND:VCALENDAR\r\n"
        ))
        .unwrap()
    }

    fn a(s: &str) -> CalAddress {
        CalAddress::parse(s).unwrap()
    }

    #[test]
    fn organiser_or_sent_by_must_be_a_sender() {
        let o =
            obj("ORGANIZER;SENT-BY=\"mailto:sec@x\":mailto:boss@x\r\nATTENDEE:mailto:room@x\r\n");
        assert!(check_from_organizer(&o, &[a("boss@x")], &a("room@x"), true).is_ok());
        assert!(check_from_organizer(&o, &[a("sec@x")], &a("room@x"), true).is_ok());
        assert!(matches!(
            check_from_organizer(&o, &[a("mallory@x")], &a("room@x"), true),
            Err(IdentityError::NotFromOrganizer { .. })
        ));
        assert!(matches!(
            check_from_organizer(&o, &[a("boss@x")], &a("other@x"), true),
            Err(IdentityError::RecipientNotAttendee(_))
        ));
    }

    #[test]
    fn delegation_must_be_cross_checked() {
        let good = obj(
            "ORGANIZER:mailto:boss@x\r\nATTENDEE;PARTSTAT=DELEGATED;DELEGATED-TO=\"mailto:d@x\":mailto:a@x\r\nATTENDEE;DELEGATED-FROM=\"mailto:a@x\":mailto:d@x\r\n",
        );
        assert!(is_valid_delegate(&good, &a("d@x")));
        assert!(check_from_organizer(&good, &[a("a@x")], &a("d@x"), true).is_ok());
        let forged = obj(
            "ORGANIZER:mailto:boss@x\r\nATTENDEE:mailto:a@x\r\nATTENDEE;DELEGATED-FROM=\"mailto:a@x\":mailto:d@x\r\n",
        );
        assert!(!is_valid_delegate(&forged, &a("d@x")));
    }

    #[test]
    fn replies_need_the_organiser_as_recipient() {
        let o = obj(
            "ORGANIZER:mailto:boss@x\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:a@x\r\nATTENDEE:mailto:b@x\r\n",
        );
        let from = check_to_organizer(&o, &[a("a@x")], &a("boss@x")).unwrap();
        assert_eq!(from.len(), 1);
        assert!(check_to_organizer(&o, &[a("a@x")], &a("b@x")).is_err());
        assert!(check_to_organizer(&o, &[a("z@x")], &a("boss@x")).is_err());
    }

    #[test]
    fn sent_by_must_be_known_for_stored_events() {
        let stored = obj("ORGANIZER;SENT-BY=\"mailto:sec@x\":mailto:boss@x\r\n");
        let bare = obj("ORGANIZER:mailto:boss@x\r\n");
        let via_sec = obj("ORGANIZER;SENT-BY=\"mailto:sec@x\":mailto:boss@x\r\n");
        let via_mallory = obj("ORGANIZER;SENT-BY=\"mailto:mallory@x\":mailto:boss@x\r\n");
        assert!(check_sent_by_continuity(Some(&stored), &via_sec, &[a("sec@x")]).is_ok());
        assert!(check_sent_by_continuity(Some(&stored), &via_mallory, &[a("mallory@x")]).is_err());
        assert!(check_sent_by_continuity(Some(&bare), &via_sec, &[a("sec@x")]).is_err());
        assert!(check_sent_by_continuity(Some(&bare), &via_mallory, &[a("boss@x")]).is_ok());
        assert!(check_sent_by_continuity(None, &via_mallory, &[a("mallory@x")]).is_ok());
    }

    #[test]
    fn organiser_replacement_policies() {
        let stored = obj("ORGANIZER:mailto:boss@x\r\nATTENDEE:mailto:a@x\r\n");
        let by_attendee = obj("ORGANIZER:mailto:a@x\r\n");
        let by_stranger = obj("ORGANIZER:mailto:z@x\r\n");
        assert!(
            organiser_change_allowed(&stored, &by_attendee, OrganiserReplacement::Attendee).is_ok()
        );
        assert!(
            organiser_change_allowed(&stored, &by_stranger, OrganiserReplacement::Attendee)
                .is_err()
        );
        assert!(organiser_change_allowed(&stored, &by_stranger, OrganiserReplacement::Any).is_ok());
        assert!(
            organiser_change_allowed(&stored, &by_attendee, OrganiserReplacement::Never).is_err()
        );
    }
}
