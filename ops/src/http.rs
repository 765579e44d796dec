//! A minimal HTTP/1.1 responder for `GET /metrics` and `GET /health`, one
//! request per connection, for a Prometheus scraper or a health probe on
//! the local network. Off unless a program is given an address. Each
//! connection is bounded in time and request size, so that a client cannot
//! hold it. Performs network I/O.

use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Longest request head read.
const MAX_REQUEST: usize = 8192;
/// Time a client has to send its request and read the answer.
const DEADLINE: Duration = Duration::from_secs(5);
/// Requests answered at once; further connections wait in the backlog.
const MAX_CONNECTIONS: usize = 16;

/// What the endpoint answers.
pub trait Endpoint: Send + Sync + 'static {
    /// The metrics, in Prometheus text format.
    fn metrics(&self) -> String;
    /// `Ok(text)` when healthy (200), `Err(why)` when not (503).
    fn health(&self) -> Result<String, String>;
}

/// Serves until the task is dropped or aborted.
pub async fn serve(listener: TcpListener, endpoint: Arc<dyn Endpoint>) {
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok(permit) = slots.clone().acquire_owned().await else { return };
        let Ok((mut stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let e = endpoint.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let _ = tokio::time::timeout(DEADLINE, async {
                let mut buf = Vec::with_capacity(512);
                let mut chunk = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < MAX_REQUEST {
                    match stream.read(&mut chunk).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let response = answer(&buf, e.as_ref());
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            })
            .await;
        });
    }
}

/// The response to a request head.
pub fn answer(head: &[u8], e: &dyn Endpoint) -> String {
    let line = head.split(|b| *b == b'\n').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    let mut words = line.split_whitespace();
    let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let path = path.split('?').next().unwrap_or("");
    if method != "GET" && method != "HEAD" {
        return response(405, "text/plain", "only GET\n", method == "HEAD");
    }
    match path {
        "/metrics" => response(
            200,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
            &e.metrics(),
            method == "HEAD",
        ),
        "/health" | "/healthz" => match e.health() {
            Ok(t) => response(200, "text/plain", &format!("{t}\n"), method == "HEAD"),
            Err(t) => response(503, "text/plain", &format!("{t}\n"), method == "HEAD"),
        },
        _ => response(404, "text/plain", "try /metrics or /health\n", method == "HEAD"),
    }
}

fn response(status: u16, ctype: &str, body: &str, head_only: bool) -> String {
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Service Unavailable",
    };
    format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        body.len(),
        if head_only { "" } else { body }
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    struct Fixed(bool);
    impl Endpoint for Fixed {
        fn metrics(&self) -> String {
            "m_total 1\n".into()
        }
        fn health(&self) -> Result<String, String> {
            if self.0 { Ok("ok".into()) } else { Err("store unavailable".into()) }
        }
    }

    #[test]
    fn routes() {
        let r = answer(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", &Fixed(true));
        assert!(r.starts_with("HTTP/1.1 200 OK\r\n") && r.ends_with("m_total 1\n"), "{r}");
        let r = answer(b"GET /health HTTP/1.0\r\n\r\n", &Fixed(false));
        assert!(r.starts_with("HTTP/1.1 503 ") && r.ends_with("store unavailable\n"), "{r}");
        assert!(answer(b"GET /x HTTP/1.1\r\n\r\n", &Fixed(true)).starts_with("HTTP/1.1 404"));
        assert!(
            answer(b"POST /metrics HTTP/1.1\r\n\r\n", &Fixed(true)).starts_with("HTTP/1.1 405")
        );
    }
}
