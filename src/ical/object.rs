//! [`Object`]: one scheduling component (a VEVENT, VFREEBUSY, …) together
//! with the VTIMEZONEs it refers to, kept in calcard's lossless model so that
//! everything a client wrote survives storage and forwarding. This module
//! holds construction and read accessors; edits live in `edit.rs`. Performs
//! no I/O.

use super::datetime::DateTimeValue;
use super::types::{ComponentKind, FbType, Transp};
use super::zone::{Zone, ZoneResolver};
use calcard::common::IanaString;
use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarComponentType, ICalendarEntry, ICalendarParameterName,
    ICalendarPeriod, ICalendarProperty, ICalendarRecurrenceRule, ICalendarValue,
};
use chrono::{DateTime, Duration, Utc};
use std::collections::{HashMap, HashSet};

/// One scheduling component and the time zones it needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    pub(super) cal: ICalendar,
    pub(super) main: usize,
}

/// The result of [`Object::split_within`].
#[derive(Debug, Clone, Default)]
pub struct Split {
    /// The objects kept.
    pub objects: Vec<Object>,
    /// How many scheduling components the calendar has.
    pub found: usize,
    /// Properties and components copied into the objects.
    pub entries: usize,
    /// The copies went over `max_entries`: no objects are returned.
    pub over_entries: bool,
}

/// An RDATE value.
#[derive(Debug, Clone, PartialEq)]
pub enum RDate {
    /// A date or date-time: an occurrence with the event's duration.
    At(DateTimeValue),
    /// A PERIOD: an occurrence with its own end.
    Period(DateTimeValue, DateTimeValue),
    /// A PERIOD given as start and duration.
    PeriodDuration(DateTimeValue, Duration),
}

impl Object {
    /// Splits a parsed calendar into its scheduling components, each with a
    /// copy of the calendar-level properties (except METHOD) and of the
    /// VTIMEZONEs it refers to.
    pub fn split(cal: &ICalendar) -> Vec<Object> {
        Object::split_within(cal, usize::MAX, usize::MAX).objects
    }

    /// [`Object::split`] keeping at most `max_objects` objects and copying at
    /// most about `max_entries` properties and components in all: each
    /// object carries its own copy of the time zones it uses, so a large
    /// VTIMEZONE shared by a thousand events would otherwise be copied a
    /// thousand times (issue 12).
    pub fn split_within(cal: &ICalendar, max_objects: usize, max_entries: usize) -> Split {
        let mut out = Split::default();
        let Some(root) = cal.components.first() else { return out };
        // TZID → the VTIMEZONEs defining it, with their position among the
        // calendar's components (copies keep the calendar's order).
        let mut timezones: HashMap<String, Vec<(usize, u32)>> = HashMap::new();
        for (pos, id) in root.component_ids.iter().enumerate() {
            let Some(c) = cal.components.get(*id as usize) else { continue };
            if c.component_type != ICalendarComponentType::VTimezone {
                continue;
            }
            let Some(tzid) = c.property(&ICalendarProperty::Tzid).and_then(|e| e.values.first())
            else {
                continue;
            };
            if let Some(tzid) = tzid.as_text() {
                timezones.entry(tzid.trim_matches('"').to_string()).or_default().push((pos, *id));
            }
        }
        for id in &root.component_ids {
            let Some(comp) = cal.components.get(*id as usize) else { continue };
            if matches!(
                comp.component_type,
                ICalendarComponentType::VTimezone | ICalendarComponentType::Other(_)
            ) {
                continue;
            }
            out.found += 1;
            if out.objects.len() >= max_objects {
                continue;
            }
            let mut new = ICalendar { components: vec![calendar_root(root)] };
            let mut needed: Vec<(usize, u32)> = referenced_tzids(cal, *id)
                .iter()
                .filter_map(|t| timezones.get(t))
                .flatten()
                .copied()
                .collect();
            needed.sort_unstable();
            for (_, tz_comp) in needed {
                let new_id = copy_subtree(cal, tz_comp, &mut new);
                new.components[0].component_ids.push(new_id);
            }
            let main = copy_subtree(cal, *id, &mut new);
            new.components[0].component_ids.push(main);
            out.entries = out
                .entries
                .saturating_add(new.components.iter().map(|c| c.entries.len() + 1).sum());
            if out.entries > max_entries {
                out.over_entries = true;
                out.objects.clear();
                return out;
            }
            out.objects.push(Object { cal: new, main: main as usize });
        }
        out
    }

    /// Parses a stored object (a VCALENDAR holding exactly one component).
    pub fn from_stored(text: &str) -> Option<Object> {
        let cal = ICalendar::parse(text).ok()?;
        Object::split(&cal).into_iter().next()
    }

    /// Creates an empty object of the given kind.
    pub fn new(kind: ComponentKind) -> Object {
        let mut root = ICalendarComponent::new(ICalendarComponentType::VCalendar);
        root.entries
            .push(text_entry(ICalendarProperty::Prodid, "-//imip-agent//imip-agent 0.1//EN"));
        root.entries.push(text_entry(ICalendarProperty::Version, "2.0"));
        let comp_type = match kind {
            ComponentKind::Event => ICalendarComponentType::VEvent,
            ComponentKind::FreeBusy => ICalendarComponentType::VFreebusy,
            ComponentKind::Todo => ICalendarComponentType::VTodo,
            ComponentKind::Journal => ICalendarComponentType::VJournal,
            ComponentKind::Availability => ICalendarComponentType::VAvailability,
            ComponentKind::Other => ICalendarComponentType::Other("X-UNKNOWN".into()),
        };
        root.component_ids.push(1);
        let cal = ICalendar { components: vec![root, ICalendarComponent::new(comp_type)] };
        Object { cal, main: 1 }
    }

    /// The underlying calendar (for the recurrence adapter and the writer).
    pub(crate) fn calendar(&self) -> &ICalendar {
        &self.cal
    }

    pub(super) fn comp(&self) -> &ICalendarComponent {
        &self.cal.components[self.main]
    }

    pub(super) fn comp_mut(&mut self) -> &mut ICalendarComponent {
        &mut self.cal.components[self.main]
    }

    /// The component kind.
    pub fn kind(&self) -> ComponentKind {
        match self.comp().component_type {
            ICalendarComponentType::VEvent => ComponentKind::Event,
            ICalendarComponentType::VFreebusy => ComponentKind::FreeBusy,
            ICalendarComponentType::VTodo => ComponentKind::Todo,
            ICalendarComponentType::VJournal => ComponentKind::Journal,
            ICalendarComponentType::VAvailability => ComponentKind::Availability,
            _ => ComponentKind::Other,
        }
    }

    /// The zone resolver for this object's TZIDs.
    pub fn zones(&self, default: Zone) -> ZoneResolver {
        ZoneResolver::for_calendar(&self.cal, default)
    }

    pub(super) fn first(&self, prop: &ICalendarProperty) -> Option<&ICalendarEntry> {
        self.comp().property(prop)
    }

    /// The text of the first value of a property.
    pub fn text(&self, prop: &ICalendarProperty) -> Option<String> {
        let e = self.first(prop)?;
        e.values.first().and_then(|v| v.as_text()).map(str::to_string)
    }

    /// UID.
    pub fn uid(&self) -> Option<String> {
        self.text(&ICalendarProperty::Uid).map(|u| u.trim().to_string()).filter(|u| !u.is_empty())
    }

    /// SUMMARY.
    pub fn summary(&self) -> Option<String> {
        self.text(&ICalendarProperty::Summary)
    }

    /// STATUS, upper-cased.
    pub fn status(&self) -> Option<String> {
        let e = self.first(&ICalendarProperty::Status)?;
        match e.values.first()? {
            ICalendarValue::Status(s) => Some(s.as_str().to_string()),
            other => other.as_text().map(|t| t.to_ascii_uppercase()),
        }
    }

    /// SEQUENCE, when present and numeric.
    pub fn sequence(&self) -> Option<i64> {
        let e = self.first(&ICalendarProperty::Sequence)?;
        match e.values.first()? {
            ICalendarValue::Integer(i) => Some(*i),
            other => other.as_text().and_then(|t| t.trim().parse().ok()),
        }
    }

    /// DTSTAMP as an instant.
    pub fn dtstamp(&self) -> Option<DateTime<Utc>> {
        let v = self.datetime(&ICalendarProperty::Dtstamp)?;
        v.to_utc(&ZoneResolver::empty(Zone::Utc))
    }

    /// A date or date-time property with its TZID.
    pub fn datetime(&self, prop: &ICalendarProperty) -> Option<DateTimeValue> {
        let e = self.first(prop)?;
        let p = e.values.first()?.as_partial_date_time()?;
        DateTimeValue::from_partial(p, e.tz_id())
    }

    /// DTSTART.
    pub fn dtstart(&self) -> Option<DateTimeValue> {
        self.datetime(&ICalendarProperty::Dtstart)
    }

    /// DTEND.
    pub fn dtend(&self) -> Option<DateTimeValue> {
        self.datetime(&ICalendarProperty::Dtend)
    }

    /// RECURRENCE-ID.
    pub fn recurrence_id(&self) -> Option<DateTimeValue> {
        self.datetime(&ICalendarProperty::RecurrenceId)
    }

    /// Whether RECURRENCE-ID carries RANGE=THISANDFUTURE (Lotus Notes sends it;
    /// like imip-agent 0.3 we treat such an object as one occurrence).
    pub fn is_this_and_future(&self) -> bool {
        self.first(&ICalendarProperty::RecurrenceId)
            .is_some_and(|e| e.parameter(&ICalendarParameterName::Range).is_some())
    }

    /// The normalised RECURRENCE-ID key ("" for a parent or single event).
    pub fn rid_key(&self, zones: &ZoneResolver) -> String {
        self.recurrence_id().map(|r| r.rid_key(zones)).unwrap_or_default()
    }

    /// Which instance this component is: the master, or the occurrence its
    /// RECURRENCE-ID names (keyed as [`DateTimeValue::rid_key`]).
    pub fn instance(&self, zones: &ZoneResolver) -> super::Instance {
        super::Instance::of(self.recurrence_id().as_ref(), zones)
    }

    /// DURATION.
    pub fn duration(&self) -> Option<Duration> {
        let e = self.first(&ICalendarProperty::Duration)?;
        match e.values.first()? {
            ICalendarValue::Duration(d) => d.to_time_delta(),
            _ => None,
        }
    }

    /// The RRULE (first one; RFC 5545 deprecates several).
    pub fn rrule(&self) -> Option<&ICalendarRecurrenceRule> {
        self.comp().properties(&ICalendarProperty::Rrule).find_map(|e| match e.values.first() {
            Some(ICalendarValue::RecurrenceRule(r)) => Some(r.as_ref()),
            _ => None,
        })
    }

    /// Every RRULE: RFC 2445 allowed several, RFC 5545 deprecates but does
    /// not forbid them, and real data (Lotus Notes time zones, some test
    /// suites) carries them; the occurrences are their union.
    pub fn rrules(&self) -> Vec<&ICalendarRecurrenceRule> {
        self.rules(ICalendarProperty::Rrule)
    }

    /// Every EXRULE (RFC 2445): the occurrences they generate are excluded.
    pub fn exrules(&self) -> Vec<&ICalendarRecurrenceRule> {
        self.rules(ICalendarProperty::Exrule)
    }

    fn rules(&self, prop: ICalendarProperty) -> Vec<&ICalendarRecurrenceRule> {
        self.comp()
            .entries
            .iter()
            .filter(|e| e.name == prop)
            .filter_map(|e| match e.values.first() {
                Some(ICalendarValue::RecurrenceRule(r)) => Some(r.as_ref()),
                _ => None,
            })
            .collect()
    }

    /// Whether the object recurs (RRULE or RDATE).
    pub fn is_recurring(&self) -> bool {
        self.rrule().is_some() || self.first(&ICalendarProperty::Rdate).is_some()
    }

    /// Whether the recurrence has no end (an RRULE without COUNT or UNTIL).
    pub fn is_open_ended(&self) -> bool {
        self.rrules().iter().any(|r| r.count.is_none() && r.until.is_none())
    }

    /// RDATE values.
    pub fn rdates(&self) -> Vec<RDate> {
        let mut out = Vec::new();
        for e in self.comp().properties(&ICalendarProperty::Rdate) {
            let tz = e.tz_id();
            for v in &e.values {
                match v {
                    ICalendarValue::PartialDateTime(p) => {
                        if let Some(d) = DateTimeValue::from_partial(p, tz) {
                            out.push(RDate::At(d));
                        }
                    }
                    ICalendarValue::Period(ICalendarPeriod::Range { start, end }) => {
                        if let (Some(s), Some(e)) = (
                            DateTimeValue::from_partial(start, tz),
                            DateTimeValue::from_partial(end, tz),
                        ) {
                            out.push(RDate::Period(s, e));
                        }
                    }
                    ICalendarValue::Period(ICalendarPeriod::Duration { start, duration }) => {
                        if let (Some(s), Some(d)) =
                            (DateTimeValue::from_partial(start, tz), duration.to_time_delta())
                        {
                            out.push(RDate::PeriodDuration(s, d));
                        }
                    }
                    _ => {}
                }
            }
        }
        out
    }

    /// EXDATE values.
    pub fn exdates(&self) -> Vec<DateTimeValue> {
        let mut out = Vec::new();
        for e in self.comp().properties(&ICalendarProperty::Exdate) {
            let tz = e.tz_id();
            for v in &e.values {
                if let Some(d) =
                    v.as_partial_date_time().and_then(|p| DateTimeValue::from_partial(p, tz))
                {
                    out.push(d);
                }
            }
        }
        out
    }

    /// TRANSP (OPAQUE when absent).
    pub fn transp(&self) -> Transp {
        match self.first(&ICalendarProperty::Transp).and_then(|e| e.values.first()) {
            Some(ICalendarValue::Transparency(t)) => Transp::parse(t.as_str()),
            Some(other) => other.as_text().map(Transp::parse).unwrap_or(Transp::Opaque),
            None => Transp::Opaque,
        }
    }

    /// Whether the component has the property at least once.
    pub fn has_property(&self, prop: &ICalendarProperty) -> bool {
        self.comp().properties(prop).next().is_some()
    }

    /// Whether an event has what imip-agent needs to schedule it: DTSTART and
    /// either DTEND or DURATION (RFC 5546 makes one of them required in
    /// REQUEST and PUBLISH; a VEVENT with a DATE DTSTART alone is accepted as
    /// an all-day event, RFC 5545 §3.6.1).
    pub fn has_period(&self) -> bool {
        match self.dtstart() {
            Some(DateTimeValue::Date(_)) => true,
            Some(_) => self.dtend().is_some() || self.duration().is_some(),
            None => false,
        }
    }

    /// FREEBUSY periods of a VFREEBUSY, as UTC instants.
    pub fn freebusy_periods(&self) -> Vec<(FbType, DateTime<Utc>, DateTime<Utc>)> {
        let zones = ZoneResolver::empty(Zone::Utc);
        let mut out = Vec::new();
        for e in self.comp().properties(&ICalendarProperty::Freebusy) {
            let fbtype = e
                .parameter(&ICalendarParameterName::Fbtype)
                .and_then(|p| p.as_text())
                .map(|t| match t.to_ascii_uppercase().as_str() {
                    "FREE" => FbType::Free,
                    "BUSY-UNAVAILABLE" => FbType::BusyUnavailable,
                    "BUSY-TENTATIVE" => FbType::BusyTentative,
                    _ => FbType::Busy,
                })
                .unwrap_or(FbType::Busy);
            for v in &e.values {
                let ICalendarValue::Period(p) = v else { continue };
                let (start, end) = match p {
                    ICalendarPeriod::Range { start, end } => (
                        DateTimeValue::from_partial(start, None).and_then(|d| d.to_utc(&zones)),
                        DateTimeValue::from_partial(end, None).and_then(|d| d.to_utc(&zones)),
                    ),
                    ICalendarPeriod::Duration { start, duration } => {
                        let s =
                            DateTimeValue::from_partial(start, None).and_then(|d| d.to_utc(&zones));
                        (s, s.zip(duration.to_time_delta()).map(|(s, d)| s + d))
                    }
                };
                if let (Some(s), Some(e)) = (start, end)
                    && e >= s
                {
                    out.push((fbtype.clone(), s, e));
                }
            }
        }
        out
    }

    /// The sub-components of the main component (e.g. the AVAILABLE
    /// blocks of a VAVAILABILITY) as stand-alone event objects with this
    /// object's time zones, so that they can be expanded like events.
    pub fn children_as_events(&self) -> Vec<Object> {
        let mut out = Vec::new();
        for id in &self.comp().component_ids {
            let mut cal = ICalendar { components: vec![self.cal.components[0].clone()] };
            cal.components[0].component_ids.clear();
            for tz in &self.cal.components[0].component_ids {
                if self
                    .cal
                    .components
                    .get(*tz as usize)
                    .is_some_and(|c| c.component_type == ICalendarComponentType::VTimezone)
                {
                    let n = copy_subtree(&self.cal, *tz, &mut cal);
                    cal.components[0].component_ids.push(n);
                }
            }
            let main = copy_subtree(&self.cal, *id, &mut cal);
            cal.components[main as usize].component_type = ICalendarComponentType::VEvent;
            cal.components[0].component_ids.push(main);
            out.push(Object { cal, main: main as usize });
        }
        out
    }

    /// Names of the properties present, for diagnostics and tests.
    pub fn property_names(&self) -> Vec<String> {
        self.comp().entries.iter().map(|e| e.name.as_str().to_string()).collect()
    }
}

pub(super) fn text_entry(prop: ICalendarProperty, value: &str) -> ICalendarEntry {
    ICalendarEntry {
        name: prop,
        params: Vec::new(),
        values: vec![ICalendarValue::Text(value.to_string())],
    }
}

/// Calendar-level properties copied into each object at most: real
/// calendars have a handful (PRODID, VERSION, CALSCALE, X-WR-…); a hostile
/// one with thousands would be copied into each of its events.
const MAX_ROOT_ENTRIES: usize = 64;

fn calendar_root(root: &ICalendarComponent) -> ICalendarComponent {
    let mut new = ICalendarComponent::new(ICalendarComponentType::VCalendar);
    new.entries = root
        .entries
        .iter()
        .filter(|e| e.name != ICalendarProperty::Method)
        .take(MAX_ROOT_ENTRIES)
        .cloned()
        .collect();
    if !new.entries.iter().any(|e| e.name == ICalendarProperty::Version) {
        new.entries.push(text_entry(ICalendarProperty::Version, "2.0"));
    }
    if !new.entries.iter().any(|e| e.name == ICalendarProperty::Prodid) {
        new.entries
            .insert(0, text_entry(ICalendarProperty::Prodid, "-//imip-agent//imip-agent 0.1//EN"));
    }
    new
}

/// Copies the component `id` of `from` and its descendants into `to`,
/// returning the new id of the copy. Iterative, so that a deeply nested
/// hostile calendar cannot exhaust the stack; linear in the size of the
/// subtree (a map from old to new ids, not list scans: issue 12 measured
/// 250,000 nested components at two minutes with the scans).
pub(super) fn copy_subtree(from: &ICalendar, id: u32, to: &mut ICalendar) -> u32 {
    // Old id → new id; also marks what was copied, so that a component
    // listed twice (calcard never does this) is copied once.
    let mut map: HashMap<u32, u32> = HashMap::new();
    let mut copied: Vec<u32> = Vec::new();
    let mut stack = vec![id];
    while let Some(cur) = stack.pop() {
        if map.contains_key(&cur) {
            continue;
        }
        let Some(comp) = from.components.get(cur as usize) else { continue };
        let new_id = to.components.len() as u32;
        to.components.push(ICalendarComponent {
            component_type: comp.component_type.clone(),
            entries: comp.entries.clone(),
            component_ids: Vec::new(),
        });
        map.insert(cur, new_id);
        copied.push(cur);
        stack.extend(comp.component_ids.iter().rev().filter(|c| !map.contains_key(c)));
    }
    for old in &copied {
        let (Some(comp), Some(new)) = (from.components.get(*old as usize), map.get(old)) else {
            continue;
        };
        let children: Vec<u32> =
            comp.component_ids.iter().filter_map(|c| map.get(c).copied()).collect();
        to.components[*new as usize].component_ids = children;
    }
    map.get(&id).copied().unwrap_or(0)
}

/// The TZIDs used anywhere in the component `id` and its descendants.
fn referenced_tzids(cal: &ICalendar, id: u32) -> HashSet<String> {
    let mut out: HashSet<String> = HashSet::new();
    let mut stack = vec![id];
    let mut seen = 0usize;
    while let Some(cur) = stack.pop() {
        seen += 1;
        if seen > cal.components.len() {
            break;
        }
        let Some(comp) = cal.components.get(cur as usize) else { continue };
        for e in &comp.entries {
            if let Some(t) = e.tz_id() {
                let t = t.trim_matches('"');
                if !out.contains(t) {
                    out.insert(t.to_string());
                }
            }
        }
        stack.extend(comp.component_ids.iter().copied());
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const TWO: &str = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nPRODID:-//x//y//EN\r\nVERSION:2.0\r\nX-WR-CALNAME:Work\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/Oslo\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nBEGIN:VTIMEZONE\r\nTZID:Unused\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:a\r\nSEQUENCE:2\r\nDTSTART;TZID=Europe/Oslo:20270101T100000\r\nDURATION:PT1H\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:a\r\nRECURRENCE-ID:20270102T090000Z\r\nDTSTART:20270102T120000Z\r\nDTEND:20270102T130000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    #[test]
    fn split_keeps_needed_timezones_and_subcomponents() {
        let cal = ICalendar::parse(TWO).unwrap();
        let objs = Object::split(&cal);
        assert_eq!(objs.len(), 2);
        let first = &objs[0];
        assert_eq!(first.uid().as_deref(), Some("a"));
        assert_eq!(first.sequence(), Some(2));
        assert_eq!(first.duration(), Some(Duration::hours(1)));
        let text = first.to_ics();
        assert!(text.contains("TZID:Europe/Oslo"));
        assert!(!text.contains("TZID:Unused"));
        assert!(text.contains("BEGIN:VALARM"));
        assert!(text.contains("X-WR-CALNAME:Work"));
        assert!(!text.contains("METHOD"));
        let second = &objs[1];
        assert_eq!(second.rid_key(&ZoneResolver::empty(Zone::Utc)), "20270102T090000Z");
        // Round trip through storage.
        let again = Object::from_stored(&text).unwrap();
        assert_eq!(again.to_ics(), text);
    }

    /// A VCALENDAR holding one VEVENT with `n` components below it, nested
    /// (each inside the previous) or flat.
    fn deep_calendar(n: u32, nested: bool) -> ICalendar {
        let mut root = ICalendarComponent::new(ICalendarComponentType::VCalendar);
        root.component_ids.push(1);
        let mut ev = ICalendarComponent::new(ICalendarComponentType::VEvent);
        ev.entries.push(text_entry(ICalendarProperty::Uid, "deep"));
        let mut comps = vec![root, ev];
        for i in 0..n {
            let id = i + 2;
            let parent = if nested { id - 1 } else { 1 };
            comps[parent as usize].component_ids.push(id);
            comps.push(ICalendarComponent::new(ICalendarComponentType::Other("X".into())));
        }
        ICalendar { components: comps }
    }

    #[test]
    fn copying_is_linear_in_nested_and_flat_components() {
        // Quadratic scans took minutes here (issue 12); a linear copy takes
        // well under a second even unoptimised.
        for nested in [true, false] {
            let cal = deep_calendar(100_000, nested);
            let t = std::time::Instant::now();
            let objs = Object::split(&cal);
            assert!(t.elapsed() < std::time::Duration::from_secs(5), "{:?}", t.elapsed());
            assert_eq!(objs.len(), 1);
            assert_eq!(objs[0].cal.components.len(), 100_002, "root, event and every child");
            let main = &objs[0].cal.components[objs[0].main];
            assert_eq!(main.component_ids.len(), if nested { 1 } else { 100_000 });
        }
    }

    #[test]
    fn splitting_stops_when_copies_exceed_the_bound() {
        // One VTIMEZONE of 300 properties shared by 50 events: 15,000 copies.
        let mut tz = String::from("BEGIN:VTIMEZONE\r\nTZID:Big\r\n");
        tz.push_str(&"X-PAD:1\r\n".repeat(300));
        tz.push_str("END:VTIMEZONE\r\n");
        let events: String = (0..50)
            .map(|i| {
                format!(
                    "BEGIN:VEVENT\r\nUID:{i}\r\nDTSTART;TZID=Big:20270101T100000\r\nEND:VEVENT\r\n"
                )
            })
            .collect();
        let cal =
            ICalendar::parse(format!("BEGIN:VCALENDAR\r\n{tz}{events}END:VCALENDAR\r\n")).unwrap();
        let all = Object::split_within(&cal, 1000, usize::MAX);
        assert_eq!((all.objects.len(), all.found), (50, 50));
        assert!(all.entries > 15_000 && !all.over_entries, "{}", all.entries);
        let capped = Object::split_within(&cal, 1000, 10_000);
        assert!(capped.over_entries && capped.objects.is_empty());
        let few = Object::split_within(&cal, 3, usize::MAX);
        assert_eq!((few.objects.len(), few.found), (3, 50));
    }

    #[test]
    fn calendar_level_properties_are_copied_up_to_a_bound() {
        let pads = "X-PAD:1\r\n".repeat(500);
        let cal = ICalendar::parse(format!(
            "BEGIN:VCALENDAR\r\nPRODID:-//x//y//EN\r\nVERSION:2.0\r\n{pads}BEGIN:VEVENT\r\nUID:a\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        ))
        .unwrap();
        let objs = Object::split(&cal);
        let root = &objs[0].cal.components[0];
        assert_eq!(root.entries.len(), MAX_ROOT_ENTRIES);
        assert!(objs[0].to_ics().contains("PRODID:-//x//y//EN"));
    }
}
