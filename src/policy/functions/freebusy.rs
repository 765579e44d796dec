//! `schedule_in_freebusy [capacity]`: accept when none of the booking's
//! occurrences would make more than `capacity` bookings overlap, counting
//! the resource's busy periods and its unexpired offers (imip-agent 6.2, with
//! the capacity argument working as documented: `schedule_in_freebusy 3` =
//! three concurrent bookings). Bookings of a resource always block, whatever
//! their TRANSP (the room is used even if the organiser shows as free).

use super::{SchedulingFunction, misconfigured};
use crate::address::CalAddress;
use crate::error::InfraResult;
use crate::freebusy::{BusyPeriod, Concurrency, FbSet};
use crate::i18n::{Reason, Text};
use crate::policy::{Booking, PolicyView, Step, Verdict};
use chrono::{DateTime, Utc};

pub(crate) struct ScheduleInFreebusy;

/// Parses the optional capacity argument.
pub(crate) fn capacity(args: &[String]) -> Result<usize, String> {
    match args.first() {
        None => Ok(1),
        Some(a) => a
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| format!("capacity {a:?} is not a positive number")),
    }
}

/// The occurrences of a booking that would exceed the capacity.
#[derive(Debug, Clone, Default)]
pub(crate) struct Conflicts {
    /// Their RECURRENCE-ID keys, in the booking's order.
    pub rids: Vec<String>,
    /// The UID of one booking the first of them conflicts with.
    pub first_with: String,
}

impl Conflicts {
    /// Whether no occurrence conflicts.
    pub fn is_empty(&self) -> bool {
        self.rids.is_empty()
    }

    /// How many occurrences conflict.
    pub fn len(&self) -> usize {
        self.rids.len()
    }
}

/// The reason a reply states for conflicts: how many, and when the first is.
pub(crate) fn conflicts_reason(b: &Booking, conflicts: &Conflicts) -> Reason {
    let first = conflicts
        .rids
        .first()
        .and_then(|rid| b.occurrences.iter().find(|o| o.rid == *rid))
        .map(|o| o.start);
    Reason::Conflicts { conflicting: conflicts.len(), total: b.occurrences.len(), first }
}

/// A resource's bookings and its live (unexpired at `now`) offers
/// overlapping [s, e].
pub(crate) fn bookings_and_offers(
    view: &dyn PolicyView,
    who: &CalAddress,
    s: DateTime<Utc>,
    e: DateTime<Utc>,
    now: DateTime<Utc>,
) -> InfraResult<Vec<BusyPeriod>> {
    let mut periods = view.busy(&FbSet::Own(who.to_string()), s, e)?;
    periods.extend(
        view.busy(&FbSet::Offers(who.to_string()), s, e)?
            .into_iter()
            .filter(|p| p.expires.is_none_or(|x| x > now)),
    );
    Ok(periods)
}

/// The occurrences that would exceed `cap` concurrent bookings. The
/// others' concurrency is indexed once ([`Concurrency`]), so the check is
/// O((n + m) log m) for n occurrences and m stored periods.
pub(crate) fn conflicting(
    b: &Booking,
    view: &dyn PolicyView,
    cap: usize,
) -> InfraResult<Conflicts> {
    let Some((s, e)) = b.span() else { return Ok(Conflicts::default()) };
    let mut others = bookings_and_offers(view, &b.resource, s, e, b.now)?;
    others.retain(|p| !b.is_self(&p.uid, &p.rid));
    let busy = Concurrency::new(&others);
    let mut out = Conflicts::default();
    for o in &b.occurrences {
        if busy.max_within(&o.start, &o.end) + 1 > cap {
            if out.rids.is_empty() {
                // Named in the log: the first stored period it overlaps.
                out.first_with = others
                    .iter()
                    .find(|p| p.overlaps(&o.start, &o.end))
                    .map(|p| p.uid.clone())
                    .unwrap_or_default();
            }
            out.rids.push(o.rid.clone());
        }
    }
    Ok(out)
}

impl SchedulingFunction for ScheduleInFreebusy {
    fn evaluate(
        &self,
        args: &[String],
        b: &mut Booking,
        view: &dyn PolicyView,
    ) -> InfraResult<Step> {
        let cap = match capacity(args) {
            Ok(c) => c,
            Err(e) => return Ok(misconfigured(e)),
        };
        if b.occurrences.is_empty() {
            return Ok(Step::new(Verdict::Decline, Text::InvalidRequest, "no period to schedule"));
        }
        let conflicts = conflicting(b, view, cap)?;
        Ok(match conflicts.rids.first() {
            None => Step::new(Verdict::Accept, Text::Scheduled, format!("free (capacity {cap})")),
            Some(rid) => Step::new(
                Verdict::Decline,
                Text::Unavailable,
                format!(
                    "{} of {} occurrence(s) conflict, first at {rid} with {} (capacity {cap})",
                    conflicts.len(),
                    b.occurrences.len(),
                    conflicts.first_with
                ),
            )
            .because(conflicts_reason(b, &conflicts)),
        })
    }
}
