//! Solvable declarations (reference §7): `solvable(Goal, Params, Perms)`
//! and its short forms, solvable parameters, permissions and `argspecs`.
//!
//! Performs no I/O.

use thiserror::Error;

use super::params::{get, get_bool, list_items};
use crate::icl::{Term, types::conforms};

/// What kind of solvable this is (`type(...)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SolvableKind {
    /// Answered by application code (the default).
    Procedure,
    /// A fact store answered by the library.
    Data,
    /// Accepts task triggers.
    Trigger,
}

impl SolvableKind {
    fn name(self) -> &'static str {
        match self {
            SolvableKind::Procedure => "procedure",
            SolvableKind::Data => "data",
            SolvableKind::Trigger => "trigger",
        }
    }
}

/// One `argspecs` entry.
#[derive(Clone, Debug, PartialEq)]
pub enum ArgSpec {
    /// `in(Type, Required)`: with `Required` the argument must be bound.
    In(Term, bool),
    /// `out(Type, Det)`.
    Out(Term, bool),
    /// `inout(Type, Det)`.
    InOut(Term, bool),
}

/// A declaration that could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("bad solvable: {0}")]
pub struct BadSolvable(pub String);

/// A normalised solvable declaration.
#[derive(Clone, Debug, PartialEq)]
pub struct Solvable {
    /// The goal template matched against requests.
    pub template: Term,
    /// `type(procedure|data|trigger)`.
    pub kind: SolvableKind,
    /// `callback(Name)`.
    pub callback: Option<Term>,
    /// `utility(0..10)` (5).
    pub utility: i64,
    /// Data: at most one fact; a new add replaces the old one (our choice
    /// where the reference is uncertain).
    pub single_value: bool,
    /// Data: refuse duplicate facts.
    pub unique_values: bool,
    /// Data: record owners so their facts go when they leave (true; our
    /// choice where the reference is uncertain).
    pub bookkeeping: bool,
    /// Data: keep an owner's facts after it disconnects.
    pub persistent: bool,
    /// Never registered with the facilitator.
    pub private: bool,
    /// Data: `Head :- Body` clauses allowed.
    pub rules_ok: bool,
    /// Optional argument typing.
    pub argspecs: Option<Vec<ArgSpec>>,
    /// Permission `call` (true).
    pub call: bool,
    /// Permission `read` (true; listed by OAA but unused).
    pub read: bool,
    /// Permission `write` (false).
    pub write: bool,
    /// Parameters we do not interpret, kept when re-sent.
    pub extra: Vec<Term>,
}

impl Solvable {
    fn with_kind(template: Term, kind: SolvableKind) -> Solvable {
        Solvable {
            template,
            kind,
            callback: None,
            utility: 5,
            single_value: false,
            unique_values: false,
            bookkeeping: true,
            persistent: false,
            private: false,
            rules_ok: false,
            argspecs: None,
            call: true,
            read: true,
            write: false,
            extra: Vec::new(),
        }
    }

    /// A procedure solvable answered by application code.
    pub fn procedure(template: Term) -> Solvable {
        Solvable::with_kind(template, SolvableKind::Procedure)
    }

    /// A data solvable answered by the library from its fact store.
    pub fn data(template: Term) -> Solvable {
        Solvable::with_kind(template, SolvableKind::Data)
    }

    /// A trigger solvable (accepts task triggers).
    pub fn trigger(template: Term) -> Solvable {
        Solvable::with_kind(template, SolvableKind::Trigger)
    }

    /// Sets `utility(U)`.
    pub fn utility(mut self, u: i64) -> Self {
        self.utility = u;
        self
    }

    /// Sets the `write` permission.
    pub fn writable(mut self, w: bool) -> Self {
        self.write = w;
        self
    }

    /// Sets the `call` permission.
    pub fn callable(mut self, c: bool) -> Self {
        self.call = c;
        self
    }

    /// Sets `private(B)`.
    pub fn private(mut self, p: bool) -> Self {
        self.private = p;
        self
    }

    /// Sets `persistent(B)`.
    pub fn persistent(mut self, p: bool) -> Self {
        self.persistent = p;
        self
    }

    /// Sets `bookkeeping(B)`.
    pub fn bookkeeping(mut self, b: bool) -> Self {
        self.bookkeeping = b;
        self
    }

    /// Sets `single_value(B)`.
    pub fn single_value(mut self, b: bool) -> Self {
        self.single_value = b;
        self
    }

    /// Sets `unique_values(B)`.
    pub fn unique_values(mut self, b: bool) -> Self {
        self.unique_values = b;
        self
    }

    /// Sets `rules_ok(B)`.
    pub fn rules_ok(mut self, b: bool) -> Self {
        self.rules_ok = b;
        self
    }

    /// Sets `argspecs(...)`.
    pub fn argspecs(mut self, specs: Vec<ArgSpec>) -> Self {
        self.argspecs = Some(specs);
        self
    }

    /// Name and arity of the template.
    pub fn key(&self) -> Option<(&str, usize)> {
        self.template.functor()
    }

    /// Reads `solvable(G, P, Perms)`, `solvable(G, P)`, `solvable(G)` or a
    /// bare goal.
    pub fn from_term(t: &Term) -> Result<Solvable, BadSolvable> {
        let (template, params, perms) = match t.functor() {
            Some(("solvable", 1..=3)) => {
                let a = t.args();
                (
                    a[0].clone(),
                    a.get(1).map(list_items).unwrap_or_default(),
                    a.get(2).map(list_items).unwrap_or_default(),
                )
            }
            _ => (t.clone(), Vec::new(), Vec::new()),
        };
        if template.functor().is_none() {
            return Err(BadSolvable(format!("template {template} is not an atom or structure")));
        }
        let kind = match get(&params, "type").as_ref().and_then(Term::as_atom) {
            None | Some("procedure") => SolvableKind::Procedure,
            Some("data") => SolvableKind::Data,
            Some("trigger") => SolvableKind::Trigger,
            Some(other) => return Err(BadSolvable(format!("unknown type({other})"))),
        };
        let mut s = Solvable::with_kind(template, kind);
        s.callback = get(&params, "callback");
        s.utility = get(&params, "utility").and_then(|u| u.as_int()).unwrap_or(5);
        s.single_value = get_bool(&params, "single_value", false);
        s.unique_values = get_bool(&params, "unique_values", false);
        s.bookkeeping = get_bool(&params, "bookkeeping", true);
        s.persistent = get_bool(&params, "persistent", false);
        s.private = get_bool(&params, "private", false);
        s.rules_ok = get_bool(&params, "rules_ok", false);
        if let Some(spec) =
            params.iter().find(|p| p.functor().is_some_and(|(f, _)| f == "argspecs"))
        {
            s.argspecs = Some(spec.args().iter().map(read_argspec).collect::<Result<_, _>>()?);
        }
        s.call = get_bool(&perms, "call", true);
        s.read = get_bool(&perms, "read", true);
        s.write = get_bool(&perms, "write", false);
        const KNOWN: [&str; 10] = [
            "type",
            "callback",
            "utility",
            "single_value",
            "unique_values",
            "bookkeeping",
            "persistent",
            "private",
            "rules_ok",
            "argspecs",
        ];
        s.extra = params
            .into_iter()
            .filter(|p| !p.functor().is_some_and(|(f, _)| KNOWN.contains(&f)))
            .collect();
        Ok(s)
    }

    /// The canonical three-argument form. Defaults are left out except
    /// `type(...)`, which is always written.
    pub fn to_term(&self) -> Term {
        let flag = |name: &str, v: bool| Term::compound(name, vec![Term::atom(bool_name(v))]);
        let mut params = vec![Term::compound("type", vec![Term::atom(self.kind.name())])];
        if let Some(cb) = &self.callback {
            params.push(Term::compound("callback", vec![cb.clone()]));
        }
        if self.utility != 5 {
            params.push(Term::compound("utility", vec![Term::Int(self.utility)]));
        }
        for (name, v, default) in [
            ("single_value", self.single_value, false),
            ("unique_values", self.unique_values, false),
            ("bookkeeping", self.bookkeeping, true),
            ("persistent", self.persistent, false),
            ("private", self.private, false),
            ("rules_ok", self.rules_ok, false),
        ] {
            if v != default {
                params.push(flag(name, v));
            }
        }
        if let Some(specs) = &self.argspecs {
            params.push(Term::compound("argspecs", specs.iter().map(write_argspec).collect()));
        }
        params.extend(self.extra.iter().cloned());
        let mut perms = Vec::new();
        if !self.call {
            perms.push(flag("call", false));
        }
        if !self.read {
            perms.push(flag("read", false));
        }
        if self.write {
            perms.push(flag("write", true));
        }
        Term::compound(
            "solvable",
            vec![self.template.clone(), Term::list(params), Term::list(perms)],
        )
    }

    /// Checks `argspecs` against a goal (reference §5 step 4): an
    /// `in(Type, true)` argument must be bound and of that type; other bound
    /// `in`/`inout` arguments must be of their type.
    pub fn accepts_args(&self, goal: &Term) -> bool {
        let Some(specs) = &self.argspecs else { return true };
        for (spec, arg) in specs.iter().zip(goal.args()) {
            match spec {
                ArgSpec::In(ty, required) => {
                    if arg.is_var() {
                        if *required {
                            return false;
                        }
                    } else if !conforms(arg, ty) {
                        return false;
                    }
                }
                ArgSpec::InOut(ty, _) => {
                    if !arg.is_var() && !conforms(arg, ty) {
                        return false;
                    }
                }
                ArgSpec::Out(..) => {}
            }
        }
        true
    }
}

fn bool_name(v: bool) -> &'static str {
    if v { "true" } else { "false" }
}

fn read_argspec(t: &Term) -> Result<ArgSpec, BadSolvable> {
    let flag = |i: usize| t.arg(i).and_then(Term::as_atom) == Some("true");
    let ty = t.arg(0).cloned().unwrap_or_else(Term::fresh_var);
    match t.functor() {
        Some(("in", 1 | 2)) => Ok(ArgSpec::In(ty, flag(1))),
        Some(("out", 1 | 2)) => Ok(ArgSpec::Out(ty, flag(1))),
        Some(("inout", 1 | 2)) => Ok(ArgSpec::InOut(ty, flag(1))),
        _ => Err(BadSolvable(format!("bad argspec {t}"))),
    }
}

fn write_argspec(s: &ArgSpec) -> Term {
    let (name, ty, f) = match s {
        ArgSpec::In(t, f) => ("in", t, *f),
        ArgSpec::Out(t, f) => ("out", t, *f),
        ArgSpec::InOut(t, f) => ("inout", t, *f),
    };
    Term::compound(name, vec![ty.clone(), Term::atom(bool_name(f))])
}
