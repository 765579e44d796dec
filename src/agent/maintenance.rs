//! Periodic work: extending open-ended recurrences ("free/busy providers",
//! the job imip-agent's `make_freebusy` cron did) and purging expired
//! offers. Performs I/O through the transaction only.

use super::common::rebuild_busy;
use super::{Env, prefs};
use crate::address::CalAddress;
use crate::error::InfraResult;
use crate::freebusy::FbSet;
use crate::ical::{Object, PartStat, Transp};
use crate::store::StoreTx;

/// Whether (and how) a stored event counts as a user's busy time.
pub type BusyRule<'a> = Box<dyn Fn(&Object) -> Option<Transp> + 'a>;

/// Which stored events count as a user's own busy time.
pub fn busy_rule<'a>(kind: &str, user: &'a CalAddress) -> BusyRule<'a> {
    if kind == "resource" {
        Box::new(move |o: &Object| resource_busy(o, user))
    } else {
        Box::new(move |o: &Object| person_busy(o, user))
    }
}

/// A resource's own busy time for an event: booked (opaque) while it has
/// accepted, or accepted tentatively pending approval.
pub fn resource_busy(o: &Object, user: &CalAddress) -> Option<Transp> {
    match o.attendee(user).and_then(|a| a.partstat) {
        Some(PartStat::Accepted) | Some(PartStat::Tentative) => Some(Transp::Opaque),
        _ => None,
    }
}

/// A person's own busy time for an event (imip-agent 2.4, 3.1): as
/// organiser, the event's periods with transparency ORG when the organiser
/// does not attend; as an attendee, only while participating.
pub fn person_busy(o: &Object, user: &CalAddress) -> Option<Transp> {
    let transp = o.transp();
    let me = o.attendee(user);
    if o.organizer().is_some_and(|org| org.address == *user) {
        return Some(match me {
            Some(a) if a.participates() => transp,
            _ => Transp::Org,
        });
    }
    match me {
        Some(a) if a.participates() => Some(transp),
        _ => None,
    }
}

/// Extends every open-ended event of `owner` to its current window.
/// Returns how many events were re-expanded.
pub fn extend_user(
    env: &Env<'_>,
    tx: &mut dyn StoreTx,
    owner: &str,
    kind: &str,
) -> InfraResult<usize> {
    let Some(addr) = CalAddress::parse(owner) else { return Ok(0) };
    let p = prefs::load(env, tx, owner)?;
    let rule = busy_rule(kind, &addr);
    let mut n = 0;
    for (uid, _) in tx.providers(owner)? {
        rebuild_busy(env, tx, owner, &FbSet::Own(owner.to_string()), &uid, &p, rule.as_ref())?;
        n += 1;
    }
    tx.set_provider_horizon(owner, env.clock.now() + chrono::Duration::days(p.window_days()))?;
    tx.purge_expired(&FbSet::Offers(owner.to_string()), env.clock.now())?;
    Ok(n)
}
