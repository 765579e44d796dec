//! The application side of an agent: the [`Handler`] trait, the
//! [`Request`] it receives, and a [`Router`] that dispatches by goal name.
//!
//! Performs no I/O itself; replies are queued to the connection's writer.
//! A handler is called on the connection's task and must return quickly:
//! it either answers at once ([`Request::reply`]) or keeps the request and
//! answers later from another task or thread — the delayed-solution
//! mechanism of OAA (`oaa_DelaySolution` / `oaa_ReturnDelayedSolutions`).
//! A request dropped without an answer is answered with no solutions, so a
//! bug in a handler never leaves a requester hanging.

use std::collections::HashMap;
use std::sync::Arc;

use super::local::LocalData;
use crate::icl::{Bindings, Renamer, Term, unify};
use crate::protocol::params::get;
use crate::protocol::solvable::Solvable;

/// Application code answering procedure solvables.
pub trait Handler: Send + Sync + 'static {
    /// Answer `request` now or later. Runs on the connection task: do
    /// blocking work through [`Request::spawn_blocking`] or
    /// `tokio::task::spawn_blocking`.
    fn solve(&self, request: Request);

    /// Any other event delivered to the agent (e.g. `ev_post_event`).
    fn event(&self, _content: &Term, _params: &[Term]) {}
}

impl<F> Handler for F
where
    F: Fn(Request) + Send + Sync + 'static,
{
    fn solve(&self, request: Request) {
        self(request)
    }
}

/// Where a reply goes: called once with the solutions.
pub(crate) type ReplyFn = Box<dyn FnOnce(Vec<Term>) + Send>;

/// A request for a procedure solvable.
pub struct Request {
    goal: Term,
    params: Vec<Term>,
    solvable: Solvable,
    reply: Option<ReplyFn>,
    local: LocalData,
}

impl Request {
    pub(crate) fn new(
        goal: Term,
        params: Vec<Term>,
        solvable: Solvable,
        reply: ReplyFn,
        local: LocalData,
    ) -> Self {
        Request { goal, params, solvable, reply: Some(reply), local }
    }

    /// The answering agent's own data (owner API), e.g. to record a booking
    /// and bump a change stamp that subscribers watch with data triggers.
    pub fn local(&self) -> &LocalData {
        &self.local
    }

    /// The goal to solve; solutions must be instances of it.
    pub fn goal(&self) -> &Term {
        &self.goal
    }

    /// The goal's arguments.
    pub fn args(&self) -> &[Term] {
        self.goal.args()
    }

    /// The request parameters as forwarded by the facilitator.
    pub fn params(&self) -> &[Term] {
        &self.params
    }

    /// The declaration that matched.
    pub fn solvable(&self) -> &Solvable {
        &self.solvable
    }

    /// The requester's address (`from(A)`), for per-caller checks: OAA's
    /// permissions are per solvable, not per caller.
    pub fn from(&self) -> Option<Term> {
        get(&self.params, "from")
    }

    /// `context(C)`, which should be passed on to nested requests.
    pub fn context(&self) -> Option<Term> {
        get(&self.params, "context")
    }

    /// `candidate` unified with the goal, if it is an instance of it.
    pub fn instance(&self, candidate: &Term) -> Option<Term> {
        let c = Renamer::new().copy(candidate);
        let mut bs = Bindings::new();
        if unify(&self.goal, &c, &mut bs) { bs.resolve(&self.goal).ok() } else { None }
    }

    /// Keeps those `candidates` that match the goal, as instances of it.
    pub fn matching(&self, candidates: impl IntoIterator<Item = Term>) -> Vec<Term> {
        candidates.into_iter().filter_map(|c| self.instance(&c)).collect()
    }

    /// Answers with these solutions (instances of the goal).
    pub fn reply(mut self, solutions: Vec<Term>) {
        if let Some(r) = self.reply.take() {
            r(solutions);
        }
    }

    /// Answers with no solutions.
    pub fn fail(self) {
        self.reply(Vec::new());
    }

    /// Runs blocking `work` on tokio's blocking pool and replies with its
    /// result. `work` gets the goal and parameters.
    pub fn spawn_blocking<F>(self, work: F)
    where
        F: FnOnce(&Term, &[Term]) -> Vec<Term> + Send + 'static,
    {
        match tokio::runtime::Handle::try_current() {
            Ok(h) => {
                h.spawn_blocking(move || {
                    let sols = work(&self.goal, &self.params);
                    self.reply(sols);
                });
            }
            Err(_) => {
                let sols = work(&self.goal, &self.params);
                self.reply(sols);
            }
        }
    }
}

impl Drop for Request {
    fn drop(&mut self) {
        if let Some(r) = self.reply.take() {
            r(Vec::new());
        }
    }
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request").field("goal", &self.goal).field("params", &self.params).finish()
    }
}

type AsyncRoute = Arc<dyn Fn(Request) + Send + Sync>;
type BlockingRoute = Arc<dyn Fn(&Term, &[Term]) -> Vec<Term> + Send + Sync>;

#[derive(Clone)]
enum Route {
    Direct(AsyncRoute),
    Blocking(BlockingRoute),
}

/// A [`Handler`] that dispatches on the goal's name and arity.
#[derive(Clone, Default)]
pub struct Router {
    routes: HashMap<(String, usize), Route>,
}

impl Router {
    /// No routes.
    pub fn new() -> Self {
        Router::default()
    }

    /// Handles `name/arity` with `f`, called on the connection task.
    pub fn on(
        mut self,
        name: &str,
        arity: usize,
        f: impl Fn(Request) + Send + Sync + 'static,
    ) -> Self {
        self.routes.insert((name.to_string(), arity), Route::Direct(Arc::new(f)));
        self
    }

    /// Handles `name/arity` with blocking `f` (run on tokio's blocking
    /// pool) returning solutions: the easy way to wrap a synchronous store.
    pub fn on_blocking(
        mut self,
        name: &str,
        arity: usize,
        f: impl Fn(&Term, &[Term]) -> Vec<Term> + Send + Sync + 'static,
    ) -> Self {
        self.routes.insert((name.to_string(), arity), Route::Blocking(Arc::new(f)));
        self
    }
}

impl Handler for Router {
    fn solve(&self, request: Request) {
        let key = request.goal().functor().map(|(n, a)| (n.to_string(), a));
        match key.and_then(|k| self.routes.get(&k)) {
            Some(Route::Direct(f)) => f(request),
            Some(Route::Blocking(f)) => {
                let f = f.clone();
                request.spawn_blocking(move |g, p| f(g, p));
            }
            None => request.fail(),
        }
    }
}
