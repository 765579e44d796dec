//! The agent library's local side: dispatching incoming events, answering
//! data solvables from the agent's own store, calling the [`Handler`] for
//! procedure solvables, holding triggers and firing their actions.
//!
//! Performs no socket I/O itself: outgoing frames go to the writer task's
//! channel, counted in the connection's output backlog; a facilitator that
//! lets the backlog reach its cap is not reading and the connection is
//! closed. Forwarded requests wait for the handler within a byte budget;
//! past it they are answered at once with no solutions. State sits behind
//! a `std::sync::Mutex` that is never held across an await or a handler
//! call.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use tokio::sync::{mpsc, oneshot};
use tokio::task::AbortHandle;
use tracing::{debug, info, warn};

use super::budget::{Budget, Take};
use super::config::AgentError;
use super::conn::WriterMsg;
use super::handler::{Handler, Request};
use crate::facilitator::registry::template_matches;
use crate::facilitator::update::{options, replace_parts};
use crate::icl::Term;
use crate::logic::data::{Change, DataStore, head};
use crate::logic::trigger::{Fired, TriggerKind, TriggerStore, action_parts};
use crate::protocol::Msg;
use crate::protocol::params::get;
use crate::protocol::solvable::{Solvable, SolvableKind};
use crate::wire::{Backlog, Charset, Envelope};

/// Mutable agent state.
pub(crate) struct State {
    pub pending: HashMap<i64, oneshot::Sender<Msg>>,
    pub solvables: Vec<Solvable>,
    pub data: DataStore,
    pub triggers: TriggerStore,
    pub cache: HashMap<Term, Vec<Term>>,
    pub closed: bool,
}

/// Shared by every handle of one agent and its reader task.
pub(crate) struct Inner {
    pub tx: mpsc::UnboundedSender<WriterMsg>,
    /// Bytes queued for the writer (it subtracts what it wrote).
    pub backlog: Arc<Backlog>,
    /// Forwarded requests the handler has not answered.
    pub budget: Arc<Budget>,
    /// The reader and writer tasks, stopped when the output overflows.
    pub tasks: Mutex<Vec<AbortHandle>>,
    /// Set once the connection was closed for an overflowing backlog.
    pub killed: AtomicBool,
    /// The facilitator's socket address, for log lines.
    pub peer: SocketAddr,
    pub charset: Charset,
    pub address: Term,
    pub facilitator: Term,
    pub name: String,
    pub handler: Option<Arc<dyn Handler>>,
    pub next_id: AtomicI64,
    pub runtime: tokio::runtime::Handle,
    pub state: Mutex<State>,
}

fn no_reply(params: &[Term]) -> bool {
    matches!(get(params, "reply").as_ref().and_then(Term::as_atom), Some("none" | "false"))
}

impl Inner {
    pub fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain data behind; keep going.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn new_id(&self) -> i64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Encodes and queues an event (checking local comm triggers).
    pub fn send(self: &Arc<Self>, msg: Msg) -> bool {
        let content = msg.to_term();
        self.check_comm(&content, "send");
        self.queue(&Envelope::new(content))
    }

    /// Encodes and queues an event for the writer; when the facilitator
    /// has let the output backlog reach its cap, closes the connection
    /// instead.
    fn queue(&self, env: &Envelope) -> bool {
        if self.killed.load(Ordering::Acquire) {
            return false;
        }
        let mut out = Vec::with_capacity(128);
        env.encode_into(self.charset, &mut out);
        let n = out.len();
        if let Err(o) = self.backlog.try_add(n) {
            warn!(
                agent = %self.name,
                peer = %self.peer,
                queued = o.queued,
                frame = o.frame,
                cap = o.cap,
                "closing connection: output backlog over the cap (facilitator not reading)"
            );
            self.kill();
            return false;
        }
        if self.tx.send(WriterMsg::Bytes(out)).is_err() {
            self.backlog.written(n);
            return false;
        }
        true
    }

    /// Ends the connection now, dropping unsent output.
    fn kill(&self) {
        if self.killed.swap(true, Ordering::AcqRel) {
            return;
        }
        let tasks = std::mem::take(&mut *self.tasks.lock().unwrap_or_else(|e| e.into_inner()));
        for t in tasks {
            t.abort();
        }
        self.connection_lost();
    }

    /// Sends a request and returns the receiver for its reply.
    pub fn request(
        self: &Arc<Self>,
        make: impl FnOnce(Term) -> Msg,
    ) -> Option<oneshot::Receiver<Msg>> {
        let id = self.new_id();
        let (tx, rx) = oneshot::channel();
        {
            let mut st = self.lock();
            if st.closed {
                return None;
            }
            st.pending.insert(id, tx);
        }
        if !self.send(make(Term::Int(id))) {
            self.lock().pending.remove(&id);
            return None;
        }
        Some(rx)
    }

    fn check_comm(self: &Arc<Self>, content: &Term, op: &str) {
        let fired = {
            let mut st = self.lock();
            if !st.triggers.triggers().iter().any(|t| t.kind == TriggerKind::Comm) {
                return;
            }
            let subject = Term::compound(
                "event",
                vec![self.facilitator.clone(), content.clone(), Term::nil()],
            );
            let st = &mut *st;
            st.triggers.fire(TriggerKind::Comm, &subject, op, &st.data)
        };
        // Actions must not re-check comm triggers on their own sends
        // forever: run them without the comm check.
        self.run_actions(fired);
    }

    /// The reader task lost the connection.
    pub fn connection_lost(&self) {
        let mut st = self.lock();
        st.closed = true;
        // Dropping the senders wakes every waiter with an error.
        st.pending.clear();
    }

    /// Dispatches one received event, which took `wire_len` bytes.
    pub fn incoming(self: &Arc<Self>, env: Envelope, wire_len: usize) {
        let msg = Msg::from_term(&env.content);
        self.check_comm(&env.content, "receive");
        match msg {
            Msg::Solved { ref id, .. }
            | Msg::DataUpdated { ref id, .. }
            | Msg::TriggerUpdated { ref id, .. } => {
                let waiter = id.as_int().and_then(|i| self.lock().pending.remove(&i));
                if let Some(w) = waiter {
                    let _ = w.send(msg);
                }
            }
            Msg::Solve { id, goal, params } => self.answer(id, goal, params, wire_len),
            Msg::UpdateData { id, mode, clause, params } => {
                self.holder_update(id, mode, clause, params)
            }
            Msg::UpdateTrigger { id, mode, kind, cond, action, params } => {
                let owner = get(&params, "from");
                let ok = self.install_trigger(
                    &mode,
                    &kind,
                    cond.clone(),
                    action.clone(),
                    params.clone(),
                    owner,
                );
                if !no_reply(&params) {
                    let updaters = if ok { vec![self.address.clone()] } else { Vec::new() };
                    self.send(Msg::TriggerUpdated {
                        id,
                        mode,
                        kind,
                        cond,
                        action,
                        params: Vec::new(),
                        requestees: Vec::new(),
                        updaters,
                    });
                }
            }
            Msg::Heartbeat(args) => {
                self.send(Msg::HeartbeatReply(args));
            }
            Msg::AgentLeft(addr) => {
                let (changes, fired) = {
                    let mut st = self.lock();
                    let changes = st.data.remove_owned_by(&addr);
                    st.triggers.remove_owned_by(&addr);
                    let fired = fire_changes(&mut st, &changes);
                    (changes, fired)
                };
                debug!(agent = %self.name, left = %addr, removed = changes.len(), "owner left");
                self.run_actions(fired);
            }
            Msg::Connected(_) | Msg::ConnectRefused(_) | Msg::HeartbeatReply(_) => {}
            _ => {
                if let Some(h) = &self.handler {
                    h.event(&env.content, &env.params);
                }
            }
        }
    }

    /// Answers a forwarded `ev_solve`: data solvables from the store,
    /// procedure solvables through the handler; both when both match. A
    /// request for the handler holds `wire_len` bytes of the budget until
    /// answered; with the budget used up it is answered at once with the
    /// data solutions only.
    fn answer(self: &Arc<Self>, id: Term, goal: Term, params: Vec<Term>, wire_len: usize) {
        let (data_sols, mut procedure) = {
            let st = self.lock();
            let matching: Vec<&Solvable> = st
                .solvables
                .iter()
                .filter(|s| !s.private && template_matches(&s.template, &goal))
                .collect();
            let data = if matching.iter().any(|s| s.kind == SolvableKind::Data) {
                st.data.query(&goal)
            } else {
                Vec::new()
            };
            let procedure =
                matching.iter().find(|s| s.kind != SolvableKind::Data).map(|s| (*s).clone());
            (data, procedure)
        };
        let held = match (&procedure, &self.handler) {
            (Some(_), Some(_)) => match self.budget.take(wire_len) {
                Take::Accepted { held, resumed } => {
                    if let Some(n) = resumed {
                        info!(agent = %self.name, refused = n, "accepting requests again");
                    }
                    Some(held)
                }
                Take::Refused { first } => {
                    if first {
                        warn!(
                            agent = %self.name,
                            peer = %self.peer,
                            cap = self.budget.cap(),
                            "unanswered requests over the cap: answering new ones with no \
                             solutions until the handler catches up"
                        );
                    }
                    procedure = None;
                    None
                }
            },
            _ => None,
        };
        let reply = !no_reply(&params);
        let me = Arc::downgrade(self);
        let respond = move |mut sols: Vec<Term>, data: Vec<Term>| {
            // Unanswered work until here.
            let _held = held;
            if !reply {
                return;
            }
            let Some(inner) = me.upgrade() else { return };
            let mut all = data;
            all.append(&mut sols);
            inner.send(Msg::Solved {
                id,
                requestees: Vec::new(),
                solvers: Vec::new(),
                goal: Term::fresh_var(),
                params: Vec::new(),
                solutions: all,
            });
        };
        match (procedure, &self.handler) {
            (Some(s), Some(h)) => {
                let local = LocalData(Arc::downgrade(self));
                let req = Request::new(
                    goal,
                    params,
                    s,
                    Box::new(move |sols| respond(sols, data_sols)),
                    local,
                );
                h.solve(req);
            }
            _ => respond(Vec::new(), data_sols),
        }
    }

    /// Applies an `ev_update_data` routed to us. Remote writers need the
    /// public `write(true)` permission; the owner uses the local API.
    fn holder_update(self: &Arc<Self>, id: Term, mode: Term, clause: Term, params: Vec<Term>) {
        let owner = get(&params, "from");
        let m = mode.as_atom().unwrap_or("");
        let pattern = match m {
            "replace" => replace_parts(&clause).map(|(_, n)| head(&n).clone()),
            _ => Some(head(&clause).clone()),
        };
        let (ok, fired) = {
            let mut st = self.lock();
            let writable = pattern.as_ref().is_some_and(|p| {
                st.solvables.iter().any(|s| {
                    s.kind == SolvableKind::Data && s.write && template_matches(&s.template, p)
                })
            });
            if writable {
                let changes = apply(&mut st.data, m, &clause, &params, owner);
                let fired = fire_changes(&mut st, &changes);
                (!changes.is_empty(), fired)
            } else {
                (false, Vec::new())
            }
        };
        self.run_actions(fired);
        if !no_reply(&params) {
            let updaters = if ok { vec![self.address.clone()] } else { Vec::new() };
            self.send(Msg::DataUpdated {
                id,
                mode,
                clause,
                params: Vec::new(),
                requestees: Vec::new(),
                updaters,
            });
        }
    }

    /// Installs or removes a trigger held by this agent.
    pub fn install_trigger(
        &self,
        mode: &Term,
        kind: &Term,
        cond: Term,
        action: Term,
        params: Vec<Term>,
        owner: Option<Term>,
    ) -> bool {
        let Some(kind) = TriggerKind::from_term(kind) else { return false };
        let mut st = self.lock();
        match mode.as_atom() {
            Some("add") => {
                let params = crate::protocol::params::without(&params, &["from", "address"]);
                st.triggers.add(kind, cond, action, params, owner);
                true
            }
            Some("remove") => st.triggers.remove(kind, &cond, &action) > 0,
            _ => false,
        }
    }

    /// Executes fired trigger actions. Sends go straight to the writer,
    /// without the comm-trigger check, so an action cannot retrigger itself.
    pub fn run_actions(self: &Arc<Self>, fired: Vec<Fired>) {
        for f in fired {
            let (kind, goal, params) = action_parts(&f.action);
            debug!(agent = %self.name, action = %f.action, "trigger fired");
            if kind == "interpret" {
                self.interpret(goal, params);
            } else {
                // The reply, if one was asked for, arrives under an id
                // nobody waits for and is dropped.
                let id = self.new_id();
                let msg = Msg::Solve { id: Term::Int(id), goal, params };
                self.queue(&Envelope::new(msg.to_term()));
            }
        }
    }

    /// Local evaluation (`oaa_Interpret`): the agent's own data and its
    /// handler, private solvables included; results are discarded.
    fn interpret(self: &Arc<Self>, goal: Term, params: Vec<Term>) {
        let procedure = {
            let st = self.lock();
            st.solvables
                .iter()
                .find(|s| s.kind != SolvableKind::Data && template_matches(&s.template, &goal))
                .cloned()
        };
        if let (Some(s), Some(h)) = (procedure, self.handler.clone()) {
            let req =
                Request::new(goal, params, s, Box::new(|_| {}), LocalData(Arc::downgrade(self)));
            self.runtime.spawn(async move { h.solve(req) });
        }
    }

    /// Owner-side data change (no permission check); fires triggers.
    pub fn local_update(
        self: &Arc<Self>,
        mode: &str,
        clause: &Term,
        params: &[Term],
    ) -> Result<Vec<Change>, crate::logic::data::DataError> {
        let (changes, fired) = {
            let mut st = self.lock();
            let opts = options(params);
            let changes = match mode {
                "add" => st.data.add(clause.clone(), None, opts)?,
                "remove" => st.data.remove(clause, opts),
                _ => match replace_parts(clause) {
                    Some((old, new)) => st.data.replace(&old, new, None, opts)?,
                    None => Vec::new(),
                },
            };
            let fired = fire_changes(&mut st, &changes);
            (changes, fired)
        };
        self.run_actions(fired);
        Ok(changes)
    }

    /// Fires task triggers matching `cond`.
    pub fn check_task(self: &Arc<Self>, cond: &Term, op: &str) -> usize {
        let fired = {
            let mut st = self.lock();
            let st = &mut *st;
            st.triggers.fire(TriggerKind::Task, cond, op, &st.data)
        };
        let n = fired.len();
        self.run_actions(fired);
        n
    }
}

/// The owner's API to an agent's own data solvables: no `write`
/// permission check (a deliberate deviation from OAA, where the owner would
/// need `write(true)` and so open the solvable to every agent). Changes fire
/// the data triggers held here. Usable from any thread; does nothing once
/// the agent is gone.
#[derive(Clone)]
pub struct LocalData(pub(crate) Weak<Inner>);

impl LocalData {
    fn inner(&self) -> Result<Arc<Inner>, AgentError> {
        self.0.upgrade().ok_or(AgentError::Disconnected)
    }

    /// Adds a fact (appended).
    pub fn add(&self, clause: Term) -> Result<Vec<Change>, AgentError> {
        Ok(self.inner()?.local_update("add", &clause, &[])?)
    }

    /// `add`, `remove` or `replace` (clause `[Old, New]`) with parameters
    /// such as `at_beginning(true)` or `do_all(true)`.
    pub fn update(
        &self,
        mode: &str,
        clause: Term,
        params: &[Term],
    ) -> Result<Vec<Change>, AgentError> {
        Ok(self.inner()?.local_update(mode, &clause, params)?)
    }

    /// Removes the first fact matching `pattern`, or all with `do_all`.
    pub fn remove(&self, pattern: Term, do_all: bool) -> Result<Vec<Change>, AgentError> {
        let params = if do_all {
            vec![Term::compound("do_all", vec![Term::atom("true")])]
        } else {
            Vec::new()
        };
        Ok(self.inner()?.local_update("remove", &pattern, &params)?)
    }

    /// Replaces facts matching `old` by `new`; adds `new` if none matches.
    pub fn replace(&self, old: Term, new: Term) -> Result<Vec<Change>, AgentError> {
        Ok(self.inner()?.local_update("replace", &Term::list(vec![old, new]), &[])?)
    }

    /// Instances of `goal` from the agent's own data.
    pub fn query(&self, goal: &Term) -> Vec<Term> {
        self.0.upgrade().map(|i| i.lock().data.query(goal)).unwrap_or_default()
    }
}

fn apply(
    data: &mut DataStore,
    mode: &str,
    clause: &Term,
    params: &[Term],
    owner: Option<Term>,
) -> Vec<Change> {
    let opts = options(params);
    let r = match mode {
        "add" => data.add(clause.clone(), owner, opts),
        "remove" => Ok(data.remove(clause, opts)),
        "replace" => match replace_parts(clause) {
            Some((old, new)) => data.replace(&old, new, owner, opts),
            None => Ok(Vec::new()),
        },
        _ => Ok(Vec::new()),
    };
    r.unwrap_or_else(|e| {
        warn!(error = %e, "data update refused");
        Vec::new()
    })
}

fn fire_changes(st: &mut State, changes: &[Change]) -> Vec<Fired> {
    let mut fired = Vec::new();
    if !st.triggers.triggers().iter().any(|t| t.kind == TriggerKind::Data) {
        return fired;
    }
    for ch in changes {
        let (subject, op) = match ch {
            Change::Add(t) => (t, "add"),
            Change::Remove(t) => (t, "remove"),
            Change::Replace(_, n) => (n, "replace"),
        };
        fired.extend(st.triggers.fire(TriggerKind::Data, subject, op, &st.data));
    }
    fired
}
