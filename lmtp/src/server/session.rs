//! The LMTP/SMTP server session state machine. No I/O: the caller feeds it
//! client bytes and performs the [`Action`]s it returns, and wakes it at
//! its [`deadline`](Session::deadline).

use std::borrow::Cow;
use std::time::Instant;

use smtp_proto::{MAIL_BODY_BINARYMIME, MAIL_REQUIRETLS, MAIL_SMTPUTF8, MailFrom, RcptTo, Request};

use super::body::{Body, BodyEnd};
use super::deadline::Progress;
use super::line::{Framed, LineFramer};
use super::outbox::Outbox;
use super::reply::{self, clean_text, plain, reply};
use super::{Action, DeliveryOutcome, Envelope, ServerConfig};
use crate::Protocol;

/// Least input held back while a delivery is pending. A well-behaved
/// pipelining client sends at most one command group (RSET, MAIL, the RCPTs,
/// DATA, QUIT) before it needs our delivery replies, far below this.
const MIN_PIPELINE_BUFFER: usize = 256 * 1024;

/// Where the session is in the protocol.
#[derive(Debug)]
enum Phase {
    /// Reading command lines.
    Command,
    /// Reading the message after `354`.
    Data(Body),
    /// [`Action::Deliver`] was returned; waiting for [`Session::delivered`].
    /// Holds the recipients to answer for.
    Delivering(Vec<String>),
    /// QUIT was answered or the session gave up; input is ignored.
    Closed,
}

/// One LMTP or SMTP server connection, without I/O.
///
/// Feed it whatever the client sends with [`feed`](Self::feed), in any
/// chunking, and carry out the returned [`Action`]s in order. Replies do not
/// depend on how the input was split.
#[derive(Debug)]
pub struct Session {
    config: ServerConfig,
    phase: Phase,
    greeted: bool,
    mail_from: Option<String>,
    recipients: Vec<String>,
    lines: LineFramer,
    /// Input that arrived while a delivery was pending.
    held: Vec<u8>,
    /// More input arrived during a delivery than we are willing to hold.
    held_overflow: bool,
    /// When the current command line and message data began.
    progress: Progress,
}

impl Session {
    /// A session in its initial state; send [`greeting`](Self::greeting) first.
    pub fn new(config: ServerConfig) -> Self {
        let lines = LineFramer::new(config.max_line_length);
        Self {
            config,
            phase: Phase::Command,
            greeted: false,
            mail_from: None,
            recipients: Vec::new(),
            lines,
            held: Vec::new(),
            held_overflow: false,
            progress: Progress::default(),
        }
    }

    /// The `220` line to send when the client connects.
    pub fn greeting(&self) -> Vec<u8> {
        let host = clean_text(&self.config.hostname, "localhost");
        plain(220, &format!("{host} {} server ready", self.config.protocol.name()))
    }

    /// Consumes bytes from the client and returns what to do, in order.
    /// While a delivery is pending the bytes are held and answered after
    /// [`delivered`](Self::delivered); after close they are ignored.
    /// The same as [`feed_at`](Self::feed_at) with the current time.
    pub fn feed(&mut self, input: &[u8]) -> Vec<Action> {
        self.feed_at(Instant::now(), input)
    }

    /// [`feed`](Self::feed) for bytes that arrived at `now`, which starts
    /// the clock of a command line or message data they begin.
    pub fn feed_at(&mut self, now: Instant, input: &[u8]) -> Vec<Action> {
        let mut out = Outbox::default();
        self.process(input, Some(now), &mut out);
        out.into_actions()
    }

    /// When the client must have finished the command line or the message
    /// data it is sending (per the timeouts of [`ServerConfig`]); `None`
    /// when no deadline applies (between commands, during a delivery, after
    /// close). Call [`on_deadline`](Self::on_deadline) once it passed.
    pub fn deadline(&self) -> Option<Instant> {
        self.expiry().map(|(at, _)| at)
    }

    /// Checks the deadline at `now`: once it passed, the session answers
    /// `421 4.4.2`, closes, and drops whatever partial command or message
    /// it held (a message cut short is never delivered). Before the
    /// deadline this does nothing.
    pub fn on_deadline(&mut self, now: Instant) -> Vec<Action> {
        let mut out = Outbox::default();
        if let Some((at, why)) = self.expiry()
            && now >= at
        {
            out.write(&reply(421, [4, 4, 2], why.text()));
            self.reset_transaction();
            self.close(&mut out);
        }
        out.into_actions()
    }

    fn expiry(&self) -> Option<(Instant, super::deadline::Expired)> {
        let (in_line, in_data) = match &self.phase {
            Phase::Command => (self.lines.in_line(), false),
            Phase::Data(_) => (false, true),
            Phase::Delivering(_) | Phase::Closed => return None,
        };
        self.progress.next(
            self.config.command_timeout,
            self.config.data_timeout,
            self.config.min_data_rate,
            in_line,
            in_data,
        )
    }

    /// Reports the outcome of the pending [`Action::Deliver`], one per
    /// recipient in [`Envelope::recipients`] order. Returns the replies and
    /// then the actions for any input held meanwhile. Missing outcomes count
    /// as temporary failures, surplus ones are ignored. Without a pending
    /// delivery this does nothing.
    pub fn delivered(&mut self, outcomes: &[DeliveryOutcome]) -> Vec<Action> {
        let mut out = Outbox::default();
        let Phase::Delivering(recipients) = std::mem::replace(&mut self.phase, Phase::Command)
        else {
            return Vec::new();
        };
        let missing = DeliveryOutcome::TempFail("4.3.0 Delivery outcome unknown".into());
        let outcomes: Vec<DeliveryOutcome> =
            (0..recipients.len()).map(|i| outcomes.get(i).unwrap_or(&missing).clone()).collect();
        match self.config.protocol {
            Protocol::Lmtp => {
                for (recipient, outcome) in recipients.iter().zip(&outcomes) {
                    out.write(&reply::lmtp_outcome(recipient, outcome));
                }
            }
            Protocol::Smtp => out.write(&reply::smtp_outcome(&outcomes)),
        }
        if self.held_overflow {
            self.held = Vec::new();
            self.held_overflow = false;
            out.write(&reply(421, [4, 5, 0], "Too much pipelined input, closing connection"));
            self.close(&mut out);
        } else {
            let held = std::mem::take(&mut self.held);
            // When the held bytes arrived is not known; a line or message
            // they begin is timed from the next input.
            self.process(&held, None, &mut out);
        }
        out.into_actions()
    }

    /// True once the session has asked to close; further input is ignored.
    pub fn is_closed(&self) -> bool {
        matches!(self.phase, Phase::Closed)
    }

    /// True between an [`Action::Deliver`] and the matching
    /// [`delivered`](Self::delivered).
    pub fn awaiting_delivery(&self) -> bool {
        matches!(self.phase, Phase::Delivering(_))
    }

    /// Bytes of client input currently held in memory (partial command line,
    /// message data, input held during a delivery). Bounded by the limits in
    /// [`ServerConfig`].
    pub fn buffered_bytes(&self) -> usize {
        let body = match &self.phase {
            Phase::Data(body) => body.buffered(),
            _ => 0,
        };
        self.lines.buffered() + body + self.held.len()
    }

    fn held_limit(&self) -> usize {
        self.config.max_line_length.saturating_mul(64).max(MIN_PIPELINE_BUFFER)
    }

    fn process(&mut self, mut input: &[u8], now: Option<Instant>, out: &mut Outbox) {
        while !input.is_empty() {
            match &mut self.phase {
                Phase::Closed => return,
                Phase::Delivering(_) => {
                    self.hold(input);
                    return;
                }
                Phase::Data(body) => {
                    let before = input.len();
                    let end = body.ingest(&mut input);
                    self.progress.data_arrived(now, before - input.len());
                    if let Some(end) = end {
                        self.progress.data_done();
                        self.finish_data(end, out);
                    }
                }
                Phase::Command => match self.lines.next(&mut input) {
                    // The input ended inside a line.
                    None => self.progress.line_begun(now),
                    Some(Framed::TooLong) => {
                        self.progress.line_done();
                        out.write(&reply(500, [5, 5, 2], "Line too long"));
                    }
                    Some(Framed::Line(line)) => {
                        self.progress.line_done();
                        self.command(&line, now, out);
                    }
                },
            }
        }
    }

    fn hold(&mut self, input: &[u8]) {
        if self.held_overflow {
            return;
        }
        if self.held.len() + input.len() > self.held_limit() {
            self.held_overflow = true;
            self.held = Vec::new();
        } else {
            self.held.extend_from_slice(input);
        }
    }

    fn close(&mut self, out: &mut Outbox) {
        self.phase = Phase::Closed;
        out.push(Action::Close);
    }

    fn reset_transaction(&mut self) {
        self.mail_from = None;
        self.recipients.clear();
    }

    fn finish_data(&mut self, end: BodyEnd, out: &mut Outbox) {
        let recipients = std::mem::take(&mut self.recipients);
        let mail_from = self.mail_from.take().unwrap_or_default();
        match end {
            BodyEnd::TooLarge => {
                self.phase = Phase::Command;
                let too_big = reply(552, [5, 3, 4], "Message too big for system");
                let count = match self.config.protocol {
                    Protocol::Lmtp => recipients.len(),
                    Protocol::Smtp => 1,
                };
                for _ in 0..count {
                    out.write(&too_big);
                }
            }
            BodyEnd::Complete(data) => {
                self.phase = Phase::Delivering(recipients.clone());
                out.push(Action::Deliver(Envelope { mail_from, recipients, data }));
            }
        }
    }

    fn command(&mut self, line: &[u8], now: Option<Instant>, out: &mut Outbox) {
        match Request::parse(&mut line.iter()) {
            Ok(request) => self.request(request, line, now, out),
            Err(error) => out.write(&reply::parse_error(&error)),
        }
    }

    fn request(
        &mut self,
        request: Request<Cow<'_, str>>,
        line: &[u8],
        now: Option<Instant>,
        out: &mut Outbox,
    ) {
        let lmtp = self.config.protocol == Protocol::Lmtp;
        match request {
            Request::Lhlo { .. } if !lmtp => {
                out.write(&reply(500, [5, 5, 1], "LHLO is for LMTP; use EHLO or HELO"));
            }
            Request::Ehlo { .. } | Request::Helo { .. } if lmtp => {
                out.write(&reply(500, [5, 5, 1], "This is an LMTP server; use LHLO"));
            }
            Request::Lhlo { .. } | Request::Ehlo { .. } => {
                self.reset_transaction();
                self.greeted = true;
                let host = clean_text(&self.config.hostname, "localhost");
                out.write(&reply::extended_hello(&host, self.config.max_message_size));
            }
            Request::Helo { .. } => {
                self.reset_transaction();
                self.greeted = true;
                out.write(&plain(250, &clean_text(&self.config.hostname, "localhost")));
            }
            Request::Mail { from } => self.mail(from, out),
            Request::Rcpt { to } => self.rcpt(to, line, out),
            Request::Data => self.data(now, out),
            Request::Rset => {
                self.reset_transaction();
                out.write(&reply(250, [2, 0, 0], "OK"));
            }
            Request::Noop { .. } => out.write(&reply(250, [2, 0, 0], "OK")),
            Request::Quit => {
                out.write(&reply(221, [2, 0, 0], "Bye"));
                self.close(out);
            }
            Request::Vrfy { .. } => out.write(&reply(
                252,
                [2, 5, 0],
                "Cannot VRFY user, but will accept message and attempt delivery",
            )),
            Request::Help { .. } => {
                out.write(&reply(214, [2, 0, 0], "See RFC 2033 (LMTP) and RFC 5321 (SMTP)"));
            }
            Request::Expn { .. }
            | Request::Etrn { .. }
            | Request::Atrn { .. }
            | Request::Burl { .. }
            | Request::Bdat { .. }
            | Request::Auth { .. }
            | Request::StartTls => {
                out.write(&reply(502, [5, 5, 1], "Command not implemented"));
            }
        }
    }

    fn need_hello(&self) -> &'static str {
        match self.config.protocol {
            Protocol::Lmtp => "Send LHLO first",
            Protocol::Smtp => "Send EHLO or HELO first",
        }
    }

    fn mail(&mut self, from: MailFrom<Cow<'_, str>>, out: &mut Outbox) {
        if !self.greeted {
            out.write(&reply(503, [5, 5, 1], self.need_hello()));
        } else if self.mail_from.is_some() {
            out.write(&reply(503, [5, 5, 1], "Sender already specified"));
        } else if from.flags & MAIL_BODY_BINARYMIME != 0 {
            out.write(&reply(555, [5, 5, 4], "BODY=BINARYMIME is not supported"));
        } else if from.flags & (MAIL_SMTPUTF8 | MAIL_REQUIRETLS) != 0 {
            out.write(&reply(555, [5, 5, 4], "SMTPUTF8 and REQUIRETLS are not supported"));
        } else if from.size > self.config.max_message_size {
            out.write(&reply(552, [5, 3, 4], "Message size exceeds fixed maximum message size"));
        } else {
            self.mail_from = Some(from.address.into_owned());
            out.write(&reply(250, [2, 1, 0], "OK"));
        }
    }

    fn rcpt(&mut self, to: RcptTo<Cow<'_, str>>, line: &[u8], out: &mut Outbox) {
        if self.mail_from.is_none() {
            let text = if self.greeted { "Need MAIL command first" } else { self.need_hello() };
            out.write(&reply(503, [5, 5, 1], text));
            return;
        }
        let mut address = to.address.into_owned();
        if address.is_empty() {
            // smtp-proto reports both <> and <postmaster> as "", and only the
            // latter is a valid recipient (RFC 5321 4.5.1).
            if !contains_ignore_case(line, b"<postmaster>") {
                out.write(&reply(501, [5, 1, 3], "Bad recipient address syntax"));
                return;
            }
            address = "postmaster".to_string();
        }
        if self.recipients.len() >= self.config.max_recipients {
            out.write(&reply(452, [4, 5, 3], "Too many recipients"));
            return;
        }
        self.recipients.push(requote(address));
        out.write(&reply(250, [2, 1, 5], "OK"));
    }

    fn data(&mut self, now: Option<Instant>, out: &mut Outbox) {
        if self.mail_from.is_none() {
            let text = if self.greeted { "Need MAIL command first" } else { self.need_hello() };
            out.write(&reply(503, [5, 5, 1], text));
        } else if self.recipients.is_empty() {
            out.write(&reply(503, [5, 5, 1], "Need RCPT command first"));
        } else {
            out.write(&plain(354, "End data with <CR><LF>.<CR><LF>"));
            self.phase = Phase::Data(Body::new(self.config.max_message_size));
            self.progress.data_begun(now);
        }
    }
}

fn contains_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle))
}

/// An address as RFC 5321 writes it: smtp-proto hands over a quoted local
/// part without its quotes (`john doe@example.com` for
/// `<"john doe"@example.com>`); the quotes go back on when the local part
/// needs them, so that the address reads as one address again.
fn requote(address: String) -> String {
    let Some((local, domain)) = address.rsplit_once('@') else { return address };
    let atom = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
    let dot_atom = !local.is_empty()
        && local
            .split('.')
            .all(|part| !part.is_empty() && part.chars().all(|c| atom(c) || !c.is_ascii()));
    if dot_atom {
        return address;
    }
    let escaped: String = local
        .chars()
        .flat_map(|c| if c == '"' || c == '\\' { vec!['\\', c] } else { vec![c] })
        .collect();
    format!("\"{escaped}\"@{domain}")
}

#[cfg(test)]
mod requote_tests {
    use super::requote;

    #[test]
    fn quoted_local_parts_keep_their_quotes() {
        assert_eq!(requote("john doe@example.com".into()), "\"john doe\"@example.com");
        assert_eq!(requote("bob@example.com".into()), "bob@example.com");
        assert_eq!(requote("b.o.b+x@example.com".into()), "b.o.b+x@example.com");
        assert_eq!(requote("postmaster".into()), "postmaster");
        assert_eq!(requote("a..b@example.com".into()), "\"a..b\"@example.com");
    }
}
