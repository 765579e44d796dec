//! Where the client connects to, and opening that connection. `Target::parse`
//! is pure; `Target::connect` performs I/O.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

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

    /// Opens a connection, taking at most `limit` (none if `None`), and
    /// sets it as the read and write timeout.
    pub(crate) fn connect(&self, limit: Option<Duration>) -> Result<Stream, ClientError> {
        let fail = |source| ClientError::Connect { target: self.to_string(), source };
        let stream = match self {
            Target::Tcp(address) => Stream::Tcp(connect_tcp(address, limit).map_err(fail)?),
            Target::Unix(path) => Stream::Unix(connect_unix(path, limit).map_err(fail)?),
        };
        stream.set_timeouts(limit).map_err(fail)?;
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

/// Tries each resolved address in turn, all of them within `limit`,
/// returning the last error. (Resolving the name is the system resolver's
/// business, bounded by its own timeouts.)
fn connect_tcp(address: &str, limit: Option<Duration>) -> io::Result<TcpStream> {
    let give_up = limit.map(|l| Instant::now() + l);
    let mut last = io::Error::new(io::ErrorKind::NotFound, "address resolved to nothing");
    for addr in address.to_socket_addrs()? {
        let attempt = match give_up {
            Some(at) => match at.checked_duration_since(Instant::now()).filter(|d| !d.is_zero()) {
                Some(left) => TcpStream::connect_timeout(&addr, left),
                None => {
                    return Err(io::Error::new(io::ErrorKind::TimedOut, "connection timed out"));
                }
            },
            None => TcpStream::connect(addr),
        };
        match attempt {
            Ok(stream) => return Ok(stream),
            Err(error) => last = error,
        }
    }
    Err(last)
}

/// Connects to a Unix socket. A server whose listen queue is full makes
/// `connect` wait until it accepts someone, for as long as the socket's send
/// timeout allows (Linux), so that timeout is set before connecting;
/// `UnixStream::connect` would wait without limit.
fn connect_unix(path: &Path, limit: Option<Duration>) -> io::Result<UnixStream> {
    use rustix::net::{AddressFamily, SocketAddrUnix, SocketFlags, SocketType, sockopt};
    let fd = rustix::net::socket_with(
        AddressFamily::UNIX,
        SocketType::STREAM,
        SocketFlags::CLOEXEC,
        None,
    )?;
    sockopt::set_socket_timeout(&fd, sockopt::Timeout::Send, limit)?;
    rustix::net::connect(&fd, &SocketAddrUnix::new(path)?)?;
    Ok(UnixStream::from(fd))
}

/// An open connection of either kind.
#[derive(Debug)]
pub(crate) enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Stream {
    /// Sets the read and write timeouts (none if `None`).
    pub(crate) fn set_timeouts(&self, limit: Option<Duration>) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.set_read_timeout(limit).and_then(|()| s.set_write_timeout(limit)),
            Stream::Unix(s) => s.set_read_timeout(limit).and_then(|()| s.set_write_timeout(limit)),
        }
    }
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
