//! Small iCalendar enumerations used throughout the library, independent of
//! the parser crate. Performs no I/O.

use std::fmt;

/// An iTIP method (RFC 5546 §1.4).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Method {
    /// PUBLISH
    Publish,
    /// REQUEST
    Request,
    /// REPLY
    Reply,
    /// ADD
    Add,
    /// CANCEL
    Cancel,
    /// REFRESH
    Refresh,
    /// COUNTER
    Counter,
    /// DECLINECOUNTER
    DeclineCounter,
    /// Anything else, upper-cased.
    Other(String),
}

impl Method {
    /// Parses a method name, case-insensitively.
    pub fn parse(s: &str) -> Method {
        match s.trim().to_ascii_uppercase().as_str() {
            "PUBLISH" => Method::Publish,
            "REQUEST" => Method::Request,
            "REPLY" => Method::Reply,
            "ADD" => Method::Add,
            "CANCEL" => Method::Cancel,
            "REFRESH" => Method::Refresh,
            "COUNTER" => Method::Counter,
            "DECLINECOUNTER" => Method::DeclineCounter,
            other => Method::Other(other.to_string()),
        }
    }

    /// The canonical upper-case name.
    pub fn as_str(&self) -> &str {
        match self {
            Method::Publish => "PUBLISH",
            Method::Request => "REQUEST",
            Method::Reply => "REPLY",
            Method::Add => "ADD",
            Method::Cancel => "CANCEL",
            Method::Refresh => "REFRESH",
            Method::Counter => "COUNTER",
            Method::DeclineCounter => "DECLINECOUNTER",
            Method::Other(s) => s,
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Participation status (RFC 5545 §3.2.12).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PartStat {
    /// NEEDS-ACTION
    NeedsAction,
    /// ACCEPTED
    Accepted,
    /// DECLINED
    Declined,
    /// TENTATIVE
    Tentative,
    /// DELEGATED
    Delegated,
    /// Anything else (COMPLETED, IN-PROCESS, X-…), upper-cased.
    Other(String),
}

impl PartStat {
    /// Parses a PARTSTAT value, case-insensitively.
    pub fn parse(s: &str) -> PartStat {
        match s.trim().to_ascii_uppercase().as_str() {
            "NEEDS-ACTION" => PartStat::NeedsAction,
            "ACCEPTED" => PartStat::Accepted,
            "DECLINED" => PartStat::Declined,
            "TENTATIVE" => PartStat::Tentative,
            "DELEGATED" => PartStat::Delegated,
            other => PartStat::Other(other.to_string()),
        }
    }

    /// The canonical name.
    pub fn as_str(&self) -> &str {
        match self {
            PartStat::NeedsAction => "NEEDS-ACTION",
            PartStat::Accepted => "ACCEPTED",
            PartStat::Declined => "DECLINED",
            PartStat::Tentative => "TENTATIVE",
            PartStat::Delegated => "DELEGATED",
            PartStat::Other(s) => s,
        }
    }

    /// Whether someone with this status takes part (imip-agent's rule: not
    /// DECLINED, DELEGATED or NEEDS-ACTION; no status at all counts).
    pub fn participates(status: Option<&PartStat>) -> bool {
        !matches!(status, Some(PartStat::Declined | PartStat::Delegated | PartStat::NeedsAction))
    }
}

impl fmt::Display for PartStat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Time transparency of a busy period, as stored in free/busy collections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Transp {
    /// OPAQUE: blocks time.
    Opaque,
    /// TRANSPARENT: does not block time.
    Transparent,
    /// ORG: the user organises the event but does not attend it.
    Org,
}

impl Transp {
    /// Parses the stored or iCalendar form; unknown values count as opaque.
    pub fn parse(s: &str) -> Transp {
        // Without allocating: every stored busy period read goes through here.
        let s = s.trim();
        if s.eq_ignore_ascii_case("TRANSPARENT") {
            Transp::Transparent
        } else if s.eq_ignore_ascii_case("ORG") {
            Transp::Org
        } else {
            Transp::Opaque
        }
    }

    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Transp::Opaque => "OPAQUE",
            Transp::Transparent => "TRANSPARENT",
            Transp::Org => "ORG",
        }
    }

    /// Whether the period blocks time.
    pub fn is_busy(self) -> bool {
        matches!(self, Transp::Opaque)
    }
}

/// The kind of a scheduling component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ComponentKind {
    /// VEVENT
    Event,
    /// VFREEBUSY
    FreeBusy,
    /// VTODO
    Todo,
    /// VJOURNAL
    Journal,
    /// VAVAILABILITY
    Availability,
    /// Anything else.
    Other,
}

impl ComponentKind {
    /// The iCalendar name.
    pub fn as_str(self) -> &'static str {
        match self {
            ComponentKind::Event => "VEVENT",
            ComponentKind::FreeBusy => "VFREEBUSY",
            ComponentKind::Todo => "VTODO",
            ComponentKind::Journal => "VJOURNAL",
            ComponentKind::Availability => "VAVAILABILITY",
            ComponentKind::Other => "OTHER",
        }
    }
}

/// Free/busy type of a FREEBUSY value (RFC 5545 §3.2.9).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FbType {
    /// FREE
    Free,
    /// BUSY (the default)
    Busy,
    /// BUSY-UNAVAILABLE
    BusyUnavailable,
    /// BUSY-TENTATIVE
    BusyTentative,
}

impl FbType {
    /// Whether this type blocks time.
    pub fn is_busy(&self) -> bool {
        !matches!(self, FbType::Free)
    }
}
