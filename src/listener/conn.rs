//! One client connection: bytes in, `lmtp::Session` (which knows the
//! protocol), its actions out — writing replies, handing complete messages
//! to the pipeline, closing. On shutdown a connection finishes the message
//! it is carrying, then says 421 at the next quiet moment and closes.
//! Performs network I/O.

use super::pipeline::Pipeline;
use super::socket::Stream;
use lmtp::{Action, ServerConfig, Session};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::watch;

/// How a connection ended, for the log.
#[derive(Debug, PartialEq, Eq)]
pub enum End {
    /// QUIT, or the session gave up.
    Closed,
    /// The client went away.
    Disconnected,
    /// Silent for too long.
    TimedOut,
    /// Closed for shutdown.
    Shutdown,
}

/// Serves one connection to its end.
pub async fn serve(
    mut stream: Box<dyn Stream>,
    config: ServerConfig,
    pipeline: Arc<Pipeline>,
    idle: Duration,
    mut stopping: watch::Receiver<bool>,
) -> std::io::Result<End> {
    let hostname = config.hostname.clone();
    let mut session = Session::new(config);
    stream.write_all(&session.greeting()).await?;
    let mut buf = vec![0u8; 64 * 1024];
    let mut stop = *stopping.borrow();
    loop {
        if stop && session.buffered_bytes() == 0 {
            // Between commands: nothing of a message is held, so closing
            // loses nothing; the client tries again later.
            return say_goodbye(&mut stream, &hostname).await;
        }
        let n = tokio::select! {
            r = tokio::time::timeout(idle, stream.read(&mut buf)) => match r {
                Err(_) => {
                    let _ = stream.write_all(format!("421 4.4.2 {hostname} Timeout, closing connection\r\n").as_bytes()).await;
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
        let actions = session.feed(&buf[..n]);
        if !perform(&mut stream, &mut session, &pipeline, actions).await? {
            return Ok(End::Closed);
        }
    }
}

/// Carries out actions in order; `false` once the session closed.
async fn perform(
    stream: &mut Box<dyn Stream>,
    session: &mut Session,
    pipeline: &Pipeline,
    actions: Vec<Action>,
) -> std::io::Result<bool> {
    let mut queue: VecDeque<Action> = actions.into();
    while let Some(action) = queue.pop_front() {
        match action {
            Action::Write(bytes) => stream.write_all(&bytes).await?,
            Action::Deliver(envelope) => {
                let outcomes = pipeline.deliver(envelope).await;
                // Replies, then whatever the client pipelined meanwhile.
                queue.extend(session.delivered(&outcomes));
            }
            Action::Close => {
                stream.flush().await?;
                let _ = stream.shutdown().await;
                return Ok(false);
            }
        }
    }
    stream.flush().await?;
    Ok(true)
}

async fn say_goodbye(stream: &mut Box<dyn Stream>, hostname: &str) -> std::io::Result<End> {
    stream
        .write_all(
            format!("421 4.3.2 {hostname} Service shutting down, closing connection\r\n")
                .as_bytes(),
        )
        .await?;
    let _ = stream.shutdown().await;
    Ok(End::Shutdown)
}
