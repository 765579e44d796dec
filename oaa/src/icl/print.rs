//! ICL printer: [`Term`] to text that [`parse`](super::parse) reads back as
//! an equal term (reference §4.4).
//!
//! Performs no I/O. Atoms are quoted only when the bare form would not read
//! back as the same atom; operators in ICL's table print infix (bracketed as
//! precedence requires), everything else in function form. Named variables
//! keep valid names; machine-made ones print as `_` when they occur once and
//! as numbered names (`_0`, `_1`, ...) chosen not to clash otherwise, so the
//! output is deterministic. The walk is iterative.

use std::collections::{HashMap, HashSet};
use std::fmt::{self, Write};

use super::lexer::is_symbol_char;
use super::ops::{ARG_LEVEL, infix_level, is_operator};
use super::term::{GroupKind, Term, Var};

/// Prints a term (no final `.`).
pub fn print(t: &Term) -> String {
    let mut s = String::new();
    write_term(&mut s, t);
    s
}

/// Appends a printed term to `out`.
pub fn write_term(out: &mut String, t: &Term) {
    let names = VarNames::new(t, usize::MAX).unwrap_or_else(VarNames::none);
    print_with(out, t, &names, usize::MAX);
}

/// Appends a printed term to `out` unless it would take more than `limit`
/// bytes; returns false then, with `out` as it was. The work done is
/// bounded by `limit`, not by the term: terms share subterms, so a small
/// term in memory can print as gigabytes, and every node prints as at
/// least one byte, so counting nodes first stops early.
pub fn write_term_capped(out: &mut String, t: &Term, limit: usize) -> bool {
    let start = out.len();
    let Some(names) = VarNames::new(t, limit) else { return false };
    if print_with(out, t, &names, start.saturating_add(limit)) {
        return true;
    }
    out.truncate(start);
    false
}

/// The printing loop; stops (returning false) once `out` is longer than
/// `stop_at` bytes.
fn print_with(out: &mut String, t: &Term, names: &VarNames, stop_at: usize) -> bool {
    let mut stack = vec![Task::Term(t, ARG_LEVEL)];
    while let Some(task) = stack.pop() {
        match task {
            Task::Text(s) => out.push_str(s),
            Task::Term(t, min) => push_term(out, &mut stack, t, min, names),
        }
        if out.len() > stop_at {
            return false;
        }
    }
    true
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&print(self))
    }
}

enum Task<'a> {
    Term(&'a Term, u8),
    Text(&'static str),
}

fn push_term<'a>(
    out: &mut String,
    stack: &mut Vec<Task<'a>>,
    t: &'a Term,
    min: u8,
    names: &VarNames,
) {
    match t {
        Term::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Term::Float(f) => write_float(out, *f),
        Term::Atom(a) => write_atom(out, a, true),
        Term::Var(v) => out.push_str(names.name(v)),
        Term::Struct(f, args) => {
            if args.len() == 2
                && let Some(level) = infix_level(f)
            {
                let paren = level < min;
                if paren {
                    out.push('(');
                    stack.push(Task::Text(")"));
                }
                stack.push(Task::Term(&args[1], level + 1));
                stack.push(Task::Text(infix_text(f)));
                stack.push(Task::Term(&args[0], level));
                return;
            }
            write_atom(out, f, false);
            out.push('(');
            stack.push(Task::Text(")"));
            push_seq(stack, args);
        }
        Term::List(items) => {
            out.push('[');
            stack.push(Task::Text("]"));
            push_seq(stack, items);
        }
        Term::PartialList(items, tail) => {
            out.push('[');
            stack.push(Task::Text("]"));
            stack.push(Task::Term(tail, ARG_LEVEL));
            stack.push(Task::Text("|"));
            push_seq(stack, items);
        }
        Term::Group(kind, items) => {
            let (open, close) = match kind {
                GroupKind::Paren => ('(', ")"),
                GroupKind::Brace => ('{', "}"),
            };
            out.push(open);
            stack.push(Task::Text(close));
            push_seq(stack, items);
        }
    }
}

fn infix_text(op: &str) -> &'static str {
    match op {
        ":-" => " :- ",
        ";" => " ; ",
        "\\" => " \\ ",
        "=" => " = ",
        ":" => " : ",
        "::" => " :: ",
        "+" => " + ",
        "-" => " - ",
        "*" => " * ",
        _ => " / ",
    }
}

/// Pushes `items` separated by commas (in reverse, for the stack).
fn push_seq<'a>(stack: &mut Vec<Task<'a>>, items: &'a [Term]) {
    for (i, t) in items.iter().enumerate().rev() {
        stack.push(Task::Term(t, ARG_LEVEL));
        if i > 0 {
            stack.push(Task::Text(","));
        }
    }
}

fn write_float(out: &mut String, f: f64) {
    if f.is_nan() {
        // ICL has no syntax for NaN; this reads back as an atom.
        out.push_str("nan");
        return;
    }
    if f.is_infinite() {
        // Overflows to infinity when read back.
        out.push_str(if f > 0.0 { "1.0e999" } else { "-1.0e999" });
        return;
    }
    let s = format!("{f:?}");
    // Rust may write "1e20"; ICL (like Prolog) wants a dot before 'e'.
    match s.find('e') {
        Some(e) if !s[..e].contains('.') => {
            out.push_str(&s[..e]);
            out.push_str(".0");
            out.push_str(&s[e..]);
        }
        _ => out.push_str(&s),
    }
}

/// True when `name` reads back bare as the same atom. `standalone` is false
/// in functor position, where operator names need no quotes.
pub fn atom_is_bare(name: &str, standalone: bool) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else { return false };
    if first.is_ascii_lowercase() {
        return chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    }
    if name == "!" {
        return true;
    }
    if name == "{}" {
        return standalone;
    }
    if name == ";" {
        return !standalone;
    }
    if name.chars().all(is_symbol_char) {
        // '.' could end the term and "/*" would open a comment.
        let risky = name.contains('.') || name.contains("/*");
        let operator_alone = standalone && is_operator(name);
        return !(risky || operator_alone);
    }
    false
}

fn write_atom(out: &mut String, name: &str, standalone: bool) {
    if atom_is_bare(name, standalone) {
        out.push_str(name);
    } else {
        write_quoted(out, name);
    }
}

/// Writes `name` between single quotes with the escapes the lexer reads.
pub fn write_quoted(out: &mut String, name: &str) {
    out.push('\'');
    // Usually nothing needs escaping: copy the text in one go.
    let plain = |b: &u8| *b >= 0x20 && !matches!(*b, b'\'' | b'\\' | 0x7f);
    if name.as_bytes().iter().all(plain) {
        out.push_str(name);
        out.push('\'');
        return;
    }
    for c in name.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\x7f' => {
                let _ = write!(out, "\\x{:X}\\", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('\'');
}

/// True when `name` is valid variable syntax other than the anonymous `_`.
fn valid_var_name(name: &str) -> bool {
    let mut chars = name.chars();
    let ok_start = matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_uppercase());
    ok_start && name != "_" && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Terms with more distinct variables than this index them in a map;
/// smaller ones (nearly all) are searched in a short vector.
const FEW_VARS: usize = 16;

/// Printed names for the variables of one term, in order of first
/// occurrence.
struct VarNames {
    names: Vec<(Var, String)>,
    index: Option<HashMap<Var, usize>>,
}

impl VarNames {
    fn none() -> Self {
        VarNames { names: Vec::new(), index: None }
    }

    /// Names for the variables of `t`, or `None` when `t` has more than
    /// `max_nodes` nodes.
    fn new(t: &Term, max_nodes: usize) -> Option<Self> {
        // Distinct variables in order of first occurrence, with counts.
        let mut order: Vec<(&Var, usize)> = Vec::new();
        let mut index: Option<HashMap<&Var, usize>> = None;
        let mut stack = vec![t];
        let mut nodes = 0usize;
        while let Some(t) = stack.pop() {
            nodes += 1;
            if nodes > max_nodes {
                return None;
            }
            match t {
                Term::Var(v) => {
                    let at = match &index {
                        Some(ix) => ix.get(v).copied(),
                        None => order.iter().position(|(w, _)| *w == v),
                    };
                    match at {
                        Some(i) => order[i].1 += 1,
                        None => {
                            if let Some(ix) = &mut index {
                                ix.insert(v, order.len());
                            }
                            order.push((v, 1));
                            if index.is_none() && order.len() > FEW_VARS {
                                index = Some(
                                    order.iter().enumerate().map(|(i, (w, _))| (*w, i)).collect(),
                                );
                            }
                        }
                    }
                }
                other => {
                    let before = stack.len();
                    stack.extend(other.children());
                    stack[before..].reverse();
                }
            }
        }
        if order.is_empty() {
            return Some(VarNames::none());
        }
        let mut used: HashSet<&str> = HashSet::new();
        let mut names: Vec<Option<String>> = order
            .iter()
            .map(|(v, _)| match v {
                Var::Named(n) if valid_var_name(n) => {
                    used.insert(n.as_str());
                    Some(n.to_string())
                }
                _ => None,
            })
            .collect();
        let mut next = 0usize;
        for (slot, (_, count)) in names.iter_mut().zip(&order) {
            if slot.is_some() {
                continue;
            }
            *slot = Some(if *count <= 1 {
                "_".to_string()
            } else {
                loop {
                    let candidate = format!("_{next}");
                    next += 1;
                    if !used.contains(candidate.as_str()) {
                        break candidate;
                    }
                }
            });
        }
        let names: Vec<(Var, String)> = order
            .iter()
            .zip(names)
            .map(|((v, _), n)| ((*v).clone(), n.unwrap_or_else(|| "_".to_string())))
            .collect();
        let index = (names.len() > FEW_VARS)
            .then(|| names.iter().enumerate().map(|(i, (v, _))| (v.clone(), i)).collect());
        Some(VarNames { names, index })
    }

    fn name(&self, v: &Var) -> &str {
        let at = match &self.index {
            Some(ix) => ix.get(v).copied(),
            None => self.names.iter().position(|(w, _)| w == v),
        };
        at.map_or("_", |i| self.names[i].1.as_str())
    }
}
