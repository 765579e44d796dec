//! `permitted_times` (imip-agent 6.4): which wall-clock times a booking may
//! start or end at, and the correction of a period to the next permitted
//! times. Performs no I/O.

use chrono::{Duration, NaiveDateTime, NaiveTime, Timelike};

/// Parsed `permitted_times`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PermittedTimes {
    hours: Option<Vec<u32>>,
    minutes: Option<Vec<u32>>,
    seconds: Option<Vec<u32>>,
}

fn list(text: &str, max: u32) -> Result<Option<Vec<u32>>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let mut v = Vec::new();
    for part in t.split(',') {
        let n: u32 = part.trim().parse().map_err(|_| format!("{part:?} is not a number"))?;
        if n > max {
            return Err(format!("{n} is larger than {max}"));
        }
        v.push(n);
    }
    v.sort_unstable();
    v.dedup();
    Ok(Some(v))
}

impl PermittedTimes {
    /// Parses `M`, `H:M` or `H:M:S`, each a comma-separated list (empty = any).
    pub fn parse(text: &str) -> Result<PermittedTimes, String> {
        let parts: Vec<&str> = text.trim().split(':').collect();
        let p = match parts.as_slice() {
            [m] => PermittedTimes { hours: None, minutes: list(m, 59)?, seconds: None },
            [h, m] => PermittedTimes { hours: list(h, 23)?, minutes: list(m, 59)?, seconds: None },
            [h, m, s] => {
                PermittedTimes { hours: list(h, 23)?, minutes: list(m, 59)?, seconds: list(s, 59)? }
            }
            _ => return Err("expected minutes, hours:minutes or hours:minutes:seconds".into()),
        };
        Ok(p)
    }

    /// Whether there is any constraint at all.
    pub fn is_unrestricted(&self) -> bool {
        self.hours.is_none() && self.minutes.is_none() && self.seconds.is_none()
    }

    fn values(spec: &Option<Vec<u32>>, range: u32, default_zero: bool) -> Vec<u32> {
        match spec {
            Some(v) => v.clone(),
            None if default_zero => vec![0],
            None => (0..range).collect(),
        }
    }

    /// Whether a wall-clock time is permitted.
    pub fn allows(&self, t: &NaiveDateTime) -> bool {
        self.next_at_or_after(t) == Some(*t)
    }

    /// The first permitted time at or after `t`, within two days.
    pub fn next_at_or_after(&self, t: &NaiveDateTime) -> Option<NaiveDateTime> {
        if self.is_unrestricted() {
            return Some(*t);
        }
        // A constrained minute implies whole minutes unless seconds are
        // given; a constrained hour implies whole hours unless minutes are.
        let hours = Self::values(&self.hours, 24, false);
        let minutes =
            Self::values(&self.minutes, 60, self.hours.is_some() && self.minutes.is_none());
        let seconds = Self::values(&self.seconds, 60, self.seconds.is_none());
        for day in 0..=2 {
            let date = t.date() + Duration::days(day);
            for h in &hours {
                for m in &minutes {
                    for s in &seconds {
                        let cand = date.and_time(NaiveTime::from_hms_opt(*h, *m, *s)?);
                        if cand >= *t {
                            return Some(cand);
                        }
                    }
                }
            }
        }
        None
    }

    /// Corrects a period: start and end each move to the next permitted time
    /// (an end moved to before the corrected start is moved on again).
    pub fn correct(
        &self,
        start: &NaiveDateTime,
        end: &NaiveDateTime,
    ) -> Option<(NaiveDateTime, NaiveDateTime)> {
        let s = self.next_at_or_after(start)?;
        let mut e = self.next_at_or_after(end)?;
        if e <= s && end > start {
            e = self.next_at_or_after(&(s + Duration::seconds(1)))?;
        }
        Some((s, e))
    }

    /// Seconds since midnight of a time, for tests.
    pub fn second_of_day(t: &NaiveDateTime) -> u32 {
        t.num_seconds_from_midnight()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn quarter_hours() {
        let p = PermittedTimes::parse("0,15,30,45").unwrap();
        assert_eq!(p.next_at_or_after(&at("2027-01-01 10:07:00")), Some(at("2027-01-01 10:15:00")));
        assert_eq!(p.next_at_or_after(&at("2027-01-01 23:50:00")), Some(at("2027-01-02 00:00:00")));
        assert!(p.allows(&at("2027-01-01 10:30:00")));
        assert!(!p.allows(&at("2027-01-01 10:30:10")));
    }

    #[test]
    fn two_hour_handovers_carry_into_next_day() {
        let p = PermittedTimes::parse("8,10,12,14:0").unwrap();
        assert_eq!(
            p.correct(&at("2027-01-01 09:10:00"), &at("2027-01-01 11:00:00")),
            Some((at("2027-01-01 10:00:00"), at("2027-01-01 12:00:00")))
        );
        assert_eq!(p.next_at_or_after(&at("2027-01-01 15:00:00")), Some(at("2027-01-02 08:00:00")));
    }

    #[test]
    fn invalid_syntax() {
        assert!(PermittedTimes::parse("61").is_err());
        assert!(PermittedTimes::parse("a,b").is_err());
        assert!(PermittedTimes::parse("1:2:3:4").is_err());
        assert!(PermittedTimes::parse("").unwrap().is_unrestricted());
    }
}
