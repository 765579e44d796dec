//! Time: request deadlines (`time_limit`) and time triggers, for which the
//! facilitator acts as a built-in alarm (reference §9).
//!
//! Performs no I/O; the server calls [`Core::tick`] at
//! [`Core::next_deadline`]. Time conditions are
//! `time_expr(Start, End, recurrence(N, Unit))` where `Start` is `now`, a
//! classic `date(Y-1900, Month-1, D, H, Mi, S)` in UTC, or Unix seconds;
//! `End` is the same or unbound; `N` may be a float and `Unit` is one of
//! `seconds`, `minutes`, `hours`, `days`; `N = 0` means once.

use std::time::{Duration, Instant};

use super::core::Core;
use crate::icl::Term;
use crate::logic::trigger::matched_action;

/// A pending timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Timer {
    /// A request's time limit.
    Req(u64),
    /// A time trigger's next firing.
    Time(u64),
}

/// When a time trigger fires next.
#[derive(Clone, Copy, Debug)]
pub struct TimeSched {
    next: Instant,
    period: Option<Duration>,
    end: Option<Instant>,
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// algorithm); avoids a calendar dependency in this crate.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn unix_of(t: &Term) -> Option<f64> {
    match t {
        Term::Int(i) => Some(*i as f64),
        Term::Float(f) => Some(*f),
        Term::Struct(f, a) if f.as_str() == "date" && a.len() == 6 => {
            let n: Vec<i64> = a.iter().map(|x| x.as_int()).collect::<Option<_>>()?;
            let days = days_from_civil(n[0] + 1900, n[1] + 1, n[2]);
            Some((days * 86_400 + n[3] * 3600 + n[4] * 60 + n[5]) as f64)
        }
        _ => None,
    }
}

fn number(t: &Term) -> Option<f64> {
    match t {
        Term::Int(i) => Some(*i as f64),
        Term::Float(f) => Some(*f),
        _ => None,
    }
}

/// Reads a time condition into a schedule.
pub fn parse_time(cond: &Term, now: Instant, unix: f64) -> Option<TimeSched> {
    if !cond.is("time_expr", 3) {
        return None;
    }
    let a = cond.args();
    let at = |t: &Term| -> Option<Instant> {
        let u = unix_of(t)?;
        Some(if u <= unix { now } else { now + Duration::from_secs_f64((u - unix).min(1e9)) })
    };
    let next = if a[0].is_var() || a[0].is("now", 0) { now } else { at(&a[0])? };
    let end = at(&a[1]);
    let period = if a[2].is("recurrence", 2) {
        let n = number(&a[2].args()[0])?;
        let unit = match a[2].args()[1].as_atom().unwrap_or("seconds") {
            "minutes" | "minute" | "min" => 60.0,
            "hours" | "hour" | "h" => 3600.0,
            "days" | "day" | "d" => 86_400.0,
            _ => 1.0,
        };
        (n > 0.0).then(|| Duration::from_secs_f64((n * unit).min(1e9)))
    } else {
        None
    };
    Some(TimeSched { next, period, end })
}

impl Core {
    /// Schedules a newly installed time trigger; false if the condition is
    /// not understood.
    pub(super) fn schedule_time(&mut self, id: u64, cond: &Term) -> bool {
        let Some(mut s) = parse_time(cond, self.now, self.unix) else { return false };
        // The first firing of a recurring trigger is one period after now
        // when the start is now; a one-off fires at its start.
        if let Some(p) = s.period
            && s.next <= self.now
        {
            s.next = self.now + p;
        }
        self.time_sched.insert(id, s);
        self.timers.insert((s.next, Timer::Time(id)));
        true
    }

    /// Runs everything due at `self.now`.
    pub(super) fn run_timers(&mut self) {
        while let Some(&(at, timer)) = self.timers.first() {
            if at > self.now {
                break;
            }
            self.timers.pop_first();
            match timer {
                Timer::Req(id) => self.expire(id),
                Timer::Time(id) => self.fire_time(id),
            }
            self.drain();
        }
    }

    fn fire_time(&mut self, id: u64) {
        let Some(t) = self.triggers.triggers().iter().find(|t| t.id == id).cloned() else {
            self.time_sched.remove(&id);
            return;
        };
        let Some(mut s) = self.time_sched.get(&id).copied() else { return };
        if let Some(action) = matched_action(&t, &t.cond, &self.data) {
            let fired = vec![crate::logic::trigger::Fired { id, action, owner: t.owner.clone() }];
            self.run_actions(fired);
            if !self.triggers.count_firing(id) {
                self.time_sched.remove(&id);
                return;
            }
        }
        match s.period {
            Some(p) => {
                s.next += p;
                if s.end.is_some_and(|e| s.next > e) {
                    self.triggers.remove_id(id);
                    self.time_sched.remove(&id);
                } else {
                    self.time_sched.insert(id, s);
                    self.timers.insert((s.next, Timer::Time(id)));
                }
            }
            None => {
                self.triggers.remove_id(id);
                self.time_sched.remove(&id);
            }
        }
    }
}
