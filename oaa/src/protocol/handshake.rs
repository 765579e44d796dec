//! Handshake information lists (reference §3.3, §13.3).
//!
//! Performs no I/O. Our extensions travel as extra `Info` entries that
//! classic peers ignore: `x_protocol(rust_oaa, 1)`, `x_charset(utf8)` and
//! `x_features([...])`. An extension is used only when both sides advertise
//! it.

use super::params::get;
use crate::icl::Term;

/// The version we report: behave like 2.3.2 towards classic peers.
pub const VERSION: [i64; 3] = [2, 3, 2];

/// Features this implementation offers in `x_features`.
pub const FEATURES: [&str; 3] = ["heartbeat", "compound", "agent_left"];

/// `other_version([2,3,2])`.
pub fn version_term() -> Term {
    Term::list(VERSION.iter().map(|&v| Term::Int(v)).collect())
}

/// Our extension entries. `utf8` adds `x_charset(utf8)`.
pub fn extension_entries(utf8: bool) -> Vec<Term> {
    let mut v = vec![Term::compound("x_protocol", vec![Term::atom("rust_oaa"), Term::Int(1)])];
    if utf8 {
        v.push(Term::compound("x_charset", vec![Term::atom("utf8")]));
    }
    v.push(Term::compound(
        "x_features",
        vec![Term::list(FEATURES.iter().map(|f| Term::atom(f)).collect())],
    ));
    v
}

/// True when an info list advertises `x_charset(utf8)`.
pub fn wants_utf8(info: &[Term]) -> bool {
    get(info, "x_charset").as_ref().and_then(Term::as_atom) == Some("utf8")
}

/// The `x_features` an info list advertises.
pub fn features(info: &[Term]) -> Vec<String> {
    match get(info, "x_features") {
        Some(Term::List(items)) => {
            items.iter().filter_map(|t| t.as_atom().map(str::to_string)).collect()
        }
        _ => Vec::new(),
    }
}
