//! The facilitator's tokio TCP server: accepts connections, splits byte
//! streams into frames, and funnels everything through one task that owns
//! the [`Core`].
//!
//! Performs I/O (sockets, clock). Each connection has a reader task (frame
//! scanning, decoding and parsing happen there, in parallel) and a writer
//! task that coalesces queued frames into one write; the core task never
//! touches a socket, so a slow agent cannot block anyone else. TCP_NODELAY
//! is set because every message is a small request or reply.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use thiserror::Error;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio::task::{AbortHandle, JoinHandle};
use tracing::{debug, info, trace, warn};

use super::core::{Core, CoreConfig, Input, Output};
use super::registry::ConnId;
use crate::icl::Limits;
use crate::protocol::{Msg, handshake};
use crate::wire::{Charset, DEFAULT_MAX_FRAME, Envelope, FrameScanner};

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
    /// Largest accepted frame in bytes.
    pub max_frame: usize,
    /// Limits on received terms.
    pub limits: Limits,
    /// Offer UTF-8 to peers that ask for it.
    pub utf8: bool,
}

impl Default for FacilitatorConfig {
    fn default() -> Self {
        FacilitatorConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT)),
            secret: None,
            max_frame: DEFAULT_MAX_FRAME,
            limits: Limits::default(),
            utf8: true,
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

enum CoreMsg {
    Opened(ConnId, mpsc::UnboundedSender<WriterMsg>, AbortHandle),
    Frame(ConnId, Envelope),
    Closed(ConnId),
}

enum WriterMsg {
    Frame(Envelope),
    Charset(Charset),
    Close,
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
        let core_task =
            tokio::spawn(core_loop(Core::new(core_cfg, Instant::now(), unix_now()), rx, stop_rx));
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
    let mut next: ConnId = 1;
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                warn!(error = %e, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let id = next;
        next += 1;
        debug!(conn = id, %peer, "accepted");
        let _ = stream.set_nodelay(true);
        let (r, w) = stream.into_split();
        let (wtx, wrx) = mpsc::unbounded_channel();
        tokio::spawn(writer(w, wrx));
        let reader = tokio::spawn(reader(id, r, tx.clone(), cfg.clone()));
        if tx.send(CoreMsg::Opened(id, wtx, reader.abort_handle())).is_err() {
            return;
        }
    }
}

async fn reader(
    id: ConnId,
    mut r: OwnedReadHalf,
    tx: mpsc::UnboundedSender<CoreMsg>,
    cfg: FacilitatorConfig,
) {
    let mut scanner = FrameScanner::new(cfg.max_frame);
    let mut charset = Charset::Latin1;
    let mut handshake_seen = false;
    let mut buf = vec![0u8; 64 * 1024];
    'outer: loop {
        let n = match r.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        scanner.push(&buf[..n]);
        loop {
            let frame = match scanner.next_frame_ref() {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) => {
                    warn!(conn = id, error = %e, "closing connection");
                    break 'outer;
                }
            };
            match Envelope::decode(frame, charset, &cfg.limits) {
                Ok(env) => {
                    trace!(conn = id, frame = %env.content, "received");
                    if !handshake_seen {
                        handshake_seen = true;
                        // The core makes the same decision from the same
                        // ev_connect, so both directions switch together.
                        if let Msg::Connect(info) = Msg::from_term(&env.content)
                            && cfg.utf8
                            && handshake::wants_utf8(&info)
                        {
                            charset = Charset::Utf8;
                        }
                    }
                    if tx.send(CoreMsg::Frame(id, env)).is_err() {
                        break 'outer;
                    }
                }
                Err(e) => warn!(conn = id, error = %e, "ignoring undecodable frame"),
            }
        }
    }
    let _ = tx.send(CoreMsg::Closed(id));
}

async fn writer(mut w: OwnedWriteHalf, mut rx: mpsc::UnboundedReceiver<WriterMsg>) {
    let mut charset = Charset::Latin1;
    let mut out = Vec::with_capacity(4096);
    while let Some(first) = rx.recv().await {
        let mut close = false;
        let mut next = Some(first);
        // Coalesce everything already queued into one write.
        while let Some(m) = next {
            match m {
                WriterMsg::Frame(env) => env.encode_into(charset, &mut out),
                WriterMsg::Charset(c) => charset = c,
                WriterMsg::Close => {
                    close = true;
                    break;
                }
            }
            next = rx.try_recv().ok();
        }
        if !out.is_empty() {
            if w.write_all(&out).await.is_err() {
                return;
            }
            out.clear();
        }
        if close {
            let _ = w.shutdown().await;
            return;
        }
    }
    let _ = w.shutdown().await;
}

struct Conn {
    tx: mpsc::UnboundedSender<WriterMsg>,
    reader: AbortHandle,
}

async fn core_loop(
    mut core: Core,
    mut rx: mpsc::UnboundedReceiver<CoreMsg>,
    mut stop: oneshot::Receiver<()>,
) {
    let mut conns: HashMap<ConnId, Conn> = HashMap::new();
    loop {
        let deadline = core.next_deadline();
        let outputs = tokio::select! {
            _ = &mut stop => break,
            msg = rx.recv() => {
                let Some(msg) = msg else { break };
                let input = match msg {
                    CoreMsg::Opened(id, tx, reader) => {
                        conns.insert(id, Conn { tx, reader });
                        Input::Opened(id)
                    }
                    CoreMsg::Frame(id, env) => Input::Frame(id, env),
                    CoreMsg::Closed(id) => {
                        if let Some(c) = conns.remove(&id) {
                            let _ = c.tx.send(WriterMsg::Close);
                        }
                        Input::Closed(id)
                    }
                };
                core.handle(input, Instant::now(), unix_now())
            }
            _ = sleep_until(deadline) => core.tick(Instant::now(), unix_now()),
        };
        let mut pending: std::collections::VecDeque<Output> = outputs.into();
        while let Some(o) = pending.pop_front() {
            match o {
                Output::Send(id, env) => {
                    if let Some(c) = conns.get(&id) {
                        let _ = c.tx.send(WriterMsg::Frame(env));
                    }
                }
                Output::SetCharset(id, cs) => {
                    if let Some(c) = conns.get(&id) {
                        let _ = c.tx.send(WriterMsg::Charset(cs));
                    }
                }
                Output::Close(id) => {
                    if let Some(c) = conns.remove(&id) {
                        let _ = c.tx.send(WriterMsg::Close);
                        // Stop reading too: anything further is ignored.
                        c.reader.abort();
                        pending.extend(core.handle(Input::Closed(id), Instant::now(), unix_now()));
                    }
                }
            }
        }
    }
    for (_, c) in conns {
        let _ = c.tx.send(WriterMsg::Close);
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
