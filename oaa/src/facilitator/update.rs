//! Data and trigger updates (reference §8, §9): routing
//! `ev_update_data` / `ev_update_trigger` to holders (agents or the
//! facilitator itself), collecting their replies, and running data, comm
//! and time triggers held by the facilitator.
//!
//! Performs no I/O. Updates are routed like solves: an `address(...)`
//! picks the holders; otherwise the clause (or trigger condition) is
//! matched against data solvables — writable ones for data updates.

use tracing::debug;

use super::core::Core;
use super::registry::{ConnId, Need};
use super::solve::{Cont, Requester, Sub};
use crate::icl::Term;
use crate::logic::data::{Change, UpdateOptions, head};
use crate::logic::trigger::{Fired, TriggerKind, action_parts};
use crate::protocol::Msg;
use crate::protocol::params::{self, SolveParams, get_bool};

/// A data or trigger update waiting for its holders' replies.
#[derive(Debug)]
pub struct Update {
    conn: ConnId,
    reply: Option<Msg>,
    requestees: Vec<Term>,
    updaters: Vec<Term>,
    outstanding: usize,
}

/// Splits a `replace` clause: `[Old, New]` (our wire choice) or
/// `replace(Old, New)`.
pub fn replace_parts(clause: &Term) -> Option<(Term, Term)> {
    match clause {
        Term::List(items) if items.len() == 2 => Some((items[0].clone(), items[1].clone())),
        Term::Struct(f, a) if f.as_str() == "replace" && a.len() == 2 => {
            Some((a[0].clone(), a[1].clone()))
        }
        _ => None,
    }
}

/// Update options from parameters.
pub fn options(params: &[Term]) -> UpdateOptions {
    UpdateOptions {
        at_beginning: get_bool(params, "at_beginning", false),
        do_all: get_bool(params, "do_all", false),
    }
}

impl Core {
    fn forward_update_params(&self, c: ConnId, params: &[Term]) -> Vec<Term> {
        let mut p = params::without(params, &["address", "from", "get_satisfiers", "get_address"]);
        p.push(Term::compound("from", vec![self.address_of(c)]));
        p
    }

    fn begin_update(&mut self, c: ConnId, reply: Option<Msg>) -> u64 {
        let id = self.next_req;
        self.next_req += 1;
        self.updates.insert(
            id,
            Update { conn: c, reply, requestees: Vec::new(), updaters: Vec::new(), outstanding: 0 },
        );
        id
    }

    fn forward_to_holder(
        &mut self,
        upd: u64,
        holder: ConnId,
        msg: impl FnOnce(Term) -> Msg,
        track: bool,
    ) {
        let addr = self.address_of(holder);
        let sub = self.next_sub;
        self.next_sub += 1;
        if track {
            self.subs.insert(sub, Sub::Update { upd, conn: holder });
            if let Some(u) = self.updates.get_mut(&upd) {
                u.outstanding += 1;
                u.requestees.push(addr);
            }
        }
        self.send(holder, msg(Term::Int(sub)));
    }

    fn local_result(&mut self, upd: u64, ok: bool) {
        let addr = self.fac_address.clone();
        if let Some(u) = self.updates.get_mut(&upd) {
            u.requestees.push(addr.clone());
            if ok {
                u.updaters.push(addr);
            }
        }
    }

    fn maybe_finish_update(&mut self, upd: u64) {
        if self.updates.get(&upd).is_some_and(|u| u.outstanding == 0) {
            let Some(u) = self.updates.remove(&upd) else { return };
            let Some(reply) = u.reply else { return };
            let msg = match reply {
                Msg::DataUpdated { id, mode, clause, params, .. } => Msg::DataUpdated {
                    id,
                    mode,
                    clause,
                    params,
                    requestees: u.requestees,
                    updaters: u.updaters,
                },
                Msg::TriggerUpdated { id, mode, kind, cond, action, params, .. } => {
                    Msg::TriggerUpdated {
                        id,
                        mode,
                        kind,
                        cond,
                        action,
                        params,
                        requestees: u.requestees,
                        updaters: u.updaters,
                    }
                }
                other => other,
            };
            if self.agents.contains_key(&u.conn) {
                self.send(u.conn, msg);
            }
        }
    }

    /// `ev_update_data` from a client.
    pub(super) fn update_data(
        &mut self,
        c: ConnId,
        id: Term,
        mode: Term,
        clause: Term,
        params: Vec<Term>,
    ) {
        let m = mode.as_atom().unwrap_or("").to_string();
        let pattern = match m.as_str() {
            "replace" => replace_parts(&clause).map(|(_, new)| head(&new).clone()),
            "add" | "remove" => Some(head(&clause).clone()),
            _ => None,
        };
        let reply = (!Self::no_reply(&params)).then(|| Msg::DataUpdated {
            id,
            mode: mode.clone(),
            clause: clause.clone(),
            params: params.clone(),
            requestees: Vec::new(),
            updaters: Vec::new(),
        });
        let track = reply.is_some();
        let upd = self.begin_update(c, reply);
        if let Some(pattern) = pattern {
            let sp = SolveParams::from_terms(&params);
            let targets = self.candidates(&pattern, &sp, Requester::Agent(c), Need::Write);
            let fwd = self.forward_update_params(c, &params);
            let owner = self.address_of(c);
            for t in targets {
                if t == 0 {
                    let ok = self.apply_local_data(&m, &clause, &params, owner.clone());
                    self.local_result(upd, ok);
                } else {
                    let (mode, clause, fwd) = (mode.clone(), clause.clone(), fwd.clone());
                    self.forward_to_holder(
                        upd,
                        t,
                        |sub| Msg::UpdateData { id: sub, mode, clause, params: fwd },
                        track,
                    );
                }
            }
        } else {
            debug!(conn = c, mode = %mode, "bad ev_update_data");
        }
        self.maybe_finish_update(upd);
    }

    /// Applies a data update to the facilitator's own store.
    fn apply_local_data(
        &mut self,
        mode: &str,
        clause: &Term,
        params: &[Term],
        owner: Term,
    ) -> bool {
        let opts = options(params);
        let changes = match mode {
            "add" => self.data.add(clause.clone(), Some(owner), opts).unwrap_or_default(),
            "remove" => self.data.remove(clause, opts),
            "replace" => match replace_parts(clause) {
                Some((old, new)) => {
                    self.data.replace(&old, new, Some(owner), opts).unwrap_or_default()
                }
                None => Vec::new(),
            },
            _ => Vec::new(),
        };
        let ok = !changes.is_empty();
        self.data_changed(changes);
        ok
    }

    /// Runs the facilitator's data triggers for these changes.
    pub(super) fn data_changed(&mut self, changes: Vec<Change>) {
        if changes.is_empty() || !self.has_triggers(TriggerKind::Data) {
            return;
        }
        for ch in changes {
            let fired = match &ch {
                Change::Add(t) => self.triggers.fire(TriggerKind::Data, t, "add", &self.data),
                Change::Remove(t) => self.triggers.fire(TriggerKind::Data, t, "remove", &self.data),
                Change::Replace(_, n) => {
                    self.triggers.fire(TriggerKind::Data, n, "replace", &self.data)
                }
            };
            self.run_actions(fired);
        }
    }

    /// Executes trigger actions held by the facilitator.
    pub(super) fn run_actions(&mut self, fired: Vec<Fired>) {
        let was = std::mem::replace(&mut self.in_trigger, true);
        for f in fired {
            let (kind, goal, params) = action_parts(&f.action);
            debug!(action = %f.action, "trigger fired");
            if kind == "interpret" {
                let _ = self.local_solve(&goal);
            } else {
                self.start(goal, params, Requester::Facilitator, Cont::Discard, None);
            }
        }
        self.in_trigger = was;
    }

    /// `ev_update_trigger` from a client.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn update_trigger(
        &mut self,
        c: ConnId,
        id: Term,
        mode: Term,
        kind_t: Term,
        cond: Term,
        action: Term,
        params: Vec<Term>,
    ) {
        let reply = (!Self::no_reply(&params)).then(|| Msg::TriggerUpdated {
            id,
            mode: mode.clone(),
            kind: kind_t.clone(),
            cond: cond.clone(),
            action: action.clone(),
            params: params.clone(),
            requestees: Vec::new(),
            updaters: Vec::new(),
        });
        let track = reply.is_some();
        let upd = self.begin_update(c, reply);
        let sp = SolveParams::from_terms(&params);
        let targets = match TriggerKind::from_term(&kind_t) {
            Some(TriggerKind::Data) => {
                self.candidates(&cond, &sp, Requester::Agent(c), Need::DataTrigger)
            }
            Some(TriggerKind::Task) => {
                self.candidates(&cond, &sp, Requester::Agent(c), Need::TaskTrigger)
            }
            Some(TriggerKind::Comm | TriggerKind::Time) => match &sp.address {
                Some(a) => self.resolve_addresses(a, Some(c)),
                None => vec![0],
            },
            None => Vec::new(),
        };
        let fwd = self.forward_update_params(c, &params);
        let owner = self.address_of(c);
        for t in targets {
            if t == 0 {
                let ok = self.apply_local_trigger(
                    &mode,
                    &kind_t,
                    &cond,
                    &action,
                    &params,
                    owner.clone(),
                );
                self.local_result(upd, ok);
            } else {
                let (mode, kind, cond, action, fwd) =
                    (mode.clone(), kind_t.clone(), cond.clone(), action.clone(), fwd.clone());
                self.forward_to_holder(
                    upd,
                    t,
                    |sub| Msg::UpdateTrigger { id: sub, mode, kind, cond, action, params: fwd },
                    track,
                );
            }
        }
        self.maybe_finish_update(upd);
    }

    fn apply_local_trigger(
        &mut self,
        mode: &Term,
        kind_t: &Term,
        cond: &Term,
        action: &Term,
        params: &[Term],
        owner: Term,
    ) -> bool {
        let Some(kind) = TriggerKind::from_term(kind_t) else { return false };
        match mode.as_atom() {
            Some("add") => {
                if kind == TriggerKind::Time
                    && super::timers::parse_time(cond, self.now, self.unix).is_none()
                {
                    return false;
                }
                let params = params::without(params, &["address", "from"]);
                let id = self.triggers.add(kind, cond.clone(), action.clone(), params, Some(owner));
                if kind == TriggerKind::Time {
                    self.schedule_time(id, cond);
                }
                true
            }
            Some("remove") => {
                let n = self.triggers.remove(kind, cond, action);
                let alive: Vec<u64> = self.triggers.triggers().iter().map(|t| t.id).collect();
                self.time_sched.retain(|id, _| alive.contains(id));
                n > 0
            }
            _ => false,
        }
    }

    /// A holder answered a forwarded update.
    pub(super) fn holder_replied(&mut self, c: ConnId, id: &Term, ok: bool) {
        let Some(sub) = id.as_int() else { return };
        match self.subs.get(&sub) {
            Some(Sub::Update { conn, .. }) if *conn == c => {}
            _ => return,
        }
        let Some(Sub::Update { upd, .. }) = self.subs.remove(&sub) else { return };
        let addr = self.address_of(c);
        if let Some(u) = self.updates.get_mut(&upd) {
            u.outstanding = u.outstanding.saturating_sub(1);
            if ok {
                u.updaters.push(addr);
            }
        }
        self.maybe_finish_update(upd);
    }

    /// Connection `c` is gone: its pending holder replies count as failures
    /// and updates it requested are dropped.
    pub(super) fn updates_lost(&mut self, c: ConnId) {
        let mut lost: Vec<(i64, u64)> = self
            .subs
            .iter()
            .filter_map(|(s, sub)| match sub {
                Sub::Update { upd, conn } if *conn == c => Some((*s, *upd)),
                _ => None,
            })
            .collect();
        lost.sort_unstable();
        for (s, upd) in lost {
            self.subs.remove(&s);
            if let Some(u) = self.updates.get_mut(&upd) {
                u.outstanding = u.outstanding.saturating_sub(1);
            }
            self.maybe_finish_update(upd);
        }
        self.updates.retain(|_, u| u.conn != c);
    }
}
