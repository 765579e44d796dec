#![allow(clippy::unwrap_used)]
use super::*;

const CAL: &str = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:1\r\nSUMMARY:Møte\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

fn parse(raw: &str) -> InboundMessage {
    InboundMessage::parse(raw.as_bytes(), &MailLimits::default())
}

#[test]
fn finds_base64_calendar_in_alternative() {
    let b64 = "QkVHSU46VkNBTEVOREFSDQpNRVRIT0Q6UkVRVUVTVA0KQkVHSU46VkVWRU5UDQpVSUQ6MQ0KU1VNTUFSWTpNw7h0ZQ0KRU5EOlZFVkVOVA0KRU5EOlZDQUxFTkRBUg0K";
    let raw = format!(
        "From: Paul <Paul@Example.com>\r\nReply-To: sec@example.com\r\nTo: room@example.com\r\nSubject: x\r\nMessage-ID: <m1@x>\r\nContent-Type: multipart/alternative; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nhello\r\n--B\r\nContent-Type: text/calendar; charset=utf-8; method=request\r\nContent-Transfer-Encoding: base64\r\n\r\n{b64}\r\n--B--\r\n"
    );
    let m = parse(&raw);
    assert_eq!(m.calendar_parts.len(), 1);
    assert_eq!(m.calendar_parts[0].method_param, Some(Method::Request));
    assert!(m.calendar_parts[0].text.contains("SUMMARY:Møte"));
    assert_eq!(m.message_id.as_deref(), Some("m1@x"));
    assert_eq!(m.senders()[0].as_str(), "mailto:sec@example.com");
    assert_eq!(m.from[0].as_str(), "mailto:paul@example.com");
}

#[test]
fn unpadded_base64_is_decoded_completely() {
    // "BEGIN:VCALENDAR\r\nEND:VCALENDAR" is 31 bytes: the final quantum has no padding.
    let raw = "Content-Type: application/ics\r\nContent-Transfer-Encoding: base64\r\n\r\nQkVHSU46VkNBTEVOREFSDQpFTkQ6VkNBTEVOREFS\r\n";
    let m = parse(raw);
    assert!(m.calendar_parts[0].text.ends_with("END:VCALENDAR"), "{:?}", m.calendar_parts[0].text);
}

#[test]
fn detects_bounces_and_nested_calendars() {
    let raw = format!(
        "From: MAILER-DAEMON@x\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=R\r\n\r\n--R\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--R\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; x\r\n\r\n--R\r\nContent-Type: message/rfc822\r\n\r\nFrom: a@x\r\nContent-Type: text/calendar; method=REQUEST\r\n\r\n{CAL}\r\n--R--\r\n"
    );
    let m = parse(&raw);
    assert!(m.is_bounce);
    assert_eq!(m.calendar_parts.len(), 1);
    assert!(m.calendar_parts[0].in_attached_message);
}

#[test]
fn eight_bit_without_charset_and_latin1() {
    let mut raw = b"Content-Type: text/calendar; method=REQUEST\r\nContent-Transfer-Encoding: 8bit\r\n\r\nBEGIN:VCALENDAR\r\nSUMMARY:M\xc3\xb8te\r\nEND:VCALENDAR\r\n".to_vec();
    let m = InboundMessage::parse(&raw, &MailLimits::default());
    assert!(m.calendar_parts[0].text.contains("Møte"));
    raw = b"Content-Type: text/calendar; method=REQUEST; charset=iso-8859-1\r\n\r\nBEGIN:VCALENDAR\r\nSUMMARY:M\xf8te\r\nEND:VCALENDAR\r\n".to_vec();
    let m = InboundMessage::parse(&raw, &MailLimits::default());
    assert!(m.calendar_parts[0].text.contains("Møte"));
}

#[test]
fn deep_nesting_is_bounded() {
    let mut raw = String::from("Content-Type: multipart/mixed; boundary=b0\r\n\r\n");
    for i in 1..200 {
        raw.push_str(&format!(
            "--b{}\r\nContent-Type: multipart/mixed; boundary=b{}\r\n\r\n",
            i - 1,
            i
        ));
    }
    raw.push_str(&format!(
        "--b199\r\nContent-Type: text/calendar; method=REQUEST\r\n\r\n{CAL}\r\n"
    ));
    let m = parse(&raw);
    assert!(m.calendar_parts.is_empty());
    assert!(m.diagnostics.iter().any(|d| d.contains("nesting")));
}

#[test]
fn oversize_message_is_not_examined() {
    let limits = MailLimits { max_message_size: 100, ..MailLimits::default() };
    let raw = format!("Content-Type: text/calendar; method=REQUEST\r\n\r\n{CAL}");
    let m = InboundMessage::parse(raw.as_bytes(), &limits);
    assert!(m.calendar_parts.is_empty());
    assert!(m.diagnostics[0].contains("exceeds"));
}

#[test]
fn garbage_is_not_an_error() {
    let m = InboundMessage::parse(b"\x00\x01\x02", &MailLimits::default());
    assert!(m.calendar_parts.is_empty());
}

#[test]
fn a_panicking_mime_parser_leaves_the_message_unexamined() {
    // Found by random search: trips mail-parser 0.11.9's debug assertion in
    // nested message parts (release builds recover on their own).
    let raw = "--B\r\nContent-Type: multipart/mixed; boundary=A\r\n\n--B\n--A--\r\n--B--\r\nContent-Type: message/rfc822\r\n\nContent-Type: message/rfc822\r\n\n\n--B\r\nx\r\n--A--\r\n";
    let msg = InboundMessage::parse(raw.as_bytes(), &MailLimits::default());
    assert!(msg.calendar_parts.is_empty());
    if cfg!(debug_assertions) {
        assert!(
            msg.diagnostics.iter().any(|d| d.contains("MIME parser failed")),
            "{:?}",
            msg.diagnostics
        );
    }
}
