//! An SMTP sink for the benchmark's replies: accepts every message and
//! counts it, like a local MTA's submission port would (without its queue
//! file). One thread per connection. Performs network I/O.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Starts the sink; returns its port and the message counter.
pub fn start() -> (u16, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind sink");
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
    let count = Arc::new(AtomicU64::new(0));
    let c = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let c = c.clone();
            std::thread::spawn(move || {
                let _ = stream.set_nodelay(true);
                let Ok(read) = stream.try_clone() else { return };
                let mut reader = BufReader::new(read);
                let mut w = stream;
                let _ = w.write_all(b"220 sink.bench ESMTP\r\n");
                let mut line = String::new();
                let mut in_data = false;
                while reader.read_line(&mut line).unwrap_or(0) > 0 {
                    let reply: &[u8] = if in_data {
                        if line == ".\r\n" {
                            in_data = false;
                            c.fetch_add(1, Ordering::Relaxed);
                            b"250 2.0.0 Ok\r\n"
                        } else {
                            b""
                        }
                    } else {
                        let cmd = line.get(..4).unwrap_or("").to_ascii_uppercase();
                        match cmd.as_str() {
                            "EHLO" => b"250-sink.bench\r\n250 8BITMIME\r\n",
                            "DATA" => {
                                in_data = true;
                                b"354 go ahead\r\n"
                            }
                            "QUIT" => {
                                let _ = w.write_all(b"221 bye\r\n");
                                return;
                            }
                            _ => b"250 Ok\r\n",
                        }
                    };
                    if !reply.is_empty() && w.write_all(reply).is_err() {
                        return;
                    }
                    line.clear();
                }
            });
        }
    });
    (port, count)
}
