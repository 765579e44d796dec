//! Goal decomposition (reference §10): `Address:Goal::Params`, conjunction
//! `(A, B)` and disjunction `(A ; B)`.
//!
//! Performs no I/O.

use crate::icl::{GroupKind, Term};
use crate::protocol::params::list_items;

/// The outer form of a goal.
// Fields are named after the wire arguments in the variant docs.
#[allow(missing_docs)]
#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    /// `(A, B, ...)` or `','(A, B)`: solve left to right, bindings flowing on.
    Conj(Vec<Term>),
    /// `A ; B ; ...`: the union of the branches' solutions.
    Disj(Vec<Term>),
    /// `Address:Goal::Params` with either wrapper optional, around a goal
    /// that is not itself wrapped (it may still be compound).
    Wrapped { address: Option<Term>, goal: Term, params: Vec<Term> },
    /// A plain goal.
    Simple(Term),
}

/// Classifies a goal.
pub fn shape(goal: &Term) -> Shape {
    match goal {
        Term::Group(GroupKind::Paren, items) => Shape::Conj(items.to_vec()),
        Term::Struct(f, args) if args.len() == 2 && f.as_str() == "," => {
            let mut parts = vec![args[0].clone()];
            let mut rest = args[1].clone();
            while rest.is(",", 2) {
                parts.push(rest.args()[0].clone());
                rest = rest.args()[1].clone();
            }
            parts.push(rest);
            Shape::Conj(parts)
        }
        Term::Struct(f, args) if args.len() == 2 && f.as_str() == ";" => {
            // Left-associative parsing gives ;(;(a,b),c): flatten both sides.
            let mut parts = Vec::new();
            let mut stack = vec![goal];
            while let Some(t) = stack.pop() {
                if t.is(";", 2) {
                    stack.push(&t.args()[1]);
                    stack.push(&t.args()[0]);
                } else {
                    parts.push(t.clone());
                }
            }
            Shape::Disj(parts)
        }
        Term::Struct(f, args) if args.len() == 2 && matches!(f.as_str(), "::" | ":") => {
            let (mut address, mut params) = (None, Vec::new());
            let mut g = goal.clone();
            // Peel wrappers in any nesting: A:G::P, A:(G::P), (A:G)::P.
            loop {
                if g.is("::", 2) {
                    params.extend(list_items(&g.args()[1]));
                    g = g.args()[0].clone();
                } else if g.is(":", 2) && address.is_none() {
                    address = Some(g.args()[0].clone());
                    g = g.args()[1].clone();
                } else {
                    break;
                }
            }
            Shape::Wrapped { address, goal: g, params }
        }
        other => Shape::Simple(other.clone()),
    }
}
