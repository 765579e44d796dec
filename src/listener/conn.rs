//! One client connection: bytes in, `lmtp::Session` (which knows the
//! protocol and its deadlines), its actions out — writing replies, handing
//! complete messages to the pipeline, closing. A client silent for the idle
//! timeout, or one that does not finish a command line or a message in
//! time (the session's deadlines), is told 421 and closed; so is one that
//! does not read our replies for the idle timeout (without the 421, which
//! it would not read). On shutdown a connection finishes the message it is
//! carrying, then says 421 at the next quiet moment and closes. Performs
//! network I/O.

use super::pipeline::Pipeline;
use super::socket::Stream;
use crate::mail::Arrival;
use lmtp::{Action, ServerConfig, Session};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::watch;

/// Bytes read from the socket at once.
const READ_CHUNK: usize = 64 * 1024;

/// How a connection ended, for the log.
#[derive(Debug, PartialEq, Eq)]
pub enum End {
    /// QUIT, or the session gave up.
    Closed,
    /// The client went away.
    Disconnected,
    /// Silent (or not reading) for too long.
    TimedOut,
    /// A command line or message not finished in time.
    TooSlow,
    /// Closed for shutdown.
    Shutdown,
}

/// What a connection knows besides its socket.
pub struct Context {
    /// The session's settings (limits and deadlines).
    pub config: ServerConfig,
    /// Where complete messages go.
    pub pipeline: Arc<Pipeline>,
    /// How long the client may stay silent, or leave our replies unread.
    pub idle: Duration,
    /// How the client reached us.
    pub arrival: Arrival,
    /// Becomes true on shutdown.
    pub stopping: watch::Receiver<bool>,
}

/// Serves one connection to its end.
pub async fn serve(mut stream: Box<dyn Stream>, ctx: Context) -> std::io::Result<End> {
    let Context { config, pipeline, idle, arrival, mut stopping } = ctx;
    let hostname = config.hostname.clone();
    let mut session = Session::new(config);
    let mut io = Io { stream: &mut stream, idle };
    if !io.write(&session.greeting()).await? {
        return Ok(End::TimedOut);
    }
    let mut buf = vec![0u8; READ_CHUNK];
    let mut stop = *stopping.borrow();
    loop {
        if stop && session.buffered_bytes() == 0 {
            // Between commands: nothing of a message is held, so closing
            // loses nothing; the client tries again later.
            let bye = format!("421 4.3.2 {hostname} Service shutting down, closing connection\r\n");
            io.write(bye.as_bytes()).await?;
            let _ = io.stream.shutdown().await;
            return Ok(End::Shutdown);
        }
        // The earlier of the idle timeout and the session's deadline.
        let idle_at = Instant::now() + idle;
        let protocol_at = session.deadline().filter(|d| *d <= idle_at);
        let wake = protocol_at.unwrap_or(idle_at);
        let n = tokio::select! {
            r = tokio::time::timeout_at(wake.into(), io.stream.read(&mut buf)) => match r {
                Err(_) => {
                    if let Some(at) = protocol_at {
                        let actions = session.on_deadline(Instant::now().max(at));
                        io.perform(&mut session, &pipeline, arrival, actions).await?;
                        return Ok(End::TooSlow);
                    }
                    let msg = format!("421 4.4.2 {hostname} Timeout, closing connection\r\n");
                    let _ = io.write(msg.as_bytes()).await;
                    return Ok(End::TimedOut);
                }
                Ok(r) => r?,
            },
            // Wake up to check the condition above; a client in the middle
            // of a message keeps being served. (The only change is to true;
            // a vanished sender means the same.)
            _ = stopping.changed(), if !stop => {
                stop = true;
                continue;
            }
        };
        if n == 0 {
            return Ok(End::Disconnected);
        }
        let actions = session.feed_at(Instant::now(), &buf[..n]);
        match io.perform(&mut session, &pipeline, arrival, actions).await? {
            Performed::Open => {}
            Performed::Closed => return Ok(End::Closed),
            Performed::Stuck => return Ok(End::TimedOut),
        }
    }
}

/// After carrying out a session's actions.
enum Performed {
    /// The session goes on.
    Open,
    /// The session closed.
    Closed,
    /// The client did not take our replies within the idle timeout.
    Stuck,
}

/// The socket with the time a write may take.
struct Io<'a> {
    stream: &'a mut Box<dyn Stream>,
    idle: Duration,
}

impl Io<'_> {
    /// Writes all of `bytes`; `false` when the client did not take them
    /// within the idle timeout (a client that sends but never reads).
    async fn write(&mut self, bytes: &[u8]) -> std::io::Result<bool> {
        match tokio::time::timeout(self.idle, self.stream.write_all(bytes)).await {
            Ok(r) => r.map(|()| true),
            Err(_) => Ok(false),
        }
    }

    /// Carries out actions in order.
    async fn perform(
        &mut self,
        session: &mut Session,
        pipeline: &Pipeline,
        arrival: Arrival,
        actions: Vec<Action>,
    ) -> std::io::Result<Performed> {
        let mut queue: VecDeque<Action> = actions.into();
        while let Some(action) = queue.pop_front() {
            match action {
                Action::Write(bytes) => {
                    if !self.write(&bytes).await? {
                        return Ok(Performed::Stuck);
                    }
                }
                Action::Deliver(envelope) => {
                    let outcomes = pipeline.deliver(envelope, arrival).await;
                    // Replies, then whatever the client pipelined meanwhile.
                    queue.extend(session.delivered(&outcomes));
                }
                Action::Close => {
                    let _ = tokio::time::timeout(self.idle, self.stream.flush()).await;
                    let _ = self.stream.shutdown().await;
                    return Ok(Performed::Closed);
                }
            }
        }
        match tokio::time::timeout(self.idle, self.stream.flush()).await {
            Ok(r) => r.map(|()| Performed::Open),
            Err(_) => Ok(Performed::Stuck),
        }
    }
}
