//! Generated scheduling stories: an organiser's invitation of two people
//! and a room to a single or weekly event, then a random sequence of what
//! organisers and attendees do — series updates (sending the moved
//! occurrences again, as Google does, or dropping them, as Outlook does),
//! occurrences moved, cancelled or added, replies for the series or one
//! occurrence, counter-proposals declined, refreshes, and perhaps the
//! cancellation of it all. Each message says which agents receive it.

use chrono::{DateTime, Duration, TimeZone, Utc};
use std::collections::BTreeMap;

pub const ORGANISER: &str = "paul.boddie@example.com";
pub const VINCENT: &str = "vincent.vole@example.com";
pub const ANNA: &str = "anna@example.com";
pub const ROOM: &str = "room@example.com";
pub const UID: &str = "story@example.com";

/// A small deterministic generator (xorshift64*), seeded by proptest.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    /// A random permutation of `0..n` (Fisher-Yates).
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut v: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            v.swap(i, self.below(i + 1));
        }
        v
    }
}

/// Who receives a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// The organiser's messages to Vincent (imip_person).
    Attendee,
    /// The organiser's messages to the room (imip_resource).
    Resource,
    /// The organiser's own copy (imip_person_outgoing) and the attendees'
    /// answers to the organiser (imip_person): one person's store.
    Organiser,
}

/// Which program handles a message in the organiser's stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Program {
    Person,
    Outgoing,
    Resource,
}

/// One message of a story.
#[derive(Debug, Clone)]
pub struct Message {
    /// What it is, for failure reports.
    pub label: String,
    /// The RFC 5322 text.
    pub raw: String,
    /// Where it goes: (stream, program, recipient).
    pub deliveries: Vec<(Stream, Program, &'static str)>,
    /// For the resource: the instance a CANCEL covers ("" for all).
    pub cancels: Option<String>,
}

/// One VEVENT.
#[derive(Debug, Clone, Default)]
struct Ev {
    rid: Option<DateTime<Utc>>,
    seq: i64,
    stamp: DateTime<Utc>,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    rrule: Option<String>,
    rdates: Vec<DateTime<Utc>>,
    exdates: Vec<DateTime<Utc>>,
    attendees: Vec<(&'static str, &'static str)>,
    summary: String,
    status: Option<&'static str>,
}

fn t(d: &DateTime<Utc>) -> String {
    d.format("%Y%m%dT%H%M%SZ").to_string()
}

fn vevent(e: &Ev) -> String {
    let mut s = format!("BEGIN:VEVENT\r\nUID:{UID}\r\n");
    if let Some(r) = &e.rid {
        s.push_str(&format!("RECURRENCE-ID:{}\r\n", t(r)));
    }
    s.push_str(&format!("SEQUENCE:{}\r\nDTSTAMP:{}\r\n", e.seq, t(&e.stamp)));
    s.push_str(&format!("ORGANIZER:mailto:{ORGANISER}\r\n"));
    for (a, p) in &e.attendees {
        s.push_str(&format!("ATTENDEE;PARTSTAT={p}:mailto:{a}\r\n"));
    }
    if let (Some(st), Some(en)) = (e.start, e.end) {
        s.push_str(&format!("DTSTART:{}\r\nDTEND:{}\r\n", t(&st), t(&en)));
    }
    if let Some(r) = &e.rrule {
        s.push_str(&format!("RRULE:{r}\r\n"));
    }
    for r in &e.rdates {
        s.push_str(&format!("RDATE:{}\r\n", t(r)));
    }
    for x in &e.exdates {
        s.push_str(&format!("EXDATE:{}\r\n", t(x)));
    }
    if !e.summary.is_empty() {
        s.push_str(&format!("SUMMARY:{}\r\n", e.summary));
    }
    if let Some(st) = e.status {
        s.push_str(&format!("STATUS:{st}\r\n"));
    }
    s.push_str("END:VEVENT\r\n");
    s
}

fn mail(from: &str, to: &[&str], method: &str, events: &[Ev], n: usize) -> String {
    let body: String = events.iter().map(vevent).collect();
    format!(
        "From: <{from}>\r\nTo: {}\r\nSubject: story {n}\r\nMessage-ID: <story-{n}@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: text/calendar; method={method}; charset=utf-8\r\n\r\nBEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//convergence//EN\r\nMETHOD:{method}\r\n{body}END:VCALENDAR\r\n",
        to.iter().map(|a| format!("<{a}>")).collect::<Vec<_>>().join(", ")
    )
}

/// The organiser's view of the event as the story goes.
struct State {
    recurring: bool,
    start: DateTime<Utc>,
    master_seq: i64,
    summary: u32,
    /// Moved occurrences: index → (seq, new start).
    moved: BTreeMap<usize, (i64, DateTime<Utc>)>,
    cancelled: BTreeMap<usize, i64>,
    added: Vec<DateTime<Utc>>,
    clock: DateTime<Utc>,
    counter_pending: bool,
    ended: bool,
}

const OCCURRENCES: usize = 4;

impl State {
    fn occurrence(&self, i: usize) -> DateTime<Utc> {
        self.start + Duration::weeks(i as i64)
    }
    fn tick(&mut self, rng: &mut Rng) -> DateTime<Utc> {
        self.clock += Duration::minutes(1 + rng.below(5) as i64);
        self.clock
    }
    fn invited(&self) -> Vec<(&'static str, &'static str)> {
        vec![
            (ORGANISER, "ACCEPTED"),
            (VINCENT, "NEEDS-ACTION"),
            (ANNA, "NEEDS-ACTION"),
            (ROOM, "NEEDS-ACTION"),
        ]
    }
    fn master(&self, stamp: DateTime<Utc>) -> Ev {
        Ev {
            seq: self.master_seq,
            stamp,
            start: Some(self.start),
            end: Some(self.start + Duration::hours(1)),
            rrule: self.recurring.then(|| format!("FREQ=WEEKLY;COUNT={OCCURRENCES}")),
            rdates: self.added.clone(),
            exdates: self.cancelled.keys().map(|i| self.occurrence(*i)).collect(),
            attendees: self.invited(),
            summary: format!("Story v{}", self.summary),
            ..Ev::default()
        }
    }
    fn moved_ev(&self, i: usize, seq: i64, start: DateTime<Utc>, stamp: DateTime<Utc>) -> Ev {
        Ev {
            rid: Some(self.occurrence(i)),
            seq,
            stamp,
            start: Some(start),
            end: Some(start + Duration::hours(1)),
            attendees: self.invited(),
            summary: format!("Story v{} (moved)", self.summary),
            ..Ev::default()
        }
    }
}

fn organiser_msg(label: String, raw: String, cancels: Option<String>, to_vincent: bool) -> Message {
    let mut deliveries = vec![
        (Stream::Resource, Program::Resource, ROOM),
        (Stream::Organiser, Program::Outgoing, "people-outgoing@example.com"),
    ];
    if to_vincent {
        deliveries.push((Stream::Attendee, Program::Person, VINCENT));
    }
    Message { label, raw, deliveries, cancels }
}

fn answer_msg(label: String, raw: String) -> Message {
    Message {
        label,
        raw,
        deliveries: vec![(Stream::Organiser, Program::Person, ORGANISER)],
        cancels: None,
    }
}

/// Generates a story of at most `max_steps` further messages.
pub fn generate(rng: &mut Rng, max_steps: usize) -> Vec<Message> {
    let mut st = State {
        recurring: rng.chance(70),
        start: Utc.with_ymd_and_hms(2027, 3, 8, 10, 0, 0).single().unwrap_or_default(),
        master_seq: 0,
        summary: 0,
        moved: BTreeMap::new(),
        cancelled: BTreeMap::new(),
        added: Vec::new(),
        clock: Utc.with_ymd_and_hms(2027, 3, 1, 9, 0, 0).single().unwrap_or_default(),
        counter_pending: false,
        ended: false,
    };
    let mut out = Vec::new();
    let everyone = [VINCENT, ANNA, ROOM];
    let stamp = st.tick(rng);
    out.push(organiser_msg(
        "REQUEST series".into(),
        mail(ORGANISER, &everyone, "REQUEST", &[st.master(stamp)], 0),
        None,
        true,
    ));
    let steps = 2 + rng.below(max_steps.saturating_sub(1));
    for n in 1..=steps {
        if st.ended {
            break;
        }
        let stamp = st.tick(rng);
        let live: Vec<usize> =
            (0..OCCURRENCES).filter(|i| st.recurring && !st.cancelled.contains_key(i)).collect();
        match rng.below(10) {
            0 => {
                // A series update; Google sends the moved occurrences with
                // it, Outlook drops them.
                st.master_seq += 1;
                st.summary += 1;
                if !rng.chance(50) {
                    st.moved.clear();
                }
                let mut evs = vec![st.master(stamp)];
                for (i, (seq, start)) in &st.moved {
                    evs.push(st.moved_ev(*i, *seq, *start, stamp));
                }
                out.push(organiser_msg(
                    format!("REQUEST update seq {}", st.master_seq),
                    mail(ORGANISER, &everyone, "REQUEST", &evs, n),
                    None,
                    true,
                ));
            }
            1 if !live.is_empty() => {
                let i = live[rng.below(live.len())];
                let seq = st.moved.get(&i).map_or(st.master_seq, |m| m.0).max(st.master_seq) + 1;
                let start =
                    st.occurrence(i) + Duration::days(1) + Duration::hours(rng.below(3) as i64);
                st.moved.insert(i, (seq, start));
                out.push(organiser_msg(
                    format!("REQUEST move #{i} seq {seq}"),
                    mail(ORGANISER, &everyone, "REQUEST", &[st.moved_ev(i, seq, start, stamp)], n),
                    None,
                    true,
                ));
            }
            2 if !live.is_empty() => {
                let i = live[rng.below(live.len())];
                let seq = st.moved.get(&i).map_or(st.master_seq, |m| m.0).max(st.master_seq) + 1;
                st.moved.remove(&i);
                st.cancelled.insert(i, seq);
                let ev = Ev {
                    rid: Some(st.occurrence(i)),
                    seq,
                    stamp,
                    attendees: st.invited(),
                    ..Ev::default()
                };
                out.push(organiser_msg(
                    format!("CANCEL #{i} seq {seq}"),
                    mail(ORGANISER, &everyone, "CANCEL", &[ev], n),
                    Some(t(&st.occurrence(i))),
                    true,
                ));
            }
            3 if st.recurring && st.added.len() < 2 => {
                let at = st.start + Duration::weeks(5 + st.added.len() as i64) + Duration::hours(3);
                st.added.push(at);
                let ev = Ev {
                    seq: st.master_seq,
                    stamp,
                    start: Some(at),
                    end: Some(at + Duration::hours(1)),
                    attendees: st.invited(),
                    summary: format!("Story v{} (added)", st.summary),
                    ..Ev::default()
                };
                out.push(organiser_msg(
                    "ADD".into(),
                    mail(ORGANISER, &everyone, "ADD", &[ev], n),
                    None,
                    true,
                ));
            }
            4..=6 => {
                let who = if rng.chance(50) { VINCENT } else { ANNA };
                let partstat = ["ACCEPTED", "DECLINED", "TENTATIVE"][rng.below(3)];
                let (rid, seq) = if !live.is_empty() && rng.chance(40) {
                    let i = live[rng.below(live.len())];
                    (Some(st.occurrence(i)), st.moved.get(&i).map_or(st.master_seq, |m| m.0))
                } else {
                    (None, st.master_seq)
                };
                let ev = Ev { rid, seq, stamp, attendees: vec![(who, partstat)], ..Ev::default() };
                out.push(answer_msg(
                    format!(
                        "REPLY {who} {partstat} {} seq {seq}",
                        rid.map(|r| t(&r)).unwrap_or_default()
                    ),
                    mail(who, &[ORGANISER], "REPLY", &[ev], n),
                ));
            }
            7 => {
                let at = st.start + Duration::hours(2);
                let ev = Ev {
                    seq: st.master_seq,
                    stamp,
                    start: Some(at),
                    end: Some(at + Duration::hours(1)),
                    attendees: vec![(VINCENT, "TENTATIVE")],
                    summary: "Later?".into(),
                    ..Ev::default()
                };
                st.counter_pending = true;
                out.push(answer_msg(
                    format!("COUNTER seq {}", st.master_seq),
                    mail(VINCENT, &[ORGANISER], "COUNTER", &[ev], n),
                ));
            }
            8 if st.counter_pending => {
                st.counter_pending = false;
                let ev = Ev {
                    seq: st.master_seq,
                    stamp,
                    attendees: vec![(VINCENT, "TENTATIVE")],
                    ..Ev::default()
                };
                out.push(Message {
                    label: format!("DECLINECOUNTER seq {}", st.master_seq),
                    raw: mail(ORGANISER, &[VINCENT], "DECLINECOUNTER", &[ev], n),
                    deliveries: vec![
                        (Stream::Attendee, Program::Person, VINCENT),
                        (Stream::Organiser, Program::Outgoing, "people-outgoing@example.com"),
                    ],
                    cancels: None,
                });
            }
            8 => {
                let ev = Ev {
                    seq: st.master_seq,
                    stamp,
                    attendees: vec![(ANNA, "NEEDS-ACTION")],
                    ..Ev::default()
                };
                out.push(answer_msg(
                    "REFRESH".into(),
                    mail(ANNA, &[ORGANISER], "REFRESH", &[ev], n),
                ));
            }
            _ if n + 1 >= steps && rng.chance(50) => {
                st.master_seq += 1;
                st.ended = true;
                let mut ev = st.master(stamp);
                ev.status = Some("CANCELLED");
                out.push(organiser_msg(
                    format!("CANCEL series seq {}", st.master_seq),
                    mail(ORGANISER, &everyone, "CANCEL", &[ev], n),
                    Some(String::new()),
                    true,
                ));
            }
            _ => {}
        }
    }
    out
}
