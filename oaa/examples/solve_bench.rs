//! Loopback benchmark: solves per second and latency percentiles for
//! `freebusy(User, Start, End, Periods)` answered by one agent from an
//! in-memory table, driven by N concurrent client connections.
//!
//! Run: `cargo run --release -p oaa --example solve_bench -- --clients 16 --seconds 10`
//! With `--facilitator ADDR` it uses a running facilitator and agent
//! instead of starting its own (point it at the real calendar agent).
//! `--goal ICL` replaces the default goal; `{k}` in it stands for the
//! request number modulo `--users`; `{r}`, `{mm}` and `{hh}` for that
//! number modulo 10, divided by 10 modulo 60 and divided by 600 modulo 24
//! (two digits), so that a goal can vary its room and window and defeat
//! any answer cache; e.g. (see bench/oaa_calendar.sh)
//! `--goal "freebusy('mailto:room-{k}@example.com','2027-03-01T00:00:00Z','2027-03-08T00:00:00Z',P)"`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use oaa::agent::{Agent, AgentConfig, Router};
use oaa::facilitator::{Facilitator, FacilitatorConfig};
use oaa::icl::Term;
use oaa::protocol::Solvable;

struct Opts {
    clients: usize,
    seconds: f64,
    facilitator: Option<String>,
    blocking: bool,
    users: usize,
    goal: Option<String>,
}

fn opts() -> Result<Opts, String> {
    let mut o = Opts {
        clients: 1,
        seconds: 5.0,
        facilitator: None,
        blocking: false,
        users: 100,
        goal: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut val = || it.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--clients" => o.clients = val()?.parse().map_err(|e| format!("--clients: {e}"))?,
            "--seconds" => o.seconds = val()?.parse().map_err(|e| format!("--seconds: {e}"))?,
            "--users" => o.users = val()?.parse().map_err(|e| format!("--users: {e}"))?,
            "--facilitator" => o.facilitator = Some(val()?),
            "--goal" => o.goal = Some(val()?),
            "--blocking" => o.blocking = true,
            "-h" | "--help" => {
                return Err("usage: solve_bench [--clients N] [--seconds S] [--users K] \
                            [--blocking] [--facilitator ADDR] [--goal ICL]"
                    .into());
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(o)
}

/// Busy periods per user: `period(Start, End)` in Unix seconds.
fn table(users: usize) -> HashMap<String, Vec<(i64, i64)>> {
    (0..users)
        .map(|u| {
            let base = 1_780_000_000 + u as i64 * 60;
            (
                format!("user{u}"),
                (0..8).map(|k| (base + k * 7200, base + k * 7200 + 1800)).collect(),
            )
        })
        .collect()
}

fn freebusy(table: &HashMap<String, Vec<(i64, i64)>>, goal: &Term) -> Vec<Term> {
    let a = goal.args();
    let (Some(user), Some(from), Some(to)) = (a[0].as_atom(), a[1].as_int(), a[2].as_int()) else {
        return Vec::new();
    };
    let Some(busy) = table.get(user) else { return Vec::new() };
    let periods = busy
        .iter()
        .filter(|(s, e)| *s < to && *e > from)
        .map(|(s, e)| Term::compound("period", vec![Term::Int(*s), Term::Int(*e)]))
        .collect();
    vec![Term::compound(
        "freebusy",
        vec![a[0].clone(), a[1].clone(), a[2].clone(), Term::list(periods)],
    )]
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let o = opts()?;
    let (_fac, addr) = match &o.facilitator {
        Some(a) => (None, a.clone()),
        None => {
            let f = Facilitator::start(FacilitatorConfig::loopback_any_port()).await?;
            let a = f.local_addr().to_string();
            (Some(f), a)
        }
    };
    let _agent = if o.facilitator.is_none() {
        let table = Arc::new(table(o.users));
        let router = if o.blocking {
            let t = table.clone();
            Router::new().on_blocking("freebusy", 4, move |g, _| freebusy(&t, g))
        } else {
            let t = table.clone();
            Router::new().on("freebusy", 4, move |r| {
                let s = freebusy(&t, r.goal());
                r.reply(s)
            })
        };
        let a = Agent::connect_with_handler(&addr, AgentConfig::new("calendar"), router).await?;
        a.register(vec![Solvable::procedure(oaa::icl::parse(
            "freebusy(User, Start, End, Periods)",
        )?)])
        .await?;
        a.ready().await?;
        Some(a)
    } else {
        None
    };
    // The goals asked in turn, parsed once.
    let goals: Arc<Vec<Term>> = Arc::new(
        (0..o.users)
            .map(|k| match &o.goal {
                Some(g) => oaa::icl::parse(
                    &g.replace("{k}", &k.to_string())
                        .replace("{r}", &(k % 10).to_string())
                        .replace("{mm}", &format!("{:02}", (k / 10) % 60))
                        .replace("{hh}", &format!("{:02}", (k / 600) % 24)),
                ),
                None => Ok(Term::compound(
                    "freebusy",
                    vec![
                        Term::atom(&format!("user{k}")),
                        Term::Int(1_780_000_000),
                        Term::Int(1_780_050_000),
                        Term::fresh_var(),
                    ],
                )),
            })
            .collect::<Result<_, _>>()?,
    );
    let deadline = Instant::now() + Duration::from_secs_f64(o.seconds);
    let mut tasks = Vec::new();
    for c in 0..o.clients {
        let addr = addr.clone();
        let users = o.users;
        let goals = goals.clone();
        tasks.push(tokio::spawn(async move {
            let client = Agent::connect(&addr, AgentConfig::new(&format!("bench{c}"))).await?;
            let mut lat = Vec::with_capacity(200_000);
            let mut k = c;
            let mut failures = 0usize;
            while Instant::now() < deadline {
                let goal = goals[k % users].clone();
                k += 1;
                let t0 = Instant::now();
                let s = client.solve(goal, Vec::new()).await?;
                lat.push(t0.elapsed());
                if s.len() != 1 {
                    failures += 1;
                }
            }
            Ok::<_, oaa::agent::AgentError>((lat, failures))
        }));
    }
    let start = Instant::now();
    let mut all = Vec::new();
    let mut failures = 0;
    for t in tasks {
        let (lat, f) = t.await??;
        all.extend(lat);
        failures += f;
    }
    let elapsed = start.elapsed().as_secs_f64().max(o.seconds);
    all.sort_unstable();
    println!(
        "clients={} seconds={:.1} solves={} solves/s={:.0} p50={:.3}ms p99={:.3}ms max={:.3}ms wrong_answers={}",
        o.clients,
        elapsed,
        all.len(),
        all.len() as f64 / elapsed,
        percentile(&all, 0.50).as_secs_f64() * 1e3,
        percentile(&all, 0.99).as_secs_f64() * 1e3,
        all.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        failures
    );
    Ok(())
}
