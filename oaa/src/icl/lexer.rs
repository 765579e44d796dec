//! Tokeniser for ICL text (reference §4.2).
//!
//! Performs no I/O. Produces one token at a time with its byte offset so
//! errors can name a line and column. Tokens borrow their text from the
//! source (a quoted atom is copied only when it holds escapes or doubled
//! quotes), and ASCII, which is nearly all ICL, is read byte by byte. Layout and comments (`% ...` and
//! `/* ... */`) are skipped. A `.` followed by layout (or the end of input,
//! or `%`) ends a term; this matches the frame scanner in `wire::frame`.

use std::borrow::Cow;

use super::error::ParseError;

/// Characters that form symbol-run atoms such as `:-` or `==>`.
pub fn is_symbol_char(c: char) -> bool {
    "+-*/\\^<>=~:.?@#&$".contains(c)
}

/// A lexical token, borrowing from the source where it can.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok<'a> {
    /// A bare atom: identifier, symbol run or solo char (`!`, `;`).
    Name(&'a str),
    /// A quoted atom or double-quoted string; never an operator.
    Quoted(Cow<'a, str>),
    /// An atom written immediately before `(`; the `(` is consumed.
    Functor(Cow<'a, str>),
    /// A variable name (`_` alone is anonymous).
    Var(&'a str),
    /// Decimal digits of an integer, unsigned.
    Int(&'a str),
    /// Text of a float literal, unsigned.
    Float(&'a str),
    /// `(`
    Open,
    /// `)`
    Close,
    /// `[`
    OpenList,
    /// `]`
    CloseList,
    /// `{`
    OpenCurly,
    /// `}`
    CloseCurly,
    /// `,`
    Comma,
    /// `|`
    Bar,
    /// `.` followed by layout: the end of a term.
    End,
    /// End of input.
    Eof,
}

impl Tok<'_> {
    /// True when the token can begin a term.
    pub fn starts_term(&self) -> bool {
        matches!(
            self,
            Tok::Name(_)
                | Tok::Quoted(_)
                | Tok::Functor(_)
                | Tok::Var(_)
                | Tok::Int(_)
                | Tok::Float(_)
                | Tok::Open
                | Tok::OpenList
                | Tok::OpenCurly
        )
    }

    /// A short description for error messages.
    pub fn describe(&self) -> String {
        match self {
            Tok::Name(n) => format!("atom '{n}'"),
            Tok::Quoted(n) => format!("quoted atom '{n}'"),
            Tok::Functor(n) => format!("'{n}('"),
            Tok::Var(n) => format!("variable {n}"),
            Tok::Int(n) | Tok::Float(n) => format!("number {n}"),
            Tok::Open => "'('".into(),
            Tok::Close => "')'".into(),
            Tok::OpenList => "'['".into(),
            Tok::CloseList => "']'".into(),
            Tok::OpenCurly => "'{'".into(),
            Tok::CloseCurly => "'}'".into(),
            Tok::Comma => "','".into(),
            Tok::Bar => "'|'".into(),
            Tok::End => "end of term '.'".into(),
            Tok::Eof => "end of input".into(),
        }
    }
}

/// Splits source text into tokens.
pub struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    /// A lexer at the start of `src`.
    pub fn new(src: &'a str) -> Self {
        Lexer { src, pos: 0 }
    }

    /// The source being read.
    pub fn src(&self) -> &'a str {
        self.src
    }

    fn peek(&self) -> Option<char> {
        let b = *self.src.as_bytes().get(self.pos)?;
        if b.is_ascii() { Some(char::from(b)) } else { self.src[self.pos..].chars().next() }
    }

    fn peek2(&self) -> Option<char> {
        let mut it = self.src[self.pos..].chars();
        it.next();
        it.next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn err(&self, at: usize, msg: impl Into<String>) -> ParseError {
        ParseError::at(self.src, at, msg)
    }

    /// True when the char after a `.` makes it an end token.
    fn ends_term_after(c: Option<char>) -> bool {
        match c {
            None => true,
            // ASCII layout only, byte for byte what the frame scanner uses.
            Some(c) => c.is_ascii_whitespace() || c == '%',
        }
    }

    fn skip_layout(&mut self) -> Result<(), ParseError> {
        loop {
            match self.peek() {
                Some(c) if c.is_whitespace() => {
                    self.bump();
                }
                Some('%') => {
                    while let Some(c) = self.bump() {
                        if c == '\n' {
                            break;
                        }
                    }
                }
                Some('/') if self.peek2() == Some('*') => {
                    let start = self.pos;
                    self.pos += 2;
                    match self.src[self.pos..].find("*/") {
                        Some(i) => self.pos += i + 2,
                        None => return Err(self.err(start, "unterminated /* comment")),
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    /// Reads the next token and its starting byte offset.
    pub fn next_token(&mut self) -> Result<(Tok<'a>, usize), ParseError> {
        self.skip_layout()?;
        let start = self.pos;
        let Some(c) = self.bump() else { return Ok((Tok::Eof, start)) };
        let tok = match c {
            '(' => Tok::Open,
            ')' => Tok::Close,
            '[' => Tok::OpenList,
            ']' => Tok::CloseList,
            '{' => Tok::OpenCurly,
            '}' => Tok::CloseCurly,
            ',' => Tok::Comma,
            '|' => Tok::Bar,
            '!' | ';' => self.maybe_functor(&self.src[start..self.pos]),
            '\'' => {
                let s = self.quoted('\'', start)?;
                if self.peek() == Some('(') {
                    self.bump();
                    Tok::Functor(s)
                } else {
                    Tok::Quoted(s)
                }
            }
            '"' => Tok::Quoted(self.quoted('"', start)?),
            '0'..='9' => self.number(start),
            c if c == '_' || c.is_uppercase() => {
                let name = self.word(start);
                Tok::Var(name)
            }
            c if c.is_lowercase() => {
                let name = self.word(start);
                self.maybe_functor(name)
            }
            '.' if Self::ends_term_after(self.peek()) => Tok::End,
            c if is_symbol_char(c) => {
                while let Some(d) = self.peek() {
                    // A '.' followed by layout ends the term even right after
                    // a symbol run, exactly as the frame scanner splits it.
                    if !is_symbol_char(d) || (d == '.' && Self::ends_term_after(self.peek2())) {
                        break;
                    }
                    self.bump();
                }
                self.maybe_functor(&self.src[start..self.pos])
            }
            other => {
                return Err(self.err(start, format!("unexpected character {other:?}")));
            }
        };
        Ok((tok, start))
    }

    fn maybe_functor(&mut self, name: &'a str) -> Tok<'a> {
        if self.peek() == Some('(') {
            self.bump();
            Tok::Functor(Cow::Borrowed(name))
        } else {
            Tok::Name(name)
        }
    }

    fn word(&mut self, start: usize) -> &'a str {
        while let Some(d) = self.peek() {
            if d == '_' || d.is_alphanumeric() {
                self.bump();
            } else {
                break;
            }
        }
        &self.src[start..self.pos]
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some('0'..='9')) {
            self.bump();
        }
    }

    fn number(&mut self, start: usize) -> Tok<'a> {
        self.digits();
        let mut float = false;
        if self.peek() == Some('.') && matches!(self.peek2(), Some('0'..='9')) {
            self.bump();
            self.digits();
            float = true;
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            let save = self.pos;
            self.bump();
            if matches!(self.peek(), Some('+' | '-')) {
                self.bump();
            }
            if matches!(self.peek(), Some('0'..='9')) {
                self.digits();
                float = true;
            } else {
                self.pos = save;
            }
        }
        let text = &self.src[start..self.pos];
        if float { Tok::Float(text) } else { Tok::Int(text) }
    }

    /// Reads quoted text after the opening `q`. A doubled quote stands for
    /// one; backslash escapes `\n \t \r \a \b \f \v \0 \\ \' \" \``, ISO
    /// `\xHEX\` and a backslash-newline continuation are understood. An
    /// unknown escape keeps its backslash, because the historical escape set
    /// is not known (reference §3.7 item 2) and dropping text is worse.
    fn quoted(&mut self, q: char, start: usize) -> Result<Cow<'a, str>, ParseError> {
        // Usually the text has neither escapes nor doubled quotes: borrow it.
        let body = &self.src.as_bytes()[self.pos..];
        if let Some(i) = body.iter().position(|&b| b == q as u8 || b == b'\\')
            && body[i] == q as u8
            && body.get(i + 1) != Some(&(q as u8))
        {
            let text = &self.src[self.pos..self.pos + i];
            self.pos += i + 1;
            return Ok(Cow::Borrowed(text));
        }
        self.quoted_slow(q, start).map(Cow::Owned)
    }

    fn quoted_slow(&mut self, q: char, start: usize) -> Result<String, ParseError> {
        let mut out = String::new();
        loop {
            let Some(c) = self.bump() else {
                return Err(self.err(start, "unterminated quoted text"));
            };
            if c == q {
                if self.peek() == Some(q) {
                    self.bump();
                    out.push(q);
                    continue;
                }
                return Ok(out);
            }
            if c != '\\' {
                out.push(c);
                continue;
            }
            let esc_at = self.pos - 1;
            let Some(e) = self.bump() else {
                return Err(self.err(start, "unterminated quoted text"));
            };
            match e {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                'a' => out.push('\x07'),
                'b' => out.push('\x08'),
                'f' => out.push('\x0c'),
                'v' => out.push('\x0b'),
                '0' => out.push('\0'),
                '\\' | '\'' | '"' | '`' => out.push(e),
                '\n' => {}
                'x' => {
                    let hex_start = self.pos;
                    while matches!(self.peek(), Some(h) if h.is_ascii_hexdigit()) {
                        self.bump();
                    }
                    let hex = &self.src[hex_start..self.pos];
                    if self.peek() == Some('\\') {
                        self.bump();
                    }
                    let ch = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32);
                    match ch {
                        Some(ch) => out.push(ch),
                        None => {
                            return Err(self.err(esc_at, format!("bad \\x escape {hex:?}")));
                        }
                    }
                }
                other => {
                    out.push('\\');
                    out.push(other);
                }
            }
        }
    }
}
