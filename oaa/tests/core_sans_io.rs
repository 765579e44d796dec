//! The facilitator core driven directly, without sockets or real time:
//! the state machine is deterministic given its inputs and clock.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use oaa::facilitator::{Core, CoreConfig, Input, Output};
use oaa::icl::parse;
use oaa::wire::Envelope;

fn frame(c: i64, text: &str) -> Input {
    Input::Frame(c, Envelope::from_term(parse(text).unwrap()))
}

fn sent(out: &[Output]) -> Vec<(i64, String)> {
    out.iter()
        .filter_map(|o| match o {
            Output::Send(c, env) => Some((*c, env.to_text().trim().to_string())),
            _ => None,
        })
        .collect()
}

#[test]
fn time_limit_fires_on_tick_with_what_arrived() {
    let t0 = Instant::now();
    let mut core = Core::new(CoreConfig::default(), t0, 0.0);
    for c in [1, 2, 3] {
        core.handle(Input::Opened(c), t0, 0.0);
    }
    for (c, name) in [(1, "fast"), (2, "slow")] {
        core.handle(
            frame(c, &format!("event(ev_register_solvables(add,[q(X)],{name},[]),[])")),
            t0,
            0.0,
        );
        core.handle(frame(c, &format!("event(ev_ready({name}),[])")), t0, 0.0);
    }
    let out = core.handle(frame(3, "event(ev_solve(7,q(X),[time_limit(2)]),[])"), t0, 0.0);
    assert_eq!(sent(&out).len(), 2);
    assert_eq!(core.next_deadline(), Some(t0 + Duration::from_secs(2)));
    let out = core.handle(frame(1, "event(ev_solved(1,[],[],_,[],[q(a)]),[])"), t0, 0.0);
    assert!(out.is_empty());
    assert!(core.tick(t0 + Duration::from_secs(1), 1.0).is_empty());
    let out = core.tick(t0 + Duration::from_secs(2), 2.0);
    let s = sent(&out);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].0, 3);
    assert!(s[0].1.starts_with("event(ev_solved(7,"), "{}", s[0].1);
    assert!(s[0].1.ends_with("[time_limit(2)],[q(a)]),[])."), "{}", s[0].1);
    assert_eq!(core.pending_requests(), 0);
    // The late answer is ignored.
    assert!(core.handle(frame(2, "event(ev_solved(2,[],[],_,[],[q(b)]),[])"), t0, 3.0).is_empty());
}

#[test]
fn a_closed_provider_answers_nothing() {
    let t0 = Instant::now();
    let mut core = Core::new(CoreConfig::default(), t0, 0.0);
    core.handle(Input::Opened(1), t0, 0.0);
    core.handle(Input::Opened(2), t0, 0.0);
    core.handle(frame(1, "event(ev_register_solvables(add,[q(X)],p,[]),[])"), t0, 0.0);
    core.handle(frame(1, "event(ev_ready(p),[])"), t0, 0.0);
    core.handle(frame(2, "event(ev_solve(g,q(X),[]),[])"), t0, 0.0);
    assert_eq!(core.pending_requests(), 1);
    let out = core.handle(Input::Closed(1), t0, 0.0);
    let s = sent(&out);
    assert_eq!(s.len(), 1);
    assert!(s[0].1.ends_with(",[],_,[],[]),[])."), "{}", s[0].1);
    assert_eq!(core.pending_requests(), 0);
    assert_eq!(core.agent_count(), 1);
}
