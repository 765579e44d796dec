//! Edits of an [`Object`]'s properties: DTSTAMP, SEQUENCE, times,
//! recurrence properties, FREEBUSY values. Performs no I/O.

use super::datetime::DateTimeValue;
use super::object::{Object, text_entry};
use calcard::common::{IanaParse, PartialDateTime};
use calcard::icalendar::{
    ICalendarDuration, ICalendarEntry, ICalendarParameter, ICalendarParameterName,
    ICalendarParameterValue, ICalendarPeriod, ICalendarProperty, ICalendarValue,
};
use chrono::{DateTime, Utc};

fn datetime_entry(prop: ICalendarProperty, value: &DateTimeValue) -> ICalendarEntry {
    let mut params = Vec::new();
    if let Some(tz) = value.tzid() {
        params.push(ICalendarParameter {
            name: ICalendarParameterName::Tzid,
            value: ICalendarParameterValue::Text(tz.to_string()),
        });
    }
    if value.is_date() {
        params.push(ICalendarParameter {
            name: ICalendarParameterName::Value,
            value: ICalendarParameterValue::Text("DATE".into()),
        });
    }
    ICalendarEntry {
        name: prop,
        params,
        values: vec![ICalendarValue::PartialDateTime(Box::new(value.to_partial()))],
    }
}

fn utc_partial(t: &DateTime<Utc>) -> PartialDateTime {
    DateTimeValue::Utc(t.naive_utc()).to_partial()
}

impl Object {
    fn set_entry(&mut self, entry: ICalendarEntry) {
        let comp = self.comp_mut();
        match comp.entries.iter().position(|e| e.name == entry.name) {
            Some(i) => {
                comp.entries[i] = entry;
                // Keep one: a second copy of a single-valued property would contradict it.
                let name = comp.entries[i].name.clone();
                let mut seen = false;
                comp.entries.retain(|e| {
                    if e.name != name {
                        return true;
                    }
                    let keep = !seen;
                    seen = true;
                    keep
                });
            }
            None => comp.entries.push(entry),
        }
    }

    /// Removes every occurrence of a property.
    pub fn remove_property(&mut self, prop: &ICalendarProperty) {
        self.comp_mut().entries.retain(|e| e.name != *prop);
    }

    /// Removes a property given by name (e.g. "RRULE", "X-FOO").
    pub fn remove_property_named(&mut self, name: &str) {
        let prop = ICalendarProperty::parse(name.as_bytes())
            .unwrap_or(ICalendarProperty::Other(name.to_ascii_uppercase()));
        self.remove_property(&prop);
    }

    /// Sets UID.
    pub fn set_uid(&mut self, uid: &str) {
        self.set_entry(text_entry(ICalendarProperty::Uid, uid));
    }

    /// Sets a text property such as SUMMARY or COMMENT (replacing it).
    pub fn set_text(&mut self, prop: ICalendarProperty, value: &str) {
        self.set_entry(text_entry(prop, value));
    }

    /// Appends a text property (e.g. a second COMMENT).
    pub fn add_text(&mut self, prop: ICalendarProperty, value: &str) {
        self.comp_mut().entries.push(text_entry(prop, value));
    }

    /// Sets DTSTAMP.
    pub fn set_dtstamp(&mut self, at: &DateTime<Utc>) {
        self.set_entry(ICalendarEntry {
            name: ICalendarProperty::Dtstamp,
            params: Vec::new(),
            values: vec![ICalendarValue::PartialDateTime(Box::new(utc_partial(at)))],
        });
    }

    /// Sets SEQUENCE.
    pub fn set_sequence(&mut self, seq: i64) {
        self.set_entry(ICalendarEntry {
            name: ICalendarProperty::Sequence,
            params: Vec::new(),
            values: vec![ICalendarValue::Integer(seq)],
        });
    }

    /// Sets DTSTART.
    pub fn set_dtstart(&mut self, v: &DateTimeValue) {
        self.set_entry(datetime_entry(ICalendarProperty::Dtstart, v));
    }

    /// Sets DTEND and removes DURATION (the two are exclusive).
    pub fn set_dtend(&mut self, v: &DateTimeValue) {
        self.remove_property(&ICalendarProperty::Duration);
        self.set_entry(datetime_entry(ICalendarProperty::Dtend, v));
    }

    /// Sets DTSTART/DTEND/DTSTAMP-style properties from a generic date value.
    pub fn set_datetime(&mut self, prop: ICalendarProperty, v: &DateTimeValue) {
        self.set_entry(datetime_entry(prop, v));
    }

    /// Sets RECURRENCE-ID.
    pub fn set_recurrence_id(&mut self, v: &DateTimeValue) {
        self.set_entry(datetime_entry(ICalendarProperty::RecurrenceId, v));
    }

    /// Replaces all RDATEs with these values (one property each).
    pub fn set_rdates(&mut self, values: &[DateTimeValue]) {
        self.remove_property(&ICalendarProperty::Rdate);
        for v in values {
            self.comp_mut().entries.push(datetime_entry(ICalendarProperty::Rdate, v));
        }
    }

    /// Replaces all RDATEs with PERIOD values in UTC.
    pub fn set_rdate_periods(&mut self, periods: &[(DateTime<Utc>, DateTime<Utc>)]) {
        self.remove_property(&ICalendarProperty::Rdate);
        for (s, e) in periods {
            self.comp_mut().entries.push(ICalendarEntry {
                name: ICalendarProperty::Rdate,
                params: vec![ICalendarParameter {
                    name: ICalendarParameterName::Value,
                    value: ICalendarParameterValue::Text("PERIOD".into()),
                }],
                values: vec![ICalendarValue::Period(ICalendarPeriod::Range {
                    start: utc_partial(s),
                    end: utc_partial(e),
                })],
            });
        }
    }

    /// Adds one FREEBUSY property with `FBTYPE` and UTC periods.
    pub fn add_freebusy(&mut self, fbtype: &str, periods: &[(DateTime<Utc>, DateTime<Utc>)]) {
        if periods.is_empty() {
            return;
        }
        self.comp_mut().entries.push(ICalendarEntry {
            name: ICalendarProperty::Freebusy,
            params: vec![ICalendarParameter {
                name: ICalendarParameterName::Fbtype,
                value: ICalendarParameterValue::Text(fbtype.to_string()),
            }],
            values: periods
                .iter()
                .map(|(s, e)| {
                    ICalendarValue::Period(ICalendarPeriod::Range {
                        start: utc_partial(s),
                        end: utc_partial(e),
                    })
                })
                .collect(),
        });
    }

    /// Sets a DURATION property.
    pub fn set_duration(&mut self, seconds: i64) {
        self.remove_property(&ICalendarProperty::Dtend);
        self.set_entry(ICalendarEntry {
            name: ICalendarProperty::Duration,
            params: Vec::new(),
            values: vec![ICalendarValue::Duration(ICalendarDuration::from_seconds(seconds))],
        });
    }

    /// Copies a property (all its occurrences) from another object, replacing ours.
    pub fn copy_property_from(&mut self, other: &Object, prop: &ICalendarProperty) {
        self.remove_property(prop);
        let entries: Vec<ICalendarEntry> = other.comp().properties(prop).cloned().collect();
        self.comp_mut().entries.extend(entries);
    }

    /// Sets the recurrence rule from its text (`FREQ=WEEKLY;COUNT=4`),
    /// replacing any RRULE, parsed by the iCalendar library. An error says
    /// why the text is not a rule.
    pub fn set_rrule_text(&mut self, rule: &str) -> Result<(), String> {
        let rule = rule.trim();
        let rule = rule.strip_prefix("RRULE:").unwrap_or(rule);
        if rule.is_empty() || rule.chars().any(char::is_control) {
            return Err(format!("{rule:?} is not a recurrence rule"));
        }
        let text = format!(
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nRRULE:{rule}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        );
        let parsed = Object::from_stored(&text)
            .filter(|o| o.rrule().is_some())
            .ok_or_else(|| format!("{rule:?} is not a recurrence rule (RFC 5545 RECUR)"))?;
        self.remove_property_named("EXRULE");
        self.copy_property_from(&parsed, &ICalendarProperty::Rrule);
        Ok(())
    }

    /// Keeps only the listed properties (by name), for building minimal
    /// objects such as REFRESH requests.
    pub fn retain_properties(&mut self, keep: &[ICalendarProperty]) {
        self.comp_mut().entries.retain(|e| keep.contains(&e.name));
        self.comp_mut().component_ids.clear();
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::ical::types::ComponentKind;
    use chrono::TimeZone;

    #[test]
    fn builds_a_freebusy_object() {
        let mut o = Object::new(ComponentKind::FreeBusy);
        o.set_uid("fb1@example.com");
        let s = Utc.with_ymd_and_hms(2027, 1, 1, 10, 0, 0).unwrap();
        let e = Utc.with_ymd_and_hms(2027, 1, 1, 11, 0, 0).unwrap();
        o.set_dtstamp(&s);
        o.add_freebusy("BUSY", &[(s, e)]);
        let text = o.to_ics();
        assert!(text.contains("DTSTAMP:20270101T100000Z"), "{text}");
        assert!(text.contains("FREEBUSY;FBTYPE=BUSY:20270101T100000Z/20270101T110000Z"), "{text}");
        assert_eq!(o.freebusy_periods().len(), 1);
    }

    #[test]
    fn dtend_replaces_duration_and_single_values_stay_single() {
        let mut o = Object::new(ComponentKind::Event);
        o.set_duration(3600);
        o.set_sequence(1);
        o.set_sequence(2);
        o.set_dtend(&DateTimeValue::Date(chrono::NaiveDate::from_ymd_opt(2027, 1, 2).unwrap()));
        let text = o.to_ics();
        assert!(!text.contains("DURATION"));
        assert_eq!(text.matches("SEQUENCE").count(), 1);
        assert!(text.contains("DTEND;VALUE=DATE:20270102"), "{text}");
    }
}
