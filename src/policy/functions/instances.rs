//! `schedule_instances_in_freebusy [capacity] [max-conflicts] [max-share%]`:
//! for recurring requests, accept the series and decline only the
//! conflicting occurrences (the reply carries a DECLINED override per
//! occurrence), unless more than `max-conflicts` occurrences (default: no
//! limit) or more than `max-share` percent of them (default 50%) conflict,
//! in which case the whole series is declined. After Exchange's
//! MaximumConflictInstances and ConflictPercentageAllowed.

use super::freebusy::{capacity, conflicting, conflicts_reason};
use super::{SchedulingFunction, misconfigured, no_period};
use crate::error::InfraResult;
use crate::i18n::{Reason, Text};
use crate::policy::{Booking, PolicyView, Step, Verdict};

pub(crate) struct Instances;

/// The arguments: capacity, the most conflicting occurrences allowed
/// (`None`: no limit) and the largest conflicting share in percent.
fn limits(args: &[String]) -> Result<(usize, Option<usize>, f64), String> {
    let cap = capacity(args)?;
    let max_n = match args.get(1).map(String::as_str) {
        None | Some("*") => None,
        Some(x) => Some(x.parse().map_err(|_| format!("{x:?} is not a number"))?),
    };
    let max_share = match args.get(2).map(|s| s.trim_end_matches('%')) {
        None => 50.0,
        Some(x) => x
            .parse::<f64>()
            .ok()
            .filter(|p| (0.0..=100.0).contains(p))
            .ok_or_else(|| format!("{x:?} is not a percentage"))?,
    };
    Ok((cap, max_n, max_share))
}

impl SchedulingFunction for Instances {
    fn evaluate(
        &self,
        args: &[String],
        b: &mut Booking,
        view: &dyn PolicyView,
    ) -> InfraResult<Step> {
        let (cap, max_n, max_share) = match limits(args) {
            Ok(l) => l,
            Err(e) => return Ok(misconfigured(e)),
        };
        if b.occurrences.is_empty() {
            return Ok(no_period());
        }
        let conflicts = conflicting(b, view, cap)?;
        let total = b.occurrences.len();
        if conflicts.is_empty() {
            return Ok(Step::new(
                Verdict::Accept,
                Text::Scheduled,
                format!("all {total} occurrence(s) free"),
            ));
        }
        let share = conflicts.len() as f64 * 100.0 / total as f64;
        if total == 1 || max_n.is_some_and(|m| conflicts.len() > m) || share > max_share {
            return Ok(Step::new(
                Verdict::Decline,
                Text::Unavailable,
                format!("{} of {total} occurrence(s) conflict", conflicts.len()),
            )
            .because(conflicts_reason(b, &conflicts)));
        }
        let rids: Vec<String> = conflicts.rids;
        Ok(Step::new(
            Verdict::AcceptExcept(rids.clone()),
            Text::SomeOccurrencesDeclined,
            format!("{} of {total} occurrence(s) declined: {}", rids.len(), rids.join(", ")),
        )
        .because(Reason::OccurrencesDeclined { declined: rids.len(), total }))
    }
}
