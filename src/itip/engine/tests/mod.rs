//! Table-driven unit tests of the engine (issue 11, item 3): each case is
//! a role (person, resource, outgoing), what the user already holds (put
//! into the in-memory store), one scheduling object with its method and
//! sender, and what the plan must say — whether it acted, the store
//! operations, the parts sent to others, a log line. No binaries, no mail:
//! the engine is called over a view of an in-memory transaction.
#![allow(clippy::unwrap_used)]

mod cases;

use crate::address::CalAddress;
use crate::agent::busy::{BusyRule, rebuild};
use crate::agent::prefs as agent_prefs;
use crate::agent::view::TxView;
use crate::clock::FixedClock;
use crate::config::Config;
use crate::ical::{Instance, Method, Object};
use crate::itip::plan::{Op, Plan};
use crate::itip::series::MessageScope;
use crate::itip::view::Context;
use crate::mail::ItipItem;
use crate::runtime::Runtime;
use crate::store::memory::MemStore;
use crate::store::{ObjectStatus, Store, StoredObject};
use chrono::TimeZone;

/// Which side decides.
#[derive(Debug, Clone, Copy)]
pub(super) enum Role {
    /// imip_person for the recipient.
    Person,
    /// imip_resource for the recipient.
    Resource,
    /// imip_person_outgoing for the sender.
    Outgoing,
}

/// An event, written as a client would.
#[derive(Debug, Clone)]
pub(super) struct Ev {
    pub uid: &'static str,
    pub seq: Option<i64>,
    pub stamp: &'static str,
    pub organizer: &'static str,
    pub attendees: Vec<(&'static str, &'static str)>,
    pub start: &'static str,
    pub end: &'static str,
    pub rrule: Option<&'static str>,
    pub rid: Option<&'static str>,
    pub status: Option<&'static str>,
}

/// An event `uid` from o@x to a@x and room@x, 1 April 10:00–11:00 UTC,
/// SEQUENCE 0, stamped 1 March 08:00.
pub(super) fn ev(uid: &'static str) -> Ev {
    Ev {
        uid,
        seq: Some(0),
        stamp: "20270301T080000Z",
        organizer: "o@x",
        attendees: vec![("a@x", "NEEDS-ACTION"), ("room@x", "NEEDS-ACTION")],
        start: "20270401T100000Z",
        end: "20270401T110000Z",
        rrule: None,
        rid: None,
        status: None,
    }
}

impl Ev {
    pub fn seq(mut self, n: i64) -> Ev {
        self.seq = Some(n);
        self
    }
    pub fn stamp(mut self, s: &'static str) -> Ev {
        self.stamp = s;
        self
    }
    pub fn org(mut self, o: &'static str) -> Ev {
        self.organizer = o;
        self
    }
    pub fn att(mut self, list: &[(&'static str, &'static str)]) -> Ev {
        self.attendees = list.to_vec();
        self
    }
    pub fn at(mut self, start: &'static str, end: &'static str) -> Ev {
        self.start = start;
        self.end = end;
        self
    }
    pub fn rrule(mut self, r: &'static str) -> Ev {
        self.rrule = Some(r);
        self
    }
    pub fn rid(mut self, r: &'static str) -> Ev {
        self.rid = Some(r);
        self
    }
    pub fn cancelled(mut self) -> Ev {
        self.status = Some("CANCELLED");
        self
    }

    pub fn ics(&self) -> String {
        let mut s = format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:{}\r\nDTSTAMP:{}\r\n",
            self.uid, self.stamp
        );
        if let Some(n) = self.seq {
            s.push_str(&format!("SEQUENCE:{n}\r\n"));
        }
        if let Some(r) = self.rid {
            s.push_str(&format!("RECURRENCE-ID:{r}\r\n"));
        }
        s.push_str(&format!("DTSTART:{}\r\nDTEND:{}\r\n", self.start, self.end));
        if let Some(r) = self.rrule {
            s.push_str(&format!("RRULE:{r}\r\n"));
        }
        if let Some(st) = self.status {
            s.push_str(&format!("STATUS:{st}\r\n"));
        }
        s.push_str(&format!("ORGANIZER:mailto:{}\r\n", self.organizer));
        for (a, p) in &self.attendees {
            s.push_str(&format!("ATTENDEE;PARTSTAT={p}:mailto:{a}\r\n"));
        }
        s.push_str("END:VEVENT\r\nEND:VCALENDAR\r\n");
        s
    }

    pub fn object(&self) -> Object {
        Object::from_stored(&self.ics()).unwrap()
    }
}

/// One case.
pub(super) struct Case {
    pub name: &'static str,
    pub role: Role,
    /// The user the decision is for (recipient, or the outgoing sender).
    pub user: &'static str,
    /// What the users hold: (user, event, cancelled?).
    pub held: Vec<(&'static str, Ev, bool)>,
    /// Preferences: (user, name, value).
    pub prefs: Vec<(&'static str, &'static str, &'static str)>,
    pub method: Method,
    pub object: Ev,
    /// The message's sender (From).
    pub from: &'static str,
    pub expect: Expect,
}

/// What the plan must say.
#[derive(Debug, Default)]
pub(super) struct Expect {
    /// Acted on (false: refused or noted).
    pub handled: bool,
    /// Each of these is the start of one operation line, in this order
    /// (other operations may come between).
    pub ops: Vec<&'static str>,
    /// No operation line starts with these.
    pub no_ops: Vec<&'static str>,
    /// Exactly these parts for others: "METHOD to ADDRESS".
    pub parts: Vec<&'static str>,
    /// A log line contains this.
    pub log: &'static str,
}

fn who(s: &str) -> CalAddress {
    CalAddress::parse(s).unwrap()
}

/// One line per operation, for matching.
pub(super) fn op_line(op: &Op) -> String {
    match op {
        Op::Put { uid, instance, status, object } => {
            let atts: Vec<String> = object
                .attendees()
                .iter()
                .map(|a| {
                    format!(
                        "{}={}",
                        a.address.email().unwrap_or_default(),
                        a.partstat.as_ref().map(|p| p.to_string()).unwrap_or_default()
                    )
                })
                .collect();
            format!(
                "put {uid}[{instance}] {} seq={} {}",
                status.as_str(),
                object.sequence().unwrap_or(0),
                atts.join(" ")
            )
        }
        Op::Delete { uid, instance } => format!("delete {uid}[{instance}]"),
        Op::Queue { uid, instance, kind } => format!("queue {uid}[{instance}] {kind:?}"),
        Op::Dequeue { uid, instance, kind } => format!("dequeue {uid}[{instance}] {kind:?}"),
        Op::PutCounter { uid, instance, attendee, .. } => {
            format!("counter {uid}[{instance}] {}", attendee.email().unwrap_or_default())
        }
        Op::DeleteCounters { uid, instance, .. } => format!("drop-counters {uid}[{instance}]"),
        Op::RecordAnswer(r) => {
            format!("answer {}[{}] {} {:?}", r.uid, r.instance, r.attendee, r.kind)
        }
        Op::ReplacePeriods { set, uid, periods, .. } => {
            format!("periods {set:?} {uid} {}", periods.len())
        }
        Op::PurgeExpired { .. } => "purge-offers".into(),
        Op::RecordFreeBusy { other, periods, .. } => {
            format!("freebusy-of {} {}", other.email().unwrap_or_default(), periods.len())
        }
        Op::Policy(e) => format!("policy {}", e.len()),
        Op::Decision(d) => format!("decision {} {}", d.decision, d.uid),
    }
}

/// Runs a case's decision and returns the plan.
pub(super) fn decide(case: &Case) -> Plan {
    let now = chrono::Utc.with_ymd_and_hms(2027, 3, 1, 9, 0, 0).unwrap();
    let rt = Runtime::with_clock(Config::default(), Box::new(FixedClock(now))).unwrap();
    let env = rt.env();
    let mut store = MemStore::new();
    {
        let mut tx = store.write().unwrap();
        for (user, name, value) in &case.prefs {
            let u = who(user);
            tx.ensure_user(u.as_str(), "", now).unwrap();
            tx.set_pref(u.as_str(), name, value).unwrap();
        }
        for (user, e, cancelled) in &case.held {
            let o = e.object();
            let instance = match e.rid {
                Some(r) => Instance::Occurrence(r.to_string()),
                None => Instance::Master,
            };
            let status = if *cancelled { ObjectStatus::Cancelled } else { ObjectStatus::Active };
            let stored =
                StoredObject { uid: e.uid.to_string(), instance, status, text: o.to_ics() };
            tx.put_object(who(user).as_str(), &stored, now).unwrap();
            // Busy time is derived from what is stored, as the applier does.
            let rule = match case.role {
                Role::Resource if *user == case.user => BusyRule::Resource,
                _ => BusyRule::Person,
            };
            rebuild(&env, tx.as_mut(), &who(user), e.uid, rule, false).unwrap();
        }
        tx.commit().unwrap();
    }
    let tx = store.read().unwrap();
    let user = who(case.user);
    let prefs = agent_prefs::load(&env, tx.as_ref(), user.as_str()).unwrap();
    let senders = [who(case.from)];
    let ctx = Context {
        user: &user,
        prefs: &prefs,
        now,
        agent_address: &env.agent_address,
        senders: &senders,
        languages: &[],
        limits: crate::agent::context::limits(&env),
    };
    let view = TxView { tx: tx.as_ref(), env: &env };
    let item = ItipItem { method: case.method.clone(), object: case.object.object() };
    let scope = MessageScope::of(std::slice::from_ref(&item), |o| o.zones(prefs.zone()));
    match case.role {
        Role::Person => super::person(&ctx, &view, &scope, &item),
        Role::Resource => super::resource(&ctx, &view, &scope, &item),
        Role::Outgoing => super::outgoing(&ctx, &view, &scope, &item),
    }
    .unwrap()
}

/// Checks a plan against a case's expectations; returns what differs.
pub(super) fn check(case: &Case, plan: &Plan) -> Vec<String> {
    let mut errors = Vec::new();
    let e = &case.expect;
    let ops: Vec<String> = plan.ops.iter().map(op_line).collect();
    let log = plan.log.join(" | ");
    if plan.handled != e.handled {
        errors.push(format!("handled = {}, expected {}", plan.handled, e.handled));
    }
    let mut from = 0;
    for want in &e.ops {
        match ops[from..].iter().position(|o| o.starts_with(want)) {
            Some(i) => from += i + 1,
            None => errors.push(format!("no operation {want:?} (in order)")),
        }
    }
    for not in &e.no_ops {
        if ops.iter().any(|o| o.starts_with(not)) {
            errors.push(format!("unexpected operation {not:?}"));
        }
    }
    let mut parts: Vec<String> = plan
        .parts
        .iter()
        .map(|p| format!("{} to {}", p.method, p.to.email().unwrap_or_default()))
        .collect();
    parts.sort();
    let mut want: Vec<String> = e.parts.iter().map(|s| s.to_string()).collect();
    want.sort();
    if parts != want {
        errors.push(format!("parts {parts:?}, expected {want:?}"));
    }
    if !log.contains(e.log) {
        errors.push(format!("log does not contain {:?}", e.log));
    }
    if !errors.is_empty() {
        errors.push(format!("ops: {ops:#?}\nlog: {log}"));
    }
    errors
}

#[test]
fn engine_cases() {
    let cases = cases::all();
    let mut failed = Vec::new();
    for case in &cases {
        let plan = decide(case);
        let errors = check(case, &plan);
        if !errors.is_empty() {
            failed.push(format!("{}:\n  {}", case.name, errors.join("\n  ")));
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} case(s) failed:\n{}",
        failed.len(),
        cases.len(),
        failed.join("\n")
    );
}
