//! Time-zone resolution for TZID parameters. Performs no I/O.
//!
//! Order of resolution (docs/calendar-data.md):
//! 1. an exact IANA name (`Europe/Oslo`);
//! 2. the calendar's own VTIMEZONE of that TZID, through its
//!    `X-LIC-LOCATION` / `X-MICROSOFT-CDO-TZID` hints or a recognisable name;
//! 3. Windows and Outlook display names (`W. Europe Standard Time`,
//!    `(UTC+01:00) Amsterdam, Berlin…`) and Mozilla paths, through calcard's
//!    tables, unless they only give a fixed offset while a VTIMEZONE with rules
//!    exists;
//! 4. the VTIMEZONE's STANDARD/DAYLIGHT rules interpreted directly
//!    ([`VtzRules`]), for custom zones no table knows;
//! 5. otherwise the user's zone, and the TZID is reported as unknown.

use calcard::common::timezone::Tz as CalTz;
use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarComponentType, ICalendarProperty, ICalendarValue,
};
use chrono::{
    DateTime, Datelike, Duration, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, Offset,
    TimeZone, Utc, Weekday,
};
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

/// A resolved time zone.
#[derive(Debug, Clone)]
pub enum Zone {
    /// UTC.
    Utc,
    /// A zone from the IANA database.
    Iana(chrono_tz::Tz),
    /// A fixed offset.
    Fixed(FixedOffset),
    /// Rules read from a VTIMEZONE that no table recognised.
    Rules(Arc<VtzRules>),
}

impl Zone {
    /// A zone from a name (IANA, Windows, Outlook display name, Mozilla path).
    pub fn from_name(name: &str) -> Option<Zone> {
        let name = name.trim().trim_matches('"');
        if let Ok(tz) = chrono_tz::Tz::from_str(name) {
            return Some(Zone::from_chrono(tz));
        }
        match CalTz::from_str(name).ok()? {
            CalTz::Tz(tz) => Some(Zone::from_chrono(tz)),
            CalTz::Fixed(off) => Some(Zone::Fixed(off)),
            CalTz::Floating => None,
        }
    }

    fn from_chrono(tz: chrono_tz::Tz) -> Zone {
        if tz == chrono_tz::UTC || tz == chrono_tz::Etc::UTC { Zone::Utc } else { Zone::Iana(tz) }
    }

    /// A short name for logs and docs.
    pub fn name(&self) -> String {
        match self {
            Zone::Utc => "UTC".into(),
            Zone::Iana(tz) => tz.name().into(),
            Zone::Fixed(off) => off.to_string(),
            Zone::Rules(r) => format!("VTIMEZONE {}", r.tzid),
        }
    }

    /// The instant of a wall-clock time in this zone. A time in a gap (spring
    /// forward) is moved forward by the gap, and an ambiguous one (fall back)
    /// takes the first occurrence, as RFC 5545 §3.3.5 prescribes.
    pub fn to_utc(&self, local: &NaiveDateTime) -> Option<DateTime<Utc>> {
        match self {
            Zone::Utc => Some(local.and_utc()),
            Zone::Fixed(off) => {
                Some((*local - Duration::seconds(i64::from(off.local_minus_utc()))).and_utc())
            }
            Zone::Iana(tz) => match tz.from_local_datetime(local) {
                LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
                LocalResult::Ambiguous(first, _) => Some(first.with_timezone(&Utc)),
                LocalResult::None => {
                    // Interpret with the offset in force before the gap.
                    let before = tz.offset_from_utc_datetime(&(*local - Duration::hours(12)));
                    let secs = i64::from(before.fix().local_minus_utc());
                    Some((*local - Duration::seconds(secs)).and_utc())
                }
            },
            Zone::Rules(r) => Some(r.to_utc(local)),
        }
    }

    /// The wall-clock time of an instant in this zone.
    pub fn from_utc(&self, t: &DateTime<Utc>) -> NaiveDateTime {
        match self {
            Zone::Utc => t.naive_utc(),
            Zone::Fixed(off) => t.naive_utc() + Duration::seconds(i64::from(off.local_minus_utc())),
            Zone::Iana(tz) => t.with_timezone(tz).naive_local(),
            Zone::Rules(r) => {
                t.naive_utc() + Duration::seconds(i64::from(r.offset_at_utc(t.timestamp())))
            }
        }
    }
}

/// Unknown TZIDs remembered for diagnostics at most: every value of a
/// hostile calendar may name another one (issue 12), and each is looked up
/// in this list.
const MAX_UNKNOWN_TZIDS: usize = 64;

/// Resolves the TZIDs used inside one calendar.
#[derive(Debug)]
pub struct ZoneResolver {
    known: HashMap<String, Zone>,
    default: Zone,
    unknown: Mutex<Vec<String>>,
}

impl ZoneResolver {
    /// A resolver with no VTIMEZONEs.
    pub fn empty(default: Zone) -> Self {
        Self { known: HashMap::new(), default, unknown: Mutex::new(Vec::new()) }
    }

    /// A resolver for the VTIMEZONEs of `cal`, with `default` for dates,
    /// floating times and unknown TZIDs.
    pub fn for_calendar(cal: &ICalendar, default: Zone) -> Self {
        let mut known = HashMap::new();
        for comp in
            cal.components.iter().filter(|c| c.component_type == ICalendarComponentType::VTimezone)
        {
            if let Some((tzid, zone)) = zone_of_vtimezone(cal, comp) {
                known.insert(tzid, zone);
            }
        }
        Self { known, default, unknown: Mutex::new(Vec::new()) }
    }

    /// A text that differs whenever two resolvers would place a time
    /// differently (for memoising expansions).
    pub fn fingerprint(&self) -> String {
        let mut known: Vec<String> =
            self.known.iter().map(|(tzid, zone)| format!("{tzid}={zone:?}")).collect();
        known.sort();
        format!("{:?}|{}", self.default, known.join("|"))
    }

    /// The zone for dates and floating times.
    pub fn default_zone(&self) -> Zone {
        self.default.clone()
    }

    /// Resolves a TZID; unknown names fall back to the default zone and are
    /// remembered for [`ZoneResolver::unknown_tzids`].
    pub fn resolve(&self, tzid: &str) -> Zone {
        let tzid = tzid.trim().trim_matches('"');
        if let Ok(tz) = chrono_tz::Tz::from_str(tzid) {
            return Zone::from_chrono(tz);
        }
        if let Some(z) = self.known.get(tzid) {
            return z.clone();
        }
        if let Some(z) = Zone::from_name(tzid) {
            return z;
        }
        if let Ok(mut u) = self.unknown.lock()
            && u.len() < MAX_UNKNOWN_TZIDS
            && !u.iter().any(|x| x == tzid)
        {
            u.push(tzid.to_string());
        }
        self.default.clone()
    }

    /// TZIDs that could not be resolved so far.
    pub fn unknown_tzids(&self) -> Vec<String> {
        self.unknown.lock().map(|u| u.clone()).unwrap_or_default()
    }
}

fn text_of(comp: &ICalendarComponent, prop: &ICalendarProperty) -> Option<String> {
    comp.property(prop).and_then(|e| e.values.first()).and_then(|v| v.as_text()).map(str::to_string)
}

fn zone_of_vtimezone(cal: &ICalendar, comp: &ICalendarComponent) -> Option<(String, Zone)> {
    let tzid = text_of(comp, &ICalendarProperty::Tzid)?;
    let tzid = tzid.trim().trim_matches('"').to_string();
    let rules = VtzRules::from_component(cal, comp, &tzid);
    // calcard knows the hints (X-LIC-LOCATION, X-MICROSOFT-CDO-TZID) and the names.
    let by_table = comp.timezone().and_then(|(_, tz)| match tz {
        CalTz::Tz(t) => Some(Zone::from_chrono(t)),
        CalTz::Fixed(o) => Some(Zone::Fixed(o)),
        CalTz::Floating => None,
    });
    let zone = match (by_table, rules) {
        // A fixed offset from a display name loses daylight saving time that
        // the VTIMEZONE spells out: prefer the rules then.
        (Some(Zone::Fixed(_)), Some(r)) if r.has_transitions() => Zone::Rules(Arc::new(r)),
        (Some(z), _) => z,
        (None, Some(r)) => Zone::Rules(Arc::new(r)),
        (None, None) => return None,
    };
    Some((tzid, zone))
}

/// One STANDARD or DAYLIGHT observance of a VTIMEZONE.
#[derive(Debug, Clone)]
struct Observance {
    start: NaiveDateTime,
    offset_from: i32,
    offset_to: i32,
    rule: Option<YearlyRule>,
    rdates: Vec<NaiveDateTime>,
}

/// The yearly rule shapes that VTIMEZONEs use in practice: a month plus an
/// nth weekday (`BYDAY=-1SU`) or a month day.
#[derive(Debug, Clone)]
struct YearlyRule {
    month: u32,
    nth_weekday: Option<(i16, Weekday)>,
    month_day: Option<i8>,
    until: Option<NaiveDateTime>,
}

/// Offset rules read from a VTIMEZONE, used when no table knows the zone.
#[derive(Debug, Clone)]
pub struct VtzRules {
    tzid: String,
    observances: Vec<Observance>,
}

impl VtzRules {
    fn from_component(cal: &ICalendar, comp: &ICalendarComponent, tzid: &str) -> Option<VtzRules> {
        let mut observances = Vec::new();
        for id in &comp.component_ids {
            let Some(sub) = cal.components.get(*id as usize) else { continue };
            if !matches!(
                sub.component_type,
                ICalendarComponentType::Standard | ICalendarComponentType::Daylight
            ) {
                continue;
            }
            let start = sub
                .property(&ICalendarProperty::Dtstart)
                .and_then(|e| e.values.first())
                .and_then(|v| v.as_partial_date_time())
                .and_then(|p| p.to_date_time())
                .map(|d| d.date_time)?;
            let offset_from = offset_value(sub, &ICalendarProperty::Tzoffsetfrom)?;
            let offset_to = offset_value(sub, &ICalendarProperty::Tzoffsetto)?;
            let rule = sub
                .property(&ICalendarProperty::Rrule)
                .and_then(|e| e.values.first())
                .and_then(|v| match v {
                    ICalendarValue::RecurrenceRule(r) => {
                        let month = u32::from(r.bymonth.first()?.month());
                        Some(YearlyRule {
                            month,
                            nth_weekday: r
                                .byday
                                .first()
                                .map(|d| (d.ordwk.unwrap_or(1), weekday_of(d.weekday))),
                            month_day: r.bymonthday.first().copied(),
                            until: r
                                .until
                                .as_ref()
                                .and_then(|u| u.to_date_time())
                                .map(|d| d.date_time),
                        })
                    }
                    _ => None,
                });
            let rdates = sub
                .properties(&ICalendarProperty::Rdate)
                .flat_map(|e| e.values.iter())
                .filter_map(|v| v.as_partial_date_time())
                .filter_map(|p| p.to_date_time())
                .map(|d| d.date_time)
                .collect();
            observances.push(Observance { start, offset_from, offset_to, rule, rdates });
        }
        if observances.is_empty() {
            None
        } else {
            Some(VtzRules { tzid: tzid.to_string(), observances })
        }
    }

    fn has_transitions(&self) -> bool {
        self.observances.iter().any(|o| o.offset_from != o.offset_to)
    }

    /// Onsets (UTC seconds, offset after) in the years around `year`.
    fn onsets_near(&self, year: i32) -> Vec<(i64, i32)> {
        let mut out = Vec::new();
        for o in &self.observances {
            let mut push = |local: NaiveDateTime| {
                if local >= o.start {
                    out.push((local.and_utc().timestamp() - i64::from(o.offset_from), o.offset_to));
                }
            };
            push(o.start);
            for r in &o.rdates {
                push(*r);
            }
            if let Some(rule) = &o.rule {
                for y in (year - 1)..=(year + 1) {
                    let Some(day) = rule_date(rule, y) else { continue };
                    let local = day.and_time(o.start.time());
                    if rule.until.is_some_and(|u| local > u + Duration::days(1)) {
                        continue;
                    }
                    push(local);
                }
            }
        }
        out.sort_unstable();
        out
    }

    /// The UTC offset (seconds) in force at a UTC instant.
    pub fn offset_at_utc(&self, ts: i64) -> i32 {
        let year = DateTime::<Utc>::from_timestamp(ts, 0).map(|d| d.year()).unwrap_or(1970);
        let onsets = self.onsets_near(year);
        match onsets.partition_point(|(t, _)| *t <= ts).checked_sub(1) {
            Some(i) => onsets[i].1,
            // Before the first onset: the first observance's "from" offset.
            None => {
                self.observances.iter().min_by_key(|o| o.start).map(|o| o.offset_from).unwrap_or(0)
            }
        }
    }

    fn to_utc(&self, local: &NaiveDateTime) -> DateTime<Utc> {
        // Try the candidate offsets; take the first that maps back to `local`
        // (earliest instant for an ambiguous time), else shift forward over a gap.
        let mut offsets: Vec<i32> =
            self.observances.iter().flat_map(|o| [o.offset_from, o.offset_to]).collect();
        offsets.sort_unstable_by(|a, b| b.cmp(a));
        offsets.dedup();
        for off in &offsets {
            let ts = local.and_utc().timestamp() - i64::from(*off);
            if self.offset_at_utc(ts) == *off {
                return (*local - Duration::seconds(i64::from(*off))).and_utc();
            }
        }
        let off = offsets.last().copied().unwrap_or(0);
        (*local - Duration::seconds(i64::from(off))).and_utc()
    }
}

fn offset_value(comp: &ICalendarComponent, prop: &ICalendarProperty) -> Option<i32> {
    let entry = comp.property(prop)?;
    match entry.values.first()? {
        ICalendarValue::PartialDateTime(p) => {
            let s =
                i32::from(p.tz_hour.unwrap_or(0)) * 3600 + i32::from(p.tz_minute.unwrap_or(0)) * 60;
            Some(if p.tz_minus { -s } else { s })
        }
        ICalendarValue::Text(t) => parse_offset_text(t),
        _ => None,
    }
}

fn parse_offset_text(t: &str) -> Option<i32> {
    let t = t.trim();
    let (sign, rest) = match t.as_bytes().first()? {
        b'-' => (-1, &t[1..]),
        b'+' => (1, &t[1..]),
        _ => (1, t),
    };
    let h: i32 = rest.get(0..2)?.parse().ok()?;
    let m: i32 = rest.get(2..4)?.parse().ok()?;
    Some(sign * (h * 3600 + m * 60))
}

fn weekday_of(w: calcard::icalendar::ICalendarWeekday) -> Weekday {
    use calcard::icalendar::ICalendarWeekday as W;
    match w {
        W::Monday => Weekday::Mon,
        W::Tuesday => Weekday::Tue,
        W::Wednesday => Weekday::Wed,
        W::Thursday => Weekday::Thu,
        W::Friday => Weekday::Fri,
        W::Saturday => Weekday::Sat,
        W::Sunday => Weekday::Sun,
    }
}

fn rule_date(rule: &YearlyRule, year: i32) -> Option<NaiveDate> {
    if let Some((nth, wd)) = rule.nth_weekday {
        return if nth >= 0 {
            NaiveDate::from_weekday_of_month_opt(
                year,
                rule.month,
                wd,
                u8::try_from(nth.max(1)).ok()?,
            )
        } else {
            let next_month = if rule.month == 12 {
                NaiveDate::from_ymd_opt(year + 1, 1, 1)?
            } else {
                NaiveDate::from_ymd_opt(year, rule.month + 1, 1)?
            };
            let last = next_month.pred_opt()?;
            let back = (7 + last.weekday().num_days_from_monday() - wd.num_days_from_monday()) % 7;
            let d = last
                - Duration::days(i64::from(back))
                - Duration::weeks(i64::from(nth.unsigned_abs()) - 1);
            (d.month() == rule.month).then_some(d)
        };
    }
    let md = rule.month_day?;
    if md > 0 { NaiveDate::from_ymd_opt(year, rule.month, u32::try_from(md).ok()?) } else { None }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const CUSTOM: &str = "BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\nTZID:My Custom Zone\r\nBEGIN:STANDARD\r\nDTSTART:16011028T030000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:16010325T020000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\nEND:VCALENDAR\r\n";

    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%S").unwrap()
    }

    #[test]
    fn custom_vtimezone_rules_follow_dst() {
        let cal = ICalendar::parse(CUSTOM).unwrap();
        let r = ZoneResolver::for_calendar(&cal, Zone::Utc);
        let z = r.resolve("My Custom Zone");
        assert!(matches!(z, Zone::Rules(_)));
        // Winter: +01:00; summer: +02:00 (same as Europe/Berlin).
        let berlin = Zone::from_name("Europe/Berlin").unwrap();
        for t in [
            "20270116T100000",
            "20270716T100000",
            "20270328T010000",
            "20271031T040000",
            "20270330T100000",
        ] {
            assert_eq!(z.to_utc(&local(t)), berlin.to_utc(&local(t)), "{t}");
        }
        assert!(r.unknown_tzids().is_empty());
    }

    #[test]
    fn windows_and_display_names_resolve() {
        let r = ZoneResolver::empty(Zone::Utc);
        assert_eq!(r.resolve("W. Europe Standard Time").name(), "Europe/Berlin");
        assert_eq!(r.resolve("\"Europe/Madrid\"").name(), "Europe/Madrid");
        assert_eq!(r.resolve("Eastern Standard Time").name(), "America/New_York");
        r.resolve("BRT");
        assert_eq!(r.unknown_tzids(), vec!["BRT".to_string()]);
    }

    #[test]
    fn dst_gap_moves_forward_and_fold_takes_first() {
        let z = Zone::from_name("Europe/Berlin").unwrap();
        // 02:30 does not exist on 2027-03-28: it becomes 03:30 CEST = 01:30Z.
        assert_eq!(
            z.to_utc(&local("20270328T023000")).unwrap().to_rfc3339(),
            "2027-03-28T01:30:00+00:00"
        );
        // 02:30 happens twice on 2027-10-31: the first is CEST = 00:30Z.
        assert_eq!(
            z.to_utc(&local("20271031T023000")).unwrap().to_rfc3339(),
            "2027-10-31T00:30:00+00:00"
        );
    }
}
