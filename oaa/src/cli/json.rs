//! ICL terms as JSON for `imip_ask --json`.
//!
//! Performs no I/O. Integers and floats become numbers, atoms strings,
//! proper lists arrays; variables `{"var": Name}`, structures
//! `{"functor": F, "args": [...]}`, partial lists `{"items": [...],
//! "tail": T}` and groups `{"group": "()"|"{}", "items": [...]}`.

use serde_json::{Value, json};

use crate::icl::{GroupKind, Term, Var};

/// Converts a term (recursively; terms are depth-limited by the parser).
pub fn term_to_json(t: &Term) -> Value {
    match t {
        Term::Int(i) => json!(i),
        Term::Float(f) => json!(f),
        Term::Atom(a) => json!(a.as_str()),
        Term::Var(Var::Named(n)) => json!({ "var": n.as_str() }),
        Term::Var(Var::Fresh(_)) => json!({ "var": "_" }),
        Term::Struct(f, args) => {
            json!({ "functor": f.as_str(), "args": args.iter().map(term_to_json).collect::<Vec<_>>() })
        }
        Term::List(items) => Value::Array(items.iter().map(term_to_json).collect()),
        Term::PartialList(items, tail) => json!({
            "items": items.iter().map(term_to_json).collect::<Vec<_>>(),
            "tail": term_to_json(tail),
        }),
        Term::Group(k, items) => json!({
            "group": match k { GroupKind::Paren => "()", GroupKind::Brace => "{}" },
            "items": items.iter().map(term_to_json).collect::<Vec<_>>(),
        }),
    }
}
