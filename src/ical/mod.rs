//! Adapter over the `calcard` iCalendar crate: parsing, the [`Object`]
//! model, zone resolution, edits and writing. Everything that touches
//! calcard's types lives here (and in `recur`), so that swapping the crate
//! stays local. Performs no I/O.

pub mod datetime;
pub mod edit;
pub mod input;
pub mod instance;
pub mod object;
pub mod parse;
pub mod participant;
pub mod quirks;
pub mod types;
pub mod write;
pub mod zone;

pub use calcard::icalendar::ICalendarProperty as Property;
pub use datetime::DateTimeValue;
pub use instance::Instance;
pub use object::{Object, RDate};
pub use parse::{CalendarPart, ParseOutcome, parse_calendar_text};
pub use participant::{Param, Participant, Role};
pub use types::{ComponentKind, FbType, Method, PartStat, Transp};
pub use write::{build_calendar, refold, unfold};
pub use zone::{Zone, ZoneResolver};
