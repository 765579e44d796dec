//! Shared by the benchmarks: synthetic REQUEST messages to a room, the slot
//! grid that keeps them apart, and filling a store with N bookings through
//! the library's own resource path. Performs I/O on the store it is given.
//!
//! The grid: N one-off events spread evenly over four years centred on
//! "now" (so half lie in the past, as in a store that has been in use for
//! two years and is booked two years ahead). Event `i` starts at
//! `T0 + i × spacing` and lasts half a spacing (at most an hour), so every
//! event is accepted and the room's busy periods never overlap. A
//! benchmark request that must be booked goes into the free half of a
//! future slot; one that must be declined asks for an event's own time.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, Utc};
use imip_agent::address::CalAddress;
use imip_agent::agent::handle::{handle_recipient, message_key};
use imip_agent::agent::prefs::StorePrefs;
use imip_agent::agent::{AgentKind, Env};
use imip_agent::clock::{CounterIdGen, FixedClock, parse_instant};
use imip_agent::config::Config;
use imip_agent::mail::items::extract_items;
use imip_agent::mail::{InboundMessage, MailLimits};
use imip_agent::store::{RunRecord, Store};

/// The room every benchmark books.
pub const ROOM: &str = "resource-room-confroom@example.com";
/// The organiser of every request.
pub const ORGANIZER: &str = "paul.boddie@example.com";
/// "Now" for the population and for the measured runs (`IMIP_AGENT_NOW`).
pub const NOW: &str = "20270301T090000Z";
/// The time the grid spans, centred on [`NOW`].
const SPAN_DAYS: i64 = 4 * 365;

/// The fixed instant [`NOW`].
pub fn now() -> DateTime<Utc> {
    parse_instant(NOW).expect("NOW parses")
}

/// The slot grid for a store of `n` events.
#[derive(Debug, Clone, Copy)]
pub struct Grid {
    t0: DateTime<Utc>,
    spacing: i64,
    length: i64,
    /// Number of slots (at least 1,000, so that an empty store still has
    /// distinct free slots for the requests).
    pub slots: usize,
}

impl Grid {
    /// The grid for `n` stored events.
    pub fn new(n: usize) -> Grid {
        let slots = n.max(1000);
        let span = SPAN_DAYS * 86_400;
        let spacing = span / slots as i64;
        Grid {
            t0: now() - Duration::days(SPAN_DAYS / 2),
            spacing,
            length: (spacing / 2).min(3600),
            slots,
        }
    }

    /// The stored event of slot `i`.
    pub fn event(&self, i: usize) -> (DateTime<Utc>, DateTime<Utc>) {
        let s = self.t0 + Duration::seconds(i as i64 * self.spacing);
        (s, s + Duration::seconds(self.length))
    }

    /// A free period inside slot `i` (between its event and the next).
    pub fn gap(&self, i: usize) -> (DateTime<Utc>, DateTime<Utc>) {
        let (_, end) = self.event(i);
        let gap = self.spacing - self.length;
        let s = end + Duration::seconds(gap / 4);
        (s, s + Duration::seconds((gap / 2).max(60)))
    }

    /// The `j`-th future slot: slots after "now", wrapping round.
    pub fn future_slot(&self, j: usize) -> usize {
        let first = self.slots / 2 + 1;
        first + j % (self.slots - first)
    }
}

fn ical_utc(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A REQUEST from [`ORGANIZER`] to [`ROOM`], shaped like the messages
/// Thunderbird sends: multipart/alternative with a text part and a
/// text/calendar part carrying the method.
pub fn request(uid: &str, start: DateTime<Utc>, end: DateTime<Utc>) -> Vec<u8> {
    let stamp = ical_utc(now() - Duration::minutes(5));
    format!(
        "From: Paul Boddie <{ORGANIZER}>\r\n\
         To: {ROOM}\r\n\
         Subject: Meeting {uid}\r\n\
         Message-ID: <{uid}.request@example.com>\r\n\
         Date: Mon, 1 Mar 2027 08:55:00 +0000\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/alternative; boundary=\"===============1\"\r\n\
         \r\n\
         --===============1\r\n\
         Content-Type: text/plain; charset=\"us-ascii\"\r\n\
         \r\n\
         You are invited to a meeting.\r\n\
         \r\n\
         --===============1\r\n\
         Content-Type: text/calendar; charset=\"utf-8\"; method=\"REQUEST\"\r\n\
         Content-Transfer-Encoding: 7bit\r\n\
         \r\n\
         BEGIN:VCALENDAR\r\n\
         PRODID:-//imip-agent/bench//EN\r\n\
         METHOD:REQUEST\r\n\
         VERSION:2.0\r\n\
         BEGIN:VEVENT\r\n\
         ORGANIZER:mailto:{ORGANIZER}\r\n\
         ATTENDEE;ROLE=CHAIR;PARTSTAT=ACCEPTED:mailto:{ORGANIZER}\r\n\
         ATTENDEE;RSVP=TRUE;CUTYPE=ROOM:mailto:{ROOM}\r\n\
         DTSTAMP:{stamp}\r\n\
         DTSTART:{}\r\n\
         DTEND:{}\r\n\
         SUMMARY:Meeting {uid}\r\n\
         UID:{uid}\r\n\
         SEQUENCE:0\r\n\
         END:VEVENT\r\n\
         END:VCALENDAR\r\n\
         \r\n\
         --===============1--\r\n",
        ical_utc(start),
        ical_utc(end),
    )
    .into_bytes()
}

/// The agent's environment as pipe mode builds it, with a fixed clock.
pub struct Setup {
    /// Default configuration (durability "full").
    pub config: Config,
    /// Fixed at [`NOW`].
    pub clock: FixedClock,
    /// Identifier generator.
    pub ids: CounterIdGen,
    /// Preferences from the store.
    pub prefs: StorePrefs,
    /// The room.
    pub room: CalAddress,
}

impl Setup {
    /// The set-up for the room.
    pub fn new() -> Setup {
        let clock = FixedClock(now());
        Setup {
            config: Config::default(),
            ids: CounterIdGen::new("bench"),
            clock,
            prefs: StorePrefs,
            room: CalAddress::from_email(ROOM).expect("room address"),
        }
    }

    /// The environment borrowing this set-up.
    pub fn env(&self) -> Env<'_> {
        Env {
            config: &self.config,
            clock: &self.clock,
            ids: &self.ids,
            agent_address: CalAddress::from_email(&self.config.message_sender)
                .expect("sender address"),
            prefs: &self.prefs,
            system_zone: Some("UTC".into()),
            mailbox_delivery: false,
        }
    }
}

/// Runs one message for the room inside `tx` the way pipe mode does (parse,
/// extract, handle), and returns whether the room accepted it.
pub fn decide(
    setup: &Setup,
    env: &Env<'_>,
    tx: &mut dyn imip_agent::store::StoreTx,
    raw: &[u8],
) -> bool {
    let msg = InboundMessage::parse(raw, &MailLimits::default());
    let items = extract_items(&msg, setup.config.counter_as_request);
    let key = message_key(raw);
    let h = handle_recipient(AgentKind::Resource, env, tx, raw, &msg, &items, &setup.room, &key)
        .expect("handled");
    h.notes.iter().any(|n| n.contains(": ACCEPTED"))
}

/// Books `n` grid events into `store` through the resource path, with the
/// run record and "sent" mark pipe mode adds, committing every 1,000
/// messages. Returns how many were accepted (all of them, by construction).
pub fn populate(store: &mut dyn Store, n: usize) -> usize {
    let setup = Setup::new();
    let env = setup.env();
    let grid = Grid::new(n);
    let mut accepted = 0;
    let mut i = 0;
    while i < n {
        let mut tx = store.write().expect("write transaction");
        for i in i..(i + 1000).min(n) {
            let (s, e) = grid.event(i);
            let raw = request(&format!("pop-{i}@example.com"), s, e);
            if decide(&setup, &env, tx.as_mut(), &raw) {
                accepted += 1;
            }
            let key = message_key(&raw);
            tx.add_run(&RunRecord {
                started: setup.clock.0.timestamp(),
                program: "imip_resource".into(),
                message_id: format!("pop-{i}@example.com.request@example.com"),
                message_key: key.clone(),
                sender: ORGANIZER.into(),
                recipients: ROOM.into(),
                methods: "VEVENT:REQUEST".into(),
                outcome: "done; 1 message(s) sent or delivered".into(),
                duration_us: 1000,
                ..RunRecord::default()
            })
            .expect("run record");
            tx.mark_sent(&key, ROOM, "imip_resource", 1).expect("mark sent");
        }
        tx.commit().expect("commit");
        i = (i + 1000).min(n);
    }
    accepted
}
