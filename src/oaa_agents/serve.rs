//! `imip_admin serve-agent`: opens the store, connects to the facilitator,
//! declares the calendar solvables, publishes change stamps, and keeps
//! serving — reconnecting after the facilitator goes away — until SIGTERM
//! or Ctrl-C. Performs I/O (store, network, signals, stderr logging).

use super::args::ServeArgs;
use super::backend::Backend;
use super::changes;
use super::declare::solvables;
use super::directory::Scope;
use super::router::router;
use super::service::{Options, Service};
use crate::address::CalAddress;
use crate::config::Config;
use crate::error::{InfraError, InfraResult};
use oaa::agent::{Agent, AgentConfig};
use std::sync::Arc;
use std::time::Duration;
use tokio::signal::unix::{SignalKind, signal};
use tracing::{info, warn};

/// Why serving could not start.
#[derive(Debug)]
pub enum ServeError {
    /// Bad flags (exit 64).
    Usage(String),
    /// The store, configuration or runtime failed (exit 75).
    Infra(InfraError),
}

impl From<InfraError> for ServeError {
    fn from(e: InfraError) -> Self {
        ServeError::Infra(e)
    }
}

/// Pause between connection attempts.
const RETRY: Duration = Duration::from_secs(1);

/// Logs as the configuration's `[log]` says, with timestamps (a daemon);
/// `--log` is the level when RUST_LOG is not set.
fn init_logging(cfg: &Config, default: &str) {
    let mut settings = cfg.log.settings(true);
    settings.level = default.to_string();
    let logging = imip_ops::log::init("imip_admin serve-agent", &settings);
    if let Some(why) = &logging.fallback {
        warn!("log output not available, using standard error: {why}");
    }
}

fn secret(args: &ServeArgs) -> Result<Option<String>, ServeError> {
    if let Some(s) = &args.secret {
        return Ok(Some(s.clone()));
    }
    let Some(path) = &args.secret_file else { return Ok(None) };
    let text = std::fs::read_to_string(path)
        .map_err(|e| ServeError::Usage(format!("cannot read {}: {e}", path.display())))?;
    let s = text.trim().to_string();
    if s.is_empty() {
        return Err(ServeError::Usage(format!("secret file {} is empty", path.display())));
    }
    Ok(Some(s))
}

/// Serves until stopped by a signal; returns the closing line.
pub fn serve(cfg: &Config, args: &ServeArgs) -> Result<String, ServeError> {
    init_logging(cfg, &args.log);
    let scope = if args.users.is_empty() {
        Scope::All
    } else {
        let users = args
            .users
            .iter()
            .map(|u| {
                CalAddress::parse(u)
                    .ok_or_else(|| ServeError::Usage(format!("{u:?} is not an address")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Scope::Users(users)
    };
    let password = secret(args)?;
    let readers = usize::try_from(args.readers).unwrap_or(1);
    let options = Options { mail: args.send_mail.into(), verify_organizer: args.verify_organizer };
    let svc = Arc::new(Service::new(Backend::open(cfg.clone(), readers)?, scope, options));
    svc.refresh_directory()?;
    let missing = svc.directory.missing();
    if !missing.is_empty() {
        let list: Vec<String> = missing.iter().map(ToString::to_string).collect();
        return Err(ServeError::Usage(format!(
            "not in the store: {} (add with imip_admin user add --kind resource|person)",
            list.join(", ")
        )));
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| InfraError::io("starting the runtime", e))?;
    let served = rt.block_on(run(svc, args, password));
    // A booking may still be waiting for the store: give it a moment to
    // finish (or roll back) rather than waiting for the whole busy timeout.
    rt.shutdown_timeout(Duration::from_secs(5));
    served?;
    Ok(String::new())
}

async fn run(svc: Arc<Service>, args: &ServeArgs, password: Option<String>) -> InfraResult<()> {
    let (mut term, mut int) =
        match (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) {
            (Ok(t), Ok(i)) => (t, i),
            (Err(e), _) | (_, Err(e)) => return Err(InfraError::io("handling signals", e)),
        };
    loop {
        let session = async {
            match connect(&svc, args, password.clone()).await {
                Ok(agent) => {
                    let poller = tokio::spawn(poll(svc.clone(), agent.clone(), args.poll_ms));
                    agent.closed().await;
                    poller.abort();
                    warn!(facilitator = %args.facilitator, "connection lost; reconnecting");
                }
                Err(e) => warn!(facilitator = %args.facilitator, error = %e, "cannot connect"),
            }
            // Break the handler → requester-lookup → agent cycle of the
            // old connection.
            svc.requesters.attach(None);
            svc.stamps.reset();
            tokio::time::sleep(RETRY).await;
        };
        tokio::select! {
            () = session => {}
            _ = term.recv() => break,
            _ = int.recv() => break,
        }
    }
    svc.requesters.attach(None);
    info!("stopped");
    Ok(())
}

/// Connects, declares, publishes the first change stamps, and declares
/// the agent ready.
async fn connect(
    svc: &Arc<Service>,
    args: &ServeArgs,
    password: Option<String>,
) -> Result<Agent, String> {
    let mut cfg = AgentConfig::new(&args.name);
    cfg.password = password;
    let agent = Agent::connect_with_handler(&args.facilitator, cfg, router(svc.clone()))
        .await
        .map_err(|e| e.to_string())?;
    svc.requesters.attach(Some(agent.clone()));
    let decl = solvables(svc.directory.scope(), &svc.directory.served(), args.utility);
    let n = decl.len();
    agent.register(decl).await.map_err(|e| e.to_string())?;
    // The facts exist before anyone can ask for them.
    let local = agent.local();
    let s = svc.clone();
    tokio::task::spawn_blocking(move || changes::publish(&s, &local))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    agent.ready().await.map_err(|e| e.to_string())?;
    info!(
        facilitator = %args.facilitator,
        name = %args.name,
        address = %agent.address(),
        users = svc.directory.served().len(),
        solvables = n,
        "calendar agent ready"
    );
    Ok(agent)
}

/// Publishes change stamps every `ms` milliseconds while connected.
async fn poll(svc: Arc<Service>, agent: Agent, ms: u64) {
    let mut tick = tokio::time::interval(Duration::from_millis(ms));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Holding `agent` keeps the connection open; stop with it.
    while !agent.is_closed() {
        tick.tick().await;
        let (s, local) = (svc.clone(), agent.local());
        if let Ok(Err(e)) = tokio::task::spawn_blocking(move || changes::publish(&s, &local)).await
        {
            warn!(error = %e, "cannot read change stamps");
        }
    }
}
