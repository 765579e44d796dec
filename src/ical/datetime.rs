//! Date and date-time values as written in iCalendar (DTSTART, DTEND,
//! RECURRENCE-ID, RDATE, EXDATE) and their normalised text forms. Performs no
//! I/O. Conversion to instants needs a [`ZoneResolver`](super::zone::ZoneResolver).

use super::zone::{Zone, ZoneResolver};
use calcard::common::PartialDateTime;
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};
use std::fmt;

/// A DATE or DATE-TIME value with the zone information it was written with.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DateTimeValue {
    /// `VALUE=DATE`: a whole day, placed in the user's zone.
    Date(NaiveDate),
    /// A date-time without zone: placed in the user's zone.
    Floating(NaiveDateTime),
    /// A date-time in UTC (`…Z`).
    Utc(NaiveDateTime),
    /// A date-time with a TZID parameter.
    Zoned {
        /// The local (wall-clock) time.
        local: NaiveDateTime,
        /// The TZID parameter as written.
        tzid: String,
    },
}

impl DateTimeValue {
    /// Builds a value from calcard's parsed form and the property's TZID.
    /// A value carrying both a TZID and `Z` (Yahoo! Calendar writes
    /// `DTSTART;TZID=Europe/London:20140130T140000Z`) is taken as UTC:
    /// the `Z` is the more specific statement. `None` for impossible dates
    /// such as Lotus Notes' 20140230.
    pub fn from_partial(p: &PartialDateTime, tzid: Option<&str>) -> Option<DateTimeValue> {
        let date =
            NaiveDate::from_ymd_opt(i32::from(p.year?), u32::from(p.month?), u32::from(p.day?))?;
        if !p.has_time() {
            return Some(DateTimeValue::Date(date));
        }
        let time = NaiveTime::from_hms_opt(
            u32::from(p.hour.unwrap_or(0)),
            u32::from(p.minute.unwrap_or(0)),
            // A leap second (60) is clamped: chrono cannot represent it here.
            u32::from(p.second.unwrap_or(0)).min(59),
        )?;
        let local = NaiveDateTime::new(date, time);
        if p.has_zone() {
            let offset =
                i64::from(p.tz_hour.unwrap_or(0)) * 3600 + i64::from(p.tz_minute.unwrap_or(0)) * 60;
            let offset = if p.tz_minus { -offset } else { offset };
            return Some(DateTimeValue::Utc(local - chrono::Duration::seconds(offset)));
        }
        match tzid.map(str::trim).filter(|t| !t.is_empty()) {
            Some(tzid) => {
                Some(DateTimeValue::Zoned { local, tzid: tzid.trim_matches('"').to_string() })
            }
            None => Some(DateTimeValue::Floating(local)),
        }
    }

    /// Whether this is a whole-day value.
    pub fn is_date(&self) -> bool {
        matches!(self, DateTimeValue::Date(_))
    }

    /// The wall-clock time as written (midnight for dates).
    pub fn local(&self) -> NaiveDateTime {
        match self {
            DateTimeValue::Date(d) => d.and_time(NaiveTime::MIN),
            DateTimeValue::Floating(l) | DateTimeValue::Utc(l) => *l,
            DateTimeValue::Zoned { local, .. } => *local,
        }
    }

    /// The zone this value is placed in.
    pub fn zone(&self, zones: &ZoneResolver) -> Zone {
        match self {
            DateTimeValue::Date(_) | DateTimeValue::Floating(_) => zones.default_zone(),
            DateTimeValue::Utc(_) => Zone::Utc,
            DateTimeValue::Zoned { tzid, .. } => zones.resolve(tzid),
        }
    }

    /// The instant this value denotes.
    pub fn to_utc(&self, zones: &ZoneResolver) -> Option<DateTime<Utc>> {
        match self {
            DateTimeValue::Utc(l) => Some(l.and_utc()),
            other => other.zone(zones).to_utc(&other.local()),
        }
    }

    /// The same kind of value at another wall-clock time (used for recurrence
    /// instances, which keep the DTSTART's zone).
    pub fn with_local(&self, local: NaiveDateTime) -> DateTimeValue {
        match self {
            DateTimeValue::Date(_) => DateTimeValue::Date(local.date()),
            DateTimeValue::Floating(_) => DateTimeValue::Floating(local),
            DateTimeValue::Utc(_) => DateTimeValue::Utc(local),
            DateTimeValue::Zoned { tzid, .. } => DateTimeValue::Zoned { local, tzid: tzid.clone() },
        }
    }

    /// The iCalendar value text (without parameters).
    pub fn value_text(&self) -> String {
        match self {
            DateTimeValue::Date(d) => format_date(d),
            DateTimeValue::Floating(l) | DateTimeValue::Zoned { local: l, .. } => format_local(l),
            DateTimeValue::Utc(l) => format!("{}Z", format_local(l)),
        }
    }

    /// The normalised RECURRENCE-ID key used to store and match occurrences:
    /// values with a zone become UTC (`20141113T230000Z`), dates and floating
    /// times stay as written (they are interpreted later in the user's zone),
    /// exactly as imip-agent 0.3 keyed them.
    pub fn rid_key(&self, zones: &ZoneResolver) -> String {
        match self {
            DateTimeValue::Date(_) | DateTimeValue::Floating(_) => self.value_text(),
            other => match other.to_utc(zones) {
                Some(utc) => format_utc(&utc),
                None => other.value_text(),
            },
        }
    }

    /// Builds calcard's representation of this value.
    pub fn to_partial(&self) -> PartialDateTime {
        let l = self.local();
        let has_time = !self.is_date();
        let is_utc = matches!(self, DateTimeValue::Utc(_));
        PartialDateTime {
            year: u16::try_from(l.year()).ok(),
            month: Some(l.month() as u8),
            day: Some(l.day() as u8),
            hour: has_time.then_some(l.hour() as u8),
            minute: has_time.then_some(l.minute() as u8),
            second: has_time.then_some(l.second() as u8),
            tz_hour: is_utc.then_some(0),
            tz_minute: is_utc.then_some(0),
            tz_minus: false,
        }
    }

    /// The TZID parameter this value needs, if any.
    pub fn tzid(&self) -> Option<&str> {
        match self {
            DateTimeValue::Zoned { tzid, .. } => Some(tzid),
            _ => None,
        }
    }
}

impl fmt::Display for DateTimeValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.tzid() {
            Some(tz) => write!(f, "{};TZID={}", self.value_text(), tz),
            None => f.write_str(&self.value_text()),
        }
    }
}

/// The last year an iCalendar DATE or DATE-TIME can hold (four digits,
/// RFC 5545 §3.3.4). Times after the end of it are never computed into
/// periods, so they are never written (clients cannot read a longer year).
pub const LAST_YEAR: i32 = 9999;

/// Whether a year can be written in iCalendar: 0000 to 9999.
pub fn writable_year(year: i32) -> bool {
    (0..=LAST_YEAR).contains(&year)
}

/// `YYYYMMDD`.
pub fn format_date(d: &NaiveDate) -> String {
    match writable_year(d.year()) {
        true => format!("{:04}{:02}{:02}", d.year(), d.month(), d.day()),
        false => d.format("%Y%m%d").to_string(),
    }
}

/// `YYYYMMDDTHHMMSS`. Formatted field by field: chrono's `format` parses
/// its pattern on every call, and this runs for every occurrence's key.
pub fn format_local(l: &NaiveDateTime) -> String {
    match writable_year(l.year()) {
        true => format!(
            "{:04}{:02}{:02}T{:02}{:02}{:02}",
            l.year(),
            l.month(),
            l.day(),
            l.hour(),
            l.minute(),
            l.second()
        ),
        false => l.format("%Y%m%dT%H%M%S").to_string(),
    }
}

/// `YYYYMMDDTHHMMSSZ`, the form used for DTSTAMP and for stored periods.
pub fn format_utc(t: &DateTime<Utc>) -> String {
    let mut s = format_local(&t.naive_utc());
    s.push('Z');
    s
}

/// Parses `YYYYMMDDTHHMMSSZ` (as written by [`format_utc`]).
pub fn parse_utc(text: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%SZ").ok().map(|n| n.and_utc())
}

/// Parses a normalised RECURRENCE-ID key back into a value.
pub fn parse_rid_key(key: &str) -> Option<DateTimeValue> {
    if let Some(stripped) = key.strip_suffix('Z') {
        return NaiveDateTime::parse_from_str(stripped, "%Y%m%dT%H%M%S")
            .ok()
            .map(DateTimeValue::Utc);
    }
    if key.len() == 8 {
        return NaiveDate::parse_from_str(key, "%Y%m%d").ok().map(DateTimeValue::Date);
    }
    NaiveDateTime::parse_from_str(key, "%Y%m%dT%H%M%S").ok().map(DateTimeValue::Floating)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn pdt(s: &str) -> PartialDateTime {
        let cal = calcard::icalendar::ICalendar::parse(format!(
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:{s}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        ))
        .unwrap();
        let e = &cal.components[1].entries[0];
        e.values[0].as_partial_date_time().unwrap().clone()
    }

    #[test]
    fn recurrence_id_normalisation_matches_imip_agent() {
        let zones = ZoneResolver::empty(Zone::Utc);
        let v = DateTimeValue::from_partial(&pdt("20141114T000000"), Some("Europe/Oslo")).unwrap();
        assert_eq!(v.rid_key(&zones), "20141113T230000Z");
        let d = DateTimeValue::from_partial(&pdt("20141114"), Some("Europe/Oslo")).unwrap();
        assert_eq!(d.rid_key(&zones), "20141114");
        let f = DateTimeValue::from_partial(&pdt("20141114T100000"), None).unwrap();
        assert_eq!(f.rid_key(&zones), "20141114T100000");
        assert_eq!(parse_rid_key("20141113T230000Z").unwrap().rid_key(&zones), "20141113T230000Z");
    }

    #[test]
    fn z_wins_over_tzid() {
        let v = DateTimeValue::from_partial(&pdt("20140130T140000Z"), Some("Europe/London"));
        assert!(matches!(v, Some(DateTimeValue::Utc(_))));
    }

    proptest::proptest! {
        /// The field-by-field formatting writes what chrono's patterns write.
        #[test]
        fn formatting_matches_chrono(secs in -62_167_219_200i64..253_402_300_800i64) {
            let t = DateTime::<Utc>::from_timestamp(secs, 0).unwrap();
            proptest::prop_assert_eq!(format_utc(&t), t.format("%Y%m%dT%H%M%SZ").to_string());
            let l = t.naive_utc();
            proptest::prop_assert_eq!(format_local(&l), l.format("%Y%m%dT%H%M%S").to_string());
            proptest::prop_assert_eq!(format_date(&l.date()), l.format("%Y%m%d").to_string());
        }
    }

    #[test]
    fn impossible_date_is_none() {
        let mut p = pdt("20140228T150000");
        p.day = Some(30);
        assert_eq!(DateTimeValue::from_partial(&p, None), None);
    }
}
