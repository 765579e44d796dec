//! Agent addresses (reference §3.6).
//!
//! Performs no I/O. `addr(tcp(Host,Port))` names a facilitator and
//! `addr(tcp(Host,Port),LocalId)` a client. Wherever an address is expected
//! a bare local id, `name(Name)`, `self`, `parent` and `facilitator` are
//! accepted too.

use crate::icl::Term;

/// A client's full address.
pub fn client_address(host: &str, port: u16, id: i64) -> Term {
    Term::compound("addr", vec![tcp(host, port), Term::Int(id)])
}

/// A facilitator's address.
pub fn facilitator_address(host: &str, port: u16) -> Term {
    Term::compound("addr", vec![tcp(host, port)])
}

fn tcp(host: &str, port: u16) -> Term {
    Term::compound("tcp", vec![Term::atom(host), Term::Int(i64::from(port))])
}

/// What an address term refers to, before looking it up.
#[derive(Clone, Debug, PartialEq)]
pub enum AddressRef {
    /// `parent`, `facilitator` or a facilitator's `addr(tcp(H,P))`.
    Facilitator,
    /// `self`: the requester.
    Myself,
    /// A local id (bare, or inside `addr(tcp(H,P),Id)`).
    Id(i64),
    /// `name(N)` or a bare atom that is not a keyword.
    Name(String),
    /// Anything else.
    Unknown,
}

/// Classifies an address term.
pub fn classify(t: &Term) -> AddressRef {
    match t {
        Term::Atom(a) => match a.as_str() {
            "parent" | "facilitator" => AddressRef::Facilitator,
            "self" => AddressRef::Myself,
            other => AddressRef::Name(other.to_string()),
        },
        Term::Int(i) => AddressRef::Id(*i),
        Term::Struct(f, args) => match (f.as_str(), args.len()) {
            ("addr", 1) => AddressRef::Facilitator,
            ("addr", 2) => match &args[1] {
                Term::Int(i) => AddressRef::Id(*i),
                _ => AddressRef::Unknown,
            },
            ("name", 1) => match &args[0] {
                Term::Atom(a) => AddressRef::Name(a.to_string()),
                _ => AddressRef::Unknown,
            },
            _ => AddressRef::Unknown,
        },
        _ => AddressRef::Unknown,
    }
}
