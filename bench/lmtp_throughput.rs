//! LMTP throughput of the resource agent's listener (issue 6): messages per
//! second with 1, 4 and 16 concurrent clients, each a persistent connection
//! sending REQUESTs to several resources; the store on disk with
//! `durability = "full"` (every commit synced before its 250); replies sent
//! over SMTP to a sink. Prints latency percentiles, the daemon's memory and
//! how many messages shared each durable commit. Performs I/O.
//!
//! `cargo bench --bench lmtp_throughput` (docs/listener.md). Settings from
//! the environment: LMTP_BENCH_MESSAGES (per run, default 4000),
//! LMTP_BENCH_CLIENTS (default "1,4,16"), LMTP_BENCH_WORKERS (default 4),
//! LMTP_BENCH_RESOURCES (default 8), LMTP_BENCH_DIR (default: the target
//! directory's scratch space, on disk).

#[path = "lmtp_client.rs"]
mod client;
#[path = "lmtp_sink.rs"]
mod sink;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A REQUEST much like a calendar client's: text and calendar alternatives.
fn request(n: u64, resource: &str, slot: u64) -> Vec<u8> {
    // One-hour slots from 2027-03-10 on, so that every request is bookable.
    let start = 1_804_636_800 + slot * 3600; // 2027-03-10T00:00:00Z
    let fmt = |t: u64| {
        let dt = chrono_like(t);
        format!("{:04}{:02}{:02}T{:02}0000Z", dt.0, dt.1, dt.2, dt.3)
    };
    format!(
        "From: Organiser {o} <org{o}@example.com>\r\nTo: {resource}\r\nSubject: Meeting {n}\r\nMessage-ID: <bench-{n}@example.com>\r\n\
Date: Mon, 1 Mar 2027 09:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n\
--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nYou are invited to meeting {n}.\r\n\r\n\
--b1\r\nContent-Type: text/calendar; charset=utf-8; method=REQUEST\r\n\r\n\
BEGIN:VCALENDAR\r\nPRODID:-//bench//EN\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:bench-{n}@example.com\r\n\
DTSTAMP:20270301T090000Z\r\nDTSTART:{s}\r\nDTEND:{e}\r\nSUMMARY:Meeting {n}\r\nSEQUENCE:0\r\n\
ORGANIZER:mailto:org{o}@example.com\r\nATTENDEE;ROLE=CHAIR;PARTSTAT=ACCEPTED:mailto:org{o}@example.com\r\n\
ATTENDEE;RSVP=TRUE;CUTYPE=ROOM:mailto:{resource}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n\r\n--b1--\r\n",
        o = n % 50,
        s = fmt(start),
        e = fmt(start + 1800),
    )
    .into_bytes()
}

/// (year, month, day, hour) of a Unix time; enough of a calendar for slots.
fn chrono_like(t: u64) -> (u64, u64, u64, u64) {
    let days = t / 86_400;
    let hour = (t % 86_400) / 3600;
    // Civil-from-days (Howard Hinnant), for dates after 1970.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d, hour)
}

struct Daemon {
    child: Child,
    addr: String,
}

fn start_daemon(dir: &Path, sink_port: u16, workers: usize) -> Daemon {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port");
    let cfg = dir.join("config.toml");
    let store = dir.join("store.db");
    std::fs::write(
        &cfg,
        format!(
            "[store]\npath = {store:?}\ndurability = \"full\"\n[outgoing]\ntransport = \"smtp\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {sink_port}\n"
        ),
    )
    .expect("write config");
    let addr = format!("127.0.0.1:{port}");
    let log = std::fs::File::create(dir.join("daemon.log")).expect("log file");
    let child = Command::new(env!("CARGO_BIN_EXE_imip_resource"))
        .args(["--lmtp-listen", &addr, "--workers", &workers.to_string(), "-c"])
        .arg(&cfg)
        .env("IMIP_AGENT_NOW", "20270301T090000Z")
        .env_remove("IMIP_AGENT_CONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start imip_resource");
    let t = Instant::now();
    while std::net::TcpStream::connect(&addr).is_err() {
        assert!(t.elapsed() < Duration::from_secs(20), "the daemon did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    Daemon { child, addr }
}

fn rss_kib(pid: u32, field: &str) -> u64 {
    let mut s = String::new();
    let _ = std::fs::File::open(format!("/proc/{pid}/status"))
        .and_then(|mut f| f.read_to_string(&mut s));
    s.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

struct Run {
    clients: usize,
    messages: u64,
    secs: f64,
    p50: Duration,
    p99: Duration,
    rss_max: u64,
    hwm: u64,
    commits: String,
    replies: u64,
}

fn run(base: &Path, clients: usize, messages: u64, workers: usize, resources: u64) -> Run {
    let dir = base.join(format!("c{clients}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("bench dir");
    let (sink_port, replies) = sink::start();
    let mut d = start_daemon(&dir, sink_port, workers);
    let pid = d.child.id();
    let next = Arc::new(AtomicU64::new(0));
    // Warm up (store schema, page cache, thread pools) outside the measurement.
    {
        let mut c = client::Client::connect(&d.addr).expect("connect");
        for _ in 0..20 {
            let n = next.fetch_add(1, Ordering::Relaxed);
            let r = format!("room{}@example.com", n % resources);
            c.send("org@example.com", &r, &request(n, &r, n / resources)).expect("warm-up message");
        }
        c.quit();
    }
    let done = Arc::new(AtomicBool::new(false));
    let rss_max = Arc::new(AtomicU64::new(0));
    let sampler = {
        let (done, rss_max) = (done.clone(), rss_max.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                rss_max.fetch_max(rss_kib(pid, "VmRSS:"), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(25));
            }
        })
    };
    let first = next.load(Ordering::Relaxed);
    let last = first + messages;
    let started = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|_| {
            let (addr, next) = (d.addr.clone(), next.clone());
            std::thread::spawn(move || {
                let mut c = client::Client::connect(&addr).expect("connect");
                let mut lat = Vec::new();
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= last {
                        break;
                    }
                    let r = format!("room{}@example.com", n % resources);
                    let data = request(n, &r, n / resources);
                    lat.push(
                        c.send(&format!("org{}@example.com", n % 50), &r, &data)
                            .expect("message accepted"),
                    );
                }
                c.quit();
                lat
            })
        })
        .collect();
    let mut lat: Vec<Duration> =
        handles.into_iter().flat_map(|h| h.join().expect("client thread")).collect();
    let secs = started.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    let _ = sampler.join();
    let hwm = rss_kib(pid, "VmHWM:");
    lat.sort();
    let _ = Command::new("kill").arg("-TERM").arg(pid.to_string()).status();
    let _ = d.child.wait();
    let log = std::fs::read_to_string(dir.join("daemon.log")).unwrap_or_default();
    let commits =
        log.lines().find_map(|l| l.split("writer done: ").nth(1)).unwrap_or("?").to_string();
    Run {
        clients,
        messages: lat.len() as u64,
        secs,
        p50: percentile(&lat, 0.50),
        p99: percentile(&lat, 0.99),
        rss_max: rss_max.load(Ordering::Relaxed),
        hwm,
        commits,
        replies: replies.load(Ordering::Relaxed),
    }
}

fn main() {
    let messages: u64 = env_or("LMTP_BENCH_MESSAGES", 4000);
    let workers: usize = env_or("LMTP_BENCH_WORKERS", 4);
    let resources: u64 = env_or("LMTP_BENCH_RESOURCES", 8);
    let clients: Vec<usize> = std::env::var("LMTP_BENCH_CLIENTS")
        .unwrap_or_else(|_| "1,4,16".into())
        .split(',')
        .filter_map(|c| c.trim().parse().ok())
        .collect();
    let base = std::env::var("LMTP_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("lmtp_bench"));
    println!(
        "imip_resource --lmtp-listen, {messages} REQUESTs per run to {resources} resources, --workers {workers}, durability=full, store in {}",
        base.display()
    );
    println!(
        "{:>7} {:>8} {:>7} {:>9} {:>9} {:>9} {:>10} {:>10}  writer",
        "clients", "messages", "secs", "msgs/s", "p50 ms", "p99 ms", "RSS max", "VmHWM"
    );
    for c in clients {
        let r = run(&base, c, messages, workers, resources);
        println!(
            "{:>7} {:>8} {:>7.2} {:>9.0} {:>9.2} {:>9.2} {:>7} MiB {:>6} MiB  {}",
            r.clients,
            r.messages,
            r.secs,
            r.messages as f64 / r.secs,
            r.p50.as_secs_f64() * 1000.0,
            r.p99.as_secs_f64() * 1000.0,
            r.rss_max / 1024,
            r.hwm / 1024,
            r.commits
        );
        assert!(
            r.replies >= r.messages,
            "every request was answered ({} replies for {} messages)",
            r.replies,
            r.messages
        );
    }
}
