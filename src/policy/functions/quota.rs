//! Quotas (imip-agent 6.2): `check_quota [quota]` charges bookings to the
//! organiser's group against a limit; `schedule_across_quota [quota]`
//! refuses a second overlapping booking by the same organiser among the
//! resources sharing a quota. Reservations are kept in the store's quota
//! journals, released on cancellation and expired by `imip_admin quota
//! expire` as time passes.

use super::{SchedulingFunction, no_period};
use crate::address::CalAddress;
use crate::error::InfraResult;
use crate::freebusy::{BusyPeriod, Concurrency, FbSet};
use crate::i18n::{Reason, Text};
use crate::policy::quota::{Limit, group_of, limit_of};
use crate::policy::{Booking, Cancellation, Effect, PolicyView, Step, Verdict};
use chrono::Duration;

pub(crate) struct CheckQuota;
pub(crate) struct AcrossQuota;

/// The quota named by the first argument, else the resource's own.
pub(crate) fn quota_name(args: &[String], b_resource: &str) -> String {
    args.first().cloned().unwrap_or_else(|| b_resource.to_string())
}

fn fmt_duration(d: Duration) -> String {
    let m = d.num_minutes();
    format!("PT{}H{}M", m / 60, m % 60)
}

/// The check_quota decision, shared with schedule_for_delegate.
pub(crate) fn check(args: &[String], b: &Booking, view: &dyn PolicyView) -> InfraResult<Step> {
    let quota = quota_name(args, b.resource.as_str());
    let group = group_of(view, &quota, &b.organizer)?;
    let Some(limit) = limit_of(view, &quota, &group)? else {
        return Ok(Step::new(
            Verdict::Decline,
            Text::NoQuota,
            format!("no limit for {group} in quota {quota}"),
        ));
    };
    let Limit::Duration(limit) = limit else {
        return Ok(Step::new(
            Verdict::Accept,
            Text::Scheduled,
            format!("unlimited quota for {group}"),
        ));
    };
    if b.open_ended {
        return Ok(Step::new(
            Verdict::Decline,
            Text::QuotaExceeded,
            "an event recurring without end cannot be charged to a quota",
        ));
    }
    let used = view
        .busy_all(&FbSet::Journal { quota: quota.clone(), group: group.clone() })?
        .iter()
        .filter(|p| !(p.uid == b.uid && p.attendee == b.resource.as_str()))
        .fold(Duration::zero(), |acc, p| acc + (p.end - p.start));
    let need = b.total_duration();
    if need > limit - used {
        return Ok(Step::new(
            Verdict::Decline,
            Text::QuotaExceeded,
            format!(
                "{} needed, {} of {} used by {group} in quota {quota}",
                fmt_duration(need),
                fmt_duration(used),
                fmt_duration(limit)
            ),
        )
        .because(Reason::QuotaExceeded {
            needed: fmt_duration(need),
            used: fmt_duration(used),
            limit: fmt_duration(limit),
        }));
    }
    Ok(Step::new(
        Verdict::Accept,
        Text::Scheduled,
        format!(
            "{} of {} used by {group} in quota {quota}",
            fmt_duration(used + need),
            fmt_duration(limit)
        ),
    ))
}

/// Journal rows for a booking.
fn rows(b: &Booking) -> Vec<BusyPeriod> {
    b.occurrences
        .iter()
        .map(|o| {
            let mut p = BusyPeriod::new(o.start, o.end, &b.uid, &o.rid);
            p.attendee = b.resource.to_string();
            p.organizer = b.organizer.to_string();
            p.summary = b.object.summary().unwrap_or_default();
            p
        })
        .collect()
}

/// Effects replacing what a journal holds of the booking for this resource
/// (a re-sent request is charged once) with its current rows.
fn record(set: FbSet, b: &Booking) -> Vec<Effect> {
    vec![
        Effect::RemoveBusyOf(set.clone(), b.uid.clone(), b.resource.to_string()),
        Effect::AddBusy(set, rows(b)),
    ]
}

/// Effects removing what a journal holds of a cancelled booking for this
/// resource, leaving other resources' entries.
fn unrecord(set: FbSet, c: &Cancellation) -> Vec<Effect> {
    vec![Effect::RemoveBusyOf(set, c.uid.clone(), c.resource.to_string())]
}

/// The check_quota journal an organiser's bookings of a resource are charged to.
fn journal(
    args: &[String],
    resource: &CalAddress,
    organiser: &CalAddress,
    view: &dyn PolicyView,
) -> InfraResult<FbSet> {
    let quota = quota_name(args, resource.as_str());
    let group = group_of(view, &quota, organiser)?;
    Ok(FbSet::Journal { quota, group })
}

/// The schedule_across_quota record of an organiser's bookings.
fn collective(args: &[String], resource: &CalAddress, organiser: &CalAddress) -> FbSet {
    FbSet::Collective {
        quota: quota_name(args, resource.as_str()),
        organiser: organiser.to_string(),
    }
}

/// Confirmation effects of check_quota: charge the booking to the group.
pub(crate) fn charge(
    args: &[String],
    b: &Booking,
    view: &dyn PolicyView,
) -> InfraResult<Vec<Effect>> {
    Ok(record(journal(args, &b.resource, &b.organizer, view)?, b))
}

/// Retraction effects of check_quota: release the charge.
pub(crate) fn release(
    args: &[String],
    c: &Cancellation,
    view: &dyn PolicyView,
) -> InfraResult<Vec<Effect>> {
    Ok(unrecord(journal(args, &c.resource, &c.organizer, view)?, c))
}

impl SchedulingFunction for CheckQuota {
    fn evaluate(
        &self,
        args: &[String],
        b: &mut Booking,
        view: &dyn PolicyView,
    ) -> InfraResult<Step> {
        check(args, b, view)
    }
    fn confirm(
        &self,
        args: &[String],
        b: &Booking,
        view: &dyn PolicyView,
    ) -> InfraResult<Vec<Effect>> {
        charge(args, b, view)
    }
    fn retract(
        &self,
        args: &[String],
        c: &Cancellation,
        view: &dyn PolicyView,
    ) -> InfraResult<Vec<Effect>> {
        release(args, c, view)
    }
    fn is_policy_limit(&self) -> bool {
        true
    }
}

impl SchedulingFunction for AcrossQuota {
    fn evaluate(
        &self,
        args: &[String],
        b: &mut Booking,
        view: &dyn PolicyView,
    ) -> InfraResult<Step> {
        let quota = quota_name(args, b.resource.as_str());
        let set = collective(args, &b.resource, &b.organizer);
        let Some((s, e)) = b.span() else {
            return Ok(no_period());
        };
        let others: Vec<BusyPeriod> =
            view.busy(&set, s, e)?.into_iter().filter(|p| p.uid != b.uid).collect();
        let busy = Concurrency::new(&others);
        let clash = b
            .occurrences
            .iter()
            .find(|o| busy.max_within(&o.start, &o.end) > 0)
            .and_then(|o| others.iter().find(|p| p.overlaps(&o.start, &o.end)));
        Ok(match clash {
            Some(p) => Step::new(
                Verdict::Decline,
                Text::Unavailable,
                format!(
                    "{} already holds {} at that time (quota {quota})",
                    b.organizer, p.attendee
                ),
            ),
            None => Step::new(
                Verdict::Accept,
                Text::Scheduled,
                format!("no other booking by {} in quota {quota}", b.organizer),
            ),
        })
    }
    fn confirm(
        &self,
        args: &[String],
        b: &Booking,
        _view: &dyn PolicyView,
    ) -> InfraResult<Vec<Effect>> {
        Ok(record(collective(args, &b.resource, &b.organizer), b))
    }
    fn retract(
        &self,
        args: &[String],
        c: &Cancellation,
        _view: &dyn PolicyView,
    ) -> InfraResult<Vec<Effect>> {
        Ok(unrecord(collective(args, &c.resource, &c.organizer), c))
    }
}
