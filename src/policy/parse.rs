//! Parsing the `scheduling_function` preference: one call per line, a name
//! followed by white-space separated arguments that may be quoted with `'`
//! or `"`. Performs no I/O.

/// One configured function call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionCall {
    /// The function name.
    pub name: String,
    /// Its arguments.
    pub args: Vec<String>,
}

/// Splits a line into words, honouring quotes.
pub fn split_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut has_word = false;
    for c in line.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => cur.push(c),
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                has_word = true;
            }
            None if c.is_whitespace() => {
                if has_word {
                    words.push(std::mem::take(&mut cur));
                    has_word = false;
                }
            }
            None => {
                cur.push(c);
                has_word = true;
            }
        }
    }
    if quote.is_some() {
        return Err(format!("unterminated quote in {line:?}"));
    }
    if has_word {
        words.push(cur);
    }
    Ok(words)
}

/// Parses the preference text. Blank lines and `#` comments are skipped.
pub fn parse_functions(text: &str) -> Result<Vec<FunctionCall>, String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let mut words = split_words(t)?;
        let name = words.remove(0);
        out.push(FunctionCall { name, args: words });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_arguments() {
        let f = parse_functions("schedule_in_freebusy 3\n\n# c\naccess_control_list '/etc/acl file'\nschedule_for_delegate \"q\" most-available\n").unwrap_or_default();
        assert_eq!(f.len(), 3);
        assert_eq!(
            f[0],
            FunctionCall { name: "schedule_in_freebusy".into(), args: vec!["3".into()] }
        );
        assert_eq!(f[1].args, vec!["/etc/acl file".to_string()]);
        assert_eq!(f[2].args, vec!["q".to_string(), "most-available".to_string()]);
        assert!(parse_functions("x 'open").is_err());
    }
}
