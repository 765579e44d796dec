//! A hand-driven client for what the lmtp crate's client will not do:
//! stopping in the middle of a message, reading replies one at a time.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

pub struct Raw {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Raw {
    pub fn connect(target: &str) -> Raw {
        let s = TcpStream::connect(target).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut r = Raw { reader: BufReader::new(s.try_clone().unwrap()), writer: s };
        assert!(r.reply().starts_with("220 "));
        r
    }

    pub fn send(&mut self, text: &str) {
        self.writer.write_all(text.as_bytes()).unwrap();
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
}
