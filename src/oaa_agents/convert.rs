//! The argument conventions of the calendar solvables: how times, periods,
//! durations, addresses and status words are written as ICL terms, and
//! reading them back. Performs no I/O.
//!
//! - Times are UTC instants written as quoted atoms in RFC 3339 form
//!   (`'2027-03-10T10:00:00Z'`); `YYYYMMDDTHHMMSSZ` and RFC 3339 with an
//!   offset are accepted on input.
//! - Periods are `period(Start, End)`, half-open.
//! - Durations are whole minutes (an integer) or an iCalendar duration
//!   atom (`'PT1H30M'`).
//! - Calendar users are atoms: `'mailto:room-1@example.com'` (answers use
//!   this form) or a bare `'room-1@example.com'`.
//! - Participation and decision words are lower-case atoms (`accepted`,
//!   `needs_action`).

use crate::address::CalAddress;
use crate::clock::parse_instant;
use crate::ical::PartStat;
use chrono::{DateTime, Duration, Utc};
use oaa::icl::Term;

/// Reads a time argument.
pub fn parse_time(t: &Term) -> Option<DateTime<Utc>> {
    t.as_atom().and_then(parse_instant)
}

/// Writes a time as `'YYYY-MM-DDTHH:MM:SSZ'`.
pub fn time_term(t: &DateTime<Utc>) -> Term {
    use chrono::{Datelike, Timelike};
    // Formatted by hand: chrono's strftime parser showed up in profiles of
    // the free/busy benchmark (every answer writes a dozen times).
    Term::atom(&format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    ))
}

/// The term for an output time: the goal's own term when it is bound to
/// the same instant (so that `'20270310T100000Z'` in a goal still matches),
/// the canonical form when it is unbound, and `None` when it is bound to
/// another instant (no solution).
pub fn echo_time(goal_arg: &Term, value: &DateTime<Utc>) -> Option<Term> {
    if goal_arg.is_var() {
        return Some(time_term(value));
    }
    (parse_time(goal_arg).as_ref() == Some(value)).then(|| goal_arg.clone())
}

/// `period(Start, End)`.
pub fn period_term(start: &DateTime<Utc>, end: &DateTime<Utc>) -> Term {
    Term::compound("period", vec![time_term(start), time_term(end)])
}

/// Reads a calendar user (`'mailto:x@y'` or a bare address).
pub fn parse_user(t: &Term) -> Option<CalAddress> {
    t.as_atom().and_then(CalAddress::parse)
}

/// A user as written in answers.
pub fn user_term(u: &CalAddress) -> Term {
    Term::atom(u.as_str())
}

/// Reads a duration: positive whole minutes, or an iCalendar duration atom.
pub fn parse_minutes(t: &Term) -> Option<Duration> {
    let d = match t {
        Term::Int(m) => Duration::try_minutes(*m)?,
        _ => crate::config::prefs::parse_duration(t.as_atom()?)?,
    };
    (d > Duration::zero()).then_some(d)
}

/// A PARTSTAT as a lower-case atom with `_` for `-` (`needs_action`).
pub fn partstat_term(p: &PartStat) -> Term {
    Term::atom(&p.as_str().to_ascii_lowercase().replace('-', "_"))
}

/// A resource decision (`ACCEPTED`, `DECLINED`, `COUNTER`, `DELEGATED`,
/// `TENTATIVE`) as a lower-case atom.
pub fn decision_term(label: &str) -> Term {
    Term::atom(&label.to_ascii_lowercase())
}

/// Text arguments (summaries, preference names and values): atoms; a
/// number is taken as its printed form.
pub fn parse_text(t: &Term) -> Option<String> {
    match t {
        Term::Atom(a) => Some(a.as_str().to_string()),
        Term::Int(i) => Some(i.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn times_round_trip_and_accept_the_compact_form() {
        let t = Utc.with_ymd_and_hms(2027, 3, 10, 10, 0, 0).unwrap();
        assert_eq!(time_term(&t), Term::atom("2027-03-10T10:00:00Z"));
        let early = Utc.with_ymd_and_hms(987, 1, 2, 3, 4, 5).unwrap();
        assert_eq!(time_term(&early), Term::atom("0987-01-02T03:04:05Z"));
        assert_eq!(parse_time(&Term::atom("20270310T100000Z")), Some(t));
        assert_eq!(parse_time(&Term::atom("2027-03-10T11:00:00+01:00")), Some(t));
        assert_eq!(parse_time(&Term::Int(1)), None);
        assert_eq!(
            echo_time(&Term::atom("20270310T100000Z"), &t),
            Some(Term::atom("20270310T100000Z"))
        );
        assert_eq!(echo_time(&Term::atom("20270310T110000Z"), &t), None);
        assert_eq!(echo_time(&Term::var("S"), &t), Some(time_term(&t)));
    }

    #[test]
    fn users_durations_and_words() {
        let u = parse_user(&Term::atom("Room-1@Example.com")).unwrap();
        assert_eq!(user_term(&u), Term::atom("mailto:room-1@example.com"));
        assert_eq!(parse_minutes(&Term::Int(90)), Some(Duration::minutes(90)));
        assert_eq!(parse_minutes(&Term::atom("PT1H")), Some(Duration::hours(1)));
        assert_eq!(parse_minutes(&Term::Int(0)), None);
        assert_eq!(partstat_term(&PartStat::NeedsAction), Term::atom("needs_action"));
        assert_eq!(decision_term("ACCEPTED"), Term::atom("accepted"));
    }
}
