//! Where the client connects to, and opening that connection. `Target::parse`
//! is pure; `Target::connect` performs I/O.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::Duration;

use super::ClientError;

/// A server address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// `host:port`, resolved at connect time.
    Tcp(String),
    /// Path of a Unix domain socket.
    Unix(PathBuf),
}

impl Target {
    /// A string starting with `/` or containing no `:` is a Unix socket
    /// path, anything else `host:port` (`[::1]:24` for IPv6).
    pub fn parse(s: &str) -> Target {
        if s.starts_with('/') || !s.contains(':') {
            Target::Unix(PathBuf::from(s))
        } else {
            Target::Tcp(s.to_string())
        }
    }

    /// Opens a connection with read and write timeouts set (none if zero).
    pub(crate) fn connect(&self, timeout: Duration) -> Result<Stream, ClientError> {
        let fail = |source| ClientError::Connect { target: self.to_string(), source };
        let limit = (!timeout.is_zero()).then_some(timeout);
        let stream = match self {
            Target::Tcp(address) => {
                let tcp = connect_tcp(address, limit).map_err(fail)?;
                tcp.set_read_timeout(limit).map_err(fail)?;
                tcp.set_write_timeout(limit).map_err(fail)?;
                Stream::Tcp(tcp)
            }
            Target::Unix(path) => {
                let unix = UnixStream::connect(path).map_err(fail)?;
                unix.set_read_timeout(limit).map_err(fail)?;
                unix.set_write_timeout(limit).map_err(fail)?;
                Stream::Unix(unix)
            }
        };
        Ok(stream)
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Tcp(address) => f.write_str(address),
            Target::Unix(path) => write!(f, "{}", path.display()),
        }
    }
}

/// Tries each resolved address in turn, returning the last error.
fn connect_tcp(address: &str, timeout: Option<Duration>) -> io::Result<TcpStream> {
    let mut last = io::Error::new(io::ErrorKind::NotFound, "address resolved to nothing");
    for addr in address.to_socket_addrs()? {
        let attempt = match timeout {
            Some(limit) => TcpStream::connect_timeout(&addr, limit),
            None => TcpStream::connect(addr),
        };
        match attempt {
            Ok(stream) => return Ok(stream),
            Err(error) => last = error,
        }
    }
    Err(last)
}

/// An open connection of either kind.
#[derive(Debug)]
pub(crate) enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf),
            Stream::Unix(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write(buf),
            Stream::Unix(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.flush(),
            Stream::Unix(s) => s.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_targets() {
        assert_eq!(Target::parse("/run/dovecot/lmtp"), Target::Unix("/run/dovecot/lmtp".into()));
        assert_eq!(Target::parse("lmtp.sock"), Target::Unix("lmtp.sock".into()));
        assert_eq!(Target::parse("localhost:24"), Target::Tcp("localhost:24".into()));
        assert_eq!(Target::parse("[::1]:24"), Target::Tcp("[::1]:24".into()));
    }
}
