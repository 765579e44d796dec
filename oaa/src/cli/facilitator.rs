//! `imip_facilitator`: runs a facilitator until interrupted.
//!
//! Performs I/O.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use tracing::{error, info};

use super::{EXIT_CONFIG, EXIT_TEMPFAIL, load_secret};
use crate::facilitator::metrics::FacilitatorMetrics;
use crate::facilitator::{Facilitator, FacilitatorConfig, ServerError};
use crate::wire::{
    DEFAULT_MAX_FRAME, DEFAULT_MAX_INPUT_FRAMES, DEFAULT_MAX_INPUT_QUEUE, DEFAULT_MAX_OUTPUT_QUEUE,
};
use std::sync::Arc;

/// Runs an OAA-compatible facilitator (speaks the OAA 2.3.2 ICL/TCP
/// protocol) that agents connect to, register solvables with, and ask to
/// solve goals. Logs go to stderr. Exit codes: 0 after Ctrl-C or SIGTERM,
/// 78 for a configuration error (a non-loopback address without a
/// secret), 75 when the address cannot be bound.
#[derive(Parser, Debug)]
#[command(name = "imip_facilitator", version)]
struct Args {
    /// Address to listen on. Anything other than a loopback address
    /// requires a shared secret.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:3378")]
    listen: SocketAddr,

    /// Shared secret clients must send as password(P) in ev_connect.
    /// Prefer --secret-file or IMIP_FACILITATOR_SECRET: command lines are
    /// visible to other users.
    #[arg(long, value_name = "SECRET", env = "IMIP_FACILITATOR_SECRET", hide_env_values = true)]
    secret: Option<String>,

    /// Read the shared secret from this file (surrounding whitespace is
    /// ignored).
    #[arg(long, value_name = "PATH", conflicts_with = "secret")]
    secret_file: Option<PathBuf>,

    /// Largest accepted frame in bytes; also the largest reply sent (an
    /// ev_solved over it keeps the solutions that fit).
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_FRAME)]
    max_frame: usize,

    /// Per connection: received bytes waiting to be handled. When they are
    /// reached the connection is not read until the facilitator catches up.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_INPUT_QUEUE, value_parser = positive)]
    max_input_queue: usize,

    /// Per connection: received frames waiting to be handled (how many
    /// requests of one agent can be ahead of another's).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_INPUT_FRAMES, value_parser = positive)]
    max_input_frames: usize,

    /// Per connection: encoded bytes waiting to be written. A peer that
    /// lets more pile up is not reading and is disconnected.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_OUTPUT_QUEUE, value_parser = positive)]
    max_output_queue: usize,

    /// Threads serving connections. The default, 1, runs everything on
    /// one thread: the facilitator's state lives in one task anyway, and
    /// handing frames between threads cost more than decoding them in
    /// parallel saved (measured on 2 cores, docs/oaa-calendar.md §10).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=256))]
    threads: u16,

    /// Log filter when RUST_LOG is not set (error, warn, info, debug, trace).
    #[arg(long, value_name = "LEVEL", default_value = "info")]
    log: String,

    /// Where log lines go: stderr (with timestamps; colours only on a
    /// terminal), syslog (through /dev/log) or journald.
    #[arg(long, value_name = "OUTPUT", default_value = "stderr", value_parser = log_output)]
    log_output: imip_ops::log::Output,

    /// The syslog facility for --log-output syslog.
    #[arg(long, value_name = "FACILITY", default_value = "daemon", value_parser = imip_ops::log::facility)]
    log_facility: u8,

    /// Serve /metrics (Prometheus text format) and /health over HTTP on
    /// this address; not served by default.
    #[arg(long, value_name = "ADDR")]
    metrics_listen: Option<SocketAddr>,
}

fn log_output(s: &str) -> Result<imip_ops::log::Output, String> {
    imip_ops::log::Output::parse(s)
}

/// A count or size of at least 1.
fn positive(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("expected a whole number of at least 1, got {s:?}")),
    }
}

/// Entry point of `imip_facilitator`. Exit codes: 0 after a clean
/// shutdown (Ctrl-C or SIGTERM), 78 for a configuration error (such as a
/// non-loopback address without a secret), 75 when the address cannot be
/// bound.
pub fn facilitator_main() -> ExitCode {
    facilitator_with_args(std::env::args_os())
}

/// `imip_facilitator` with explicit arguments (the first is the program
/// name), e.g. for a test that runs the facilitator as a child process.
pub fn facilitator_with_args<I, T>(argv: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let args = Args::parse_from(argv);
    let logging = imip_ops::log::init(
        "imip_facilitator",
        &imip_ops::log::Settings {
            output: args.log_output,
            level: args.log.clone(),
            facility: args.log_facility,
            timestamps: true,
            capture: false,
        },
    );
    if let Some(why) = &logging.fallback {
        tracing::warn!("log output not available, using standard error: {why}");
    }
    let metrics = args.metrics_listen.map(|_| Arc::new(FacilitatorMetrics::new()));
    let secret = match load_secret(args.secret, args.secret_file, "IMIP_FACILITATOR_SECRET") {
        Ok(s) => s,
        Err(e) => {
            error!("{e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let cfg = FacilitatorConfig {
        listen: args.listen,
        secret,
        max_frame: args.max_frame,
        max_input_queue: args.max_input_queue,
        max_input_frames: args.max_input_frames,
        max_output_queue: args.max_output_queue,
        metrics: metrics.clone(),
        ..Default::default()
    };
    if let Err(e) = cfg.validate() {
        error!("{e}");
        return ExitCode::from(EXIT_CONFIG);
    }
    let mut builder = if args.threads > 1 {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(usize::from(args.threads));
        b
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    let rt = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            error!("cannot start runtime: {e}");
            return ExitCode::from(EXIT_TEMPFAIL);
        }
    };
    rt.block_on(async {
        let fac = match Facilitator::start(cfg).await {
            Ok(f) => f,
            Err(ServerError::SecretRequired(a)) => {
                error!("refusing to listen on {a} without a shared secret");
                return ExitCode::from(EXIT_CONFIG);
            }
            Err(e) => {
                error!("{e}");
                return ExitCode::from(EXIT_TEMPFAIL);
            }
        };
        let server = match (args.metrics_listen, metrics) {
            (Some(addr), Some(m)) => match tokio::net::TcpListener::bind(addr).await {
                Ok(l) => {
                    info!("serving /metrics and /health on {addr}");
                    let endpoint: Arc<dyn imip_ops::http::Endpoint> = m;
                    Some(tokio::spawn(imip_ops::http::serve(l, endpoint)))
                }
                Err(e) => {
                    error!("cannot serve metrics on {addr}: {e}");
                    return ExitCode::from(EXIT_TEMPFAIL);
                }
            },
            _ => None,
        };
        wait_for_signal().await;
        if let Some(s) = server {
            s.abort();
        }
        info!("shutting down");
        fac.shutdown().await;
        ExitCode::SUCCESS
    })
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
