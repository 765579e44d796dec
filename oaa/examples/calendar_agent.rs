//! A resource (room) agent built on the agent library, showing the shape a
//! calendar agent takes:
//!
//! - `freebusy(User, Start, End, Periods)`: a procedure answered from a
//!   (here in-memory) schedule on tokio's blocking pool, as a SQLite-backed
//!   store would be;
//! - `book(Resource, Organizer, Start, End, Summary, Decision)`: a procedure
//!   meant for `strategy(action)`; on acceptance it records the booking and
//!   bumps a change stamp through the owner's local data API;
//! - `changed(Resource, Stamp)`: a data solvable answered by the library,
//!   declared `write(false)` so only the owner changes it; subscribers put
//!   data triggers on it to hear "room X's free/busy changed".
//!
//! Run: `cargo run -p oaa --example calendar_agent` (starts its own
//! facilitator), or pass `--facilitator ADDR` to join an existing one.

use std::sync::{Arc, Mutex};

use oaa::agent::{Agent, AgentConfig, Request, Router, TriggerKind};
use oaa::facilitator::{Facilitator, FacilitatorConfig};
use oaa::icl::{Term, parse};
use oaa::protocol::{ArgSpec, Solvable};

/// A booking: start and end in Unix seconds, organizer, summary.
type Schedule = Arc<Mutex<Vec<(i64, i64, String, String)>>>;

fn t(s: &str) -> Term {
    parse(s).unwrap_or_else(|e| panic!("bad ICL {s}: {e}"))
}

fn lock(s: &Schedule) -> std::sync::MutexGuard<'_, Vec<(i64, i64, String, String)>> {
    s.lock().unwrap_or_else(|e| e.into_inner())
}

fn solvables() -> Vec<Solvable> {
    let int = || Term::atom("integer");
    vec![
        Solvable::procedure(t("freebusy(User, Start, End, Periods)")).argspecs(vec![
            ArgSpec::In(Term::atom("atom"), true),
            ArgSpec::In(int(), true),
            ArgSpec::In(int(), true),
            ArgSpec::Out(Term::atom("list"), true),
        ]),
        Solvable::procedure(t("book(Resource, Organizer, Start, End, Summary, Decision)"))
            .utility(7),
        Solvable::data(t("changed(Resource, Stamp)")).single_value(true),
    ]
}

fn router(room: &'static str, schedule: Schedule) -> Router {
    let fb = schedule.clone();
    Router::new()
        // Blocking work (a database read) runs on the blocking pool.
        .on_blocking("freebusy", 4, move |goal, _params| {
            let a = goal.args();
            let (Some(from), Some(to)) = (a[1].as_int(), a[2].as_int()) else { return vec![] };
            if a[0].as_atom() != Some(room) {
                return vec![];
            }
            let periods: Vec<Term> = lock(&fb)
                .iter()
                .filter(|(s, e, ..)| *s < to && *e > from)
                .map(|(s, e, ..)| Term::compound("period", vec![Term::Int(*s), Term::Int(*e)]))
                .collect();
            vec![Term::compound(
                "freebusy",
                vec![a[0].clone(), a[1].clone(), a[2].clone(), Term::list(periods)],
            )]
        })
        // A direct handler that answers later from a task.
        .on("book", 6, move |req: Request| {
            let schedule = schedule.clone();
            tokio::spawn(async move {
                let a = req.args().to_vec();
                let (Some(start), Some(end)) = (a[2].as_int(), a[3].as_int()) else {
                    return req.fail();
                };
                if a[0].as_atom() != Some(room) {
                    return req.fail();
                }
                let decision = {
                    let mut s = lock(&schedule);
                    if s.iter().any(|(bs, be, ..)| *bs < end && *be > start) {
                        "declined"
                    } else {
                        s.push((start, end, a[1].to_string(), a[4].to_string()));
                        "accepted"
                    }
                };
                if decision == "accepted" {
                    // Tell subscribers: the owner bumps its change stamp,
                    // which fires their data triggers (no write permission
                    // needed for the owner).
                    let stamp = lock(&schedule).len() as i64;
                    let _ = req.local().replace(
                        Term::compound("changed", vec![Term::atom(room), Term::fresh_var()]),
                        Term::compound("changed", vec![Term::atom(room), Term::Int(stamp)]),
                    );
                }
                let answer = Term::compound(
                    "book",
                    vec![
                        a[0].clone(),
                        a[1].clone(),
                        a[2].clone(),
                        a[3].clone(),
                        a[4].clone(),
                        Term::atom(decision),
                    ],
                );
                let sols = req.matching([answer]);
                req.reply(sols);
            });
        })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut fac = None;
    let addr = match (args.next().as_deref(), args.next()) {
        (Some("--facilitator"), Some(a)) => a,
        _ => {
            let f = Facilitator::start(FacilitatorConfig::loopback_any_port()).await?;
            let a = f.local_addr().to_string();
            fac = Some(f);
            a
        }
    };

    // The room agent.
    let schedule: Schedule = Arc::new(Mutex::new(Vec::new()));
    let room =
        Agent::connect_with_handler(&addr, AgentConfig::new("room1"), router("room1", schedule))
            .await?;
    room.register(solvables()).await?;
    room.data_add(t("changed(room1, 0)"))?;
    room.ready().await?;

    // A subscriber: declares notify/2 and watches room1's change stamp.
    let notices = Router::new().on("notify_changed", 2, |req: Request| {
        println!("subscriber: {}", req.goal());
        let g = req.goal().clone();
        req.reply(vec![g]);
    });
    let sub = Agent::connect_with_handler(&addr, AgentConfig::new("mailer"), notices).await?;
    sub.register(vec![Solvable::procedure(t("notify_changed(Resource, Stamp)"))]).await?;
    sub.ready().await?;
    sub.add_trigger(
        TriggerKind::Data,
        t("changed(room1, S)"),
        t("oaa_Solve(notify_changed(room1, S), [])"),
        vec![t("recurrence(whenever)"), t("on([add, replace])")],
    )
    .await?;

    // A client books twice (the second conflicts) and reads free/busy.
    let client = Agent::connect(&addr, AgentConfig::new("organizer")).await?;
    for (start, end) in [(1_780_000_000, 1_780_003_600), (1_780_001_800, 1_780_005_400)] {
        let goal = Term::compound(
            "book",
            vec![
                Term::atom("room1"),
                Term::atom("ann"),
                Term::Int(start),
                Term::Int(end),
                Term::atom("Planning"),
                Term::var("D"),
            ],
        );
        let s = client.solve(goal, vec![t("strategy(action)")]).await?;
        println!("book: {}", s.solutions.first().map_or("no answer".into(), |t| t.to_string()));
    }
    let fb = client.solve_str("freebusy(room1, 1779990000, 1780090000, P)", &[]).await?;
    for s in &fb.solutions {
        println!("freebusy: {s}");
    }
    let stamp = client.solve_str("changed(room1, S)", &[]).await?;
    println!("stamp: {}", stamp.solutions.first().map_or(String::new(), |t| t.to_string()));
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    if let Some(f) = fac {
        f.shutdown().await;
    }
    Ok(())
}
