//! A minimal LMTP client for the benchmark: one persistent connection
//! carrying many transactions, as Postfix's LMTP client does with its
//! connection cache; MAIL, RCPT and DATA are pipelined. Performs network I/O.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

pub struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Client {
    pub fn connect(addr: &str) -> std::io::Result<Client> {
        let s = TcpStream::connect(addr)?;
        s.set_nodelay(true)?;
        s.set_read_timeout(Some(Duration::from_secs(120)))?;
        let mut c = Client { reader: BufReader::new(s.try_clone()?), writer: s };
        c.expect("220")?;
        c.writer.write_all(b"LHLO bench.test\r\n")?;
        c.expect("250")?;
        Ok(c)
    }

    /// Reads one reply (all its lines) and checks its code.
    fn expect(&mut self, code: &str) -> std::io::Result<String> {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            if self.reader.read_line(&mut line)? == 0 {
                return Err(std::io::Error::other("connection closed"));
            }
            all.push_str(&line);
            if line.as_bytes().get(3) != Some(&b'-') {
                break;
            }
        }
        if all.starts_with(code) {
            Ok(all)
        } else {
            Err(std::io::Error::other(format!("expected {code}, got {all}")))
        }
    }

    /// Sends one message to one recipient; returns the time from the end of
    /// the data to the recipient's reply (what the MTA waits for).
    pub fn send(&mut self, from: &str, to: &str, data: &[u8]) -> std::io::Result<Duration> {
        self.writer
            .write_all(format!("MAIL FROM:<{from}>\r\nRCPT TO:<{to}>\r\nDATA\r\n").as_bytes())?;
        self.expect("250")?;
        self.expect("250")?;
        self.expect("354")?;
        let mut body = data.to_vec();
        body.extend_from_slice(b".\r\n");
        self.writer.write_all(&body)?;
        let t = Instant::now();
        self.expect("250")?;
        Ok(t.elapsed())
    }

    pub fn quit(mut self) {
        let _ = self.writer.write_all(b"QUIT\r\n");
        let _ = self.expect("221");
    }
}
