//! The specific reason behind a resource's answer (which limit, how many
//! occurrences, which quota), rendered in the requester's language for the
//! reply's text part, with its times in the requester's zone. The policy
//! functions name the reason with its values; the English log line keeps
//! its own wording. Performs no I/O.

use super::Lang;
use crate::ical::Zone;
use chrono::{DateTime, Utc};

/// A reason with its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// The booking starts later than the booking window allows.
    StartsTooFarAhead {
        /// The window, in days.
        days: i64,
    },
    /// The booking runs past the booking horizon.
    BeyondHorizon {
        /// The horizon, in days.
        days: i64,
    },
    /// An open-ended recurrence with a booking horizon.
    RecursWithoutEnd,
    /// Shorter than the minimum duration.
    TooShort {
        /// The minimum, in minutes.
        minutes: i64,
    },
    /// Longer than the maximum duration.
    TooLong {
        /// The maximum, in minutes.
        minutes: i64,
    },
    /// Recurring bookings are not accepted.
    RecurrenceNotAccepted,
    /// An occurrence falls outside the permitted hours.
    OutsideWorkingHours {
        /// The occurrence's start.
        at: DateTime<Utc>,
    },
    /// Occurrences conflict with other bookings.
    Conflicts {
        /// How many occurrences conflict.
        conflicting: usize,
        /// How many there are.
        total: usize,
        /// The first conflict's start.
        first: Option<DateTime<Utc>>,
    },
    /// A quota does not cover the booking.
    QuotaExceeded {
        /// The time the booking needs (an iCalendar duration).
        needed: String,
        /// The time already booked (an iCalendar duration).
        used: String,
        /// The limit (an iCalendar duration).
        limit: String,
    },
    /// The organiser may not book this resource.
    OrganiserNotPermitted,
    /// Some occurrences were declined.
    OccurrencesDeclined {
        /// How many were declined.
        declined: usize,
        /// How many there are.
        total: usize,
    },
}

/// The reason as a sentence in `lang`, its times in `zone`.
pub fn render(lang: Lang, r: &Reason, zone: &Zone) -> String {
    use Lang::*;
    use Local::*;
    let r = &Local::of(r, zone);
    match (r, lang) {
        (StartsTooFarAhead { days }, En) => format!("It starts more than {days} days ahead."),
        (StartsTooFarAhead { days }, De) => {
            format!("Der Termin beginnt mehr als {days} Tage im Voraus.")
        }
        (StartsTooFarAhead { days }, Da) => {
            format!("Den begynder mere end {days} dage ude i fremtiden.")
        }
        (StartsTooFarAhead { days }, Nb) => {
            format!("Den begynner mer enn {days} dager fram i tid.")
        }
        (BeyondHorizon { days }, En) => format!("It runs beyond the {days}-day booking horizon."),
        (BeyondHorizon { days }, De) => {
            format!("Der Termin reicht über den Buchungszeitraum von {days} Tagen hinaus.")
        }
        (BeyondHorizon { days }, Da) => {
            format!("Den rækker ud over bookingperioden på {days} dage.")
        }
        (BeyondHorizon { days }, Nb) => {
            format!("Den varer utover bookingperioden på {days} dager.")
        }
        (RecursWithoutEnd, En) => "It recurs without end.".into(),
        (RecursWithoutEnd, De) => "Der Termin wiederholt sich ohne Ende.".into(),
        (RecursWithoutEnd, Da) => "Den gentages uden ende.".into(),
        (RecursWithoutEnd, Nb) => "Den gjentas uten slutt.".into(),
        (TooShort { minutes }, En) => {
            format!("It is shorter than the minimum of {minutes} minutes.")
        }
        (TooShort { minutes }, De) => {
            format!("Der Termin ist kürzer als die Mindestdauer von {minutes} Minuten.")
        }
        (TooShort { minutes }, Da) => format!("Den er kortere end minimum på {minutes} minutter."),
        (TooShort { minutes }, Nb) => {
            format!("Den er kortere enn minstetiden på {minutes} minutter.")
        }
        (TooLong { minutes }, En) => format!("It is longer than the maximum of {minutes} minutes."),
        (TooLong { minutes }, De) => {
            format!("Der Termin ist länger als die Höchstdauer von {minutes} Minuten.")
        }
        (TooLong { minutes }, Da) => format!("Den er længere end maksimum på {minutes} minutter."),
        (TooLong { minutes }, Nb) => format!("Den er lengre enn makstiden på {minutes} minutter."),
        (RecurrenceNotAccepted, En) => "Recurring bookings are not accepted.".into(),
        (RecurrenceNotAccepted, De) => "Wiederkehrende Buchungen werden nicht angenommen.".into(),
        (RecurrenceNotAccepted, Da) => "Gentagne bookinger accepteres ikke.".into(),
        (RecurrenceNotAccepted, Nb) => "Gjentakende bookinger godtas ikke.".into(),
        (OutsideWorkingHours { at }, En) => {
            format!("The occurrence at {at} is outside the permitted hours.")
        }
        (OutsideWorkingHours { at }, De) => {
            format!("Der Termin am {at} liegt außerhalb der erlaubten Zeiten.")
        }
        (OutsideWorkingHours { at }, Da) => {
            format!("Forekomsten {at} ligger uden for de tilladte tidspunkter.")
        }
        (OutsideWorkingHours { at }, Nb) => {
            format!("Forekomsten {at} ligger utenfor de tillatte tidene.")
        }
        (Conflicts { total: 1, first, .. }, En) => {
            format!("It conflicts with another booking at {first}.")
        }
        (Conflicts { total: 1, first, .. }, De) => {
            format!("Der Termin überschneidet sich mit einer anderen Buchung am {first}.")
        }
        (Conflicts { total: 1, first, .. }, Da) => {
            format!("Den overlapper en anden booking {first}.")
        }
        (Conflicts { total: 1, first, .. }, Nb) => {
            format!("Den overlapper en annen booking {first}.")
        }
        (Conflicts { conflicting, total, first }, En) => format!(
            "{conflicting} of {total} occurrence(s) conflict with other bookings, the first at {first}."
        ),
        (Conflicts { conflicting, total, first }, De) => format!(
            "{conflicting} von {total} Terminen überschneiden sich mit anderen Buchungen, der erste am {first}."
        ),
        (Conflicts { conflicting, total, first }, Da) => format!(
            "{conflicting} af {total} forekomster overlapper andre bookinger, den første {first}."
        ),
        (Conflicts { conflicting, total, first }, Nb) => format!(
            "{conflicting} av {total} forekomster overlapper andre bookinger, den første {first}."
        ),
        (QuotaExceeded { needed, used, limit }, En) => {
            format!("The booking needs {needed}; {used} of the quota of {limit} is used.")
        }
        (QuotaExceeded { needed, used, limit }, De) => format!(
            "Die Buchung benötigt {needed}; vom Kontingent von {limit} sind {used} verbraucht."
        ),
        (QuotaExceeded { needed, used, limit }, Da) => {
            format!("Bookingen kræver {needed}; {used} af kvoten på {limit} er brugt.")
        }
        (QuotaExceeded { needed, used, limit }, Nb) => {
            format!("Bookingen krever {needed}; {used} av kvoten på {limit} er brukt.")
        }
        (OrganiserNotPermitted, En) => "The organiser may not book this resource.".into(),
        (OrganiserNotPermitted, De) => "Der Organisator darf diese Ressource nicht buchen.".into(),
        (OrganiserNotPermitted, Da) => "Arrangøren må ikke booke denne ressource.".into(),
        (OrganiserNotPermitted, Nb) => "Arrangøren kan ikke booke denne ressursen.".into(),
        (OccurrencesDeclined { declined, total }, En) => {
            format!("{declined} of {total} occurrence(s) were declined.")
        }
        (OccurrencesDeclined { declined, total }, De) => {
            format!("{declined} von {total} Terminen wurden abgelehnt.")
        }
        (OccurrencesDeclined { declined, total }, Da) => {
            format!("{declined} af {total} forekomster blev afvist.")
        }
        (OccurrencesDeclined { declined, total }, Nb) => {
            format!("{declined} av {total} forekomster ble avvist.")
        }
    }
}

/// An instant as the reasons show it: wall-clock time in `zone` and the
/// zone's name (`2027-03-10 10:00 Europe/Oslo`).
pub fn instant(t: &DateTime<Utc>, zone: &Zone) -> String {
    format!("{} {}", zone.from_utc(t).format("%Y-%m-%d %H:%M"), zone.name())
}

/// A reason with its times as text in a zone, for the sentences above.
enum Local {
    StartsTooFarAhead { days: i64 },
    BeyondHorizon { days: i64 },
    RecursWithoutEnd,
    TooShort { minutes: i64 },
    TooLong { minutes: i64 },
    RecurrenceNotAccepted,
    OutsideWorkingHours { at: String },
    Conflicts { conflicting: usize, total: usize, first: String },
    QuotaExceeded { needed: String, used: String, limit: String },
    OrganiserNotPermitted,
    OccurrencesDeclined { declined: usize, total: usize },
}

impl Local {
    fn of(r: &Reason, zone: &Zone) -> Local {
        match r.clone() {
            Reason::StartsTooFarAhead { days } => Local::StartsTooFarAhead { days },
            Reason::BeyondHorizon { days } => Local::BeyondHorizon { days },
            Reason::RecursWithoutEnd => Local::RecursWithoutEnd,
            Reason::TooShort { minutes } => Local::TooShort { minutes },
            Reason::TooLong { minutes } => Local::TooLong { minutes },
            Reason::RecurrenceNotAccepted => Local::RecurrenceNotAccepted,
            Reason::OutsideWorkingHours { at } => {
                Local::OutsideWorkingHours { at: instant(&at, zone) }
            }
            Reason::Conflicts { conflicting, total, first } => Local::Conflicts {
                conflicting,
                total,
                first: first.map(|t| instant(&t, zone)).unwrap_or_default(),
            },
            Reason::QuotaExceeded { needed, used, limit } => {
                Local::QuotaExceeded { needed, used, limit }
            }
            Reason::OrganiserNotPermitted => Local::OrganiserNotPermitted,
            Reason::OccurrencesDeclined { declined, total } => {
                Local::OccurrencesDeclined { declined, total }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn times_are_shown_in_the_given_zone() {
        use chrono::TimeZone;
        let t = Utc.with_ymd_and_hms(2027, 3, 10, 9, 0, 0).unwrap();
        let r = Reason::Conflicts { conflicting: 1, total: 1, first: Some(t) };
        let oslo = Zone::from_name("Europe/Oslo").unwrap();
        assert_eq!(
            render(Lang::En, &r, &oslo),
            "It conflicts with another booking at 2027-03-10 10:00 Europe/Oslo."
        );
        assert_eq!(
            render(Lang::En, &r, &Zone::Utc),
            "It conflicts with another booking at 2027-03-10 09:00 UTC."
        );
    }

    #[test]
    fn every_reason_renders_in_every_language() {
        let all = [
            Reason::StartsTooFarAhead { days: 90 },
            Reason::BeyondHorizon { days: 180 },
            Reason::RecursWithoutEnd,
            Reason::TooShort { minutes: 15 },
            Reason::TooLong { minutes: 240 },
            Reason::RecurrenceNotAccepted,
            Reason::OutsideWorkingHours { at: DateTime::<Utc>::UNIX_EPOCH },
            Reason::Conflicts { conflicting: 2, total: 5, first: None },
            Reason::Conflicts {
                conflicting: 1,
                total: 1,
                first: Some(DateTime::<Utc>::UNIX_EPOCH),
            },
            Reason::QuotaExceeded {
                needed: "PT2H".into(),
                used: "PT7H".into(),
                limit: "PT8H".into(),
            },
            Reason::OrganiserNotPermitted,
            Reason::OccurrencesDeclined { declined: 1, total: 4 },
        ];
        for r in &all {
            let en = render(Lang::En, r, &Zone::Utc);
            for l in Lang::ALL {
                let s = render(l, r, &Zone::Utc);
                assert!(s.ends_with('.'), "{l:?} {r:?}: {s}");
                if l != Lang::En {
                    assert_ne!(s, en, "{l:?} {r:?} is not translated");
                }
            }
        }
        assert_eq!(
            render(Lang::De, &all[0], &Zone::Utc),
            "Der Termin beginnt mehr als 90 Tage im Voraus."
        );
    }
}
