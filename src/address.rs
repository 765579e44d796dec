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
        let mut s = text.trim().trim_matches('"').trim();
        if let Some(inner) = s.strip_prefix('<').and_then(|r| r.strip_suffix('>')) {
            s = inner.trim();
        }
        if s.is_empty() {
            return None;
        }
        let lower = s.to_lowercase();
        if let Some(rest) = lower.strip_prefix("mailto:") {
            let rest = rest.trim();
            if rest.is_empty() || rest.chars().any(char::is_whitespace) {
                return None;
            }
            return Some(CalAddress(format!("mailto:{rest}")));
        }
        if lower.contains(':') {
            // Another URI scheme (a CalDAV principal path, urn:uuid:…): kept as is.
            return Some(CalAddress(lower));
        }
        if lower.contains('@') && !lower.chars().any(char::is_whitespace) {
            return Some(CalAddress(format!("mailto:{lower}")));
        }
        None
    }

    /// The address from an e-mail header value such as `Paul <paul@example.com>`.
    pub fn from_email(email: &str) -> Option<CalAddress> {
        let e = email.trim();
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

    /// The local part of a `mailto:` address.
    pub fn local_part(&self) -> Option<&str> {
        self.email().and_then(|e| e.rsplit_once('@')).map(|(l, _)| l)
    }
}

impl fmt::Display for CalAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
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
