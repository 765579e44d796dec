//! A listener daemon for one test: its own directory, configuration and
//! store, started on a free port (or a Unix socket) and stopped with
//! SIGTERM, with its standard error collected.

use crate::util::{self, render};
use lmtp::{ClientConfig, Protocol, RecipientResult, Target};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const NOW: &str = "20270301T090000Z";

pub struct Daemon {
    child: Option<Child>,
    pub target: String,
    pub protocol: Protocol,
    pub dir: tempfile::TempDir,
    log: Arc<Mutex<String>>,
}

/// A free TCP port on the loopback interface (free a moment ago).
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

impl Daemon {
    /// Starts `program` with `flag` (--lmtp-listen or --smtp-listen) on a
    /// free port, or on `socket` inside its directory when given.
    pub fn start(
        program: &str,
        flag: &str,
        socket: Option<&str>,
        config: &str,
        extra: &[&str],
    ) -> Daemon {
        Self::start_in(tempfile::tempdir().unwrap(), program, flag, socket, config, extra)
    }

    /// The same with a given directory (to restart on the same store).
    pub fn start_in(
        dir: tempfile::TempDir,
        program: &str,
        flag: &str,
        socket: Option<&str>,
        config: &str,
        extra: &[&str],
    ) -> Daemon {
        let cfg = dir.path().join("config.toml");
        let out = dir.path().join("out");
        let store = dir.path().join("store.db");
        // Replies go to files unless the test brings its own [outgoing].
        let outgoing = if config.contains("[outgoing]") {
            String::new()
        } else {
            format!("[outgoing]\ntransport = \"outbox\"\noutbox_dir = {out:?}\n")
        };
        std::fs::write(
            &cfg,
            format!("[store]\npath = {store:?}\nbusy_timeout_seconds = 1\n{outgoing}{config}\n"),
        )
        .unwrap();
        let target = match socket {
            Some(name) => dir.path().join(name).display().to_string(),
            None => format!("127.0.0.1:{}", free_port()),
        };
        let mut cmd = Command::new(util::bin(program));
        cmd.arg(flag).arg(&target).arg("-c").arg(&cfg).args(extra);
        cmd.env_remove("IMIP_AGENT_CONFIG").env("TZ", "UTC").env("IMIP_AGENT_NOW", NOW);
        cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut l = sink.lock().unwrap();
                l.push_str(&line);
                l.push('\n');
            }
        });
        let protocol = if flag == "--smtp-listen" { Protocol::Smtp } else { Protocol::Lmtp };
        let d = Daemon { child: Some(child), target, protocol, dir, log };
        d.wait_until(|| d.log().contains("listening for"), "the listener to start");
        d
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    pub fn wait_until(&self, cond: impl Fn() -> bool, what: &str) {
        let t = Instant::now();
        while !cond() {
            assert!(
                t.elapsed() < Duration::from_secs(20),
                "timed out waiting for {what}; log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn store(&self) -> PathBuf {
        self.dir.path().join("store.db")
    }

    /// Delivers one message with the lmtp crate's client.
    pub fn deliver(
        &self,
        to: &[&str],
        message: &[u8],
    ) -> Result<Vec<RecipientResult>, lmtp::ClientError> {
        let cfg = ClientConfig::new(self.protocol, "client.test");
        let to: Vec<String> = to.iter().map(|s| s.to_string()).collect();
        lmtp::deliver(&Target::parse(&self.target), &cfg, "paul.boddie@example.com", &to, message)
    }

    /// The messages written to the outbox directory, oldest first.
    pub fn outbox(&self) -> Vec<String> {
        let Ok(rd) = std::fs::read_dir(self.dir.path().join("out")) else { return Vec::new() };
        let mut files: Vec<PathBuf> = rd
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
        // The raw file (with its envelope lines) followed by its rendering
        // (calendar parts decoded), so that tests can look for either.
        files
            .iter()
            .map(|p| {
                let raw = std::fs::read(p).unwrap();
                format!("{}\n{}", String::from_utf8_lossy(&raw), render::message(&raw))
            })
            .collect()
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    /// The daemon's resident memory in KiB (VmRSS from /proc).
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap()
    }

    /// Sends SIGTERM and waits; returns the exit status and the log.
    pub fn stop(mut self) -> (Option<i32>, String, tempfile::TempDir) {
        let mut child = self.child.take().unwrap();
        // It may have exited already (a test sent SIGTERM itself).
        let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
        let status = child.wait().unwrap();
        // Let the reader thread take the last lines.
        std::thread::sleep(Duration::from_millis(50));
        let log = self.log();
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().unwrap());
        (status.code(), log, dir)
    }
}

pub fn signal(pid: u32, sig: &str) {
    let ok = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -{sig} {pid} failed");
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A REQUEST from paul.boddie@example.com to the given resources.
pub fn request(uid: &str, resources: &[&str], start_hour: u32) -> Vec<u8> {
    let attendees: String = resources
        .iter()
        .map(|r| format!("ATTENDEE;RSVP=TRUE;CUTYPE=ROOM:mailto:{r}\r\n"))
        .collect();
    format!(
        "From: Paul Boddie <paul.boddie@example.com>\r\nTo: {to}\r\nSubject: Meeting {uid}\r\nMessage-ID: <{uid}@example.com>\r\n\
MIME-Version: 1.0\r\nContent-Type: text/calendar; charset=utf-8; method=REQUEST\r\n\r\n\
BEGIN:VCALENDAR\r\nPRODID:-//test//EN\r\nMETHOD:REQUEST\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20270301T090000Z\r\n\
DTSTART:20270310T{start_hour:02}0000Z\r\nDTEND:20270310T{start_hour:02}3000Z\r\nSUMMARY:Meeting {uid}\r\n\
ORGANIZER:mailto:paul.boddie@example.com\r\nATTENDEE;ROLE=CHAIR;PARTSTAT=ACCEPTED:mailto:paul.boddie@example.com\r\n{attendees}\
END:VEVENT\r\nEND:VCALENDAR\r\n",
        to = resources.join(", ")
    )
    .into_bytes()
}

pub fn accepted(r: &[RecipientResult]) -> bool {
    r.iter().all(|x| matches!(x, RecipientResult::Accepted))
}
