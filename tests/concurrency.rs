//! No double booking: eight imip_resource processes started at once, each
//! with a different REQUEST for the same hour, end with exactly one
//! ACCEPTED, seven DECLINED, and a store that agrees.
#![allow(clippy::unwrap_used)]

use crate::util::{self, render};
use std::io::Write;
use std::process::{Command, Stdio};

/// REQUEST number `n`: a different organiser and UID, the same hour (the
/// odd ones start half an hour later, still overlapping).
fn request(n: usize) -> String {
    let (start, end) =
        if n.is_multiple_of(2) { ("100000", "110000") } else { ("103000", "113000") };
    format!(
        "From: organiser{n}@example.com\r\nTo: room@example.com\r\nSubject: Meeting {n}\r\nMessage-ID: <c{n}@example.com>\r\nContent-Type: text/calendar; method=REQUEST\r\n\r\nBEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:concurrent-{n}@example.com\r\nDTSTAMP:20270301T090000Z\r\nORGANIZER:mailto:organiser{n}@example.com\r\nATTENDEE:mailto:room@example.com\r\nDTSTART:20270310T{start}Z\r\nDTEND:20270310T{end}Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

#[test]
fn eight_concurrent_requests_book_the_room_once() {
    for round in 0..3 {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("store.db");
        let outbox = dir.path().join("out");
        // Create the store first so every process races on bookings, not on schema creation.
        let out = util::run(
            "imip_admin",
            &[
                "-S".to_string(),
                store.display().to_string(),
                "user".into(),
                "add".into(),
                "room@example.com".into(),
                "--kind".into(),
                "resource".into(),
            ],
            b"",
            &[],
        );
        assert_eq!(out.status, 0, "{}", out.stderr);
        let mut children = Vec::new();
        for n in 0..8 {
            let mut c = Command::new(util::bin("imip_resource"))
                .args([
                    "-S",
                    store.to_str().unwrap(),
                    "--outbox",
                    outbox.to_str().unwrap(),
                    "-o",
                    "room@example.com",
                ])
                .env("IMIP_AGENT_NOW", "20270301T090000Z")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            children.push((n, c.stdin.take().unwrap(), c));
        }
        // Release all messages at once.
        let mut running = Vec::new();
        for (n, mut stdin, c) in children {
            stdin.write_all(request(n).as_bytes()).unwrap();
            drop(stdin);
            running.push(c);
        }
        for c in running {
            let o = c.wait_with_output().unwrap();
            assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
        }
        let mut accepted = 0;
        let mut declined = 0;
        for f in std::fs::read_dir(&outbox).unwrap() {
            let text = render::message(&std::fs::read(f.unwrap().path()).unwrap());
            if text.contains("PARTSTAT=ACCEPTED") {
                accepted += 1;
            } else if text.contains("PARTSTAT=DECLINED") {
                declined += 1;
            }
        }
        assert_eq!((accepted, declined), (1, 7), "round {round}");
        let state = render::store_state(&store, "room@example.com");
        assert_eq!(state.matches("  busy ").count(), 1, "{state}");
        assert_eq!(state.matches("partstat=ACCEPTED").count(), 1, "{state}");
        assert_eq!(state.matches("partstat=DECLINED").count(), 7, "{state}");
    }
}

fn run_parallel(
    store: &std::path::Path,
    outbox: &std::path::Path,
    to: &str,
    messages: Vec<String>,
) {
    let mut children = Vec::new();
    for m in &messages {
        let mut c = Command::new(util::bin("imip_resource"))
            .args(["-S", store.to_str().unwrap(), "--outbox", outbox.to_str().unwrap(), "-o", to])
            .env("IMIP_AGENT_NOW", "20270301T090000Z")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = c.stdin.take().unwrap();
        children.push((m.clone(), stdin, c));
    }
    let mut running = Vec::new();
    for (m, mut stdin, c) in children {
        stdin.write_all(m.as_bytes()).unwrap();
        drop(stdin);
        running.push(c);
    }
    for c in running {
        let o = c.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    }
}

fn admin(store: &std::path::Path, args: &[&str]) {
    let mut a = vec!["-S".to_string(), store.display().to_string()];
    a.extend(args.iter().map(|s| s.to_string()));
    let out = util::run("imip_admin", &a, b"", &[]);
    assert_eq!(out.status, 0, "{}", out.stderr);
}

/// Eight one-hour requests at different times by members of one group with
/// a three-hour quota: exactly three are accepted, whatever the interleaving.
#[test]
fn parallel_requests_never_exceed_a_quota() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store.db");
    let outbox = dir.path().join("out");
    admin(&store, &["user", "add", "room@example.com", "--kind", "resource"]);
    admin(
        &store,
        &[
            "prefs",
            "set",
            "room@example.com",
            "scheduling_function",
            "check_quota team\\nschedule_in_freebusy",
        ],
    );
    admin(&store, &["quota", "set-limit", "team", "*", "PT3H"]);
    admin(&store, &["quota", "map", "team", "*", "everyone"]);
    let msgs = (0..8)
        .map(|n| {
            request(n)
                .replace("DTSTART:20270310T", &format!("DTSTART:202703{:02}T", 10 + n))
                .replace("DTEND:20270310T", &format!("DTEND:202703{:02}T", 10 + n))
        })
        .collect();
    run_parallel(&store, &outbox, "room@example.com", msgs);
    let mut accepted = 0;
    for f in std::fs::read_dir(&outbox).unwrap() {
        if render::message(&std::fs::read(f.unwrap().path()).unwrap()).contains("PARTSTAT=ACCEPTED")
        {
            accepted += 1;
        }
    }
    assert_eq!(accepted, 3);
}

/// Eight requests for the same hour to a pool of three: each member is
/// delegated at most one, the rest are declined.
#[test]
fn parallel_pool_requests_never_double_book_a_member() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store.db");
    let outbox = dir.path().join("out");
    admin(
        &store,
        &[
            "pool",
            "create",
            "pool@example.com",
            "--member",
            "m1@example.com",
            "--member",
            "m2@example.com",
            "--member",
            "m3@example.com",
        ],
    );
    let msgs = (0..8).map(|n| request(n).replace("room@example.com", "pool@example.com")).collect();
    run_parallel(&store, &outbox, "pool@example.com", msgs);
    // Deliver every delegated request to its member, all at once per member.
    let mut per_member: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    let mut declined = 0;
    for f in std::fs::read_dir(&outbox).unwrap() {
        let raw = std::fs::read_to_string(f.unwrap().path()).unwrap();
        let text = render::message(raw.as_bytes());
        if text.contains("PARTSTAT=DECLINED") {
            declined += 1;
        }
        for m in ["m1@example.com", "m2@example.com", "m3@example.com"] {
            if text.contains(&format!("To: {m}")) && text.contains("METHOD:REQUEST") {
                let body = raw.split_once("\n").map(|(_, b)| b).unwrap_or(&raw);
                let body = body.split_once("\n").map(|(_, b)| b).unwrap_or(body);
                per_member.entry(m.to_string()).or_default().push(body.to_string());
            }
        }
    }
    // The pool answers sequentially inside its transactions: at most one
    // request per member, and the others declined.
    assert_eq!(per_member.values().map(Vec::len).sum::<usize>(), 3, "{per_member:?}");
    assert!(per_member.values().all(|v| v.len() == 1));
    assert_eq!(declined, 5);
    let member_out = dir.path().join("member-out");
    for (m, msgs) in per_member {
        run_parallel(&store, &member_out, &m, msgs);
        let state = render::store_state(&store, &m);
        assert_eq!(state.matches("  busy ").count(), 1, "{state}");
    }
}

/// Starts one process per `(program, args, stdin)` with its input held
/// back, then releases every input at once so that the processes meet at
/// the same moment; returns each exit status with its standard error.
fn run_released(jobs: &[(&str, Vec<String>, Vec<u8>)], env: &[(&str, &str)]) -> Vec<(i32, String)> {
    let mut children = Vec::new();
    for (program, args, input) in jobs {
        let mut c = Command::new(util::bin(program))
            .args(args)
            .env_remove("IMIP_AGENT_CONFIG")
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = c.stdin.take().unwrap();
        children.push((input, stdin, c));
    }
    let mut running = Vec::new();
    for (input, mut stdin, c) in children {
        stdin.write_all(input).unwrap();
        drop(stdin);
        running.push(c);
    }
    running
        .into_iter()
        .map(|c| {
            let o = c.wait_with_output().unwrap();
            (o.status.code().unwrap_or(-1), String::from_utf8_lossy(&o.stderr).into_owned())
        })
        .collect()
}

/// Sixteen processes creating one new store at the same moment all get it:
/// none gives up with "database is locked" (exit 75). Before the journal
/// mode switch waited for the lock, about 1 % of such processes did.
#[test]
fn sixteen_processes_creating_one_store_never_fail() {
    let mut failed = Vec::new();
    for round in 0..ROUNDS_CREATE {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("new").join("store.db");
        let args: Vec<String> = ["-S", store.to_str().unwrap(), "-d", "-o", "room@example.com"]
            .map(String::from)
            .into();
        let jobs: Vec<_> = (0..16)
            .map(|_| ("imip_resource", args.clone(), b"Subject: x\n\nx\n".to_vec()))
            .collect();
        for (status, stderr) in run_released(&jobs, &[("IMIP_AGENT_NOW", "20270301T090000Z")]) {
            if status != 0 {
                failed.push(format!("round {round}: exit {status}: {stderr}"));
            }
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} failed:\n{}",
        failed.len(),
        ROUNDS_CREATE * 16,
        failed.join("\n")
    );
}

const ROUNDS_CREATE: usize = 6;

/// Eight deliveries to one person who publishes free/busy, at once: each
/// rewrites the published file, none fails (they shared one temporary file
/// before, and a rename could find it gone), and the file is complete.
#[test]
fn concurrent_publishing_never_fails() {
    let mut failed = Vec::new();
    for round in 0..ROUNDS_PUBLISH {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("store.db");
        let publish = dir.path().join("publish");
        let user = "vincent.vole@example.com";
        admin(&store, &["prefs", "set", user, "freebusy_sharing", "share"]);
        admin(&store, &["prefs", "set", user, "freebusy_publishing", "publish"]);
        let args: Vec<String> =
            ["-S", store.to_str().unwrap(), "-P", publish.to_str().unwrap(), "-d", "-o", user]
                .map(String::from)
                .into();
        let jobs: Vec<_> = (0..8)
            .map(|n| {
                let invite = request(n)
                    .replace("room@example.com", user)
                    .replace("DTSTART:20270310T", &format!("DTSTART:202703{:02}T", 10 + n))
                    .replace("DTEND:20270310T", &format!("DTEND:202703{:02}T", 10 + n));
                ("imip_person", args.clone(), invite.into_bytes())
            })
            .collect();
        for (status, stderr) in run_released(&jobs, &[("IMIP_AGENT_NOW", "20270301T090000Z")]) {
            if status != 0 {
                failed.push(format!("round {round}: exit {status}: {stderr}"));
            }
        }
        let published =
            std::fs::read_to_string(publish.join(format!("mailto:{user}")).join("freebusy"))
                .unwrap();
        assert!(published.starts_with("BEGIN:VCALENDAR"), "{published}");
        assert!(published.trim_end().ends_with("END:VCALENDAR"), "{published}");
        let leftovers: Vec<_> = std::fs::read_dir(publish.join(format!("mailto:{user}")))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|n| n != "freebusy")
            .collect();
        assert!(leftovers.is_empty(), "temporary files left behind: {leftovers:?}");
    }
    assert!(
        failed.is_empty(),
        "{} of {} failed:\n{}",
        failed.len(),
        ROUNDS_PUBLISH * 8,
        failed.join("\n")
    );
}

const ROUNDS_PUBLISH: usize = 4;
