//! Request delegation: candidate selection, parallel and sequential
//! dispatch, compound goals and collection of answers (reference §5, §6,
//! §10, §13.2).
//!
//! Performs no I/O. Every request is a node in a tree: a leaf sends
//! subrequests to providers under facilitator-made ids, an inner node
//! (conjunction, disjunction, `Address:Goal::Params`) starts children whose
//! results come back through [`Done`] entries on a queue, so no code path
//! ever waits. A timed-out or abandoned request is answered with what has
//! arrived; a provider that disconnects counts as having answered nothing.

use std::time::Instant;

use tracing::warn;

use super::core::Core;
use super::registry::{ConnId, Need, Status};
use crate::icl::{Bindings, Renamer, Term, unify};
use crate::logic::eval;
use crate::logic::goal::{Shape, shape};
use crate::protocol::Msg;
use crate::protocol::params::{self, SolveParams};

/// Most intermediate solutions a conjunction carries from one part to the next.
pub const MAX_PARTIALS: usize = 10_000;

/// Deepest nesting of compound goals decomposed; deeper parts are treated
/// as plain goals (which no agent will match), keeping recursion bounded.
pub const MAX_COMPOUND_DEPTH: usize = 32;

/// Parameters a compound goal's parts inherit from the whole request.
const INHERITED: [&str; 4] = ["address", "reflexive", "context", "priority"];

/// Parameters the facilitator consumes and does not forward to providers.
const NOT_FORWARDED: [&str; 7] =
    ["address", "provider_limit", "get_address", "get_satisfiers", "get_goal_id", "test", "from"];

/// Who asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Requester {
    /// An agent on this connection.
    Agent(ConnId),
    /// The facilitator itself (trigger actions).
    Facilitator,
}

/// Where a request's answer goes.
// Fields are named after the wire arguments in the variant docs.
#[allow(missing_docs)]
#[derive(Clone, Debug)]
pub enum Cont {
    /// Reply to a client with `ev_solved`.
    Client { conn: ConnId, id: Term, params: Vec<Term>, goal: Term },
    /// Hand the result to slot `usize` of a parent request.
    Parent(u64, usize),
    /// Nobody waits (reply(none), trigger actions).
    Discard,
}

/// A finished child's result on its way to the parent.
#[derive(Debug)]
pub struct Done {
    parent: u64,
    slot: usize,
    outcome: Outcome,
}

/// What a request produced.
#[derive(Debug, Default, Clone)]
pub struct Outcome {
    /// Instances of the request's goal.
    pub solutions: Vec<Term>,
    /// Agents asked.
    pub requestees: Vec<Term>,
    /// Agents that answered with at least one solution.
    pub solvers: Vec<Term>,
}

/// An outstanding subrequest or update forwarded to an agent.
// Fields are named after the wire arguments in the variant docs.
#[allow(missing_docs)]
#[derive(Debug)]
pub enum Sub {
    /// A forwarded `ev_solve`.
    Solve { req: u64, cand: usize, conn: ConnId },
    /// A forwarded `ev_update_data` / `ev_update_trigger`.
    Update { upd: u64, conn: ConnId },
}

#[derive(Debug)]
enum Kind {
    Simple {
        cands: Vec<(ConnId, Term)>,
        next: usize,
        outstanding: usize,
        results: Vec<Vec<Term>>,
        sequential: bool,
    },
    Conj {
        parts: usize,
        stage: usize,
        partials: Vec<Term>,
        slots: Vec<Option<Vec<Term>>>,
        outstanding: usize,
    },
    Disj {
        branches: Vec<Term>,
        slots: Vec<Option<Vec<Term>>>,
        outstanding: usize,
    },
    Wrap {
        inner: Term,
        result: Option<Vec<Term>>,
    },
    Starting,
}

/// One request in the tree.
#[derive(Debug)]
pub struct Request {
    goal: Term,
    params: SolveParams,
    raw: Vec<Term>,
    requester: Requester,
    cont: Cont,
    deadline: Option<Instant>,
    kind: Kind,
    children: Vec<u64>,
    requestees: Vec<Term>,
    solvers: Vec<Term>,
    expired: bool,
    depth: usize,
}

fn push_unique(v: &mut Vec<Term>, t: Term) {
    if !v.contains(&t) {
        v.push(t);
    }
}

/// The `i`th part of a conjunction instance.
fn conj_part(goal: &Term, i: usize) -> Term {
    match shape(goal) {
        Shape::Conj(parts) => parts.get(i).cloned().unwrap_or_else(|| Term::atom("true")),
        _ => goal.clone(),
    }
}

/// Maps solutions of `sub` (a part of `whole`) to instances of `whole`.
fn lift(whole: &Term, sub: &Term, solutions: &[Term]) -> Vec<Term> {
    let mut out = Vec::with_capacity(solutions.len());
    for s in solutions {
        let ground = s.is_ground();
        let s = if ground { s.clone() } else { Renamer::new().copy(s) };
        let mut bs = Bindings::new();
        if unify(sub, &s, &mut bs) {
            if ground && std::ptr::eq(whole, sub) {
                // A ground instance of the goal is its own lifted form.
                out.push(s);
            } else if let Ok(t) = bs.resolve(whole) {
                out.push(t);
            }
        } else {
            warn!(goal = %sub, solution = %s, "dropping a solution that is not an instance of the goal");
        }
    }
    out
}

impl Core {
    /// `ev_solve` from a client.
    pub(super) fn client_solve(&mut self, c: ConnId, id: Term, goal: Term, params: Vec<Term>) {
        let cont = if Self::no_reply(&params) {
            Cont::Discard
        } else {
            Cont::Client { conn: c, id, params: params.clone(), goal: goal.clone() }
        };
        self.start(goal, params, Requester::Agent(c), cont, None);
    }

    /// Creates a request and runs its first step.
    pub(super) fn start(
        &mut self,
        goal: Term,
        raw: Vec<Term>,
        requester: Requester,
        cont: Cont,
        parent_deadline: Option<Instant>,
    ) -> u64 {
        let depth = match &cont {
            Cont::Parent(p, _) => self.reqs.get(p).map_or(0, |r| r.depth + 1),
            _ => 0,
        };
        let id = self.next_req;
        self.next_req += 1;
        let params = SolveParams::from_terms(&raw);
        let own = params.time_limit.map(|d| self.now + d);
        let deadline = match (parent_deadline, own) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if let Some(d) = own {
            self.timers.insert((d, super::timers::Timer::Req(id)));
        }
        let req = Request {
            goal: goal.clone(),
            params,
            raw,
            requester,
            cont,
            deadline,
            kind: Kind::Starting,
            children: Vec::new(),
            requestees: Vec::new(),
            solvers: Vec::new(),
            expired: false,
            depth,
        };
        self.reqs.insert(id, req);
        let shape =
            if depth > MAX_COMPOUND_DEPTH { Shape::Simple(goal.clone()) } else { shape(&goal) };
        match shape {
            Shape::Conj(parts) => {
                if let Some(r) = self.reqs.get_mut(&id) {
                    r.kind = Kind::Conj {
                        parts: parts.len(),
                        stage: 0,
                        partials: vec![goal.clone()],
                        slots: Vec::new(),
                        outstanding: 0,
                    };
                }
                self.launch_stage(id);
            }
            Shape::Disj(branches) => {
                let child_params = self.inherited_params(id);
                if let Some(r) = self.reqs.get_mut(&id) {
                    r.kind = Kind::Disj {
                        branches: branches.clone(),
                        slots: vec![None; branches.len()],
                        outstanding: branches.len(),
                    };
                }
                for (k, b) in branches.into_iter().enumerate() {
                    self.start_child(id, k, b, child_params.clone());
                }
            }
            Shape::Wrapped { address, goal: inner, params: inner_params } => {
                let outer = self.reqs.get(&id).map(|r| r.raw.clone()).unwrap_or_default();
                let mut names: Vec<&str> =
                    inner_params.iter().filter_map(|p| p.functor().map(|f| f.0)).collect();
                if address.is_some() {
                    names.push("address");
                }
                let mut child = inner_params.clone();
                if let Some(a) = &address {
                    child.push(Term::compound("address", vec![a.clone()]));
                }
                child.extend(params::without(&outer, &names));
                if let Some(r) = self.reqs.get_mut(&id) {
                    r.kind = Kind::Wrap { inner: inner.clone(), result: None };
                }
                self.start_child(id, 0, inner, child);
            }
            Shape::Simple(g) => self.start_simple(id, &g),
        }
        id
    }

    fn inherited_params(&self, id: u64) -> Vec<Term> {
        let raw = self.reqs.get(&id).map(|r| r.raw.as_slice()).unwrap_or(&[]);
        raw.iter()
            .filter(|p| p.functor().is_some_and(|(f, _)| INHERITED.contains(&f)))
            .cloned()
            .collect()
    }

    fn start_child(&mut self, parent: u64, slot: usize, goal: Term, params: Vec<Term>) {
        let Some(p) = self.reqs.get(&parent) else { return };
        let (requester, deadline) = (p.requester, p.deadline);
        let child = self.start(goal, params, requester, Cont::Parent(parent, slot), deadline);
        if let Some(p) = self.reqs.get_mut(&parent) {
            p.children.push(child);
        }
    }

    fn launch_stage(&mut self, id: u64) {
        let child_params = self.inherited_params(id);
        let Some(r) = self.reqs.get_mut(&id) else { return };
        let Kind::Conj { stage, partials, slots, outstanding, .. } = &mut r.kind else { return };
        partials.truncate(MAX_PARTIALS);
        let goals: Vec<Term> = partials.iter().map(|p| conj_part(p, *stage)).collect();
        *slots = vec![None; goals.len()];
        *outstanding = goals.len();
        for (k, g) in goals.into_iter().enumerate() {
            self.start_child(id, k, g, child_params.clone());
        }
    }

    /// Candidate providers for a plain goal, in dispatch order (0 is the
    /// facilitator itself).
    pub(super) fn candidates(
        &self,
        goal: &Term,
        p: &SolveParams,
        requester: Requester,
        need: Need,
    ) -> Vec<ConnId> {
        let me = match requester {
            Requester::Agent(c) => Some(c),
            Requester::Facilitator => None,
        };
        if let Some(addrs) = &p.address {
            return self.resolve_addresses(addrs, me);
        }
        let mut cands: Vec<(i64, ConnId)> = Vec::new();
        if let Some(u) = self.local_match(goal, need) {
            cands.push((u, 0));
        }
        for a in self.agents.values() {
            if a.status != Status::Ready || (!p.reflexive && Some(a.id) == me) {
                continue;
            }
            if let Some(u) = a.best_match(goal, need) {
                cands.push((u, a.id));
            }
        }
        // Stable: equal utilities keep registration order.
        cands.sort_by_key(|c| std::cmp::Reverse(c.0));
        let mut out: Vec<ConnId> = cands.into_iter().map(|c| c.1).collect();
        if let Some(n) = p.provider_limit {
            out.truncate(n);
        }
        out
    }

    fn start_simple(&mut self, id: u64, goal: &Term) {
        let Some(r) = self.reqs.get(&id) else { return };
        let cands = self.candidates(goal, &r.params, r.requester, Need::Call);
        if !r.params.reply {
            // reply(none): tell every provider and forget about it.
            let fwd = self.forward_params(id);
            for c in cands {
                if c == 0 {
                    let fired_goal = goal.clone();
                    let _ = self.local_solve(&fired_goal);
                } else {
                    // A fresh id nobody waits for: a reply sent anyway is ignored.
                    let sub = self.next_sub;
                    self.next_sub += 1;
                    self.send(
                        c,
                        Msg::Solve { id: Term::Int(sub), goal: goal.clone(), params: fwd.clone() },
                    );
                }
            }
            self.finalize(id, false);
            return;
        }
        let sequential = !r.params.parallel_ok;
        let n = cands.len();
        // Keep each candidate's address: it may leave before it answers.
        let cands: Vec<(ConnId, Term)> =
            cands.into_iter().map(|c| (c, self.address_of(c))).collect();
        if let Some(r) = self.reqs.get_mut(&id) {
            r.kind = Kind::Simple {
                cands,
                next: 0,
                outstanding: 0,
                results: vec![Vec::new(); n],
                sequential,
            };
        }
        self.dispatch(id);
    }

    fn forward_params(&self, id: u64) -> Vec<Term> {
        let Some(r) = self.reqs.get(&id) else { return Vec::new() };
        let mut p = params::without(&r.raw, &NOT_FORWARDED);
        let from = match r.requester {
            Requester::Agent(c) => self.address_of(c),
            Requester::Facilitator => self.fac_address.clone(),
        };
        p.push(Term::compound("from", vec![from]));
        p
    }

    fn limit_reached(r: &Request, results: &[Vec<Term>]) -> bool {
        let got: usize = results.iter().map(Vec::len).sum();
        r.params.solution_limit.is_some_and(|n| got >= n)
    }

    /// Sends the next subrequests of a leaf request.
    fn dispatch(&mut self, id: u64) {
        let fwd = self.forward_params(id);
        loop {
            let Some(r) = self.reqs.get_mut(&id) else { return };
            let Kind::Simple { cands, next, outstanding, sequential, .. } = &mut r.kind else {
                return;
            };
            if *next >= cands.len() || (*sequential && *outstanding > 0) {
                break;
            }
            let i = *next;
            *next += 1;
            let c = cands[i].0;
            let goal = r.goal.clone();
            if c != 0 && !self.agents.contains_key(&c) {
                // Left after selection: counts as an empty answer.
                self.record(id, i, Vec::new());
                continue;
            }
            if c == 0 {
                let sols = self.local_solve(&goal);
                self.record(id, i, sols);
                if self.leaf_should_stop(id) {
                    break;
                }
                continue;
            }
            *outstanding += 1;
            let sub = self.next_sub;
            self.next_sub += 1;
            self.subs.insert(sub, Sub::Solve { req: id, cand: i, conn: c });
            let addr = self.address_of(c);
            if let Some(r) = self.reqs.get_mut(&id) {
                push_unique(&mut r.requestees, addr);
            }
            self.send(c, Msg::Solve { id: Term::Int(sub), goal, params: fwd.clone() });
        }
        self.maybe_finish_leaf(id);
    }

    fn leaf_should_stop(&self, id: u64) -> bool {
        let Some(r) = self.reqs.get(&id) else { return true };
        let Kind::Simple { results, sequential, .. } = &r.kind else { return true };
        Self::limit_reached(r, results) && *sequential
    }

    fn maybe_finish_leaf(&mut self, id: u64) {
        let Some(r) = self.reqs.get(&id) else { return };
        let Kind::Simple { cands, next, outstanding, results, .. } = &r.kind else { return };
        let all_done = *outstanding == 0 && *next >= cands.len();
        // Enough solutions: answer now; late replies are ignored.
        if all_done || Self::limit_reached(r, results) {
            self.finalize(id, false);
        }
    }

    fn record(&mut self, id: u64, cand: usize, sols: Vec<Term>) {
        let addr = match self.reqs.get(&id).map(|r| &r.kind) {
            Some(Kind::Simple { cands, .. }) => cands[cand].1.clone(),
            _ => return,
        };
        let Some(r) = self.reqs.get_mut(&id) else { return };
        push_unique(&mut r.requestees, addr.clone());
        if !sols.is_empty() {
            push_unique(&mut r.solvers, addr);
        }
        if let Kind::Simple { results, .. } = &mut r.kind {
            results[cand] = sols;
        }
    }

    /// `ev_solved` from a provider.
    pub(super) fn provider_solved(&mut self, c: ConnId, id: &Term, solutions: Vec<Term>) {
        let Some(sub) = id.as_int() else { return };
        match self.subs.get(&sub) {
            Some(Sub::Solve { conn, .. }) if *conn == c => {}
            _ => return,
        }
        let Some(Sub::Solve { req, cand, .. }) = self.subs.remove(&sub) else { return };
        self.leaf_answer(req, cand, Some(solutions));
    }

    /// A leaf's provider answered (`None`: it vanished).
    fn leaf_answer(&mut self, req: u64, cand: usize, solutions: Option<Vec<Term>>) {
        let Some(r) = self.reqs.get(&req) else { return };
        let sols = lift(&r.goal, &r.goal, &solutions.unwrap_or_default());
        self.record(req, cand, sols);
        if let Some(Request { kind: Kind::Simple { outstanding, .. }, .. }) =
            self.reqs.get_mut(&req)
        {
            *outstanding = outstanding.saturating_sub(1);
        }
        let sequential = matches!(
            self.reqs.get(&req).map(|r| &r.kind),
            Some(Kind::Simple { sequential: true, .. })
        );
        if sequential && !self.leaf_should_stop(req) {
            self.dispatch(req);
        } else {
            self.maybe_finish_leaf(req);
        }
    }

    /// Connection `c` is gone: its outstanding subrequests count as empty
    /// answers (so sequential requests fail over to the next provider).
    pub(super) fn fail_provider(&mut self, c: ConnId) {
        let mut lost: Vec<(i64, u64, usize)> = self
            .subs
            .iter()
            .filter_map(|(s, sub)| match sub {
                Sub::Solve { req, cand, conn } if *conn == c => Some((*s, *req, *cand)),
                _ => None,
            })
            .collect();
        lost.sort_unstable();
        for (s, req, cand) in lost {
            self.subs.remove(&s);
            self.leaf_answer(req, cand, None);
        }
    }

    /// Drops requests whose requester left.
    pub(super) fn cancel_requester(&mut self, c: ConnId) {
        let mine: Vec<u64> = self
            .reqs
            .iter()
            .filter(|(_, r)| {
                matches!(r.cont, Cont::Client { conn, .. } if conn == c)
                    || r.requester == Requester::Agent(c) && matches!(r.cont, Cont::Discard)
            })
            .map(|(id, _)| *id)
            .collect();
        for id in mine {
            self.cancel(id);
        }
    }

    fn cancel(&mut self, id: u64) {
        let mut stack = vec![id];
        while let Some(x) = stack.pop() {
            if let Some(r) = self.reqs.remove(&x) {
                stack.extend(r.children);
            }
        }
    }

    /// Answers a request and hands its outcome on.
    pub(super) fn finalize(&mut self, id: u64, forced: bool) {
        let Some(mut r) = self.reqs.remove(&id) else { return };
        let mut solutions = match std::mem::replace(&mut r.kind, Kind::Starting) {
            Kind::Simple { results, .. } => results.into_iter().flatten().collect(),
            Kind::Conj { parts, stage, partials, slots, .. } => {
                if stage >= parts {
                    partials
                } else if forced && stage + 1 == parts {
                    slots.into_iter().flatten().flatten().collect()
                } else {
                    Vec::new()
                }
            }
            Kind::Disj { slots, .. } => slots.into_iter().flatten().flatten().collect(),
            Kind::Wrap { result, .. } => result.unwrap_or_default(),
            Kind::Starting => Vec::new(),
        };
        for child in std::mem::take(&mut r.children) {
            self.cancel(child);
        }
        if let Some(test) = &r.params.test {
            let facts = &self.data;
            solutions.retain(|s| {
                let mut bs = Bindings::new();
                unify(&r.goal, s, &mut bs) && eval::holds(test, &bs, facts).is_some()
            });
        }
        if r.params.unique_values {
            let mut seen = std::collections::HashSet::new();
            solutions.retain(|s| seen.insert(s.clone()));
        }
        if let Some(n) = r.params.solution_limit {
            solutions.truncate(n);
        }
        let outcome = Outcome { solutions, requestees: r.requestees, solvers: r.solvers };
        match r.cont {
            Cont::Client { conn, id, params, goal } => {
                if self.agents.contains_key(&conn) {
                    let goal = if r.params.return_goal { goal } else { Term::fresh_var() };
                    self.send(
                        conn,
                        Msg::Solved {
                            id,
                            requestees: outcome.requestees,
                            solvers: outcome.solvers,
                            goal,
                            params,
                            solutions: outcome.solutions,
                        },
                    );
                }
            }
            Cont::Parent(parent, slot) => self.queue.push_back(Done { parent, slot, outcome }),
            Cont::Discard => {}
        }
    }

    /// Delivers finished children to their parents until nothing is left.
    pub(super) fn drain(&mut self) {
        while let Some(done) = self.queue.pop_front() {
            self.child_done(done);
        }
    }

    fn child_done(&mut self, done: Done) {
        let Done { parent, slot, outcome } = done;
        let Some(r) = self.reqs.get_mut(&parent) else { return };
        for a in outcome.requestees {
            push_unique(&mut r.requestees, a);
        }
        for a in outcome.solvers {
            push_unique(&mut r.solvers, a);
        }
        let expired = r.expired;
        let goal = r.goal.clone();
        let finish = match &mut r.kind {
            Kind::Conj { parts, stage, partials, slots, outstanding } => {
                let Some(p) = partials.get(slot) else { return };
                let part = conj_part(p, *stage);
                let lifted = lift(p, &part, &outcome.solutions);
                if let Some(s) = slots.get_mut(slot) {
                    *s = Some(lifted);
                }
                *outstanding = outstanding.saturating_sub(1);
                if *outstanding > 0 {
                    return;
                }
                *partials = std::mem::take(slots).into_iter().flatten().flatten().collect();
                *stage += 1;
                if *stage >= *parts || partials.is_empty() {
                    *stage = *parts;
                    true
                } else if expired {
                    partials.clear();
                    *stage = *parts;
                    true
                } else {
                    false
                }
            }
            Kind::Disj { branches, slots, outstanding } => {
                let Some(b) = branches.get(slot) else { return };
                let lifted = lift(&goal, b, &outcome.solutions);
                if let Some(s) = slots.get_mut(slot) {
                    *s = Some(lifted);
                }
                *outstanding = outstanding.saturating_sub(1);
                *outstanding == 0
            }
            Kind::Wrap { inner, result } => {
                *result = Some(lift(&goal, inner, &outcome.solutions));
                true
            }
            _ => false,
        };
        if finish {
            self.finalize(parent, false);
        } else {
            self.launch_stage(parent);
        }
    }

    /// A request's time limit passed: answer with what has arrived, children
    /// first so their partial results flow up.
    pub(super) fn expire(&mut self, id: u64) {
        let mut order = Vec::new();
        let mut stack = vec![id];
        while let Some(x) = stack.pop() {
            if let Some(r) = self.reqs.get_mut(&x) {
                r.expired = true;
                order.push(x);
                stack.extend(r.children.iter().copied());
            }
        }
        for x in order.into_iter().rev() {
            if self.reqs.contains_key(&x) {
                self.finalize(x, true);
                self.drain();
            }
        }
    }
}
