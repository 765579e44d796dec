//! Structural equality and hashing of terms (reference §4.4).
//!
//! Performs no I/O. Two terms are equal when they have the same shape and
//! their variables correspond one to one, whatever the variables are called
//! (Prolog's *variant* check, `=@=`). This makes `parse(print(t)) == t` hold
//! even though the printer renames machine-made variables, and it is the
//! right notion for de-duplicating solutions. Both walks are iterative so a
//! deep term cannot overflow the stack.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use super::term::{Term, Var};

impl PartialEq for Term {
    fn eq(&self, other: &Term) -> bool {
        variant(self, other)
    }
}

impl Eq for Term {}

impl Hash for Term {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let mut stack = vec![self];
        while let Some(t) = stack.pop() {
            match t {
                Term::Int(i) => (0u8, i).hash(state),
                Term::Float(f) => (1u8, f.to_bits()).hash(state),
                Term::Atom(a) => (2u8, a).hash(state),
                // Variables hash alike: equality ignores their names.
                Term::Var(_) => 3u8.hash(state),
                Term::Struct(f, args) => {
                    (4u8, f, args.len()).hash(state);
                    stack.extend(args.iter().rev());
                }
                Term::List(items) => {
                    (5u8, items.len()).hash(state);
                    stack.extend(items.iter().rev());
                }
                Term::PartialList(items, tail) => {
                    (6u8, items.len()).hash(state);
                    stack.push(tail);
                    stack.extend(items.iter().rev());
                }
                Term::Group(kind, items) => {
                    (7u8, kind, items.len()).hash(state);
                    stack.extend(items.iter().rev());
                }
            }
        }
    }
}

/// When `x` and `y` are compound terms of the same shape (functor or kind,
/// and length), pushes their corresponding subterms and returns true.
fn push_children<'t>(x: &'t Term, y: &'t Term, stack: &mut Vec<(&'t Term, &'t Term)>) -> bool {
    let (xs, ys) = match (x, y) {
        (Term::Struct(f, xs), Term::Struct(g, ys)) if f == g => (xs, ys),
        (Term::List(xs), Term::List(ys)) => (xs, ys),
        (Term::PartialList(xs, s), Term::PartialList(ys, t)) if xs.len() == ys.len() => {
            stack.push((s, t));
            (xs, ys)
        }
        (Term::Group(k, xs), Term::Group(l, ys)) if k == l => (xs, ys),
        _ => return false,
    };
    if xs.len() != ys.len() {
        return false;
    }
    stack.extend(xs.iter().zip(ys.iter()));
    true
}

/// True when `a` and `b` are equal up to a consistent renaming of variables.
pub fn variant(a: &Term, b: &Term) -> bool {
    let mut left: HashMap<&Var, &Var> = HashMap::new();
    let mut right: HashMap<&Var, &Var> = HashMap::new();
    let mut stack = vec![(a, b)];
    while let Some((x, y)) = stack.pop() {
        match (x, y) {
            (Term::Int(i), Term::Int(j)) if i == j => {}
            (Term::Float(f), Term::Float(g)) if f.to_bits() == g.to_bits() => {}
            (Term::Atom(p), Term::Atom(q)) if p == q => {}
            (Term::Var(v), Term::Var(w)) => {
                let l = *left.entry(v).or_insert(w);
                let r = *right.entry(w).or_insert(v);
                if l != w || r != v {
                    return false;
                }
            }
            _ if push_children(x, y, &mut stack) => {}
            _ => return false,
        }
    }
    true
}

/// True when `a` and `b` are identical including variable identity
/// (Prolog's `==`): the same variables, not merely corresponding ones.
pub fn identical(a: &Term, b: &Term) -> bool {
    let mut stack = vec![(a, b)];
    while let Some((x, y)) = stack.pop() {
        match (x, y) {
            (Term::Var(v), Term::Var(w)) if v == w => {}
            (Term::Var(_), _) | (_, Term::Var(_)) => return false,
            _ if push_children(x, y, &mut stack) => {}
            _ => {
                if !variant(x, y) {
                    return false;
                }
            }
        }
    }
    true
}
