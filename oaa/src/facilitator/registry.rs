//! The facilitator's registry of connected agents and the candidate
//! selection pipeline (reference §5, §13.2).
//!
//! Performs no I/O. Candidates are filtered in the reference's order —
//! template unifies, solvable public, `call` permitted, `argspecs` accepted,
//! agent ready — and then sorted by utility, highest first, ties in
//! registration order (a stable sort).

use crate::icl::{Bindings, Renamer, Term, unify};
use crate::protocol::address;
use crate::protocol::solvable::{Solvable, SolvableKind};
use crate::wire::Charset;

/// Connection identifier; equal to the agent's local id.
pub type ConnId = i64;

/// Registry status of an agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Connected, not yet `ev_ready`: reachable only by explicit address.
    Open,
    /// Receives ordinary requests.
    Ready,
}

/// One connected agent.
#[derive(Clone, Debug)]
pub struct AgentEntry {
    /// Connection and local id.
    pub id: ConnId,
    /// Full address `addr(tcp(Host,Port),Id)`.
    pub address: Term,
    /// Name (not unique).
    pub name: Term,
    /// Open or ready.
    pub status: Status,
    /// Public solvables, in declaration order.
    pub solvables: Vec<Solvable>,
    /// The `ev_connect` info list (empty if the client skipped it).
    pub info: Vec<Term>,
    /// True once `ev_connect` was answered or skipped.
    pub handshaken: bool,
    /// Negotiated character set.
    pub charset: Charset,
    /// Extension features both sides support.
    pub features: Vec<String>,
}

impl AgentEntry {
    /// A freshly accepted connection.
    pub fn new(id: ConnId, host: &str, port: u16) -> AgentEntry {
        AgentEntry {
            id,
            address: address::client_address(host, port, id),
            name: Term::atom("unknown"),
            status: Status::Open,
            solvables: Vec::new(),
            info: Vec::new(),
            handshaken: false,
            charset: Charset::Latin1,
            features: Vec::new(),
        }
    }

    /// The `agent_data/6` fact describing this agent.
    pub fn agent_data(&self) -> Term {
        let ty = crate::protocol::params::get(&self.info, "other_type")
            .unwrap_or_else(|| Term::atom("client"));
        let status = match self.status {
            Status::Open => "open",
            Status::Ready => "ready",
        };
        Term::compound(
            "agent_data",
            vec![
                self.address.clone(),
                ty,
                Term::atom(status),
                Term::list(self.solvables.iter().map(Solvable::to_term).collect()),
                self.name.clone(),
                Term::list(self.info.clone()),
            ],
        )
    }

    /// The best utility among this agent's solvables that accept `goal`
    /// for a call (or a write, with `write`), or `None`.
    pub fn best_match(&self, goal: &Term, need: Need) -> Option<i64> {
        self.solvables
            .iter()
            .filter(|s| {
                need.allows(s) && template_matches(&s.template, goal) && s.accepts_args(goal)
            })
            .map(|s| s.utility)
            .max()
    }
}

/// What a candidate solvable must allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// A solve: `call` permission, any type.
    Call,
    /// A data update: a data solvable with `write` permission.
    Write,
    /// A data trigger: a data solvable.
    DataTrigger,
    /// A task trigger: a trigger solvable.
    TaskTrigger,
}

impl Need {
    fn allows(self, s: &Solvable) -> bool {
        !s.private
            && match self {
                Need::Call => s.call,
                Need::Write => s.kind == SolvableKind::Data && s.write,
                Need::DataTrigger => s.kind == SolvableKind::Data,
                Need::TaskTrigger => s.kind == SolvableKind::Trigger,
            }
    }
}

/// True when a fresh copy of `template` unifies with `goal`.
pub fn template_matches(template: &Term, goal: &Term) -> bool {
    // Most templates differ from the goal in name or arity: say so before
    // paying for the copy.
    if surely_distinct(template, goal) {
        return false;
    }
    unify(&Renamer::new().copy(template), goal, &mut Bindings::new())
}

/// True when two terms cannot unify because their principal functors
/// differ (a cheap pre-check; `false` proves nothing).
fn surely_distinct(a: &Term, b: &Term) -> bool {
    match (a, b) {
        (Term::Struct(f, xs), Term::Struct(g, ys)) => f != g || xs.len() != ys.len(),
        (Term::Atom(x), Term::Atom(y)) => x != y,
        (Term::Struct(..), Term::Atom(_)) | (Term::Atom(_), Term::Struct(..)) => true,
        _ => false,
    }
}
