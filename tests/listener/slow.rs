//! Clients that are never silent but never finish (slowloris): command
//! lines and message data have deadlines, one address gets only its share
//! of the connection slots, and a genuine client is still served while 64
//! connections trickle bytes. Deadlines are one or two seconds, set in the
//! configuration, so that these tests stay short.

use super::daemon::{Daemon, accepted, request};
use super::raw::Raw;
use crate::util::render;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Sends `chunk` every `every` until the daemon says something; returns
/// what it said and when (from the first chunk).
fn trickle(c: &mut Raw, chunk: &[u8], every: Duration) -> (String, Duration) {
    c.set_read_timeout(every);
    let t0 = Instant::now();
    loop {
        assert!(c.try_send(chunk), "closed without a word");
        let said = c.reply();
        if !said.is_empty() {
            return (said, t0.elapsed());
        }
        assert!(t0.elapsed() < Duration::from_secs(10), "never cut off");
    }
}

#[test]
fn commands_and_message_data_have_deadlines() {
    let d = Daemon::start(
        "imip_resource",
        "--lmtp-listen",
        None,
        "[listener]\nidle_timeout_seconds = 30\ncommand_timeout_seconds = 1\ndata_timeout_seconds = 2\nmin_data_rate = 1000\n",
        &[],
    );
    let msg = request("ev1@example.com", &["room1@example.com"], 10);
    let cases: [(&str, Vec<u8>, u64, &str, f64); 3] = [
        // A command line, a byte every 100 ms: never idle, never finished.
        ("command", b"X".to_vec(), 100, "421 4.4.2 Command not completed in time", 1.0),
        // Message data at 10 bytes/s: slower than 1000 bytes/s after the grace of 1 s.
        ("slow data", b"X".to_vec(), 100, "421 4.4.2 Message data arriving too slowly", 1.0),
        // Message data at 8000 bytes/s, never ending: cut at the data deadline of 2 s.
        ("long data", vec![b'X'; 2000], 250, "421 4.4.2 Message not completed in time", 2.0),
    ];
    std::thread::scope(|s| {
        for (what, chunk, every, expected, at) in &cases {
            let d = &d;
            s.spawn(move || {
                let mut c = Raw::connect(&d.target);
                if *what != "command" {
                    c.begin(&["room1@example.com"]);
                }
                let (said, after) = trickle(&mut c, chunk, Duration::from_millis(*every));
                assert!(said.starts_with(expected), "{what}: {said}");
                let secs = after.as_secs_f64();
                assert!(secs > at - 0.2 && secs < at + 1.0, "{what}: cut after {secs:.2} s");
                // And closed.
                c.set_read_timeout(Duration::from_secs(5));
                assert_eq!(c.reply(), "", "{what}: still open");
            });
        }
    });
    // Nothing of the messages cut short was acted on; a prompt client is served.
    assert!(d.outbox().is_empty());
    assert!(accepted(&d.deliver(&["room1@example.com"], &msg).unwrap()));
    assert_eq!(d.outbox().len(), 1);
    let (_, log, _) = d.stop();
    assert_eq!(log.matches("command or message not completed in time; closed").count(), 3, "{log}");
}

#[test]
fn one_address_gets_only_its_share_of_the_slots() {
    let d = Daemon::start(
        "imip_resource",
        "--lmtp-listen",
        None,
        "[listener]\nmax_connections_per_peer = 2\n",
        &[],
    );
    let mut first = Raw::connect(&d.target);
    let _second = Raw::connect(&d.target);
    // The third from 127.0.0.1 is turned away at once.
    let mut third = Raw::connect_from(&d.target, "127.0.0.1");
    let said = third.reply();
    assert!(said.starts_with("421 4.7.0") && said.contains("Too many connections"), "{said}");
    assert_eq!(third.reply(), "", "closed after the 421");
    // Another address is served meanwhile.
    let mut other = Raw::connect_from(&d.target, "127.0.0.2");
    assert!(other.reply().starts_with("220 "));
    let answer =
        other.deliver("room1@example.com", &request("ev1@example.com", &["room1@example.com"], 10));
    assert!(answer.starts_with("250 2.1.5"), "{answer}");
    // A slot given back is 127.0.0.1's again.
    first.send("QUIT\r\n");
    assert!(first.reply().starts_with("221"));
    d.wait_until(
        || {
            let mut c = Raw::connect_from(&d.target, "127.0.0.1");
            c.reply().starts_with("220 ")
        },
        "127.0.0.1 to get its slot back",
    );
    let (_, log, _) = d.stop();
    assert!(log.contains("refused: listener.max_connections_per_peer (2) reached"), "{log}");
}

/// One slowloris connection after another: one byte every 100 ms, never a
/// line end; reconnects when cut off. Counts the connections cut by a 421.
fn attacker(target: String, stop: Arc<AtomicBool>, cut: Arc<AtomicUsize>) {
    let mut buf = [0u8; 512];
    while !stop.load(Ordering::Relaxed) {
        let Ok(mut s) = TcpStream::connect(&target) else {
            std::thread::sleep(Duration::from_millis(20));
            continue;
        };
        s.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
        let mut said = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            if s.write_all(b"X").is_err() {
                break;
            }
            match s.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => said.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(_) => break,
            }
        }
        if String::from_utf8_lossy(&said).contains("421 4.4.2") {
            cut.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[test]
fn a_genuine_client_is_served_while_64_connections_trickle() {
    // The cap per address is lifted: the attackers share the genuine
    // client's address (a local process and the MTA on 127.0.0.1), the
    // worst case, where only the deadline frees the slots.
    let d = Daemon::start(
        "imip_resource",
        "--lmtp-listen",
        None,
        "[listener]\nmax_connections = 64\nmax_connections_per_peer = 64\ncommand_timeout_seconds = 1\n",
        &[],
    );
    assert!(accepted(
        &d.deliver(&["room1@example.com"], &request("ev0@example.com", &["room1@example.com"], 8))
            .unwrap()
    ));
    let before = d.rss_kib();
    let stop = Arc::new(AtomicBool::new(false));
    let cut = Arc::new(AtomicUsize::new(0));
    let attackers: Vec<_> = (0..64)
        .map(|_| {
            let (t, s, c) = (d.target.clone(), stop.clone(), cut.clone());
            std::thread::spawn(move || attacker(t, s, c))
        })
        .collect();
    // Every slot is taken.
    std::thread::sleep(Duration::from_millis(500));
    let mut waits = Vec::new();
    for (i, hour) in [10, 12].into_iter().enumerate() {
        let uid = format!("ev{}@example.com", i + 1);
        let t0 = Instant::now();
        let r = d
            .deliver(&["room1@example.com"], &request(&uid, &["room1@example.com"], hour))
            .unwrap();
        waits.push(t0.elapsed());
        assert!(accepted(&r), "{r:?}");
    }
    // By now every attacker was cut off and came back at least once; keep
    // the attack up while another 128 or so connections come and go, and
    // see whether memory grows with them.
    let early = d.rss_kib();
    std::thread::sleep(Duration::from_millis(2000));
    let late = d.rss_kib();
    stop.store(true, Ordering::Relaxed);
    for a in attackers {
        a.join().unwrap();
    }
    for w in &waits {
        assert!(*w < Duration::from_millis(2500), "the genuine client waited {waits:?}");
    }
    let cut = cut.load(Ordering::Relaxed);
    assert!(cut >= 64, "only {cut} slowloris connections were cut off");
    // Flat: the connections cut and replaced did not leave memory behind.
    assert!(late <= early + 3 * 1024, "VmRSS grew during the attack: {early} KiB -> {late} KiB");
    assert!(late <= before + 16 * 1024, "VmRSS {before} KiB before the attack, {late} KiB during");
    let state = render::store_state(&d.store(), "room1@example.com");
    assert!(state.contains("ev1@example.com") && state.contains("ev2@example.com"), "{state}");
    eprintln!(
        "slowloris: genuine client waited {waits:?}; {cut} connections cut; VmRSS {before} -> {early} -> {late} KiB"
    );
}
