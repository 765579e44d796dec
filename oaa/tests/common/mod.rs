//! Shared helpers for the multi-agent tests: a facilitator on a free
//! loopback port and agents connected to it over real TCP.
#![allow(dead_code, clippy::unwrap_used)]

use std::time::Duration;

use oaa::agent::{Agent, AgentConfig, Handler};
use oaa::facilitator::{Facilitator, FacilitatorConfig};
use oaa::icl::{Term, parse};
use oaa::protocol::Solvable;

/// Every test is bounded so a hang fails instead of blocking CI.
pub const TEST_TIMEOUT: Duration = Duration::from_secs(20);

pub async fn facilitator() -> (Facilitator, String) {
    let f = Facilitator::start(FacilitatorConfig::loopback_any_port()).await.unwrap();
    let addr = f.local_addr().to_string();
    (f, addr)
}

pub fn t(s: &str) -> Term {
    parse(s).unwrap()
}

pub fn ts(items: &[&str]) -> Vec<Term> {
    items.iter().map(|s| t(s)).collect()
}

pub async fn client(addr: &str, name: &str) -> Agent {
    Agent::connect(addr, AgentConfig::new(name)).await.unwrap()
}

/// An agent answering `solvables` with `handler`, registered and ready.
pub async fn provider(
    addr: &str,
    name: &str,
    solvables: Vec<Solvable>,
    handler: impl Handler,
) -> Agent {
    let a = Agent::connect_with_handler(addr, AgentConfig::new(name), handler).await.unwrap();
    a.register(solvables).await.unwrap();
    a.ready().await.unwrap();
    a
}

/// A provider of `template` that answers with fixed facts.
pub async fn fact_provider(
    addr: &str,
    name: &str,
    template: &str,
    utility: i64,
    facts: &[&str],
) -> Agent {
    let facts = ts(facts);
    provider(
        addr,
        name,
        vec![Solvable::procedure(t(template)).utility(utility)],
        move |req: oaa::agent::Request| {
            let sols = req.matching(facts.clone());
            req.reply(sols);
        },
    )
    .await
}

pub fn strs(ts: &[Term]) -> Vec<String> {
    ts.iter().map(|t| t.to_string()).collect()
}

pub async fn eventually(mut f: impl FnMut() -> bool) {
    for _ in 0..200 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("condition not reached in time");
}
