//! ICL, the Interagent Communication Language of OAA 2.x (reference §4–5):
//! the term model, parser, printer, structural equality, unification and
//! renaming.
//!
//! Performs no I/O. Everything here is pure and bounded by [`Limits`].

pub mod eq;
pub mod error;
pub mod lexer;
pub mod ops;
pub mod parser;
pub mod print;
pub mod rename;
pub mod term;
pub mod types;
pub mod unify;

pub use eq::{identical, variant};
pub use error::{LimitError, Limits, ParseError};
pub use parser::{parse, parse_with};
pub use print::print;
pub use rename::{Renamer, rename};
pub use term::{Atom, GroupKind, Term, Var};
pub use unify::{Bindings, unify, unify_resolve};
