//! Scheduling actions outside mail (issue 11, item 4), in-process on the
//! in-memory store: each action's messages are delivered to the other
//! parties' agents as the MTA would, and the state every party ends in is
//! asserted — the organiser's copy gets the room's answer to an invitation
//! made with `invite`, an attendee's `respond` for one occurrence
//! separates it, counters are adopted or declined, delegation adds the
//! delegate, `refresh` gets the latest version, updates bump SEQUENCE only
//! when significant, cancellations free the room. An action records exactly
//! what the same message sent by a mail client records through
//! `imip_person_outgoing`. `binaries.rs` runs `imip_admin` end to end.
#![allow(clippy::unwrap_used)]

mod binaries;

use imip_agent::address::CalAddress;
use imip_agent::agent::AgentKind;
use imip_agent::agent::handle::{handle_recipient, message_key};
use imip_agent::agent::scheduling::perform;
use imip_agent::clock::Clock;
use imip_agent::config::Config;
use imip_agent::freebusy::FbSet;
use imip_agent::ical::input::parse_when;
use imip_agent::ical::{DateTimeValue, Instance, Object, PartStat};
use imip_agent::itip::actions::{Action, ActionError, ActionFailure, EventFields, Invitee, Target};
use imip_agent::mail::{InboundMessage, extract_items};
use imip_agent::runtime::Runtime;
use imip_agent::store::Store;
use imip_agent::store::memory::MemStore;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

const ALICE: &str = "alice@example.com";
const BOB: &str = "bob@example.com";
const CAROL: &str = "carol@example.com";
const ROOM: &str = "room@example.com";

/// A clock that moves on a minute at every step, so that every message
/// has a later DTSTAMP than the one before (as in life).
#[derive(Clone)]
struct Stepping(Arc<AtomicI64>);

impl Clock for Stepping {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_timestamp(self.0.load(Ordering::SeqCst), 0).unwrap()
    }
}

/// A message on its way: to whom, and its bytes.
#[derive(Debug, Clone)]
struct Mail {
    to: String,
    raw: Vec<u8>,
}

impl Mail {
    fn text(&self) -> String {
        imip_agent::ical::unfold(&String::from_utf8_lossy(&self.raw))
    }
}

struct World {
    rt: Runtime,
    store: Box<dyn Store + Send>,
    clock: Stepping,
}

fn addr(s: &str) -> CalAddress {
    CalAddress::parse(s).unwrap()
}

fn at(s: &str) -> DateTimeValue {
    parse_when(s, None).unwrap()
}

fn master(uid: &str) -> Target {
    Target { uid: uid.into(), instance: Instance::Master }
}

fn occurrence(uid: &str, rid: &str) -> Target {
    Target { uid: uid.into(), instance: Instance::Occurrence(rid.into()) }
}

impl World {
    fn new() -> World {
        // 2027-03-01T09:00Z
        let clock = Stepping(Arc::new(AtomicI64::new(1_803_891_600)));
        let rt = Runtime::with_clock(Config::default(), Box::new(clock.clone())).unwrap();
        World { rt, store: Box::new(MemStore::new()), clock }
    }

    fn tick(&self) {
        self.clock.0.fetch_add(60, Ordering::SeqCst);
    }

    /// Performs an action; returns the mail it sends.
    fn act(&mut self, user: &str, action: Action) -> Result<Vec<Mail>, ActionError> {
        self.tick();
        let env = self.rt.env();
        let mut tx = self.store.write().unwrap();
        match perform(&env, tx.as_mut(), &addr(user), &action) {
            Ok(p) => {
                tx.commit().unwrap();
                Ok(p.outcome
                    .outbox
                    .into_iter()
                    .map(|m| Mail { to: m.to.join(","), raw: m.bytes })
                    .collect())
            }
            Err(ActionFailure::Refused(e)) => Err(e),
            Err(ActionFailure::Infra(e)) => panic!("infrastructure: {e}"),
        }
    }

    /// Delivers a message to an agent for one recipient; returns what the
    /// agent sends to others.
    fn deliver(&mut self, kind: AgentKind, recipient: &str, raw: &[u8]) -> Vec<Mail> {
        self.tick();
        let env = self.rt.env();
        let msg = InboundMessage::parse(raw, &self.rt.mail_limits());
        let items = extract_items(&msg, false);
        let key = message_key(raw);
        let mut tx = self.store.write().unwrap();
        let h =
            handle_recipient(kind, &env, tx.as_mut(), raw, &msg, &items, &addr(recipient), &key)
                .unwrap();
        tx.commit().unwrap();
        // Shown when a test fails: what each agent decided.
        for n in &h.notes {
            println!("{} {recipient}: {n}", kind.program());
        }
        h.outbox
            .into_iter()
            .filter(|m| m.kind == "send")
            .map(|m| Mail { to: m.to.join(","), raw: m.bytes })
            .collect()
    }

    /// Hands each mail to the agent of its recipient: the room's resource
    /// agent, everyone else's person agent. Returns what they send.
    fn post(&mut self, mails: &[Mail]) -> Vec<Mail> {
        let mut out = Vec::new();
        for m in mails {
            let kind = if m.to == ROOM { AgentKind::Resource } else { AgentKind::Person };
            out.extend(self.deliver(kind, &m.to.clone(), &m.raw));
        }
        out
    }

    fn set_pref(&mut self, user: &str, name: &str, value: &str) {
        let mut tx = self.store.write().unwrap();
        let u = addr(user);
        tx.ensure_user(u.as_str(), "", self.clock.now()).unwrap();
        tx.set_pref(u.as_str(), name, value).unwrap();
        tx.commit().unwrap();
    }

    fn stored(&mut self, user: &str, uid: &str, instance: &Instance) -> Option<(String, Object)> {
        let tx = self.store.read().unwrap();
        tx.object(addr(user).as_str(), uid, instance)
            .unwrap()
            .map(|s| (s.status.as_str().to_string(), Object::from_stored(&s.text).unwrap()))
    }

    fn partstat(
        &mut self,
        user: &str,
        uid: &str,
        instance: &Instance,
        who: &str,
    ) -> Option<String> {
        self.stored(user, uid, instance)
            .and_then(|(_, o)| o.attendee(&addr(who)))
            .and_then(|a| a.partstat)
            .map(|p| p.to_string())
    }

    fn busy(&mut self, user: &str) -> Vec<String> {
        let tx = self.store.read().unwrap();
        let mut v: Vec<String> = tx
            .busy_all(&FbSet::Own(addr(user).to_string()))
            .unwrap()
            .into_iter()
            .map(|p| format!("{} {}", imip_agent::ical::datetime::format_utc(&p.start), p.uid))
            .collect();
        v.sort();
        v
    }

    fn queued(&mut self, user: &str) -> Vec<String> {
        let tx = self.store.read().unwrap();
        tx.requests(addr(user).as_str())
            .unwrap()
            .into_iter()
            .map(|r| format!("{} [{}]", r.uid, r.instance))
            .collect()
    }

    /// Everything stored for a user, for comparing two worlds.
    fn snapshot(&mut self, user: &str, uid: &str) -> String {
        let u = addr(user);
        let tx = self.store.read().unwrap();
        let mut out = String::new();
        for o in tx.list_objects(u.as_str(), None).unwrap() {
            out.push_str(&format!("[{}] {} {}\n", o.instance, o.status.as_str(), o.text));
        }
        for r in tx.replies(u.as_str(), uid).unwrap() {
            out.push_str(&format!("answer [{}] {} {:?}\n", r.instance, r.attendee, r.kind));
        }
        for set in [FbSet::Own(u.to_string()), FbSet::Offers(u.to_string())] {
            for p in tx.busy_all(&set).unwrap() {
                out.push_str(&format!("{:?} {} {} {}\n", set, p.start, p.end, p.rid));
            }
        }
        for r in tx.requests(u.as_str()).unwrap() {
            out.push_str(&format!("queued {} [{}]\n", r.uid, r.instance));
        }
        out
    }
}

fn invite(w: &mut World, rrule: Option<&str>, guests: &[&str]) -> Vec<Mail> {
    let invitees =
        guests
            .iter()
            .map(|g| {
                if *g == ROOM {
                    Invitee::resource(addr(g), "ROOM")
                } else {
                    Invitee::person(addr(g))
                }
            })
            .collect();
    w.act(
        ALICE,
        Action::Create {
            uid: "ev-1".into(),
            fields: EventFields {
                summary: Some("Planning".into()),
                start: Some(at("2027-03-02T10:00Z")),
                end: Some(at("2027-03-02T11:00Z")),
                rrule: rrule.map(str::to_string),
                ..EventFields::default()
            },
            invitees,
        },
    )
    .unwrap()
}

fn to(mails: &[Mail]) -> Vec<&str> {
    let mut v: Vec<&str> = mails.iter().map(|m| m.to.as_str()).collect();
    v.sort();
    v
}

#[test]
fn the_rooms_answer_to_an_invitation_reaches_the_organisers_copy() {
    let mut w = World::new();
    let sent = invite(&mut w, None, &[BOB, ROOM]);
    assert_eq!(to(&sent), [BOB, ROOM]);
    assert!(sent[0].text().contains("METHOD:REQUEST"));
    assert!(
        sent[0]
            .text()
            .contains("ORGANIZER;SENT-BY=\"mailto:calendar@example.com\":mailto:alice@example.com")
    );
    assert_eq!(w.busy(ALICE), ["20270302T100000Z ev-1"], "the organiser's own time is taken");
    assert_eq!(w.partstat(ALICE, "ev-1", &Instance::Master, ROOM).as_deref(), Some("NEEDS-ACTION"));
    let answers = w.post(&sent);
    assert_eq!(to(&answers), [ALICE], "the room answers the organiser");
    assert!(answers[0].text().contains("PARTSTAT=ACCEPTED"));
    assert_eq!(w.queued(BOB), ["ev-1 []"], "bob's agent holds the invitation for him");
    w.post(&answers);
    assert_eq!(w.partstat(ALICE, "ev-1", &Instance::Master, ROOM).as_deref(), Some("ACCEPTED"));
    assert_eq!(w.busy(ROOM), ["20270302T100000Z ev-1"]);
}

#[test]
fn an_attendee_answers_the_series_and_declines_one_occurrence() {
    let mut w = World::new();
    let sent = invite(&mut w, Some("FREQ=WEEKLY;COUNT=4"), &[BOB]);
    w.post(&sent);
    let reply = w
        .act(
            BOB,
            Action::Respond { target: master("ev-1"), partstat: PartStat::Accepted, comment: None },
        )
        .unwrap();
    assert_eq!(to(&reply), [ALICE]);
    assert!(w.queued(BOB).is_empty(), "answered: no longer queued");
    assert_eq!(w.busy(BOB).len(), 4, "bob's time is taken for the four meetings");
    w.post(&reply);
    assert_eq!(w.partstat(ALICE, "ev-1", &Instance::Master, BOB).as_deref(), Some("ACCEPTED"));

    let second = "20270309T100000Z";
    let decline = w
        .act(
            BOB,
            Action::Respond {
                target: occurrence("ev-1", second),
                partstat: PartStat::Declined,
                comment: Some("away that week".into()),
            },
        )
        .unwrap();
    let text = decline[0].text();
    assert!(text.contains("RECURRENCE-ID:20270309T100000Z"), "{text}");
    assert!(text.contains("COMMENT:away that week"));
    assert!(!text.contains("RRULE"), "an occurrence has no rule");
    assert_eq!(w.busy(BOB).len(), 3, "the declined week is free");
    w.post(&decline);
    let occ = Instance::Occurrence(second.into());
    assert_eq!(w.partstat(ALICE, "ev-1", &occ, BOB).as_deref(), Some("DECLINED"));
    assert_eq!(w.partstat(ALICE, "ev-1", &Instance::Master, BOB).as_deref(), Some("ACCEPTED"));
}

#[test]
fn a_counter_proposal_is_adopted_or_declined_by_the_organiser() {
    let mut w = World::new();
    let sent = invite(&mut w, None, &[BOB, CAROL]);
    w.post(&sent);
    let counter = w
        .act(
            BOB,
            Action::Counter {
                target: master("ev-1"),
                start: at("2027-03-02T14:00Z"),
                end: at("2027-03-02T15:00Z"),
                comment: None,
            },
        )
        .unwrap();
    assert!(counter[0].text().contains("METHOD:COUNTER"));
    assert!(counter[0].text().contains("DTSTART:20270302T140000Z"));
    w.post(&counter);
    assert_eq!(w.queued(ALICE), ["ev-1 []"], "the proposal waits for the organiser");

    let adopted = w
        .act(ALICE, Action::AcceptCounter { target: master("ev-1"), attendee: addr(BOB) })
        .unwrap();
    assert_eq!(to(&adopted), [BOB, CAROL], "everyone gets the new version");
    let text = adopted[0].text();
    assert!(text.contains("SEQUENCE:1") && text.contains("DTSTART:20270302T140000Z"), "{text}");
    assert!(w.queued(ALICE).is_empty(), "the proposal is answered");
    assert_eq!(w.busy(ALICE), ["20270302T140000Z ev-1"]);
    w.post(&adopted);
    let (_, bobs) = w.stored(BOB, "ev-1", &Instance::Master).unwrap();
    assert_eq!(bobs.sequence(), Some(1));
    assert_eq!(bobs.dtstart().unwrap().to_string(), "20270302T140000Z");

    // A second proposal, declined this time.
    let again = w
        .act(
            CAROL,
            Action::Counter {
                target: master("ev-1"),
                start: at("2027-03-03T09:00Z"),
                end: at("2027-03-03T10:00Z"),
                comment: None,
            },
        )
        .unwrap();
    w.post(&again);
    assert_eq!(
        w.act(
            ALICE,
            Action::DeclineCounter { target: master("ev-1"), attendee: addr(BOB), comment: None }
        )
        .unwrap_err(),
        ActionError::NoCounter(addr(BOB).to_string())
    );
    let declined = w
        .act(
            ALICE,
            Action::DeclineCounter {
                target: master("ev-1"),
                attendee: addr(CAROL),
                comment: Some("the room is taken".into()),
            },
        )
        .unwrap();
    assert_eq!(to(&declined), [CAROL]);
    assert!(declined[0].text().contains("METHOD:DECLINECOUNTER"));
    assert!(w.queued(ALICE).is_empty());
    assert_eq!(w.busy(ALICE), ["20270302T140000Z ev-1"], "the event stays where it was");
    w.post(&declined);
}

#[test]
fn a_delegate_is_invited_and_the_organiser_learns_of_it() {
    let mut w = World::new();
    let sent = invite(&mut w, None, &[BOB]);
    w.post(&sent);
    let out = w
        .act(BOB, Action::Delegate { target: master("ev-1"), to: addr(CAROL), comment: None })
        .unwrap();
    assert_eq!(to(&out), [ALICE, CAROL]);
    let to_alice = out.iter().find(|m| m.to == ALICE).unwrap().text();
    assert!(to_alice.contains("METHOD:REPLY") && to_alice.contains("PARTSTAT=DELEGATED"));
    assert!(to_alice.contains("DELEGATED-FROM=\"mailto:bob@example.com\""), "{to_alice}");
    assert!(w.busy(BOB).is_empty(), "the delegator does not attend");
    w.post(&out);
    assert_eq!(w.partstat(ALICE, "ev-1", &Instance::Master, BOB).as_deref(), Some("DELEGATED"));
    assert_eq!(w.queued(CAROL), ["ev-1 []"], "the delegate has the invitation");
    let answer = w
        .act(
            CAROL,
            Action::Respond { target: master("ev-1"), partstat: PartStat::Accepted, comment: None },
        )
        .unwrap();
    assert_eq!(to(&answer), [ALICE]);
    w.post(&answer);
    assert_eq!(w.partstat(ALICE, "ev-1", &Instance::Master, CAROL).as_deref(), Some("ACCEPTED"));
}

#[test]
fn refresh_brings_the_latest_version() {
    let mut w = World::new();
    w.set_pref(ALICE, "event_refreshing", "always");
    let sent = invite(&mut w, None, &[BOB]);
    w.post(&sent);
    let ask = w.act(BOB, Action::Refresh { target: master("ev-1") }).unwrap();
    assert!(ask[0].text().contains("METHOD:REFRESH"));
    let answer = w.post(&ask);
    assert_eq!(to(&answer), [BOB]);
    assert!(answer[0].text().contains("METHOD:REQUEST") && answer[0].text().contains("UID:ev-1"));
}

#[test]
fn only_significant_updates_bump_the_sequence_and_ask_again() {
    let mut w = World::new();
    let sent = invite(&mut w, None, &[BOB, CAROL]);
    w.post(&sent);
    let yes = w
        .act(
            BOB,
            Action::Respond { target: master("ev-1"), partstat: PartStat::Accepted, comment: None },
        )
        .unwrap();
    w.post(&yes);
    let retitle = w
        .act(
            ALICE,
            Action::Update {
                target: master("ev-1"),
                fields: EventFields {
                    summary: Some("Planning (agenda attached)".into()),
                    ..EventFields::default()
                },
                invite: vec![],
                uninvite: vec![],
            },
        )
        .unwrap();
    assert!(retitle[0].text().contains("SEQUENCE:0"));
    assert_eq!(
        w.partstat(ALICE, "ev-1", &Instance::Master, BOB).as_deref(),
        Some("ACCEPTED"),
        "a new title does not undo answers"
    );
    let moved = w
        .act(
            ALICE,
            Action::Update {
                target: master("ev-1"),
                fields: EventFields {
                    start: Some(at("2027-03-02T12:00Z")),
                    ..EventFields::default()
                },
                invite: vec![],
                uninvite: vec![addr(CAROL)],
            },
        )
        .unwrap();
    let request = moved.iter().find(|m| m.to == BOB).unwrap().text();
    assert!(request.contains("SEQUENCE:1"));
    assert!(request.contains("DTEND:20270302T130000Z"), "a new start keeps the length: {request}");
    let bobs_line = request.lines().find(|l| l.contains("mailto:bob@")).unwrap();
    assert!(
        bobs_line.contains("PARTSTAT=NEEDS-ACTION") && bobs_line.contains("RSVP=TRUE"),
        "asked again: {request}"
    );
    assert!(!bobs_line.contains("SENT-BY"), "the earlier answer's sender is not kept");
    assert!(!request.contains("carol"), "carol is no longer invited");
    let cancel = moved.iter().find(|m| m.to == CAROL).unwrap().text();
    assert!(cancel.contains("METHOD:CANCEL"));
    assert_eq!(w.partstat(ALICE, "ev-1", &Instance::Master, BOB).as_deref(), Some("NEEDS-ACTION"));
    w.post(&moved);
    assert_eq!(w.stored(CAROL, "ev-1", &Instance::Master).unwrap().0, "cancelled");
    assert_eq!(w.queued(BOB), ["ev-1 []"], "bob is asked again");
    let nothing = w.act(
        ALICE,
        Action::Update {
            target: master("ev-1"),
            fields: EventFields::default(),
            invite: vec![],
            uninvite: vec![],
        },
    );
    assert_eq!(nothing.unwrap_err(), ActionError::Invalid("nothing to change".into()));
}

#[test]
fn occurrences_are_added_and_cancelled_and_the_room_freed() {
    let mut w = World::new();
    // Bob's agent applies an ADD; the room asks for the whole event (the
    // default), which alice's agent sends at once.
    w.set_pref(BOB, "add_method_response", "add");
    w.set_pref(ALICE, "event_refreshing", "always");
    let sent = invite(&mut w, Some("FREQ=WEEKLY;COUNT=2"), &[BOB, ROOM]);
    let answers = w.post(&sent);
    w.post(&answers);
    assert_eq!(w.busy(ROOM).len(), 2);
    let added = w
        .act(
            ALICE,
            Action::Add {
                uid: "ev-1".into(),
                start: at("2027-03-20T10:00Z"),
                end: at("2027-03-20T11:00Z"),
            },
        )
        .unwrap();
    assert!(added[0].text().contains("METHOD:ADD"));
    assert_eq!(w.busy(ALICE).len(), 3);
    let refresh = w.post(&added);
    assert_eq!(to(&refresh), [ALICE], "the room asks for the whole event");
    let whole = w.post(&refresh);
    assert_eq!(to(&whole), [ROOM]);
    w.post(&whole);
    let added_occ = Instance::Occurrence("20270320T100000Z".into());
    assert_eq!(
        w.stored(BOB, "ev-1", &added_occ).unwrap().0,
        "active",
        "bob's agent applied the ADD"
    );
    assert_eq!(w.busy(ROOM).len(), 3, "the room books the added occurrence");
    let first = "20270302T100000Z";
    let cancelled =
        w.act(ALICE, Action::Cancel { target: occurrence("ev-1", first), comment: None }).unwrap();
    let text = cancelled[0].text();
    assert!(text.contains("STATUS:CANCELLED") && text.contains("RECURRENCE-ID:20270302T100000Z"));
    w.post(&cancelled);
    assert_eq!(w.busy(ROOM).len(), 2, "the cancelled occurrence is freed");
    assert_eq!(w.stored(BOB, "ev-1", &Instance::Occurrence(first.into())).unwrap().0, "cancelled");
    let all = w
        .act(ALICE, Action::Cancel { target: master("ev-1"), comment: Some("off".into()) })
        .unwrap();
    w.post(&all);
    assert!(w.busy(ROOM).is_empty() && w.busy(ALICE).is_empty() && w.busy(BOB).is_empty());
    assert_eq!(
        w.act(ALICE, Action::Cancel { target: master("ev-1"), comment: None }).unwrap_err(),
        ActionError::Cancelled(master("ev-1"))
    );
}

#[test]
fn actions_that_cannot_be_done_change_nothing() {
    let mut w = World::new();
    let sent = invite(&mut w, Some("FREQ=WEEKLY;COUNT=2"), &[BOB]);
    w.post(&sent);
    let before = (w.snapshot(ALICE, "ev-1"), w.snapshot(BOB, "ev-1"));
    let accept = |t| Action::Respond { target: t, partstat: PartStat::Accepted, comment: None };
    let cases: Vec<(&str, Action, ActionError)> = vec![
        (BOB, accept(master("nope")), ActionError::NotStored(master("nope"))),
        (ALICE, accept(master("ev-1")), ActionError::Organiser("ev-1".into())),
        (CAROL, accept(master("ev-1")), ActionError::NotStored(master("ev-1"))),
        (
            BOB,
            accept(occurrence("ev-1", "20270304T100000Z")),
            ActionError::NoSuchOccurrence("20270304T100000Z".into()),
        ),
        (
            BOB,
            Action::Cancel { target: master("ev-1"), comment: None },
            ActionError::NotOrganiser("ev-1".into()),
        ),
        (
            ALICE,
            Action::AcceptCounter { target: master("ev-1"), attendee: addr(BOB) },
            ActionError::NoCounter(addr(BOB).to_string()),
        ),
        (
            ALICE,
            Action::Update {
                target: master("ev-1"),
                fields: EventFields {
                    end: Some(at("2027-03-02T09:00Z")),
                    ..EventFields::default()
                },
                invite: vec![],
                uninvite: vec![],
            },
            ActionError::Invalid("the end must be after the start".into()),
        ),
        (
            ALICE,
            Action::Create {
                uid: "ev-2".into(),
                fields: EventFields {
                    start: Some(at("2027-03-02T10:00Z")),
                    end: Some(at("2027-03-02T11:00Z")),
                    rrule: Some("FREQ=SOMETIMES".into()),
                    ..EventFields::default()
                },
                invitees: vec![],
            },
            ActionError::Invalid(
                "\"FREQ=SOMETIMES\" is not a recurrence rule (RFC 5545 RECUR)".into(),
            ),
        ),
        (
            BOB,
            Action::Respond {
                target: master("ev-1"),
                partstat: PartStat::Delegated,
                comment: None,
            },
            ActionError::Invalid(
                "DELEGATED is not an answer: use accepted, tentative or declined".into(),
            ),
        ),
    ];
    for (user, action, expected) in cases {
        let name = action.name();
        assert_eq!(w.act(user, action).unwrap_err(), expected, "{user} {name}");
    }
    assert_eq!((w.snapshot(ALICE, "ev-1"), w.snapshot(BOB, "ev-1")), before);
}

#[test]
fn an_action_records_what_the_same_mail_from_a_client_records() {
    // World A: bob answers with imip_admin's action. World B: bob's mail
    // client sends the very same REPLY, and imip_person_outgoing records it.
    let mut a = World::new();
    let mut b = World::new();
    for w in [&mut a, &mut b] {
        let sent = invite(w, Some("FREQ=WEEKLY;COUNT=3"), &[BOB]);
        w.post(&sent);
    }
    let target = occurrence("ev-1", "20270309T100000Z");
    let reply = a
        .act(BOB, Action::Respond { target, partstat: PartStat::Tentative, comment: None })
        .unwrap();
    b.deliver(AgentKind::Outgoing, "people-outgoing+bob@example.com", &reply[0].raw);
    assert_eq!(a.snapshot(BOB, "ev-1"), b.snapshot(BOB, "ev-1"));
}
