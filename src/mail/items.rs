//! From calendar parts to iTIP items: the METHOD checks of imip-agent 3.1
//! with the client leniencies, and de-duplication of calendars sent twice.
//! The message's work budget (`crate::budget`) is charged here for its
//! components and lines (counted on the text, before parsing), modified
//! occurrences and recurrence rules: a message over budget yields no items
//! and the note "not acted on: too costly (…)".
//! Performs no I/O.

use super::extract::InboundMessage;
use crate::budget::{Budget, BudgetLimits, TooCostly, Work};
use crate::ical::parse::{ParseLimits, parse_calendar_text, text_cost};
use crate::ical::quirks::exchange_duplicate_components;
use crate::ical::{Method, Object, Zone, ZoneResolver};
use crate::recur::candidates_per_step;
use std::collections::HashSet;

/// One scheduling component to act on, with the method it came with.
#[derive(Debug, Clone)]
pub struct ItipItem {
    /// The effective iTIP method.
    pub method: Method,
    /// The component.
    pub object: Object,
}

/// The iTIP content of a message.
#[derive(Debug, Clone, Default)]
pub struct ItemsOutcome {
    /// Items to act on, in message order.
    pub items: Vec<ItipItem>,
    /// Whether the message carries scheduling content at all (a calendar
    /// part with a method); a message that does not is delivered unchanged.
    pub handled: bool,
    /// What was skipped and why.
    pub notes: Vec<String>,
    /// The message's work budget, charged with its components, overrides
    /// and rules. The agents charge the occurrences they expand against a
    /// copy of it per recipient ([`Budget::charge_occurrences`]).
    pub budget: Budget,
    /// Why the message is not acted on, when it is over budget (then
    /// `items` is empty and `handled` false, so that people still get it).
    pub too_costly: Option<TooCostly>,
}

impl ItemsOutcome {
    /// Drops the items of a message over budget, with the note saying why.
    fn refuse(&mut self, e: TooCostly) {
        self.notes.push(format!("not acted on: {e}"));
        self.items.clear();
        self.handled = false;
        self.too_costly = Some(e);
    }
}

/// Kontact (KDE PIM) sends a COUNTER in a part labelled `method=REQUEST`;
/// with `counter_as_request` set it is taken as the COUNTER it is.
fn counter_labelled_request(
    param: &Method,
    inner: &Method,
    counter_as_request: bool,
) -> Option<(Method, String)> {
    (counter_as_request && *param == Method::Request && *inner == Method::Counter).then(|| {
        (
            Method::Counter,
            "COUNTER in a part labelled method=REQUEST accepted as COUNTER (Kontact)".into(),
        )
    })
}

/// Lotus Notes-style mail and some Thunderbird samples put the method only
/// in the Content-Type; the calendar has no METHOD.
fn method_from_content_type(param: &Method) -> (Method, String) {
    (param.clone(), format!("no METHOD in the calendar; method={param} from the Content-Type used"))
}

/// Apple Mail (and some attachments) label the part without a `method`
/// parameter; the calendar's METHOD is used (imip-agent 0.3 ignored them).
fn method_from_calendar_only(inner: &Method) -> (Method, String) {
    (
        inner.clone(),
        format!(
            "no method parameter on the part; METHOD:{inner} from the calendar used (Apple Mail and some attachments do this)"
        ),
    )
}

/// Decides the method of one calendar from the part's `method` parameter and
/// the calendar's METHOD property.
fn effective_method(
    param: Option<&Method>,
    inner: Option<&Method>,
    counter_as_request: bool,
) -> Result<(Method, Option<String>), String> {
    match (param, inner) {
        (Some(p), Some(i)) if p == i => Ok((i.clone(), None)),
        (Some(p), Some(i)) => match counter_labelled_request(p, i, counter_as_request) {
            Some((m, note)) => Ok((m, Some(note))),
            None => Err(format!("METHOD {i} contradicts the part's method={p}; calendar ignored")),
        },
        (Some(p), None) => {
            let (m, note) = method_from_content_type(p);
            Ok((m, Some(note)))
        }
        (None, Some(i)) => {
            let (m, note) = method_from_calendar_only(i);
            Ok((m, Some(note)))
        }
        (None, None) => {
            Err("neither a method parameter nor a METHOD property: not an iTIP message".into())
        }
    }
}

/// Thunderbird Lightning and Google send the same calendar inline and as an
/// `application/ics` attachment (Exchange repeats a VEVENT inside one
/// calendar, see `ical::quirks::exchange_duplicate_components`): an item
/// whose (method, kind, UID, RECURRENCE-ID, SEQUENCE) was seen is dropped.
/// Returns whether `key` is new.
fn dedupe_duplicate_calendar_parts(seen: &mut HashSet<ItemKey>, key: ItemKey) -> bool {
    seen.insert(key)
}

/// (method, kind, UID, RECURRENCE-ID, SEQUENCE)
type ItemKey = (String, String, Option<String>, String, Option<i64>);

/// Scheduling objects acted on per message at most; real clients send one
/// event with at most some hundreds of modified occurrences.
pub const MAX_ITEMS_PER_MESSAGE: usize = 1000;

/// Recurring objects (with RRULE) acted on per message at most. Expanding
/// one rule may cost up to ~0.15 s at the expansion caps (FREQ=SECONDLY);
/// without this a message of a thousand such events would take minutes.
/// Real messages carry one series (its overrides have no RRULE).
pub const MAX_RECURRING_ITEMS_PER_MESSAGE: usize = 20;

/// Extracts the items of a message within the default budget
/// ([`extract_items_within`]).
pub fn extract_items(msg: &InboundMessage, counter_as_request: bool) -> ItemsOutcome {
    extract_items_within(msg, counter_as_request, BudgetLimits::default())
}

/// Extracts the items of a message, charging a work budget with `limits`.
/// Bounces yield nothing (their calendars are copies of what was sent, not
/// new scheduling messages).
pub fn extract_items_within(
    msg: &InboundMessage,
    counter_as_request: bool,
    limits: BudgetLimits,
) -> ItemsOutcome {
    let mut out = ItemsOutcome { budget: Budget::new(limits), ..ItemsOutcome::default() };
    if let Err(e) = collect(msg, counter_as_request, &mut out) {
        out.refuse(e);
    }
    out
}

fn collect(
    msg: &InboundMessage,
    counter_as_request: bool,
    out: &mut ItemsOutcome,
) -> Result<(), TooCostly> {
    if msg.is_bounce {
        if !msg.calendar_parts.is_empty() {
            out.notes.push("delivery status notification: its calendar is not acted on".into());
        }
        return Ok(());
    }
    let zones = ZoneResolver::empty(Zone::Utc);
    let mut seen: HashSet<ItemKey> = HashSet::new();
    let mut recurring = 0usize;
    let mut capped = false;
    for (i, part) in msg.calendar_parts.iter().enumerate() {
        // Counted on the text first: a part over budget is never parsed.
        let left = out.budget.components_left();
        let cost = text_cost(&part.text);
        if cost.components > left {
            out.budget.charge_components(cost.components)?;
        }
        out.budget.charge_values(cost.values)?;
        let limits = ParseLimits { max_components: left, ..ParseLimits::default() };
        let parsed = parse_calendar_text(&part.text, limits);
        out.budget.charge_components(parsed.components)?;
        if let Some(cal) = parsed.calendars.iter().find(|c| c.over_copies) {
            return Err(TooCostly {
                what: Work::Copies,
                amount: cal.copied_entries as u64,
                limit: limits.max_copied_entries as u64,
            });
        }
        for d in parsed.diagnostics {
            out.notes.push(format!("part {}: {d}", i + 1));
        }
        for cal in parsed.calendars {
            let (method, note) = match effective_method(
                part.method_param.as_ref(),
                cal.method.as_ref(),
                counter_as_request,
            ) {
                Ok(m) => m,
                Err(e) => {
                    out.notes.push(format!("part {}: {e}", i + 1));
                    continue;
                }
            };
            if let Some(n) = note {
                out.notes.push(format!("part {}: {n}", i + 1));
            }
            out.handled = true;
            for object in exchange_duplicate_components(cal.objects) {
                let key = (
                    method.as_str().to_string(),
                    object.kind().as_str().to_string(),
                    object.uid(),
                    object.rid_key(&zones),
                    object.sequence(),
                );
                if !dedupe_duplicate_calendar_parts(&mut seen, key) {
                    out.notes.push(format!(
                        "part {}: duplicate of an earlier calendar part; ignored",
                        i + 1
                    ));
                    continue;
                }
                if out.items.len() >= MAX_ITEMS_PER_MESSAGE {
                    capped = true;
                    break;
                }
                if object.recurrence_id().is_some() {
                    out.budget.charge_override(&object.uid().unwrap_or_default())?;
                }
                let rules: Vec<_> = object.rrules().into_iter().chain(object.exrules()).collect();
                for rule in &rules {
                    out.budget.check_rule_candidates(candidates_per_step(rule))?;
                }
                if !rules.is_empty() {
                    if recurring >= MAX_RECURRING_ITEMS_PER_MESSAGE {
                        out.notes.push(format!(
                            "part {}: more than {MAX_RECURRING_ITEMS_PER_MESSAGE} recurring events in one message; {} ignored",
                            i + 1,
                            object.uid().unwrap_or_default()
                        ));
                        continue;
                    }
                    recurring += 1;
                }
                out.items.push(ItipItem { method: method.clone(), object });
            }
        }
    }
    if capped {
        out.notes.push(format!(
            "more than {MAX_ITEMS_PER_MESSAGE} scheduling objects in one message; the rest ignored"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::{InboundMessage, MailLimits};

    fn items(raw: &str) -> ItemsOutcome {
        extract_items(&InboundMessage::parse(raw.as_bytes(), &MailLimits::default()), true)
    }

    const EV: &str = "BEGIN:VEVENT\r\nUID:1\r\nSEQUENCE:0\r\nDTSTART:20270101T100000Z\r\nDTEND:20270101T110000Z\r\nEND:VEVENT\r\n";

    #[test]
    fn mismatch_is_ignored_and_counter_leniency_applies() {
        let meetup = format!(
            "Content-Type: text/calendar; method=REQUEST\r\n\r\nBEGIN:VCALENDAR\r\nMETHOD:PUBLISH\r\n{EV}END:VCALENDAR\r\n"
        );
        let o = items(&meetup);
        assert!(o.items.is_empty());
        assert!(!o.handled);
        let kontact = format!(
            "Content-Type: text/calendar; method=REQUEST\r\n\r\nBEGIN:VCALENDAR\r\nMETHOD:COUNTER\r\n{EV}END:VCALENDAR\r\n"
        );
        assert_eq!(items(&kontact).items[0].method, Method::Counter);
    }

    #[test]
    fn method_from_either_side() {
        let no_method = format!(
            "Content-Type: text/calendar; method=CANCEL\r\n\r\nBEGIN:VCALENDAR\r\n{EV}END:VCALENDAR\r\n"
        );
        assert_eq!(items(&no_method).items[0].method, Method::Cancel);
        let apple = format!(
            "Content-Type: text/calendar\r\n\r\nBEGIN:VCALENDAR\r\nMETHOD:REPLY\r\n{EV}END:VCALENDAR\r\n"
        );
        assert_eq!(items(&apple).items[0].method, Method::Reply);
        let zoom =
            format!("Content-Type: text/calendar\r\n\r\nBEGIN:VCALENDAR\r\n{EV}END:VCALENDAR\r\n");
        let z = items(&zoom);
        assert!(z.items.is_empty() && !z.handled);
    }

    #[test]
    fn duplicated_parts_are_processed_once() {
        let cal = format!("BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\n{EV}END:VCALENDAR\r\n");
        let raw = format!(
            "Content-Type: multipart/mixed; boundary=X\r\n\r\n--X\r\nContent-Type: text/calendar; method=REQUEST\r\n\r\n{cal}\r\n--X\r\nContent-Type: application/ics; name=invite.ics\r\nContent-Disposition: attachment; filename=invite.ics\r\n\r\n{cal}\r\n--X--\r\n"
        );
        let o = items(&raw);
        assert_eq!(o.items.len(), 1);
        assert!(o.notes.iter().any(|n| n.contains("duplicate")));
    }

    fn events(from: usize, to: usize, rrule: &str) -> String {
        (from..to)
            .map(|i| {
                format!(
                    "BEGIN:VEVENT\r\nUID:{i}\r\nDTSTART:20270101T100000Z\r\nDTEND:20270101T110000Z\r\n{rrule}END:VEVENT\r\n"
                )
            })
            .collect()
    }

    #[test]
    fn items_per_message_are_capped() {
        let cals = format!(
            "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\n{}END:VCALENDAR\r\nBEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\n{}END:VCALENDAR\r\n",
            events(0, 600, ""),
            events(600, 1200, "")
        );
        let o = items(&format!("Content-Type: text/calendar; method=REQUEST\r\n\r\n{cals}"));
        assert_eq!(o.items.len(), MAX_ITEMS_PER_MESSAGE);
        assert!(o.notes.iter().any(|n| n.contains("the rest ignored")), "{:?}", o.notes);
    }

    fn items_within(raw: &str, limits: BudgetLimits) -> ItemsOutcome {
        let msg = InboundMessage::parse(raw.as_bytes(), &MailLimits::default());
        extract_items_within(&msg, true, limits)
    }

    fn request(body: &str) -> String {
        format!(
            "Content-Type: text/calendar; method=REQUEST\r\n\r\nBEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\n{body}END:VCALENDAR\r\n"
        )
    }

    fn refused(o: &ItemsOutcome, what: crate::budget::Work) {
        assert!(o.items.is_empty() && !o.handled, "{:?}", o.notes);
        assert_eq!(o.too_costly.as_ref().map(|e| e.what), Some(what), "{:?}", o.notes);
        assert!(
            o.notes.iter().any(|n| n.starts_with("not acted on: too costly (")),
            "{:?}",
            o.notes
        );
    }

    #[test]
    fn a_message_within_budget_carries_its_charges() {
        let o = items_within(&request(EV), BudgetLimits::default());
        assert_eq!(o.items.len(), 1);
        assert!(o.too_costly.is_none());
        assert_eq!(o.budget.components_left(), BudgetLimits::default().components - 2);
    }

    #[test]
    fn too_many_components_are_refused_before_parsing() {
        let alarms = "BEGIN:VALARM\r\nEND:VALARM\r\n".repeat(10);
        let ev = format!("BEGIN:VEVENT\r\nUID:1\r\n{alarms}END:VEVENT\r\n");
        let limits = BudgetLimits { components: 11, ..BudgetLimits::default() };
        let o = items_within(&request(&ev), limits);
        refused(&o, crate::budget::Work::Components);
        assert!(
            o.notes
                .iter()
                .any(|n| n == "not acted on: too costly (calendar components: 12, limit 11)"),
            "{:?}",
            o.notes
        );
        assert_eq!(
            items_within(&request(&ev), BudgetLimits { components: 12, ..limits }).items.len(),
            1
        );
    }

    #[test]
    fn too_many_values_are_refused() {
        let dates: Vec<String> = (1..=9).map(|d| format!("2027010{d}T100000Z")).collect();
        let ev = format!(
            "BEGIN:VEVENT\r\nUID:1\r\nDTSTART:20270101T100000Z\r\nEXDATE:{}\r\nEND:VEVENT\r\n",
            dates.join(",")
        );
        let o = items_within(&request(&ev), BudgetLimits { values: 12, ..BudgetLimits::default() });
        refused(&o, crate::budget::Work::Values);
        let o =
            items_within(&request(&ev), BudgetLimits { values: 100, ..BudgetLimits::default() });
        assert_eq!(o.items.len(), 1);
    }

    #[test]
    fn too_many_overrides_of_one_event_are_refused() {
        let over = |uid: &str, day: u32| {
            format!(
                "BEGIN:VEVENT\r\nUID:{uid}\r\nRECURRENCE-ID:202701{day:02}T100000Z\r\nDTSTART:202701{day:02}T110000Z\r\nEND:VEVENT\r\n"
            )
        };
        let limits = BudgetLimits { overrides_per_master: 2, ..BudgetLimits::default() };
        let two_each = format!("{}{}{}{}", over("a", 1), over("a", 2), over("b", 1), over("b", 2));
        assert_eq!(items_within(&request(&two_each), limits).items.len(), 4);
        let three = format!("{two_each}{}", over("a", 3));
        refused(&items_within(&request(&three), limits), crate::budget::Work::Overrides);
    }

    #[test]
    fn a_rule_with_too_many_candidates_per_step_is_refused() {
        let ev = |rule: &str| {
            format!(
                "BEGIN:VEVENT\r\nUID:1\r\nDTSTART:20270101T100000Z\r\nRRULE:{rule}\r\nEND:VEVENT\r\n"
            )
        };
        let o = items_within(
            &request(&ev("FREQ=DAILY;BYHOUR=8,9,10;BYMINUTE=0,30")),
            BudgetLimits { rule_candidates: 5, ..BudgetLimits::default() },
        );
        refused(&o, crate::budget::Work::RuleCandidates);
        assert!(o.notes.iter().any(|n| n.contains("candidate times in one step of a recurrence rule: 6, limit 5")));
        let o = items_within(
            &request(&ev("FREQ=DAILY;BYHOUR=8,9,10;BYMINUTE=0,30")),
            BudgetLimits::default(),
        );
        assert_eq!(o.items.len(), 1);
    }

    #[test]
    fn recurring_items_per_message_are_capped() {
        let n = MAX_RECURRING_ITEMS_PER_MESSAGE + 5;
        let cal = format!(
            "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\n{}{}END:VCALENDAR\r\n",
            events(0, n, "RRULE:FREQ=SECONDLY\r\n"),
            events(n, n + 3, "")
        );
        let o = items(&format!("Content-Type: text/calendar; method=REQUEST\r\n\r\n{cal}"));
        assert_eq!(
            o.items.len(),
            MAX_RECURRING_ITEMS_PER_MESSAGE + 3,
            "one-off events still count"
        );
        assert_eq!(o.notes.iter().filter(|n| n.contains("recurring events")).count(), 5);
    }
}
