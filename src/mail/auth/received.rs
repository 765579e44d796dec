//! Telling local submission from mail that came over the network, from the
//! Received headers as mail-parser reads them, and from how the message
//! reached us. Performs no I/O.
//!
//! Our own MTA adds the topmost Received header when it accepts a message,
//! and it records there the connecting client's real IP address and the
//! protocol. A message counts as submitted locally when every Received
//! header describes one of:
//! - a hand-over on this host: Postfix's pickup (`sendmail`) names no client
//!   and no protocol (`by host (Postfix, from userid 1000)`), Exim writes
//!   `with local`, and SMTP from this host names a loopback client address;
//! - an authenticated submission: `with ESMTPA`, `ESMTPSA`, `LMTPA`… (RFC
//!   3848), which the MTA writes only after SMTP AUTH.
//!
//! Headers below ours are the sender's to write; they can only make a
//! message look less local, never more, because ours is checked too. The
//! client's own words in ours (its HELO name, its reverse DNS name) do not
//! decide: mail-parser takes the client address from the bracketed literal
//! the MTA writes after them (`from HELO (rdns [IP])`; Exim's
//! `from [IP] (helo=…)`), and the HELO literal only when there is no other.
//!
//! A message without any Received header did not pass through an MTA. On
//! standard input that is somebody running the program by hand (local); a
//! listener's hand-over without one is never local: whoever connected
//! wrote the whole message.

use super::super::Arrival;
use mail_parser::{Host, Protocol};
use std::net::IpAddr;

/// What one Received header says about its hop.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hop {
    /// The connecting client's address, when one is named.
    pub client_ip: Option<IpAddr>,
    /// The protocol of the `with` clause.
    pub with: Option<Protocol>,
    /// Whether the receiving host (`by`) is named.
    pub has_by: bool,
}

impl Hop {
    /// Reads mail-parser's parse of a Received header. A header it could
    /// not parse is [`Hop::default`], which is not local.
    pub fn read(r: &mail_parser::Received<'_>) -> Hop {
        let literal = match &r.from {
            Some(Host::IpAddr(ip)) => Some(*ip),
            _ => None,
        };
        Hop { client_ip: r.from_ip.or(literal), with: r.with, has_by: r.by.is_some() }
    }

    /// Whether this hop is a hand-over on this host or an authenticated
    /// submission.
    pub fn is_local(&self) -> bool {
        use Protocol::*;
        match self.with {
            // RFC 3848: the client authenticated.
            Some(
                ESMTPA | ESMTPSA | LMTPA | LMTPSA | UTF8SMTPA | UTF8SMTPSA | UTF8LMTPA | UTF8LMTPSA,
            ) => return true,
            // Exim: "from alice by host with local".
            Some(Local) => return true,
            _ => {}
        }
        match self.client_ip {
            Some(ip) => is_loopback(ip),
            // Postfix's pickup: "by host (Postfix, from userid N)", no
            // client and no protocol. A network hop always names its
            // protocol.
            None => self.with.is_none() && self.has_by,
        }
    }
}

/// True when the message was submitted on this host or by an authenticated
/// client: every Received header describes such a hop, and a listener's
/// hand-over carries at least one (the MTA's own).
pub fn is_local_submission(received: &[Hop], arrival: Arrival) -> bool {
    if received.is_empty() {
        return !arrival.is_listener();
    }
    received.iter().all(Hop::is_local)
}

fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use mail_parser::{HeaderValue, MessageParser};

    fn hop(value: &str) -> Hop {
        let raw = format!("Received: {value}\r\nSubject: x\r\n\r\nbody\r\n");
        let msg = MessageParser::default().parse(raw.as_bytes()).unwrap();
        match &msg.headers()[0].value {
            HeaderValue::Received(r) => Hop::read(r),
            _ => Hop::default(),
        }
    }

    #[test]
    fn postfix_pickup_and_loopback_smtp_are_local() {
        assert!(hop(
            "by mx.example.test (Postfix, from userid 0) id 5A3B1B85F0; Thu, 1 Mar 2027 09:00:00 +0000"
        )
        .is_local());
        assert!(hop(
            "from localhost (localhost [127.0.0.1]) by mx.example.test (Postfix) with ESMTP id 1; date"
        )
        .is_local());
        assert!(
            hop("from [IPv6:::1] (localhost [IPv6:::1]) by mx with ESMTP id 2; date").is_local()
        );
        assert!(
            hop("from alice by exim.example.test with local (Exim 4.96) id 1; date").is_local()
        );
        // A HELO naming another host does not make a local client remote.
        assert!(
            hop("from [198.51.100.9] (localhost [127.0.0.1]) by mx with ESMTP id 3; date")
                .is_local()
        );
        // Authenticated submission from anywhere (RFC 3848 protocol names).
        assert!(hop(
            "from laptop (cpe.isp.example [203.0.113.5]) by mx.example.test (Postfix) with ESMTPSA id 2; date"
        )
        .is_local());
        assert!(hop(
            "from [203.0.113.5] (helo=laptop) by exim.example.test with esmtpsa (Exim 4.96) id 3; date"
        )
        .is_local());
    }

    #[test]
    fn network_hops_are_not_local() {
        assert!(!hop(
            "from mail.remote.test (mail.remote.test [192.0.2.1]) by mx.example.test (Postfix) with ESMTPS id 3; date"
        )
        .is_local());
        assert!(!hop(
            "from evil.example ([127.0.0.1]) [192.0.2.7] by exim with esmtp (Exim 4.96) id 4; date"
        )
        .is_local());
        // A HELO of [127.0.0.1] does not hide the real client address.
        assert!(!hop(
            "from [127.0.0.1] (unknown [198.51.100.9]) by mx.example.test (Postfix) with SMTP id 5; date"
        )
        .is_local());
        assert!(
            !hop("from [192.0.2.1] (helo=[127.0.0.1]) by exim with esmtp id 6; date").is_local()
        );
        assert!(
            !hop(
                "from mail.example.com ([192.0.2.1] helo=[127.0.0.1]) by exim with esmtp id 7; date"
            )
            .is_local()
        );
        // A HELO of "by", "with" or a protocol name cannot shift the clauses.
        assert!(!hop(
            "from by (local.attacker.test [198.51.100.9]) by mx.example.test (Postfix) with ESMTP id 8; date"
        )
        .is_local());
        assert!(!hop(
            "from with (esmtpa [198.51.100.9]) by mx.example.test (Postfix) with ESMTP id 9; date"
        )
        .is_local());
        assert!(!hop(
            "from esmtpsa (unknown [198.51.100.9]) by mx.example.test (Postfix) with ESMTP id 10; date"
        )
        .is_local());
        // No client address but a protocol: cannot be shown to be local.
        assert!(!hop("from somewhere by mx.example.test with SMTP id 6; date").is_local());
        // Unreadable: not local.
        assert!(!hop("garbage").is_local());
        assert!(!Hop::default().is_local());
    }

    #[test]
    fn every_hop_counts_and_a_listener_needs_one() {
        let pickup = hop("by mx.example.test (Postfix, from userid 0) id 7; date");
        let remote = hop("from x (x [203.0.113.5]) by relay with SMTP; date");
        assert!(is_local_submission(std::slice::from_ref(&pickup), Arrival::Pipe));
        assert!(!is_local_submission(&[pickup.clone(), remote], Arrival::Pipe));
        // No Received header at all: run by hand on standard input, but a
        // listener's client wrote the whole message itself.
        assert!(is_local_submission(&[], Arrival::Pipe));
        assert!(!is_local_submission(&[], Arrival::Unix));
        assert!(!is_local_submission(&[], Arrival::Tcp("127.0.0.1:4242".parse().unwrap())));
        assert!(is_local_submission(&[pickup], Arrival::Tcp("127.0.0.1:4242".parse().unwrap())));
    }
}
