//! Telling local submission from mail that came over the network, from the
//! Received headers and from how the message reached us. Performs no I/O.
//!
//! Our own MTA adds the topmost Received header when it accepts a message,
//! and it records there the connecting client's real IP address and the
//! protocol. A message counts as submitted locally when every Received
//! header describes one of:
//! - a hand-over on this host: Postfix's pickup (`sendmail`) writes a header
//!   that begins with `by` (`by host (Postfix, from userid 1000)`),
//!   sendmail's submission one that begins with `(from user@localhost)`;
//!   Exim writes `with local`; SMTP from this host names only loopback
//!   address literals (`[127.0.0.1]`, `[IPv6:::1]`);
//! - an authenticated submission: `with ESMTPA`, `ESMTPSA`, `LMTPA`… (RFC
//!   3848), which the MTA writes only after SMTP AUTH.
//!
//! Headers below ours are the sender's to write; they can only make a
//! message look less local, never more, because ours is checked too. Ours
//! holds text the client chose: its HELO name (Postfix writes it with
//! spaces and brackets, `from [127.0.0.1] by x (unknown [198.51.100.9])`)
//! and, after the protocol, the recipient address (which may be quoted:
//! `for <"room+x with ESMTPSA"@example.org>`). So nothing is read by
//! position: *every* address literal in the header must be loopback (the
//! client can add literals but not remove the one the MTA writes), and
//! *every* `with` word must name a local or authenticated protocol (the
//! client can add some, but the MTA's own is among them). Anything odd
//! makes a hop not local.
//!
//! (mail-parser parses Received headers too, but reads them by position:
//! with the HELO above it reports 127.0.0.1 as the client, and with the
//! recipient above it ESMTPSA as the protocol. It is not used here.)
//!
//! A message without any Received header did not pass through an MTA. On
//! standard input that is somebody running the program by hand (local); a
//! listener's hand-over without one is never local: whoever connected
//! wrote the whole message.

use super::super::Arrival;

/// True when the message was submitted on this host or by an authenticated
/// client: every Received header describes such a hop, and a listener's
/// hand-over carries at least one (the MTA's own).
pub fn is_local_submission(received: &[String], arrival: Arrival) -> bool {
    if received.is_empty() {
        return !arrival.is_listener();
    }
    received.iter().all(|r| is_local_hop(r))
}

/// RFC 3848 protocol names that mean the client authenticated.
const AUTHENTICATED: &[&str] =
    &["esmtpa", "esmtpsa", "lmtpa", "lmtpsa", "utf8smtpa", "utf8smtpsa", "utf8lmtpa", "utf8lmtpsa"];

/// One Received header value.
pub fn is_local_hop(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    match words.first() {
        // The first word is the MTA's: a network hop begins with "from".
        Some(&"by") => return true,
        Some(w) if w.starts_with("(from") => return true,
        Some(&"from") => {}
        _ => return false,
    }
    let protocols: Vec<&str> = words
        .windows(2)
        .filter(|w| w[0] == "with")
        .map(|w| w[1].trim_matches(|c| matches!(c, '(' | ')' | ';' | ',')))
        .collect();
    // Exim: "with local" (also local-esmtp, local-smtp for `exim -bs`).
    let local_or_authenticated = |p: &&str| p.starts_with("local") || AUTHENTICATED.contains(p);
    if !protocols.is_empty() && protocols.iter().all(local_or_authenticated) {
        return true;
    }
    // Every address literal must be loopback, and there must be one: the
    // HELO name is the client's to choose, the literal of its address is not.
    let literals = ip_literals(&lower);
    !literals.is_empty() && literals.iter().all(|ip| is_loopback(ip))
}

/// The contents of `[...]` in a text; an unclosed `[` yields the rest of
/// the text (which is no address).
fn ip_literals(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let Some(close) = after.find(']') else {
            out.push(after);
            break;
        };
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
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn postfix_pickup_and_loopback_smtp_are_local() {
        assert!(is_local_hop(
            "by mx.example.test (Postfix, from userid 0) id 5A3B1B85F0; Thu, 1 Mar 2027 09:00:00 +0000"
        ));
        assert!(is_local_hop(
            "(from alice@localhost) by mx.example.test (8.15.2/8.15.2/Submit) id 1; date"
        ));
        assert!(is_local_hop(
            "from localhost (localhost [127.0.0.1]) by mx.example.test (Postfix) with ESMTP id 1; date"
        ));
        assert!(is_local_hop("from [IPv6:::1] (localhost [IPv6:::1]) by mx with ESMTP id 2; date"));
        assert!(is_local_hop("from alice by exim.example.test with local (Exim 4.96) id 1; date"));
        assert!(is_local_hop(
            "from alice by exim.example.test with local-esmtp (Exim 4.96) id 1; date"
        ));
        // Authenticated submission from anywhere (RFC 3848 protocol names).
        assert!(is_local_hop(
            "from laptop (cpe.isp.example [203.0.113.5]) by mx.example.test (Postfix) with ESMTPSA id 2; date"
        ));
        assert!(is_local_hop(
            "from [203.0.113.5] (helo=laptop) by exim.example.test with esmtpsa (Exim 4.96) id 3; date"
        ));
        assert!(is_local_submission(&[], Arrival::Pipe));
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
        assert!(!is_local_hop("from [192.0.2.1] (helo=[127.0.0.1]) by exim with esmtp id 6; date"));
        // A HELO of "by" or "with" cannot shift the clauses.
        assert!(!is_local_hop(
            "from by (local.attacker.test [198.51.100.9]) by mx.example.test (Postfix) with ESMTP id 8; date"
        ));
        assert!(!is_local_hop(
            "from with (esmtpa [198.51.100.9]) by mx.example.test (Postfix) with ESMTP id 9; date"
        ));
        // No address literal and no local protocol: cannot be shown to be local.
        assert!(!is_local_hop("from somewhere by mx.example.test with SMTP id 6; date"));
        // Not a Received header we know.
        assert!(!is_local_hop("garbage"));
        assert!(!is_local_hop(""));
    }

    #[test]
    fn text_the_client_chose_cannot_make_a_hop_local() {
        // Postfix writes a HELO with spaces (it replaces only <>()\";:@):
        // a "by" in it must not end the client part before the real address.
        assert!(!is_local_hop(
            "from [127.0.0.1] by x (unknown [198.51.100.9]) by mx.example.org (Postfix) with ESMTP id 1; date"
        ));
        // A protocol in the HELO, or in a quoted recipient after the real one.
        assert!(!is_local_hop(
            "from x with ESMTPSA (unknown [198.51.100.9]) by mx (Postfix) with ESMTP id 1; date"
        ));
        assert!(!is_local_hop(
            "from x (unknown [198.51.100.9]) by mx (Postfix) with ESMTP id 1 for <\"room1+x with ESMTPSA\"@example.org>; date"
        ));
        assert!(!is_local_hop(
            "from x (unknown [198.51.100.9]) by mx (Postfix) with ESMTP id 1 for <\"a with local\"@example.org>; date"
        ));
        // An unclosed bracket swallowing the real address.
        assert!(!is_local_hop(
            "from [127.0.0.1 (unknown [198.51.100.9]) by mx (Postfix) with ESMTP id 1; date"
        ));
        // A loopback literal added to a real one.
        assert!(!is_local_hop(
            "from x (unknown [198.51.100.9]) by mx (Postfix) with ESMTP id 1 for <a@[127.0.0.1]>; date"
        ));
    }

    #[test]
    fn every_hop_counts_and_a_listener_needs_one() {
        let pickup = "by mx.example.test (Postfix, from userid 0) id 7; date".to_string();
        let remote = "from x (x [203.0.113.5]) by relay with SMTP; date".to_string();
        assert!(is_local_submission(std::slice::from_ref(&pickup), Arrival::Pipe));
        assert!(!is_local_submission(&[pickup.clone(), remote], Arrival::Pipe));
        // No Received header at all: run by hand on standard input, but a
        // listener's client wrote the whole message itself.
        assert!(!is_local_submission(&[], Arrival::Unix));
        assert!(!is_local_submission(&[], Arrival::Tcp("127.0.0.1:4242".parse().unwrap())));
        assert!(is_local_submission(&[pickup], Arrival::Tcp("127.0.0.1:4242".parse().unwrap())));
    }
}
