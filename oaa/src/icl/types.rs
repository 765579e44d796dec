//! The ICL type lattice used by `argspecs` checks (reference §4.5).
//!
//! Performs no I/O. `atomic ⊃ number ⊃ {integer, float}`, `atomic ⊃ string
//! ⊃ atom`, `compound`, `list`. Unknown type names (and variables used as
//! types) accept every value, so an agent that declares a type we do not
//! know is not silently cut off.

use super::term::Term;

/// True when `value` (which must be bound) conforms to type `ty`.
pub fn conforms(value: &Term, ty: &Term) -> bool {
    let Some(name) = ty.as_atom() else { return true };
    match name {
        "integer" | "int" => matches!(value, Term::Int(_)),
        "float" => matches!(value, Term::Float(_)),
        "number" => matches!(value, Term::Int(_) | Term::Float(_)),
        "atom" | "string" => matches!(value, Term::Atom(_)),
        "atomic" => matches!(value, Term::Int(_) | Term::Float(_) | Term::Atom(_)),
        "compound" => matches!(value, Term::Struct(..) | Term::Group(..)),
        "list" => matches!(value, Term::List(_) | Term::PartialList(..)),
        _ => true,
    }
}
