//! ORGANIZER and ATTENDEE properties: reading them as [`Participant`]s and
//! editing their parameters. Performs no I/O.

use super::object::Object;
use super::types::PartStat;
use crate::address::CalAddress;
use calcard::icalendar::{
    ICalendarEntry, ICalendarParameter, ICalendarParameterName, ICalendarParameterValue,
    ICalendarParticipationStatus, ICalendarProperty, ICalendarValue, Uri,
};

/// An organiser or attendee with the parameters scheduling cares about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    /// The normalised address.
    pub address: CalAddress,
    /// CN.
    pub cn: Option<String>,
    /// PARTSTAT.
    pub partstat: Option<PartStat>,
    /// ROLE, upper-cased.
    pub role: Option<String>,
    /// RSVP.
    pub rsvp: Option<bool>,
    /// CUTYPE, upper-cased.
    pub cutype: Option<String>,
    /// SENT-BY.
    pub sent_by: Option<CalAddress>,
    /// DELEGATED-TO.
    pub delegated_to: Vec<CalAddress>,
    /// DELEGATED-FROM.
    pub delegated_from: Vec<CalAddress>,
}

impl Participant {
    /// Whether the participant takes part (see [`PartStat::participates`]).
    pub fn participates(&self) -> bool {
        PartStat::participates(self.partstat.as_ref())
    }

    /// Whether this participant "was sent by" one of `senders`: its own
    /// address or its SENT-BY address is among them (imip-agent 3.1).
    pub fn sent_by_any(&self, senders: &[CalAddress]) -> bool {
        senders.iter().any(|s| *s == self.address || self.sent_by.as_ref() == Some(s))
    }
}

/// Which participant property to edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// ORGANIZER
    Organizer,
    /// ATTENDEE
    Attendee,
}

impl Role {
    fn prop(self) -> ICalendarProperty {
        match self {
            Role::Organizer => ICalendarProperty::Organizer,
            Role::Attendee => ICalendarProperty::Attendee,
        }
    }
}

fn entry_address(e: &ICalendarEntry) -> Option<CalAddress> {
    let raw = match e.values.first()? {
        ICalendarValue::Uri(u) => u.as_str()?.to_string(),
        other => other.as_text()?.to_string(),
    };
    CalAddress::parse(&raw).or_else(|| {
        // Apple's iPhone puts the address in an EMAIL parameter when the value
        // is not a mailto: URI.
        e.parameter(&ICalendarParameterName::Email)
            .and_then(|p| p.as_text())
            .and_then(CalAddress::from_email)
    })
}

fn param_addresses(e: &ICalendarEntry, name: &ICalendarParameterName) -> Vec<CalAddress> {
    e.parameters(name)
        .filter_map(|p| p.as_text())
        .flat_map(|t| t.split(','))
        .filter_map(CalAddress::parse)
        .collect()
}

fn read(e: &ICalendarEntry) -> Option<Participant> {
    let text =
        |n: &ICalendarParameterName| e.parameter(n).and_then(|p| p.as_text()).map(str::to_string);
    Some(Participant {
        address: entry_address(e)?,
        cn: text(&ICalendarParameterName::Cn),
        partstat: text(&ICalendarParameterName::Partstat).map(|t| PartStat::parse(&t)),
        role: text(&ICalendarParameterName::Role).map(|t| t.to_ascii_uppercase()),
        rsvp: e.parameter(&ICalendarParameterName::Rsvp).and_then(|p| match p {
            ICalendarParameterValue::Bool(b) => Some(*b),
            other => other.as_text().map(|t| t.eq_ignore_ascii_case("TRUE")),
        }),
        cutype: text(&ICalendarParameterName::Cutype).map(|t| t.to_ascii_uppercase()),
        sent_by: text(&ICalendarParameterName::SentBy).and_then(|t| CalAddress::parse(&t)),
        delegated_to: param_addresses(e, &ICalendarParameterName::DelegatedTo),
        delegated_from: param_addresses(e, &ICalendarParameterName::DelegatedFrom),
    })
}

fn partstat_value(p: &PartStat) -> ICalendarParameterValue {
    use ICalendarParticipationStatus as S;
    match p {
        PartStat::NeedsAction => ICalendarParameterValue::Partstat(S::NeedsAction),
        PartStat::Accepted => ICalendarParameterValue::Partstat(S::Accepted),
        PartStat::Declined => ICalendarParameterValue::Partstat(S::Declined),
        PartStat::Tentative => ICalendarParameterValue::Partstat(S::Tentative),
        PartStat::Delegated => ICalendarParameterValue::Partstat(S::Delegated),
        PartStat::Other(s) => ICalendarParameterValue::Text(s.clone()),
    }
}

/// A parameter to set on a participant.
#[derive(Debug, Clone)]
pub enum Param {
    /// PARTSTAT
    PartStat(PartStat),
    /// SENT-BY
    SentBy(CalAddress),
    /// DELEGATED-TO (replaces existing values)
    DelegatedTo(Vec<CalAddress>),
    /// DELEGATED-FROM (replaces existing values)
    DelegatedFrom(Vec<CalAddress>),
    /// CN
    Cn(String),
    /// RSVP
    Rsvp(bool),
    /// ROLE
    Role(String),
    /// CUTYPE
    Cutype(String),
}

impl Param {
    fn name(&self) -> ICalendarParameterName {
        match self {
            Param::PartStat(_) => ICalendarParameterName::Partstat,
            Param::SentBy(_) => ICalendarParameterName::SentBy,
            Param::DelegatedTo(_) => ICalendarParameterName::DelegatedTo,
            Param::DelegatedFrom(_) => ICalendarParameterName::DelegatedFrom,
            Param::Cn(_) => ICalendarParameterName::Cn,
            Param::Rsvp(_) => ICalendarParameterName::Rsvp,
            Param::Role(_) => ICalendarParameterName::Role,
            Param::Cutype(_) => ICalendarParameterName::Cutype,
        }
    }

    fn values(&self) -> Vec<ICalendarParameterValue> {
        let uri =
            |a: &CalAddress| ICalendarParameterValue::Uri(Uri::Location(a.as_str().to_string()));
        match self {
            Param::PartStat(p) => vec![partstat_value(p)],
            Param::SentBy(a) => vec![uri(a)],
            Param::DelegatedTo(v) | Param::DelegatedFrom(v) => v.iter().map(uri).collect(),
            Param::Cn(s) | Param::Role(s) | Param::Cutype(s) => {
                vec![ICalendarParameterValue::Text(s.clone())]
            }
            Param::Rsvp(b) => vec![ICalendarParameterValue::Bool(*b)],
        }
    }
}

fn set_param(e: &mut ICalendarEntry, param: &Param) {
    let name = param.name();
    let pos = e.params.iter().position(|p| p.name == name);
    e.params.retain(|p| p.name != name);
    let at = pos.unwrap_or(e.params.len()).min(e.params.len());
    for (i, v) in param.values().into_iter().enumerate() {
        e.params.insert(at + i, ICalendarParameter { name: name.clone(), value: v });
    }
}

impl Object {
    /// ORGANIZER.
    pub fn organizer(&self) -> Option<Participant> {
        self.comp().property(&ICalendarProperty::Organizer).and_then(read)
    }

    /// ATTENDEEs, in order; entries without a usable address are skipped.
    pub fn attendees(&self) -> Vec<Participant> {
        self.comp().properties(&ICalendarProperty::Attendee).filter_map(read).collect()
    }

    /// The ATTENDEE with this address.
    pub fn attendee(&self, address: &CalAddress) -> Option<Participant> {
        self.attendees().into_iter().find(|a| a.address == *address)
    }

    /// Whether `address` is listed as an ATTENDEE.
    pub fn has_attendee(&self, address: &CalAddress) -> bool {
        self.attendee(address).is_some()
    }

    /// Sets a parameter on the ORGANIZER or on the ATTENDEE(s) with this
    /// address; returns whether anything matched.
    pub fn set_participant_param(
        &mut self,
        role: Role,
        address: &CalAddress,
        param: &Param,
    ) -> bool {
        let prop = role.prop();
        let mut found = false;
        for e in self.comp_mut().entries.iter_mut().filter(|e| e.name == prop) {
            if entry_address(e).as_ref() == Some(address) {
                set_param(e, param);
                found = true;
            }
        }
        found
    }

    /// Removes a parameter (e.g. RSVP) from the participant(s).
    pub fn remove_participant_param(&mut self, role: Role, address: &CalAddress, name: &str) {
        let prop = role.prop();
        let pname = ICalendarParameterName::parse(name);
        for e in self.comp_mut().entries.iter_mut().filter(|e| e.name == prop) {
            if entry_address(e).as_ref() == Some(address) {
                e.params.retain(|p| p.name != pname);
            }
        }
    }

    /// Sets the PARTSTAT of an attendee; returns whether it is listed.
    pub fn set_partstat(&mut self, address: &CalAddress, status: PartStat) -> bool {
        self.set_participant_param(Role::Attendee, address, &Param::PartStat(status))
    }

    /// Keeps only the ATTENDEEs for which `keep` is true.
    pub fn retain_attendees(&mut self, mut keep: impl FnMut(&Participant) -> bool) {
        self.comp_mut().entries.retain(|e| {
            if e.name != ICalendarProperty::Attendee {
                return true;
            }
            match read(e) {
                Some(p) => keep(&p),
                None => false,
            }
        });
    }

    /// Adds an ATTENDEE (after the existing ones) with the given parameters.
    pub fn add_attendee(&mut self, address: &CalAddress, params: &[Param]) {
        let mut e = ICalendarEntry {
            name: ICalendarProperty::Attendee,
            params: Vec::new(),
            values: vec![ICalendarValue::Uri(Uri::Location(address.as_str().to_string()))],
        };
        for p in params {
            set_param(&mut e, p);
        }
        let comp = self.comp_mut();
        let at = comp
            .entries
            .iter()
            .rposition(|x| x.name == ICalendarProperty::Attendee)
            .map(|i| i + 1)
            .unwrap_or(comp.entries.len());
        comp.entries.insert(at, e);
    }

    /// Replaces an attendee's parameters with those of `from` (another
    /// object's ATTENDEE of the same address), keeping its position. Used to
    /// merge a reply into the stored event.
    pub fn copy_attendee_from(&mut self, from: &Object, address: &CalAddress) -> bool {
        let Some(src) = from
            .comp()
            .properties(&ICalendarProperty::Attendee)
            .find(|e| entry_address(e).as_ref() == Some(address))
            .cloned()
        else {
            return false;
        };
        let comp = self.comp_mut();
        if let Some(e) = comp.entries.iter_mut().find(|e| {
            e.name == ICalendarProperty::Attendee && entry_address(e).as_ref() == Some(address)
        }) {
            *e = src;
        } else {
            let at = comp
                .entries
                .iter()
                .rposition(|x| x.name == ICalendarProperty::Attendee)
                .map(|i| i + 1)
                .unwrap_or(comp.entries.len());
            comp.entries.insert(at, src);
        }
        true
    }

    /// Sets the ORGANIZER (replacing any), with optional CN and SENT-BY.
    pub fn set_organizer(&mut self, address: &CalAddress, params: &[Param]) {
        let mut e = ICalendarEntry {
            name: ICalendarProperty::Organizer,
            params: Vec::new(),
            values: vec![ICalendarValue::Uri(Uri::Location(address.as_str().to_string()))],
        };
        for p in params {
            set_param(&mut e, p);
        }
        let comp = self.comp_mut();
        match comp.entries.iter().position(|x| x.name == ICalendarProperty::Organizer) {
            Some(i) => comp.entries[i] = e,
            None => comp.entries.push(e),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use calcard::icalendar::ICalendar;

    const EV: &str = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nORGANIZER;CN=Paul;SENT-BY=\"mailto:sec@example.com\":MAILTO:Paul@example.com\r\nATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:room@example.com\r\nATTENDEE;PARTSTAT=DELEGATED;DELEGATED-TO=\"mailto:b@example.com\":mailto:a@example.com\r\nATTENDEE;DELEGATED-FROM=a@example.com;EMAIL=c@example.com:c-principal\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    fn obj() -> Object {
        Object::split(&ICalendar::parse(EV).unwrap()).remove(0)
    }

    #[test]
    fn reads_participants() {
        let o = obj();
        let org = o.organizer().unwrap();
        assert_eq!(org.address.as_str(), "mailto:paul@example.com");
        assert_eq!(org.sent_by.unwrap().as_str(), "mailto:sec@example.com");
        let att = o.attendees();
        assert_eq!(att.len(), 3);
        assert_eq!(att[0].rsvp, Some(true));
        assert_eq!(att[1].delegated_to[0].as_str(), "mailto:b@example.com");
        assert_eq!(att[2].address.as_str(), "mailto:c@example.com");
        assert_eq!(att[2].delegated_from[0].as_str(), "mailto:a@example.com");
    }

    #[test]
    fn edits_participants() {
        let mut o = obj();
        let room = CalAddress::parse("room@example.com").unwrap();
        assert!(o.set_partstat(&room, PartStat::Accepted));
        o.remove_participant_param(Role::Attendee, &room, "RSVP");
        o.set_participant_param(
            Role::Attendee,
            &room,
            &Param::SentBy(CalAddress::parse("calendar@example.com").unwrap()),
        );
        o.retain_attendees(|p| p.address == room);
        let text = crate::ical::unfold(&o.to_ics());
        assert!(text.contains("ATTENDEE;PARTSTAT=ACCEPTED;SENT-BY=\"mailto:calendar@example.com\":mailto:room@example.com"), "{text}");
        assert_eq!(o.attendees().len(), 1);
    }
}
