//! Composing outgoing messages with lettre's builder: calendar messages
//! (an explanation plus `text/calendar; method=…` parts) and the summary
//! messages delivered to people. Message-ID and Date come from the injected
//! generator and clock so that output is reproducible. Performs no I/O.

use crate::clock::IdGen;
use crate::i18n::{Lang, Text, tr};
use crate::ical::{Method, refold};
use chrono::{DateTime, Utc};
use lettre::message::header::{ContentTransferEncoding, ContentType, HeaderName, HeaderValue};
use lettre::message::{Body, Mailbox, Message, MultiPart, SinglePart};

/// What every composed message shares.
pub struct Composer<'a> {
    /// From (the agent's address).
    pub from: &'a str,
    /// Message-ID source.
    pub ids: &'a dyn IdGen,
    /// Date.
    pub now: DateTime<Utc>,
    /// Folding length for calendar text (None = 75).
    pub fold: Option<usize>,
}

/// A calendar to attach.
#[derive(Debug, Clone)]
pub struct CalendarAttachment {
    /// The METHOD of the calendar.
    pub method: Method,
    /// The calendar text.
    pub ics: String,
}

fn mailbox(addr: &str) -> Option<Mailbox> {
    addr.parse::<Mailbox>().ok()
}

fn calendar_part(fold: Option<usize>, cal: &CalendarAttachment) -> SinglePart {
    let ctype = format!("text/calendar; charset=\"utf-8\"; method=\"{}\"", cal.method.as_str());
    // Without a configured length, fold at 72 octets (RFC 5545 allows any
    // length up to 75): short enough for lettre to send plain 7bit.
    let ics = refold(&cal.ics, Some(fold.unwrap_or(72)));
    // 7bit when the calendar is plain ASCII with short lines (readable in
    // logs and `-d` output); otherwise lettre's choice of quoted-printable
    // or base64.
    let body =
        Body::new_with_encoding(ics, ContentTransferEncoding::SevenBit).unwrap_or_else(Body::new);
    let ct = ContentType::parse(&ctype).unwrap_or(ContentType::TEXT_PLAIN);
    SinglePart::builder().header(ct).body(body)
}

fn text_part(text: &str) -> SinglePart {
    SinglePart::builder().header(ContentType::TEXT_PLAIN).body(text.to_string())
}

impl Composer<'_> {
    fn base(&self, to: &[String], subject: &str) -> lettre::message::MessageBuilder {
        let mut b = Message::builder().subject(subject).date(self.now.into());
        if let Some(m) = mailbox(self.from) {
            b = b.from(m);
        }
        for t in to {
            if let Some(m) = mailbox(t) {
                b = b.to(m);
            }
        }
        let domain = self.from.rsplit_once('@').map(|(_, d)| d).unwrap_or("localhost");
        b.message_id(Some(format!("<{}@{}>", self.ids.next_id(), domain)))
    }

    /// A message carrying calendars: with an explanation, `multipart/alternative`
    /// of the text and the first calendar (what RFC 6047 §4 shows and Outlook
    /// renders best); further calendars (bundled free/busy) in an enclosing
    /// `multipart/mixed`. Without an explanation and with one calendar, the
    /// message is that calendar part.
    pub fn calendar_message(
        &self,
        to: &[String],
        lang: Lang,
        text: Option<&str>,
        calendars: &[CalendarAttachment],
    ) -> Vec<u8> {
        let b = self.base(to, tr(lang, Text::Subject));
        let Some((first, rest)) = calendars.split_first() else {
            return b
                .singlepart(text_part(text.unwrap_or("")))
                .map(|m| m.formatted())
                .unwrap_or_default();
        };
        let msg = match (text, rest.is_empty()) {
            (None, true) => b.singlepart(calendar_part(self.fold, first)),
            (Some(t), true) => b.multipart(
                MultiPart::alternative()
                    .singlepart(text_part(t))
                    .singlepart(calendar_part(self.fold, first)),
            ),
            (t, false) => {
                let head = match t {
                    Some(t) => MultiPart::mixed().multipart(
                        MultiPart::alternative()
                            .singlepart(text_part(t))
                            .singlepart(calendar_part(self.fold, first)),
                    ),
                    None => MultiPart::mixed().singlepart(calendar_part(self.fold, first)),
                };
                let all = rest.iter().fold(head, |m, c| m.singlepart(calendar_part(self.fold, c)));
                b.multipart(all)
            }
        };
        msg.map(|m| m.formatted()).unwrap_or_default()
    }

    /// A summary message for the user's mailbox: From, To and Subject copied
    /// from the original (as imip-agent does), the notification texts as a
    /// readable text part, and, when wrapping, the original attached as
    /// `message/rfc822`. imip-agent put the texts in the MIME preamble, which
    /// most mail programs never show; a text part is what the user sees.
    pub fn summary_message(
        &self,
        headers: &[(String, String)],
        to: &str,
        texts: &[String],
        original: Option<&[u8]>,
    ) -> Vec<u8> {
        let find = |n: &str| {
            headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(n)).map(|(_, v)| v.clone())
        };
        let subject = find("Subject").unwrap_or_default();
        let mut b = Message::builder().subject(subject).date(self.now.into());
        let from =
            find("From").and_then(|f| f.parse::<Mailbox>().ok()).or_else(|| mailbox(self.from));
        if let Some(f) = from {
            b = b.from(f);
        }
        let tos: Vec<Mailbox> = find("To")
            .map(|t| t.split(',').filter_map(|x| x.trim().parse::<Mailbox>().ok()).collect())
            .unwrap_or_default();
        if tos.is_empty() {
            if let Some(m) = mailbox(to) {
                b = b.to(m);
            }
        } else {
            for m in tos {
                b = b.to(m);
            }
        }
        let domain = self.from.rsplit_once('@').map(|(_, d)| d).unwrap_or("localhost");
        b = b.message_id(Some(format!("<{}@{}>", self.ids.next_id(), domain)));
        b = b.header(XImipAgent);
        let text = texts.join("\n\n");
        let msg = match original {
            None => b.singlepart(text_part(&text)),
            Some(orig) => {
                let body =
                    Body::new_with_encoding(orig.to_vec(), ContentTransferEncoding::EightBit)
                        .or_else(|v| Body::new_with_encoding(v, ContentTransferEncoding::Binary))
                        .unwrap_or_else(Body::new);
                let att = SinglePart::builder()
                    .header(ContentType::parse("message/rfc822").unwrap_or(ContentType::TEXT_PLAIN))
                    .body(body);
                b.multipart(MultiPart::mixed().singlepart(text_part(&text)).singlepart(att))
            }
        };
        msg.map(|m| m.formatted()).unwrap_or_default()
    }
}

/// `X-IMIP-Agent: summary`, marking messages the agent generated for a mailbox.
#[derive(Debug, Clone, Copy)]
struct XImipAgent;

impl lettre::message::header::Header for XImipAgent {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("X-IMIP-Agent")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(XImipAgent)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "summary".into())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::clock::CounterIdGen;
    use crate::mail::{InboundMessage, MailLimits};
    use chrono::TimeZone;

    fn composer(ids: &CounterIdGen) -> Composer<'_> {
        Composer {
            from: "calendar@example.com",
            ids,
            now: Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap(),
            fold: None,
        }
    }

    const ICS: &str = "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:1\r\nSUMMARY:Møte\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    #[test]
    fn reply_round_trips_through_our_own_parser() {
        let ids = CounterIdGen::new("t");
        let bytes = composer(&ids).calendar_message(
            &["paul@example.com".into()],
            Lang::En,
            Some("The recipient has scheduled the requested period."),
            &[CalendarAttachment { method: Method::Reply, ics: ICS.into() }],
        );
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("Subject: Calendar system message"));
        assert!(text.contains("Message-ID: <t.0@example.com>"));
        assert!(text.contains("multipart/alternative"));
        let m = InboundMessage::parse(&bytes, &MailLimits::default());
        assert_eq!(m.calendar_parts.len(), 1);
        assert_eq!(m.calendar_parts[0].method_param, Some(Method::Reply));
        assert!(m.calendar_parts[0].text.contains("SUMMARY:Møte"));
    }

    #[test]
    fn summary_wraps_the_original() {
        let ids = CounterIdGen::new("t");
        let orig = b"From: Paul <paul@example.com>\r\nTo: vincent@example.com\r\nSubject: Invitation\r\n\r\nbody\r\n";
        let headers = vec![
            ("From".to_string(), "Paul <paul@example.com>".to_string()),
            ("Subject".to_string(), "Invitation".to_string()),
        ];
        let bytes = composer(&ids).summary_message(
            &headers,
            "vincent@example.com",
            &["An event invitation has been received.".into()],
            Some(orig),
        );
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("message/rfc822"), "{text}");
        assert!(text.contains("Subject: Invitation"));
        assert!(text.contains("X-IMIP-Agent: summary"));
        assert!(text.contains("An event invitation has been received."));
        assert!(text.contains("\r\n\r\nbody\r\n") || text.contains("\nbody"));
    }
}
