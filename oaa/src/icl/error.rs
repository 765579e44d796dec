//! Errors and resource limits shared by the ICL parser and term operations.
//!
//! Performs no I/O.

use thiserror::Error;

/// Bounds applied to untrusted input so that no input can exhaust memory or
/// the stack (reference §13.1 item 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Longest accepted source text, in bytes.
    pub max_input_bytes: usize,
    /// Deepest accepted nesting, counting both brackets and term depth.
    pub max_depth: usize,
    /// Most term nodes (leaves and compounds) in one term.
    pub max_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_input_bytes: 1 << 20, max_depth: 256, max_nodes: 250_000 }
    }
}

/// A syntax error or exceeded limit, with the position where it was found.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("line {line}, column {column}: {message}")]
pub struct ParseError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
    /// Byte offset into the source.
    pub offset: usize,
    /// What went wrong.
    pub message: String,
}

impl ParseError {
    /// Builds an error at byte `offset` of `src`, computing line and column.
    pub fn at(src: &str, offset: usize, message: impl Into<String>) -> ParseError {
        let offset = offset.min(src.len());
        let before = src.get(..offset).unwrap_or(src);
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        ParseError { line, column, offset, message: message.into() }
    }
}

/// A term operation would exceed [`Limits`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum LimitError {
    /// The result would nest deeper than `max_depth`.
    #[error("term nesting exceeds the limit of {0}")]
    TooDeep(usize),
    /// The result would have more than `max_nodes` nodes.
    #[error("term size exceeds the limit of {0} nodes")]
    TooLarge(usize),
}
