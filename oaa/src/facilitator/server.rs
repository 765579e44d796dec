//! The facilitator's tokio TCP server: accepts connections and funnels
//! their frames through one task that owns the [`Core`].
//!
//! Performs I/O (sockets, clock). Each connection has a reader and a writer
//! task (`conn`); the core task never touches a socket, so a slow agent
//! cannot block anyone else. Frames are handled in the order they arrive.
//! Memory per connection is bounded: received frames waiting for the core
//! hold a share of the connection's input budget (`max_input_queue` bytes,
//! `max_input_frames` frames; when it is used up the reader stops reading
//! and TCP pushes back, and no peer can have more than that many requests
//! ahead of another's), and encoded output waits in the connection's
//! backlog (at most `max_output_queue` bytes; a peer that lets it fill up
//! is not reading and is disconnected, with its queued input dropped).
//! TCP_NODELAY is set because every message is a small request or reply.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use thiserror::Error;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tracing::{debug, info, warn};

use super::conn::{self, ConnCfg, CoreMsg, Handle, WriterMsg};
use super::core::{Core, CoreConfig, Input, Output};
use super::outbound;
use super::registry::ConnId;
use crate::icl::Limits;
use crate::wire::{
    DEFAULT_MAX_FRAME, DEFAULT_MAX_INPUT_FRAMES, DEFAULT_MAX_INPUT_QUEUE, DEFAULT_MAX_OUTPUT_QUEUE,
    Envelope,
};

/// Work the core task does before it lets the runtime poll the sockets.
const YIELD_AFTER: Duration = Duration::from_millis(1);

/// Default port, as in the command line's default `127.0.0.1:3378`.
pub const DEFAULT_PORT: u16 = 3378;

/// How to run a facilitator.
#[derive(Clone, Debug)]
pub struct FacilitatorConfig {
    /// Address to listen on (port 0 picks a free port).
    pub listen: SocketAddr,
    /// Shared secret clients must present as `password(P)`. Required when
    /// `listen` is not a loopback address.
    pub secret: Option<String>,
    /// Largest accepted frame in bytes; also the largest `ev_solved` reply
    /// sent (solutions beyond it are dropped).
    pub max_frame: usize,
    /// Per connection: received bytes waiting for the core, beyond which
    /// the connection is not read until the core catches up.
    pub max_input_queue: usize,
    /// Per connection: received frames waiting for the core, which bounds
    /// how many requests of one peer can be ahead of another's.
    pub max_input_frames: usize,
    /// Per connection: encoded bytes waiting to be written, beyond which
    /// the peer counts as not reading and is disconnected.
    pub max_output_queue: usize,
    /// Limits on received terms.
    pub limits: Limits,
    /// Offer UTF-8 to peers that ask for it.
    pub utf8: bool,
    /// Counters to keep (served by `--metrics-listen`); none by default.
    pub metrics: Option<std::sync::Arc<super::metrics::FacilitatorMetrics>>,
}

impl Default for FacilitatorConfig {
    fn default() -> Self {
        FacilitatorConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT)),
            secret: None,
            max_frame: DEFAULT_MAX_FRAME,
            max_input_queue: DEFAULT_MAX_INPUT_QUEUE,
            max_input_frames: DEFAULT_MAX_INPUT_FRAMES,
            max_output_queue: DEFAULT_MAX_OUTPUT_QUEUE,
            limits: Limits::default(),
            utf8: true,
            metrics: None,
        }
    }
}

impl FacilitatorConfig {
    /// Loopback on an OS-chosen port: handy for tests.
    pub fn loopback_any_port() -> Self {
        FacilitatorConfig { listen: SocketAddr::from(([127, 0, 0, 1], 0)), ..Self::default() }
    }

    /// Refuses to expose an unauthenticated facilitator beyond this host.
    pub fn validate(&self) -> Result<(), ServerError> {
        if !self.listen.ip().is_loopback() && self.secret.as_deref().is_none_or(str::is_empty) {
            return Err(ServerError::SecretRequired(self.listen));
        }
        Ok(())
    }
}

/// Why the server could not start.
#[derive(Debug, Error)]
pub enum ServerError {
    /// Listening beyond loopback without a secret.
    #[error("refusing to listen on {0} without a shared secret (use --secret)")]
    SecretRequired(SocketAddr),
    /// Socket error.
    #[error("cannot listen: {0}")]
    Io(#[from] std::io::Error),
}

/// A running facilitator.
pub struct Facilitator {
    local_addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    core_task: JoinHandle<()>,
    accept_task: JoinHandle<()>,
}

fn unix_now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
}

impl Facilitator {
    /// Binds and starts serving in background tasks.
    pub async fn start(cfg: FacilitatorConfig) -> Result<Facilitator, ServerError> {
        cfg.validate()?;
        let listener = TcpListener::bind(cfg.listen).await?;
        let local_addr = listener.local_addr()?;
        info!(%local_addr, secret = cfg.secret.is_some(), "facilitator listening");
        let core_cfg = CoreConfig {
            host: local_addr.ip().to_string(),
            port: local_addr.port(),
            secret: cfg.secret.clone(),
            utf8: cfg.utf8,
            limits: cfg.limits,
        };
        let (tx, rx) = mpsc::unbounded_channel();
        let (stop_tx, stop_rx) = oneshot::channel();
        let core = Core::new(core_cfg, Instant::now(), unix_now());
        let core_task =
            tokio::spawn(core_loop(core, rx, stop_rx, cfg.max_frame, cfg.metrics.clone()));
        let accept_task = tokio::spawn(accept_loop(listener, tx, cfg));
        Ok(Facilitator { local_addr, stop: Some(stop_tx), core_task, accept_task })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting, closes every connection and waits for the core.
    pub async fn shutdown(mut self) {
        self.accept_task.abort();
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        let _ = (&mut self.core_task).await;
    }

    /// Serves until the core task ends (it does not on its own).
    pub async fn wait(mut self) {
        let _ = (&mut self.core_task).await;
    }
}

impl Drop for Facilitator {
    fn drop(&mut self) {
        self.accept_task.abort();
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    tx: mpsc::UnboundedSender<CoreMsg>,
    cfg: FacilitatorConfig,
) {
    let conn_cfg = ConnCfg {
        max_frame: cfg.max_frame,
        limits: cfg.limits,
        utf8: cfg.utf8,
        max_input_queue: cfg.max_input_queue,
        max_input_frames: cfg.max_input_frames,
        max_output_queue: cfg.max_output_queue,
    };
    let mut next: ConnId = 1;
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let id = next;
        next += 1;
        debug!(conn = id, %peer, "accepted");
        let _ = stream.set_nodelay(true);
        let (handle, go) = conn::start(id, stream, peer, &conn_cfg, tx.clone());
        if tx.send(CoreMsg::Opened(handle)).is_err() {
            return;
        }
        let _ = go.send(());
    }
}

/// The core task's state: the [`Core`] and every connection's handle.
struct Pump {
    core: Core,
    conns: HashMap<ConnId, Handle>,
    max_reply: usize,
    metrics: Option<std::sync::Arc<super::metrics::FacilitatorMetrics>>,
}

impl Pump {
    fn input(&mut self, msg: CoreMsg) {
        let now = Instant::now();
        let outputs = match msg {
            CoreMsg::Opened(h) => {
                if let Some(m) = &self.metrics {
                    m.opened();
                }
                let id = h.shared.id;
                self.conns.insert(id, h);
                self.core.handle(Input::Opened(id), now, unix_now())
            }
            CoreMsg::Frame(id, env, permit) => {
                // Work queued by a connection that is gone is dropped unseen.
                if self.conns.get(&id).is_none_or(|c| c.shared.inbox.is_closed()) {
                    return;
                }
                let outputs = self.core.handle(Input::Frame(id, env), now, unix_now());
                drop(permit);
                if let Some(m) = &self.metrics {
                    m.frame(now.elapsed());
                }
                outputs
            }
            CoreMsg::Closed(id) => {
                let Some(c) = self.conns.remove(&id) else { return };
                if let Some(m) = &self.metrics {
                    m.closed("peer");
                }
                // Flush what was answered before the peer closed.
                let _ = c.tx.send(WriterMsg::Close);
                self.core.handle(Input::Closed(id), now, unix_now())
            }
        };
        self.deliver(outputs);
        if let Some(m) = &self.metrics {
            m.agents(self.core.agent_count());
        }
    }

    fn deliver(&mut self, outputs: Vec<Output>) {
        let mut pending: VecDeque<Output> = outputs.into();
        while let Some(o) = pending.pop_front() {
            match o {
                Output::Send(id, env) => {
                    if let Some(closed) = self.send(id, &env) {
                        pending.extend(closed);
                    }
                }
                Output::SetCharset(id, cs) => {
                    if let Some(c) = self.conns.get_mut(&id) {
                        c.charset = cs;
                    }
                }
                Output::Close(id) => {
                    if let Some(c) = self.conns.remove(&id) {
                        let _ = c.tx.send(WriterMsg::Close);
                        // Stop reading too: anything further is ignored.
                        c.shared.inbox.close();
                        c.reader.abort();
                        pending.extend(self.core.handle(
                            Input::Closed(id),
                            Instant::now(),
                            unix_now(),
                        ));
                    }
                }
            }
        }
    }

    /// Encodes and queues one frame; when the peer's backlog is over its
    /// cap, disconnects it instead and returns what the core does about it.
    fn send(&mut self, id: ConnId, env: &Envelope) -> Option<Vec<Output>> {
        let c = self.conns.get(&id)?;
        let (bytes, cut) = outbound::encode(env, c.charset, self.max_reply);
        if let Some(cut) = cut {
            warn!(
                conn = id,
                peer = %c.shared.peer,
                kept = cut.kept,
                dropped = cut.dropped,
                cap = self.max_reply,
                "reply over the frame limit: solutions dropped"
            );
        }
        match c.shared.backlog.try_add(bytes.len()) {
            Ok(()) => {
                let _ = c.tx.send(WriterMsg::Bytes(bytes));
                if let Some(m) = &self.metrics {
                    m.sent();
                }
                None
            }
            Err(o) => {
                warn!(
                    conn = id,
                    peer = %c.shared.peer,
                    queued = o.queued,
                    frame = o.frame,
                    cap = o.cap,
                    "closing connection: output backlog over the cap (peer not reading)"
                );
                if let Some(c) = self.conns.remove(&id) {
                    c.kill();
                }
                if let Some(m) = &self.metrics {
                    m.closed("backlog");
                }
                Some(self.core.handle(Input::Closed(id), Instant::now(), unix_now()))
            }
        }
    }
}

async fn core_loop(
    core: Core,
    mut rx: mpsc::UnboundedReceiver<CoreMsg>,
    mut stop: oneshot::Receiver<()>,
    max_reply: usize,
    metrics: Option<std::sync::Arc<super::metrics::FacilitatorMetrics>>,
) {
    let mut pump = Pump { core, conns: HashMap::new(), max_reply, metrics };
    let mut busy = Duration::ZERO;
    loop {
        let deadline = pump.core.next_deadline();
        let msg = tokio::select! {
            _ = &mut stop => break,
            msg = rx.recv() => match msg {
                Some(m) => Some(m),
                None => break,
            },
            _ = sleep_until(deadline) => None,
        };
        let started = Instant::now();
        match msg {
            Some(m) => pump.input(m),
            None => {
                let outputs = pump.core.tick(Instant::now(), unix_now());
                pump.deliver(outputs);
            }
        }
        busy += started.elapsed();
        if busy >= YIELD_AFTER {
            // While frames keep coming the runtime polls sockets only every
            // few dozen task polls; after expensive answers that would keep
            // new connections and other peers' frames waiting for seconds.
            busy = Duration::ZERO;
            tokio::task::yield_now().await;
        }
    }
    if let Some(m) = &pump.metrics {
        m.stopped();
    }
    for (_, c) in pump.conns {
        let _ = c.tx.send(WriterMsg::Close);
        c.shared.inbox.close();
        c.reader.abort();
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d.into()).await,
        None => std::future::pending().await,
    }
}

/// Connects to `addr` with TCP_NODELAY (shared by the agent library).
pub async fn connect_tcp(addr: SocketAddr) -> std::io::Result<TcpStream> {
    let s = TcpStream::connect(addr).await?;
    s.set_nodelay(true)?;
    Ok(s)
}
