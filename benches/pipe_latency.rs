//! Wall time per message of `imip_resource` in pipe mode, from process
//! start to exit, for a REQUEST to a room whose store already holds N
//! bookings. Performs I/O: creates stores and outboxes under a work
//! directory and runs the release binary many times.
//!
//! For each N it builds (once, cached in the work directory) a store of N
//! bookings through the library's own resource path (see `common`), copies
//! it, then runs `imip_resource -c CONF -S STORE --outbox DIR -o ROOM` with
//! a new REQUEST on standard input each time: a new UID in a free slot, so
//! that every run really books (store write, free/busy rebuild, decision
//! record, reply written and synced) — or, with `--conflict-every K`, every
//! K-th run asks for an occupied slot and is declined. Durability is the
//! default (`synchronous=FULL`): every run's commits reach the disk.
//!
//! The timer starts before `spawn` and stops when `wait` returns, so it
//! includes exec, dynamic linking, reading the configuration, opening the
//! store and both commits; the message (under 2 KB) is written to the pipe
//! in one go. A few warm-up runs per N are not counted. The last column
//! is the 1-minute load average when the size was done: other work on the
//! machine shows there.
//!
//! Usage (see bench/pipe_latency.sh, which passes the full set):
//!   cargo bench --bench pipe_latency -- [--sizes 0,1000,10000,100000]
//!       [--runs 200] [--warmup 5] [--conflict-every 0] [--work DIR]
//!       [--rebuild] [--csv FILE] [--exe PATH]...
//! `--exe` times other builds of imip_resource; given several times, the
//! builds run in turn (run j of each before run j + 1 of any, each on its
//! own copy of the store), so that load from other work on the machine
//! affects them alike.
//! Without arguments (plain `cargo bench`) it does a short run: sizes 0 and
//! 1,000, 30 runs each.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Grid, NOW, ROOM};
use imip_agent::store::sqlite::{SqliteOptions, SqliteStore};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Bump when the population changes, so cached stores are rebuilt.
const POPULATION_VERSION: u32 = 1;

struct Options {
    sizes: Vec<usize>,
    runs: usize,
    warmup: usize,
    conflict_every: usize,
    work: PathBuf,
    rebuild: bool,
    csv: Option<PathBuf>,
    exes: Vec<PathBuf>,
}

fn options() -> Options {
    let mut o = Options {
        sizes: vec![0, 1000],
        runs: 30,
        warmup: 3,
        conflict_every: 0,
        work: PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("pipe_latency"),
        rebuild: false,
        csv: None,
        exes: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--sizes" => {
                o.sizes = value().split(',').map(|s| s.trim().parse().expect("size")).collect()
            }
            "--runs" => o.runs = value().parse().expect("runs"),
            "--warmup" => o.warmup = value().parse().expect("warmup"),
            "--conflict-every" => o.conflict_every = value().parse().expect("conflict-every"),
            "--work" => o.work = PathBuf::from(value()),
            "--csv" => o.csv = Some(PathBuf::from(value())),
            "--exe" => o.exes.push(PathBuf::from(value())),
            "--rebuild" => o.rebuild = true,
            // Passed by `cargo bench`.
            "--bench" => {}
            other => panic!("unknown argument {other:?}"),
        }
    }
    o.runs = o.runs.max(1);
    if o.exes.is_empty() {
        o.exes.push(PathBuf::from(env!("CARGO_BIN_EXE_imip_resource")));
    }
    o
}

/// Whether a cached store has this build's schema (a store of an older
/// schema would be migrated by the first measured run).
fn schema_is_current(path: &Path) -> bool {
    let current = SqliteStore::open_memory().and_then(|s| s.schema_version()).ok();
    // Read the version without opening through the store, which migrates.
    let cached = rusqlite::Connection::open(path)
        .and_then(|c| c.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0)))
        .ok();
    current.is_some() && current == cached
}

/// The cached store of `n` bookings, built when missing or outdated.
fn template(work: &Path, n: usize, rebuild: bool) -> PathBuf {
    let path = work.join(format!("store-v{POPULATION_VERSION}-{n}.db"));
    if path.exists() && !rebuild && schema_is_current(&path) {
        return path;
    }
    let building = work.join(format!("building-{n}.db"));
    for p in [&building, &path] {
        let _ = std::fs::remove_file(p);
        let _ = std::fs::remove_file(p.with_extension("db-wal"));
        let _ = std::fs::remove_file(p.with_extension("db-shm"));
    }
    let started = Instant::now();
    {
        let mut store =
            SqliteStore::open(&building, &SqliteOptions::default()).expect("open store");
        let accepted = common::populate(&mut store, n);
        assert_eq!(accepted, n, "every populated event must be booked");
    }
    // The store does not checkpoint when it closes, so the last commits are
    // still in the WAL: fold them into the file (a plain connection
    // checkpoints and removes the WAL when it closes), which is then used
    // alone.
    let conn = rusqlite::Connection::open(&building).expect("reopen the store");
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).expect("checkpoint");
    drop(conn);
    assert!(!building.with_extension("db-wal").exists(), "the WAL was not folded in");
    sync(&building);
    std::fs::rename(&building, &path).expect("rename store");
    eprintln!("built a store of {n} bookings in {:.1} s", started.elapsed().as_secs_f64());
    path
}

/// The 1-minute load average, to judge how much other work the machine did
/// during a measurement.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

fn sync(path: &Path) {
    std::fs::File::open(path).and_then(|f| f.sync_all()).expect("sync the store");
}

struct Sample {
    wall: Duration,
    booked: bool,
}

fn run_once(exe: &Path, conf: &Path, store: &Path, outbox: &Path, raw: &[u8]) -> Sample {
    let started = Instant::now();
    let mut child = Command::new(exe)
        .args(["-c", &conf.display().to_string(), "-S", &store.display().to_string()])
        .args(["--outbox", &outbox.display().to_string(), "-o", ROOM])
        .env_remove("IMIP_AGENT_CONFIG")
        .env("IMIP_AGENT_NOW", NOW)
        .env("TZ", "UTC")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start imip_resource");
    child.stdin.take().expect("stdin").write_all(raw).expect("write the message");
    let out = child.wait_with_output().expect("wait for imip_resource");
    let wall = started.elapsed();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "imip_resource failed ({}): {log}", out.status);
    Sample { wall, booked: log.contains(": ACCEPTED") }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    // Nearest rank.
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

struct Row {
    exe: usize,
    n: usize,
    median: Duration,
    p90: Duration,
    mean: Duration,
    min: Duration,
    max: Duration,
    booked: usize,
    runs: usize,
    load: String,
}

/// Runs every binary `warmup + runs` times on its own copy of the store of
/// `n` bookings, in turn, and summarises each.
fn measure(o: &Options, conf: &Path, n: usize) -> Vec<Row> {
    let template = template(&o.work, n, o.rebuild);
    let grid = Grid::new(n);
    let mut dirs = Vec::new();
    for k in 0..o.exes.len() {
        let dir = o.work.join(format!("run-{n}-{k}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("run directory");
        std::fs::copy(&template, dir.join("store.db")).expect("copy the store");
        // Otherwise the kernel writes the copy back during the measured
        // runs, slowing their fsyncs.
        sync(&dir.join("store.db"));
        dirs.push(dir);
    }
    let mut walls = vec![Vec::with_capacity(o.runs); o.exes.len()];
    let mut booked = vec![0; o.exes.len()];
    for j in 0..o.warmup + o.runs {
        let slot = grid.future_slot(j);
        let conflict =
            n > 0 && o.conflict_every > 0 && j % o.conflict_every == o.conflict_every - 1;
        let (s, e) = if conflict { grid.event(slot) } else { grid.gap(slot) };
        let raw = common::request(&format!("bench-{n}-{j}@example.com"), s, e);
        for (k, exe) in o.exes.iter().enumerate() {
            let dir = &dirs[k];
            let sample = run_once(exe, conf, &dir.join("store.db"), &dir.join("outbox"), &raw);
            assert_eq!(sample.booked, !conflict, "run {j} at N={n}: expected booked={}", !conflict);
            if j >= o.warmup {
                walls[k].push(sample.wall);
                booked[k] += usize::from(sample.booked);
            }
        }
    }
    for dir in &dirs {
        let _ = std::fs::remove_dir_all(dir);
    }
    walls
        .into_iter()
        .enumerate()
        .map(|(k, mut w)| {
            w.sort();
            let total: Duration = w.iter().sum();
            Row {
                exe: k,
                n,
                median: percentile(&w, 50.0),
                p90: percentile(&w, 90.0),
                mean: total / w.len() as u32,
                min: w[0],
                max: w[w.len() - 1],
                booked: booked[k],
                runs: w.len(),
                load: load_average(),
            }
        })
        .collect()
}

fn main() {
    let o = options();
    std::fs::create_dir_all(&o.work).expect("work directory");
    let conf = o.work.join("imip-agent.toml");
    // The defaults, spelled out: durable commits, the store's own prefs.
    std::fs::write(
        &conf,
        "message_sender = \"calendar@example.com\"\n[store]\ndurability = \"full\"\n",
    )
    .expect("write the configuration");
    println!("imip_resource pipe mode, wall time per message (process start to exit)");
    for (k, exe) in o.exes.iter().enumerate() {
        println!("binary {k}: {}", exe.display());
    }
    println!(
        "runs per size: {} (+{} warm-up); {}",
        o.runs,
        o.warmup,
        if o.conflict_every == 0 {
            "every request books a free slot".to_string()
        } else {
            format!("every {}th request conflicts and is declined", o.conflict_every)
        }
    );
    println!();
    println!(
        "| binary | events in store | median ms | p90 ms | mean ms | min ms | max ms | booked | load |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut rows = Vec::new();
    for &n in &o.sizes {
        for r in measure(&o, &conf, n) {
            println!(
                "| {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {}/{} | {} |",
                r.exe,
                r.n,
                ms(r.median),
                ms(r.p90),
                ms(r.mean),
                ms(r.min),
                ms(r.max),
                r.booked,
                r.runs,
                r.load
            );
            rows.push(r);
        }
    }
    println!();
    for k in 0..o.exes.len() {
        let at = |n: usize| rows.iter().find(|r| r.n == n && r.exe == k);
        if let (Some(a), Some(b)) = (at(1000), at(100_000)) {
            let ratio = ms(b.median) / ms(a.median);
            println!("binary {k}: median at 100,000 / median at 1,000 = {ratio:.2} (target ≤ 1.5)");
        }
        if let Some(r) = at(10_000) {
            let verdict = if ms(r.median) <= 5.0 { "met" } else { "MISSED" };
            println!(
                "binary {k}: median at 10,000 = {:.2} ms (target ≤ 5 ms: {verdict})",
                ms(r.median)
            );
        }
    }
    if let Some(csv) = &o.csv {
        let mut text = String::from("binary,events,median_ms,p90_ms,mean_ms,min_ms,max_ms,runs\n");
        for r in &rows {
            text.push_str(&format!(
                "{},{},{:.3},{:.3},{:.3},{:.3},{:.3},{}\n",
                r.exe,
                r.n,
                ms(r.median),
                ms(r.p90),
                ms(r.mean),
                ms(r.min),
                ms(r.max),
                r.runs
            ));
        }
        std::fs::write(csv, text).expect("write the CSV");
    }
}
