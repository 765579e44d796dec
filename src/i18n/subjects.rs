//! Subjects of the messages sent to other parties, from what they carry:
//! "Accepted: Board meeting" for a REPLY, "Cancelled: …" for a CANCEL, in
//! the recipient's language, so that organisers recognise the answer in
//! their mailbox (issue 16). Performs no I/O.

use super::{Lang, Text, tr};
use crate::ical::{ComponentKind, Method, Object, PartStat};

/// What a message is, for its subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// REPLY with PARTSTAT=ACCEPTED.
    Accepted,
    /// REPLY with PARTSTAT=DECLINED.
    Declined,
    /// REPLY with PARTSTAT=TENTATIVE (held for approval).
    Tentative,
    /// REPLY with PARTSTAT=DELEGATED.
    Delegated,
    /// COUNTER.
    Counter,
    /// DECLINECOUNTER.
    DeclineCounter,
    /// CANCEL.
    Cancelled,
    /// REQUEST (a delegation passed on, an event sent again).
    Invitation,
    /// REFRESH.
    Refresh,
    /// A VFREEBUSY reply or publication.
    FreeBusy,
    /// PUBLISH or ADD of an event.
    Details,
}

/// The label of a kind in a language.
pub fn label(lang: Lang, k: Kind) -> &'static str {
    use Kind::*;
    match lang {
        Lang::En => match k {
            Accepted => "Accepted",
            Declined => "Declined",
            Tentative => "Tentative",
            Delegated => "Delegated",
            Counter => "New time proposed",
            DeclineCounter => "Proposal declined",
            Cancelled => "Cancelled",
            Invitation => "Invitation",
            Refresh => "Update requested",
            FreeBusy => "Free/busy",
            Details => "Event details",
        },
        Lang::De => match k {
            Accepted => "Angenommen",
            Declined => "Abgelehnt",
            Tentative => "Vorläufig",
            Delegated => "Delegiert",
            Counter => "Neue Zeit vorgeschlagen",
            DeclineCounter => "Vorschlag abgelehnt",
            Cancelled => "Abgesagt",
            Invitation => "Einladung",
            Refresh => "Aktualisierung angefordert",
            FreeBusy => "Frei/Gebucht",
            Details => "Termindetails",
        },
        Lang::Da => match k {
            Accepted => "Accepteret",
            Declined => "Afvist",
            Tentative => "Foreløbig",
            Delegated => "Delegeret",
            Counter => "Nyt tidspunkt foreslået",
            DeclineCounter => "Forslag afvist",
            Cancelled => "Aflyst",
            Invitation => "Invitation",
            Refresh => "Opdatering ønsket",
            FreeBusy => "Ledig/optaget",
            Details => "Begivenhedsdetaljer",
        },
        Lang::Nb => match k {
            Accepted => "Godtatt",
            Declined => "Avslått",
            Tentative => "Foreløpig",
            Delegated => "Delegert",
            Counter => "Nytt tidspunkt foreslått",
            DeclineCounter => "Forslag avslått",
            Cancelled => "Avlyst",
            Invitation => "Invitasjon",
            Refresh => "Oppdatering ønsket",
            FreeBusy => "Ledig/opptatt",
            Details => "Hendelsesdetaljer",
        },
    }
}

/// The kind of a calendar part.
pub fn kind(method: &Method, object: &Object) -> Option<Kind> {
    if object.kind() == ComponentKind::FreeBusy {
        return Some(Kind::FreeBusy);
    }
    Some(match method {
        Method::Reply => match object.attendees().first().and_then(|a| a.partstat.clone()) {
            Some(PartStat::Accepted) => Kind::Accepted,
            Some(PartStat::Declined) => Kind::Declined,
            Some(PartStat::Tentative) => Kind::Tentative,
            Some(PartStat::Delegated) => Kind::Delegated,
            _ => return None,
        },
        Method::Counter => Kind::Counter,
        Method::DeclineCounter => Kind::DeclineCounter,
        Method::Cancel => Kind::Cancelled,
        Method::Request => Kind::Invitation,
        Method::Refresh => Kind::Refresh,
        Method::Publish | Method::Add => Kind::Details,
        _ => return None,
    })
}

/// The subject for the first part of a message: "Label: summary", the
/// label alone without a summary, and the generic subject when the part is
/// of no kind above.
pub fn subject(lang: Lang, method: &Method, object: &Object) -> String {
    let Some(k) = kind(method, object) else { return tr(lang, Text::Subject).to_string() };
    // Header text: one line, and not endless (a hostile SUMMARY).
    let summary: String = object
        .summary()
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect();
    if summary.is_empty() {
        label(lang, k).to_string()
    } else {
        format!("{}: {summary}", label(lang, k))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn obj(text: &str) -> Object {
        Object::from_stored(text).unwrap()
    }

    #[test]
    fn subjects_name_the_answer_and_the_event() {
        let reply = obj(
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:1\r\nSUMMARY:Board\r\n  meeting\r\nATTENDEE;PARTSTAT=DECLINED:mailto:room@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        );
        assert_eq!(subject(Lang::En, &Method::Reply, &reply), "Declined: Board meeting");
        assert_eq!(subject(Lang::De, &Method::Reply, &reply), "Abgelehnt: Board meeting");
        assert_eq!(subject(Lang::Nb, &Method::Cancel, &reply), "Avlyst: Board meeting");
        let bare =
            obj("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:1\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
        assert_eq!(subject(Lang::Da, &Method::Counter, &bare), "Nyt tidspunkt foreslået");
        assert_eq!(subject(Lang::En, &Method::Reply, &bare), "Calendar system message");
    }

    #[test]
    fn every_label_is_translated() {
        let kinds = [
            Kind::Accepted,
            Kind::Declined,
            Kind::Tentative,
            Kind::Delegated,
            Kind::Counter,
            Kind::DeclineCounter,
            Kind::Cancelled,
            Kind::Invitation,
            Kind::Refresh,
            Kind::FreeBusy,
            Kind::Details,
        ];
        for k in kinds {
            for l in [Lang::De, Lang::Da, Lang::Nb] {
                assert!(!label(l, k).is_empty());
            }
            assert_ne!(label(Lang::De, k), label(Lang::En, k), "{k:?}");
        }
    }
}
