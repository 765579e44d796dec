//! Convergence in any order of arrival (issue 11): generated stories
//! (`story.rs`) are delivered in order and in random permutations to a
//! person on the attendee side, to the organiser's side (imip_person
//! receiving the answers, imip_person_outgoing recording the organiser's
//! own messages) and to a resource; the final stored state must equal the
//! one in-order delivery reaches, and the resource must never accept an
//! event or occurrence whose CANCEL it has already seen.
//!
//! In-process against the engine and applier (fast: `CONVERGENCE_STORIES`
//! stories, default 300, each in `CONVERGENCE_PERMUTATIONS` orders,
//! default 6); `binaries.rs` runs a smaller sample through the programs.
#![allow(clippy::unwrap_used)]

mod binaries;
pub mod story;

use imip_agent::address::CalAddress;
use imip_agent::agent::AgentKind;
use imip_agent::agent::handle::{handle_recipient, message_key};
use imip_agent::clock::FixedClock;
use imip_agent::config::Config;
use imip_agent::freebusy::FbSet;
use imip_agent::ical::{Instance, Object, unfold};
use imip_agent::mail::{InboundMessage, extract_items};
use imip_agent::runtime::Runtime;
use imip_agent::store::Store;
use story::{Message, Program, Rng, Stream};

/// A fresh in-memory world: the runtime and an empty store.
pub struct World {
    pub rt: Runtime,
    pub store: Box<dyn Store + Send>,
}

impl World {
    pub fn new() -> World {
        let now = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2027, 3, 1, 9, 0, 0).unwrap();
        let rt = Runtime::with_clock(Config::default(), Box::new(FixedClock(now))).unwrap();
        let store = Box::new(imip_agent::store::memory::MemStore::new()) as Box<dyn Store + Send>;
        World { rt, store }
    }

    /// Delivers a message to one agent for one recipient, as pipe mode does.
    pub fn deliver(&mut self, program: Program, recipient: &str, raw: &str) {
        let kind = match program {
            Program::Person => AgentKind::Person,
            Program::Outgoing => AgentKind::Outgoing,
            Program::Resource => AgentKind::Resource,
        };
        let env = self.rt.env();
        let msg = InboundMessage::parse(raw.as_bytes(), &self.rt.mail_limits());
        let items = extract_items(&msg, false);
        let key = message_key(raw.as_bytes());
        let r = CalAddress::parse(recipient).unwrap();
        let mut tx = self.store.write().unwrap();
        handle_recipient(kind, &env, tx.as_mut(), raw.as_bytes(), &msg, &items, &r, &key).unwrap();
        tx.commit().unwrap();
    }

    /// The resource's decisions so far: (RECURRENCE-ID key, decision).
    pub fn decisions(&mut self) -> Vec<(String, String)> {
        let tx = self.store.read().unwrap();
        let r = CalAddress::parse(story::ROOM).unwrap();
        tx.decisions(r.as_str(), 10_000).unwrap().into_iter().map(|d| (d.rid, d.decision)).collect()
    }

    /// Everything stored for a user, canonical (order-independent where
    /// the store's order is not meaningful).
    pub fn snapshot(&mut self, user: &str) -> String {
        let u = CalAddress::parse(user).unwrap();
        let u = u.as_str();
        let tx = self.store.read().unwrap();
        let mut out = String::new();
        let objects = tx.list_objects(u, None).unwrap();
        for o in &objects {
            let mut lines: Vec<String> = unfold(&o.text)
                .split("\r\n")
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect();
            lines.sort();
            out.push_str(&format!(
                "object [{}] {} {}\n",
                o.instance,
                o.status.as_str(),
                lines.join(" | ")
            ));
            for (a, text) in tx.counters(u, &o.uid, &o.instance).unwrap() {
                let v = Object::from_stored(&text).map(|c| (c.sequence(), c.dtstamp()));
                out.push_str(&format!("counter [{}] {a} {v:?}\n", o.instance));
            }
        }
        if !objects.iter().any(|o| o.instance == Instance::Master) {
            for (a, _) in tx.counters(u, story::UID, &Instance::Master).unwrap() {
                out.push_str(&format!("counter [] {a}\n"));
            }
        }
        let mut replies: Vec<String> = tx
            .replies(u, story::UID)
            .unwrap()
            .into_iter()
            .map(|r| {
                format!(
                    "answer [{}] {} {:?} {} {:?}",
                    r.instance, r.attendee, r.kind, r.sequence, r.dtstamp
                )
            })
            .collect();
        replies.sort();
        for r in replies {
            out.push_str(&r);
            out.push('\n');
        }
        let line = |p: &imip_agent::freebusy::BusyPeriod| {
            format!("{} {} {} {} {}", p.start, p.end, p.uid, p.rid, p.transp.as_str())
        };
        let mut sets = vec![
            ("busy".to_string(), FbSet::Own(u.into())),
            ("offer".into(), FbSet::Offers(u.into())),
        ];
        for other in tx.other_sets(u).unwrap() {
            sets.push((format!("other {other}"), FbSet::Other { user: u.into(), other }));
        }
        for (name, set) in sets {
            let mut ps: Vec<String> = tx.busy_all(&set).unwrap().iter().map(line).collect();
            ps.sort();
            for p in ps {
                out.push_str(&format!("{name} {p}\n"));
            }
        }
        for r in tx.requests(u).unwrap() {
            out.push_str(&format!("request [{}] {:?}\n", r.instance, r.kind));
        }
        out
    }
}

/// The messages of a stream, in story order.
fn stream(
    story: &[Message],
    s: Stream,
) -> Vec<(Program, &'static str, String, String, Option<String>)> {
    story
        .iter()
        .flat_map(|m| {
            m.deliveries
                .iter()
                .filter(|(st, _, _)| *st == s)
                .map(|(_, p, r)| (*p, *r, m.raw.clone(), m.label.clone(), m.cancels.clone()))
        })
        .collect()
}

fn user_of(s: Stream) -> &'static str {
    match s {
        Stream::Attendee => story::VINCENT,
        Stream::Resource => story::ROOM,
        Stream::Organiser => story::ORGANISER,
    }
}

/// Delivers a stream in the given order; returns the final snapshot.
/// For the resource, checks after each delivery that no new ACCEPTED
/// decision concerns an instance whose CANCEL was delivered before.
fn run(
    msgs: &[(Program, &'static str, String, String, Option<String>)],
    order: &[usize],
    s: Stream,
) -> Result<String, String> {
    let mut w = World::new();
    let mut cancelled: Vec<String> = Vec::new();
    let mut seen = 0;
    for &i in order {
        let (p, r, raw, label, cancels) = &msgs[i];
        w.deliver(*p, r, raw);
        if s == Stream::Resource {
            let d = w.decisions();
            for (rid, decision) in &d[..d.len() - seen] {
                let whole = cancelled.iter().any(String::is_empty);
                if decision == "ACCEPTED" && (whole || cancelled.contains(rid)) {
                    return Err(format!("ACCEPTED [{rid}] after its CANCEL, on {label}"));
                }
            }
            seen = d.len();
            if let Some(c) = cancels {
                cancelled.push(c.clone());
            }
        }
    }
    Ok(w.snapshot(user_of(s)))
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Runs one story: in order, then in `permutations` random orders, for
/// every stream.
fn check_story(seed: u64, permutations: usize) -> Result<usize, String> {
    let mut rng = Rng::new(seed);
    let story = story::generate(&mut rng, 10);
    let mut runs = 0;
    for s in [Stream::Attendee, Stream::Resource, Stream::Organiser] {
        let msgs = stream(&story, s);
        let in_order: Vec<usize> = (0..msgs.len()).collect();
        let expected = run(&msgs, &in_order, s)?;
        for _ in 0..permutations {
            let order = rng.permutation(msgs.len());
            let got = run(&msgs, &order, s)?;
            runs += 1;
            if got != expected {
                let labels: Vec<&str> = order.iter().map(|&i| msgs[i].3.as_str()).collect();
                let story_labels: Vec<&str> = msgs.iter().map(|m| m.3.as_str()).collect();
                return Err(format!(
                    "seed {seed}, {s:?}: order {labels:?} (story {story_labels:?}) ends in\n{got}\ninstead of\n{expected}"
                ));
            }
        }
    }
    Ok(runs)
}

#[test]
fn stories_converge_in_any_order_of_arrival() {
    let stories = env_usize("CONVERGENCE_STORIES", 300);
    let permutations = env_usize("CONVERGENCE_PERMUTATIONS", 6);
    let base = env_usize("CONVERGENCE_SEED", 0x5eed) as u64;
    let started = std::time::Instant::now();
    let mut runs = 0;
    for k in 0..stories as u64 {
        match check_story(base.wrapping_mul(1_000_003).wrapping_add(k), permutations) {
            Ok(n) => runs += n,
            Err(e) => panic!("{e}"),
        }
    }
    eprintln!(
        "convergence: {stories} stories, {runs} permuted deliveries of a stream, {:?}",
        started.elapsed()
    );
    assert!(runs >= stories * permutations, "every story ran every stream");
}
