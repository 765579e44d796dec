//! `imip_ask`: asks a facilitator to solve one goal and prints the
//! solutions.
//!
//! Performs I/O.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

use super::{EXIT_TEMPFAIL, EXIT_USAGE, init_logging, load_secret, term_to_json};
use crate::agent::{AgentConfig, AgentError, BlockingAgent};
use crate::icl::{Term, parse};
use crate::protocol::params;

/// Asks a facilitator to solve a goal written in ICL and prints one
/// solution per line. Exits 0 when there are solutions, 1 when there are
/// none, 64 for a malformed goal or parameter, 75 when the facilitator
/// cannot be reached or does not answer in time.
#[derive(Parser, Debug)]
#[command(name = "imip_ask", version)]
struct Args {
    /// The goal, in ICL, e.g. 'freebusy(bob, S, E, P)'. Quote it for the
    /// shell.
    goal: String,

    /// Facilitator address.
    #[arg(
        long,
        short = 'f',
        value_name = "ADDR",
        env = "IMIP_FACILITATOR",
        default_value = "127.0.0.1:3378"
    )]
    facilitator: String,

    /// A solve parameter in ICL, repeatable: --param 'solution_limit(3)'
    /// --param 'strategy(action)' --param 'address(name(room1))'.
    #[arg(long = "param", short = 'p', value_name = "ICL")]
    params: Vec<String>,

    /// Give up after this many seconds (fractions allowed). Also sent as
    /// time_limit(SECS) unless a time_limit parameter is given, so the
    /// facilitator answers with what it has by then.
    #[arg(long, short = 't', value_name = "SECS", default_value_t = 10.0)]
    timeout: f64,

    /// Print one JSON object with the goal, the solutions (as ICL text and
    /// as structured terms), the agents asked and the agents that answered.
    #[arg(long)]
    json: bool,

    /// Shared secret, if the facilitator requires one.
    #[arg(long, value_name = "SECRET", env = "IMIP_FACILITATOR_SECRET", hide_env_values = true)]
    secret: Option<String>,

    /// Read the shared secret from this file.
    #[arg(long, value_name = "PATH", conflicts_with = "secret")]
    secret_file: Option<std::path::PathBuf>,

    /// Agent name to connect as.
    #[arg(long, value_name = "NAME", default_value = "imip_ask")]
    name: String,
}

/// Entry point of `imip_ask`.
pub fn ask_main() -> ExitCode {
    ask_with_args(std::env::args_os())
}

/// `imip_ask` with explicit arguments (the first is the program name).
pub fn ask_with_args<I, T>(argv: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let args = match Args::try_parse_from(argv) {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(EXIT_USAGE) } else { ExitCode::SUCCESS };
        }
    };
    init_logging("imip_ask", "warn");
    let goal = match parse(&args.goal) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("imip_ask: bad goal: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let mut ps: Vec<Term> = Vec::new();
    for p in &args.params {
        match parse(p) {
            Ok(t) => ps.push(t),
            Err(e) => {
                eprintln!("imip_ask: bad parameter {p:?}: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
        }
    }
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        eprintln!("imip_ask: --timeout must be a positive number of seconds");
        return ExitCode::from(EXIT_USAGE);
    }
    let timeout = Duration::from_secs_f64(args.timeout.min(1e6));
    if !params::has(&ps, "time_limit") {
        ps.push(Term::compound("time_limit", vec![Term::Float(args.timeout)]));
    }
    let secret = match load_secret(args.secret, args.secret_file, "IMIP_FACILITATOR_SECRET") {
        Ok(s) => s,
        Err(e) => {
            eprintln!("imip_ask: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let mut cfg = AgentConfig::new(&args.name);
    cfg.password = secret;
    cfg.connect_timeout = timeout;
    let agent = match BlockingAgent::connect(&args.facilitator, cfg) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("imip_ask: cannot connect to {}: {e}", args.facilitator);
            return ExitCode::from(EXIT_TEMPFAIL);
        }
    };
    // The facilitator answers at time_limit; allow a little for transport.
    let answer = agent.solve(goal.clone(), ps, Some(timeout + Duration::from_millis(500)));
    agent.close();
    let sols = match answer {
        Ok(s) => s,
        Err(e @ (AgentError::Timeout | AgentError::Disconnected | AgentError::Io(_))) => {
            eprintln!("imip_ask: {e}");
            return ExitCode::from(EXIT_TEMPFAIL);
        }
        Err(e) => {
            eprintln!("imip_ask: {e}");
            return ExitCode::from(EXIT_TEMPFAIL);
        }
    };
    if args.json {
        let doc = serde_json::json!({
            "goal": goal.to_string(),
            "solutions": sols.solutions.iter().map(|s| serde_json::json!({
                "icl": s.to_string(),
                "term": term_to_json(s),
            })).collect::<Vec<_>>(),
            "requestees": sols.requestees.iter().map(|t| t.to_string()).collect::<Vec<_>>(),
            "solvers": sols.solvers.iter().map(|t| t.to_string()).collect::<Vec<_>>(),
        });
        println!("{doc}");
    } else {
        for s in &sols.solutions {
            println!("{s}");
        }
    }
    if sols.is_empty() { ExitCode::from(1) } else { ExitCode::SUCCESS }
}
