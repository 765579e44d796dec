//! ICL's operator table (reference §4.3), shared by parser and printer.
//!
//! Performs no I/O. From loosest to tightest: `:-`, `;`, `\`, `=`, `:` and
//! `::`, infix `+ -`, `* /`, prefix `+ -`. Every infix operator is
//! left-associative. There are deliberately no comparison operators, no `is`,
//! no `->`: any other symbol run is a plain atom.

/// Binding level of prefix `+` and `-` (tighter than every infix operator).
pub const PREFIX_LEVEL: u8 = 8;

/// The loosest level: what an argument, list element or group element may
/// contain without brackets.
pub const ARG_LEVEL: u8 = 1;

/// The level of an infix operator, or `None` when `name` is not one.
pub fn infix_level(name: &str) -> Option<u8> {
    Some(match name {
        ":-" => 1,
        ";" => 2,
        "\\" => 3,
        "=" => 4,
        ":" | "::" => 5,
        "+" | "-" => 6,
        "*" | "/" => 7,
        _ => return None,
    })
}

/// True for the prefix operators `+` and `-`.
pub fn is_prefix(name: &str) -> bool {
    matches!(name, "+" | "-")
}

/// True when `name` has any operator role (printed quoted when it stands
/// alone as an operand).
pub fn is_operator(name: &str) -> bool {
    infix_level(name).is_some() || is_prefix(name)
}
