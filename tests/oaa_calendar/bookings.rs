//! Bookings and change notification across the facilitator and mail: a
//! booking made through the facilitator is busy time for a later mail
//! REQUEST, and a change made by the mail agent fires a subscriber's data
//! trigger on `changed/2`.

use super::harness::{Facilitator, Site, ask, ask_as, decisions, eventually, mail_request};
use oaa::agent::{Agent, AgentConfig, Request, Router, TriggerKind};
use oaa::icl::parse;
use oaa::protocol::Solvable;
use std::sync::mpsc;
use std::time::Duration;

const ROOM: &str = "mailto:room-1@example.com";

fn outbox_files(site: &Site) -> usize {
    std::fs::read_dir(site.dir.path().join("out")).map(|d| d.count()).unwrap_or(0)
}

#[test]
fn a_booking_through_the_facilitator_is_busy_for_a_later_mail_request() {
    let site = Site::new(&[("room-1@example.com", "resource")], 5);
    let fac = Facilitator::start();
    let _agent = site.agent(&fac, &["--user", "room-1@example.com"]);
    let b = ask(
        &fac.addr,
        &format!(
            "book('{ROOM}', 'carol@example.com', '2027-03-10T14:00:00Z', '2027-03-10T15:00:00Z', 'Board', D)"
        ),
        &["strategy(action)"],
    );
    assert_eq!(b.status, 0, "{b:?}");
    assert!(b.solutions[0].ends_with("'Board',accepted)"), "{b:?}");
    // The organiser's reply is the answer above: no mail by default.
    assert_eq!(outbox_files(&site), 0);

    let log = site.mail_to_resource(
        "room-1@example.com",
        &mail_request(
            "late@example.com",
            "dave@example.com",
            "room-1@example.com",
            "143000",
            "153000",
        ),
    );
    assert!(log.contains("DECLINED"), "{log}");
    let d = decisions(&site, ROOM);
    assert!(d[0].contains("late@example.com DECLINED"), "{d:?}");
    assert!(d[1].contains("ACCEPTED") && d[1].contains("carol@example.com"), "{d:?}");
    // The mail agent answered its own request by mail, as usual.
    assert_eq!(outbox_files(&site), 1);
    // And the booking is in the agents' run records.
    let runs = site.admin(&["runs", "--program", "imip_admin serve-agent"]);
    assert!(runs.contains("booked through the facilitator: ACCEPTED"), "{runs}");
}

#[test]
fn a_trigger_fires_after_a_mail_driven_change() {
    let site = Site::new(&[("room-1@example.com", "resource")], 5);
    let fac = Facilitator::start();
    let _agent = site.agent(&fac, &["--user", "room-1@example.com"]);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let (tx, rx) = mpsc::channel::<String>();
    let handler = Router::new().on("notify_changed", 2, move |req: Request| {
        let _ = tx.send(req.goal().to_string());
        let g = req.goal().clone();
        req.reply(vec![g]);
    });
    let addr = fac.addr.clone();
    let watcher: Agent = rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(20), async {
            let a = Agent::connect_with_handler(&addr, AgentConfig::new("watcher"), handler)
                .await
                .unwrap();
            a.register(vec![Solvable::procedure(parse("notify_changed(User, Stamp)").unwrap())])
                .await
                .unwrap();
            a.ready().await.unwrap();
            // "Tell me when room-1's free/busy changes."
            let r = a
                .add_trigger(
                    TriggerKind::Data,
                    parse(&format!("changed('{ROOM}', S)")).unwrap(),
                    parse(&format!("oaa_Solve(notify_changed('{ROOM}', S), [])")).unwrap(),
                    vec![parse("recurrence(whenever)").unwrap(), parse("on(replace)").unwrap()],
                )
                .await
                .unwrap();
            assert!(r.applied(), "the calendar agent holds the trigger: {r:?}");
            a
        })
        .await
        .unwrap()
    });
    assert!(rx.recv_timeout(Duration::from_millis(500)).is_err(), "nothing changed yet");

    // A mail agent in another process books the room.
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
    let first =
        rx.recv_timeout(Duration::from_secs(10)).expect("no notification after the mail booking");
    assert!(first.starts_with(&format!("notify_changed('{ROOM}',")), "{first}");
    let stamp =
        |s: &str| s.trim_end_matches(')').rsplit(',').next().unwrap().parse::<i64>().unwrap();
    assert!(stamp(&first) > 0, "{first}");

    // A booking through the facilitator tells the subscriber too, with a newer stamp.
    let b = ask(
        &fac.addr,
        &format!(
            "book('{ROOM}', 'carol@example.com', '2027-03-10T14:00:00Z', '2027-03-10T15:00:00Z', 'B', D)"
        ),
        &[],
    );
    assert_eq!(b.status, 0, "{b:?}");
    let second =
        rx.recv_timeout(Duration::from_secs(10)).expect("no notification after the booking");
    assert!(stamp(&second) > stamp(&first), "{first} then {second}");
    // A declined request changes nothing, so nobody is told.
    let b = ask(
        &fac.addr,
        &format!(
            "book('{ROOM}', 'erin@example.com', '2027-03-10T14:00:00Z', '2027-03-10T15:00:00Z', 'C', D)"
        ),
        &[],
    );
    assert!(b.solutions[0].ends_with("declined)"), "{b:?}");
    assert!(rx.recv_timeout(Duration::from_millis(500)).is_err(), "declined: no change");
    watcher.close();
}

#[test]
fn verified_organisers_and_mail_to_the_organiser_on_request() {
    let site = Site::new(&[("room-1@example.com", "resource")], 5);
    let fac = Facilitator::start();
    let _agent = site
        .agent(&fac, &["--user", "room-1@example.com", "--verify-organizer", "--send-mail", "all"]);
    let goal = format!(
        "book('{ROOM}', 'carol@example.com', '2027-03-10T14:00:00Z', '2027-03-10T15:00:00Z', 'Board', D)"
    );
    // An agent not named after the organiser may not book for her.
    let anon = ask(&fac.addr, &goal, &[]);
    assert_eq!(anon.status, 1, "{anon:?}");
    assert!(decisions(&site, ROOM).is_empty());
    let own = ask_as(&fac.addr, "carol@example.com", &goal, &[]);
    assert!(own.solutions[0].ends_with("'Board',accepted)"), "{own:?}");
    // --send-mail all: the organiser's reply goes out by mail as well.
    eventually("the reply to the organiser", || outbox_files(&site) == 1);
    let out = std::fs::read_dir(site.dir.path().join("out")).unwrap().next().unwrap().unwrap();
    let text = std::fs::read_to_string(out.path()).unwrap();
    assert!(text.contains("carol@example.com") && text.contains("PARTSTAT=ACCEPTED"), "{text}");
}
