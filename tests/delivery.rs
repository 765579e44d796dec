//! No mail lost by configuration (issue 11): a person agent with no way to
//! deliver the user's copy refuses to run (78, the MTA defers); recipients
//! that are not addresses are usage errors (64); quoted local parts and
//! angle brackets are addresses, normalised once for the store and for
//! delivery; a mailbox server's permanent refusal bounces (67 in pipe mode,
//! its 5xx passed on over LMTP) instead of being retried for days.
#![allow(clippy::unwrap_used)]

use crate::listener::daemon::Daemon;
use crate::util::{self, render};
use lmtp::{Action, DeliveryOutcome, Envelope, Protocol, RecipientResult, ServerConfig, Session};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread::JoinHandle;

const NOW: (&str, &str) = ("IMIP_AGENT_NOW", "20270301T090000Z");

fn env() -> Vec<(&'static str, String)> {
    vec![(NOW.0, NOW.1.to_string())]
}

fn args(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn invite() -> Vec<u8> {
    std::fs::read(util::fixtures().join("person/invite.eml")).unwrap()
}

/// A mailbox server (LMTP, the lmtp crate's session) answering every
/// recipient of every message with `outcome`; returns what it was given.
fn mailbox(outcome: DeliveryOutcome, messages: usize) -> (String, JoinHandle<Vec<Envelope>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let server = std::thread::spawn(move || {
        let mut got = Vec::new();
        for _ in 0..messages {
            let (mut sock, _) = listener.accept().unwrap();
            let mut session = Session::new(ServerConfig::new(Protocol::Lmtp, "mailbox.test"));
            sock.write_all(&session.greeting()).unwrap();
            let mut buf = [0u8; 8192];
            'conn: loop {
                let n = sock.read(&mut buf).unwrap_or(0);
                if n == 0 {
                    break;
                }
                let mut actions = session.feed(&buf[..n]);
                while !actions.is_empty() {
                    match actions.remove(0) {
                        Action::Write(b) => sock.write_all(&b).unwrap(),
                        Action::Deliver(e) => {
                            let answers = vec![outcome.clone(); e.recipients.len()];
                            got.push(e);
                            actions.extend(session.delivered(&answers));
                        }
                        Action::Close => break 'conn,
                    }
                }
            }
        }
        got
    });
    (addr, server)
}

#[test]
fn a_person_agent_without_a_delivery_channel_refuses_to_run() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store.db");
    let s = store.to_str().unwrap();
    let out = util::run(
        "imip_person",
        &args(&["-S", s, "-o", "vincent.vole@example.com"]),
        &invite(),
        &env(),
    );
    assert_eq!(out.status, 78, "{}", out.stderr);
    assert!(out.stderr.contains("no way to deliver"), "{}", out.stderr);
    assert!(!store.exists(), "nothing is recorded for mail that cannot be delivered");

    // The same in listener mode: the daemon does not start.
    let listen = format!("127.0.0.1:{}", crate::listener::daemon::free_port());
    let out = util::run("imip_person", &args(&["-S", s, "--lmtp-listen", &listen]), b"", &env());
    assert_eq!(out.status, 78, "{}", out.stderr);

    // A method in the configuration is a way to deliver.
    let (addr, server) = mailbox(DeliveryOutcome::Delivered, 1);
    let conf = dir.path().join("conf.toml");
    std::fs::write(&conf, format!("[delivery]\nmethod = \"lmtp\"\nlmtp = \"{addr}\"\n")).unwrap();
    let out = util::run(
        "imip_person",
        &args(&["-c", conf.to_str().unwrap(), "-S", s, "-o", "vincent.vole@example.com"]),
        &invite(),
        &env(),
    );
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert_eq!(server.join().unwrap().len(), 1, "the copy was delivered");

    // --outbox captures the copy too.
    let outbox = dir.path().join("outbox");
    let out = util::run(
        "imip_person",
        &args(&["-S", s, "--outbox", outbox.to_str().unwrap(), "-o", "anna@example.com"]),
        &invite(),
        &env(),
    );
    assert_eq!(out.status, 0, "{}", out.stderr);
    let files: Vec<String> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        files.iter().any(|f| f.starts_with("deliver-") && f.ends_with("deliver.eml")),
        "{files:?}"
    );
}

#[test]
fn recipients_that_are_not_addresses_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("store.db");
    let s = s.to_str().unwrap();
    for bad in
        [vec!["-o", "alice"], vec!["-o", ""], vec!["-o", "  "], vec!["-o", "mailto:alice"], vec![]]
    {
        let mut a = args(&["-S", s, "-d"]);
        a.extend(args(&bad));
        let out = util::run("imip_person", &a, &invite(), &env());
        assert_eq!(out.status, 64, "{bad:?}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{bad:?}: nothing delivered");
    }
    let out = util::run(
        "imip_resource",
        &args(&["-S", s, "-d", "-o", "room@example.com", "-o", "room"]),
        &invite(),
        &env(),
    );
    assert_eq!(out.status, 64, "{}", out.stderr);
    assert!(out.stderr.contains("\"room\""), "{}", out.stderr);
}

#[test]
fn quoted_local_parts_and_angle_brackets_are_delivered_once_normalised() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store.db");
    let s = store.to_str().unwrap();
    let (addr, server) = mailbox(DeliveryOutcome::Delivered, 2);
    let out = util::run(
        "imip_person",
        &args(&["-S", s, "-l", &addr, "-o", "\"John Doe\"@example.com"]),
        &invite(),
        &env(),
    );
    assert_eq!(out.status, 0, "{}", out.stderr);
    let out = util::run(
        "imip_person",
        &args(&["-S", s, "-l", &addr, "-o", "<Vincent.Vole@Example.com>"]),
        &invite(),
        &env(),
    );
    assert_eq!(out.status, 0, "{}", out.stderr);
    let got = server.join().unwrap();
    assert_eq!(got[0].recipients, ["\"john doe\"@example.com"]);
    assert_eq!(got[1].recipients, ["vincent.vole@example.com"]);
    // One user each, under the normalised address.
    let state = render::store_state(&store, "vincent.vole@example.com");
    assert!(state.contains("object project@example.com"), "{state}");
    let users = util::run("imip_admin", &args(&["-S", s, "user", "list"]), b"", &env());
    let listed = String::from_utf8_lossy(&users.stdout);
    assert!(listed.contains("mailto:\"john doe\"@example.com"), "{listed}");
}

#[test]
fn a_permanent_refusal_of_the_mailbox_bounces() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("store.db");
    let s = s.to_str().unwrap();
    let refused = DeliveryOutcome::PermFail("5.1.1 No such user".into());
    let (addr, server) = mailbox(refused.clone(), 1);
    let out = util::run(
        "imip_person",
        &args(&["-S", s, "-l", &addr, "-o", "vincent.vole@example.com"]),
        &invite(),
        &env(),
    );
    assert_eq!(out.status, 67, "{}", out.stderr);
    assert!(out.stderr.contains("No such user"), "{}", out.stderr);
    server.join().unwrap();

    // Over LMTP the refusal is passed on for that recipient only.
    let (addr, server) = mailbox(refused, 1);
    let d = Daemon::start("imip_person", "--lmtp-listen", None, "", &["-l", &addr]);
    let results = d.deliver(&["vincent.vole@example.com"], &invite()).unwrap();
    match &results[0] {
        RecipientResult::PermFail(e) => assert!(e.contains("No such user"), "{e}"),
        other => panic!("not refused for good: {other:?}\n{}", d.log()),
    }
    server.join().unwrap();
}

/// An invitation with a large attachment, to many people on this server.
fn large_invitation(attachment_bytes: usize) -> Vec<u8> {
    let invite = String::from_utf8(invite()).unwrap();
    let (head, body) = invite.split_once("\n\n").unwrap();
    let head: String = head
        .lines()
        .filter(|l| !l.to_ascii_lowercase().starts_with("content-type"))
        .collect::<Vec<_>>()
        .join("\n");
    let line = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx\n";
    let blob = line.repeat(attachment_bytes / line.len());
    format!(
        "{head}\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\n\
         Content-Type: text/calendar; method=REQUEST; charset=utf-8\n\n{body}\n--b\n\
         Content-Type: application/octet-stream; name=\"slides.pdf\"\n\
         Content-Transfer-Encoding: base64\n\n{blob}--b--\n"
    )
    .into_bytes()
}

fn store_bytes(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name().to_string_lossy().starts_with("store.db"))
        .map(|e| e.metadata().unwrap().len())
        .sum()
}

#[test]
fn a_large_message_to_many_people_is_kept_once_not_per_recipient() {
    // 4 MiB to twelve people whose mailbox server is down: the copies wait
    // in the store for the retry — as recipes, not as twelve copies.
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("store.db");
    let s = s.to_str().unwrap();
    let raw = large_invitation(4 << 20);
    let people: Vec<String> = (0..12).map(|i| format!("p{i}@example.com")).collect();
    let mut a = args(&["-S", s, "-l", "127.0.0.1:9", "-o"]);
    a.extend(people.iter().cloned());
    let out = util::run("imip_person", &a, &raw, &env());
    assert_eq!(out.status, 75, "the mailbox server is down: {}", out.stderr);
    let kept = store_bytes(dir.path());
    assert!(
        kept < 2 * raw.len() as u64,
        "the store holds {kept} bytes for a {}-byte message to 12 people",
        raw.len()
    );
    // The retry (the MTA brings the same bytes) delivers every copy whole.
    let outbox = dir.path().join("outbox");
    let mut a = args(&["-S", s, "--outbox", outbox.to_str().unwrap(), "-o"]);
    a.extend(people.iter().cloned());
    let out = util::run("imip_person", &a, &raw, &env());
    assert_eq!(out.status, 0, "{}", out.stderr);
    let copies: Vec<Vec<u8>> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    assert_eq!(copies.len(), 12);
    for c in &copies {
        assert!(c.len() > raw.len(), "each copy carries the message ({} bytes)", c.len());
        assert!(c.windows(10).any(|w| w == b"slides.pdf"), "the attachment is in the copy");
    }
    // Delivered: nothing of them is kept.
    assert!(store_bytes(dir.path()) < 2 * raw.len() as u64);
}
