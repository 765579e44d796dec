//! `imip_admin check` (after `postfix check`): what would make mail fail,
//! found before mail does — the configuration, the store (present, schema
//! current, files owned by the same user as its directory), every user's
//! preferences and policy chain, the publishing directory's modes, and
//! whether the transports can be reached. One line per problem; the caller
//! exits non-zero when there is any. Performs I/O (reads files, opens the
//! store, connects to the transports briefly).

use super::suggest::{check_functions, check_pref};
use crate::config::Config;
use crate::config::prefs::spec;
use std::net::{TcpStream, ToSocketAddrs};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::Duration;

/// How long a transport may take to accept a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Problems (`error: …`) and remarks (`warning: …`).
#[derive(Debug, Default)]
pub struct Report {
    /// Lines, in order.
    pub lines: Vec<String>,
    /// How many are errors.
    pub errors: usize,
}

impl Report {
    fn error(&mut self, s: impl Into<String>) {
        self.errors += 1;
        self.lines.push(format!("error: {}", s.into()));
    }
    fn warn(&mut self, s: impl Into<String>) {
        self.lines.push(format!("warning: {}", s.into()));
    }
}

/// Checks everything but the configuration file itself (which the caller
/// loaded; a file that does not load is reported there).
pub fn check(cfg: &Config) -> Report {
    let mut r = Report::default();
    store_files(cfg, &mut r);
    match crate::store::open_existing(&cfg.store) {
        Err(e) => r.error(format!("store: {e}")),
        Ok(mut store) => match store.read() {
            Err(e) => r.error(format!("store: {e}")),
            Ok(tx) => {
                let users = tx.users().unwrap_or_default();
                let mut publishing = false;
                for (u, _) in &users {
                    for (name, value) in tx.prefs(u).unwrap_or_default() {
                        if spec(&name).is_none() {
                            if name != "secret" {
                                r.warn(format!(
                                    "{u}: preference {name:?} is not read by the agents"
                                ));
                            }
                            continue;
                        }
                        if let Err(e) = check_pref(&name, &value) {
                            r.error(format!("{u}: {e}"));
                        }
                        publishing |= name == "freebusy_publishing" && value.trim() == "publish";
                    }
                }
                if let Some(f) = cfg.defaults.get("scheduling_function")
                    && let Err(e) = check_functions(f)
                {
                    r.error(format!("[defaults] {e}"));
                }
                publishing |=
                    cfg.defaults.get("freebusy_publishing").is_some_and(|v| v.trim() == "publish");
                if publishing {
                    publish_dir(cfg, &mut r);
                }
            }
        },
    }
    transports(cfg, &mut r);
    r
}

/// The store's files belong to one user: a `-wal` or `-shm` file left by
/// root locks the agents out.
fn store_files(cfg: &Config, r: &mut Report) {
    if cfg.store.kind != "sqlite" {
        return;
    }
    let path = Path::new(&cfg.store.path);
    let Some(dir) = path.parent() else { return };
    let Ok(d) = std::fs::metadata(dir) else {
        r.error(format!("store directory {} does not exist", dir.display()));
        return;
    };
    for suffix in ["", "-wal", "-shm"] {
        let f = format!("{}{suffix}", path.display());
        if let Ok(m) = std::fs::metadata(&f)
            && m.uid() != d.uid()
        {
            r.error(format!(
                "{f} is owned by uid {} but its directory by uid {}: the agents cannot write the store; chown it to the agents' user",
                m.uid(),
                d.uid()
            ));
        }
    }
}

/// A web server (another user) must be able to read what is published.
fn publish_dir(cfg: &Config, r: &mut Report) {
    let dir = Path::new(&cfg.paths.publish_dir);
    match std::fs::metadata(dir) {
        Err(e) => r.error(format!("publish_dir {}: {e}", dir.display())),
        Ok(m) if !m.is_dir() => {
            r.error(format!("publish_dir {} is not a directory", dir.display()))
        }
        Ok(m) => {
            let want = crate::agent::publish::dir_mode(cfg.paths.publish_mode) & 0o005;
            if m.mode() & want != want {
                r.error(format!(
                    "publish_dir {} has mode {:o}: others cannot reach the published files (publish_mode {:o})",
                    dir.display(),
                    m.mode() & 0o7777,
                    cfg.paths.publish_mode
                ));
            }
            for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let f = e.path().join("freebusy");
                if let Ok(fm) = std::fs::metadata(&f)
                    && fm.mode() & 0o777 != cfg.paths.publish_mode & 0o777
                {
                    r.warn(format!(
                        "{} has mode {:o}, not publish_mode {:o} (`imip_admin publish` rewrites it)",
                        f.display(),
                        fm.mode() & 0o777,
                        cfg.paths.publish_mode
                    ));
                }
            }
        }
    }
}

fn transports(cfg: &Config, r: &mut Report) {
    match cfg.outgoing.transport.as_str() {
        "sendmail" => {
            let cmd = cfg.outgoing.sendmail_command.split_whitespace().next().unwrap_or("");
            match std::fs::metadata(cmd) {
                Ok(m) if m.mode() & 0o111 != 0 => {}
                Ok(_) => r.error(format!("outgoing: {cmd} is not executable")),
                Err(e) => r.error(format!("outgoing: sendmail command {cmd}: {e}")),
            }
        }
        "smtp" => tcp(
            &format!("{}:{}", cfg.outgoing.smtp_host, cfg.outgoing.smtp_port),
            "outgoing SMTP relay",
            r,
        ),
        "outbox" if !Path::new(&cfg.outgoing.outbox_dir).is_dir() => {
            r.error(format!("outgoing: outbox_dir {} is not a directory", cfg.outgoing.outbox_dir));
        }
        _ => {}
    }
    match cfg.delivery.method.as_str() {
        "lmtp" => {
            let t = &cfg.delivery.lmtp;
            if t.contains('/') {
                if let Err(e) = std::os::unix::net::UnixStream::connect(t) {
                    r.error(format!("delivery: LMTP socket {t}: {e}"));
                }
            } else {
                tcp(t, "delivery LMTP server", r);
            }
        }
        "smtp" => tcp(
            &format!("{}:{}", cfg.delivery.local_smtp_host, cfg.delivery.local_smtp_port),
            "delivery SMTP (-L)",
            r,
        ),
        _ => {}
    }
}

fn tcp(target: &str, what: &str, r: &mut Report) {
    let addrs: Vec<_> = match target.to_socket_addrs() {
        Ok(a) => a.collect(),
        Err(e) => {
            r.error(format!("{what} {target}: {e}"));
            return;
        }
    };
    let Some(a) = addrs.first() else {
        r.error(format!("{what} {target}: no address"));
        return;
    };
    if let Err(e) = TcpStream::connect_timeout(a, CONNECT_TIMEOUT) {
        r.error(format!("{what} {target}: {e}"));
    }
}
