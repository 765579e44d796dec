//! Composing outgoing messages with lettre's builder: calendar messages
//! (an explanation plus `text/calendar; method=…` parts) and the summary
//! messages delivered to people. Message-ID and Date come from the injected
//! generator and clock so that output is reproducible. Answers to a message
//! carry `In-Reply-To`/`References` to it and `Auto-Submitted: auto-replied`
//! (RFC 3834: vacation responders and other robots leave them alone).
//! Performs no I/O.

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
    /// The message being answered, if any.
    pub thread: Option<Thread>,
}

/// The message an answer belongs to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Thread {
    /// Its Message-ID, without angle brackets.
    pub message_id: String,
    /// Its References (without angle brackets), oldest first.
    pub references: Vec<String>,
}

impl Thread {
    /// The thread of a message with a Message-ID.
    pub fn of(message_id: Option<&str>, references: &[String]) -> Option<Thread> {
        let id = message_id.filter(|m| valid_id(m))?;
        Some(Thread {
            message_id: id.to_string(),
            references: references.iter().filter(|r| valid_id(r)).cloned().collect(),
        })
    }
}

/// A message identifier safe to write back into a header.
fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 250
        && id.bytes().all(|b| b.is_ascii_graphic() && !matches!(b, b'<' | b'>'))
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

    /// Threading and RFC 3834 headers of a message to other parties.
    fn answering(&self, mut b: lettre::message::MessageBuilder) -> lettre::message::MessageBuilder {
        match &self.thread {
            Some(t) => {
                // RFC 5322 §3.6.4: the parent's References (at most the last
                // few, so the header stays bounded) followed by its Message-ID.
                let keep = t.references.len().saturating_sub(10);
                let refs: Vec<String> = t.references[keep..]
                    .iter()
                    .chain(std::iter::once(&t.message_id))
                    .map(|r| format!("<{r}>"))
                    .collect();
                b = b.in_reply_to(format!("<{}>", t.message_id)).references(refs.join(" "));
                b.header(AutoSubmitted("auto-replied"))
            }
            None => b.header(AutoSubmitted("auto-generated")),
        }
    }

    /// A message carrying calendars: with an explanation, `multipart/alternative`
    /// of the text and the first calendar (what RFC 6047 §4 shows and Outlook
    /// renders best); further calendars (bundled free/busy) in an enclosing
    /// `multipart/mixed`. Without an explanation and with one calendar, the
    /// message is that calendar part.
    pub fn calendar_message(
        &self,
        to: &[String],
        subject: &str,
        text: Option<&str>,
        calendars: &[CalendarAttachment],
    ) -> Vec<u8> {
        let b = self.answering(self.base(to, subject));
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

/// `Auto-Submitted:` (RFC 3834).
#[derive(Debug, Clone, Copy)]
struct AutoSubmitted(&'static str);

impl lettre::message::header::Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted("auto-replied"))
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.into())
    }
}

/// The generic subject, for messages that answer nothing in particular.
pub fn generic_subject(lang: Lang) -> &'static str {
    tr(lang, Text::Subject)
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
            thread: None,
        }
    }

    const ICS: &str = "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:1\r\nSUMMARY:Møte\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    #[test]
    fn reply_round_trips_through_our_own_parser() {
        let ids = CounterIdGen::new("t");
        let mut c = composer(&ids);
        c.thread = Thread::of(Some("req-1@remote.example"), &["first@x".into(), "<bad>".into()]);
        let bytes = c.calendar_message(
            &["paul@example.com".into()],
            "Accepted: Møte",
            Some("The recipient has scheduled the requested period."),
            &[CalendarAttachment { method: Method::Reply, ics: ICS.into() }],
        );
        let text = String::from_utf8_lossy(&bytes);
        let m = mail_parser::MessageParser::default().parse(&bytes[..]).unwrap();
        assert_eq!(m.subject(), Some("Accepted: Møte"));
        assert!(text.contains("Auto-Submitted: auto-replied"), "{text}");
        assert!(text.contains("In-Reply-To: <req-1@remote.example>"), "{text}");
        assert!(text.contains("References: <first@x> <req-1@remote.example>"), "{text}");
        assert!(Thread::of(Some("a b"), &[]).is_none());
        let plain = composer(&ids).calendar_message(&["p@example.com".into()], "x", None, &[]);
        assert!(String::from_utf8_lossy(&plain).contains("Auto-Submitted: auto-generated"));
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
