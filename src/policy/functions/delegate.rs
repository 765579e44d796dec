//! Delegation (imip-agent 6.2) and pools: `schedule_for_delegate [quota
//! [available|most-available]]` books the resource itself or hands the
//! request to a free delegate of the quota; `schedule_in_pool
//! [available|most-available]` makes an address stand for interchangeable
//! members (configured with `imip_admin pool`), always handing the request
//! to a member. A resource that received a request as a delegate may not
//! delegate it again.

use super::freebusy::bookings_and_offers;
use super::quota::{charge, check, quota_name, release};
use super::{SchedulingFunction, misconfigured};
use crate::address::CalAddress;
use crate::error::InfraResult;
use crate::freebusy::Concurrency;
use crate::i18n::Text;
use crate::policy::quota::delegates;
use crate::policy::{Booking, Cancellation, Effect, PolicyView, Step, Verdict};

pub(crate) struct ForDelegate;
pub(crate) struct InPool;

/// The record namespace of pools.
pub const POOL_NS: &str = "pool";

/// Key of a pool member.
pub fn member_key(pool: &str, member: &str) -> String {
    format!("member\u{1f}{pool}\u{1f}{member}")
}

/// The members of a pool, sorted.
pub fn members(view: &dyn PolicyView, pool: &str) -> InfraResult<Vec<CalAddress>> {
    // The key of a member without the member: the prefix of all of them.
    let prefix = member_key(pool, "");
    Ok(view
        .kv_list(POOL_NS, &prefix)?
        .into_iter()
        .filter_map(|(k, _)| k.strip_prefix(&prefix).and_then(CalAddress::parse))
        .collect())
}

/// How many of the booking's occurrences conflict with a candidate's
/// bookings and live offers.
fn conflicts(b: &Booking, view: &dyn PolicyView, who: &CalAddress) -> InfraResult<usize> {
    let Some((s, e)) = b.span() else { return Ok(0) };
    let mut periods = bookings_and_offers(view, who, s, e, b.now)?;
    periods.retain(|p| p.uid != b.uid);
    let busy = Concurrency::new(&periods);
    Ok(b.occurrences.iter().filter(|o| busy.max_within(&o.start, &o.end) > 0).count())
}

/// Chooses among candidates: `available` takes the first completely free
/// one, `most-available` the one with the fewest conflicts.
fn choose(
    b: &Booking,
    view: &dyn PolicyView,
    candidates: &[CalAddress],
    most: bool,
) -> InfraResult<Option<(CalAddress, usize)>> {
    let mut best: Option<(CalAddress, usize)> = None;
    for c in candidates {
        let n = conflicts(b, view, c)?;
        if !most && n == 0 {
            return Ok(Some((c.clone(), 0)));
        }
        if most && best.as_ref().is_none_or(|(_, bn)| n < *bn) {
            best = Some((c.clone(), n));
        }
    }
    Ok(if most { best } else { None })
}

fn policy_of(arg: Option<&String>) -> Result<bool, String> {
    match arg.map(String::as_str) {
        None | Some("available") => Ok(false),
        Some("most-available") => Ok(true),
        Some(other) => Err(format!("unknown delegation policy {other:?}")),
    }
}

fn decide(b: &Booking, chosen: Option<(CalAddress, usize)>, label: &str) -> Step {
    match chosen {
        Some((who, 0)) if who == b.resource => {
            Step::new(Verdict::Accept, Text::Scheduled, format!("free ({label})"))
        }
        Some((who, n)) if who != b.resource => Step::new(
            Verdict::Delegate(who.clone()),
            Text::DelegatedPeriod,
            format!("delegated to {who}, {n} conflict(s) ({label})"),
        ),
        _ => Step::new(
            Verdict::Decline,
            Text::Unavailable,
            format!("no candidate is free ({label})"),
        ),
    }
}

impl SchedulingFunction for ForDelegate {
    fn evaluate(
        &self,
        args: &[String],
        b: &mut Booking,
        view: &dyn PolicyView,
    ) -> InfraResult<Step> {
        let most = match policy_of(args.get(1)) {
            Ok(m) => m,
            Err(e) => return Ok(misconfigured(e)),
        };
        let quota = check(args, b, view)?;
        if quota.verdict != Verdict::Accept {
            return Ok(quota);
        }
        let mut candidates = vec![b.resource.clone()];
        if !b.is_delegate {
            let q = quota_name(args, b.resource.as_str());
            candidates.extend(
                delegates(view, &q)?
                    .into_iter()
                    .filter(|d| *d != b.resource && !b.object.has_attendee(d)),
            );
        }
        let chosen = choose(b, view, &candidates, most)?;
        Ok(decide(b, chosen, if most { "most-available" } else { "available" }))
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
}

impl SchedulingFunction for InPool {
    fn evaluate(
        &self,
        args: &[String],
        b: &mut Booking,
        view: &dyn PolicyView,
    ) -> InfraResult<Step> {
        let most = match policy_of(args.first()) {
            Ok(m) => m,
            Err(e) => return Ok(misconfigured(e)),
        };
        let all = members(view, b.resource.as_str())?;
        if all.is_empty() {
            return Ok(misconfigured(format!("pool {} has no members", b.resource)));
        }
        let candidates: Vec<CalAddress> =
            all.into_iter().filter(|m| !b.object.has_attendee(m)).collect();
        if candidates.is_empty() {
            return Ok(Step::new(
                Verdict::Decline,
                Text::Unavailable,
                "every member already attends",
            ));
        }
        let chosen = choose(b, view, &candidates, most)?;
        Ok(decide(b, chosen, if most { "pool, most-available" } else { "pool, available" }))
    }
}
