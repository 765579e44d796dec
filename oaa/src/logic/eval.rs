//! Local goal evaluation: the built-in tests used in `test(...)`
//! conditions and the bodies of `rules_ok` data clauses.
//!
//! Performs no I/O. A small, depth-limited backtracking evaluator:
//! `true`, `fail`/`false`, `=`, `\=`, `==`, `\==`, comparison predicates in
//! function form (`<`, `>`, `=<`, `>=`, `=:=`, `=\=`), `\+`/`not`,
//! `member/2`, conjunction and disjunction, and lookups in a [`Facts`]
//! source. ICL has no comparison operators, so conditions are written
//! `'<'(P, 10)`.

use std::cmp::Ordering;

use crate::icl::{Bindings, Renamer, Term, identical, unify};
use crate::logic::goal::{Shape, shape};

/// Deepest rule nesting explored.
pub const MAX_DEPTH: usize = 32;
/// Most solutions produced by one evaluation.
pub const MAX_SOLUTIONS: usize = 10_000;

/// A source of stored clauses (facts, or rules `Head :- Body`).
pub trait Facts {
    /// Stored clauses that might match `goal` (a superset is fine).
    fn clauses_for(&self, goal: &Term) -> Vec<Term>;
}

/// No stored clauses: built-ins only.
pub struct NoFacts;

impl Facts for NoFacts {
    fn clauses_for(&self, _: &Term) -> Vec<Term> {
        Vec::new()
    }
}

/// Every solution of `goal` as bindings extending `bs`.
pub fn solve(goal: &Term, bs: &Bindings, facts: &dyn Facts) -> Vec<Bindings> {
    let mut out = Vec::new();
    solve_into(goal, bs, facts, 0, &mut out);
    out
}

/// The first solution of `cond`, if it holds.
pub fn holds(cond: &Term, bs: &Bindings, facts: &dyn Facts) -> Option<Bindings> {
    solve(cond, bs, facts).into_iter().next()
}

fn num(t: &Term) -> Option<f64> {
    match t {
        Term::Int(i) => Some(*i as f64),
        Term::Float(f) => Some(*f),
        _ => None,
    }
}

fn compare(a: &Term, b: &Term) -> Option<Ordering> {
    match (a, b) {
        (Term::Int(x), Term::Int(y)) => Some(x.cmp(y)),
        _ => match (num(a), num(b)) {
            (Some(x), Some(y)) => x.partial_cmp(&y),
            // Atoms compare alphabetically: RFC 3339 UTC stamps sort right.
            _ => match (a.as_atom(), b.as_atom()) {
                (Some(x), Some(y)) => Some(x.cmp(y)),
                _ => None,
            },
        },
    }
}

fn solve_into(
    goal: &Term,
    bs: &Bindings,
    facts: &dyn Facts,
    depth: usize,
    out: &mut Vec<Bindings>,
) {
    if depth > MAX_DEPTH || out.len() >= MAX_SOLUTIONS {
        return;
    }
    let g = bs.deref(goal).clone();
    match shape(&g) {
        Shape::Conj(parts) => {
            let mut current = vec![bs.clone()];
            for p in &parts {
                let mut next = Vec::new();
                for b in &current {
                    solve_into(p, b, facts, depth + 1, &mut next);
                }
                current = next;
                if current.is_empty() {
                    return;
                }
            }
            out.extend(current);
            return;
        }
        Shape::Disj(parts) => {
            for p in &parts {
                solve_into(p, bs, facts, depth + 1, out);
            }
            return;
        }
        Shape::Wrapped { goal, .. } => return solve_into(&goal, bs, facts, depth + 1, out),
        Shape::Simple(_) => {}
    }
    let a = g.args();
    let cmp = |want: &dyn Fn(Ordering) -> bool| {
        let x = bs.resolve(&a[0]).ok()?;
        let y = bs.resolve(&a[1]).ok()?;
        compare(&x, &y).filter(|o| want(*o))
    };
    match g.functor() {
        Some(("true", 0)) => out.push(bs.clone()),
        Some(("fail" | "false", 0)) => {}
        Some(("=", 2)) => {
            let mut b = bs.clone();
            if unify(&a[0], &a[1], &mut b) {
                out.push(b);
            }
        }
        Some(("\\=", 2)) => {
            let mut b = bs.clone();
            if !unify(&a[0], &a[1], &mut b) {
                out.push(bs.clone());
            }
        }
        Some(("==" | "\\==", 2)) => {
            let same = match (bs.resolve(&a[0]), bs.resolve(&a[1])) {
                (Ok(x), Ok(y)) => identical(&x, &y),
                _ => false,
            };
            if same == g.is("==", 2) {
                out.push(bs.clone());
            }
        }
        Some(("<", 2)) if cmp(&|o| o == Ordering::Less).is_some() => out.push(bs.clone()),
        Some((">", 2)) if cmp(&|o| o == Ordering::Greater).is_some() => out.push(bs.clone()),
        Some(("=<", 2)) if cmp(&|o| o != Ordering::Greater).is_some() => out.push(bs.clone()),
        Some((">=", 2)) if cmp(&|o| o != Ordering::Less).is_some() => out.push(bs.clone()),
        Some(("=:=", 2)) if cmp(&|o| o == Ordering::Equal).is_some() => out.push(bs.clone()),
        Some(("=\\=", 2)) if cmp(&|o| o != Ordering::Equal).is_some() => out.push(bs.clone()),
        Some(("<" | ">" | "=<" | ">=" | "=:=" | "=\\=", 2)) => {}
        Some(("\\+" | "not", 1)) => {
            let mut probe = Vec::new();
            solve_into(&a[0], bs, facts, depth + 1, &mut probe);
            if probe.is_empty() {
                out.push(bs.clone());
            }
        }
        Some(("member", 2)) => {
            if let Term::List(items) = bs.deref(&a[1]) {
                for item in items.iter() {
                    let mut b = bs.clone();
                    if unify(&a[0], item, &mut b) {
                        out.push(b);
                    }
                }
            }
        }
        Some(_) => {
            for clause in facts.clauses_for(&g) {
                let clause = Renamer::new().copy(&clause);
                let mut b = bs.clone();
                if clause.is(":-", 2) {
                    if unify(&g, &clause.args()[0], &mut b) {
                        solve_into(&clause.args()[1], &b, facts, depth + 1, out);
                    }
                } else if unify(&g, &clause, &mut b) {
                    out.push(b);
                }
                if out.len() >= MAX_SOLUTIONS {
                    return;
                }
            }
        }
        None => {}
    }
}
