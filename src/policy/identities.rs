//! Matching calendar users against identity patterns used in policies:
//! `*` (anybody), `@example.com` or `*@example.com` (a domain), or an
//! address with or without `mailto:`. No I/O.

use crate::address::CalAddress;

/// Whether `addr` matches `pattern`.
pub fn matches(pattern: &str, addr: &CalAddress) -> bool {
    let p = pattern.trim().to_lowercase();
    if p == "*" {
        return true;
    }
    if let Some(domain) = p.strip_prefix("*@").or_else(|| p.strip_prefix('@')) {
        return addr.domain().is_some_and(|d| d == domain || d.ends_with(&format!(".{domain}")));
    }
    CalAddress::parse(&p).is_some_and(|a| a == *addr)
}

/// Whether `addr` matches any of `patterns`.
pub fn matches_any(patterns: &[String], addr: &CalAddress) -> bool {
    patterns.iter().any(|p| matches(p, addr))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        let a = CalAddress::parse("paul@dept.example.com");
        let Some(a) = a else { return };
        assert!(matches("*", &a));
        assert!(matches("@example.com", &a));
        assert!(matches("*@dept.example.com", &a));
        assert!(matches("mailto:Paul@Dept.example.com", &a));
        assert!(!matches("@example.org", &a));
        assert!(!matches("other@dept.example.com", &a));
    }
}
