//! Reading the dates and times people type (command lines, web forms) into
//! iCalendar values: `2027-03-01` (a whole day), `2027-03-01T09:00` or
//! `2027-03-01 09:00` (wall-clock time in a zone), `2027-03-01T08:00Z` or
//! with an offset `+01:00` (an instant), and the iCalendar forms
//! `20270301`, `20270301T090000`, `20270301T080000Z`. Pure.

use super::datetime::DateTimeValue;
use super::zone::Zone;
use chrono::{DateTime, NaiveDate, NaiveDateTime};

/// Reads `text` as a date or date-time. A wall-clock time is placed in
/// `zone` (an IANA name, written as TZID; UTC when `zone` is UTC or
/// absent); an instant is kept in UTC. `None` when it is neither.
pub fn parse_when(text: &str, zone: Option<&Zone>) -> Option<DateTimeValue> {
    let t = text.trim();
    if t.is_empty() || t.len() > 40 {
        return None;
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Some(DateTimeValue::Date(d));
    }
    if t.len() == 8
        && let Ok(d) = NaiveDate::parse_from_str(t, "%Y%m%d")
    {
        return Some(DateTimeValue::Date(d));
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Some(DateTimeValue::Utc(dt.naive_utc()));
    }
    for f in ["%Y-%m-%dT%H:%MZ", "%Y-%m-%d %H:%MZ", "%Y%m%dT%H%M%SZ", "%Y-%m-%dT%H:%M:%SZ"] {
        if let Ok(l) = NaiveDateTime::parse_from_str(t, f) {
            return Some(DateTimeValue::Utc(l));
        }
    }
    for f in ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y%m%dT%H%M%S"] {
        if let Ok(l) = NaiveDateTime::parse_from_str(t, f) {
            return Some(in_zone(l, zone));
        }
    }
    None
}

fn in_zone(local: NaiveDateTime, zone: Option<&Zone>) -> DateTimeValue {
    match zone {
        Some(Zone::Iana(tz)) => DateTimeValue::Zoned { local, tzid: tz.name().to_string() },
        Some(z) => match z.to_utc(&local) {
            Some(t) => DateTimeValue::Utc(t.naive_utc()),
            None => DateTimeValue::Utc(local),
        },
        None => DateTimeValue::Utc(local),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn forms_people_type() {
        let oslo = Zone::from_name("Europe/Oslo").unwrap();
        let z = Some(&oslo);
        assert_eq!(parse_when("2027-03-01", z).unwrap().to_string(), "20270301");
        assert_eq!(parse_when("20270301", z).unwrap().to_string(), "20270301");
        assert_eq!(
            parse_when("2027-03-01T09:00", z).unwrap().to_string(),
            "20270301T090000;TZID=Europe/Oslo"
        );
        assert_eq!(
            parse_when("2027-03-01 09:30", z).unwrap().to_string(),
            "20270301T093000;TZID=Europe/Oslo"
        );
        assert_eq!(parse_when("2027-03-01T09:00Z", z).unwrap().to_string(), "20270301T090000Z");
        assert_eq!(
            parse_when("2027-03-01T09:00:00+01:00", z).unwrap().to_string(),
            "20270301T080000Z"
        );
        assert_eq!(parse_when("20270301T090000Z", z).unwrap().to_string(), "20270301T090000Z");
        assert_eq!(parse_when("2027-03-01T09:00", None).unwrap().to_string(), "20270301T090000Z");
        for bad in ["", "tomorrow", "2027-02-30", "2027-03-01T25:00", "9"] {
            assert_eq!(parse_when(bad, z), None, "{bad}");
        }
    }
}
