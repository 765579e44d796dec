//! User preferences (imip-agent 5.1): names, allowed values, defaults,
//! validation, and [`Prefs`], the resolved view of one user's preferences
//! (built-in default < organisation default < the user's own value).
//! Performs no I/O.

use crate::ical::Zone;
use chrono::Duration;
use std::collections::BTreeMap;

/// What values a preference accepts.
#[derive(Debug, Clone, Copy)]
pub enum PrefKind {
    /// One of the listed words.
    Choice(&'static [&'static str]),
    /// An iCalendar duration such as `PT10M`.
    Duration,
    /// A whole number of days.
    Days,
    /// An IANA (or Windows) time-zone name.
    TimeZone,
    /// Free text.
    Text,
    /// Lines of text (scheduling functions, ACL rules).
    Lines,
    /// `permitted_times` syntax.
    PermittedTimes,
}

/// A preference definition.
#[derive(Debug, Clone, Copy)]
pub struct PrefSpec {
    /// Name as stored (case-sensitive, like imip-agent's file names).
    pub name: &'static str,
    /// Built-in default ("" = unset).
    pub default: &'static str,
    /// Accepted values.
    pub kind: PrefKind,
    /// One line of documentation.
    pub doc: &'static str,
}

/// Every preference the agents read.
pub const SPECS: &[PrefSpec] = &[
    PrefSpec {
        name: "CN",
        default: "",
        kind: PrefKind::Text,
        doc: "the user's common name: the CN of their ORGANIZER or ATTENDEE in what the person agent writes for them (REFRESH, events sent again, bundled free/busy)",
    },
    PrefSpec {
        name: "LANG",
        default: "en",
        kind: PrefKind::Choice(&["en", "en_GB", "de", "de_DE", "da", "da_DK", "nb", "nb_NO", "no"]),
        doc: "language of notifications, subjects and reply texts",
    },
    PrefSpec {
        name: "TZID",
        default: "",
        kind: PrefKind::TimeZone,
        doc: "zone for dates and floating times, permitted times and the window end (default: the organisation's, else the system zone)",
    },
    PrefSpec {
        name: "participating",
        default: "participate",
        kind: PrefKind::Choice(&["participate", "no"]),
        doc: "no: messages are delivered untouched and nothing is recorded",
    },
    PrefSpec {
        name: "incoming",
        default: "summary-wraps-message",
        kind: PrefKind::Choice(&[
            "summary-wraps-message",
            "summary-then-message",
            "message-then-summary",
            "summary-only",
            "message-only",
        ]),
        doc: "how handled messages are presented in the mailbox",
    },
    PrefSpec {
        name: "freebusy_sharing",
        default: "no",
        kind: PrefKind::Choice(&["share", "no"]),
        doc: "answer free/busy requests; needed for bundling and publishing",
    },
    PrefSpec {
        name: "freebusy_bundling",
        default: "never",
        kind: PrefKind::Choice(&["always", "never"]),
        doc: "attach own free/busy to outgoing messages (needs sharing)",
    },
    PrefSpec {
        name: "freebusy_publishing",
        default: "no",
        kind: PrefKind::Choice(&["publish", "no"]),
        doc: "write own free/busy to the publishing directory (needs sharing)",
    },
    PrefSpec {
        name: "freebusy_messages",
        default: "none",
        kind: PrefKind::Choice(&["notify", "none"]),
        doc: "notify when free/busy PUBLISH or REPLY messages arrive",
    },
    PrefSpec {
        name: "freebusy_offers",
        default: "",
        kind: PrefKind::Duration,
        doc: "how long periods proposed in a counter-proposal are held; unset: not held",
    },
    PrefSpec {
        name: "event_refreshing",
        default: "never",
        kind: PrefKind::Choice(&["always", "never"]),
        doc: "answer REFRESH requests automatically",
    },
    PrefSpec {
        name: "add_method_response",
        default: "refresh",
        kind: PrefKind::Choice(&["add", "ignore", "refresh"]),
        doc: "on ADD: apply it, ignore it, or ask the organiser for the whole event",
    },
    PrefSpec {
        name: "organiser_replacement",
        default: "attendee",
        kind: PrefKind::Choice(&["any", "attendee", "never"]),
        doc: "who may appear as a new organiser of a known event",
    },
    PrefSpec {
        name: "scheduling_function",
        default: "schedule_in_freebusy",
        kind: PrefKind::Lines,
        doc: "resource policy: one function call per line",
    },
    PrefSpec {
        name: "acl",
        default: "",
        kind: PrefKind::Lines,
        doc: "access-control rules for access_control_list without a file",
    },
    PrefSpec {
        name: "permitted_times",
        default: "",
        kind: PrefKind::PermittedTimes,
        doc: "allowed start/end minutes, hours:minutes or hours:minutes:seconds",
    },
    PrefSpec {
        name: "window_size",
        default: "100",
        kind: PrefKind::Days,
        doc: "days ahead to which open-ended recurrences are expanded",
    },
    PrefSpec {
        name: "delegate_hold",
        default: "",
        kind: PrefKind::Duration,
        doc: "resources: how long a delegate's time is held while the delegated request travels (default PT1H)",
    },
    PrefSpec {
        name: "availability",
        default: "",
        kind: PrefKind::Lines,
        doc: "resources: a VAVAILABILITY (RFC 7953) used by working_hours availability",
    },
    PrefSpec {
        name: "owner",
        default: "",
        kind: PrefKind::Text,
        doc: "resources: the address notified for manual approvals",
    },
    PrefSpec {
        name: "capacity",
        default: "",
        kind: PrefKind::Text,
        doc: "resources: number of people the room holds (used by OAA petitions)",
    },
];

/// The definition of a preference, if it is one the agents read.
pub fn spec(name: &str) -> Option<&'static PrefSpec> {
    SPECS.iter().find(|s| s.name == name)
}

/// Parses an iCalendar duration (`PT10M`, `P1D`, `-PT5M`).
pub fn parse_duration(text: &str) -> Option<Duration> {
    let t = text.trim().to_ascii_uppercase();
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r.to_string()),
        None => (false, t.strip_prefix('+').unwrap_or(&t).to_string()),
    };
    let t = t.strip_prefix('P')?;
    let mut secs: i64 = 0;
    let mut num = String::new();
    let mut in_time = false;
    let mut any = false;
    for c in t.chars() {
        match c {
            '0'..='9' => num.push(c),
            'T' if num.is_empty() => in_time = true,
            'W' | 'D' | 'H' | 'M' | 'S' => {
                let n: i64 = num.parse().ok()?;
                num.clear();
                any = true;
                secs = secs.checked_add(match (c, in_time) {
                    ('W', false) => n.checked_mul(7 * 86400)?,
                    ('D', false) => n.checked_mul(86400)?,
                    ('H', true) => n.checked_mul(3600)?,
                    ('M', true) => n.checked_mul(60)?,
                    ('S', true) => n,
                    _ => return None,
                })?;
            }
            _ => return None,
        }
    }
    if !num.is_empty() || !any {
        return None;
    }
    // Beyond 10,000 years a duration is a typo, and adding it to a date
    // would overflow chrono's calendar (a panic, not an answer).
    const MAX_SECONDS: i64 = 10_000 * 366 * 86_400;
    if secs > MAX_SECONDS {
        return None;
    }
    Some(Duration::seconds(if neg { -secs } else { secs }))
}

/// Checks a value for a known preference; unknown names accept anything.
pub fn validate(name: &str, value: &str) -> Result<(), String> {
    let Some(s) = spec(name) else { return Ok(()) };
    let v = value.trim();
    match s.kind {
        PrefKind::Choice(options) => {
            if options.contains(&v) {
                Ok(())
            } else {
                Err(format!("{v:?} is not one of {}", options.join(", ")))
            }
        }
        PrefKind::Duration => parse_duration(v)
            .filter(|d| *d > Duration::zero())
            .map(|_| ())
            .ok_or_else(|| format!("{v:?} is not a positive iCalendar duration such as PT10M")),
        PrefKind::Days => v
            .parse::<u32>()
            .ok()
            .filter(|d| (1..=3660).contains(d))
            .map(|_| ())
            .ok_or_else(|| format!("{v:?} is not a number of days from 1 to 3660")),
        PrefKind::TimeZone => {
            Zone::from_name(v).map(|_| ()).ok_or_else(|| format!("{v:?} is not a known time zone"))
        }
        PrefKind::PermittedTimes => crate::policy::permitted::PermittedTimes::parse(v)
            .map(|_| ())
            .map_err(|e| format!("{v:?}: {e}")),
        PrefKind::Text | PrefKind::Lines => Ok(()),
    }
}

/// How handled messages are presented (imip-agent 1.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Incoming {
    /// One message: the summary in the preamble, the original attached.
    SummaryWrapsMessage,
    /// A summary message, then the original.
    SummaryThenMessage,
    /// The original, then a summary message.
    MessageThenSummary,
    /// Only the summary message.
    SummaryOnly,
    /// Only the original.
    MessageOnly,
}

/// On ADD (imip-agent 3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddResponse {
    /// Apply the new occurrence.
    Add,
    /// Do nothing.
    Ignore,
    /// Ask the organiser for the whole event (REFRESH).
    Refresh,
}

/// Who may become the organiser of a known event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrganiserReplacement {
    /// Anybody.
    Any,
    /// Only an attendee of the stored event.
    Attendee,
    /// Nobody.
    Never,
}

/// One user's resolved preferences.
#[derive(Debug, Clone, Default)]
pub struct Prefs {
    values: BTreeMap<String, String>,
    system_zone: Option<String>,
}

impl Prefs {
    /// Resolves built-in defaults, then organisation defaults, then the
    /// user's values. Invalid stored values are ignored (with the default
    /// used instead) rather than breaking message processing.
    pub fn resolve(
        org: &BTreeMap<String, String>,
        user: &[(String, String)],
        system_zone: Option<&str>,
    ) -> Prefs {
        let mut values = BTreeMap::new();
        for s in SPECS {
            if !s.default.is_empty() {
                values.insert(s.name.to_string(), s.default.to_string());
            }
        }
        for (k, v) in org.iter().chain(user.iter().map(|(k, v)| (k, v))) {
            if validate(k, v).is_ok() {
                values.insert(k.clone(), v.trim().to_string());
            }
        }
        Prefs { values, system_zone: system_zone.map(str::to_string) }
    }

    /// A raw value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// All values.
    pub fn all(&self) -> &BTreeMap<String, String> {
        &self.values
    }

    fn is(&self, name: &str, value: &str) -> bool {
        self.get(name) == Some(value)
    }

    /// Language code (`en`, `de`, `da`, `nb`).
    pub fn lang(&self) -> &str {
        self.get("LANG").unwrap_or("en")
    }

    /// The user's zone for dates and floating times.
    pub fn zone(&self) -> Zone {
        self.get("TZID")
            .and_then(Zone::from_name)
            .or_else(|| self.system_zone.as_deref().and_then(Zone::from_name))
            .unwrap_or(Zone::Utc)
    }

    /// `participating != no`.
    pub fn participating(&self) -> bool {
        !self.is("participating", "no")
    }

    /// The `incoming` mode.
    pub fn incoming(&self) -> Incoming {
        match self.get("incoming") {
            Some("summary-then-message") => Incoming::SummaryThenMessage,
            Some("message-then-summary") => Incoming::MessageThenSummary,
            Some("summary-only") => Incoming::SummaryOnly,
            Some("message-only") => Incoming::MessageOnly,
            _ => Incoming::SummaryWrapsMessage,
        }
    }

    /// `freebusy_sharing = share`.
    pub fn sharing(&self) -> bool {
        self.is("freebusy_sharing", "share")
    }

    /// Bundling (needs sharing).
    pub fn bundling(&self) -> bool {
        self.sharing() && self.is("freebusy_bundling", "always")
    }

    /// Publishing (needs sharing).
    pub fn publishing(&self) -> bool {
        self.sharing() && self.is("freebusy_publishing", "publish")
    }

    /// `freebusy_messages = notify`.
    pub fn notify_freebusy(&self) -> bool {
        self.is("freebusy_messages", "notify")
    }

    /// How long offers are held, if at all.
    pub fn offer_period(&self) -> Option<Duration> {
        self.get("freebusy_offers").and_then(parse_duration).filter(|d| *d > Duration::zero())
    }

    /// `event_refreshing = always`.
    pub fn auto_refresh(&self) -> bool {
        self.is("event_refreshing", "always")
    }

    /// `add_method_response`.
    pub fn add_response(&self) -> AddResponse {
        match self.get("add_method_response") {
            Some("add") => AddResponse::Add,
            Some("ignore") => AddResponse::Ignore,
            _ => AddResponse::Refresh,
        }
    }

    /// `organiser_replacement`.
    pub fn organiser_replacement(&self) -> OrganiserReplacement {
        match self.get("organiser_replacement") {
            Some("any") => OrganiserReplacement::Any,
            Some("never") => OrganiserReplacement::Never,
            _ => OrganiserReplacement::Attendee,
        }
    }

    /// The expansion window in days.
    pub fn window_days(&self) -> i64 {
        // Clamped to what `prefs set` accepts: a preferences directory (-p) is
        // not validated, and a window of a million days overflows dates.
        self.get("window_size").and_then(|v| v.parse::<i64>().ok()).unwrap_or(100).clamp(1, 3660)
    }

    /// The user's CN.
    pub fn cn(&self) -> Option<&str> {
        self.get("CN")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("PT10M"), Some(Duration::minutes(10)));
        assert_eq!(parse_duration("P1DT2H"), Some(Duration::hours(26)));
        assert_eq!(parse_duration("P2W"), Some(Duration::days(14)));
        assert_eq!(parse_duration("-PT5M"), Some(Duration::minutes(-5)));
        assert_eq!(parse_duration("P9999999999999W"), None, "beyond 10,000 years");
        assert_eq!(parse_duration("PT"), None);
        assert_eq!(parse_duration("10M"), None);
        assert_eq!(parse_duration("P1H"), None);
    }

    #[test]
    fn resolution_order_and_invalid_values() {
        let mut org = BTreeMap::new();
        org.insert("incoming".to_string(), "summary-only".to_string());
        org.insert("LANG".to_string(), "de".to_string());
        let user = vec![
            ("LANG".to_string(), "nb".to_string()),
            ("incoming".to_string(), "bogus".to_string()),
        ];
        let p = Prefs::resolve(&org, &user, Some("Europe/Oslo"));
        assert_eq!(p.lang(), "nb");
        assert_eq!(p.incoming(), Incoming::SummaryOnly);
        assert_eq!(p.zone().name(), "Europe/Oslo");
        assert!(!p.sharing());
        assert_eq!(p.add_response(), AddResponse::Refresh);
        assert_eq!(p.window_days(), 100);
        assert!(validate("freebusy_offers", "PT10M").is_ok());
        assert!(validate("freebusy_offers", "ten minutes").is_err());
        assert!(validate("TZID", "W. Europe Standard Time").is_ok());
    }
}
