//! What the read-only solvables compute from a user's stored calendar:
//! free/busy, availability, suggested slots, events and preferences. Plain
//! values in, plain values out; performs I/O only through the transaction
//! it is given.
//!
//! Privacy follows the mail agents: a resource's free/busy is public; a
//! person's is given only when their `freebusy_sharing` is `share` (the
//! functions return `None` otherwise). Events and preferences are for the
//! owner; the caller checks who asks.

use super::directory::Kind;
use super::slots::{booking_capacity, is_free, saturated, slots};
use crate::address::CalAddress;
use crate::agent::Env;
use crate::agent::busy::periods_of;
use crate::agent::prefs as agent_prefs;
use crate::config::prefs::Prefs;
use crate::error::InfraResult;
use crate::freebusy::{FbSet, Span, coalesce};
use crate::ical::{Object, PartStat, Transp};
use crate::policy::permitted::PermittedTimes;
use crate::store::{ObjectStatus, StoreTx};
use chrono::{DateTime, Duration, Utc};

/// How many slots `suggest/4` offers at most.
pub const SUGGESTIONS: usize = 10;

fn shares(kind: Kind, prefs: &Prefs) -> bool {
    kind == Kind::Resource || prefs.sharing()
}

/// The user's busy time in `[start, end)`, clipped to the window and
/// merged, as a VFREEBUSY reply by mail would list it: every booking of a
/// resource, the opaque events of a person.
pub fn freebusy(
    env: &Env<'_>,
    tx: &dyn StoreTx,
    user: &CalAddress,
    kind: Kind,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> InfraResult<Option<Vec<Span>>> {
    // A resource's free/busy is public: no preferences to read.
    if kind == Kind::Person && !agent_prefs::load(env, tx, user.as_str())?.sharing() {
        return Ok(None);
    }
    let spans = tx
        .busy(&FbSet::Own(user.to_string()), start, end)?
        .into_iter()
        .filter(|p| p.overlaps(&start, &end))
        .filter(|p| kind == Kind::Resource || p.transp.is_busy())
        .map(|p| (p.start.max(start), p.end.min(end)))
        .collect();
    Ok(Some(coalesce(spans)))
}

/// The spans in `[start, end]` where the user cannot take more: for a
/// resource, where its bookings and live offers reach the capacity of its
/// `scheduling_function`; for a person, their opaque busy time.
fn full_spans(
    env: &Env<'_>,
    tx: &dyn StoreTx,
    user: &CalAddress,
    kind: Kind,
    prefs: &Prefs,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> InfraResult<Vec<Span>> {
    let now = env.clock.now();
    let mut spans: Vec<Span> = Vec::new();
    for p in tx.busy(&FbSet::Own(user.to_string()), start, end)? {
        if kind == Kind::Resource || p.transp.is_busy() {
            spans.push((p.start, p.end));
        }
    }
    if kind == Kind::Person {
        return Ok(coalesce(spans));
    }
    for p in tx.busy(&FbSet::Offers(user.to_string()), start, end)? {
        if p.expires.is_none_or(|x| x > now) {
            spans.push((p.start, p.end));
        }
    }
    Ok(saturated(&spans, booking_capacity(prefs.get("scheduling_function"))))
}

/// Whether the user is free for `[start, end)` (a resource: below its
/// capacity). Advisory: `book` still runs the whole policy.
pub fn available(
    env: &Env<'_>,
    tx: &dyn StoreTx,
    user: &CalAddress,
    kind: Kind,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> InfraResult<Option<bool>> {
    let prefs = agent_prefs::load(env, tx, user.as_str())?;
    if !shares(kind, &prefs) {
        return Ok(None);
    }
    let full = full_spans(env, tx, user, kind, &prefs, start, end)?;
    Ok(Some(end > start && is_free(&full, start, end)))
}

/// Up to [`SUGGESTIONS`] successive free slots of `length` at or after
/// `after` (and not before now), within the user's window (`window_size`
/// days from now), starting at a resource's `permitted_times`.
pub fn suggest(
    env: &Env<'_>,
    tx: &dyn StoreTx,
    user: &CalAddress,
    kind: Kind,
    length: Duration,
    after: DateTime<Utc>,
) -> InfraResult<Option<Vec<Span>>> {
    let prefs = agent_prefs::load(env, tx, user.as_str())?;
    if !shares(kind, &prefs) {
        return Ok(None);
    }
    let now = env.clock.now();
    let from = after.max(now);
    let until = now + Duration::days(prefs.window_days());
    if from + length > until {
        return Ok(Some(Vec::new()));
    }
    let full = full_spans(env, tx, user, kind, &prefs, from, until)?;
    let permitted = match (kind, prefs.get("permitted_times")) {
        (Kind::Resource, Some(t)) => PermittedTimes::parse(t).unwrap_or_default(),
        _ => PermittedTimes::default(),
    };
    let zone = prefs.zone();
    let align = |t: DateTime<Utc>| -> Option<DateTime<Utc>> {
        permitted
            .next_at_or_after(&zone.from_utc(&t))
            .and_then(|l| zone.to_utc(&l))
            .filter(|x| *x >= t)
    };
    Ok(Some(slots(&full, from, length, until, &align, SUGGESTIONS)))
}

/// One occurrence of a stored event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    /// UID.
    pub uid: String,
    /// SUMMARY.
    pub summary: String,
    /// Start (UTC).
    pub start: DateTime<Utc>,
    /// End (UTC).
    pub end: DateTime<Utc>,
    /// The user's participation; `None` when the user organises it.
    pub partstat: Option<PartStat>,
}

/// The occurrences of the user's active events inside the expansion
/// window, in start order.
pub fn events(env: &Env<'_>, tx: &dyn StoreTx, user: &CalAddress) -> InfraResult<Vec<EventRow>> {
    let prefs = agent_prefs::load(env, tx, user.as_str())?;
    let stored = tx.list_objects(user.as_str(), Some(ObjectStatus::Active))?;
    let mut rows = Vec::new();
    for s in &stored {
        let Some(obj) = Object::from_stored(&s.text) else { continue };
        // Occurrences stored separately replace the parent's own.
        let exclude: Vec<String> = if s.instance.is_master() {
            stored
                .iter()
                .filter(|o| o.uid == s.uid)
                .filter_map(|o| o.instance.occurrence().map(str::to_string))
                .collect()
        } else {
            Vec::new()
        };
        let partstat = obj.attendee(user).and_then(|a| a.partstat);
        let partstat = match (partstat, obj.organizer()) {
            (Some(p), _) => Some(p),
            (None, Some(o)) if o.address == *user => None,
            (None, _) => Some(PartStat::NeedsAction),
        };
        let (periods, _) =
            periods_of(env, &prefs, &obj, &s.uid, &s.instance, Transp::Opaque, &exclude);
        for p in periods {
            rows.push(EventRow {
                uid: s.uid.clone(),
                summary: p.summary,
                start: p.start,
                end: p.end,
                partstat: partstat.clone(),
            });
        }
    }
    rows.sort_by(|a, b| a.start.cmp(&b.start).then(a.uid.cmp(&b.uid)));
    Ok(rows)
}

/// The user's effective preferences (built-in and organisation defaults
/// with the user's own values over them), by name.
pub fn preferences(
    env: &Env<'_>,
    tx: &dyn StoreTx,
    user: &CalAddress,
) -> InfraResult<Vec<(String, String)>> {
    let p = agent_prefs::load(env, tx, user.as_str())?;
    Ok(p.all().iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

/// The resource's `capacity` preference (people it holds), if set.
pub fn room_capacity(
    env: &Env<'_>,
    tx: &dyn StoreTx,
    user: &CalAddress,
) -> InfraResult<Option<u64>> {
    let p = agent_prefs::load(env, tx, user.as_str())?;
    Ok(p.get("capacity").and_then(|c| c.trim().parse().ok()))
}
