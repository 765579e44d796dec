//! The `event(Content, Params)` envelope (reference §3.2) and whole-frame
//! encoding and decoding.
//!
//! Performs no I/O.

use std::cell::RefCell;

use thiserror::Error;

use super::charset::{BadEncoding, Charset};
use crate::icl::print::{write_term, write_term_capped};
use crate::icl::{Limits, ParseError, Term, lexer::is_symbol_char, parse_with};

/// Largest printing buffer kept between frames.
const KEEP_SCRATCH: usize = 64 * 1024;

/// One message on the wire.
#[derive(Clone, Debug, PartialEq)]
pub struct Envelope {
    /// The event term, e.g. `ev_solve(Id, Goal, Params)`.
    pub content: Term,
    /// Event parameters (usually empty; `priority(P)`, `sequence(N)`, ...).
    pub params: Vec<Term>,
}

/// A frame could not be decoded.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum DecodeError {
    /// Wrong character encoding.
    #[error(transparent)]
    Encoding(#[from] BadEncoding),
    /// Not a valid term.
    #[error("syntax error: {0}")]
    Syntax(#[from] ParseError),
}

impl Envelope {
    /// An envelope with no event parameters.
    pub fn new(content: Term) -> Self {
        Envelope { content, params: Vec::new() }
    }

    /// Wraps as `event(Content, Params)`.
    pub fn to_term(&self) -> Term {
        Term::compound("event", vec![self.content.clone(), Term::list(self.params.clone())])
    }

    /// Unwraps `event(C, P)`. A term without the envelope is accepted as
    /// bare content (lenient on input); a non-list `P` becomes `[P]`.
    pub fn from_term(t: Term) -> Envelope {
        if t.is("event", 2) {
            let args = t.args();
            let params = match &args[1] {
                Term::List(items) => items.to_vec(),
                other => vec![other.clone()],
            };
            return Envelope { content: args[0].clone(), params };
        }
        Envelope::new(t)
    }

    /// Decodes one frame (as returned by the frame scanner).
    pub fn decode(frame: &[u8], charset: Charset, limits: &Limits) -> Result<Self, DecodeError> {
        let text = charset.decode_str(frame)?;
        Ok(Envelope::from_term(parse_with(&text, limits)?))
    }

    /// Encodes as one frame: printed term, `.` and a newline.
    pub fn encode_into(&self, charset: Charset, out: &mut Vec<u8>) {
        thread_local! {
            // Printing space reused by every frame this thread encodes.
            static TEXT: RefCell<String> = const { RefCell::new(String::new()) };
        }
        TEXT.with_borrow_mut(|text| {
            text.clear();
            write_term(text, &self.to_term());
            finish_frame(text);
            charset.encode_into(text, out);
            if text.capacity() > KEEP_SCRATCH {
                *text = String::new();
            }
        });
    }

    /// [`Envelope::encode_into`] unless the frame would be longer than
    /// `limit` bytes: then returns false and leaves `out` as it was. Costs
    /// at most about `limit` bytes of printing, however large the term.
    pub fn encode_capped_into(&self, charset: Charset, out: &mut Vec<u8>, limit: usize) -> bool {
        let start = out.len();
        let mut text = String::new();
        if !write_term_capped(&mut text, &self.to_term(), limit) {
            return false;
        }
        finish_frame(&mut text);
        charset.encode_into(&text, out);
        if out.len() - start > limit {
            // Latin-1 escapes or the final ".\n" pushed it over.
            out.truncate(start);
            return false;
        }
        true
    }

    /// The frame text (UTF-8 in memory), mainly for logs and transcripts.
    pub fn to_text(&self) -> String {
        let mut text = String::new();
        write_term(&mut text, &self.to_term());
        finish_frame(&mut text);
        text
    }
}

fn finish_frame(text: &mut String) {
    // A symbol char right before '.' would otherwise glue onto it.
    if text.chars().last().is_some_and(is_symbol_char) {
        text.push(' ');
    }
    text.push_str(".\n");
}
