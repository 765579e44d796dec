//! Fresh copies of terms ("renaming apart", reference §5).
//!
//! Performs no I/O. Every stored template, fact or foreign solution is
//! copied with fresh variables before it is unified with a goal, so stored
//! terms are never bound and unrelated variables that happen to share a
//! name (two agents both writing `X`) are kept apart.

use std::collections::HashMap;

use super::term::{Term, Var};
use super::unify::rebuild;

/// A renaming that maps each variable it meets to a new fresh one, sharing
/// the mapping across calls (so several terms can be copied together).
#[derive(Default)]
pub struct Renamer {
    map: HashMap<Var, Var>,
}

impl Renamer {
    /// An empty renaming.
    pub fn new() -> Self {
        Renamer::default()
    }

    /// Copies `t` with every variable replaced by its fresh counterpart.
    pub fn copy(&mut self, t: &Term) -> Term {
        if t.is_ground() {
            return t.clone();
        }
        enum Step<'a> {
            Visit(&'a Term),
            Build(&'a Term, usize),
        }
        let mut out: Vec<Term> = Vec::new();
        let mut stack = vec![Step::Visit(t)];
        while let Some(step) = stack.pop() {
            match step {
                Step::Visit(Term::Var(v)) => {
                    let w = self.map.entry(v.clone()).or_insert_with(Var::fresh).clone();
                    out.push(Term::Var(w));
                }
                Step::Visit(t) => {
                    if t.children().next().is_none() {
                        out.push(t.clone());
                        continue;
                    }
                    stack.push(Step::Build(t, out.len()));
                    let before = stack.len();
                    stack.extend(t.children().map(Step::Visit));
                    stack[before..].reverse();
                }
                Step::Build(shape, base) => {
                    let kids: Vec<Term> = out.drain(base..).collect();
                    out.push(rebuild(shape, kids));
                }
            }
        }
        out.pop().unwrap_or_else(|| t.clone())
    }
}

/// A copy of `t` with fresh variables.
pub fn rename(t: &Term) -> Term {
    Renamer::new().copy(t)
}
