//! [`Plan`]: what the engine decided for one scheduling object — store
//! operations, calendar parts for other parties, what to tell the user, the
//! decision record and the log lines. The applier (`agent::apply`) runs a
//! plan inside the message's store transaction and then rebuilds the busy
//! time of every event the plan touched. No I/O.

use super::admission::Refusal;
use crate::address::CalAddress;
use crate::freebusy::{BusyPeriod, FbSet};
use crate::i18n::{Lang, Text};
use crate::ical::{Instance, Method, Object};
use crate::policy::Effect;
use crate::store::{DecisionRecord, ObjectStatus, ReplyRecord, RequestKind};
use chrono::{DateTime, Utc};

/// One change to the recipient's store.
#[derive(Debug, Clone)]
pub enum Op {
    /// Stores (inserts or replaces) an object.
    Put {
        /// UID.
        uid: String,
        /// Master or occurrence.
        instance: Instance,
        /// Active or cancelled.
        status: ObjectStatus,
        /// The object.
        object: Object,
    },
    /// Removes a stored object (an occurrence superseded by its master).
    Delete {
        /// UID.
        uid: String,
        /// The instance.
        instance: Instance,
    },
    /// Queues an instance for the user's attention.
    Queue {
        /// UID.
        uid: String,
        /// The instance.
        instance: Instance,
        /// What is asked.
        kind: RequestKind,
    },
    /// Removes queue entries (of one kind, or all).
    Dequeue {
        /// UID.
        uid: String,
        /// The instance.
        instance: Instance,
        /// Only this kind.
        kind: Option<RequestKind>,
    },
    /// Stores an attendee's counter-proposal.
    PutCounter {
        /// UID.
        uid: String,
        /// The instance.
        instance: Instance,
        /// The proposing attendee.
        attendee: CalAddress,
        /// The COUNTER component.
        object: Object,
    },
    /// Removes counter-proposals (of one attendee, or all).
    DeleteCounters {
        /// UID.
        uid: String,
        /// The instance.
        instance: Instance,
        /// Only this attendee's.
        attendee: Option<CalAddress>,
    },
    /// Records an attendee's answer with its version.
    RecordAnswer(ReplyRecord),
    /// Replaces a UID's periods in a collection (one occurrence's, or all
    /// when `rid` is `None`) with `periods`: offers, held time.
    ReplacePeriods {
        /// The collection.
        set: FbSet,
        /// UID.
        uid: String,
        /// Only the periods of this occurrence key.
        rid: Option<String>,
        /// The new periods (none to just remove).
        periods: Vec<BusyPeriod>,
    },
    /// Drops expired periods of a collection (offers).
    PurgeExpired {
        /// The collection.
        set: FbSet,
        /// Now.
        now: DateTime<Utc>,
    },
    /// Records another participant's free/busy as received: within the
    /// window the record of that person is replaced by these periods.
    RecordFreeBusy {
        /// Whose free/busy.
        other: CalAddress,
        /// The window it covers.
        window: Option<(DateTime<Utc>, DateTime<Utc>)>,
        /// The busy periods.
        periods: Vec<BusyPeriod>,
    },
    /// Policy effects (quota journals, collective records, approvals).
    Policy(Vec<Effect>),
    /// A resource's decision record.
    Decision(DecisionRecord),
}

impl Op {
    /// The UID whose stored objects this operation changes, if any: the
    /// applier rebuilds the busy time of those events.
    pub fn touches(&self) -> Option<&str> {
        match self {
            Op::Put { uid, .. }
            | Op::Delete { uid, .. }
            | Op::RecordAnswer(ReplyRecord { uid, .. }) => Some(uid),
            _ => None,
        }
    }
}

/// A calendar part for another party.
#[derive(Debug, Clone)]
pub struct OutPart {
    /// Who receives it.
    pub to: CalAddress,
    /// Its METHOD.
    pub method: Method,
    /// The object.
    pub object: Object,
    /// An explanation for the text part.
    pub text: Option<String>,
    /// Language of the message.
    pub lang: Lang,
}

/// What the user is told about one handled component (person agent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The notification text.
    pub text: Text,
    /// UID and instance for a manager link, when one applies.
    pub link: Option<(String, Instance)>,
}

impl Notice {
    /// A notice with a link to an event.
    pub fn about(text: Text, uid: &str, instance: &Instance) -> Notice {
        Notice { text, link: Some((uid.to_string(), instance.clone())) }
    }

    /// A notice without a link.
    pub fn plain(text: Text) -> Notice {
        Notice { text, link: None }
    }
}

/// What the engine decided for one scheduling object.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Store operations, in order.
    pub ops: Vec<Op>,
    /// Calendar parts for other parties.
    pub parts: Vec<OutPart>,
    /// What to tell the user.
    pub notice: Option<Notice>,
    /// Log lines: what was done, or why not.
    pub log: Vec<String>,
    /// Whether the object was acted on.
    pub handled: bool,
    /// A resource's answer (ACCEPTED, DECLINED, …), when it decided one.
    pub decision: Option<String>,
}

impl Plan {
    /// A plan that only logs.
    pub fn note(line: impl Into<String>) -> Plan {
        Plan { log: vec![line.into()], ..Plan::default() }
    }

    /// A plan for an object not acted on.
    pub fn refused(r: &Refusal) -> Plan {
        Plan::note(r.to_string())
    }

    /// Adds a log line.
    pub fn log(&mut self, line: impl Into<String>) {
        self.log.push(line.into());
    }

    /// Adds an operation.
    pub fn op(&mut self, op: Op) {
        self.ops.push(op);
    }

    /// Adds a calendar part.
    pub fn send(&mut self, to: &CalAddress, method: Method, object: Object, lang: Lang) {
        self.parts.push(OutPart { to: to.clone(), method, object, text: None, lang });
    }

    /// Marks the object handled with its outcome line.
    pub fn done(&mut self, line: impl Into<String>) {
        self.handled = true;
        self.log.push(line.into());
    }
}

impl From<Refusal> for Plan {
    fn from(r: Refusal) -> Plan {
        Plan::refused(&r)
    }
}
