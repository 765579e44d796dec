//! ICL parser: text to [`Term`] (reference §4.2–4.3).
//!
//! Performs no I/O. Recursive descent with precedence climbing over ICL's
//! own operator table. Every recursive step is counted against
//! [`Limits::max_depth`] *before* recursing, and the depth and node count of
//! the result are checked as it is built, so hostile input yields an error,
//! never a stack overflow. Long left-associative chains (`a+b+c+...`) are
//! built by a loop but still count towards the result depth.

use std::collections::HashMap;
use std::sync::Arc;

use super::error::{Limits, ParseError};
use super::lexer::{Lexer, Tok};
use super::ops::{ARG_LEVEL, infix_level, is_prefix};
use super::term::{Atom, GroupKind, Term, Var};

/// Parses exactly one term with default [`Limits`]. A final `.` is optional;
/// only layout and comments may follow it.
pub fn parse(src: &str) -> Result<Term, ParseError> {
    parse_with(src, &Limits::default())
}

/// Parses exactly one term under explicit limits.
pub fn parse_with(src: &str, limits: &Limits) -> Result<Term, ParseError> {
    if src.len() > limits.max_input_bytes {
        return Err(ParseError::at(
            src,
            limits.max_input_bytes,
            format!("input exceeds the limit of {} bytes", limits.max_input_bytes),
        ));
    }
    let mut p = Parser::new(src, limits)?;
    if p.tok == Tok::Eof || p.tok == Tok::End {
        return Err(p.err_here("expected a term, found ".to_string() + &p.tok.describe()));
    }
    let (t, _) = p.expr(ARG_LEVEL)?;
    if p.tok == Tok::End {
        p.advance()?;
    }
    match &p.tok {
        Tok::Eof => Ok(t),
        Tok::Comma => Err(p.err_here(
            "a bare ',' sequence at top level is not a term; write a conjunction as (A, B)",
        )),
        Tok::Name(_) | Tok::Functor(_) => {
            let n = match &p.tok {
                Tok::Name(n) => n.to_string(),
                Tok::Functor(n) => n.to_string(),
                _ => String::new(),
            };
            Err(p.err_here(format!(
                "'{n}' is not an ICL operator; write it in function form, e.g. '{n}'(A, B)"
            )))
        }
        other => {
            let d = other.describe();
            Err(p.err_here(format!("unexpected {d} after a complete term")))
        }
    }
}

struct Parser<'a> {
    lex: Lexer<'a>,
    tok: Tok<'a>,
    at: usize,
    limits: &'a Limits,
    depth: usize,
    nodes: usize,
    vars: HashMap<&'a str, Var>,
}

type Parsed = (Term, usize);

impl<'a> Parser<'a> {
    fn new(src: &'a str, limits: &'a Limits) -> Result<Self, ParseError> {
        let mut lex = Lexer::new(src);
        let (tok, at) = lex.next_token()?;
        Ok(Parser { lex, tok, at, limits, depth: 0, nodes: 0, vars: HashMap::new() })
    }

    fn advance(&mut self) -> Result<Tok<'a>, ParseError> {
        let (tok, at) = self.lex.next_token()?;
        self.at = at;
        Ok(std::mem::replace(&mut self.tok, tok))
    }

    fn err_here(&self, msg: impl Into<String>) -> ParseError {
        ParseError::at(self.lex.src(), self.at, msg)
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            return Err(self.err_here(format!(
                "nesting exceeds the limit of {} levels",
                self.limits.max_depth
            )));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// Accounts for one new node whose children have depth `child_depth`.
    fn node(&mut self, t: Term, child_depth: usize) -> Result<Parsed, ParseError> {
        self.nodes += 1;
        if self.nodes > self.limits.max_nodes {
            return Err(
                self.err_here(format!("term exceeds the limit of {} nodes", self.limits.max_nodes))
            );
        }
        let d = child_depth + 1;
        if d > self.limits.max_depth {
            return Err(self.err_here(format!(
                "term nesting exceeds the limit of {} levels",
                self.limits.max_depth
            )));
        }
        Ok((t, d))
    }

    fn expect(&mut self, want: Tok<'a>, ctx: &str) -> Result<(), ParseError> {
        if self.tok == want {
            self.advance()?;
            Ok(())
        } else {
            let found = self.tok.describe();
            Err(self.err_here(format!("expected {} {ctx}, found {found}", want.describe())))
        }
    }

    /// Operator expression. Recursion through here without brackets is
    /// bounded by the number of operator levels, so only brackets and
    /// prefix operators count against the depth limit.
    fn expr(&mut self, min: u8) -> Result<Parsed, ParseError> {
        let (mut left, mut ld) = self.prefix()?;
        while let Tok::Name(op) = self.tok {
            let Some(level) = infix_level(op).filter(|l| *l >= min) else { break };
            let op = Atom::from(op);
            self.advance()?;
            if !self.tok.starts_term() {
                let found = self.tok.describe();
                return Err(
                    self.err_here(format!("expected a term after operator '{op}', found {found}"))
                );
            }
            let (right, rd) = self.expr(level + 1)?;
            let t = Term::Struct(op, Arc::from(vec![left, right]));
            (left, ld) = self.node(t, ld.max(rd))?;
        }
        Ok((left, ld))
    }

    fn prefix(&mut self) -> Result<Parsed, ParseError> {
        if matches!(&self.tok, Tok::Name(op) if is_prefix(op)) {
            return self.prefix_op();
        }
        self.primary()
    }

    #[inline(never)]
    fn prefix_op(&mut self) -> Result<Parsed, ParseError> {
        let Tok::Name(op) = self.tok else { return self.primary() };
        let op_at = self.at;
        self.advance()?;
        if !self.tok.starts_term() {
            return self.node(Term::Atom(Atom::from(op)), 0);
        }
        if op == "-" {
            // Java ICL reads '-' before a number as the prefix
            // operator; fold it into the literal (reference §4.2).
            match self.tok {
                Tok::Int(digits) => {
                    let text = format!("-{digits}");
                    self.advance()?;
                    return self.int(&text, op_at);
                }
                Tok::Float(text) => {
                    let text = format!("-{text}");
                    self.advance()?;
                    return self.float(&text, op_at);
                }
                _ => {}
            }
        }
        self.enter()?;
        let (operand, d) = self.prefix()?;
        self.leave();
        let t = match (op, operand) {
            ("-", Term::Int(i)) if i != i64::MIN => Term::Int(-i),
            ("-", Term::Float(f)) => Term::Float(-f),
            (_, operand) => Term::Struct(Atom::from(op), Arc::from(vec![operand])),
        };
        self.node(t, d)
    }

    fn int(&mut self, text: &str, at: usize) -> Result<Parsed, ParseError> {
        match text.parse::<i64>() {
            Ok(i) => self.node(Term::Int(i), 0),
            Err(_) => Err(ParseError::at(
                self.lex.src(),
                at,
                format!("integer {text} is outside the 64-bit range"),
            )),
        }
    }

    fn float(&mut self, text: &str, at: usize) -> Result<Parsed, ParseError> {
        match text.parse::<f64>() {
            Ok(f) => self.node(Term::Float(f), 0),
            Err(_) => Err(ParseError::at(self.lex.src(), at, format!("bad float {text}"))),
        }
    }

    // Each bracket kind has its own non-inlined function so that the frame
    // of `primary`, which is on the stack once per nesting level, stays
    // small even in debug builds.
    fn primary(&mut self) -> Result<Parsed, ParseError> {
        let at = self.at;
        let tok = self.advance()?;
        match tok {
            Tok::Int(text) => self.int(text, at),
            Tok::Float(text) => self.float(text, at),
            Tok::Var(name) => self.variable(name),
            Tok::Name(name) => self.node(Term::Atom(Atom::from(name)), 0),
            Tok::Quoted(name) => self.node(Term::Atom(Atom::from(name.as_ref())), 0),
            Tok::Functor(name) => self.structure(Atom::from(name.as_ref())),
            Tok::Open => self.paren(),
            Tok::OpenList => self.list(),
            Tok::OpenCurly => self.braces(),
            other => Err(self.unexpected(at, &other)),
        }
    }

    #[inline(never)]
    #[cold]
    fn unexpected(&self, at: usize, tok: &Tok<'_>) -> ParseError {
        ParseError::at(self.lex.src(), at, format!("expected a term, found {}", tok.describe()))
    }

    #[inline(never)]
    fn variable(&mut self, name: &'a str) -> Result<Parsed, ParseError> {
        let v = if name == "_" {
            Var::fresh()
        } else {
            self.vars.entry(name).or_insert_with(|| Var::Named(Atom::from(name))).clone()
        };
        self.node(Term::Var(v), 0)
    }

    #[inline(never)]
    fn structure(&mut self, name: Atom) -> Result<Parsed, ParseError> {
        self.enter()?;
        let (args, d) = self.sequence(Tok::Close, "to close the argument list")?;
        self.leave();
        self.node(Term::Struct(name, args.into()), d)
    }

    #[inline(never)]
    fn paren(&mut self) -> Result<Parsed, ParseError> {
        self.enter()?;
        let (first, fd) = self.expr(ARG_LEVEL)?;
        if self.tok == Tok::Comma {
            let mut items = vec![first];
            let mut d = fd;
            while self.tok == Tok::Comma {
                self.advance()?;
                let (t, td) = self.expr(ARG_LEVEL)?;
                items.push(t);
                d = d.max(td);
            }
            self.expect(Tok::Close, "to close the group")?;
            self.leave();
            return self.node(Term::Group(GroupKind::Paren, items.into()), d);
        }
        self.expect(Tok::Close, "to close the parenthesis")?;
        self.leave();
        // Parentheses around one term only group (Prolog reading).
        Ok((first, fd))
    }

    #[inline(never)]
    fn list(&mut self) -> Result<Parsed, ParseError> {
        if self.tok == Tok::CloseList {
            self.advance()?;
            return self.node(Term::nil(), 0);
        }
        self.enter()?;
        let (items, mut d) = self.items()?;
        let t = if self.tok == Tok::Bar {
            self.advance()?;
            let (tail, td) = self.expr(ARG_LEVEL)?;
            d = d.max(td);
            Term::partial_list(items, tail)
        } else {
            Term::List(items.into())
        };
        self.expect(Tok::CloseList, "to close the list")?;
        self.leave();
        self.node(t, d)
    }

    #[inline(never)]
    fn braces(&mut self) -> Result<Parsed, ParseError> {
        if self.tok == Tok::CloseCurly {
            self.advance()?;
            return self.node(Term::atom("{}"), 0);
        }
        self.enter()?;
        let (items, d) = self.sequence(Tok::CloseCurly, "to close the braces")?;
        self.leave();
        self.node(Term::Group(GroupKind::Brace, items.into()), d)
    }

    /// Comma-separated terms up to `close` (which is consumed).
    fn sequence(&mut self, close: Tok<'a>, ctx: &str) -> Result<(Vec<Term>, usize), ParseError> {
        let items = self.items()?;
        self.expect(close, ctx)?;
        Ok(items)
    }

    /// One or more comma-separated terms, up to the first token after them
    /// that is not a comma (not consumed), with their greatest depth.
    fn items(&mut self) -> Result<(Vec<Term>, usize), ParseError> {
        let mut items = Vec::new();
        let mut d = 0;
        loop {
            let (t, td) = self.expr(ARG_LEVEL)?;
            items.push(t);
            d = d.max(td);
            if self.tok != Tok::Comma {
                return Ok((items, d));
            }
            self.advance()?;
        }
    }
}
