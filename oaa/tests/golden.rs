//! Golden wire transcripts: each file in `tests/golden/` is replayed
//! against a running facilitator over real loopback TCP, and every frame the
//! facilitator sends must match the transcript byte for byte (after `$PORT`
//! substitution). These pin the shapes the historical protocol leaves
//! uncertain; see docs/oaa-protocol.md.
//!
//! Script lines:
//! - `# ...` comment; blank lines ignored;
//! - `@secret S` (first) starts the facilitator with a shared secret;
//! - `connect NAME` opens a client connection;
//! - `NAME> FRAME` sends the frame text;
//! - `NAME< FRAME` expects the next frame on that connection;
//! - `NAME closed` expects the facilitator to close the connection;
//! - `NAME quiet` expects nothing more for 150 ms;
//! - `utf8 NAME` switches that connection to UTF-8 both ways;
//! - `close NAME` closes the client side.
//!
//! With `GOLDEN=overwrite` the expected frames are rewritten from what was
//! received (review the diff before committing).
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::time::Duration;

use oaa::facilitator::{Facilitator, FacilitatorConfig};
use oaa::wire::{Charset, FrameScanner};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

struct Client {
    stream: TcpStream,
    scanner: FrameScanner,
    charset: Charset,
}

impl Client {
    async fn next_frame(&mut self, wait: Duration) -> Option<Result<String, String>> {
        let mut buf = [0u8; 4096];
        loop {
            if let Some(f) = self.scanner.next_frame().unwrap() {
                return Some(Ok(self.charset.decode(&f).unwrap().trim().to_string()));
            }
            match tokio::time::timeout(wait, self.stream.read(&mut buf)).await {
                Err(_) => return None,
                Ok(Ok(0)) | Ok(Err(_)) => return Some(Err("closed".into())),
                Ok(Ok(n)) => self.scanner.push(&buf[..n]),
            }
        }
    }
}

async fn run(path: &std::path::Path, overwrite: bool) -> Result<(), String> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut cfg = FacilitatorConfig::loopback_any_port();
    if let Some(secret) = text.lines().find_map(|l| l.strip_prefix("@secret ")) {
        cfg.secret = Some(secret.trim().to_string());
    }
    let fac = Facilitator::start(cfg).await.unwrap();
    let addr = fac.local_addr();
    let port = addr.port().to_string();
    let mut clients: HashMap<String, Client> = HashMap::new();
    let mut out_lines = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let at = format!("{}:{}", path.display(), n + 1);
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with('@') {
            out_lines.push(line.to_string());
            continue;
        }
        if let Some(name) = trimmed.strip_prefix("connect ") {
            let stream = TcpStream::connect(addr).await.unwrap();
            stream.set_nodelay(true).unwrap();
            clients.insert(
                name.to_string(),
                Client { stream, scanner: FrameScanner::new(1 << 20), charset: Charset::Latin1 },
            );
            out_lines.push(line.to_string());
            continue;
        }
        if let Some(name) = trimmed.strip_prefix("utf8 ") {
            clients.get_mut(name).ok_or(format!("{at}: no client {name}"))?.charset = Charset::Utf8;
            out_lines.push(line.to_string());
            continue;
        }
        if let Some(name) = trimmed.strip_prefix("close ") {
            let c = clients.remove(name).ok_or(format!("{at}: no client {name}"))?;
            drop(c);
            out_lines.push(line.to_string());
            continue;
        }
        let (name, rest) =
            trimmed.split_at(trimmed.find(['>', '<', ' ']).ok_or(format!("{at}: bad line"))?);
        let c = clients.get_mut(name).ok_or(format!("{at}: no client {name}"))?;
        if let Some(frame) = rest.strip_prefix('>') {
            let frame = frame.trim().replace("$PORT", &port);
            let mut bytes = Vec::new();
            c.charset.encode_into(&frame, &mut bytes);
            bytes.push(b'\n');
            c.stream.write_all(&bytes).await.map_err(|e| format!("{at}: send: {e}"))?;
            out_lines.push(line.to_string());
        } else if let Some(expected) = rest.strip_prefix('<') {
            let expected = expected.trim().replace("$PORT", &port);
            let got = match c.next_frame(Duration::from_secs(5)).await {
                None => return Err(format!("{at}: timed out waiting for {expected}")),
                Some(Err(e)) => return Err(format!("{at}: connection {e}, expected {expected}")),
                Some(Ok(f)) => f,
            };
            if overwrite {
                out_lines.push(format!("{name}< {}", got.replace(&format!(",{port})"), ",$PORT)")));
            } else if got != expected {
                return Err(format!("{at}:\n  expected {expected}\n  got      {got}"));
            } else {
                out_lines.push(line.to_string());
            }
        } else if rest.trim() == "closed" {
            match c.next_frame(Duration::from_secs(5)).await {
                Some(Err(_)) => {}
                other => return Err(format!("{at}: expected close, got {other:?}")),
            }
            out_lines.push(line.to_string());
        } else if rest.trim() == "quiet" {
            if let Some(f) = c.next_frame(Duration::from_millis(150)).await {
                return Err(format!("{at}: expected nothing, got {f:?}"));
            }
            out_lines.push(line.to_string());
        } else {
            return Err(format!("{at}: bad line"));
        }
    }
    if overwrite {
        std::fs::write(path, out_lines.join("\n") + "\n").unwrap();
    }
    fac.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn golden_transcripts() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let overwrite = std::env::var("GOLDEN").as_deref() == Ok("overwrite");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.retain(|p| p.extension().is_some_and(|e| e == "txt"));
    files.sort();
    assert!(files.len() >= 9, "expected the golden transcripts in {}", dir.display());
    let mut failures = Vec::new();
    for f in &files {
        let r = tokio::time::timeout(Duration::from_secs(30), run(f, overwrite)).await;
        match r {
            Ok(Ok(())) => {}
            Ok(Err(e)) => failures.push(e),
            Err(_) => failures.push(format!("{}: timed out", f.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
