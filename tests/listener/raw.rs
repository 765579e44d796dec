//! A hand-driven client for what the lmtp crate's client will not do:
//! stopping in the middle of a message, reading replies one at a time,
//! connecting from a chosen loopback address.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

pub struct Raw {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Raw {
    pub fn connect(target: &str) -> Raw {
        let mut r = Raw::open(TcpStream::connect(target).unwrap());
        assert!(r.reply().starts_with("220 "));
        r
    }

    /// Connects from `source` (e.g. 127.0.0.2: Linux routes all of
    /// 127.0.0.0/8 to the loopback interface) without reading the greeting.
    pub fn connect_from(target: &str, source: &str) -> Raw {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let stream = rt.block_on(async {
            let socket = tokio::net::TcpSocket::new_v4().unwrap();
            socket.bind(format!("{source}:0").parse().unwrap()).unwrap();
            socket.connect(target.parse().unwrap()).await.unwrap()
        });
        let std = stream.into_std().unwrap();
        std.set_nonblocking(false).unwrap();
        Raw::open(std)
    }

    fn open(s: TcpStream) -> Raw {
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        Raw { reader: BufReader::new(s.try_clone().unwrap()), writer: s }
    }

    pub fn send(&mut self, text: &str) {
        self.writer.write_all(text.as_bytes()).unwrap();
    }

    /// Sends, reporting a connection the daemon closed instead of failing.
    pub fn try_send(&mut self, bytes: &[u8]) -> bool {
        self.writer.write_all(bytes).is_ok()
    }

    /// One complete reply (all its lines), or "" at end of stream.
    pub fn reply(&mut self) -> String {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            if self.reader.read_line(&mut line).unwrap_or(0) == 0 {
                return all;
            }
            all.push_str(&line);
            if line.as_bytes().get(3) != Some(&b'-') {
                return all;
            }
        }
    }

    /// How long a read waits before [`reply`](Self::reply) gives up with "".
    pub fn set_read_timeout(&mut self, t: Duration) {
        self.writer.set_read_timeout(Some(t)).unwrap();
    }

    /// LHLO, MAIL and one RCPT per recipient, checking each reply.
    pub fn begin(&mut self, rcpts: &[&str]) {
        self.send("LHLO client.test\r\n");
        assert!(self.reply().contains("250 "));
        self.send("MAIL FROM:<paul.boddie@example.com>\r\n");
        assert!(self.reply().starts_with("250"));
        for r in rcpts {
            self.send(&format!("RCPT TO:<{r}>\r\n"));
            assert!(self.reply().starts_with("250"));
        }
        self.send("DATA\r\n");
        assert!(self.reply().starts_with("354"));
    }

    /// A whole LMTP delivery of `msg` to one recipient; the final reply.
    pub fn deliver(&mut self, rcpt: &str, msg: &[u8]) -> String {
        self.begin(&[rcpt]);
        self.send(&String::from_utf8_lossy(msg));
        self.send(".\r\n");
        self.reply()
    }
}
