//! The cases: per role and method, what the engine must plan.

use super::{Case, Ev, Expect, Role, ev};
use crate::ical::Method;

fn case(
    name: &'static str,
    role: Role,
    user: &'static str,
    method: Method,
    object: Ev,
    from: &'static str,
) -> Case {
    Case {
        name,
        role,
        user,
        held: Vec::new(),
        prefs: Vec::new(),
        method,
        object,
        from,
        expect: Expect::default(),
    }
}

impl Case {
    fn holds(mut self, user: &'static str, e: Ev) -> Case {
        self.held.push((user, e, false));
        self
    }
    fn holds_cancelled(mut self, user: &'static str, e: Ev) -> Case {
        self.held.push((user, e, true));
        self
    }
    fn pref(mut self, user: &'static str, name: &'static str, value: &'static str) -> Case {
        self.prefs.push((user, name, value));
        self
    }
    /// Acted on, with these operations in order and these parts.
    fn acts(mut self, ops: &[&'static str], parts: &[&'static str], log: &'static str) -> Case {
        self.expect = Expect {
            handled: true,
            ops: ops.to_vec(),
            parts: parts.to_vec(),
            log,
            ..Expect::default()
        };
        self
    }
    /// Not acted on: no operations, nothing sent, this log line.
    fn refuses(mut self, log: &'static str) -> Case {
        self.expect = Expect {
            handled: false,
            no_ops: vec!["put", "delete", "queue", "answer", "counter", "decision"],
            log,
            ..Expect::default()
        };
        self
    }
    fn remembers(mut self, op: &'static str) -> Case {
        self.expect.no_ops.retain(|o| !op.starts_with(o));
        self.expect.ops.push(op);
        self
    }
    fn without(mut self, ops: &[&'static str]) -> Case {
        self.expect.no_ops.extend_from_slice(ops);
        self
    }
}

use Method::{Add, Cancel, Counter, DeclineCounter, Publish, Refresh, Reply, Request};
use Role::{Outgoing, Person, Resource};

const A: &str = "a@x";
const O: &str = "o@x";
const ROOM: &str = "room@x";

pub(super) fn all() -> Vec<Case> {
    let mut v = Vec::new();
    v.extend(attendee());
    v.extend(organiser());
    v.extend(resource());
    v.extend(outgoing());
    v
}

/// A person receiving from an organiser.
fn attendee() -> Vec<Case> {
    vec![
        case("REQUEST new is stored and queued", Person, A, Request, ev("e"), O).acts(
            &["put e[] active seq=0", "queue e[] Invitation"],
            &[],
            "recorded and queued",
        ),
        case("REQUEST from someone else than the organiser", Person, A, Request, ev("e"), "m@x")
            .refuses("mailto:m@x"),
        case(
            "REQUEST not inviting the recipient",
            Person,
            A,
            Request,
            ev("e").att(&[("b@x", "NEEDS-ACTION")]),
            O,
        )
        .refuses("not an attendee"),
        case("REQUEST older than the stored one", Person, A, Request, ev("e").seq(1), O)
            .holds(A, ev("e").seq(2))
            .refuses("not newer"),
        case(
            "REQUEST at the same SEQUENCE but stamped earlier",
            Person,
            A,
            Request,
            ev("e").stamp("20270301T070000Z"),
            O,
        )
        .holds(A, ev("e"))
        .refuses("not newer"),
        case("REQUEST updating a stored event", Person, A, Request, ev("e").seq(1), O)
            .holds(A, ev("e"))
            .acts(&["put e[] active seq=1"], &[], ""),
        case("REQUEST after its CANCEL arrived first", Person, A, Request, ev("e"), O)
            .holds_cancelled(A, ev("e").seq(1).cancelled())
            .refuses("cancel"),
        case("PUBLISH is stored", Person, A, Publish, ev("e"), O).acts(
            &["put e[] active"],
            &[],
            "",
        ),
        case("CANCEL of a stored event", Person, A, Cancel, ev("e").seq(1).cancelled(), O)
            .holds(A, ev("e"))
            .acts(&["put e[] cancelled seq=1", "dequeue e[]"], &[], ""),
        case(
            "CANCEL arriving before its REQUEST is kept",
            Person,
            A,
            Cancel,
            ev("e").seq(1).cancelled(),
            O,
        )
        .acts(&["put e[] cancelled"], &[], ""),
        case(
            "CANCEL of one occurrence",
            Person,
            A,
            Cancel,
            ev("r").rid("20270408T100000Z").at("20270408T100000Z", "20270408T110000Z").seq(1),
            O,
        )
        .holds(A, ev("r").rrule("FREQ=WEEKLY;COUNT=4"))
        .acts(&["put r[20270408T100000Z] cancelled"], &[], ""),
        case(
            "ADD answered with a REFRESH by default",
            Person,
            A,
            Add,
            ev("r").at("20270420T100000Z", "20270420T110000Z").stamp("20270301T085000Z"),
            O,
        )
        .holds(A, ev("r").rrule("FREQ=WEEKLY;COUNT=2"))
        .acts(&[], &["REFRESH to o@x"], "REFRESH sent")
        .without(&["put"]),
        case(
            "ADD applied when the user says so",
            Person,
            A,
            Add,
            ev("r").at("20270420T100000Z", "20270420T110000Z").stamp("20270301T085000Z"),
            O,
        )
        .holds(A, ev("r").rrule("FREQ=WEEKLY;COUNT=2"))
        .pref(A, "add_method_response", "add")
        .acts(&["put r[20270420T100000Z] active"], &[], "recorded"),
        case(
            "ADD for an event not held asks for it",
            Person,
            A,
            Add,
            ev("r").at("20270420T100000Z", "20270420T110000Z"),
            O,
        )
        .pref(A, "add_method_response", "add")
        .acts(&[], &["REFRESH to o@x"], ""),
    ]
}

/// A person receiving their attendees' answers.
fn organiser() -> Vec<Case> {
    let mine = || ev("e").att(&[(A, "NEEDS-ACTION"), ("b@x", "NEEDS-ACTION")]);
    vec![
        case("REPLY is merged and recorded", Person, O, Reply, ev("e").att(&[(A, "ACCEPTED")]), A)
            .holds(O, mine())
            .acts(&["answer e[] mailto:a@x Reply", "put e[] active seq=0 a@x=ACCEPTED"], &[], ""),
        case(
            "REPLY from someone not invited",
            Person,
            O,
            Reply,
            ev("e").att(&[("z@x", "ACCEPTED")]),
            "z@x",
        )
        .holds(O, mine())
        .refuses("invited"),
        // Kept: the invitation may still be on its way (any order of arrival).
        case("REPLY for an event not held", Person, O, Reply, ev("e").att(&[(A, "ACCEPTED")]), A)
            .acts(&["answer e[] mailto:a@x Reply"], &[], "no such event stored yet")
            .without(&["put"]),
        case("REPLY to an earlier version", Person, O, Reply, ev("e").att(&[(A, "ACCEPTED")]), A)
            .holds(O, mine().seq(2))
            .refuses("earlier version")
            // Remembered, not merged: the attendee's latest word, should an
            // older copy of the organiser's come back (any order of arrival).
            .remembers("answer e[] mailto:a@x Reply"),
        case(
            "REPLY stamped before the organiser's re-send at the same SEQUENCE still counts",
            Person,
            O,
            Reply,
            ev("e").att(&[(A, "DECLINED")]).stamp("20270301T070000Z"),
            A,
        )
        .holds(O, mine().stamp("20270301T085000Z"))
        .acts(
            &["answer e[] mailto:a@x Reply", "put e[] active seq=0 a@x=DECLINED"],
            &[],
            "",
        ),
        case(
            "REPLY for one occurrence separates it",
            Person,
            O,
            Reply,
            ev("r")
                .rid("20270408T100000Z")
                .at("20270408T100000Z", "20270408T110000Z")
                .att(&[(A, "DECLINED")]),
            A,
        )
        .holds(O, mine().uid_as("r").rrule("FREQ=WEEKLY;COUNT=4"))
        .acts(
            &["answer r[20270408T100000Z] mailto:a@x Reply", "put r[20270408T100000Z] active"],
            &["REQUEST to b@x"],
            "occurrence stored separately and sent to the other attendees",
        ),
        case(
            "REPLY for an occurrence far beyond the window",
            Person,
            O,
            Reply,
            ev("r")
                .rid("20300404T100000Z")
                .at("20300404T100000Z", "20300404T110000Z")
                .att(&[(A, "ACCEPTED")]),
            A,
        )
        .holds(O, mine().uid_as("r").rrule("FREQ=WEEKLY"))
        .acts(
            &["answer r[20300404T100000Z]", "put r[20300404T100000Z] active"],
            &["REQUEST to b@x"],
            "",
        ),
        case(
            "REPLY for a time that is no occurrence",
            Person,
            O,
            Reply,
            ev("r")
                .rid("20270409T100000Z")
                .at("20270409T100000Z", "20270409T110000Z")
                .att(&[(A, "ACCEPTED")]),
            A,
        )
        .holds(O, mine().uid_as("r").rrule("FREQ=WEEKLY;COUNT=4"))
        .refuses("not an occurrence"),
        case(
            "COUNTER is held for the organiser",
            Person,
            O,
            Counter,
            ev("e").att(&[(A, "NEEDS-ACTION")]).at("20270401T140000Z", "20270401T150000Z"),
            A,
        )
        .holds(O, mine())
        .acts(&["counter e[] a@x", "queue e[] Counter"], &[], "")
        .without(&["answer"]),
        case("REFRESH passed on by default", Person, O, Refresh, ev("e").att(&[(A, "")]), A)
            .holds(O, mine())
            .acts(&[], &[], "passed on to the organiser")
            .without(&["put", "answer"]),
        case("REFRESH answered when asked to", Person, O, Refresh, ev("e").att(&[(A, "")]), A)
            .holds(O, mine())
            .pref(O, "event_refreshing", "always")
            .acts(&[], &["REQUEST to a@x"], "sent again"),
        case(
            "DECLINECOUNTER for the attendee's proposal",
            Person,
            A,
            DeclineCounter,
            ev("e").att(&[(A, "")]).stamp("20270301T085900Z"),
            O,
        )
        .holds(A, ev("e"))
        .acts(&[], &[], ""),
    ]
}

/// A resource booking itself.
fn resource() -> Vec<Case> {
    let busy = || ev("other").org("p@x").att(&[(ROOM, "ACCEPTED")]);
    vec![
        case("REQUEST in a free slot is accepted", Resource, ROOM, Request, ev("e"), O).acts(
            &["put e[] active seq=0 a@x=NEEDS-ACTION room@x=ACCEPTED", "decision ACCEPTED e"],
            &["REPLY to o@x"],
            "ACCEPTED",
        ),
        case("REQUEST in a busy slot is declined", Resource, ROOM, Request, ev("e"), O)
            .holds(ROOM, busy())
            .acts(&["decision DECLINED e"], &["REPLY to o@x"], "DECLINED"),
        case("REQUEST after its CANCEL is never booked", Resource, ROOM, Request, ev("e"), O)
            .holds_cancelled(ROOM, ev("e").seq(1).cancelled())
            .refuses("cancel"),
        case(
            "REQUEST left to the owner (auto_schedule accept-if-free, busy)",
            Resource,
            ROOM,
            Request,
            ev("e"),
            O,
        )
        .holds(ROOM, busy())
        .pref(ROOM, "scheduling_function", "auto_schedule accept-if-free")
        .pref(ROOM, "owner", "boss@x")
        .acts(
            &[
                "put e[] active seq=0 a@x=NEEDS-ACTION room@x=NEEDS-ACTION",
                "queue e[] Invitation",
                "decision NEEDS-ACTION e",
            ],
            &["REQUEST to boss@x"],
            "left to the owner",
        ),
        case("CANCEL of a booking frees it", Resource, ROOM, Cancel, ev("e").seq(1).cancelled(), O)
            .holds(ROOM, ev("e").att(&[(ROOM, "ACCEPTED")]))
            .acts(&["put e[] cancelled seq=1"], &[], ""),
        case("REPLY is not for resources", Resource, ROOM, Reply, ev("e"), A).refuses("ignored"),
    ]
}

/// What a person sends, recorded.
fn outgoing() -> Vec<Case> {
    vec![
        case("the organiser's REQUEST is recorded", Outgoing, O, Request, ev("e"), O).acts(
            &["put e[] active seq=0"],
            &[],
            "recorded as organiser",
        ),
        case("a REQUEST organised by someone else", Outgoing, A, Request, ev("e"), A)
            .refuses("is not its organiser"),
        case(
            "the user's REPLY is recorded",
            Outgoing,
            A,
            Reply,
            ev("e").att(&[(A, "ACCEPTED")]),
            A,
        )
        .holds(A, ev("e"))
        .acts(
            &["answer e[] mailto:a@x Reply", "put e[] active seq=0 a@x=ACCEPTED"],
            &[],
            "",
        ),
        case(
            "a REPLY to an invitation not held",
            Outgoing,
            A,
            Reply,
            ev("e").att(&[(A, "ACCEPTED")]),
            A,
        )
        .refuses("not stored"),
        case(
            "the organiser's CANCEL is recorded",
            Outgoing,
            O,
            Cancel,
            ev("e").seq(1).cancelled(),
            O,
        )
        .holds(O, ev("e"))
        .acts(&["put e[] cancelled seq=1"], &[], "cancelled for every attendee"),
        case(
            "the organiser's CANCEL of some attendees uninvites them",
            Outgoing,
            O,
            Cancel,
            ev("e").seq(1).att(&[(A, "")]),
            O,
        )
        .holds(O, ev("e"))
        .acts(&["put e[] active seq=1 room@x=NEEDS-ACTION"], &[], "1 attendee(s) removed"),
        case(
            "the user's COUNTER is held as an offer",
            Outgoing,
            A,
            Counter,
            ev("e").att(&[(A, "")]),
            A,
        )
        .holds(A, ev("e"))
        .acts(&["drop-counters e[]", "periods"], &[], "")
        .without(&["answer", "put"]),
    ]
}

impl Ev {
    /// The same event under another UID.
    fn uid_as(mut self, uid: &'static str) -> Ev {
        self.uid = uid;
        self
    }
}
