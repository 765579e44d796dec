//! Typed protocol messages and their ICL forms (reference §3.5, §14).
//!
//! Performs no I/O. Every message is the `Content` of an
//! `event(Content, Params)` envelope. Shapes marked [?] in the reference are
//! fixed here as documented in `docs/oaa-protocol.md`:
//! `ev_data_updated(Id, Mode, Clause, Params, Requestees, Updaters)` and
//! `ev_trigger_updated(Id, Mode, Type, Cond, Action, Params, Requestees,
//! Updaters)`.

use super::params::list_items;
use crate::icl::Term;

/// One protocol message (the content of an event).
// Fields are named after the wire arguments in the variant docs.
#[allow(missing_docs)]
#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    /// `ev_connect(Info)`.
    Connect(Vec<Term>),
    /// `ev_connected(Info)`.
    Connected(Vec<Term>),
    /// `ev_connected(exception(Reason))`: the handshake was refused.
    ConnectRefused(Term),
    /// `ev_register_solvables(Mode, Solvables, Name, Params)`.
    Register { mode: Term, solvables: Vec<Term>, name: Term, params: Vec<Term> },
    /// `ev_ready(Name)`.
    Ready(Term),
    /// `ev_post_declare(Mode, Solvables, Params)`.
    PostDeclare { mode: Term, solvables: Vec<Term>, params: Vec<Term> },
    /// `ev_solve(GoalId, Goal, Params)`.
    Solve { id: Term, goal: Term, params: Vec<Term> },
    /// `ev_solved(GoalId, Requestees, Solvers, Goal, Params, Solutions)`.
    Solved {
        id: Term,
        requestees: Vec<Term>,
        solvers: Vec<Term>,
        goal: Term,
        params: Vec<Term>,
        solutions: Vec<Term>,
    },
    /// `ev_update_data(GoalId, Mode, Clause, Params)`; for `replace` the
    /// clause is `[Old, New]`.
    UpdateData { id: Term, mode: Term, clause: Term, params: Vec<Term> },
    /// `ev_data_updated(GoalId, Mode, Clause, Params, Requestees, Updaters)`.
    DataUpdated {
        id: Term,
        mode: Term,
        clause: Term,
        params: Vec<Term>,
        requestees: Vec<Term>,
        updaters: Vec<Term>,
    },
    /// `ev_update_trigger(GoalId, Mode, Type, Cond, Action, Params)`.
    UpdateTrigger { id: Term, mode: Term, kind: Term, cond: Term, action: Term, params: Vec<Term> },
    /// `ev_trigger_updated(GoalId, Mode, Type, Cond, Action, Params,
    /// Requestees, Updaters)`.
    TriggerUpdated {
        id: Term,
        mode: Term,
        kind: Term,
        cond: Term,
        action: Term,
        params: Vec<Term>,
        requestees: Vec<Term>,
        updaters: Vec<Term>,
    },
    /// `ev_post_event(Target, Event)` or `ev_post_event(Event)`.
    PostEvent { target: Option<Term>, event: Term },
    /// `ev_heartbeat` (any arguments are echoed in the reply).
    Heartbeat(Vec<Term>),
    /// `ev_heartbeat_reply`.
    HeartbeatReply(Vec<Term>),
    /// Extension `x_ev_agent_left(Addr)`: tells data holders that an agent
    /// left, so facts and triggers it owned can be dropped.
    AgentLeft(Term),
    /// Anything else, kept as is.
    Other(Term),
}

fn s(name: &str, args: Vec<Term>) -> Term {
    Term::compound(name, args)
}

fn l(items: &[Term]) -> Term {
    Term::list(items.to_vec())
}

impl Msg {
    /// Reads a message from an event's content.
    pub fn from_term(t: &Term) -> Msg {
        let a = t.args();
        let li = |i: usize| list_items(&a[i]);
        match t.functor() {
            Some(("ev_connect", 1)) => Msg::Connect(li(0)),
            Some(("ev_connected", 1)) => {
                if a[0].is("exception", 1) {
                    Msg::ConnectRefused(a[0].args()[0].clone())
                } else {
                    Msg::Connected(li(0))
                }
            }
            Some(("ev_register_solvables", 4)) => Msg::Register {
                mode: a[0].clone(),
                solvables: li(1),
                name: a[2].clone(),
                params: li(3),
            },
            Some(("ev_ready", 1)) => Msg::Ready(a[0].clone()),
            Some(("ev_post_declare", 3)) => {
                Msg::PostDeclare { mode: a[0].clone(), solvables: li(1), params: li(2) }
            }
            Some(("ev_solve", 3)) => {
                Msg::Solve { id: a[0].clone(), goal: a[1].clone(), params: li(2) }
            }
            Some(("ev_solved", 6)) => Msg::Solved {
                id: a[0].clone(),
                requestees: li(1),
                solvers: li(2),
                goal: a[3].clone(),
                params: li(4),
                solutions: li(5),
            },
            Some(("ev_update_data", 4)) => Msg::UpdateData {
                id: a[0].clone(),
                mode: a[1].clone(),
                clause: a[2].clone(),
                params: li(3),
            },
            Some(("ev_data_updated", 6)) => Msg::DataUpdated {
                id: a[0].clone(),
                mode: a[1].clone(),
                clause: a[2].clone(),
                params: li(3),
                requestees: li(4),
                updaters: li(5),
            },
            Some(("ev_update_trigger", 6)) => Msg::UpdateTrigger {
                id: a[0].clone(),
                mode: a[1].clone(),
                kind: a[2].clone(),
                cond: a[3].clone(),
                action: a[4].clone(),
                params: li(5),
            },
            Some(("ev_trigger_updated", 8)) => Msg::TriggerUpdated {
                id: a[0].clone(),
                mode: a[1].clone(),
                kind: a[2].clone(),
                cond: a[3].clone(),
                action: a[4].clone(),
                params: li(5),
                requestees: li(6),
                updaters: li(7),
            },
            Some(("ev_post_event", 1)) => Msg::PostEvent { target: None, event: a[0].clone() },
            Some(("ev_post_event", 2)) => {
                Msg::PostEvent { target: Some(a[0].clone()), event: a[1].clone() }
            }
            Some(("ev_heartbeat", _)) => Msg::Heartbeat(a.to_vec()),
            Some(("ev_heartbeat_reply", _)) => Msg::HeartbeatReply(a.to_vec()),
            Some(("x_ev_agent_left", 1)) => Msg::AgentLeft(a[0].clone()),
            _ => Msg::Other(t.clone()),
        }
    }

    /// The message as an event content term.
    pub fn to_term(&self) -> Term {
        match self {
            Msg::Connect(info) => s("ev_connect", vec![l(info)]),
            Msg::Connected(info) => s("ev_connected", vec![l(info)]),
            Msg::ConnectRefused(r) => s("ev_connected", vec![s("exception", vec![r.clone()])]),
            Msg::Register { mode, solvables, name, params } => s(
                "ev_register_solvables",
                vec![mode.clone(), l(solvables), name.clone(), l(params)],
            ),
            Msg::Ready(name) => s("ev_ready", vec![name.clone()]),
            Msg::PostDeclare { mode, solvables, params } => {
                s("ev_post_declare", vec![mode.clone(), l(solvables), l(params)])
            }
            Msg::Solve { id, goal, params } => {
                s("ev_solve", vec![id.clone(), goal.clone(), l(params)])
            }
            Msg::Solved { id, requestees, solvers, goal, params, solutions } => s(
                "ev_solved",
                vec![id.clone(), l(requestees), l(solvers), goal.clone(), l(params), l(solutions)],
            ),
            Msg::UpdateData { id, mode, clause, params } => {
                s("ev_update_data", vec![id.clone(), mode.clone(), clause.clone(), l(params)])
            }
            Msg::DataUpdated { id, mode, clause, params, requestees, updaters } => s(
                "ev_data_updated",
                vec![
                    id.clone(),
                    mode.clone(),
                    clause.clone(),
                    l(params),
                    l(requestees),
                    l(updaters),
                ],
            ),
            Msg::UpdateTrigger { id, mode, kind, cond, action, params } => s(
                "ev_update_trigger",
                vec![
                    id.clone(),
                    mode.clone(),
                    kind.clone(),
                    cond.clone(),
                    action.clone(),
                    l(params),
                ],
            ),
            Msg::TriggerUpdated { id, mode, kind, cond, action, params, requestees, updaters } => {
                s(
                    "ev_trigger_updated",
                    vec![
                        id.clone(),
                        mode.clone(),
                        kind.clone(),
                        cond.clone(),
                        action.clone(),
                        l(params),
                        l(requestees),
                        l(updaters),
                    ],
                )
            }
            Msg::PostEvent { target: None, event } => s("ev_post_event", vec![event.clone()]),
            Msg::PostEvent { target: Some(t), event } => {
                s("ev_post_event", vec![t.clone(), event.clone()])
            }
            Msg::Heartbeat(args) => Term::compound("ev_heartbeat", args.clone()),
            Msg::HeartbeatReply(args) => Term::compound("ev_heartbeat_reply", args.clone()),
            Msg::AgentLeft(a) => s("x_ev_agent_left", vec![a.clone()]),
            Msg::Other(t) => t.clone(),
        }
    }
}
