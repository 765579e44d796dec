//! Formats the server's replies. No I/O.
//!
//! Single-line replies are written by `smtp_proto::Response::write`, the
//! LHLO/EHLO capability list by `smtp_proto::EhloResponse::write`; this
//! module picks codes and texts and keeps client- or caller-supplied text
//! from breaking the line structure.

use smtp_proto::{
    EXT_8BIT_MIME, EXT_ENHANCED_STATUS_CODES, EXT_PIPELINING, EXT_SIZE, EhloResponse,
    Error as ParseError, Response,
};

use super::DeliveryOutcome;

/// Longest piece of foreign text (client- or caller-supplied) put in a reply.
const MAX_TEXT: usize = 400;

/// An enhanced status code, RFC 3463.
pub(crate) type Esc = [u8; 3];

/// `code esc text\r\n`.
pub(crate) fn reply(code: u16, esc: Esc, text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + text.len());
    // Writing into a Vec cannot fail.
    let _ = Response::new(code, esc[0], esc[1], esc[2], text).write(&mut out);
    out
}

/// `code text\r\n`, for the replies RFC 2034 leaves without an enhanced code
/// (greeting, HELO, 354).
pub(crate) fn plain(code: u16, text: &str) -> Vec<u8> {
    format!("{code} {text}\r\n").into_bytes()
}

/// The multi-line LHLO/EHLO reply advertising our extensions.
pub(crate) fn extended_hello(hostname: &str, max_message_size: usize) -> Vec<u8> {
    let mut ehlo = EhloResponse::new(hostname);
    ehlo.capabilities = EXT_PIPELINING | EXT_8BIT_MIME | EXT_SIZE | EXT_ENHANCED_STATUS_CODES;
    ehlo.size = max_message_size;
    let mut written = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = ehlo.write(&mut written);
    // smtp-proto's first line reads "<host> you had me at EHLO", which is
    // wrong for LHLO; keep its capability lines and use a plain first line.
    let capabilities = match written.iter().position(|&b| b == b'\n') {
        Some(pos) => &written[pos + 1..],
        None => &[][..],
    };
    let mut out = format!("250-{hostname}\r\n").into_bytes();
    out.extend_from_slice(capabilities);
    out
}

/// Makes foreign text safe for a reply line: no control characters (CR/LF
/// would let it forge further replies), bounded length, never empty.
pub(crate) fn clean_text(text: &str, fallback: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_TEXT));
    for ch in text.trim().chars() {
        if out.len() + ch.len_utf8() > MAX_TEXT {
            break;
        }
        out.push(if ch.is_control() { ' ' } else { ch });
    }
    if out.trim().is_empty() { fallback.to_string() } else { out }
}

/// Splits a leading enhanced status code of the given class off `text`
/// (`"4.2.2 Mailbox full"` → `([4,2,2], "Mailbox full")`), falling back to
/// `default` when there is none or it has the wrong class.
fn split_esc(text: &str, class: u8, default: Esc) -> (Esc, &str) {
    let (head, tail) = text.trim_start().split_once(' ').unwrap_or((text.trim(), ""));
    let mut parts = head.split('.');
    let parsed: Option<Esc> = (|| {
        let a = parts.next()?.parse::<u8>().ok()?;
        let b = parts.next()?;
        let c = parts.next()?;
        if parts.next().is_some() || a != class || b.len() > 3 || c.len() > 3 {
            return None;
        }
        Some([a, b.parse().ok()?, c.parse().ok()?])
    })();
    match parsed {
        Some(esc) if head.bytes().all(|b| b.is_ascii_digit() || b == b'.') => (esc, tail),
        _ => (default, text),
    }
}

/// The reply for a recipient, or (SMTP) for the whole message, that failed.
/// `code` is the basic reply code; the class follows from it.
pub(crate) fn failure(code: u16, text: &str) -> Vec<u8> {
    let (class, default, fallback) = if code < 500 {
        (4, [4, 3, 0], "Temporary failure, try again later")
    } else {
        (5, [5, 3, 0], "Permanent failure")
    };
    let (esc, rest) = split_esc(text, class, default);
    reply(code, esc, &clean_text(rest, fallback))
}

/// LMTP: the reply for one recipient after DATA.
pub(crate) fn lmtp_outcome(recipient: &str, outcome: &DeliveryOutcome) -> Vec<u8> {
    match outcome {
        DeliveryOutcome::Delivered => {
            let recipient = clean_text(recipient, "");
            reply(250, [2, 1, 5], &format!("<{recipient}> Delivered"))
        }
        DeliveryOutcome::TempFail(text) => failure(451, text),
        DeliveryOutcome::PermFail(text) => failure(550, text),
    }
}

/// SMTP: the single reply for the whole message after DATA. Any temporary
/// failure makes the client retry the whole message (it cannot retry only
/// some recipients); otherwise any permanent failure fails the whole message.
pub(crate) fn smtp_outcome(outcomes: &[DeliveryOutcome]) -> Vec<u8> {
    let temp = outcomes.iter().find_map(|o| match o {
        DeliveryOutcome::TempFail(text) => Some(text),
        _ => None,
    });
    let perm = outcomes.iter().find_map(|o| match o {
        DeliveryOutcome::PermFail(text) => Some(text),
        _ => None,
    });
    match (temp, perm) {
        (Some(text), _) => failure(451, text),
        (None, Some(text)) => failure(554, text),
        (None, None) => reply(250, [2, 0, 0], "Message accepted for delivery"),
    }
}

/// The reply to a command line smtp-proto could not parse.
pub(crate) fn parse_error(error: &ParseError) -> Vec<u8> {
    match error {
        ParseError::UnknownCommand => reply(500, [5, 5, 1], "Unknown command"),
        ParseError::InvalidSenderAddress => reply(501, [5, 1, 7], "Bad sender address syntax"),
        ParseError::InvalidRecipientAddress => {
            reply(501, [5, 1, 3], "Bad recipient address syntax")
        }
        ParseError::SyntaxError { syntax } => reply(501, [5, 5, 2], &format!("Syntax: {syntax}")),
        ParseError::InvalidParameter { param } => {
            reply(501, [5, 5, 4], &format!("Invalid {param} parameter"))
        }
        ParseError::UnsupportedParameter { param } => {
            let param: String = clean_text(param, "?").chars().take(64).collect();
            reply(555, [5, 5, 4], &format!("Unsupported parameter {param}"))
        }
        ParseError::ResponseTooLong => reply(500, [5, 5, 2], "Line too long"),
        ParseError::NeedsMoreData { .. } | ParseError::InvalidResponse { .. } => {
            reply(500, [5, 5, 2], "Syntax error")
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn s(bytes: Vec<u8>) -> String {
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn hello_lists_extensions_without_the_joke() {
        let got = s(extended_hello("mx.example", 1000));
        assert_eq!(
            got,
            "250-mx.example\r\n250-SIZE 1000\r\n250-PIPELINING\r\n\
             250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n"
        );
    }

    #[test]
    fn failure_texts() {
        assert_eq!(s(failure(451, "4.2.2 Mailbox full")), "451 4.2.2 Mailbox full\r\n");
        assert_eq!(s(failure(451, "5.1.1 wrong class")), "451 4.3.0 5.1.1 wrong class\r\n");
        assert_eq!(s(failure(550, "")), "550 5.3.0 Permanent failure\r\n");
        assert_eq!(s(failure(550, "bad\r\n250 forged")), "550 5.3.0 bad  250 forged\r\n");
        assert_eq!(s(failure(550, "5.7.1")), "550 5.7.1 Permanent failure\r\n");
        assert_eq!(s(failure(451, "4.300.1 odd")), "451 4.3.0 4.300.1 odd\r\n");
    }

    #[test]
    fn long_text_is_cut() {
        let long = "é".repeat(1000);
        let got = s(failure(451, &long));
        assert!(got.len() < MAX_TEXT + 20);
        assert!(got.ends_with("\r\n"));
    }

    #[test]
    fn smtp_summary() {
        use DeliveryOutcome::*;
        assert!(s(smtp_outcome(&[Delivered, Delivered])).starts_with("250 2.0.0"));
        assert_eq!(
            s(smtp_outcome(&[Delivered, PermFail("x".into()), TempFail("busy".into())])),
            "451 4.3.0 busy\r\n"
        );
        assert_eq!(s(smtp_outcome(&[PermFail("5.1.1 nope".into())])), "554 5.1.1 nope\r\n");
    }
}
