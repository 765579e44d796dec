//! Listener mode (`--lmtp-listen`, `--smtp-listen`; docs/listener.md): the
//! agent as a long-running LMTP server, or an SMTP server behind the MTA,
//! processing each recipient exactly as the pipe mode does. Performs I/O.
//!
//! Threads: tokio tasks speak the protocol (one per connection, at most
//! `listener.max_connections`, and `listener.max_connections_per_peer` from
//! one address; a client too slow to finish a command line or a message
//! within the deadlines is told 421 and closed); a bounded pool of `--workers` threads parses
//! messages and sends replies; one writer thread owns the store and commits
//! many messages at once (group commit). A recipient gets 250 only after its
//! effects are durably committed and its replies sent; any internal failure
//! is 451, a message over the size limit 552. SIGTERM (or SIGINT) stops
//! accepting, lets connections finish the messages they carry, and exits.
//! Logs through `tracing` with timestamps (`[log]`); with
//! `[listener] metrics_listen` it serves `/metrics` and `/health`.

pub mod conn;
pub mod metrics;
pub mod peers;
pub mod pipeline;
pub mod prepare;
pub mod send;
pub mod socket;
pub mod writer;

use crate::agent::AgentKind;
use crate::cli::args::AgentArgs;
use crate::cli::{exit, setup};
use crate::config::Config;
use lmtp::{DataRate, Protocol, ServerConfig};
use peers::Peers;
use pipeline::Pipeline;
use socket::{Bound, Inherited};
use std::io::ErrorKind;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::sync::{Semaphore, mpsc, watch};
use tracing::{error, info, warn};

/// Serves LMTP/SMTP for an agent until SIGTERM.
pub fn main(kind: AgentKind, args: &AgentArgs) -> ExitCode {
    // First, while this is the only thread: taking systemd's sockets clears
    // their variables from the environment.
    let mut inherited = Inherited::from_env();
    let program = kind.program();
    let settings = setup::config(args).map(|c| c.log.settings(true)).unwrap_or_else(|_| {
        imip_ops::log::Settings { timestamps: true, ..imip_ops::log::Settings::default() }
    });
    let logging = imip_ops::log::init(program, &settings);
    if let Some(why) = &logging.fallback {
        warn!("log output not available, using standard error: {why}");
    }
    let fail = |what: String| {
        error!("{what}");
        ExitCode::from(exit::TEMPFAIL)
    };
    if args.workers == 0 {
        error!("--workers must be at least 1");
        return ExitCode::from(exit::USAGE);
    }
    if !args.recipients.is_empty() {
        warn!("-o is ignored in listener mode: the envelope recipients are used");
    }
    let runtime = match setup::runtime(args) {
        Ok(r) => Arc::new(r),
        Err(e @ crate::error::InfraError::Config(_)) => {
            error!("{e}");
            return ExitCode::from(exit::CONFIG);
        }
        Err(e) => return fail(e.to_string()),
    };
    if let Err(e) = setup::check_delivery(kind, &runtime, args) {
        error!("{e}");
        return ExitCode::from(exit::CONFIG);
    }
    let cfg = Arc::new(runtime.config.clone());
    let metrics = Arc::new(metrics::ListenerMetrics::new());
    // The store is opened (created, migrated) by the writer; a store that
    // cannot be opened now is reported, and the listener still starts,
    // answering 451 until the store can be opened.
    if let Err(e) = runtime.open_store() {
        error!("store not available; messages are deferred until it is: {e}");
        metrics.store_failed(&e.to_string());
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .max_blocking_threads(args.workers)
        .thread_name("imip-listener")
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(format!("cannot start: {e}")),
    };
    // Room for every connection's message plus its run record.
    let (jobs, queue) = mpsc::channel(cfg.listener.max_connections * 2);
    let (nudge, maintenance_thread) = match crate::store::background_maintenance(&cfg.store) {
        Ok(Some((n, t))) => (Some(n), Some(t)),
        Ok(None) => (None, None),
        Err(e) => return fail(format!("cannot start the store's maintenance thread: {e}")),
    };
    let records = writer::Records::default();
    let setup = writer::WriterSetup {
        kind,
        runtime: runtime.clone(),
        records: records.clone(),
        checkpoint: nudge,
        metrics: metrics.clone(),
    };
    let writer = match writer::spawn(setup, queue) {
        Ok(w) => w,
        Err(e) => return fail(format!("cannot start the writer thread: {e}")),
    };
    let pipeline =
        Arc::new(Pipeline { kind, runtime, args: Arc::new(args.clone()), jobs, records, metrics });
    let code = rt.block_on(serve(&cfg, args, pipeline, &mut inherited));
    // Connections still open after the grace period are dropped here (their
    // clients were not answered and will retry); then the writer, whose
    // queue is now closed, finishes its last commit.
    rt.shutdown_timeout(Duration::from_secs(5));
    if writer.join().is_err() {
        return fail("the writer thread failed".into());
    }
    // The writer held the only nudge: the maintenance thread ends with it.
    if let Some(t) = maintenance_thread {
        let _ = t.join();
    }
    code
}

async fn serve(
    cfg: &Config,
    args: &AgentArgs,
    pipeline: Arc<Pipeline>,
    inherited: &mut Inherited,
) -> ExitCode {
    use tokio::signal::unix::{SignalKind, signal};
    let (mut term, mut int) =
        match (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) {
            (Ok(t), Ok(i)) => (t, i),
            _ => {
                error!("cannot handle signals");
                return ExitCode::from(exit::TEMPFAIL);
            }
        };
    let mut bound = Vec::new();
    for (spec, protocol, name) in
        [(&args.lmtp_listen, Protocol::Lmtp, "lmtp"), (&args.smtp_listen, Protocol::Smtp, "smtp")]
    {
        let Some(spec) = spec else { continue };
        match socket::bind(spec, name, inherited, cfg.listener.socket_mode) {
            Ok(b) => bound.push((b, protocol, spec.clone())),
            Err(e) => {
                error!("cannot listen for {name} on {spec}: {e}");
                return ExitCode::from(exit::TEMPFAIL);
            }
        }
    }
    let metrics_server = if cfg.listener.metrics_listen.is_empty() {
        None
    } else {
        match tokio::net::TcpListener::bind(&cfg.listener.metrics_listen).await {
            Ok(l) => {
                info!("serving /metrics and /health on {}", cfg.listener.metrics_listen);
                let endpoint: Arc<dyn imip_ops::http::Endpoint> = pipeline.metrics.clone();
                Some(tokio::spawn(imip_ops::http::serve(l, endpoint)))
            }
            Err(e) => {
                error!("cannot serve metrics on {}: {e}", cfg.listener.metrics_listen);
                return ExitCode::from(exit::TEMPFAIL);
            }
        }
    };
    let (stop, stopping) = watch::channel(false);
    let slots = Arc::new(Semaphore::new(cfg.listener.max_connections));
    let peers = Peers::new(cfg.listener.max_connections_per_peer);
    // Every connection holds a clone; recv() returns None once all are gone.
    let (alive, mut all_closed) = mpsc::channel::<()>(1);
    let mut accepting = tokio::task::JoinSet::new();
    for (b, protocol, spec) in bound {
        info!("listening for {} on {spec} with {} worker(s)", protocol.name(), args.workers);
        let ctx = Accept {
            pipeline: pipeline.clone(),
            server: server_config(cfg, protocol),
            idle: Duration::from_secs(cfg.listener.idle_timeout_seconds.max(1)),
            stopping: stopping.clone(),
            slots: slots.clone(),
            peers: peers.clone(),
            alive: alive.clone(),
        };
        accepting.spawn(accept_loop(b, ctx));
    }
    // Records wait for the next batch; when none comes, flush them now and then.
    let flusher = {
        let p = pipeline.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                if !p.records.is_empty() {
                    let _ = p.jobs.try_send(writer::Job::Flush);
                }
            }
        })
    };
    drop((alive, pipeline));
    socket::notify("READY=1");
    tokio::select! {
        _ = term.recv() => {},
        _ = int.recv() => {},
    }
    info!("stopping: no new connections; finishing the messages in flight");
    if let Some(m) = metrics_server {
        m.abort();
    }
    socket::notify("STOPPING=1");
    let _ = stop.send(true);
    flusher.abort();
    while accepting.join_next().await.is_some() {}
    let grace = Duration::from_secs(cfg.listener.shutdown_grace_seconds);
    if tokio::time::timeout(grace, all_closed.recv()).await.is_err() {
        warn!("connections still busy after {}s; closing them unanswered", grace.as_secs());
    }
    ExitCode::from(exit::OK)
}

/// What an accept loop hands to each connection.
struct Accept {
    pipeline: Arc<Pipeline>,
    server: ServerConfig,
    idle: Duration,
    stopping: watch::Receiver<bool>,
    slots: Arc<Semaphore>,
    peers: Arc<Peers>,
    alive: mpsc::Sender<()>,
}

async fn accept_loop(listener: Bound, mut ctx: Accept) {
    loop {
        let slot = tokio::select! {
            s = ctx.slots.clone().acquire_owned() => s,
            _ = ctx.stopping.wait_for(|s| *s) => break,
        };
        let Ok(slot) = slot else { break };
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = ctx.stopping.wait_for(|s| *s) => break,
        };
        let (mut stream, arrival) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of file descriptors and the like: pause, then go on.
                warn!("accept: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Some(peer_slot) = ctx.peers.admit(&arrival) else {
            // The connection is fresh, its send buffer empty: the reply
            // goes out at once (the timeout only guards the accept loop).
            let refusal = format!(
                "421 4.7.0 {} Too many connections from your address, try again later\r\n",
                ctx.server.hostname
            );
            let _ = tokio::time::timeout(Duration::from_millis(200), async {
                let _ = stream.write_all(refusal.as_bytes()).await;
                let _ = stream.shutdown().await;
            })
            .await;
            warn!(
                "connection from {arrival} refused: listener.max_connections_per_peer ({}) reached",
                ctx.peers.max()
            );
            continue;
        };
        let context = conn::Context {
            config: ctx.server.clone(),
            pipeline: ctx.pipeline.clone(),
            idle: ctx.idle,
            arrival,
            stopping: ctx.stopping.clone(),
        };
        let alive = ctx.alive.clone();
        tokio::spawn(async move {
            let _held = (slot, peer_slot, alive);
            match conn::serve(stream, context).await {
                // A client that hangs up without QUIT (Postfix's connection
                // cache does) is not worth a log line.
                Err(e)
                    if matches!(e.kind(), ErrorKind::ConnectionReset | ErrorKind::BrokenPipe) => {}
                Err(e) => warn!("connection from {arrival}: {e}"),
                Ok(conn::End::TooSlow) => warn!(
                    "connection from {arrival}: command or message not completed in time; closed"
                ),
                Ok(_) => {}
            }
        });
    }
    listener.cleanup();
}

/// The session settings of a listener: limits and deadlines.
fn server_config(cfg: &Config, protocol: Protocol) -> ServerConfig {
    let l = &cfg.listener;
    let mut server = ServerConfig::new(protocol, hostname(cfg));
    server.max_message_size = cfg.limits.max_message_size;
    let command = Duration::from_secs(l.command_timeout_seconds);
    server.command_timeout = Some(command);
    server.data_timeout = Some(Duration::from_secs(l.data_timeout_seconds));
    // The first stretch of the data is timed like a command line; from
    // then on the data must keep up the rate.
    server.min_data_rate = (l.min_data_rate > 0)
        .then_some(DataRate { bytes_per_second: l.min_data_rate, grace: command });
    server
}

/// The name in the greeting.
fn hostname(cfg: &Config) -> String {
    if cfg.listener.hostname.is_empty() {
        crate::transport::delivery::hostname()
    } else {
        cfg.listener.hostname.clone()
    }
}
