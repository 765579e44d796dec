//! Two calendar agents (one for a person, one for a resource and another
//! person) on one store, a facilitator and `imip_ask`: free/busy from both,
//! a compound goal joining them, and owner-only details.

use super::harness::{Facilitator, Site, ask, ask_as, mail_request};
use chrono::{TimeZone, Utc};
use imip_agent::freebusy::{BusyPeriod, FbSet};
use imip_agent::store::Store;
use imip_agent::store::sqlite::{SqliteOptions, SqliteStore};

const ALICE: &str = "mailto:alice@example.com";
const ROOM: &str = "mailto:room-1@example.com";

/// Alice (sharing free/busy, busy 09:00-10:00 on 2027-03-10), Bob (not
/// sharing), room-1 (capacity 10, booked by mail 10:00-11:00).
fn site() -> Site {
    let site = Site::new(
        &[
            ("alice@example.com", "person"),
            ("bob@example.com", "person"),
            ("room-1@example.com", "resource"),
        ],
        5,
    );
    site.admin(&["prefs", "set", "alice@example.com", "freebusy_sharing", "share"]);
    site.admin(&["prefs", "set", "room-1@example.com", "capacity", "10"]);
    site.mail_to_resource(
        "room-1@example.com",
        &mail_request(
            "m1@example.com",
            "bob@example.com",
            "room-1@example.com",
            "100000",
            "110000",
        ),
    );
    // Alice's own busy time as her mail agents would have recorded it.
    let mut store = SqliteStore::open(&site.store(), &SqliteOptions::default()).unwrap();
    let at = |h| Utc.with_ymd_and_hms(2027, 3, 10, h, 0, 0).unwrap();
    let mut tx = store.write().unwrap();
    let mut p = BusyPeriod::new(at(9), at(10), "standup@example.com", "");
    p.summary = "Stand-up".into();
    tx.add_busy(&FbSet::Own(ALICE.into()), &[p]).unwrap();
    tx.commit().unwrap();
    site
}

#[test]
fn freebusy_and_a_compound_goal_across_two_agents() {
    let site = site();
    // Several threads here; the other tests use the default one.
    let fac = Facilitator::start_with_threads(2);
    let _alice = site.agent(&fac, &["--user", "alice@example.com", "--name", "alice-calendar"]);
    let _rooms = site.agent(&fac, &["--user", "room-1@example.com", "--user", "bob@example.com"]);

    let day = "'2027-03-10T00:00:00Z', '2027-03-11T00:00:00Z'";
    let a = ask(&fac.addr, &format!("freebusy('{ALICE}', {day}, P)"), &[]);
    assert_eq!(a.status, 0, "{a:?}");
    assert_eq!(
        a.solutions,
        vec![format!(
            "freebusy('{ALICE}','2027-03-10T00:00:00Z','2027-03-11T00:00:00Z',[period('2027-03-10T09:00:00Z','2027-03-10T10:00:00Z')])"
        )]
    );
    let r = ask(&fac.addr, &format!("freebusy('room-1@example.com', {day}, P)"), &[]);
    assert_eq!(r.solutions.len(), 1, "{r:?}");
    assert!(
        r.solutions[0].contains("[period('2027-03-10T10:00:00Z','2027-03-10T11:00:00Z')]"),
        "{r:?}"
    );
    // Bob does not share his free/busy: no answer, as by mail.
    let b = ask(&fac.addr, &format!("freebusy('bob@example.com', {day}, P)"), &[]);
    assert_eq!(b.status, 1, "{b:?}");

    // A slot where Alice and room-1 are both free: Alice's free hours from
    // 09:00, each checked against the room (a join across two agents).
    let joint = ask(
        &fac.addr,
        &format!(
            "(suggest('{ALICE}', 60, '2027-03-10T09:00:00Z', slot(S, E)), available('{ROOM}', S, E))"
        ),
        &[],
    );
    assert_eq!(joint.status, 0, "{joint:?}");
    assert!(
        joint.solutions[0].contains("slot('2027-03-10T11:00:00Z','2027-03-10T12:00:00Z')"),
        "first joint slot: {joint:?}"
    );
    assert!(
        !joint.solutions.iter().any(|s| s.contains("slot('2027-03-10T10:00:00Z'")),
        "{joint:?}"
    );
}

#[test]
fn details_are_for_the_owner_only() {
    let site = site();
    let fac = Facilitator::start();
    let _agent = site.agent(&fac, &[]);
    // Anyone: nothing.
    let anon = ask(&fac.addr, &format!("event('{ROOM}', Uid, Summary, S, E, P)"), &[]);
    assert_eq!(anon.status, 1, "{anon:?}");
    let anon = ask(&fac.addr, &format!("preference('{ROOM}', capacity, V)"), &[]);
    assert_eq!(anon.status, 1, "{anon:?}");
    // Another user: nothing.
    let other = ask_as(&fac.addr, ALICE, &format!("preference('{ROOM}', capacity, V)"), &[]);
    assert_eq!(other.status, 1, "{other:?}");
    // The owner (an agent named after the address): its events and preferences.
    let own = ask_as(
        &fac.addr,
        "room-1@example.com",
        &format!("event('{ROOM}', Uid, Summary, S, E, P)"),
        &[],
    );
    assert_eq!(
        own.solutions,
        vec![format!(
            "event('{ROOM}','m1@example.com','m1@example.com','2027-03-10T10:00:00Z','2027-03-10T11:00:00Z',accepted)"
        )],
        "{own:?}"
    );
    let cap = ask_as(&fac.addr, ROOM, &format!("preference('{ROOM}', capacity, V)"), &[]);
    assert_eq!(cap.solutions, vec![format!("preference('{ROOM}',capacity,'10')")], "{cap:?}");
    let all = ask_as(&fac.addr, ALICE, &format!("preference('{ALICE}', N, V)"), &[]);
    assert!(all.solutions.iter().any(|s| s.contains("freebusy_sharing,share")), "{all:?}");
}

#[test]
fn the_agent_comes_back_after_the_facilitator_restarts() {
    let site = site();
    let fac = Facilitator::start();
    let addr = fac.addr.clone();
    let agent = site.agent(&fac, &["--user", "room-1@example.com"]);
    drop(fac);
    agent.wait_for("connection lost");
    // A new facilitator on the same address: the agent connects and
    // declares everything again on its own.
    let fac = Facilitator::start_on(&addr);
    super::harness::eventually("the agent to register again", || {
        agent.log().matches("calendar agent ready").count() == 2
    });
    let r = ask(
        &fac.addr,
        &format!("available('{ROOM}', '2027-03-10T11:00:00Z', '2027-03-10T12:00:00Z')"),
        &[],
    );
    assert_eq!(r.status, 0, "{r:?}");
}
