//! Parameter lists (`[name(Value), flag, ...]`) and the `oaa_Solve`
//! parameters with their defaults (reference §6).
//!
//! Performs no I/O. Libraries drop defaults before sending, so receivers
//! fill them back in here rather than assume a parameter is present; a bare
//! `name` means `name(true)`.

use std::time::Duration;

use crate::icl::Term;

/// The value of `name(V)` in `params`; a bare `name` gives the atom `true`.
pub fn get(params: &[Term], name: &str) -> Option<Term> {
    params.iter().find_map(|p| match p {
        Term::Atom(a) if a.as_str() == name => Some(Term::atom("true")),
        Term::Struct(f, args) if f.as_str() == name && args.len() == 1 => Some(args[0].clone()),
        _ => None,
    })
}

/// True when `name` is present in any form.
pub fn has(params: &[Term], name: &str) -> bool {
    params.iter().any(|p| p.functor().is_some_and(|(f, _)| f == name))
}

/// Reads a boolean parameter: `true`/`false` (also `yes`/`no`, `1`/`0`).
pub fn get_bool(params: &[Term], name: &str, default: bool) -> bool {
    match get(params, name) {
        Some(Term::Atom(a)) => match a.as_str() {
            "true" | "yes" | "on" => true,
            "false" | "no" | "off" => false,
            _ => default,
        },
        Some(Term::Int(i)) => i != 0,
        _ => default,
    }
}

/// Reads a non-negative integer parameter.
pub fn get_usize(params: &[Term], name: &str) -> Option<usize> {
    match get(params, name)? {
        Term::Int(i) if i >= 0 => usize::try_from(i).ok(),
        _ => None,
    }
}

/// Reads a duration given in seconds (integer or float).
pub fn get_seconds(params: &[Term], name: &str) -> Option<Duration> {
    let secs = match get(params, name)? {
        Term::Int(i) if i >= 0 => i as f64,
        Term::Float(f) if f >= 0.0 && f.is_finite() => f,
        _ => return None,
    };
    Some(Duration::from_secs_f64(secs.min(1.0e9)))
}

/// Returns `params` without any parameter named in `names`.
pub fn without(params: &[Term], names: &[&str]) -> Vec<Term> {
    params
        .iter()
        .filter(|p| !p.functor().is_some_and(|(f, _)| names.contains(&f)))
        .cloned()
        .collect()
}

/// A list term as a vector; a non-list becomes a one-element vector.
pub fn list_items(t: &Term) -> Vec<Term> {
    match t {
        Term::List(items) => items.to_vec(),
        other => vec![other.clone()],
    }
}

/// `strategy(...)` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// `parallel_ok(true)`.
    Query,
    /// `parallel_ok(false), solution_limit(1)`: do it once, failing over.
    Action,
    /// `parallel_ok(true), reply(none)`.
    Inform,
}

/// `oaa_Solve` parameters with defaults filled in.
#[derive(Clone, Debug, PartialEq)]
pub struct SolveParams {
    /// `solution_limit(N)`: stop after N solutions (unlimited).
    pub solution_limit: Option<usize>,
    /// `provider_limit(N)`: use at most N providers (unlimited).
    pub provider_limit: Option<usize>,
    /// `time_limit(Secs)`: answer with what has arrived by then (unlimited).
    pub time_limit: Option<Duration>,
    /// `address(A)` or `address([A, ...])`: only these agents.
    pub address: Option<Vec<Term>>,
    /// `reflexive(B)`: the requester may be chosen as provider (true).
    pub reflexive: bool,
    /// `parallel_ok(B)`: ask providers in parallel (true).
    pub parallel_ok: bool,
    /// `priority(1..10)` (5).
    pub priority: u8,
    /// `reply(true|none)`: false for `none` (true).
    pub reply: bool,
    /// `blocking(B)` (true).
    pub blocking: bool,
    /// `strategy(S)`, already applied to the fields above.
    pub strategy: Option<Strategy>,
    /// `context(C)`: copied into further requests in the chain.
    pub context: Option<Term>,
    /// `cache(B)`: use the requester's local solution cache (false).
    pub cache: bool,
    /// `unique_values(B)`: remove duplicate solutions (false).
    pub unique_values: bool,
    /// `test(Cond)`: a condition each solution must pass.
    pub test: Option<Term>,
    /// `return_goal_with_solutions`: echo the goal in `ev_solved` (false).
    pub return_goal: bool,
}

impl Default for SolveParams {
    fn default() -> Self {
        SolveParams {
            solution_limit: None,
            provider_limit: None,
            time_limit: None,
            address: None,
            reflexive: true,
            parallel_ok: true,
            priority: 5,
            reply: true,
            blocking: true,
            strategy: None,
            context: None,
            cache: false,
            unique_values: false,
            test: None,
            return_goal: false,
        }
    }
}

impl SolveParams {
    /// Reads parameters, applying defaults and the `strategy` shorthand.
    /// Explicit parameters win over what a strategy implies; `reply(none)`
    /// overrides `blocking(true)` and `parallel_ok(false)`.
    pub fn from_terms(params: &[Term]) -> SolveParams {
        let mut p = SolveParams {
            strategy: match get(params, "strategy").as_ref().and_then(Term::as_atom) {
                Some("query") => Some(Strategy::Query),
                Some("action") => Some(Strategy::Action),
                Some("inform") => Some(Strategy::Inform),
                _ => None,
            },
            ..SolveParams::default()
        };
        match p.strategy {
            Some(Strategy::Action) => {
                p.parallel_ok = false;
                p.solution_limit = Some(1);
            }
            Some(Strategy::Inform) => p.reply = false,
            _ => {}
        }
        if let Some(n) = get_usize(params, "solution_limit") {
            p.solution_limit = Some(n);
        }
        p.provider_limit = get_usize(params, "provider_limit");
        p.time_limit = get_seconds(params, "time_limit");
        p.address = get(params, "address").map(|a| list_items(&a));
        p.reflexive = get_bool(params, "reflexive", true);
        p.parallel_ok = get_bool(params, "parallel_ok", p.parallel_ok);
        p.priority = get_usize(params, "priority").map_or(5, |n| n.clamp(1, 10) as u8);
        if let Some(r) = get(params, "reply") {
            p.reply = !matches!(r.as_atom(), Some("none" | "false"));
        }
        p.blocking = get_bool(params, "blocking", get_bool(params, "block", true));
        if !p.reply {
            p.blocking = false;
            p.parallel_ok = true;
        }
        p.context = get(params, "context");
        p.cache = get_bool(params, "cache", false);
        p.unique_values = get_bool(params, "unique_values", false);
        p.test = get(params, "test");
        p.return_goal = get_bool(params, "return_goal_with_solutions", false);
        p
    }
}
