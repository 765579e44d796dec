#![allow(clippy::unwrap_used)]
//! Chain semantics and schedule_in_freebusy over an in-memory view.

use super::*;
use crate::config::prefs::Prefs;
use crate::ical::{Object, Zone};
use crate::recur::ExpandParams;
use chrono::{DateTime, TimeZone, Utc};
use std::collections::BTreeMap;

#[derive(Default)]
pub(crate) struct MemoryView {
    pub sets: BTreeMap<String, Vec<BusyPeriod>>,
    pub kv: BTreeMap<(String, String), String>,
    pub prefs: BTreeMap<(String, String), String>,
    pub files: BTreeMap<String, String>,
}

fn set_key(s: &FbSet) -> String {
    let (a, b, c) = s.key();
    format!("{a}|{b}|{c}")
}

impl MemoryView {
    pub fn add(&mut self, set: FbSet, p: BusyPeriod) {
        self.sets.entry(set_key(&set)).or_default().push(p);
    }
}

impl PolicyView for MemoryView {
    fn busy(
        &self,
        set: &FbSet,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> InfraResult<Vec<BusyPeriod>> {
        Ok(self
            .sets
            .get(&set_key(set))
            .map(|v| v.iter().filter(|p| p.start <= end && p.end >= start).cloned().collect())
            .unwrap_or_default())
    }
    fn busy_all(&self, set: &FbSet) -> InfraResult<Vec<BusyPeriod>> {
        Ok(self.sets.get(&set_key(set)).cloned().unwrap_or_default())
    }
    fn kv_get(&self, ns: &str, key: &str) -> InfraResult<Option<String>> {
        Ok(self.kv.get(&(ns.to_string(), key.to_string())).cloned())
    }
    fn kv_list(&self, ns: &str, prefix: &str) -> InfraResult<Vec<(String, String)>> {
        Ok(self
            .kv
            .iter()
            .filter(|((n, k), _)| n == ns && k.starts_with(prefix))
            .map(|((_, k), v)| (k.clone(), v.clone()))
            .collect())
    }
    fn pref_of(&self, user: &str, name: &str) -> InfraResult<Option<String>> {
        Ok(self.prefs.get(&(user.to_string(), name.to_string())).cloned())
    }
    fn read_policy_file(&self, path: &str) -> Option<String> {
        self.files.get(path).cloned()
    }
}

pub(crate) fn t(d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 3, d, h, 0, 0).unwrap()
}

pub(crate) fn booking(uid: &str, props: &str) -> Booking {
    let text = format!(
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nORGANIZER:mailto:paul@example.com\r\nATTENDEE:mailto:room@example.com\r\n{props}END:VEVENT\r\nEND:VCALENDAR\r\n"
    );
    let object = Object::from_stored(&text).unwrap();
    let prefs = Prefs::resolve(&BTreeMap::new(), &[], Some("UTC"));
    let mut b = Booking {
        resource: crate::address::CalAddress::parse("room@example.com").unwrap(),
        object,
        uid: uid.into(),
        instance: crate::ical::Instance::Master,
        organizer: crate::address::CalAddress::parse("paul@example.com").unwrap(),
        occurrences: Vec::new(),
        open_ended: false,
        truncated: false,
        prefs,
        now: t(1, 0),
        is_delegate: false,
        expand: ExpandParams::with_window(t(1, 0) + chrono::Duration::days(100)),
    };
    let _ = Zone::Utc;
    b.recompute();
    b
}

fn calls(s: &str) -> Vec<FunctionCall> {
    parse_functions(s).unwrap()
}

fn room() -> String {
    "mailto:room@example.com".into()
}

#[test]
fn capacity_argument_counts_concurrent_bookings() {
    let mut view = MemoryView::default();
    view.add(FbSet::Own(room()), BusyPeriod::new(t(10, 9), t(10, 11), "a", ""));
    view.add(FbSet::Own(room()), BusyPeriod::new(t(10, 10), t(10, 12), "b", ""));
    let mut b = booking("c", "DTSTART:20270310T103000Z\r\nDTEND:20270310T110000Z\r\n");
    assert_eq!(
        evaluate(&calls("schedule_in_freebusy"), &mut b, &view).unwrap().verdict,
        Verdict::Decline
    );
    assert_eq!(
        evaluate(&calls("schedule_in_freebusy 2"), &mut b, &view).unwrap().verdict,
        Verdict::Decline
    );
    assert_eq!(
        evaluate(&calls("schedule_in_freebusy 3"), &mut b, &view).unwrap().verdict,
        Verdict::Accept
    );
}

#[test]
fn own_periods_and_expired_offers_do_not_conflict() {
    let mut view = MemoryView::default();
    view.add(FbSet::Own(room()), BusyPeriod::new(t(10, 10), t(10, 11), "same", ""));
    let mut offer = BusyPeriod::new(t(10, 10), t(10, 11), "other", "");
    offer.expires = Some(t(1, 0));
    view.add(FbSet::Offers(room()), offer);
    let mut b = booking("same", "DTSTART:20270310T103000Z\r\nDTEND:20270310T110000Z\r\n");
    assert_eq!(
        evaluate(&calls("schedule_in_freebusy"), &mut b, &view).unwrap().verdict,
        Verdict::Accept
    );
    let mut live = BusyPeriod::new(t(10, 10), t(10, 11), "other2", "");
    live.expires = Some(t(2, 0));
    view.add(FbSet::Offers(room()), live);
    assert_eq!(
        evaluate(&calls("schedule_in_freebusy"), &mut b, &view).unwrap().verdict,
        Verdict::Decline
    );
}

#[test]
fn unknown_function_declines_as_misconfiguration() {
    let view = MemoryView::default();
    let mut b = booking("x", "DTSTART:20270310T103000Z\r\nDTEND:20270310T110000Z\r\n");
    let d = evaluate(&calls("schedule_in_freebusy\nschedule_on_the_moon"), &mut b, &view).unwrap();
    assert_eq!(d.verdict, Verdict::Decline);
    assert_eq!(d.reason, crate::i18n::Text::Misconfigured);
    assert_eq!(d.function, "schedule_on_the_moon");
}

#[test]
fn empty_chain_accepts_and_bad_capacity_declines() {
    let view = MemoryView::default();
    let mut b = booking("x", "DTSTART:20270310T103000Z\r\nDTEND:20270310T110000Z\r\n");
    assert_eq!(evaluate(&[], &mut b, &view).unwrap().verdict, Verdict::Accept);
    let d = evaluate(&calls("schedule_in_freebusy many"), &mut b, &view).unwrap();
    assert_eq!(d.reason, crate::i18n::Text::Misconfigured);
}
