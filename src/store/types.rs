//! Values exchanged with the store. No I/O.

use crate::ical::Instance;

/// Whether an object is live or cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectStatus {
    /// In the calendar.
    Active,
    /// Kept for reference after a cancellation.
    Cancelled,
}

impl ObjectStatus {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectStatus::Active => "active",
            ObjectStatus::Cancelled => "cancelled",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> ObjectStatus {
        if s == "cancelled" { ObjectStatus::Cancelled } else { ObjectStatus::Active }
    }
}

/// A stored object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    /// UID.
    pub uid: String,
    /// The master, or one occurrence stored separately.
    pub instance: Instance,
    /// Status.
    pub status: ObjectStatus,
    /// The VCALENDAR text.
    pub text: String,
}

/// What a queue entry asks the user to look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RequestKind {
    /// An invitation (or added occurrence) to answer.
    Invitation,
    /// Counter-proposals to accept or decline.
    Counter,
}

impl RequestKind {
    /// Stored form ("" and "COUNTER", as imip-agent 0.3 kept them).
    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::Invitation => "",
            RequestKind::Counter => "COUNTER",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> RequestKind {
        if s == "COUNTER" { RequestKind::Counter } else { RequestKind::Invitation }
    }
}

/// A queue entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestEntry {
    /// UID.
    pub uid: String,
    /// The instance concerned.
    pub instance: Instance,
    /// What is asked.
    pub kind: RequestKind,
}

/// What an attendee's recorded answer was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReplyKind {
    /// A REPLY (their participation status).
    Reply,
    /// The organiser declined their counter-proposal (DECLINECOUNTER), so
    /// that a copy of that proposal arriving late is known as answered.
    CounterDeclined,
}

impl ReplyKind {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            ReplyKind::Reply => "reply",
            ReplyKind::CounterDeclined => "counter-declined",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> ReplyKind {
        if s == "counter-declined" { ReplyKind::CounterDeclined } else { ReplyKind::Reply }
    }
}

/// The last answer of one attendee about one instance of an organiser's
/// event, with its version (RFC 5546 §2.1.5: replies of one attendee are
/// ordered by their own SEQUENCE and DTSTAMP, not by the organiser's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyRecord {
    /// UID.
    pub uid: String,
    /// The instance answered.
    pub instance: Instance,
    /// The attendee (calendar user address).
    pub attendee: String,
    /// What kind of record.
    pub kind: ReplyKind,
    /// SEQUENCE of the answer (0 when absent).
    pub sequence: i64,
    /// DTSTAMP of the answer (UTC seconds), if it had one.
    pub dtstamp: Option<i64>,
    /// The answer's component text (its ATTENDEE property is what is merged).
    pub text: String,
}

/// What one run of an agent did (after Lotus Domino's agent run information).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunRecord {
    /// Row id (set by the store when listing).
    pub id: i64,
    /// When the run started (UTC seconds).
    pub started: i64,
    /// Program name.
    pub program: String,
    /// Message-ID of the message processed.
    pub message_id: String,
    /// Key identifying the message bytes.
    pub message_key: String,
    /// Envelope or header sender.
    pub sender: String,
    /// Recipients processed, space separated.
    pub recipients: String,
    /// iTIP methods seen, space separated.
    pub methods: String,
    /// What was done, or why not.
    pub outcome: String,
    /// Exit status.
    pub exit_status: i32,
    /// Duration in microseconds.
    pub duration_us: i64,
    /// Log lines.
    pub log: String,
}

/// Filter for listing run records.
#[derive(Debug, Clone, Default)]
pub struct RunFilter {
    /// Only this program.
    pub program: Option<String>,
    /// Only runs started at or after (UTC seconds).
    pub since: Option<i64>,
    /// Only this exit status.
    pub exit_status: Option<i32>,
    /// Only runs whose Message-ID contains this.
    pub message_id: Option<String>,
    /// Only runs whose recipients contain this.
    pub recipient: Option<String>,
    /// At most this many (0 = 100).
    pub limit: usize,
}

/// A message the agent must send or deliver, kept with the processed marker
/// so that a retry after a transport failure sends it again without
/// recording the message's effects twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    /// "send" (to other parties through the outgoing transport) or
    /// "deliver" (the user's copy, through LMTP or local SMTP).
    pub kind: String,
    /// Envelope sender ("" for the null path).
    pub from: String,
    /// Envelope recipients.
    pub to: Vec<String>,
    /// A short label (for `-d` output and logs).
    pub label: String,
    /// The RFC 5322 bytes.
    pub bytes: Vec<u8>,
}

impl OutboxMessage {
    /// Whether this is the user's own copy ("deliver", or a deferred copy
    /// made when delivered: `agent::mailbox`), not a message to others.
    pub fn is_delivery(&self) -> bool {
        self.kind.starts_with("deliver")
    }
}

/// The marker of a processed (message, recipient, agent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Processed {
    /// Key of the message bytes.
    pub message_key: String,
    /// Recipient.
    pub recipient: String,
    /// Agent program.
    pub agent: String,
    /// When (UTC seconds).
    pub at: i64,
    /// Notes from processing.
    pub notes: String,
    /// Whether every message of the outbox was sent and delivered.
    pub sent: bool,
    /// How many messages of the outbox, in order, went out (sending stops at
    /// the first failure, so what went out is always a prefix).
    pub sent_count: usize,
    /// Messages to send and deliver.
    pub outbox: Vec<OutboxMessage>,
}

impl Processed {
    /// The messages a retry must still send.
    pub fn unsent(&self) -> &[OutboxMessage] {
        if self.sent { &[] } else { self.outbox.get(self.sent_count..).unwrap_or_default() }
    }
}

/// A resource's scheduling decision, explained.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DecisionRecord {
    /// Row id.
    pub id: i64,
    /// The resource.
    pub resource: String,
    /// When (UTC seconds).
    pub at: i64,
    /// UID of the request.
    pub uid: String,
    /// RECURRENCE-ID key.
    pub rid: String,
    /// Organiser.
    pub organizer: String,
    /// iTIP method of the request.
    pub method: String,
    /// ACCEPTED, DECLINED, COUNTER, DELEGATED, TENTATIVE…
    pub decision: String,
    /// The scheduling function that decided.
    pub function: String,
    /// Why.
    pub reason: String,
    /// The reply sent (calendar text), if any.
    pub reply: String,
}
