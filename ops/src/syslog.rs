//! Log lines to the local syslog daemon: one datagram per event to
//! `/dev/log` in the traditional format `<PRI>TAG[PID]: MESSAGE` (RFC 3164
//! without timestamp and host, which the daemon adds — rsyslog and
//! journald's syslog socket both read it), the priority made of the
//! facility and the event's level. A `MakeWriter` for `tracing_subscriber`'s
//! formatter. Performs I/O on the socket.

use std::io::Write;
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::sync::Arc;
use tracing::{Level, Metadata};
use tracing_subscriber::fmt::MakeWriter;

/// The longest message sent; the rest is cut (syslog daemons cut around
/// 2–8 KiB anyway).
const MAX_LINE: usize = 4096;

/// The connection to the syslog daemon.
#[derive(Debug, Clone)]
pub struct Syslog {
    sock: Arc<UnixDatagram>,
    tag: String,
    facility: u8,
}

impl Syslog {
    /// Connects to `/dev/log`.
    pub fn connect(program: &str, facility: u8) -> std::io::Result<Syslog> {
        Syslog::connect_to(Path::new("/dev/log"), program, facility)
    }

    /// Connects to a given socket (tests).
    pub fn connect_to(path: &Path, program: &str, facility: u8) -> std::io::Result<Syslog> {
        let sock = UnixDatagram::unbound()?;
        sock.connect(path)?;
        Ok(Syslog {
            sock: Arc::new(sock),
            tag: format!("{program}[{}]", std::process::id()),
            facility,
        })
    }

    fn writer(&self, level: Level) -> SyslogLine {
        let severity = match level {
            Level::ERROR => 3,
            Level::WARN => 4,
            Level::INFO => 6,
            _ => 7,
        };
        let pri = u16::from(self.facility) * 8 + severity;
        SyslogLine {
            sock: self.sock.clone(),
            buf: format!("<{pri}>{}: ", self.tag).into_bytes(),
            head: 0,
        }
        .started()
    }
}

/// One event's line, sent when dropped.
pub struct SyslogLine {
    sock: Arc<UnixDatagram>,
    buf: Vec<u8>,
    head: usize,
}

impl SyslogLine {
    fn started(mut self) -> SyslogLine {
        self.head = self.buf.len();
        self
    }
}

impl Write for SyslogLine {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let room = (self.head + MAX_LINE).saturating_sub(self.buf.len());
        self.buf.extend_from_slice(&data[..data.len().min(room)]);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for SyslogLine {
    fn drop(&mut self) {
        while self.buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            self.buf.pop();
        }
        if self.buf.len() > self.head {
            // A full or absent daemon must not stop the program: the line
            // is lost, the mail is not.
            let _ = self.sock.send(&self.buf);
        }
    }
}

impl<'a> MakeWriter<'a> for Syslog {
    type Writer = SyslogLine;
    fn make_writer(&'a self) -> SyslogLine {
        self.writer(Level::INFO)
    }
    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> SyslogLine {
        self.writer(*meta.level())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn one_datagram_per_line_with_priority() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("log");
        let server = UnixDatagram::bind(&path).unwrap_or_else(|e| panic!("{e}"));
        let s = Syslog::connect_to(&path, "imip_resource", 2).unwrap_or_else(|e| panic!("{e}"));
        {
            let mut w = s.writer(Level::WARN);
            let _ = w.write(b"store unavailable\n");
        }
        let mut buf = [0u8; 256];
        let n = server.recv(&mut buf).unwrap_or_else(|e| panic!("{e}"));
        let line = String::from_utf8_lossy(&buf[..n]);
        // mail (2) * 8 + warning (4) = 20
        assert_eq!(line, format!("<20>imip_resource[{}]: store unavailable", std::process::id()));
    }
}
