//! Event operations shared by the person agents: recording what a user
//! knows of other participants' busy time, merging attendance from replies,
//! separating one occurrence from its series, and cancelling (which the
//! resource agent uses too). Performs I/O through the transaction only.

use super::Env;
use super::common::{
    Stored, expand_for, load, load_recurrences, only_rid, periods_of, store_event,
};
use crate::address::CalAddress;
use crate::config::prefs::Prefs;
use crate::error::InfraResult;
use crate::freebusy::FbSet;
use crate::ical::datetime::parse_rid_key;
use crate::ical::{DateTimeValue, Object, Participant, Property, Transp};
use crate::store::{ObjectStatus, StoreTx, StoredObject};

#[allow(clippy::too_many_arguments)]
/// Records (or removes) another participant's busy time for an event in
/// the user's records: present only while that participant takes part.
pub fn record_other_busy(
    env: &Env<'_>,
    tx: &mut dyn StoreTx,
    user: &str,
    prefs: &Prefs,
    other: &CalAddress,
    obj: &Object,
    uid: &str,
    rid: &str,
) -> InfraResult<()> {
    if other.as_str() == user {
        return Ok(());
    }
    let set = FbSet::Other { user: user.to_string(), other: other.to_string() };
    tx.remove_busy_for_uid(&set, uid, only_rid(rid))?;
    let participates = obj.attendee(other).is_some_and(|a| a.participates());
    if participates && obj.status().as_deref() != Some("CANCELLED") {
        let exclude: Vec<String> = if rid.is_empty() {
            load_recurrences(tx, user, uid)?.into_iter().map(|r| r.rid).collect()
        } else {
            Vec::new()
        };
        let (periods, _) = periods_of(env, prefs, obj, uid, rid, obj.transp(), &exclude);
        let periods: Vec<_> =
            periods.into_iter().filter(|p| p.transp != Transp::Transparent).collect();
        tx.add_busy(&set, &periods)?;
    }
    Ok(())
}

/// Removes everything the user holds of other participants' busy time for
/// an event (or one occurrence).
pub fn remove_others_busy(
    tx: &mut dyn StoreTx,
    user: &str,
    uid: &str,
    rid: &str,
    only: Option<&[CalAddress]>,
) -> InfraResult<()> {
    for other in tx.other_sets(user)? {
        if only.is_some_and(|o| !o.iter().any(|a| a.as_str() == other)) {
            continue;
        }
        let set = FbSet::Other { user: user.to_string(), other };
        tx.remove_busy_for_uid(&set, uid, only_rid(rid))?;
    }
    Ok(())
}

/// Attendees of a reply that may be merged into the stored event: those
/// already listed, plus new attendees properly delegated to by one of them
/// (DELEGATED-TO on the delegator and DELEGATED-FROM on the delegate agree).
pub fn mergeable_attendees(
    stored: &Object,
    reply: &Object,
    from: &[Participant],
) -> Vec<CalAddress> {
    let mut out: Vec<CalAddress> = Vec::new();
    for a in from {
        if stored.has_attendee(&a.address) && !out.contains(&a.address) {
            out.push(a.address.clone());
        }
        for d in &a.delegated_to {
            let ok = reply.attendee(d).is_some_and(|p| p.delegated_from.contains(&a.address));
            if ok && !out.contains(d) {
                out.push(d.clone());
            }
        }
    }
    out
}

/// Merges the given attendees' properties from `reply` into `stored`.
pub fn merge_attendance(stored: &mut Object, reply: &Object, who: &[CalAddress]) {
    for a in who {
        stored.copy_attendee_from(reply, a);
    }
}

/// Makes a separately stored occurrence of a series: the parent with
/// RECURRENCE-ID set, the occurrence's own times, and no recurrence rules.
pub fn separate_occurrence(
    env: &Env<'_>,
    prefs: &Prefs,
    parent: &Object,
    rid: &str,
) -> Option<Object> {
    let (e, zones) = expand_for(env, prefs, parent);
    let occ = e.occurrences.iter().find(|o| o.rid == rid)?;
    let start = parent.dtstart()?;
    let mut o = parent.clone();
    o.remove_property(&Property::Rrule);
    o.remove_property(&Property::Rdate);
    o.remove_property(&Property::Exdate);
    let rid_value = parse_rid_key(rid)?;
    // Keep the series' zone for the new times when it has one.
    let local = start.zone(&zones).from_utc(&occ.start);
    let new_start = match &start {
        DateTimeValue::Date(_) => DateTimeValue::Date(local.date()),
        s => s.with_local(local),
    };
    let end_local = start.zone(&zones).from_utc(&occ.end);
    let new_end = match &start {
        DateTimeValue::Date(_) => DateTimeValue::Date(end_local.date()),
        s => s.with_local(end_local),
    };
    o.set_recurrence_id(&rid_value);
    o.set_dtstart(&new_start);
    o.set_dtend(&new_end);
    Some(o)
}

/// Finds the stored object a message about `uid`/`rid` refers to: the
/// occurrence if stored separately, else the parent.
pub fn stored_for(
    tx: &dyn StoreTx,
    user: &str,
    uid: &str,
    rid: &str,
) -> InfraResult<Option<Stored>> {
    if !rid.is_empty()
        && let Some(s) = load(tx, user, uid, rid)?
    {
        return Ok(Some(s));
    }
    load(tx, user, uid, "")
}

/// Marks an event (or one occurrence) cancelled, keeping `text` as the
/// stored copy; a whole event cancels its occurrences too.
pub fn mark_cancelled(
    env: &Env<'_>,
    tx: &mut dyn StoreTx,
    user: &str,
    uid: &str,
    rid: &str,
    obj: &Object,
) -> InfraResult<()> {
    let now = env.clock.now();
    tx.put_object(
        user,
        &StoredObject {
            uid: uid.into(),
            rid: rid.into(),
            status: ObjectStatus::Cancelled,
            text: obj.to_ics(),
        },
        now,
    )?;
    if rid.is_empty() {
        for r in load_recurrences(tx, user, uid)? {
            tx.put_object(
                user,
                &StoredObject {
                    uid: uid.into(),
                    rid: r.rid.clone(),
                    status: ObjectStatus::Cancelled,
                    text: r.object.to_ics(),
                },
                now,
            )?;
        }
    }
    Ok(())
}

/// Stores an active event or occurrence (see `common::store_event`).
pub fn store_active(
    env: &Env<'_>,
    tx: &mut dyn StoreTx,
    user: &str,
    obj: &Object,
    uid: &str,
    rid: &str,
) -> InfraResult<()> {
    store_event(tx, env, user, obj, uid, rid, ObjectStatus::Active)
}
