//! The ICL term model (reference §4.1): leaves, variables, structures, lists
//! and groups, plus constructors that keep the model's invariants.
//!
//! Performs no I/O. Children are held in `Arc`s so that cloning a term is
//! O(1); the facilitator forwards, stores and compares the same goals many
//! times, and unification keeps owned copies on its worklist.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// An atom name (ICL's single string-like leaf type `Str`).
///
/// Bare atoms, quoted atoms and double-quoted strings all read as this one
/// type, so `abc`, `'abc'` and `"abc"` are the same term. Names are stored
/// unquoted; quoting is purely a printing concern (reference §4.2).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Atom(Arc<str>);

impl Atom {
    /// Creates an atom from its (unquoted) name.
    pub fn new(name: &str) -> Self {
        Atom(Arc::from(name))
    }

    /// The unquoted name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for Atom {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Atom {
    fn from(s: &str) -> Self {
        Atom::new(s)
    }
}

impl From<String> for Atom {
    fn from(s: String) -> Self {
        Atom(Arc::from(s))
    }
}

impl fmt::Debug for Atom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", &*self.0)
    }
}

impl fmt::Display for Atom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A logic variable.
///
/// `Named` variables come from source text (`X`, `_Y`, `_1`); within one
/// term the same name is the same variable. `Fresh` variables are created by
/// the parser for each anonymous `_` and by renaming; their numbers come from
/// a process-wide counter, so they can never collide with a source name or
/// with each other.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub enum Var {
    /// A variable written with a name in source text.
    Named(Atom),
    /// A machine-made variable, unique in the process.
    Fresh(u64),
}

static FRESH: AtomicU64 = AtomicU64::new(1);

impl Var {
    /// A new variable distinct from every other variable in the process.
    pub fn fresh() -> Var {
        Var::Fresh(FRESH.fetch_add(1, Ordering::Relaxed))
    }
}

/// Which bracket opened a group.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum GroupKind {
    /// `( a, b )`: how conjunctions are written.
    Paren,
    /// `{ a, b }`.
    Brace,
}

/// An ICL term.
///
/// Invariants kept by the constructors and the parser (the printer and the
/// round-trip guarantee rely on them): a `Struct` has at least one argument
/// (zero-argument structures are atoms); a `PartialList` has at least one
/// element and its tail is neither a `List` nor a `PartialList`; a
/// `Group(Paren, _)` has at least two elements (parentheses around one term
/// only group); a `Group(Brace, _)` has at least one element (`{}` is an
/// atom).
///
/// Equality and hashing are structural and treat terms that differ only in
/// the names of their variables as equal (they are *variants*, Prolog's
/// `=@=`); see [`crate::icl::eq`]. Floats compare by bit pattern.
#[derive(Clone, Debug)]
pub enum Term {
    /// A 64-bit integer.
    Int(i64),
    /// A 64-bit float.
    Float(f64),
    /// An atom (ICL `Str`).
    Atom(Atom),
    /// A variable.
    Var(Var),
    /// `functor(arg, ...)`.
    Struct(Atom, Arc<[Term]>),
    /// A proper list `[a, b, c]`; `[]` is the empty list.
    List(Arc<[Term]>),
    /// `[a, b | Tail]`, accepted on input. Classic Java peers cannot read it
    /// (their lists have no tail slot), so agents should send proper lists.
    PartialList(Arc<[Term]>, Arc<Term>),
    /// A parenthesised or braced comma-separated sequence.
    Group(GroupKind, Arc<[Term]>),
}

impl Term {
    /// An atom.
    pub fn atom(name: &str) -> Term {
        Term::Atom(Atom::new(name))
    }

    /// An integer.
    pub fn int(i: i64) -> Term {
        Term::Int(i)
    }

    /// A named variable.
    pub fn var(name: &str) -> Term {
        Term::Var(Var::Named(Atom::new(name)))
    }

    /// A variable that is distinct from every other one.
    pub fn fresh_var() -> Term {
        Term::Var(Var::fresh())
    }

    /// `name(args...)`, or the atom `name` when `args` is empty.
    pub fn compound(name: &str, args: Vec<Term>) -> Term {
        Term::compound_atom(Atom::new(name), args)
    }

    /// Like [`Term::compound`] with an existing [`Atom`].
    pub fn compound_atom(name: Atom, args: Vec<Term>) -> Term {
        if args.is_empty() { Term::Atom(name) } else { Term::Struct(name, args.into()) }
    }

    /// A proper list.
    pub fn list(items: Vec<Term>) -> Term {
        Term::List(items.into())
    }

    /// The empty list `[]`.
    pub fn nil() -> Term {
        Term::List(Arc::from(Vec::new()))
    }

    /// `[items... | tail]`, normalised: a list tail is spliced in, and no
    /// items gives the tail itself.
    pub fn partial_list(mut items: Vec<Term>, tail: Term) -> Term {
        match tail {
            Term::List(rest) => {
                items.extend(rest.iter().cloned());
                Term::List(items.into())
            }
            Term::PartialList(rest, t) => {
                items.extend(rest.iter().cloned());
                Term::PartialList(items.into(), t)
            }
            other if items.is_empty() => other,
            other => Term::PartialList(items.into(), Arc::new(other)),
        }
    }

    /// `(a, b, ...)`; a single element is returned as itself.
    pub fn conjunction(mut items: Vec<Term>) -> Term {
        if items.len() == 1 {
            return items.pop().unwrap_or_else(|| Term::atom("true"));
        }
        if items.is_empty() {
            return Term::atom("true");
        }
        Term::Group(GroupKind::Paren, items.into())
    }

    /// `{a, b, ...}`; no elements gives the atom `{}`.
    pub fn braces(items: Vec<Term>) -> Term {
        if items.is_empty() {
            Term::atom("{}")
        } else {
            Term::Group(GroupKind::Brace, items.into())
        }
    }

    /// The name and arity of an atom (arity 0) or structure.
    pub fn functor(&self) -> Option<(&str, usize)> {
        match self {
            Term::Atom(a) => Some((a.as_str(), 0)),
            Term::Struct(f, args) => Some((f.as_str(), args.len())),
            _ => None,
        }
    }

    /// True when this is an atom or structure with this name and arity.
    pub fn is(&self, name: &str, arity: usize) -> bool {
        self.functor() == Some((name, arity))
    }

    /// The arguments of a structure (empty for anything else).
    pub fn args(&self) -> &[Term] {
        match self {
            Term::Struct(_, args) => args,
            _ => &[],
        }
    }

    /// The `i`th argument of a structure.
    pub fn arg(&self, i: usize) -> Option<&Term> {
        self.args().get(i)
    }

    /// The atom's name, if this is an atom.
    pub fn as_atom(&self) -> Option<&str> {
        match self {
            Term::Atom(a) => Some(a.as_str()),
            _ => None,
        }
    }

    /// The integer, if this is an integer.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Term::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The elements, if this is a proper list.
    pub fn as_list(&self) -> Option<&[Term]> {
        match self {
            Term::List(items) => Some(items),
            _ => None,
        }
    }

    /// True for a variable.
    pub fn is_var(&self) -> bool {
        matches!(self, Term::Var(_))
    }

    /// True when the term contains no variable.
    pub fn is_ground(&self) -> bool {
        let mut stack = vec![self];
        while let Some(t) = stack.pop() {
            match t {
                Term::Var(_) => return false,
                Term::Struct(_, args) | Term::List(args) | Term::Group(_, args) => {
                    stack.extend(args.iter())
                }
                Term::PartialList(items, tail) => {
                    stack.extend(items.iter());
                    stack.push(tail);
                }
                _ => {}
            }
        }
        true
    }

    /// The direct subterms, in order (list tail last).
    pub fn children(&self) -> impl Iterator<Item = &Term> {
        let (items, tail): (&[Term], Option<&Term>) = match self {
            Term::Struct(_, a) | Term::List(a) | Term::Group(_, a) => (a, None),
            Term::PartialList(a, t) => (a, Some(t)),
            _ => (&[], None),
        };
        items.iter().chain(tail)
    }
}

impl From<i64> for Term {
    fn from(i: i64) -> Self {
        Term::Int(i)
    }
}

impl From<&str> for Term {
    /// An atom with this name.
    fn from(s: &str) -> Self {
        Term::atom(s)
    }
}

impl From<Vec<Term>> for Term {
    /// A proper list.
    fn from(v: Vec<Term>) -> Self {
        Term::list(v)
    }
}
