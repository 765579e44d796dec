//! Processes for one calendar-agent test: a store and configuration in a
//! temporary directory, `imip_facilitator` on a port it picks itself,
//! `imip_admin serve-agent` processes, and clients (`imip_ask`, a Rust
//! subscriber, `imip_resource` for mail). Every wait is bounded; every
//! process is killed when the test ends.

use crate::util;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The agents' clock (IMIP_AGENT_NOW).
pub const NOW: &str = "20270301T090000Z";

/// Longest wait for anything.
pub const LIMIT: Duration = Duration::from_secs(20);

/// A running process whose standard error is collected.
pub struct Proc {
    child: Option<Child>,
    log: Arc<Mutex<String>>,
    what: String,
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

impl Proc {
    /// Starts `program` with the test environment (fixed clock, UTC, no colours).
    pub fn spawn(program: &str, args: &[String]) -> Proc {
        let mut cmd = Command::new(util::bin(program));
        cmd.args(args)
            .env_remove("IMIP_AGENT_CONFIG")
            .env_remove("IMIP_FACILITATOR")
            .env_remove("IMIP_FACILITATOR_SECRET")
            .env("TZ", "UTC")
            .env("NO_COLOR", "1")
            .env("IMIP_AGENT_NOW", NOW)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let sink = log.clone();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut l = sink.lock().unwrap();
                l.push_str(&strip_ansi(&line));
                l.push('\n');
            }
        });
        Proc { child: Some(child), log, what: format!("{program} {}", args.join(" ")) }
    }

    /// Everything logged so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Waits until the log contains `text`.
    pub fn wait_for(&self, text: &str) {
        let t = Instant::now();
        while !self.log().contains(text) {
            assert!(
                t.elapsed() < LIMIT,
                "timed out waiting for {text:?} from {}:\n{}",
                self.what,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// SIGKILL, at once.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A facilitator (killed when dropped).
pub struct Facilitator {
    /// Kept so that the facilitator lives as long as the test.
    _proc: Proc,
    pub addr: String,
}

impl Facilitator {
    /// Starts one on a free loopback port.
    pub fn start() -> Facilitator {
        Facilitator::start_on("127.0.0.1:0")
    }

    /// Starts one on a free loopback port serving connections on `n`
    /// threads (the default is one).
    pub fn start_with_threads(n: u16) -> Facilitator {
        Facilitator::spawn(&[
            "--listen".into(),
            "127.0.0.1:0".into(),
            "--threads".into(),
            n.to_string(),
        ])
    }

    /// Starts one listening on `addr`.
    pub fn start_on(addr: &str) -> Facilitator {
        Facilitator::spawn(&["--listen".into(), addr.into()])
    }

    fn spawn(args: &[String]) -> Facilitator {
        let proc = Proc::spawn("imip_facilitator", args);
        proc.wait_for("local_addr=");
        let log = proc.log();
        let addr = log
            .split("local_addr=")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .unwrap()
            .to_string();
        Facilitator { _proc: proc, addr }
    }
}

/// A store with its configuration file.
pub struct Site {
    pub dir: tempfile::TempDir,
}

impl Site {
    /// A store, a configuration (replies to files in `out/`, writers wait
    /// `busy` seconds for the lock) and these users (`(address, kind)`).
    pub fn new(users: &[(&str, &str)], busy: u64) -> Site {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("store.db");
        let out = dir.path().join("out");
        std::fs::write(
            dir.path().join("config.toml"),
            format!(
                "[store]\npath = {store:?}\nbusy_timeout_seconds = {busy}\n\
                 [outgoing]\ntransport = \"outbox\"\noutbox_dir = {out:?}\n"
            ),
        )
        .unwrap();
        let site = Site { dir };
        for (u, kind) in users {
            site.admin(&["user", "add", u, "--kind", kind]);
        }
        site
    }

    pub fn config(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    pub fn store(&self) -> PathBuf {
        self.dir.path().join("store.db")
    }

    /// Runs `imip_admin -c CONFIG args…`; asserts success; returns stdout.
    pub fn admin(&self, args: &[&str]) -> String {
        let mut all = vec!["-c".to_string(), self.config().display().to_string()];
        all.extend(args.iter().map(|s| s.to_string()));
        let out = util::run("imip_admin", &all, b"", &[("IMIP_AGENT_NOW", NOW.to_string())]);
        assert_eq!(out.status, 0, "imip_admin {args:?}: {}", out.stderr);
        String::from_utf8(out.stdout).unwrap()
    }

    /// Delivers a mail message to a resource through `imip_resource` (pipe
    /// mode, the way the MTA runs it); returns its log.
    pub fn mail_to_resource(&self, resource: &str, message: &[u8]) -> String {
        let args: Vec<String> = ["-c", &self.config().display().to_string(), "-o", resource]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let out =
            util::run("imip_resource", &args, message, &[("IMIP_AGENT_NOW", NOW.to_string())]);
        assert_eq!(out.status, 0, "imip_resource: {}", out.stderr);
        out.stderr
    }

    /// Starts `imip_admin serve-agent` on this store and waits until it is ready.
    pub fn agent(&self, fac: &Facilitator, extra: &[&str]) -> Proc {
        let mut args = vec![
            "-c".to_string(),
            self.config().display().to_string(),
            "serve-agent".into(),
            "--facilitator".into(),
            fac.addr.clone(),
            "--poll-ms".into(),
            "100".into(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let p = Proc::spawn("imip_admin", &args);
        p.wait_for("calendar agent ready");
        p
    }

    /// Holds the store's write lock (as a long write by another process
    /// would) until the returned connection is dropped.
    pub fn lock_store(&self) -> rusqlite::Connection {
        let c = rusqlite::Connection::open(self.store()).unwrap();
        c.execute_batch("BEGIN IMMEDIATE").unwrap();
        c
    }
}

/// What `imip_ask` answered.
#[derive(Debug)]
pub struct Answer {
    pub status: i32,
    pub solutions: Vec<String>,
    /// Shown when an assertion on the answer fails.
    #[allow(dead_code)]
    pub stderr: String,
    pub took: Duration,
}

/// Runs `imip_ask` against the facilitator at `fac` (as agent `name`)
/// with a goal and parameters.
pub fn ask_as(fac: &str, name: &str, goal: &str, params: &[&str]) -> Answer {
    let mut args = vec![
        "-f".to_string(),
        fac.to_string(),
        "--name".into(),
        name.into(),
        "-t".into(),
        "15".into(),
    ];
    for p in params {
        args.push("-p".into());
        args.push(p.to_string());
    }
    args.push(goal.to_string());
    let t = Instant::now();
    let out = util::run("imip_ask", &args, b"", &[]);
    Answer {
        status: out.status,
        solutions: String::from_utf8(out.stdout).unwrap().lines().map(str::to_string).collect(),
        stderr: out.stderr,
        took: t.elapsed(),
    }
}

/// [`ask_as`] as the anonymous client `imip_ask`.
pub fn ask(fac: &str, goal: &str, params: &[&str]) -> Answer {
    ask_as(fac, "imip_ask", goal, params)
}

/// A REQUEST by mail from `organizer` to `resource` for 2027-03-10,
/// `start`-`end` (HHMMSS, UTC).
pub fn mail_request(uid: &str, organizer: &str, resource: &str, start: &str, end: &str) -> Vec<u8> {
    format!(
        "From: {organizer}\r\nTo: {resource}\r\nSubject: {uid}\r\nMessage-ID: <{uid}>\r\n\
MIME-Version: 1.0\r\nContent-Type: text/calendar; charset=utf-8; method=REQUEST\r\n\r\n\
BEGIN:VCALENDAR\r\nPRODID:-//test//EN\r\nMETHOD:REQUEST\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:{uid}\r\n\
DTSTAMP:20270301T090000Z\r\nDTSTART:20270310T{start}Z\r\nDTEND:20270310T{end}Z\r\nSUMMARY:{uid}\r\n\
ORGANIZER:mailto:{organizer}\r\nATTENDEE;RSVP=TRUE;CUTYPE=RESOURCE:mailto:{resource}\r\n\
END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    .into_bytes()
}

/// The decisions recorded for a resource, one line each.
pub fn decisions(site: &Site, resource: &str) -> Vec<String> {
    site.admin(&["decisions", resource]).lines().map(str::to_string).collect()
}

/// Waits until `cond` holds.
pub fn eventually(what: &str, cond: impl Fn() -> bool) {
    let t = Instant::now();
    while !cond() {
        assert!(t.elapsed() < LIMIT, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}
