//! Reading an incoming RFC 5322 message: headers that identify the sender,
//! bounce detection, and every calendar part anywhere in the MIME tree
//! (`text/calendar`, `text/x-vcalendar`, `application/ics`, and `.ics`
//! attachments sent as `application/octet-stream`), decoded from any
//! transfer encoding and charset. Bounded by [`MailLimits`]. Performs no I/O.

use super::Arrival;
use crate::address::CalAddress;
use crate::ical::Method;
use crate::ical::parse::decode_calendar_bytes;
use mail_parser::decoders::base64::base64_decode;
use mail_parser::decoders::quoted_printable::quoted_printable_decode;
use mail_parser::{Address, Encoding, HeaderValue, Message, MessageParser, MimeHeaders, PartType};

/// Limits on what is read from one message.
#[derive(Debug, Clone, Copy)]
pub struct MailLimits {
    /// Largest message accepted for calendar processing (bytes). A larger
    /// message is delivered untouched, never rejected.
    pub max_message_size: usize,
    /// Deepest MIME nesting searched for calendar parts.
    pub max_depth: usize,
    /// Most MIME parts examined.
    pub max_parts: usize,
    /// Largest calendar part read (bytes).
    pub max_calendar_size: usize,
}

impl Default for MailLimits {
    fn default() -> Self {
        Self {
            max_message_size: 25 << 20,
            max_depth: 16,
            max_parts: 500,
            max_calendar_size: 4 << 20,
        }
    }
}

/// A calendar part found in a message.
#[derive(Debug, Clone)]
pub struct CalendarMimePart {
    /// The content type, lower-cased (`text/calendar`…).
    pub content_type: String,
    /// The `method` Content-Type parameter, if any.
    pub method_param: Option<Method>,
    /// The decoded calendar text.
    pub text: String,
    /// MIME depth (0 = the message body itself).
    pub depth: usize,
    /// Whether the part sits inside an attached message (message/rfc822).
    pub in_attached_message: bool,
}

/// What the agents need to know about an incoming message.
#[derive(Debug, Clone, Default)]
pub struct InboundMessage {
    /// Message-ID without angle brackets.
    pub message_id: Option<String>,
    /// References, without angle brackets, oldest first (at most 50).
    pub references: Vec<String>,
    /// Subject.
    pub subject: Option<String>,
    /// Addresses in From.
    pub from: Vec<CalAddress>,
    /// Addresses in Reply-To.
    pub reply_to: Vec<CalAddress>,
    /// Addresses in To and Cc.
    pub recipients: Vec<CalAddress>,
    /// The envelope sender: the MTA's (LMTP/SMTP MAIL FROM, or
    /// `--envelope-sender` in pipe mode) or else the Return-Path header.
    /// Only used when the message names no sender in its headers.
    pub envelope_sender: Option<CalAddress>,
    /// The raw From, To, Cc and Subject header values, for summaries.
    pub raw_headers: Vec<(String, String)>,
    /// Authentication-Results header values, top first.
    pub authentication_results: Vec<String>,
    /// How many of `authentication_results` (the first ones) stand above
    /// the topmost Received header, where only the MTA that handed the
    /// message to us writes; 0 when there is no Received header.
    pub authentication_results_on_top: usize,
    /// Languages from Accept-Language and Content-Language, in order.
    pub languages: Vec<String>,
    /// Number of Received headers (0 for local submission).
    pub received_count: usize,
    /// Received header values, unfolded, top (most recent) first: where the
    /// message came from, for the local-submission check of `mail::auth`.
    pub received: Vec<String>,
    /// How the message reached us (standard input unless a listener says
    /// otherwise).
    pub arrival: Arrival,
    /// Whether the message is a delivery status notification (a bounce).
    pub is_bounce: bool,
    /// Calendar parts, in MIME order.
    pub calendar_parts: Vec<CalendarMimePart>,
    /// Notes about what could not be read.
    pub diagnostics: Vec<String>,
}

impl InboundMessage {
    /// Senders in imip-agent's sense: Reply-To if present, else From; a
    /// message with neither (some gateways and scripts send such mail)
    /// falls back to its envelope sender.
    pub fn senders(&self) -> &[CalAddress] {
        if !self.reply_to.is_empty() {
            &self.reply_to
        } else if !self.from.is_empty() {
            &self.from
        } else {
            self.envelope_sender.as_slice()
        }
    }

    /// Sets the envelope sender the MTA gave (the null path `<>` gives none).
    pub fn set_envelope_sender(&mut self, sender: &str) {
        if let Some(a) = CalAddress::from_email(sender.trim().trim_matches(['<', '>'])) {
            self.envelope_sender = Some(a);
        }
    }

    /// Parses a message. Never fails: unreadable input yields an empty
    /// result with diagnostics (the message is then delivered untouched).
    pub fn parse(raw: &[u8], limits: &MailLimits) -> InboundMessage {
        // mail-parser 0.11.9 has a debug assertion that a malformed
        // multipart inside an attached message trips (release builds
        // recover); whatever the parser does, the message must still reach
        // the person rather than wait in the queue for a fixed build.
        std::panic::catch_unwind(|| InboundMessage::parse_unguarded(raw, limits)).unwrap_or_else(
            |payload| InboundMessage {
                diagnostics: vec![format!(
                    "the MIME parser failed on this message ({}); not examined",
                    crate::error::panic_text(&*payload)
                )],
                ..InboundMessage::default()
            },
        )
    }

    fn parse_unguarded(raw: &[u8], limits: &MailLimits) -> InboundMessage {
        let mut out = InboundMessage::default();
        if raw.len() > limits.max_message_size {
            out.diagnostics.push(format!(
                "message of {} bytes exceeds the {} byte limit; not examined",
                raw.len(),
                limits.max_message_size
            ));
            return out;
        }
        let Some(msg) = MessageParser::default().parse(raw) else {
            out.diagnostics.push("not a parseable mail message".into());
            return out;
        };
        out.message_id = msg.message_id().map(|m| m.trim_matches(['<', '>']).to_string());
        out.references = match msg.references() {
            mail_parser::HeaderValue::Text(t) => vec![t.to_string()],
            mail_parser::HeaderValue::TextList(l) => l.iter().map(|t| t.to_string()).collect(),
            _ => Vec::new(),
        };
        out.references.truncate(50);
        out.subject = msg.subject().map(str::to_string);
        out.from = addresses(msg.from());
        out.reply_to = addresses(msg.reply_to());
        out.recipients = addresses(msg.to());
        out.recipients.extend(addresses(msg.cc()));
        for (name, value) in msg.headers_raw() {
            // The delivering MTA writes Return-Path at the top; the first
            // one is the envelope sender.
            if name.eq_ignore_ascii_case("Return-Path") && out.envelope_sender.is_none() {
                out.set_envelope_sender(value);
            }
            if name.eq_ignore_ascii_case("Authentication-Results") {
                out.authentication_results.push(unfold_header(value));
                if out.received_count == 0 {
                    out.authentication_results_on_top += 1;
                }
            }
            if name.eq_ignore_ascii_case("Accept-Language")
                || name.eq_ignore_ascii_case("Content-Language")
            {
                out.languages.extend(
                    value
                        .split(',')
                        .map(|l| l.split(';').next().unwrap_or("").trim().to_string())
                        .filter(|l| !l.is_empty()),
                );
            }
            if name.eq_ignore_ascii_case("Received") {
                out.received_count += 1;
                out.received.push(unfold_header(value));
            }
            if ["from", "to", "cc", "subject", "date", "message-id"]
                .iter()
                .any(|h| name.eq_ignore_ascii_case(h))
            {
                out.raw_headers.push((name.to_string(), unfold_header(value)));
            }
        }
        if out.received_count == 0 {
            // Nothing of ours below them: not written by the MTA.
            out.authentication_results_on_top = 0;
        }
        let mut walker = Walker { raw, limits, parts_seen: 0, out: &mut out };
        walker.walk(&msg, 0, false);
        out
    }
}

fn unfold_header(v: &str) -> String {
    v.split(['\r', '\n']).map(str::trim).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ")
}

fn addresses(a: Option<&Address<'_>>) -> Vec<CalAddress> {
    let Some(a) = a else { return Vec::new() };
    a.iter().filter_map(|x| x.address()).filter_map(CalAddress::from_email).collect()
}

struct Walker<'a, 'o> {
    raw: &'a [u8],
    limits: &'a MailLimits,
    parts_seen: usize,
    out: &'o mut InboundMessage,
}

fn is_calendar_type(ctype: &str, name: Option<&str>) -> bool {
    matches!(
        ctype,
        "text/calendar"
            | "text/x-vcalendar"
            | "application/ics"
            | "application/x-ics"
            | "text/x-calendar"
    ) || octet_stream_ics(ctype, name)
}

/// Some web mailers and Lotus Notes attach invitations as
/// `application/octet-stream` named `*.ics`; they are read as calendars.
fn octet_stream_ics(ctype: &str, name: Option<&str>) -> bool {
    ctype == "application/octet-stream"
        && name.is_some_and(|n| n.to_ascii_lowercase().ends_with(".ics"))
}

impl Walker<'_, '_> {
    fn walk(&mut self, msg: &Message<'_>, depth: usize, attached: bool) {
        if msg.parts.is_empty() {
            return;
        }
        // Explicit stack of (part id, depth): recursion only for attached
        // messages, whose depth is bounded by max_depth.
        let mut stack = vec![(0u32, depth)];
        while let Some((id, d)) = stack.pop() {
            self.parts_seen += 1;
            if self.parts_seen > self.limits.max_parts {
                self.out.diagnostics.push(format!(
                    "more than {} MIME parts; the rest not examined",
                    self.limits.max_parts
                ));
                return;
            }
            let Some(part) = msg.parts.get(id as usize) else { continue };
            let (ctype, method, charset, name) = match part.content_type() {
                Some(ct) => (
                    format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or("")).to_ascii_lowercase(),
                    ct.attribute("method").map(Method::parse),
                    ct.attribute("charset").map(str::to_string),
                    part.attachment_name().map(str::to_string),
                ),
                None => ("text/plain".into(), None, None, None),
            };
            if ctype == "message/delivery-status" || ctype == "message/global-delivery-status" {
                self.out.is_bounce = true;
            }
            if ctype == "multipart/report" {
                let report =
                    part.content_type().and_then(|c| c.attribute("report-type")).unwrap_or("");
                if report.eq_ignore_ascii_case("delivery-status") {
                    self.out.is_bounce = true;
                }
            }
            match &part.body {
                PartType::Multipart(children) => {
                    if d + 1 > self.limits.max_depth {
                        self.out.diagnostics.push(format!(
                            "MIME nesting deeper than {}; not examined",
                            self.limits.max_depth
                        ));
                        continue;
                    }
                    for c in children.iter().rev() {
                        stack.push((*c, d + 1));
                    }
                }
                PartType::Message(inner) => {
                    if d + 1 > self.limits.max_depth {
                        self.out.diagnostics.push(format!(
                            "MIME nesting deeper than {}; not examined",
                            self.limits.max_depth
                        ));
                        continue;
                    }
                    self.walk(inner, d + 1, true);
                }
                _ if is_calendar_type(&ctype, name.as_deref()) => {
                    let bytes = self.body_bytes(part);
                    if bytes.len() > self.limits.max_calendar_size {
                        self.out.diagnostics.push(format!(
                            "calendar part of {} bytes exceeds the limit; ignored",
                            bytes.len()
                        ));
                        continue;
                    }
                    let text = decode_calendar_bytes(&bytes, charset.as_deref());
                    self.out.calendar_parts.push(CalendarMimePart {
                        content_type: ctype,
                        method_param: method,
                        text,
                        depth: d,
                        in_attached_message: attached,
                    });
                }
                _ => {}
            }
        }
    }

    /// The part's body after transfer decoding but before charset decoding,
    /// so that calendar text is unfolded on bytes (see `decode_calendar_bytes`).
    fn body_bytes(&self, part: &mail_parser::MessagePart<'_>) -> Vec<u8> {
        let start = part.offset_body as usize;
        let end = (part.offset_end as usize).min(self.raw.len());
        let raw = self.raw.get(start..end).unwrap_or_default();
        let decoded = match part.encoding {
            Encoding::Base64 => base64_lenient(raw),
            Encoding::QuotedPrintable => quoted_printable_decode(raw),
            Encoding::None => Some(raw.to_vec()),
        };
        match decoded {
            Some(b) => b,
            // Fall back to what mail-parser decoded itself.
            None => match &part.body {
                PartType::Text(t) | PartType::Html(t) => t.as_bytes().to_vec(),
                PartType::Binary(b) | PartType::InlineBinary(b) => b.to_vec(),
                _ => Vec::new(),
            },
        }
    }
}

/// Base64 with white space removed and the final quantum padded: mail-parser
/// 0.11 drops an unpadded final quantum (docs/dependencies.md).
fn base64_lenient(raw: &[u8]) -> Option<Vec<u8>> {
    let mut clean: Vec<u8> = raw.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
    // Stop at the first character that cannot be base64 (a stray boundary).
    if let Some(p) =
        clean.iter().position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')))
    {
        clean.truncate(p);
    }
    while !clean.len().is_multiple_of(4) {
        clean.push(b'=');
    }
    base64_decode(&clean)
}

/// Reads the text of a header value for diagnostics.
pub fn header_text(v: &HeaderValue<'_>) -> Option<String> {
    v.as_text().map(str::to_string)
}

#[cfg(test)]
mod tests;
