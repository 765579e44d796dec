//! Petitions to any member of a class (after Telescript meetings): one
//! agent per resource, `book_any` with `strategy(action)` goes to the
//! matching resources in utility order until one accepts; with a
//! `time_limit` it fails cleanly; an agent killed mid-request is skipped.

use super::harness::{Facilitator, Site, ask, decisions, eventually};
use std::time::Duration;

const PETITION: &str = "book_any([capacity(8)], 'dan@example.com', '2027-03-10T14:00:00Z', '2027-03-10T15:00:00Z', 'Review', R, D)";

fn rooms(site: &Site, rooms: &[(&str, &str)]) {
    for (room, capacity) in rooms {
        site.admin(&["prefs", "set", room, "capacity", capacity]);
    }
}

#[test]
fn a_petition_goes_to_matching_resources_in_utility_order() {
    let site = Site::new(
        &[
            ("room-small@example.com", "resource"),
            ("room-a@example.com", "resource"),
            ("room-b@example.com", "resource"),
        ],
        5,
    );
    rooms(
        &site,
        &[
            ("room-small@example.com", "4"),
            ("room-a@example.com", "10"),
            ("room-b@example.com", "12"),
        ],
    );
    let fac = Facilitator::start();
    // The small room ranks first but is too small; room-a ranks before room-b.
    let _small = site.agent(&fac, &["--user", "room-small@example.com", "--utility", "9"]);
    let _a = site.agent(&fac, &["--user", "room-a@example.com", "--utility", "8"]);
    let _b = site.agent(&fac, &["--user", "room-b@example.com", "--utility", "6"]);

    let first = ask(&fac.addr, PETITION, &["strategy(action)"]);
    assert_eq!(first.status, 0, "{first:?}");
    assert!(first.solutions[0].ends_with("'mailto:room-a@example.com',accepted)"), "{first:?}");
    // room-a is now taken at that hour: the next petition falls over to room-b.
    let second = ask(&fac.addr, PETITION, &["strategy(action)"]);
    assert!(second.solutions[0].ends_with("'mailto:room-b@example.com',accepted)"), "{second:?}");
    // Nothing left that is big enough: no solution, and nothing recorded.
    let third = ask(&fac.addr, PETITION, &["strategy(action)"]);
    assert_eq!(third.status, 1, "{third:?}");
    assert!(decisions(&site, "room-small@example.com").is_empty());
    assert_eq!(decisions(&site, "room-a@example.com").len(), 1);
    assert_eq!(decisions(&site, "room-b@example.com").len(), 1);
}

#[test]
fn a_petition_with_a_time_limit_fails_cleanly() {
    // Writers wait up to 10 s for the store's lock.
    let site = Site::new(&[("room-x@example.com", "resource")], 10);
    rooms(&site, &[("room-x@example.com", "10")]);
    let fac = Facilitator::start();
    let agent = site.agent(&fac, &["--user", "room-x@example.com"]);
    // Another process holds the store: the agent cannot book in time.
    let lock = site.lock_store();
    let a = ask(&fac.addr, PETITION, &["strategy(action)", "time_limit(1)"]);
    assert_eq!(a.status, 1, "no resource accepted in time: {a:?}");
    assert!(a.took < Duration::from_secs(5), "answered at the time limit: {a:?}");
    drop(lock);
    // The agent gets the store after the requester gave up and books nothing.
    agent.wait_for("time limit passed");
    assert!(decisions(&site, "room-x@example.com").is_empty());
    assert_eq!(site.admin(&["freebusy", "room-x@example.com"]), "");
}

#[test]
fn an_agent_killed_mid_request_is_skipped() {
    let one = Site::new(&[("room-1@example.com", "resource")], 10);
    let two = Site::new(&[("room-2@example.com", "resource")], 10);
    rooms(&one, &[("room-1@example.com", "10")]);
    rooms(&two, &[("room-2@example.com", "10")]);
    let fac = Facilitator::start();
    let mut first = one.agent(&fac, &["--user", "room-1@example.com", "--utility", "8"]);
    let _second = two.agent(&fac, &["--user", "room-2@example.com", "--utility", "5"]);
    let lock = one.lock_store();
    let asking = {
        let addr = fac.addr.clone();
        std::thread::spawn(move || ask(&addr, PETITION, &["strategy(action)"]))
    };
    // room-1's agent has the petition and waits for its store: kill it.
    first.wait_for("booking request received");
    first.kill();
    let a = asking.join().unwrap();
    assert_eq!(a.status, 0, "{a:?}");
    assert!(a.solutions[0].ends_with("'mailto:room-2@example.com',accepted)"), "{a:?}");
    drop(lock);
    assert!(decisions(&one, "room-1@example.com").is_empty());
    eventually("room-2's decision", || decisions(&two, "room-2@example.com").len() == 1);
}
