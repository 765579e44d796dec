//! The public agent API: connect, register, declare, solve, update data,
//! manage triggers, post events, and the owner's local data API.
//!
//! Performs I/O through the connection tasks of `conn`.

use std::sync::Arc;
use std::time::Duration;

use super::config::{AgentConfig, AgentError};
use super::conn::{self, WriterMsg};
use super::handler::Handler;
use super::local::{Inner, LocalData};
use crate::icl::{Bindings, Renamer, Term, parse, unify};
use crate::logic::data::Change;
use crate::logic::trigger::TriggerKind;
use crate::protocol::Msg;
use crate::protocol::params::{self, SolveParams};
use crate::protocol::solvable::Solvable;

/// The answer to a solve.
#[derive(Clone, Debug, PartialEq)]
pub struct Solutions {
    /// The goal as asked.
    pub goal: Term,
    /// Instances of the goal, one per solution.
    pub solutions: Vec<Term>,
    /// Agents the facilitator asked (`get_address`).
    pub requestees: Vec<Term>,
    /// Agents that contributed solutions (`get_satisfiers`).
    pub solvers: Vec<Term>,
}

impl Solutions {
    /// True when there is no solution.
    pub fn is_empty(&self) -> bool {
        self.solutions.is_empty()
    }

    /// Number of solutions.
    pub fn len(&self) -> usize {
        self.solutions.len()
    }

    /// For each solution, the bindings it gives the goal's variables
    /// (Prolog-style backtracking over the answers).
    pub fn bindings(&self) -> Vec<Bindings> {
        self.solutions
            .iter()
            .filter_map(|s| {
                let mut bs = Bindings::new();
                unify(&self.goal, &Renamer::new().copy(s), &mut bs).then_some(bs)
            })
            .collect()
    }
}

/// The reply to a data or trigger update.
#[derive(Clone, Debug, PartialEq)]
pub struct UpdateReply {
    /// Holders asked.
    pub requestees: Vec<Term>,
    /// Holders that changed something.
    pub updaters: Vec<Term>,
}

impl UpdateReply {
    /// True when at least one holder applied the update.
    pub fn applied(&self) -> bool {
        !self.updaters.is_empty()
    }
}

struct CloseGuard(Arc<Inner>);

impl Drop for CloseGuard {
    fn drop(&mut self) {
        let _ = self.0.tx.send(WriterMsg::Close);
    }
}

/// A connected agent. Cheap to clone; the connection closes when the last
/// clone is dropped or [`Agent::close`] is called.
#[derive(Clone)]
pub struct Agent {
    inner: Arc<Inner>,
    _guard: Arc<CloseGuard>,
}

fn reply_none(params: &[Term]) -> bool {
    !SolveParams::from_terms(params).reply
}

impl Agent {
    /// Connects as a pure client (no solvables answered).
    pub async fn connect(addr: &str, cfg: AgentConfig) -> Result<Agent, AgentError> {
        Self::open(addr, cfg, None).await
    }

    /// Connects with a handler for procedure solvables.
    pub async fn connect_with_handler(
        addr: &str,
        cfg: AgentConfig,
        handler: impl Handler,
    ) -> Result<Agent, AgentError> {
        Self::open(addr, cfg, Some(Arc::new(handler))).await
    }

    async fn open(
        addr: &str,
        cfg: AgentConfig,
        h: Option<Arc<dyn Handler>>,
    ) -> Result<Agent, AgentError> {
        let inner = conn::open(addr, cfg, h).await?;
        Ok(Agent { _guard: Arc::new(CloseGuard(inner.clone())), inner })
    }

    /// This agent's address, assigned by the facilitator.
    pub fn address(&self) -> &Term {
        &self.inner.address
    }

    /// The facilitator's address.
    pub fn facilitator(&self) -> &Term {
        &self.inner.facilitator
    }

    /// The name given at connect time.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// True once the connection has closed.
    pub fn is_closed(&self) -> bool {
        self.inner.lock().closed
    }

    async fn roundtrip(
        &self,
        make: impl FnOnce(Term) -> Msg,
        limit: Option<Duration>,
    ) -> Result<Msg, AgentError> {
        let rx = self.inner.request(make).ok_or(AgentError::Disconnected)?;
        match limit {
            Some(d) => tokio::time::timeout(d, rx)
                .await
                .map_err(|_| AgentError::Timeout)?
                .map_err(|_| AgentError::Disconnected),
            None => rx.await.map_err(|_| AgentError::Disconnected),
        }
    }

    fn post(&self, msg: Msg) -> Result<(), AgentError> {
        if self.inner.send(msg) { Ok(()) } else { Err(AgentError::Disconnected) }
    }

    /// Waits until the facilitator has processed everything sent before.
    pub async fn sync(&self) -> Result<(), AgentError> {
        let goal = Term::compound("can_solve", vec![Term::atom("x_sync"), Term::fresh_var()]);
        let params = vec![Term::compound("address", vec![Term::atom("parent")])];
        self.roundtrip(|id| Msg::Solve { id, goal, params }, None).await.map(|_| ())
    }

    /// Registers solvables (`ev_register_solvables`). All are kept locally;
    /// private ones are not sent. Returns once the facilitator has them.
    pub async fn register(&self, solvables: Vec<Solvable>) -> Result<(), AgentError> {
        let public = self.remember(&[], &solvables);
        self.post(Msg::Register {
            mode: Term::atom("add"),
            solvables: public,
            name: Term::atom(&self.inner.name),
            params: vec![Term::compound("if_exists", vec![Term::atom("overwrite")])],
        })?;
        self.sync().await
    }

    /// Declares the agent ready (`ev_ready`); returns once processed.
    pub async fn ready(&self) -> Result<(), AgentError> {
        self.post(Msg::Ready(Term::atom(&self.inner.name)))?;
        self.sync().await
    }

    fn remember(&self, remove: &[Solvable], add: &[Solvable]) -> Vec<Term> {
        let mut st = self.inner.lock();
        for s in remove {
            st.solvables.retain(|o| o.template != s.template);
            st.data.undeclare(&s.template);
        }
        for s in add {
            st.solvables.retain(|o| o.template != s.template);
            st.solvables.push(s.clone());
            st.data.declare(s.clone());
        }
        add.iter().filter(|s| !s.private).map(Solvable::to_term).collect()
    }

    /// Adds solvables later (`ev_post_declare(add, ...)`).
    pub async fn declare(&self, solvables: Vec<Solvable>) -> Result<(), AgentError> {
        let terms = self.remember(&[], &solvables);
        self.post(Msg::PostDeclare {
            mode: Term::atom("add"),
            solvables: terms,
            params: Vec::new(),
        })?;
        self.sync().await
    }

    /// Removes solvables (`ev_post_declare(remove, ...)`).
    pub async fn undeclare(&self, solvables: Vec<Solvable>) -> Result<(), AgentError> {
        self.remember(&solvables, &[]);
        let terms = solvables.iter().filter(|s| !s.private).map(Solvable::to_term).collect();
        self.post(Msg::PostDeclare {
            mode: Term::atom("remove"),
            solvables: terms,
            params: Vec::new(),
        })?;
        self.sync().await
    }

    /// Swaps one set of solvables for another atomically
    /// (`ev_post_declare(replace, [Old, New], ...)`).
    pub async fn redeclare(
        &self,
        old: Vec<Solvable>,
        new: Vec<Solvable>,
    ) -> Result<(), AgentError> {
        let old_terms: Vec<Term> =
            old.iter().filter(|s| !s.private).map(Solvable::to_term).collect();
        let new_terms = self.remember(&old, &new);
        self.post(Msg::PostDeclare {
            mode: Term::atom("replace"),
            solvables: vec![Term::list(old_terms), Term::list(new_terms)],
            params: Vec::new(),
        })?;
        self.sync().await
    }

    /// Declares solvables on the facilitator (`address(parent)`): data
    /// solvables there are blackboards every client can read and write.
    pub async fn declare_on_facilitator(&self, solvables: Vec<Solvable>) -> Result<(), AgentError> {
        let terms = solvables.iter().map(Solvable::to_term).collect();
        self.post(Msg::PostDeclare {
            mode: Term::atom("add"),
            solvables: terms,
            params: vec![Term::compound("address", vec![Term::atom("parent")])],
        })?;
        self.sync().await
    }

    /// `oaa_Solve(Goal, Params)`. Return parameters (`get_address`,
    /// `get_satisfiers`, `get_goal_id`) are not sent; their values are in
    /// [`Solutions`]. With `reply(none)` this returns at once with no
    /// solutions. With `time_limit(T)` the wait is bounded by T plus a
    /// grace second in case the facilitator itself is unresponsive.
    pub async fn solve(&self, goal: Term, params: Vec<Term>) -> Result<Solutions, AgentError> {
        let sp = SolveParams::from_terms(&params);
        let sent =
            params::without(&params, &["get_address", "get_satisfiers", "get_goal_id", "cache"]);
        if sp.cache
            && let Some(hit) = self.inner.lock().cache.get(&goal).cloned()
        {
            return Ok(Solutions {
                goal,
                solutions: hit,
                requestees: Vec::new(),
                solvers: Vec::new(),
            });
        }
        if reply_none(&params) {
            let id = Term::Int(self.inner.new_id());
            self.post(Msg::Solve { id, goal: goal.clone(), params: sent })?;
            return Ok(Solutions {
                goal,
                solutions: Vec::new(),
                requestees: Vec::new(),
                solvers: Vec::new(),
            });
        }
        let limit = sp.time_limit.map(|t| t + Duration::from_secs(1));
        let g = goal.clone();
        let reply = self.roundtrip(|id| Msg::Solve { id, goal: g, params: sent }, limit).await?;
        let Msg::Solved { solutions, requestees, solvers, .. } = reply else {
            return Err(AgentError::Disconnected);
        };
        if sp.cache {
            self.inner.lock().cache.insert(goal.clone(), solutions.clone());
        }
        Ok(Solutions { goal, solutions, requestees, solvers })
    }

    /// [`Agent::solve`] with ICL text for the goal and parameters.
    pub async fn solve_str(&self, goal: &str, params: &[&str]) -> Result<Solutions, AgentError> {
        let g = parse(goal)?;
        let p = params.iter().map(|p| parse(p)).collect::<Result<Vec<_>, _>>()?;
        self.solve(g, p).await
    }

    /// Starts a solve and returns without waiting (`blocking(false)`); the
    /// handle yields the answer later.
    pub fn solve_in_background(
        &self,
        goal: Term,
        params: Vec<Term>,
    ) -> tokio::task::JoinHandle<Result<Solutions, AgentError>> {
        let me = self.clone();
        self.inner.runtime.spawn(async move { me.solve(goal, params).await })
    }

    async fn update(
        &self,
        mode: &str,
        clause: Term,
        params: Vec<Term>,
    ) -> Result<UpdateReply, AgentError> {
        let mode = Term::atom(mode);
        if reply_none(&params) {
            let id = Term::Int(self.inner.new_id());
            self.post(Msg::UpdateData { id, mode, clause, params })?;
            return Ok(UpdateReply { requestees: Vec::new(), updaters: Vec::new() });
        }
        match self.roundtrip(|id| Msg::UpdateData { id, mode, clause, params }, None).await? {
            Msg::DataUpdated { requestees, updaters, .. } => {
                Ok(UpdateReply { requestees, updaters })
            }
            _ => Err(AgentError::Disconnected),
        }
    }

    /// `oaa_AddData(Clause, Params)` (`at_beginning`, `address`, ...).
    pub async fn add_data(
        &self,
        clause: Term,
        params: Vec<Term>,
    ) -> Result<UpdateReply, AgentError> {
        self.update("add", clause, params).await
    }

    /// `oaa_RemoveData(Clause, Params)`; `do_all(true)` removes every match.
    pub async fn remove_data(
        &self,
        clause: Term,
        params: Vec<Term>,
    ) -> Result<UpdateReply, AgentError> {
        self.update("remove", clause, params).await
    }

    /// `oaa_ReplaceData(Old, New, Params)`, sent as clause `[Old, New]`.
    pub async fn replace_data(
        &self,
        old: Term,
        new: Term,
        params: Vec<Term>,
    ) -> Result<UpdateReply, AgentError> {
        self.update("replace", Term::list(vec![old, new]), params).await
    }

    async fn trigger(
        &self,
        mode: &str,
        kind: TriggerKind,
        cond: Term,
        action: Term,
        params: Vec<Term>,
    ) -> Result<UpdateReply, AgentError> {
        let kind_t = Term::atom(kind.name());
        let mode_t = Term::atom(mode);
        if kind == TriggerKind::Comm && !params::has(&params, "address") {
            // Comm triggers live with the agent itself by default.
            let ok = self.inner.install_trigger(&mode_t, &kind_t, cond, action, params, None);
            let me = vec![self.address().clone()];
            return Ok(UpdateReply {
                requestees: me.clone(),
                updaters: if ok { me } else { Vec::new() },
            });
        }
        let msg = |id| Msg::UpdateTrigger { id, mode: mode_t, kind: kind_t, cond, action, params };
        match self.roundtrip(msg, None).await? {
            Msg::TriggerUpdated { requestees, updaters, .. } => {
                Ok(UpdateReply { requestees, updaters })
            }
            _ => Err(AgentError::Disconnected),
        }
    }

    /// `oaa_AddTrigger(Type, Cond, Action, Params)`. Params include
    /// `recurrence(when|whenever|N)`, `on(Op)`, `test(Goal)`, `address(A)`.
    pub async fn add_trigger(
        &self,
        kind: TriggerKind,
        cond: Term,
        action: Term,
        params: Vec<Term>,
    ) -> Result<UpdateReply, AgentError> {
        self.trigger("add", kind, cond, action, params).await
    }

    /// `oaa_RemoveTrigger(Type, Cond, Action, Params)`.
    pub async fn remove_trigger(
        &self,
        kind: TriggerKind,
        cond: Term,
        action: Term,
        params: Vec<Term>,
    ) -> Result<UpdateReply, AgentError> {
        self.trigger("remove", kind, cond, action, params).await
    }

    /// `oaa_PostEvent`: sends `event` to `target` (an address), or to every
    /// other agent when `target` is `None`.
    pub fn post_event(&self, target: Option<Term>, event: Term) -> Result<(), AgentError> {
        self.post(Msg::PostEvent { target, event })
    }

    /// The owner's API to this agent's own data (see [`LocalData`]): add,
    /// remove, replace and query facts without the `write` permission
    /// check, firing data triggers held here.
    pub fn local(&self) -> LocalData {
        LocalData(Arc::downgrade(&self.inner))
    }

    /// Shorthand for `self.local().add(clause)`.
    pub fn data_add(&self, clause: Term) -> Result<Vec<Change>, AgentError> {
        self.local().add(clause)
    }

    /// Shorthand for `self.local().remove(pattern, do_all)`.
    pub fn data_remove(&self, pattern: Term, do_all: bool) -> Result<Vec<Change>, AgentError> {
        self.local().remove(pattern, do_all)
    }

    /// Shorthand for `self.local().replace(old, new)`.
    pub fn data_replace(&self, old: Term, new: Term) -> Result<Vec<Change>, AgentError> {
        self.local().replace(old, new)
    }

    /// Shorthand for `self.local().query(goal)`.
    pub fn data_query(&self, goal: &Term) -> Vec<Term> {
        self.local().query(goal)
    }

    /// Triggers installed on this agent, as `oaa_trigger/5` facts.
    pub fn triggers(&self) -> Vec<Term> {
        self.inner.lock().triggers.as_facts()
    }

    /// `oaa_CheckTriggers(task, Cond, Op)`: fires matching task triggers;
    /// returns how many fired.
    pub fn check_task_triggers(&self, cond: &Term, op: &str) -> usize {
        self.inner.check_task(cond, op)
    }

    /// Waits until the connection is closed by either side.
    pub async fn closed(&self) {
        while !self.is_closed() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Closes the connection (the facilitator sees end of file).
    pub fn close(&self) {
        let _ = self.inner.tx.send(WriterMsg::Close);
    }
}
