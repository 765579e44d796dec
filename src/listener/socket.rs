//! Where the listener listens: a TCP address (`127.0.0.1:2424`,
//! `[::1]:2424`), a Unix socket path (anything containing `/`), or a socket
//! handed over by systemd (`systemd`, `systemd:NAME`). Also the two
//! messages to systemd's notify socket. Performs I/O (sockets, the socket
//! file, the environment).

use crate::mail::Arrival;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, UnixListener};

/// A stream of either kind.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// A bound listening socket.
#[derive(Debug)]
pub enum Bound {
    /// TCP.
    Tcp(TcpListener),
    /// A Unix socket; the path is removed on shutdown when we created it.
    Unix(UnixListener, Option<PathBuf>),
}

impl Bound {
    /// Waits for the next client; returns it with how it reached us (for
    /// sender authentication, the per-peer cap and logs).
    pub async fn accept(&self) -> io::Result<(Box<dyn Stream>, Arrival)> {
        match self {
            Bound::Tcp(l) => {
                let (s, peer) = l.accept().await?;
                // Replies are small and written whole; do not let Nagle hold them.
                let _ = s.set_nodelay(true);
                Ok((Box::new(s), Arrival::Tcp(peer)))
            }
            Bound::Unix(l, _) => {
                let (s, _) = l.accept().await?;
                Ok((Box::new(s), Arrival::Unix))
            }
        }
    }

    /// Removes the socket file we created.
    pub fn cleanup(&self) {
        if let Bound::Unix(_, Some(p)) = self {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Sockets passed by systemd (LISTEN_FDS), with their names
/// (LISTEN_FDNAMES, from FileDescriptorName=). Must be created before any
/// thread starts: reading them clears the variables from the environment.
pub struct Inherited {
    fds: listenfd::ListenFd,
    names: Vec<String>,
}

impl Inherited {
    /// Takes the sockets from the environment.
    pub fn from_env() -> Inherited {
        let names = std::env::var("LISTEN_FDNAMES")
            .map(|n| n.split(':').map(str::to_string).collect())
            .unwrap_or_default();
        Inherited { fds: listenfd::ListenFd::from_env(), names }
    }

    fn index(&self, name: Option<&str>, protocol: &str) -> io::Result<usize> {
        let n = self.fds.len();
        if n == 0 {
            return Err(io::Error::other(
                "no socket was passed by systemd (LISTEN_FDS is not set for this process)",
            ));
        }
        let wanted = name.unwrap_or(protocol);
        if let Some(i) = self.names.iter().position(|x| x == wanted) {
            return Ok(i);
        }
        match (name, n) {
            (None, 1) => Ok(0),
            _ => Err(io::Error::other(format!(
                "no socket named {wanted:?} among those passed by systemd ({})",
                self.names.join(", ")
            ))),
        }
    }

    fn take(&mut self, i: usize) -> io::Result<Bound> {
        if let Ok(Some(l)) = self.fds.take_tcp_listener(i) {
            l.set_nonblocking(true)?;
            return Ok(Bound::Tcp(TcpListener::from_std(l)?));
        }
        match self.fds.take_unix_listener(i)? {
            Some(l) => {
                l.set_nonblocking(true)?;
                Ok(Bound::Unix(UnixListener::from_std(l)?, None))
            }
            None => Err(io::Error::other(format!("socket {i} from systemd was already used"))),
        }
    }
}

/// Binds `spec` for a protocol ("lmtp" or "smtp"). Must run inside the
/// tokio runtime.
pub fn bind(spec: &str, protocol: &str, inherited: &mut Inherited, mode: u32) -> io::Result<Bound> {
    if spec == "systemd" || spec.starts_with("systemd:") {
        let name = spec.strip_prefix("systemd:");
        let i = inherited.index(name, protocol)?;
        return inherited.take(i);
    }
    if spec.contains('/') {
        return bind_unix(Path::new(spec), mode);
    }
    let std = std::net::TcpListener::bind(spec)?;
    std.set_nonblocking(true)?;
    Ok(Bound::Tcp(TcpListener::from_std(std)?))
}

fn bind_unix(path: &Path, mode: u32) -> io::Result<Bound> {
    if path.exists() {
        // A file left by a daemon that died is removed; one somebody still
        // listens on is not taken over.
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            return Err(io::Error::new(
                io::ErrorKind::AddrInUse,
                format!("{} is in use by another process", path.display()),
            ));
        }
        std::fs::remove_file(path)?;
    }
    let l = UnixListener::bind(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    Ok(Bound::Unix(l, Some(path.to_path_buf())))
}

/// Tells systemd about our state (`READY=1`, `STOPPING=1`) when it asked to
/// be told (Type=notify sets NOTIFY_SOCKET); otherwise does nothing.
pub fn notify(state: &str) {
    use std::os::unix::net::UnixDatagram;
    let Ok(target) = std::env::var("NOTIFY_SOCKET") else { return };
    let Ok(sock) = UnixDatagram::unbound() else { return };
    let sent = if let Some(abstract_name) = target.strip_prefix('@') {
        use std::os::linux::net::SocketAddrExt;
        std::os::unix::net::SocketAddr::from_abstract_name(abstract_name.as_bytes())
            .and_then(|a| sock.send_to_addr(state.as_bytes(), &a))
    } else {
        sock.send_to(state.as_bytes(), &target)
    };
    if let Err(e) = sent {
        eprintln!("cannot notify systemd ({target}): {e}");
    }
}
