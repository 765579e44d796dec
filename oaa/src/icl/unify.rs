//! First-order unification with occurs check (reference §5).
//!
//! Performs no I/O. Bindings live in a map with a trail so a failed attempt
//! can be undone and callers can try alternatives (backtracking). The
//! algorithm is an iterative worklist; the occurs check is always on because
//! a cyclic term could not be printed onto the wire anyway.

use std::collections::HashMap;

use super::error::{LimitError, Limits};
use super::term::{Term, Var};

/// Variable bindings with an undo trail.
#[derive(Clone, Debug, Default)]
pub struct Bindings {
    map: HashMap<Var, Term>,
    trail: Vec<Var>,
}

impl Bindings {
    /// No bindings.
    pub fn new() -> Self {
        Bindings::default()
    }

    /// The value bound to `v`, if any (not dereferenced further).
    pub fn get(&self, v: &Var) -> Option<&Term> {
        self.map.get(v)
    }

    /// Number of bindings.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when nothing is bound.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// A point to return to with [`Bindings::undo_to`].
    pub fn mark(&self) -> usize {
        self.trail.len()
    }

    /// Removes every binding made after `mark`.
    pub fn undo_to(&mut self, mark: usize) {
        while self.trail.len() > mark {
            if let Some(v) = self.trail.pop() {
                self.map.remove(&v);
            }
        }
    }

    fn bind(&mut self, v: Var, t: Term) {
        self.trail.push(v.clone());
        self.map.insert(v, t);
    }

    /// Follows variable bindings until an unbound variable or a non-variable.
    pub fn deref<'a>(&'a self, mut t: &'a Term) -> &'a Term {
        while let Term::Var(v) = t {
            match self.map.get(v) {
                Some(next) => t = next,
                None => break,
            }
        }
        t
    }

    /// True when `v` occurs in `t` under the current bindings.
    fn occurs(&self, v: &Var, t: &Term) -> bool {
        let mut stack = vec![t];
        while let Some(t) = stack.pop() {
            match self.deref(t) {
                Term::Var(w) => {
                    if w == v {
                        return true;
                    }
                }
                other => stack.extend(other.children()),
            }
        }
        false
    }

    /// Applies the bindings to `t` with default limits.
    pub fn resolve(&self, t: &Term) -> Result<Term, LimitError> {
        self.resolve_with(t, &Limits::default())
    }

    /// Applies the bindings throughout `t`, giving a term with only unbound
    /// variables left. Fails instead of building a term deeper or larger
    /// than `limits` (chains of bindings can compose into deep terms).
    pub fn resolve_with(&self, t: &Term, limits: &Limits) -> Result<Term, LimitError> {
        enum Step<'a> {
            Visit(&'a Term, usize),
            Build(&'a Term, usize),
        }
        let mut out: Vec<Term> = Vec::new();
        let mut stack = vec![Step::Visit(t, 1)];
        let mut nodes = 0usize;
        while let Some(step) = stack.pop() {
            match step {
                Step::Visit(t, depth) => {
                    nodes += 1;
                    if nodes > limits.max_nodes {
                        return Err(LimitError::TooLarge(limits.max_nodes));
                    }
                    if depth > limits.max_depth {
                        return Err(LimitError::TooDeep(limits.max_depth));
                    }
                    let t = self.deref(t);
                    match t {
                        Term::Struct(..)
                        | Term::List(_)
                        | Term::PartialList(..)
                        | Term::Group(..) => {
                            stack.push(Step::Build(t, out.len()));
                            let before = stack.len();
                            for c in t.children() {
                                stack.push(Step::Visit(c, depth + 1));
                            }
                            stack[before..].reverse();
                        }
                        leaf => out.push(leaf.clone()),
                    }
                }
                Step::Build(t, base) => {
                    let kids: Vec<Term> = out.drain(base..).collect();
                    out.push(rebuild(t, kids));
                }
            }
        }
        Ok(out.pop().unwrap_or_else(|| t.clone()))
    }
}

/// Rebuilds compound `shape` with new children (list tail last).
pub(crate) fn rebuild(shape: &Term, mut kids: Vec<Term>) -> Term {
    match shape {
        Term::Struct(f, _) => Term::Struct(f.clone(), kids.into()),
        Term::List(_) => Term::List(kids.into()),
        Term::Group(k, _) => Term::Group(*k, kids.into()),
        Term::PartialList(..) => {
            let tail = kids.pop().unwrap_or_else(Term::nil);
            Term::partial_list(kids, tail)
        }
        leaf => leaf.clone(),
    }
}

/// Unifies `a` and `b`, extending `b`. On failure the bindings are left as
/// they were.
pub fn unify(a: &Term, b: &Term, bindings: &mut Bindings) -> bool {
    let mark = bindings.mark();
    if unify_inner(a, b, bindings) {
        true
    } else {
        bindings.undo_to(mark);
        false
    }
}

fn unify_inner(a: &Term, b: &Term, bs: &mut Bindings) -> bool {
    let mut work: Vec<(Term, Term)> = vec![(a.clone(), b.clone())];
    while let Some((x, y)) = work.pop() {
        let x = bs.deref(&x).clone();
        let y = bs.deref(&y).clone();
        match (x, y) {
            (Term::Var(v), Term::Var(w)) if v == w => {}
            (Term::Var(v), t) | (t, Term::Var(v)) => {
                if bs.occurs(&v, &t) {
                    return false;
                }
                bs.bind(v, t);
            }
            (Term::Int(i), Term::Int(j)) => {
                if i != j {
                    return false;
                }
            }
            (Term::Float(f), Term::Float(g)) => {
                if f.to_bits() != g.to_bits() {
                    return false;
                }
            }
            (Term::Atom(p), Term::Atom(q)) => {
                if p != q {
                    return false;
                }
            }
            (Term::Struct(f, xs), Term::Struct(g, ys)) => {
                if f != g || xs.len() != ys.len() {
                    return false;
                }
                work.extend(xs.iter().cloned().zip(ys.iter().cloned()));
            }
            (Term::Group(k, xs), Term::Group(l, ys)) => {
                if k != l || xs.len() != ys.len() {
                    return false;
                }
                work.extend(xs.iter().cloned().zip(ys.iter().cloned()));
            }
            (Term::List(xs), Term::List(ys)) => {
                if xs.len() != ys.len() {
                    return false;
                }
                work.extend(xs.iter().cloned().zip(ys.iter().cloned()));
            }
            (Term::PartialList(xs, t), Term::List(ys))
            | (Term::List(ys), Term::PartialList(xs, t)) => {
                if ys.len() < xs.len() {
                    return false;
                }
                work.extend(xs.iter().cloned().zip(ys.iter().cloned()));
                work.push(((*t).clone(), Term::List(ys[xs.len()..].to_vec().into())));
            }
            (Term::PartialList(xs, s), Term::PartialList(ys, t)) => {
                let n = xs.len().min(ys.len());
                work.extend(xs[..n].iter().cloned().zip(ys[..n].iter().cloned()));
                let rest_x = Term::partial_list(xs[n..].to_vec(), (*s).clone());
                let rest_y = Term::partial_list(ys[n..].to_vec(), (*t).clone());
                work.push((rest_x, rest_y));
            }
            _ => return false,
        }
    }
    true
}

/// Unifies and, on success, returns `t` with the new bindings applied; a
/// convenience for one-shot matching.
pub fn unify_resolve(a: &Term, b: &Term) -> Option<Term> {
    let mut bs = Bindings::new();
    if unify(a, b, &mut bs) { bs.resolve(a).ok() } else { None }
}
