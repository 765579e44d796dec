//! [`Instance`]: which instance of an event a component, a stored object or
//! a scheduling message is about — the event as a whole (a single event or
//! a recurring event's master) or one occurrence, named by its normalised
//! RECURRENCE-ID. No I/O.

use super::datetime::parse_rid_key;
use super::{DateTimeValue, ZoneResolver};
use std::fmt;

/// The event as a whole, or one occurrence of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Instance {
    /// A single event, or a recurring event's master (no RECURRENCE-ID).
    #[default]
    Master,
    /// One occurrence, by its normalised RECURRENCE-ID key
    /// ([`DateTimeValue::rid_key`]: UTC `20270301T090000Z`, or a date or
    /// floating time as written).
    Occurrence(String),
}

impl Instance {
    /// The instance a RECURRENCE-ID value names.
    pub fn of(rid: Option<&DateTimeValue>, zones: &ZoneResolver) -> Instance {
        match rid {
            Some(v) => Instance::Occurrence(v.rid_key(zones)),
            None => Instance::Master,
        }
    }

    /// Reads the storage form (`""` for the master).
    pub fn from_key(key: &str) -> Instance {
        if key.is_empty() { Instance::Master } else { Instance::Occurrence(key.to_string()) }
    }

    /// The storage form: `""` for the master, else the RECURRENCE-ID key.
    /// Only stores and wire formats use it; code compares instances.
    pub fn key(&self) -> &str {
        match self {
            Instance::Master => "",
            Instance::Occurrence(k) => k,
        }
    }

    /// Whether this is the event as a whole.
    pub fn is_master(&self) -> bool {
        matches!(self, Instance::Master)
    }

    /// The RECURRENCE-ID key of an occurrence.
    pub fn occurrence(&self) -> Option<&str> {
        match self {
            Instance::Master => None,
            Instance::Occurrence(k) => Some(k),
        }
    }

    /// The RECURRENCE-ID value of an occurrence, parsed back from its key.
    pub fn recurrence_id(&self) -> Option<DateTimeValue> {
        self.occurrence().and_then(parse_rid_key)
    }
}

impl fmt::Display for Instance {
    /// Empty for the master, the RECURRENCE-ID key for an occurrence.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_form_round_trips() {
        assert_eq!(Instance::from_key(""), Instance::Master);
        assert_eq!(Instance::Master.key(), "");
        let o = Instance::from_key("20270301T090000Z");
        assert_eq!(o, Instance::Occurrence("20270301T090000Z".into()));
        assert_eq!(o.key(), "20270301T090000Z");
        assert!(o.recurrence_id().is_some());
        assert!(Instance::Master < o);
    }
}
