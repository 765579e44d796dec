//! Operations every agent needs: loading and storing events by imip-agent's
//! rules, rebuilding a user's busy periods for an event from what is stored,
//! free/busy providers, and the small steps the handlers of every agent
//! share. Performs I/O through the transaction only.

use super::outgoing_mail::OutPart;
use super::{Env, Outcome};
use crate::address::CalAddress;
use crate::config::prefs::Prefs;
use crate::error::InfraResult;
use crate::freebusy::{BusyPeriod, FbSet};
use crate::i18n::Lang;
use crate::ical::{Method, Object, Participant, Transp, ZoneResolver};
use crate::itip::check_from_organizer;
use crate::mail::InboundMessage;
use crate::recur::{Expansion, expand};
use crate::store::{ObjectStatus, StoreTx, StoredObject};

/// A stored object, parsed.
#[derive(Debug, Clone)]
pub struct Stored {
    /// The object.
    pub object: Object,
    /// Its status.
    pub status: ObjectStatus,
    /// Its RECURRENCE-ID key.
    pub rid: String,
}

/// Loads a stored object (active or cancelled). Unparseable stored text is
/// treated as absent.
pub fn load(tx: &dyn StoreTx, user: &str, uid: &str, rid: &str) -> InfraResult<Option<Stored>> {
    Ok(tx.object(user, uid, rid)?.and_then(|s| parse_stored(&s)))
}

fn parse_stored(s: &StoredObject) -> Option<Stored> {
    Object::from_stored(&s.text).map(|object| Stored {
        object,
        status: s.status,
        rid: s.rid.clone(),
    })
}

/// Loads the separately stored occurrences of a UID.
pub fn load_recurrences(tx: &dyn StoreTx, user: &str, uid: &str) -> InfraResult<Vec<Stored>> {
    Ok(tx.recurrences(user, uid)?.iter().filter_map(parse_stored).collect())
}

/// Stores an event or occurrence (imip-agent 3.1 "Recurrences"): a complete
/// event replaces everything, so stored occurrences and their cancellations
/// go; an occurrence replaces its own cancellation.
pub fn store_event(
    tx: &mut dyn StoreTx,
    env: &Env<'_>,
    user: &str,
    obj: &Object,
    uid: &str,
    rid: &str,
    status: ObjectStatus,
) -> InfraResult<()> {
    if rid.is_empty() && status == ObjectStatus::Active {
        tx.delete_recurrences(user, uid)?;
    }
    update_stored(tx, env, user, obj, uid, rid, status)
}

/// Expands a stored or incoming event for a user.
pub fn expand_for(env: &Env<'_>, prefs: &Prefs, obj: &Object) -> (Expansion, ZoneResolver) {
    let zones = obj.zones(prefs.zone());
    let e = expand(obj, &zones, &env.expand_params(prefs.window_days()));
    (e, zones)
}

/// Busy periods of one object: a parent's occurrences minus `exclude`
/// (occurrences stored separately), or an occurrence object's own period.
pub fn periods_of(
    env: &Env<'_>,
    prefs: &Prefs,
    obj: &Object,
    uid: &str,
    rid: &str,
    transp: Transp,
    exclude: &[String],
) -> (Vec<BusyPeriod>, Expansion) {
    let (e, _) = expand_for(env, prefs, obj);
    let summary = obj.summary().unwrap_or_default();
    let organizer = obj.organizer().map(|o| o.address.to_string()).unwrap_or_default();
    let occurrences: Vec<_> = if rid.is_empty() {
        e.occurrences.iter().filter(|o| !exclude.contains(&o.rid)).cloned().collect()
    } else {
        e.occurrences.iter().take(1).cloned().collect()
    };
    let periods = occurrences
        .into_iter()
        .map(|o| BusyPeriod {
            start: o.start,
            end: o.end,
            uid: uid.to_string(),
            rid: if rid.is_empty() { o.rid } else { rid.to_string() },
            transp,
            summary: summary.clone(),
            organizer: organizer.clone(),
            expires: None,
            attendee: String::new(),
        })
        .collect();
    (periods, e)
}

/// Rebuilds the busy periods of one UID in a collection from the stored
/// parent and occurrences. `include` says whether (and how) an object
/// counts: `None` leaves it out. Registers or unregisters the event as a
/// free/busy provider. Returns whether anything changed.
pub fn rebuild_busy(
    env: &Env<'_>,
    tx: &mut dyn StoreTx,
    user: &str,
    set: &FbSet,
    uid: &str,
    prefs: &Prefs,
    include: &dyn Fn(&Object) -> Option<Transp>,
) -> InfraResult<bool> {
    let before = tx.busy_for_uid(set, uid, None)?;
    let parent = load(tx, user, uid, "")?;
    let recurrences = load_recurrences(tx, user, uid)?;
    let exclude: Vec<String> = recurrences.iter().map(|r| r.rid.clone()).collect();
    let mut periods = Vec::new();
    let mut provider = false;
    if let Some(p) = parent.as_ref().filter(|p| p.status == ObjectStatus::Active)
        && let Some(transp) = include(&p.object)
    {
        let (ps, e) = periods_of(env, prefs, &p.object, uid, "", transp, &exclude);
        provider = e.needs_extension();
        periods.extend(ps);
    }
    for r in recurrences.iter().filter(|r| r.status == ObjectStatus::Active) {
        if let Some(transp) = include(&r.object) {
            periods.extend(periods_of(env, prefs, &r.object, uid, &r.rid, transp, &[]).0);
        }
    }
    periods.sort_by_key(|a| a.start);
    let changed = !same_periods(&before, &periods);
    if changed {
        tx.remove_busy_for_uid(set, uid, None)?;
        tx.add_busy(set, &periods)?;
    }
    if set == &FbSet::Own(user.to_string()) {
        if provider {
            tx.add_provider(user, uid, "")?;
        } else {
            tx.remove_provider(user, uid, "")?;
        }
    }
    Ok(changed)
}

/// Rebuilds a user's own busy time for one UID (see [`rebuild_busy`]) and,
/// when it changed, notes the user in `out` so that their published
/// free/busy is rewritten.
pub fn rebuild_own_busy(
    env: &Env<'_>,
    tx: &mut dyn StoreTx,
    out: &mut Outcome,
    user: &str,
    uid: &str,
    prefs: &Prefs,
    include: &dyn Fn(&Object) -> Option<Transp>,
) -> InfraResult<()> {
    if rebuild_busy(env, tx, user, &FbSet::Own(user.to_string()), uid, prefs, include)? {
        out.freebusy_changed.push(user.to_string());
    }
    Ok(())
}

fn same_periods(a: &[BusyPeriod], b: &[BusyPeriod]) -> bool {
    let key = |p: &BusyPeriod| (p.start, p.end, p.rid.clone(), p.transp);
    let mut x: Vec<_> = a.iter().map(key).collect();
    let mut y: Vec<_> = b.iter().map(key).collect();
    x.sort();
    y.sort();
    x == y
}

/// The LANG preference of `who`, when they are a user of this system.
fn own_lang(env: &Env<'_>, tx: &dyn StoreTx, who: &CalAddress) -> InfraResult<Option<Lang>> {
    Ok(env
        .prefs
        .user_values(tx, who.as_str())?
        .into_iter()
        .find(|(k, _)| k == "LANG")
        .map(|(_, v)| Lang::from_pref(&v)))
}

/// The language for messages to another party: their own LANG if they are
/// a user of this system, else the incoming message's Accept-Language or
/// Content-Language, else `fallback` (the acting user's LANG).
pub fn requester_lang(
    env: &Env<'_>,
    msg: &InboundMessage,
    fallback: &str,
    tx: &dyn StoreTx,
    requester: Option<&CalAddress>,
) -> InfraResult<Lang> {
    if let Some(r) = requester
        && let Some(l) = own_lang(env, tx, r)?
    {
        return Ok(l);
    }
    Ok(Lang::from_pref(msg.languages.first().map_or(fallback, String::as_str)))
}

/// The language for a message to `other` outside message processing: their
/// own LANG if they are a user here, else `fallback`.
pub fn requester_lang_of(
    env: &Env<'_>,
    tx: &dyn StoreTx,
    fallback: &str,
    other: &CalAddress,
) -> InfraResult<Lang> {
    Ok(own_lang(env, tx, other)?.unwrap_or_else(|| Lang::from_pref(fallback)))
}

/// Updates a stored object in place (no clearing of occurrences): used to
/// merge attendance into what is stored.
pub fn update_stored(
    tx: &mut dyn StoreTx,
    env: &Env<'_>,
    user: &str,
    obj: &Object,
    uid: &str,
    rid: &str,
    status: ObjectStatus,
) -> InfraResult<()> {
    tx.put_object(
        user,
        &StoredObject { uid: uid.into(), rid: rid.into(), status, text: obj.to_ics() },
        env.clock.now(),
    )
}

/// The SENT-BY value to add for a user: the agent's address when it differs.
pub fn sent_by<'a>(env: &'a Env<'_>, user: &CalAddress) -> Option<&'a CalAddress> {
    (env.agent_address != *user).then_some(&env.agent_address)
}

/// An object's UID; without one, logs that the `what` message is ignored.
pub fn uid_or_log(out: &mut Outcome, obj: &Object, what: &str) -> Option<String> {
    let uid = obj.uid();
    if uid.is_none() {
        out.log(format!("{what} without UID ignored"));
    }
    uid
}

/// The organiser of an object sent to `user`, when the senders speak for
/// them (see [`check_from_organizer`]); otherwise logs that the `what`
/// message about `label` is not acted on and gives `None`.
pub fn organizer_or_log(
    out: &mut Outcome,
    obj: &Object,
    senders: &[CalAddress],
    user: &CalAddress,
    recipient_must_attend: bool,
    what: &str,
    label: &str,
) -> Option<Participant> {
    match check_from_organizer(obj, senders, user, recipient_must_attend) {
        Ok(o) => Some(o),
        Err(e) => {
            out.log(format!("{what} {label} not acted on: {e}"));
            None
        }
    }
}

/// How an event (or one occurrence of it) is named in log lines.
pub fn label(uid: &str, rid: &str) -> String {
    if rid.is_empty() { uid.to_string() } else { format!("{uid} ({rid})") }
}

/// A RECURRENCE-ID key as a filter: the empty key means the whole event.
pub fn only_rid(rid: &str) -> Option<&str> {
    (!rid.is_empty()).then_some(rid)
}

/// The occurrence an ADD brings, to be stored separately: the object with
/// RECURRENCE-ID := DTSTART.
pub fn added_occurrence(obj: &Object) -> Object {
    let mut occurrence = obj.clone();
    if let Some(start) = occurrence.dtstart() {
        occurrence.set_recurrence_id(&start);
    }
    occurrence
}

/// Answers an ADD for an unknown event (or with `add_method_response =
/// refresh`) with `refresh`, the REFRESH asking the organiser for the whole
/// event.
pub fn refresh_for_add(
    out: &mut Outcome,
    uid: &str,
    organizer: &CalAddress,
    refresh: Object,
    lang: Lang,
    unknown: bool,
) {
    out.parts.push(OutPart {
        to: organizer.clone(),
        method: Method::Refresh,
        object: refresh,
        text: None,
        lang,
    });
    out.handled = true;
    out.log(format!(
        "ADD {uid}: {} — REFRESH sent to {organizer}",
        if unknown { "unknown event" } else { "add_method_response = refresh" },
    ));
}
