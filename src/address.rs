//! Calendar user addresses (`mailto:` URIs), normalised so that the same
//! person written by different clients compares equal. Performs no I/O.
//!
//! Normalisation: surrounding white space, angle brackets and quotes are
//! removed, the scheme is written `mailto:` whatever its case (Outlook and
//! BlackBerry write `MAILTO:`), a bare address gets the scheme added (Google
//! replies and the iPhone put bare addresses in ORGANIZER), and the whole
//! address is lower-cased. imip-agent 0.3 compared addresses case-sensitively;
//! mail systems treat them case-insensitively, and so do we (docs/differences.md).

use std::fmt;

/// A normalised calendar user address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CalAddress(String);

impl CalAddress {
    /// Parses a URI or bare e-mail address; `None` when nothing usable is left.
    pub fn parse(text: &str) -> Option<CalAddress> {
        let mut s = text.trim();
        // A whole value in quotes (some clients quote the URI); a quoted
        // local part (`"john doe"@example.com`) is kept.
        if s.len() >= 2 && s.starts_with('"') && s.ends_with('"') {
            s = s[1..s.len() - 1].trim();
        }
        if let Some(inner) = s.strip_prefix('<').and_then(|r| r.strip_suffix('>')) {
            s = inner.trim();
        }
        if s.is_empty() {
            return None;
        }
        let lower = s.to_lowercase();
        if let Some(rest) = lower.strip_prefix("mailto:") {
            return mailbox(rest.trim()).map(|m| CalAddress(format!("mailto:{m}")));
        }
        if lower.starts_with('"') || (lower.contains('@') && !lower.contains(':')) {
            return mailbox(&lower).map(|m| CalAddress(format!("mailto:{m}")));
        }
        if lower.contains(':') && !lower.chars().any(char::is_whitespace) {
            // Another URI scheme (a CalDAV principal path, urn:uuid:…): kept as is.
            return Some(CalAddress(lower));
        }
        None
    }

    /// The address from an e-mail address or header value such as
    /// `Paul <paul@example.com>` or `<paul@example.com>` (the part in angle
    /// brackets, when there is one).
    pub fn from_email(email: &str) -> Option<CalAddress> {
        let mut e = email.trim();
        if let (Some(open), Some(close)) = (e.rfind('<'), e.rfind('>'))
            && open < close
        {
            e = e[open + 1..close].trim();
        }
        if e.is_empty() || !e.contains('@') {
            return None;
        }
        CalAddress::parse(&format!("mailto:{e}"))
    }

    /// The URI form, e.g. `mailto:room@example.com`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The e-mail address part, when this is a `mailto:` URI.
    pub fn email(&self) -> Option<&str> {
        self.0.strip_prefix("mailto:")
    }

    /// The domain of a `mailto:` address.
    pub fn domain(&self) -> Option<&str> {
        self.email().and_then(|e| e.rsplit_once('@')).map(|(_, d)| d)
    }

    /// The local part of a `mailto:` address (quoted as written in mail
    /// when it needs quotes).
    pub fn local_part(&self) -> Option<&str> {
        self.email().and_then(|e| e.rsplit_once('@')).map(|(l, _)| l)
    }
}

/// An e-mail address as RFC 5321 writes it: `local@domain`, the local part
/// possibly quoted (`"john doe"@example.com`, white space allowed inside the
/// quotes only). A quoted local part that needs no quotes loses them, so
/// that `"bob"@example.com` and `bob@example.com` are one address. `None`
/// for anything else.
fn mailbox(s: &str) -> Option<String> {
    let (local, domain) = if let Some(rest) = s.strip_prefix('"') {
        let close = rest.find('"')?;
        let (quoted, after) = rest.split_at(close);
        let domain = after.strip_prefix("\"@")?;
        let plain = !quoted.is_empty()
            && quoted
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
            && !quoted.starts_with('.')
            && !quoted.ends_with('.');
        let local = if plain { quoted.to_string() } else { format!("\"{quoted}\"") };
        (local, domain)
    } else {
        let (l, d) = s.rsplit_once('@').map_or((s, ""), |(l, d)| (l, d));
        if l.chars().any(char::is_whitespace) || l.contains('"') {
            return None;
        }
        (l.to_string(), d)
    };
    if local.is_empty() {
        return None;
    }
    if domain.is_empty() {
        // `mailto:alice`: no domain. Kept for what it names (a calendar
        // value), but never an e-mail address (`email()` has no domain).
        return (!s.contains('@')).then_some(local);
    }
    if domain.chars().any(|c| c.is_whitespace() || c == '@' || c == '"') {
        return None;
    }
    Some(format!("{local}@{domain}"))
}

impl fmt::Display for CalAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn normalises_client_variants() {
        let want = CalAddress::parse("mailto:paul@example.com");
        for form in [
            "MAILTO:Paul@Example.com",
            "paul@example.com",
            "<paul@example.com>",
            "\"mailto:paul@example.com\"",
            " mailto: paul@example.com",
        ] {
            assert_eq!(CalAddress::parse(form), want, "{form}");
        }
        assert_eq!(want.as_ref().and_then(|a| a.domain()), Some("example.com"));
        assert_eq!(want.as_ref().and_then(|a| a.local_part()), Some("paul"));
    }

    #[test]
    fn quoted_local_parts_and_angle_brackets() {
        let john = CalAddress::parse("\"john doe\"@example.com").unwrap();
        assert_eq!(john.email(), Some("\"john doe\"@example.com"));
        assert_eq!(john.domain(), Some("example.com"));
        assert_eq!(CalAddress::parse("mailto:\"John Doe\"@Example.com"), Some(john));
        let bob = CalAddress::parse("bob@example.com");
        assert_eq!(CalAddress::parse("\"bob\"@example.com"), bob, "needless quotes go");
        assert_eq!(CalAddress::parse("<bob@example.com>"), bob);
        assert_eq!(CalAddress::parse("john doe@example.com"), None);
        assert_eq!(CalAddress::parse("\"unterminated@example.com"), None);
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(CalAddress::parse(""), None);
        assert_eq!(CalAddress::parse("mailto:"), None);
        assert_eq!(CalAddress::parse("not an address"), None);
    }

    #[test]
    fn keeps_other_schemes() {
        let a = CalAddress::parse("/principals/__uids__/ABC/").map(|a| a.to_string());
        assert_eq!(a, None, "a path is not an address");
        let b = CalAddress::parse("urn:uuid:1234").map(|a| a.to_string());
        assert_eq!(b.as_deref(), Some("urn:uuid:1234"));
    }
}
