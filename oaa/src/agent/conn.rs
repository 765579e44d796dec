//! The agent's connection: TCP connect, the `ev_connect` handshake, and the
//! reader and writer tasks.
//!
//! Performs I/O. Outgoing frames are encoded by whoever sends them (any
//! thread, no lock held) and handed to a writer task that coalesces them
//! and subtracts what it wrote from the connection's output [`Backlog`];
//! the reader task decodes frames and passes them to [`Inner::incoming`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::mpsc;
use tracing::{trace, warn};

use super::budget::Budget;
use super::config::{AgentConfig, AgentError};
use super::handler::Handler;
use super::local::{Inner, State};
use crate::icl::Term;
use crate::logic::data::DataStore;
use crate::logic::trigger::TriggerStore;
use crate::protocol::params::get;
use crate::protocol::{Msg, handshake};
use crate::wire::{Backlog, Charset, Envelope, FrameScanner};

/// Messages for the writer task.
pub(crate) enum WriterMsg {
    Bytes(Vec<u8>),
    Close,
}

fn first_goal_id() -> i64 {
    use std::hash::{BuildHasher, Hasher};
    // Goal ids start at a random number (reference §3.6) so replies to a
    // previous connection can never be mistaken for ours.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    1 + (h.finish() % (1 << 40)) as i64
}

/// Connects and completes the handshake; spawns the reader and writer.
pub(crate) async fn open(
    addr: &str,
    cfg: AgentConfig,
    handler: Option<Arc<dyn Handler>>,
) -> Result<Arc<Inner>, AgentError> {
    let stream = tokio::time::timeout(cfg.connect_timeout, TcpStream::connect(addr))
        .await
        .map_err(|_| AgentError::Timeout)??;
    stream.set_nodelay(true)?;
    let (mut r, mut w) = stream.into_split();
    let mut info = vec![
        Term::compound("other_name", vec![Term::atom(&cfg.name)]),
        Term::compound("other_language", vec![Term::atom("rust")]),
        Term::compound("other_version", vec![handshake::version_term()]),
        Term::compound("other_dialect", vec![Term::atom("rust_oaa")]),
        Term::compound("other_type", vec![Term::atom("client")]),
        Term::compound("format", vec![Term::atom("default")]),
    ];
    if let Some(p) = &cfg.password {
        info.push(Term::compound("password", vec![Term::atom(p)]));
    }
    info.extend(handshake::extension_entries(cfg.utf8));
    let mut out = Vec::new();
    Envelope::new(Msg::Connect(info).to_term()).encode_into(Charset::Latin1, &mut out);
    w.write_all(&out).await?;
    let mut scanner = FrameScanner::new(cfg.max_frame);
    let reply = tokio::time::timeout(cfg.connect_timeout, read_frame(&mut r, &mut scanner, &cfg))
        .await
        .map_err(|_| AgentError::Timeout)??;
    let info2 = match Msg::from_term(&reply.content) {
        Msg::Connected(info2) => info2,
        Msg::ConnectRefused(reason) => return Err(AgentError::Refused(reason)),
        other => {
            return Err(AgentError::Handshake(format!(
                "expected ev_connected, got {}",
                other.to_term()
            )));
        }
    };
    let address = get(&info2, "oaa_address")
        .ok_or_else(|| AgentError::Handshake("ev_connected without oaa_address".into()))?;
    let facilitator = get(&info2, "other_address").unwrap_or_else(|| Term::atom("parent"));
    let charset =
        if cfg.utf8 && handshake::wants_utf8(&info2) { Charset::Utf8 } else { Charset::Latin1 };
    let (tx, rx) = mpsc::unbounded_channel();
    let backlog = Arc::new(Backlog::new(cfg.max_output_queue));
    let peer = r.peer_addr()?;
    let inner = Arc::new(Inner {
        tx,
        backlog: backlog.clone(),
        budget: Budget::new(cfg.max_input_queue),
        tasks: Mutex::new(Vec::new()),
        killed: AtomicBool::new(false),
        peer,
        charset,
        address,
        facilitator,
        name: cfg.name.clone(),
        handler,
        next_id: AtomicI64::new(first_goal_id()),
        runtime: tokio::runtime::Handle::current(),
        state: Mutex::new(State {
            pending: HashMap::new(),
            solvables: Vec::new(),
            data: DataStore::new(),
            triggers: TriggerStore::new(),
            cache: HashMap::new(),
            closed: false,
        }),
    });
    let writer = tokio::spawn(writer(w, rx, backlog)).abort_handle();
    let reader = tokio::spawn(reader(r, scanner, inner.clone(), cfg)).abort_handle();
    inner.tasks.lock().unwrap_or_else(|e| e.into_inner()).extend([reader, writer]);
    Ok(inner)
}

async fn read_frame(
    r: &mut OwnedReadHalf,
    scanner: &mut FrameScanner,
    cfg: &AgentConfig,
) -> Result<Envelope, AgentError> {
    let mut buf = vec![0u8; 8192];
    loop {
        if let Some(f) = scanner.next_frame().map_err(|e| AgentError::Handshake(e.to_string()))? {
            return Envelope::decode(&f, Charset::Latin1, &cfg.limits)
                .map_err(|e| AgentError::Handshake(e.to_string()));
        }
        let n = r.read(&mut buf).await?;
        if n == 0 {
            return Err(AgentError::Disconnected);
        }
        scanner.push(&buf[..n]);
    }
}

async fn reader(
    mut r: OwnedReadHalf,
    mut scanner: FrameScanner,
    inner: Arc<Inner>,
    cfg: AgentConfig,
) {
    let mut buf = vec![0u8; 64 * 1024];
    'outer: loop {
        loop {
            match scanner.next_frame_ref() {
                Ok(Some(f)) => match Envelope::decode(f, inner.charset, &cfg.limits) {
                    Ok(env) => {
                        trace!(agent = %inner.name, frame = %env.content, "received");
                        inner.incoming(env, f.len());
                        if inner.killed.load(Ordering::Acquire) {
                            // Closed for an overflowing backlog meanwhile.
                            break 'outer;
                        }
                    }
                    Err(e) => warn!(error = %e, "ignoring undecodable frame"),
                },
                Ok(None) => break,
                Err(e) => {
                    warn!(error = %e, "closing connection");
                    break 'outer;
                }
            }
        }
        match r.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => scanner.push(&buf[..n]),
        }
    }
    inner.connection_lost();
}

async fn writer(
    mut w: OwnedWriteHalf,
    mut rx: mpsc::UnboundedReceiver<WriterMsg>,
    backlog: Arc<Backlog>,
) {
    let mut out = Vec::with_capacity(4096);
    while let Some(first) = rx.recv().await {
        let mut next = Some(first);
        let mut close = false;
        while let Some(m) = next {
            match m {
                WriterMsg::Bytes(b) => {
                    if out.is_empty() {
                        out = b;
                    } else {
                        out.extend_from_slice(&b);
                    }
                }
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
            backlog.written(out.len());
            out.clear();
            if out.capacity() > 1 << 20 {
                // Do not keep a large buffer for the life of the connection.
                out = Vec::with_capacity(4096);
            }
        }
        if close {
            break;
        }
    }
    let _ = w.shutdown().await;
}
