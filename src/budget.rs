//! The work budget of one message (issue 12): how many calendar components
//! and calendar lines (with list values) it may hold, how many modified
//! occurrences (RECURRENCE-ID objects) one
//! series may carry, how many occurrences its events may expand to, and how
//! many candidate times one step of a recurrence rule may generate. Each
//! limit keeps the CPU time and memory spent on one message bounded,
//! whatever it contains; a message over budget is not acted on (people
//! still receive it).
//!
//! `mail::items` charges components, lines, overrides and rule candidates
//! while extracting a message's items and hands the budget on in
//! `ItemsOutcome::budget`; the agents charge the occurrences they expand
//! against it, per recipient:
//!
//! ```text
//! let mut budget = items.budget.clone();
//! let mut params = env.expand_params(days);
//! params.max_occurrences = params.max_occurrences.min(budget.occurrences_left().max(1));
//! let e = expand(obj, &zones, &params);
//! if let Err(too_costly) = budget.charge_occurrences(e.occurrences.len()) {
//!     out.log(format!("{what} {label} not acted on: {too_costly}"));
//!     continue;
//! }
//! ```
//!
//! Pure: no I/O.

use std::collections::HashMap;
use std::fmt;

/// The limits of one message's budget (`[limits]` in the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetLimits {
    /// Calendar components (every BEGIN, VCALENDAR included) per message.
    pub components: usize,
    /// Calendar content lines plus list values (each date of an EXDATE
    /// list…) per message.
    pub values: usize,
    /// RECURRENCE-ID objects per UID per message.
    pub overrides_per_master: usize,
    /// Occurrences expanded per message, over all its events.
    pub occurrences: usize,
    /// Candidate times one expansion step of one RRULE may generate.
    pub rule_candidates: u64,
}

impl Default for BudgetLimits {
    fn default() -> Self {
        BudgetLimits {
            components: 10_000,
            values: 50_000,
            overrides_per_master: 1_000,
            occurrences: 5_000,
            rule_candidates: 10_000,
        }
    }
}

/// What was counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// Calendar components in the message.
    Components,
    /// Calendar lines and list values in the message.
    Values,
    /// Properties copied to split one calendar into its objects.
    Copies,
    /// Modified occurrences of one series (its UID).
    Overrides,
    /// Expanded occurrences.
    Occurrences,
    /// Candidate times in one step of a recurrence rule.
    RuleCandidates,
}

impl fmt::Display for Work {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Work::Components => "calendar components",
            Work::Values => "calendar lines and list values",
            Work::Copies => "properties copied to split a calendar into its objects",
            Work::Overrides => "modified occurrences of one event",
            Work::Occurrences => "occurrences",
            Work::RuleCandidates => "candidate times in one step of a recurrence rule",
        })
    }
}

/// A budget exceeded: what, how much was asked for, and the limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooCostly {
    /// What was counted.
    pub what: Work,
    /// How much the message asked for (at least; counting may stop early).
    pub amount: u64,
    /// The limit.
    pub limit: u64,
}

impl fmt::Display for TooCostly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "too costly ({}: {}, limit {})", self.what, self.amount, self.limit)
    }
}

impl std::error::Error for TooCostly {}

/// What one message has spent so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Budget {
    limits: BudgetLimits,
    components: usize,
    values: usize,
    occurrences: usize,
    overrides: HashMap<String, usize>,
}

fn over(what: Work, amount: usize, limit: usize) -> TooCostly {
    TooCostly { what, amount: amount as u64, limit: limit as u64 }
}

impl Budget {
    /// A fresh budget.
    pub fn new(limits: BudgetLimits) -> Self {
        Budget { limits, ..Budget::default() }
    }

    /// The limits.
    pub fn limits(&self) -> BudgetLimits {
        self.limits
    }

    /// How many more components may be read.
    pub fn components_left(&self) -> usize {
        self.limits.components.saturating_sub(self.components)
    }

    /// Charges `n` components.
    pub fn charge_components(&mut self, n: usize) -> Result<(), TooCostly> {
        self.components = self.components.saturating_add(n);
        match self.components > self.limits.components {
            true => Err(over(Work::Components, self.components, self.limits.components)),
            false => Ok(()),
        }
    }

    /// How many more lines and list values may be read.
    pub fn values_left(&self) -> usize {
        self.limits.values.saturating_sub(self.values)
    }

    /// Charges `n` lines and list values.
    pub fn charge_values(&mut self, n: usize) -> Result<(), TooCostly> {
        self.values = self.values.saturating_add(n);
        match self.values > self.limits.values {
            true => Err(over(Work::Values, self.values, self.limits.values)),
            false => Ok(()),
        }
    }

    /// Charges one modified occurrence of the series `uid`.
    pub fn charge_override(&mut self, uid: &str) -> Result<(), TooCostly> {
        let limit = self.limits.overrides_per_master;
        let n = match self.overrides.get_mut(uid) {
            Some(n) => {
                *n = n.saturating_add(1);
                *n
            }
            None => {
                self.overrides.insert(uid.to_string(), 1);
                1
            }
        };
        match n > limit {
            true => Err(over(Work::Overrides, n, limit)),
            false => Ok(()),
        }
    }

    /// Charges `n` expanded occurrences.
    pub fn charge_occurrences(&mut self, n: usize) -> Result<(), TooCostly> {
        self.occurrences = self.occurrences.saturating_add(n);
        match self.occurrences > self.limits.occurrences {
            true => Err(over(Work::Occurrences, self.occurrences, self.limits.occurrences)),
            false => Ok(()),
        }
    }

    /// How many more occurrences may be expanded: the cap to give the next
    /// expansion (`ExpandParams::max_occurrences`), so that it stops there
    /// instead of expanding what would be refused.
    pub fn occurrences_left(&self) -> usize {
        self.limits.occurrences.saturating_sub(self.occurrences)
    }

    /// Checks the candidate times one step of a rule generates (see
    /// `recur::candidates_per_step`); not cumulative.
    pub fn check_rule_candidates(&self, n: u64) -> Result<(), TooCostly> {
        match n > self.limits.rule_candidates {
            true => Err(TooCostly {
                what: Work::RuleCandidates,
                amount: n,
                limit: self.limits.rule_candidates,
            }),
            false => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn small() -> Budget {
        Budget::new(BudgetLimits {
            components: 3,
            values: 20,
            overrides_per_master: 2,
            occurrences: 10,
            rule_candidates: 100,
        })
    }

    #[test]
    fn components_are_counted_up_to_the_limit() {
        let mut b = small();
        assert!(b.charge_components(2).is_ok());
        assert!(b.charge_components(1).is_ok());
        let e = b.charge_components(2).unwrap_err();
        assert_eq!(e, TooCostly { what: Work::Components, amount: 5, limit: 3 });
        assert_eq!(e.to_string(), "too costly (calendar components: 5, limit 3)");
    }

    #[test]
    fn values_are_counted_up_to_the_limit() {
        let mut b = small();
        assert!(b.charge_values(20).is_ok());
        assert_eq!(b.values_left(), 0);
        let e = b.charge_values(1).unwrap_err();
        assert_eq!((e.what, e.amount, e.limit), (Work::Values, 21, 20));
    }

    #[test]
    fn overrides_are_counted_per_series() {
        let mut b = small();
        assert!(b.charge_override("a").is_ok());
        assert!(b.charge_override("a").is_ok());
        assert!(b.charge_override("b").is_ok());
        let e = b.charge_override("a").unwrap_err();
        assert_eq!((e.what, e.amount, e.limit), (Work::Overrides, 3, 2));
    }

    #[test]
    fn occurrences_are_counted_across_events() {
        let mut b = small();
        assert!(b.charge_occurrences(6).is_ok());
        assert_eq!(b.occurrences_left(), 4);
        assert!(b.charge_occurrences(4).is_ok());
        assert_eq!(b.occurrences_left(), 0);
        assert_eq!(b.charge_occurrences(1).unwrap_err().amount, 11);
        assert_eq!(b.occurrences_left(), 0);
        assert!(b.charge_occurrences(usize::MAX).is_err(), "saturates, never wraps");
    }

    #[test]
    fn rule_candidates_are_checked_per_rule() {
        let b = small();
        assert!(b.check_rule_candidates(100).is_ok());
        assert!(b.check_rule_candidates(100).is_ok(), "not cumulative");
        let e = b.check_rule_candidates(31_622_400).unwrap_err();
        assert_eq!((e.what, e.amount, e.limit), (Work::RuleCandidates, 31_622_400, 100));
    }
}
