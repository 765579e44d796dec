//! Busy time derived from what is stored: after a plan is applied, the
//! user's own busy periods for each event it touched, and what the user
//! knows of other participants' busy time from it, are rebuilt from the
//! stored master and occurrences (so that they never depend on the order
//! in which messages changed them). Registers open-ended events as
//! free/busy providers. Performs I/O through the transaction only.

use super::{Env, prefs};
use crate::address::CalAddress;
use crate::config::prefs::Prefs;
use crate::error::InfraResult;
use crate::freebusy::{BusyPeriod, FbSet};
use crate::ical::{Instance, Object, PartStat, Transp, ZoneResolver};
use crate::itip::view::Stored;
use crate::recur::{ExpandParams, Expansion, expand};
use crate::store::{ReplyKind, StoreTx};
use std::collections::HashMap;

/// Which stored events count as a user's own busy time, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BusyRule {
    /// A person's (imip-agent 2.4, 3.1).
    Person,
    /// A resource's: every booking blocks.
    Resource,
}

impl BusyRule {
    /// The rule for a user kind as stored ("resource" or "person").
    pub fn for_kind(kind: &str) -> BusyRule {
        if kind == "resource" { BusyRule::Resource } else { BusyRule::Person }
    }

    /// Whether (and how) an event counts as `user`'s own busy time.
    pub fn of(self, o: &Object, user: &CalAddress) -> Option<Transp> {
        match self {
            BusyRule::Person => person_busy(o, user),
            BusyRule::Resource => resource_busy(o, user),
        }
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

/// Expands a stored or incoming event for a user.
pub fn expand_for(env: &Env<'_>, prefs: &Prefs, obj: &Object) -> (Expansion, ZoneResolver) {
    let zones = obj.zones(prefs.zone());
    let e = expand(obj, &zones, &expand_params(env, prefs));
    (e, zones)
}

/// Expansion parameters for a user's window.
pub fn expand_params(env: &Env<'_>, prefs: &Prefs) -> ExpandParams {
    env.expand_params(prefs.window_days())
}

/// Busy periods of one object: a master's occurrences minus those stored
/// separately (`exclude`), or an occurrence object's own period.
pub fn periods_of(
    env: &Env<'_>,
    prefs: &Prefs,
    obj: &Object,
    uid: &str,
    instance: &Instance,
    transp: Transp,
    exclude: &[String],
) -> (Vec<BusyPeriod>, Expansion) {
    let (e, _) = expand_for(env, prefs, obj);
    let summary = obj.summary().unwrap_or_default();
    let organizer = obj.organizer().map(|o| o.address.to_string()).unwrap_or_default();
    let excluded: std::collections::HashSet<&str> = exclude.iter().map(String::as_str).collect();
    let periods = match instance {
        Instance::Master => e
            .occurrences
            .iter()
            .filter(|o| !excluded.contains(o.rid.as_str()))
            .map(|o| (o.start, o.end, o.rid.clone()))
            .collect::<Vec<_>>(),
        Instance::Occurrence(rid) => {
            e.occurrences.iter().take(1).map(|o| (o.start, o.end, rid.clone())).collect()
        }
    };
    let periods = periods
        .into_iter()
        .map(|(start, end, rid)| BusyPeriod {
            start,
            end,
            uid: uid.to_string(),
            rid,
            transp,
            summary: summary.clone(),
            organizer: organizer.clone(),
            expires: None,
            attendee: String::new(),
        })
        .collect();
    (periods, e)
}

fn same_periods(a: &[BusyPeriod], b: &[BusyPeriod]) -> bool {
    let key = |p: &BusyPeriod| (p.start, p.end, p.rid.clone(), p.transp);
    let mut x: Vec<_> = a.iter().map(key).collect();
    let mut y: Vec<_> = b.iter().map(key).collect();
    x.sort();
    y.sort();
    x == y
}

fn load_all(tx: &dyn StoreTx, user: &str, uid: &str) -> InfraResult<Vec<Stored>> {
    let parse = |s: crate::store::StoredObject| {
        Object::from_stored(&s.text).map(|object| Stored {
            object,
            status: s.status,
            instance: s.instance,
        })
    };
    let mut all: Vec<Stored> =
        tx.object(user, uid, &Instance::Master)?.and_then(parse).into_iter().collect();
    all.extend(tx.occurrences(user, uid)?.into_iter().filter_map(parse));
    Ok(all)
}

/// Rebuilds a user's own busy periods for one UID from the stored master
/// and occurrences, and registers or unregisters the event as a free/busy
/// provider. With `others`, also rebuilds what the user knows of the other
/// participants' busy time from it: as organiser, each attendee who
/// answered (for that occurrence or the whole event) and takes part; as
/// attendee, the organiser when listed as taking part. Returns whether the user's own busy time changed.
pub fn rebuild(
    env: &Env<'_>,
    tx: &mut dyn StoreTx,
    user: &CalAddress,
    uid: &str,
    rule: BusyRule,
    others: bool,
) -> InfraResult<bool> {
    let u = user.as_str();
    let prefs = prefs::load(env, tx, u)?;
    let stored = load_all(tx, u, uid)?;
    let exclude: Vec<String> =
        stored.iter().filter_map(|s| s.instance.occurrence().map(str::to_string)).collect();
    let answered: Vec<(Instance, String)> = if others {
        tx.replies(u, uid)?
            .into_iter()
            .filter(|r| r.kind == ReplyKind::Reply)
            .map(|r| (r.instance, r.attendee))
            .collect()
    } else {
        Vec::new()
    };
    let mut own = Vec::new();
    let mut theirs: HashMap<String, Vec<BusyPeriod>> = HashMap::new();
    let mut provider = false;
    for s in stored.iter().filter(|s| s.is_active()) {
        let ex: &[String] = if s.instance.is_master() { &exclude } else { &[] };
        let mine = rule.of(&s.object, user);
        let takes_part = |a: &CalAddress| s.object.attendee(a).is_some_and(|p| p.participates());
        let mut counted: Vec<CalAddress> = Vec::new();
        if others && s.object.status().as_deref() != Some("CANCELLED") {
            let organiser = s.object.organizer().map(|o| o.address);
            if organiser.as_ref() == Some(user) {
                counted.extend(s.object.attendees().into_iter().map(|a| a.address).filter(|a| {
                    a != user
                        && takes_part(a)
                        && answered
                            .iter()
                            .any(|(i, x)| (*i == s.instance || i.is_master()) && x == a.as_str())
                }));
            } else if let Some(o) = organiser.filter(|o| o != user && takes_part(o)) {
                counted.push(o);
            }
        }
        if mine.is_none() && counted.is_empty() {
            continue;
        }
        let (periods, e) =
            periods_of(env, &prefs, &s.object, uid, &s.instance, s.object.transp(), ex);
        if let Some(transp) = mine {
            provider |= s.instance.is_master() && e.needs_extension();
            own.extend(periods.iter().cloned().map(|mut p| {
                p.transp = transp;
                p
            }));
        }
        for a in counted {
            theirs
                .entry(a.to_string())
                .or_default()
                .extend(periods.iter().filter(|p| p.transp != Transp::Transparent).cloned());
        }
    }
    own.sort_by_key(|a| a.start);
    let set = FbSet::Own(u.to_string());
    let before = tx.busy_for_uid(&set, uid, None)?;
    let changed = !same_periods(&before, &own);
    if changed {
        tx.remove_busy_for_uid(&set, uid, None)?;
        tx.add_busy(&set, &own)?;
    }
    if provider {
        tx.add_provider(u, uid)?;
    } else {
        tx.remove_provider(u, uid)?;
    }
    if others {
        let mut sets = tx.other_sets(u)?;
        sets.extend(theirs.keys().cloned());
        sets.sort();
        sets.dedup();
        for other in sets {
            let set = FbSet::Other { user: u.to_string(), other: other.clone() };
            let want = theirs.remove(&other).unwrap_or_default();
            let before = tx.busy_for_uid(&set, uid, None)?;
            if !same_periods(&before, &want) {
                tx.remove_busy_for_uid(&set, uid, None)?;
                tx.add_busy(&set, &want)?;
            }
        }
    }
    Ok(changed)
}

/// Extends every open-ended event of `owner` to its current window and
/// purges expired offers. Returns how many events were re-expanded.
pub fn extend_user(
    env: &Env<'_>,
    tx: &mut dyn StoreTx,
    owner: &str,
    kind: &str,
) -> InfraResult<usize> {
    let Some(addr) = CalAddress::parse(owner) else { return Ok(0) };
    let p = prefs::load(env, tx, owner)?;
    let rule = BusyRule::for_kind(kind);
    let mut n = 0;
    for uid in tx.providers(owner)? {
        rebuild(env, tx, &addr, &uid, rule, false)?;
        n += 1;
    }
    tx.set_provider_horizon(owner, env.clock.now() + chrono::Duration::days(p.window_days()))?;
    tx.purge_expired(&FbSet::Offers(owner.to_string()), env.clock.now())?;
    Ok(n)
}
