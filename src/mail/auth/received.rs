//! Telling local submission from mail that came over the network, from the
//! Received headers. Performs no I/O.
//!
//! Our own MTA adds the topmost Received header when it accepts a message,
//! and it records there the connecting client's real IP address and the
//! protocol. A message counts as submitted locally when every Received
//! header describes one of:
//! - a hand-over on this host: Postfix's pickup (`sendmail`) writes no
//!   `from` clause at all, Exim writes `with local`, and SMTP from this host
//!   names only `[127.0.0.1]` or `[::1]`;
//! - an authenticated submission: `with ESMTPA`, `ESMTPSA`, `LMTPA`… (RFC
//!   3848), which the MTA writes only after SMTP AUTH.
//!
//! Headers below ours are the sender's to write; they can only make a
//! message look less local, never more, because ours is checked too. The
//! parts a client chooses (the HELO name, its reverse DNS name) are single
//! words or parenthesised, so they cannot pose as the `by` or `with` clause.

/// True when every Received header describes a local hand-over or an
/// authenticated submission.
pub fn is_local_submission(received: &[String]) -> bool {
    received.iter().all(|r| is_local_hop(r))
}

/// RFC 3848 protocol names that mean the client authenticated.
const AUTHENTICATED: &[&str] =
    &["esmtpa", "esmtpsa", "lmtpa", "lmtpsa", "utf8smtpa", "utf8smtpsa", "utf8lmtpa", "utf8lmtpsa"];

/// One Received header value.
pub fn is_local_hop(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    // A from clause only counts before the first "by" (Postfix's pickup
    // writes "by host (Postfix, from userid 1000)").
    let first_by = words.iter().position(|w| *w == "by");
    let from_at =
        words.iter().position(|w| *w == "from").filter(|f| first_by.is_none_or(|b| *f < b));
    let after = |i: usize, word: &str| words.iter().skip(i).position(|w| *w == word).map(|p| p + i);
    let by_at = after(from_at.map_or(0, |f| f + 1), "by").unwrap_or(words.len());
    let proto =
        after(by_at, "with").and_then(|w| words.get(w + 1)).map(|p| p.trim_end_matches([';', ',']));
    // Exim: "from alice by host with local (Exim 4.96)"; also local-esmtp
    // and local-smtp for `exim -bs`.
    if proto.is_some_and(|p| p.starts_with("local") || AUTHENTICATED.contains(&p)) {
        return true;
    }
    let Some(from_at) = from_at else {
        // No from clause: handed over on this host.
        return true;
    };
    let clause = words[from_at + 1..by_at].join(" ");
    // Every address literal must be loopback, and there must be one: the
    // HELO name is the client's to choose, the bracketed IP is not.
    let literals = ip_literals(&clause);
    !literals.is_empty() && literals.iter().all(|ip| is_loopback(ip))
}

/// The contents of `[...]` in a text.
fn ip_literals(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let Some(close) = after.find(']') else { break };
        out.push(&after[..close]);
        rest = &after[close + 1..];
    }
    out
}

fn is_loopback(literal: &str) -> bool {
    let ip = literal.strip_prefix("ipv6:").unwrap_or(literal);
    match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(v4)) => v4.is_loopback(),
        Ok(std::net::IpAddr::V6(v6)) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postfix_pickup_and_loopback_smtp_are_local() {
        assert!(is_local_hop(
            "by mx.example.test (Postfix, from userid 0) id 5A3B1B85F0; Thu, 1 Mar 2027 09:00:00 +0000"
        ));
        assert!(is_local_hop(
            "from localhost (localhost [127.0.0.1]) by mx.example.test (Postfix) with ESMTP id 1; date"
        ));
        assert!(is_local_hop("from [IPv6:::1] (localhost [IPv6:::1]) by mx with ESMTP id 2; date"));
        assert!(is_local_hop("from alice by exim.example.test with local (Exim 4.96) id 1; date"));
        // Authenticated submission from anywhere (RFC 3848 protocol names).
        assert!(is_local_hop(
            "from laptop (cpe.isp.example [203.0.113.5]) by mx.example.test (Postfix) with ESMTPSA id 2; date"
        ));
        assert!(is_local_hop(
            "from [203.0.113.5] (helo=laptop) by exim.example.test with esmtpsa (Exim 4.96) id 3; date"
        ));
        assert!(is_local_submission(&[]));
    }

    #[test]
    fn network_hops_are_not_local() {
        assert!(!is_local_hop(
            "from mail.remote.test (mail.remote.test [192.0.2.1]) by mx.example.test (Postfix) with ESMTPS id 3; date"
        ));
        assert!(!is_local_hop(
            "from evil.example ([127.0.0.1]) [192.0.2.7] by exim with esmtp (Exim 4.96) id 4; date"
        ));
        // A HELO of [127.0.0.1] does not hide the real client address.
        assert!(!is_local_hop(
            "from [127.0.0.1] (unknown [198.51.100.9]) by mx.example.test (Postfix) with SMTP id 5; date"
        ));
        // A HELO of "by" or "with" cannot shift the clauses.
        assert!(!is_local_hop(
            "from by (local.attacker.test [198.51.100.9]) by mx.example.test (Postfix) with ESMTP id 8; date"
        ));
        assert!(!is_local_hop(
            "from with (esmtpa [198.51.100.9]) by mx.example.test (Postfix) with ESMTP id 9; date"
        ));
        // No address literal at all: cannot be shown to be local.
        assert!(!is_local_hop("from somewhere by mx.example.test with SMTP id 6; date"));
        let forged_below = vec![
            "by mx.example.test (Postfix, from userid 0) id 7; date".to_string(),
            "from x (x [203.0.113.5]) by relay with SMTP; date".to_string(),
        ];
        assert!(!is_local_submission(&forged_below));
    }
}
