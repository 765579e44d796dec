//! Dispatch of incoming requests to the handlers. A free/busy answer the
//! cache still holds is given at once (see [`super::fbcache`]); read-only
//! solvables otherwise run straight on tokio's blocking pool; owner-only ones and bookings first
//! learn who asks (an async registry lookup), then run on the pool; a
//! booking then publishes the change stamps at once so subscribers hear of
//! it without waiting for the poller. Performs no I/O itself.

use super::changes;
use super::handlers;
use super::service::Service;
use oaa::agent::{Request, Router};
use oaa::icl::Term;
use oaa::protocol::params::get_seconds;
use std::sync::Arc;
use std::time::Instant;
use tracing::{info, warn};

/// A blocking handler that may depend on who asks and on a deadline.
type Work = fn(&Service, &Term, Option<&str>, Option<Instant>) -> Vec<Term>;

/// Runs `work` for `req` after looking up the requester's name (only when
/// `needs_name`), then, for bookings, publishes change stamps.
fn with_requester(svc: Arc<Service>, req: Request, needs_name: bool, books: bool, work: Work) {
    // The requester's time_limit counts from now: a booking that cannot be
    // committed within it is abandoned (booking::book).
    let deadline = get_seconds(req.params(), "time_limit").map(|d| Instant::now() + d);
    let from = req.from();
    if books {
        info!(goal = %req.goal(), from = ?from.as_ref().map(ToString::to_string), "booking request received");
    }
    let Ok(rt) = tokio::runtime::Handle::try_current() else {
        warn!("no runtime: request dropped");
        return;
    };
    rt.clone().spawn(async move {
        let name = if needs_name { svc.requesters.name_of(from.as_ref()).await } else { None };
        let local = req.local().clone();
        let goal = req.goal().clone();
        let done = rt.spawn_blocking(move || {
            let sols = work(&svc, &goal, name.as_deref(), deadline);
            if books && let Err(e) = changes::publish(&svc, &local) {
                warn!(error = %e, "change stamps not published");
            }
            sols
        });
        // A panic in the handler answers with no solutions.
        let sols = done.await.unwrap_or_default();
        req.reply(sols);
    });
}

fn event(s: &Service, g: &Term, who: Option<&str>, _: Option<Instant>) -> Vec<Term> {
    handlers::event(s, g, who)
}

fn preference(s: &Service, g: &Term, who: Option<&str>, _: Option<Instant>) -> Vec<Term> {
    handlers::preference(s, g, who)
}

/// The router for a calendar agent.
pub fn router(svc: Arc<Service>) -> Router {
    let verify = svc.options.verify_organizer;
    let (fb, av, sg) = (svc.clone(), svc.clone(), svc.clone());
    let (ev, pr, bk, ba) = (svc.clone(), svc.clone(), svc.clone(), svc);
    Router::new()
        .on("freebusy", 4, move |r| match handlers::freebusy_cached(&fb, r.goal()) {
            Some(sols) => r.reply(sols),
            None => {
                let fb = fb.clone();
                r.spawn_blocking(move |g, _| handlers::freebusy(&fb, g));
            }
        })
        .on_blocking("available", 3, move |g, _| handlers::available(&av, g))
        .on_blocking("suggest", 4, move |g, _| handlers::suggest(&sg, g))
        .on("event", 6, move |r| with_requester(ev.clone(), r, true, false, event))
        .on("preference", 3, move |r| with_requester(pr.clone(), r, true, false, preference))
        .on("book", 6, {
            let bk = bk.clone();
            move |r| with_requester(bk.clone(), r, verify, true, handlers::book)
        })
        .on("book", 7, move |r| with_requester(bk.clone(), r, verify, true, handlers::book))
        .on("book_any", 7, move |r| with_requester(ba.clone(), r, verify, true, handlers::book_any))
}
