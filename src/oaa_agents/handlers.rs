//! The solvables' handlers: read a goal's arguments (docs/oaa-calendar.md
//! §2 conventions), compute through [`calendar`] or [`booking`], and answer
//! with instances of the goal. Blocking: they run on tokio's blocking pool.
//! Performs I/O through the service's store.
//!
//! A goal that is malformed, names a user this agent does not serve, or
//! asks for something the requester may not see has no solutions (OAA has
//! no error answer; failing lets `strategy(action)` fall over to the next
//! provider). Store failures are logged and also answered with none.

use super::access::acting_for;
use super::booking::{self, BookRequest, Booked, Requirement};
use super::calendar;
use super::convert::{
    decision_term, echo_time, parse_minutes, parse_text, parse_time, parse_user, partstat_term,
    period_term, time_term, user_term,
};
use super::directory::Kind;
use super::fbcache;
use super::service::Service;
use crate::address::CalAddress;
use crate::error::InfraResult;
use oaa::icl::{Term, unify_resolve};
use std::time::Instant;
use tracing::warn;

/// The largest answer sent, in (estimated) bytes. The whole answer
/// travels in one frame, and a frame over the facilitator's limit (1 MiB
/// by default) closes the agent's connection: a larger answer is refused
/// (no solutions, logged) — ask for a smaller window or bind an argument.
pub const MAX_ANSWER: usize = 512 * 1024;

fn too_large(what: &str, bytes: usize) -> bool {
    if bytes > MAX_ANSWER {
        warn!(solvable = what, bytes, limit = MAX_ANSWER, "answer too large: no solutions");
    }
    bytes > MAX_ANSWER
}

/// Printed size of one `period('…Z','…Z')`, with its comma.
const PERIOD_BYTES: usize = 56;

/// A generous estimate of an atom's printed size (quotes, escapes).
fn size(t: &Term) -> usize {
    t.as_atom().map_or(24, |a| a.len() + 4)
}

/// Keeps the candidates that are instances of the goal.
fn instances(goal: &Term, candidates: Vec<Term>) -> Vec<Term> {
    candidates.into_iter().filter_map(|c| unify_resolve(goal, &c)).collect()
}

fn logged(what: &str, r: InfraResult<Vec<Term>>) -> Vec<Term> {
    r.unwrap_or_else(|e| {
        warn!(solvable = what, error = %e, "answered with no solutions");
        Vec::new()
    })
}

/// A time window from two arguments (end after start).
fn window(
    a: &Term,
    b: &Term,
) -> Option<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)> {
    let (s, e) = (parse_time(a)?, parse_time(b)?);
    (e > s).then_some((s, e))
}

/// The answer to a `freebusy/4` goal whose periods are `periods`.
fn freebusy_answer(goal: &Term, periods: Term) -> Vec<Term> {
    let a = goal.args();
    let sol = Term::compound("freebusy", vec![a[0].clone(), a[1].clone(), a[2].clone(), periods]);
    // The usual case, an unbound Periods: the answer is an instance as is.
    if a[3].is_var() { vec![sol] } else { instances(goal, vec![sol]) }
}

/// `freebusy(User, Start, End, Periods)` from the cache, when the same
/// goal was answered for a resource and the store has not changed since
/// (checked now: see [`super::fbcache`]). `None`: compute it with
/// [`freebusy`]. Cheap and never waits, so it runs on the connection task.
pub fn freebusy_cached(svc: &Service, goal: &Term) -> Option<Vec<Term>> {
    let periods = svc.fb_cache.get(&fbcache::key(goal)?)?;
    Some(freebusy_answer(goal, periods))
}

/// `freebusy(User, Start, End, Periods)`.
pub fn freebusy(svc: &Service, goal: &Term) -> Vec<Term> {
    let a = goal.args();
    let (Some((user, kind)), Some((s, e))) = (svc.user(&a[0]), window(&a[1], &a[2])) else {
        return Vec::new();
    };
    // The version before the read: the answer is valid for it (fbcache).
    let cache = if kind == Kind::Resource {
        fbcache::key(goal).and_then(|k| Some((k, svc.fb_cache.version()?)))
    } else {
        None
    };
    logged(
        "freebusy/4",
        (|| {
            let Some(spans) =
                svc.backend.read(|env, tx| calendar::freebusy(env, tx, &user, kind, s, e))?
            else {
                return Ok(Vec::new());
            };
            if too_large("freebusy/4", spans.len() * PERIOD_BYTES) {
                return Ok(Vec::new());
            }
            let periods = Term::list(spans.iter().map(|(ps, pe)| period_term(ps, pe)).collect());
            if let Some((k, version)) = cache {
                svc.fb_cache.put(version, k, periods.clone());
            }
            Ok(freebusy_answer(goal, periods))
        })(),
    )
}

/// `available(User, Start, End)`: one solution when free.
pub fn available(svc: &Service, goal: &Term) -> Vec<Term> {
    let a = goal.args();
    let (Some((user, kind)), Some((s, e))) = (svc.user(&a[0]), window(&a[1], &a[2])) else {
        return Vec::new();
    };
    logged(
        "available/3",
        (|| {
            let free =
                svc.backend.read(|env, tx| calendar::available(env, tx, &user, kind, s, e))?;
            Ok(if free == Some(true) { vec![goal.clone()] } else { Vec::new() })
        })(),
    )
}

/// `suggest(User, Duration, After, Slot)`: one solution per free slot,
/// `Slot = slot(Start, End)`, earliest first.
pub fn suggest(svc: &Service, goal: &Term) -> Vec<Term> {
    let a = goal.args();
    let (Some((user, kind)), Some(len), Some(after)) =
        (svc.user(&a[0]), parse_minutes(&a[1]), parse_time(&a[2]))
    else {
        return Vec::new();
    };
    logged(
        "suggest/4",
        (|| {
            let Some(slots) =
                svc.backend.read(|env, tx| calendar::suggest(env, tx, &user, kind, len, after))?
            else {
                return Ok(Vec::new());
            };
            let sols = slots
                .iter()
                .map(|(s, e)| {
                    let slot = Term::compound("slot", vec![time_term(s), time_term(e)]);
                    Term::compound("suggest", vec![a[0].clone(), a[1].clone(), a[2].clone(), slot])
                })
                .collect();
            Ok(instances(goal, sols))
        })(),
    )
}

/// The served user named by `user`, when `requester` acts for them (only
/// the owner may read a user's details).
fn owned_user(svc: &Service, user: &Term, requester: Option<&str>) -> Option<CalAddress> {
    let (user, _) = svc.user(user)?;
    (acting_for(requester).as_ref() == Some(&user)).then_some(user)
}

/// `event(User, Uid, Summary, Start, End, PartStat)`: the owner's events,
/// one solution per occurrence.
pub fn event(svc: &Service, goal: &Term, requester: Option<&str>) -> Vec<Term> {
    let a = goal.args();
    let Some(user) = owned_user(svc, &a[0], requester) else { return Vec::new() };
    logged(
        "event/6",
        (|| {
            let rows = svc.backend.read(|env, tx| calendar::events(env, tx, &user))?;
            let sols = rows
                .iter()
                .filter_map(|r| {
                    let part = r.partstat.as_ref().map_or(Term::atom("organizer"), partstat_term);
                    Some(Term::compound(
                        "event",
                        vec![
                            a[0].clone(),
                            Term::atom(&r.uid),
                            Term::atom(&r.summary),
                            echo_time(&a[3], &r.start)?,
                            echo_time(&a[4], &r.end)?,
                            part,
                        ],
                    ))
                })
                .collect();
            let sols = instances(goal, sols);
            // Doubled: summaries may need many escapes.
            let bytes = sols.iter().map(|t| 2 * t.args().iter().map(size).sum::<usize>()).sum();
            Ok(if too_large("event/6", bytes) { Vec::new() } else { sols })
        })(),
    )
}

/// `preference(User, Name, Value)`: the owner's effective preferences.
pub fn preference(svc: &Service, goal: &Term, requester: Option<&str>) -> Vec<Term> {
    let a = goal.args();
    let Some(user) = owned_user(svc, &a[0], requester) else { return Vec::new() };
    logged(
        "preference/3",
        (|| {
            let prefs = svc.backend.read(|env, tx| calendar::preferences(env, tx, &user))?;
            let sols = prefs
                .iter()
                .map(|(n, v)| {
                    Term::compound("preference", vec![a[0].clone(), Term::atom(n), Term::atom(v)])
                })
                .collect();
            Ok(instances(goal, sols))
        })(),
    )
}

/// Organizer, Start, End and Summary of a booking goal (arguments 1-4).
fn book_request(a: &[Term], resource: CalAddress, uid: Option<String>) -> Option<BookRequest> {
    let organizer = parse_user(&a[1])?;
    let (start, end) = window(&a[2], &a[3])?;
    Some(BookRequest { resource, organizer, start, end, summary: parse_text(&a[4])?, uid })
}

/// Whether the requester may book for `organizer` (with `--verify-organizer`).
fn may_book(svc: &Service, requester: Option<&str>, organizer: &Term) -> bool {
    !svc.options.verify_organizer
        || parse_user(organizer).is_some_and(|o| acting_for(requester).as_ref() == Some(&o))
}

/// `book(Resource, Organizer, Start, End, Summary, Decision)` and
/// `book(..., Decision, Uid)`: the resource's decision.
pub fn book(
    svc: &Service,
    goal: &Term,
    requester: Option<&str>,
    deadline: Option<Instant>,
) -> Vec<Term> {
    let a = goal.args();
    let Some((resource, Kind::Resource)) = svc.user(&a[0]) else { return Vec::new() };
    // A bound Decision could only make a booking that is then not reported.
    if !a[5].is_var() || !may_book(svc, requester, &a[1]) {
        return Vec::new();
    }
    let uid = a.get(6).and_then(|u| u.as_atom()).map(str::to_string);
    let Some(r) = book_request(a, resource, uid) else { return Vec::new() };
    logged(
        "book",
        (|| {
            let Some(Booked { decision, uid }) =
                booking::book(&svc.backend, &r, deadline, svc.options.mail)?
            else {
                return Ok(Vec::new());
            };
            let mut args = a[..5].to_vec();
            args.push(decision_term(&decision));
            if a.len() == 7 {
                args.push(Term::atom(&uid));
            }
            Ok(instances(goal, vec![Term::compound("book", args)]))
        })(),
    )
}

/// The requirements of a petition; `None` when one is not understood
/// (this agent cannot vouch for it, so it does not take the petition).
fn requirements(t: &Term) -> Option<Vec<Requirement>> {
    t.as_list()?
        .iter()
        .map(|r| match (r.functor(), r.arg(0).and_then(Term::as_int)) {
            (Some(("capacity", 1)), Some(n)) => u64::try_from(n).ok().map(Requirement::Capacity),
            _ => None,
        })
        .collect()
}

/// `book_any(Requirements, Organizer, Start, End, Summary, Resource, Decision)`:
/// the first resource served here that meets the requirements and takes
/// the booking.
pub fn book_any(
    svc: &Service,
    goal: &Term,
    requester: Option<&str>,
    deadline: Option<Instant>,
) -> Vec<Term> {
    let a = goal.args();
    let Some(reqs) = requirements(&a[0]) else { return Vec::new() };
    if !a[6].is_var() || !may_book(svc, requester, &a[1]) {
        return Vec::new();
    }
    // A bound Resource limits the petition to that resource.
    let only = match &a[5] {
        t if t.is_var() => None,
        t => match svc.user(t) {
            Some((r, Kind::Resource)) => Some(r),
            _ => return Vec::new(),
        },
    };
    // The resource is filled in with each candidate in turn.
    let Some(placeholder) = parse_user(&a[1]) else { return Vec::new() };
    let Some(r) = book_request(a, placeholder, None) else { return Vec::new() };
    logged(
        "book_any/7",
        (|| {
            let found = booking::book_any(
                &svc.backend,
                &svc.directory,
                &reqs,
                only.as_ref(),
                &r,
                deadline,
                svc.options.mail,
            )?;
            let Some((resource, b)) = found else {
                return Ok(Vec::new());
            };
            let mut args = a[..5].to_vec();
            args.push(user_term(&resource));
            args.push(decision_term(&b.decision));
            Ok(instances(goal, vec![Term::compound("book_any", args)]))
        })(),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::config::Config;
    use crate::freebusy::{BusyPeriod, FbSet};
    use crate::oaa_agents::backend::Backend;
    use crate::oaa_agents::booking::MailPolicy;
    use crate::oaa_agents::directory::Scope;
    use crate::oaa_agents::service::Options;
    use crate::store::Store;
    use chrono::{TimeZone, Utc};

    const ROOM: &str = "mailto:room-1@example.com";

    fn book(store: &mut dyn Store, uid: &str, hour: u32) {
        let at = |h| Utc.with_ymd_and_hms(2027, 3, 10, h, 0, 0).unwrap();
        let mut tx = store.write().unwrap();
        let p = BusyPeriod::new(at(hour), at(hour + 1), uid, "");
        tx.add_busy(&FbSet::Own(ROOM.into()), &[p]).unwrap();
        tx.commit().unwrap();
    }

    fn periods(sols: &[Term]) -> usize {
        sols[0].args()[3].as_list().unwrap().len()
    }

    /// A cached answer is served only until anyone commits: here another
    /// connection (a mail agent's, say), then the agent's own writer.
    #[test]
    fn cached_free_busy_sees_every_commit() {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = Config::default();
        cfg.store.path = dir.path().join("store.db").to_string_lossy().into_owned();
        cfg.store.durability = "normal".into();
        let mut mail = crate::store::open(&cfg.store).unwrap();
        let mut tx = mail.write().unwrap();
        tx.ensure_user(ROOM, "resource", Utc::now()).unwrap();
        tx.commit().unwrap();
        book(mail.as_mut(), "a", 9);
        let options = Options { mail: MailPolicy::None, verify_organizer: false };
        let svc = Service::new(Backend::open(cfg, 1).unwrap(), Scope::All, options);
        svc.refresh_directory().unwrap();
        let goal = oaa::icl::parse(&format!(
            "freebusy('{ROOM}','2027-03-10T00:00:00Z','2027-03-11T00:00:00Z',P)"
        ))
        .unwrap();

        assert_eq!(freebusy_cached(&svc, &goal), None);
        assert_eq!(periods(&freebusy(&svc, &goal)), 1);
        assert_eq!(freebusy_cached(&svc, &goal), Some(freebusy(&svc, &goal)));

        book(mail.as_mut(), "b", 11);
        assert_eq!(freebusy_cached(&svc, &goal), None);
        assert_eq!(periods(&freebusy(&svc, &goal)), 2);
        assert_eq!(periods(&freebusy_cached(&svc, &goal).unwrap()), 2);

        svc.backend.with_writer(|_, store| book(store, "c", 13));
        assert_eq!(freebusy_cached(&svc, &goal), None);
        assert_eq!(periods(&freebusy(&svc, &goal)), 3);

        // A bound Periods is checked against the cached answer.
        let cached = freebusy_cached(&svc, &goal).unwrap();
        let bound = Term::compound("freebusy", cached[0].args().to_vec());
        assert_eq!(freebusy_cached(&svc, &bound), Some(cached));
        let wrong = Term::compound(
            "freebusy",
            vec![
                goal.args()[0].clone(),
                goal.args()[1].clone(),
                goal.args()[2].clone(),
                Term::nil(),
            ],
        );
        assert_eq!(freebusy_cached(&svc, &wrong), Some(Vec::new()));
    }
}
