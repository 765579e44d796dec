//! One accepted connection of the facilitator: its reader and writer tasks
//! and the state they share with the core task.
//!
//! Performs I/O (the socket). The reader scans, decodes and parses frames
//! (in parallel with the core when the runtime has several threads) and
//! queues them for the core, each holding a share of the connection's
//! [`Inbox`] budget; when the budget is used up it waits, so a peer that
//! sends faster than the core answers is slowed down by TCP instead of
//! growing the facilitator. The writer writes the bytes
//! the core encoded, coalescing whatever is queued into one write, and
//! subtracts them from the connection's [`Backlog`] once written.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::{mpsc, oneshot};
use tokio::task::AbortHandle;
use tracing::{debug, trace, warn};

use super::inbox::{Inbox, Permit};
use super::registry::ConnId;
use crate::icl::Limits;
use crate::protocol::{Msg, handshake};
use crate::wire::{Backlog, Charset, Envelope, FrameScanner};

/// State shared by a connection's reader, writer and the core task.
#[derive(Debug)]
pub(super) struct Shared {
    pub id: ConnId,
    pub peer: SocketAddr,
    pub inbox: Inbox,
    pub backlog: Backlog,
}

/// What the accept loop and the readers tell the core task, in one channel
/// so that a connection's `Opened` always comes first.
pub(super) enum CoreMsg {
    /// A connection was accepted.
    Opened(Handle),
    /// A decoded frame, holding its share of the connection's input budget.
    Frame(ConnId, Envelope, Permit),
    /// The connection ended (end of file, error, or an oversized frame).
    Closed(ConnId),
}

/// The core task's handle on a connection.
pub(super) struct Handle {
    pub shared: Arc<Shared>,
    pub tx: mpsc::UnboundedSender<WriterMsg>,
    pub reader: AbortHandle,
    pub writer: AbortHandle,
    /// Encoding of frames to this peer (switched after the handshake).
    pub charset: Charset,
}

impl Handle {
    /// Ends the connection now, dropping queued input and unsent output.
    pub fn kill(&self) {
        self.shared.inbox.close();
        self.reader.abort();
        self.writer.abort();
    }
}

/// Messages for the writer task.
pub(super) enum WriterMsg {
    /// An encoded frame, already counted in the backlog.
    Bytes(Vec<u8>),
    /// Write what is queued, then shut the socket down.
    Close,
}

/// Per-connection settings.
#[derive(Clone, Debug)]
pub(super) struct ConnCfg {
    pub max_frame: usize,
    pub limits: Limits,
    pub utf8: bool,
    pub max_input_queue: usize,
    pub max_input_frames: usize,
    pub max_output_queue: usize,
}

/// Starts the reader and writer of an accepted connection. The reader
/// waits for the returned sender to fire, which the accept loop does once
/// the core has been sent the handle.
pub(super) fn start(
    id: ConnId,
    stream: TcpStream,
    peer: SocketAddr,
    cfg: &ConnCfg,
    tx: mpsc::UnboundedSender<CoreMsg>,
) -> (Handle, oneshot::Sender<()>) {
    let shared = Arc::new(Shared {
        id,
        peer,
        inbox: Inbox::new(cfg.max_input_queue, cfg.max_input_frames),
        backlog: Backlog::new(cfg.max_output_queue),
    });
    let (r, w) = stream.into_split();
    let (wtx, wrx) = mpsc::unbounded_channel();
    let (go_tx, go_rx) = oneshot::channel();
    let writer = tokio::spawn(writer(shared.clone(), w, wrx)).abort_handle();
    let reader = tokio::spawn(reader(shared.clone(), r, tx, cfg.clone(), go_rx)).abort_handle();
    let handle = Handle { shared, tx: wtx, reader, writer, charset: Charset::Latin1 };
    (handle, go_tx)
}

/// Reads frames into the inbox until the connection ends.
async fn reader(
    conn: Arc<Shared>,
    mut r: OwnedReadHalf,
    tx: mpsc::UnboundedSender<CoreMsg>,
    cfg: ConnCfg,
    go: oneshot::Receiver<()>,
) {
    let id = conn.id;
    if go.await.is_err() {
        return;
    }
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
                    warn!(conn = id, peer = %conn.peer, error = %e, "closing connection");
                    break 'outer;
                }
            };
            // Wait for room before decoding: back-pressure on the peer.
            let Some(permit) = conn.inbox.admit(frame.len()).await else { break 'outer };
            let env = match Envelope::decode(frame, charset, &cfg.limits) {
                Ok(env) => env,
                Err(e) => {
                    warn!(conn = id, error = %e, "ignoring undecodable frame");
                    continue;
                }
            };
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
            if tx.send(CoreMsg::Frame(id, env, permit)).is_err() {
                break 'outer;
            }
        }
    }
    // Whatever is still queued was sent by a peer that is gone.
    conn.inbox.close();
    let _ = tx.send(CoreMsg::Closed(id));
}

/// Writes what the core queues until told to close or the peer goes away.
async fn writer(
    conn: Arc<Shared>,
    mut w: OwnedWriteHalf,
    mut rx: mpsc::UnboundedReceiver<WriterMsg>,
) {
    let mut out = Vec::with_capacity(4096);
    while let Some(first) = rx.recv().await {
        let mut close = false;
        let mut next = Some(first);
        // Coalesce everything already queued into one write.
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
            if let Err(e) = w.write_all(&out).await {
                debug!(conn = conn.id, peer = %conn.peer, error = %e, "write failed");
                // The peer is gone: drop the work it queued.
                conn.inbox.close();
                return;
            }
            conn.backlog.written(out.len());
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
