#![allow(clippy::unwrap_used)]
use super::*;
use crate::ical::{Object, Zone};
use chrono::TimeZone;

fn obj(props: &str) -> Object {
    let text = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\n{props}END:VEVENT\r\nEND:VCALENDAR\r\n"
    );
    Object::from_stored(&text).unwrap()
}

fn utc(y: i32, m: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, mi, 0).unwrap()
}

fn starts(e: &Expansion) -> Vec<String> {
    e.occurrences.iter().map(|o| o.start.format("%Y-%m-%dT%H:%M").to_string()).collect()
}

fn run(props: &str) -> Expansion {
    let o = obj(props);
    let zones = o.zones(Zone::from_name("Europe/Oslo").unwrap());
    expand(&o, &zones, &ExpandParams::with_window(utc(2027, 6, 1, 0, 0)))
}

#[test]
fn single_event_with_dtend_and_duration() {
    let e = run("DTSTART:20270105T100000Z\r\nDTEND:20270105T110000Z\r\n");
    assert_eq!(starts(&e), ["2027-01-05T10:00"]);
    assert_eq!(e.occurrences[0].end, utc(2027, 1, 5, 11, 0));
    let e = run("DTSTART:20270105T100000Z\r\nDURATION:PT90M\r\n");
    assert_eq!(e.occurrences[0].end, utc(2027, 1, 5, 11, 30));
}

#[test]
fn datetime_without_end_has_zero_length_and_date_lasts_a_day() {
    let e = run("DTSTART:20270105T100000Z\r\n");
    assert_eq!(e.occurrences[0].end, e.occurrences[0].start);
    // A date is placed in the user's zone (Oslo, +01:00 in January).
    let e = run("DTSTART;VALUE=DATE:20270105\r\n");
    assert_eq!(e.occurrences[0].start, utc(2027, 1, 4, 23, 0));
    assert_eq!(e.occurrences[0].end, utc(2027, 1, 5, 23, 0));
    assert_eq!(e.occurrences[0].rid, "20270105");
}

#[test]
fn weekly_count_across_dst_keeps_wall_clock() {
    let e = run(
        "DTSTART;TZID=Europe/Berlin:20270316T100000\r\nDTEND;TZID=Europe/Berlin:20270316T113000\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\n",
    );
    assert_eq!(starts(&e), ["2027-03-16T09:00", "2027-03-23T09:00", "2027-03-30T08:00"]);
    assert_eq!(e.occurrences[2].end, utc(2027, 3, 30, 9, 30));
    assert_eq!(e.occurrences[2].rid, "20270330T080000Z");
    assert!(!e.needs_extension());
}

#[test]
fn until_in_utc_against_zoned_start() {
    // UNTIL 09:00Z on the 23rd equals the 10:00 CET start: it is included.
    let e = run(
        "DTSTART;TZID=Europe/Berlin:20270302T100000\r\nDURATION:PT1H\r\nRRULE:FREQ=WEEKLY;UNTIL=20270323T090000Z\r\n",
    );
    assert_eq!(starts(&e).len(), 4);
}

#[test]
fn rdate_exdate_and_periods() {
    let e = run(
        "DTSTART:20270105T100000Z\r\nDTEND:20270105T110000Z\r\nRRULE:FREQ=DAILY;COUNT=5\r\nEXDATE:20270106T100000Z,20270108T100000Z\r\nRDATE:20270120T100000Z\r\nRDATE;VALUE=PERIOD:20270125T120000Z/20270125T150000Z\r\nRDATE;VALUE=DATE:20270130\r\n",
    );
    assert_eq!(
        starts(&e),
        [
            "2027-01-05T10:00",
            "2027-01-07T10:00",
            "2027-01-09T10:00",
            "2027-01-20T10:00",
            "2027-01-25T12:00",
            "2027-01-29T23:00"
        ]
    );
    let period = &e.occurrences[4];
    assert_eq!(period.end, utc(2027, 1, 25, 15, 0));
}

#[test]
fn bysetpos_last_weekday_of_month() {
    let e = run(
        "DTSTART:20270129T090000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=MONTHLY;COUNT=3;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1\r\n",
    );
    assert_eq!(starts(&e), ["2027-01-29T09:00", "2027-02-26T09:00", "2027-03-31T09:00"]);
}

#[test]
fn byweekno() {
    let e = run(
        "DTSTART:20270104T090000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=YEARLY;COUNT=2;BYWEEKNO=20;BYDAY=MO\r\n",
    );
    assert_eq!(starts(&e), ["2027-01-04T09:00", "2027-05-17T09:00", "2028-05-15T09:00"]);
}

#[test]
fn open_ended_rule_is_windowed_and_flagged() {
    let e = run("DTSTART:20270101T090000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=WEEKLY\r\n");
    assert!(e.open_ended);
    assert!(e.needs_extension());
    let last = e.occurrences.last().unwrap();
    assert!(last.start < utc(2027, 6, 1, 0, 0));
    assert!(last.start >= utc(2027, 5, 24, 0, 0));
}

#[test]
fn hostile_rules_are_bounded() {
    let t = std::time::Instant::now();
    let e = run("DTSTART:20270101T000000Z\r\nRRULE:FREQ=SECONDLY\r\n");
    assert!(e.truncated);
    assert!(e.occurrences.len() <= 10_000);
    let e2 = run("DTSTART:20270101T000000Z\r\nRRULE:FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30\r\n");
    assert!(e2.occurrences.len() <= 1);
    let e3 = run("DTSTART:20270101T000000Z\r\nRRULE:FREQ=MINUTELY;COUNT=100000000\r\n");
    assert!(e3.occurrences.len() <= 10_000);
    // A hang would take minutes; the bound is loose because debug builds
    // on a loaded machine are slow (measured costs are in benchmarks).
    assert!(t.elapsed() < std::time::Duration::from_secs(60), "took {:?}", t.elapsed());
}

#[test]
fn long_standing_daily_rule_keeps_current_occurrences() {
    let o = obj("DTSTART:19900101T090000Z\r\nDURATION:PT15M\r\nRRULE:FREQ=DAILY\r\n");
    let zones = o.zones(Zone::Utc);
    let mut p = ExpandParams::with_window(utc(2027, 6, 1, 0, 0));
    p.keep_from = Some(utc(2027, 1, 1, 0, 0));
    let e = expand(&o, &zones, &p);
    assert!(e.occurrences.iter().any(|x| x.start == utc(2027, 3, 3, 9, 0)));
    assert!(e.occurrences.len() < 200);
}

#[test]
fn invalid_rule_keeps_main_period_with_a_note() {
    let e = run("DTSTART:20270105T100000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=HOURLY;BYHOUR=25\r\n");
    assert_eq!(starts(&e)[0], "2027-01-05T10:00");
}

#[test]
fn floating_time_uses_user_zone() {
    let e = run("DTSTART:20270705T100000\r\nDTEND:20270705T110000\r\n");
    assert_eq!(e.occurrences[0].start, utc(2027, 7, 5, 8, 0));
    assert_eq!(e.occurrences[0].rid, "20270705T100000");
}

#[test]
fn durations_beyond_the_calendar_are_diagnosed_not_panicked() {
    for props in [
        "DTSTART:20270105T100000Z\r\nDURATION:P99999999W\r\n",
        "DTSTART;VALUE=DATE:20270105\r\nDURATION:P99999999D\r\n",
        "DTSTART;TZID=Europe/Oslo:20270105T100000\r\nDURATION:P4294967295W\r\n",
    ] {
        let e = run(props);
        assert!(e.occurrences.is_empty(), "{props}");
        assert!(e.diagnostics.iter().any(|d| d.contains("cannot be placed in time")), "{props}");
    }
    let e = run(
        "DTSTART:20270105T100000Z\r\nDURATION:PT1H\r\nRDATE;VALUE=PERIOD:20270107T100000Z/P99999999W\r\n",
    );
    assert_eq!(starts(&e), ["2027-01-05T10:00"]);
    assert!(e.diagnostics.iter().any(|d| d.contains("RDATE cannot be placed")));
}

#[test]
fn several_rrules_and_exrules_are_all_used() {
    // RFC 2445 allowed several RRULEs and EXRULEs; real data still has them.
    let e = run(
        "DTSTART:20270104T090000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=3\r\nRRULE:FREQ=WEEKLY;BYDAY=WE;COUNT=2\r\nEXRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=2;INTERVAL=2\r\n",
    );
    assert_eq!(starts(&e), ["2027-01-06T09:00", "2027-01-11T09:00", "2027-01-13T09:00"]);
}

#[test]
fn many_exdates_are_removed_in_near_linear_time() {
    // 10,000 minutely occurrences and 200,000 EXDATEs, every other minute:
    // a list scan per occurrence took seconds (issue 12).
    let start = utc(2027, 1, 5, 10, 0);
    let dates: Vec<String> = (0..200_000)
        .map(|i| (start + Duration::minutes(2 * i + 1)).format("%Y%m%dT%H%M%SZ").to_string())
        .collect();
    let o = obj(&format!(
        "DTSTART:20270105T100000Z\r\nDURATION:PT30S\r\nRRULE:FREQ=MINUTELY;COUNT=10000\r\nEXDATE:{}\r\n",
        dates.join(",")
    ));
    let zones = o.zones(Zone::Utc);
    let t = std::time::Instant::now();
    let e = expand(&o, &zones, &ExpandParams::with_window(utc(2027, 6, 1, 0, 0)));
    assert!(t.elapsed() < std::time::Duration::from_secs(5), "{:?}", t.elapsed());
    assert_eq!(e.occurrences.len(), 5_000, "the odd minutes are excluded");
    assert!(e.occurrences.iter().all(|o| (o.start - start).num_minutes() % 2 == 0));
    assert_eq!(e.occurrences[1].rid, "20270105T100200Z");
}

#[test]
fn a_rule_with_too_many_candidates_per_step_is_not_expanded() {
    let list = |a: u32, z: u32| (a..=z).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
    let rule = format!(
        "RRULE:FREQ=YEARLY;BYYEARDAY={};BYHOUR={};BYMINUTE={};BYSECOND={}\r\n",
        list(1, 366),
        list(0, 23),
        list(0, 59),
        list(0, 59)
    );
    let t = std::time::Instant::now();
    let e = run(&format!("DTSTART:20270105T100000Z\r\nDURATION:PT1S\r\n{rule}"));
    assert!(t.elapsed() < std::time::Duration::from_secs(1), "{:?}", t.elapsed());
    assert!(e.truncated, "refused rules are flagged so that rooms decline them");
    assert_eq!(starts(&e), ["2027-01-05T10:00"]);
    assert!(
        e.diagnostics.iter().any(|d| d
            == "RRULE not expanded: one YEARLY step has up to 31622400 candidate times (limit 10000)"),
        "{:?}",
        e.diagnostics
    );
    // The same rule with a small candidate set per step expands.
    let e = run(
        "DTSTART:20270105T100000Z\r\nDURATION:PT1S\r\nRRULE:FREQ=DAILY;COUNT=3;BYHOUR=10,11\r\n",
    );
    assert_eq!(e.occurrences.len(), 3);
    assert!(!e.truncated);
}

#[test]
fn periods_past_year_9999_are_not_placed() {
    let e = run("DTSTART:20270105T100000Z\r\nDURATION:P2000000W\r\n");
    assert!(e.occurrences.is_empty());
    assert!(e.diagnostics.iter().any(|d| d.contains("up to the year 9999")), "{:?}", e.diagnostics);
    // Rule instances and RDATEs after 9999 are dropped, earlier ones kept.
    let e = run(
        "DTSTART:99991230T100000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=DAILY;COUNT=5\r\nRDATE;VALUE=PERIOD:20270107T100000Z/P900000W\r\n",
    );
    assert_eq!(starts(&e), ["9999-12-30T10:00", "9999-12-31T10:00"]);
    assert!(e.diagnostics.iter().any(|d| d.contains("RDATE cannot be placed")));
    assert!(e.occurrences.iter().all(|o| o.end.year() <= 9999));
}

#[test]
fn an_open_ended_rule_generates_only_the_instances_it_keeps() {
    // FREQ=MINUTELY for 150 days is 216,000 instances; the first 10,000
    // and the truncation flag are all that is kept.
    let e = run(
        "DTSTART:20270105T100000Z\r\nDURATION:PT30S\r\nRRULE:FREQ=MINUTELY\r\nEXDATE:20270105T100100Z\r\n",
    );
    assert!(e.truncated && e.open_ended);
    assert_eq!(e.occurrences.len(), 10_000);
    assert_eq!(starts(&e)[..2], ["2027-01-05T10:00", "2027-01-05T10:02"]);
    assert_eq!(
        e.occurrences.last().unwrap().start,
        utc(2027, 1, 5, 10, 0) + Duration::minutes(10_000)
    );
}
