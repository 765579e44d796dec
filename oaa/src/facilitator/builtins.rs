//! The facilitator's own solvables (reference §10): `can_solve/2`,
//! `agent_data/6`, `oaa_trigger/5`, and data solvables declared on it with
//! `address(parent)` (blackboards).
//!
//! Performs no I/O.

use super::core::Core;
use super::registry::{Need, template_matches};
use super::solve::Requester;
use crate::icl::{Bindings, Renamer, Term, unify};
use crate::protocol::SolveParams;
use crate::protocol::solvable::Solvable;

/// Declarations of the built-in solvables.
pub(super) fn solvables() -> Vec<Solvable> {
    let v = |n: &str| Term::var(n);
    vec![
        Solvable::procedure(Term::compound("can_solve", vec![v("Goal"), v("Addr")])),
        Solvable::data(Term::compound(
            "agent_data",
            vec![v("Addr"), v("Type"), v("Status"), v("Solvables"), v("Name"), v("Info")],
        )),
        Solvable::data(Term::compound(
            "oaa_trigger",
            vec![v("Id"), v("Type"), v("Cond"), v("Action"), v("Params")],
        )),
    ]
}

fn instances(goal: &Term, facts: impl IntoIterator<Item = Term>) -> Vec<Term> {
    let mut out = Vec::new();
    for f in facts {
        let f = Renamer::new().copy(&f);
        let mut bs = Bindings::new();
        if unify(goal, &f, &mut bs)
            && let Ok(t) = bs.resolve(goal)
        {
            out.push(t);
        }
    }
    out
}

impl Core {
    /// The utility with which the facilitator itself can serve `goal`.
    pub(super) fn local_match(&self, goal: &Term, need: Need) -> Option<i64> {
        let builtin = matches!(need, Need::Call)
            && self.builtins.iter().any(|s| template_matches(&s.template, goal));
        let data = matches!(need, Need::Call | Need::Write | Need::DataTrigger)
            && self.data.solvables().iter().any(|s| template_matches(&s.template, goal));
        (builtin || data).then_some(5)
    }

    /// Solutions of `goal` from the facilitator's own solvables.
    pub(super) fn local_solve(&self, goal: &Term) -> Vec<Term> {
        let mut out = Vec::new();
        let (g, a) = (Term::fresh_var(), Term::fresh_var());
        let pattern = Term::compound("can_solve", vec![g.clone(), a]);
        let mut bs = Bindings::new();
        if unify(goal, &pattern, &mut bs)
            && let Ok(inner) = bs.resolve(&g)
        {
            let cands = self.candidates(
                &inner,
                &SolveParams::default(),
                Requester::Facilitator,
                Need::Call,
            );
            let facts = cands
                .into_iter()
                .map(|c| Term::compound("can_solve", vec![inner.clone(), self.address_of(c)]));
            out.extend(instances(goal, facts));
        }
        if goal.is_var() || goal.is("agent_data", 6) {
            out.extend(instances(goal, self.agents.values().map(|a| a.agent_data())));
        }
        if goal.is_var() || goal.is("oaa_trigger", 5) {
            out.extend(instances(goal, self.triggers.as_facts()));
        }
        out.extend(self.data.query(goal));
        out
    }
}
