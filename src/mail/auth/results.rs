//! Parsing one Authentication-Results header value (RFC 8601 §2.2) into
//! the authserv-id and the method results with their properties. Comments
//! are removed first, so text inside parentheses can never pose as a
//! result. Performs no I/O.

/// One `method=result ptype.property=value …` clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodResult {
    /// The method, lower-cased, without a version (`dkim`, `dmarc`, `spf`…).
    pub method: String,
    /// The result, lower-cased (`pass`, `fail`, `none`…).
    pub result: String,
    /// `ptype.property` (lower-cased) and value pairs, in order.
    pub props: Vec<(String, String)>,
}

impl MethodResult {
    /// The value of a property such as `header.d`.
    pub fn prop(&self, name: &str) -> Option<&str> {
        self.props.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// A parsed Authentication-Results header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthResults {
    /// Who added the header (normally a host name of our own MTA), lower-cased.
    pub authserv_id: String,
    /// The results; empty for `; none`.
    pub results: Vec<MethodResult>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Quoted(String),
    Eq,
    Semi,
    Slash,
}

/// Splits into tokens, dropping comments (nested, with quoted pairs) and
/// white space. `None` when a quoted string or comment is not closed.
fn tokens(text: &str) -> Option<Vec<Token>> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<Token>| {
        if !word.is_empty() {
            out.push(Token::Word(std::mem::take(word)));
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '(' => {
                flush(&mut word, &mut out);
                let mut depth = 1;
                while depth > 0 {
                    match chars.next()? {
                        '\\' => {
                            chars.next()?;
                        }
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                }
            }
            '"' => {
                flush(&mut word, &mut out);
                let mut q = String::new();
                loop {
                    match chars.next()? {
                        '\\' => q.push(chars.next()?),
                        '"' => break,
                        other => q.push(other),
                    }
                }
                out.push(Token::Quoted(q));
            }
            '=' | ';' | '/' => {
                flush(&mut word, &mut out);
                out.push(match c {
                    '=' => Token::Eq,
                    ';' => Token::Semi,
                    _ => Token::Slash,
                });
            }
            c if c.is_whitespace() => flush(&mut word, &mut out),
            c => word.push(c),
        }
    }
    flush(&mut word, &mut out);
    Some(out)
}

fn value(t: Option<&Token>) -> Option<String> {
    match t {
        Some(Token::Word(w)) | Some(Token::Quoted(w)) => Some(w.clone()),
        _ => None,
    }
}

/// Parses one `resinfo` clause (the tokens between two semicolons).
fn resinfo(t: &[Token]) -> Option<MethodResult> {
    let mut i = 0;
    let method = match t.first()? {
        Token::Word(w) => w.to_ascii_lowercase(),
        _ => return None,
    };
    i += 1;
    if t.get(i) == Some(&Token::Slash) {
        i += 2; // method version
    }
    if t.get(i) != Some(&Token::Eq) {
        return None;
    }
    let result = match t.get(i + 1)? {
        Token::Word(w) => w.to_ascii_lowercase(),
        _ => return None,
    };
    i += 2;
    let mut props = Vec::new();
    while i < t.len() {
        let Token::Word(key) = &t[i] else { return None };
        if t.get(i + 1) != Some(&Token::Eq) {
            return None;
        }
        let v = value(t.get(i + 2))?;
        let key = key.to_ascii_lowercase();
        // reason=… is kept as a property named "reason"; anything else must
        // be ptype.property.
        if key != "reason" && !key.contains('.') {
            return None;
        }
        props.push((key, v));
        i += 3;
    }
    Some(MethodResult { method, result, props })
}

/// Parses a header value. `None` when it does not follow the grammar (such
/// a header is not trusted for anything).
pub fn parse(text: &str) -> Option<AuthResults> {
    let toks = tokens(text)?;
    let mut clauses = toks.split(|t| *t == Token::Semi);
    let head = clauses.next()?;
    // authserv-id, optionally followed by a version number.
    let authserv_id = value(head.first())?.to_ascii_lowercase();
    if head.len() > 2 {
        return None;
    }
    let mut results = Vec::new();
    for c in clauses {
        if c.is_empty() {
            continue;
        }
        if let [Token::Word(w)] = c
            && w.eq_ignore_ascii_case("none")
        {
            continue;
        }
        results.push(resinfo(c)?);
    }
    Some(AuthResults { authserv_id, results })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn typical_opendkim_and_opendmarc_headers() {
        let a = parse("mx.example.com;\r\n\tdkim=pass (2048-bit key; unprotected) header.d=example.com header.i=@example.com header.b=\"abc/def\"").unwrap();
        assert_eq!(a.authserv_id, "mx.example.com");
        assert_eq!(a.results.len(), 1);
        assert_eq!(a.results[0].method, "dkim");
        assert_eq!(a.results[0].result, "pass");
        assert_eq!(a.results[0].prop("header.d"), Some("example.com"));
        assert_eq!(a.results[0].prop("header.i"), Some("@example.com"));
        let d =
            parse("MX.Example.com; dmarc=pass (p=none dis=none) header.from=example.com").unwrap();
        assert_eq!(d.authserv_id, "mx.example.com");
        assert_eq!(d.results[0].prop("header.from"), Some("example.com"));
    }

    #[test]
    fn several_results_version_and_none() {
        let a = parse("mx.example.com 1; spf=pass smtp.mailfrom=a@example.org; dkim/1 = pass reason=\"good sig\" header.d=example.org").unwrap();
        assert_eq!(a.results.len(), 2);
        assert_eq!(a.results[1].method, "dkim");
        assert_eq!(a.results[1].prop("reason"), Some("good sig"));
        assert_eq!(parse("mx.example.com; none").unwrap().results, vec![]);
    }

    #[test]
    fn comments_cannot_pose_as_results() {
        let a = parse(
            "mx.example.com; dkim=fail (dkim=pass header.d=example.com) header.d=evil.example",
        )
        .unwrap();
        assert_eq!(a.results.len(), 1);
        assert_eq!(a.results[0].result, "fail");
        assert_eq!(a.results[0].prop("header.d"), Some("evil.example"));
    }

    #[test]
    fn malformed_headers_are_rejected() {
        assert!(parse("").is_none());
        assert!(parse("mx.example.com; dkim=pass (unclosed").is_none());
        assert!(parse("mx.example.com; dkim pass").is_none());
        assert!(parse("mx.example.com; dkim=pass header.d").is_none());
        assert!(parse("mx.example.com extra words; dkim=pass").is_none());
        assert!(parse("mx.example.com; dkim=pass d=example.com").is_none());
    }
}
