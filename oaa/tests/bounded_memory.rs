//! Memory bounds of the facilitator, measured on a real process: clients
//! that send requests and never read must not grow it (its VmRSS from
//! `/proc/<pid>/status` stays flat), must be disconnected with a logged
//! reason naming them and the cap, and must not delay anyone else.
//!
//! The facilitator runs as a child process: this test binary re-executes
//! itself with `--facilitator ARGS...`, which runs
//! `oaa::cli::facilitator_with_args`, the code `imip_facilitator` runs (the
//! binary itself belongs to the root package, out of reach of this crate's
//! tests). That needs its own `main`, hence `harness = false`; `main` runs
//! the tests below in turn and fails the run if one fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Growth of the facilitator's resident memory allowed while abused: the
/// output backlog cap (4 MiB) and the input budget, with room for the
/// allocator. Without the bounds it grew by hundreds of MB in a second.
const MAX_GROWTH_KIB: u64 = 24 * 1024;

/// Longest acceptable wait for a genuine client's answer.
const PROMPT: Duration = Duration::from_millis(1500);

/// The facilitator as a child process, with its log lines collected.
struct Fac {
    child: Child,
    addr: SocketAddr,
    log: Arc<Mutex<Vec<String>>>,
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

impl Fac {
    fn spawn(extra: &[&str]) -> Fac {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .arg("--facilitator")
            .args(["--listen", "127.0.0.1:0", "--log", "info"])
            .args(extra)
            .env_remove("RUST_LOG")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let addr = loop {
            let line = strip_ansi(&lines.next().expect("facilitator exited").unwrap());
            if let Some(rest) = line.split("local_addr=").nth(1) {
                break rest.split_whitespace().next().unwrap().parse().unwrap();
            }
        };
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = log.clone();
        std::thread::spawn(move || {
            for l in lines.map_while(Result::ok) {
                sink.lock().unwrap().push(strip_ansi(&l));
            }
        });
        Fac { child, addr, log }
    }

    /// Waits up to `wait` for a log line containing every one of `parts`.
    fn log_line(&self, parts: &[&str], wait: Duration) -> Option<String> {
        let until = Instant::now() + wait;
        loop {
            let found = self
                .log
                .lock()
                .unwrap()
                .iter()
                .find(|l| parts.iter().all(|p| l.contains(p)))
                .cloned();
            if found.is_some() || Instant::now() > until {
                return found;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Fac {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A genuine client: asks one question on a new connection and returns
/// how long the answer took, or `None` if it took longer than `wait`.
fn ask(addr: SocketAddr, wait: Duration) -> Option<Duration> {
    let mut s = TcpStream::connect(addr).unwrap();
    let started = Instant::now();
    s.write_all(b"event(ev_solve(7,can_solve(nothing(X),A),[]),[]).\n").unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&got).contains("ev_solved(7,") {
        let left = wait.checked_sub(started.elapsed())?;
        s.set_read_timeout(Some(left.max(Duration::from_millis(1)))).unwrap();
        match s.read(&mut buf) {
            Ok(0) => panic!("facilitator closed a genuine client"),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(_) => return None,
        }
    }
    Some(started.elapsed())
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// A client that sends `setup`, then `request` over and over, and never
/// reads. Runs on its own thread until the facilitator drops it (the
/// thread returns an error) or `stop` is set (it returns `Ok`).
struct Abuser {
    local: SocketAddr,
    sent: Arc<AtomicUsize>,
    gone: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<Result<(), std::io::Error>>,
}

impl Abuser {
    fn start(addr: SocketAddr, setup: Vec<u8>, request: &[u8]) -> Abuser {
        // A small receive buffer: the facilitator's writes stall early, as
        // with a peer that stopped reading long ago.
        let rt = tokio::runtime::Builder::new_current_thread().enable_io().build().unwrap();
        let stream = rt.block_on(async {
            let sock = tokio::net::TcpSocket::new_v4().unwrap();
            sock.set_recv_buffer_size(4096).unwrap();
            sock.connect(addr).await.unwrap()
        });
        let mut s = stream.into_std().unwrap();
        s.set_nonblocking(false).unwrap();
        s.set_write_timeout(Some(Duration::from_secs(5))).unwrap();
        let local = s.local_addr().unwrap();
        let chunk = request.repeat(256);
        let sent = Arc::new(AtomicUsize::new(0));
        let gone = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let (sent2, gone2, stop2) = (sent.clone(), gone.clone(), stop.clone());
        let until = Instant::now() + Duration::from_secs(15);
        let thread = std::thread::spawn(move || {
            let r = (|| {
                s.write_all(&setup)?;
                while !stop2.load(Ordering::Relaxed) && Instant::now() < until {
                    s.write_all(&chunk)?;
                    sent2.fetch_add(chunk.len(), Ordering::Relaxed);
                }
                Ok(())
            })();
            gone2.store(true, Ordering::Relaxed);
            r
        });
        Abuser { local, sent, gone, stop, thread }
    }
}

/// Runs one abuse scenario against a facilitator started with `args`: RSS
/// stays flat, the abuser is disconnected with the reason logged (the log
/// line names it and the output cap `cap`), a genuine client is answered
/// meanwhile and a new one right after.
fn abuse(args: &[&str], setup: Vec<u8>, request: &[u8], cap: usize) {
    let fac = Fac::spawn(args);
    ask(fac.addr, Duration::from_secs(5)).expect("facilitator not answering");
    let base = rss_kib(fac.child.id());
    let abuser = Abuser::start(fac.addr, setup, request);
    // Samples RSS until the abuser is gone; stops it if the facilitator
    // grows past the bound, so that a regression fails fast instead of
    // eating the machine's memory.
    let sampler = {
        let (pid, gone, stop) = (fac.child.id(), abuser.gone.clone(), abuser.stop.clone());
        std::thread::spawn(move || {
            let mut peak = base;
            while !gone.load(Ordering::Relaxed) {
                peak = peak.max(rss_kib(pid));
                if peak - base >= MAX_GROWTH_KIB {
                    stop.store(true, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            peak.max(rss_kib(pid))
        })
    };
    while abuser.sent.load(Ordering::Relaxed) < 64 * 1024 && !abuser.gone.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(1));
    }
    let during = ask(fac.addr, Duration::from_secs(5));
    let answered_during_abuse = !abuser.gone.load(Ordering::Relaxed);
    let result = abuser.thread.join().unwrap();
    let peak = sampler.join().unwrap();
    let sent = abuser.sent.load(Ordering::Relaxed);
    let after = ask(fac.addr, Duration::from_secs(5));
    eprintln!(
        "  rss {base} KiB -> peak {peak} KiB; abuser sent {sent} bytes; genuine answer {during:?} \
         during abuse, {after:?} after"
    );
    assert!(peak - base < MAX_GROWTH_KIB, "facilitator grew from {base} KiB to {peak} KiB");
    assert!(result.is_err(), "the abuser was not disconnected");
    let line = fac
        .log_line(
            &[
                "output backlog over the cap",
                &format!("peer={}", abuser.local),
                &format!("cap={cap}"),
            ],
            Duration::from_secs(5),
        )
        .unwrap_or_else(|| panic!("no disconnect reason logged:\n{:#?}", fac.log.lock().unwrap()));
    assert!(line.contains("WARN"), "{line}");
    let during = during.expect("genuine client not answered within 5 s during the abuse");
    assert!(answered_during_abuse, "the abuser was gone before the genuine client was answered");
    assert!(during < PROMPT, "genuine client waited {during:?} during the abuse");
    let after = after.expect("new client not answered within 5 s after the abuse");
    assert!(after < Duration::from_millis(500), "new client waited {after:?} after the abuse");
}

/// A request of about 2 KB whose answer echoes its parameters: an ordinary
/// request, but big enough that filling the caps and the kernel's socket
/// buffers takes thousands of requests rather than hundreds of thousands
/// (a debug build answers slowly).
fn request(goal: &str) -> Vec<u8> {
    format!("event(ev_solve(1,{goal},[context('{}')]),[]).\n", "c".repeat(2000)).into_bytes()
}

/// Requests and never reads, with the default caps.
fn slow_reader_is_disconnected_and_memory_stays_flat() {
    abuse(&[], Vec::new(), &request("agent_data(A,B,C,D,E,F)"), 4 << 20);
}

/// 2,000 declarations make each 65-byte agent_data request answer with
/// about 80 KB. Such a request takes tens of milliseconds in a debug build,
/// so the test admits 4 queued frames per connection instead of 16 (the
/// genuine client may queue behind them) and a 1 MiB backlog instead of 4.
fn amplified_requests_are_bounded_likewise() {
    let decls: Vec<String> =
        (0..2000).map(|i| format!("solvable(s{i}(a,b,c),[type(procedure)],[])")).collect();
    let setup = format!("event(ev_register_solvables(add,[{}],abuser,[]),[]).\n", decls.join(","));
    abuse(
        &["--max-input-frames", "4", "--max-output-queue", "1048576"],
        setup.into_bytes(),
        b"event(ev_solve(1,agent_data(A,B,C,D,E,F),[]),[]).\n",
        1 << 20,
    );
}

/// The caps are command-line options.
fn caps_are_configurable() {
    let fac = Fac::spawn(&["--max-output-queue", "65536", "--max-input-frames", "8"]);
    let heartbeat = format!("event(ev_heartbeat('{}'),[]).\n", "h".repeat(2000));
    let abuser = Abuser::start(fac.addr, Vec::new(), heartbeat.as_bytes());
    let result = abuser.thread.join().unwrap();
    assert!(result.is_err(), "the abuser was not disconnected");
    assert!(
        fac.log_line(
            &["output backlog over the cap", &format!("peer={}", abuser.local), "cap=65536"],
            Duration::from_secs(5),
        )
        .is_some(),
        "{:#?}",
        fac.log.lock().unwrap()
    );
    let bad = Command::new(std::env::current_exe().unwrap())
        .args(["--facilitator", "--listen", "127.0.0.1:0", "--max-input-queue", "0"])
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(bad.code(), Some(2), "a zero cap is a usage error");
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--facilitator") {
        let argv = std::iter::once("imip_facilitator".to_string()).chain(args[2..].iter().cloned());
        return oaa::cli::facilitator_with_args(argv);
    }
    let tests: [(&str, fn()); 3] = [
        (
            "slow_reader_is_disconnected_and_memory_stays_flat",
            slow_reader_is_disconnected_and_memory_stays_flat,
        ),
        ("amplified_requests_are_bounded_likewise", amplified_requests_are_bounded_likewise),
        ("caps_are_configurable", caps_are_configurable),
    ];
    // Arguments not starting with '-' filter by name, as with libtest.
    let filters: Vec<&String> = args[1..].iter().filter(|a| !a.starts_with('-')).collect();
    if args.iter().any(|a| a == "--list") {
        for (name, _) in &tests {
            println!("{name}: test");
        }
        return ExitCode::SUCCESS;
    }
    let mut failed = Vec::new();
    for (name, test) in tests {
        if !filters.is_empty() && !filters.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        eprintln!("test {name} ...");
        let started = Instant::now();
        match std::panic::catch_unwind(test) {
            Ok(()) => eprintln!("test {name} ... ok ({:?})", started.elapsed()),
            Err(_) => {
                eprintln!("test {name} ... FAILED");
                failed.push(name);
            }
        }
    }
    let status = if failed.is_empty() { "ok" } else { "FAILED" };
    println!("test result: {status}. {} failed: {failed:?}", failed.len());
    if failed.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
