//! Never lose mail: internal failures exit 75 so that the MTA retries, a
//! retry does not record twice, usage errors exit 64.
#![allow(clippy::unwrap_used)]

use crate::util::{self, render};
use std::io::Write;

const NOW: (&str, &str) = ("IMIP_AGENT_NOW", "20270301T090000Z");

fn request() -> Vec<u8> {
    std::fs::read(util::fixtures().join("resource/request-basic.eml")).unwrap()
}

fn invite() -> Vec<u8> {
    std::fs::read(util::fixtures().join("person/invite.eml")).unwrap()
}

fn args(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn env() -> Vec<(&'static str, String)> {
    vec![(NOW.0, NOW.1.to_string())]
}

#[test]
fn store_that_cannot_be_opened_is_a_temporary_failure() {
    let dir = tempfile::tempdir().unwrap();
    // A directory where the database file should be.
    let store = dir.path().join("store.db");
    std::fs::create_dir(&store).unwrap();
    let out = util::run(
        "imip_resource",
        &args(&["-S", store.to_str().unwrap(), "-d", "-o", "room@example.com"]),
        &request(),
        &env(),
    );
    assert_eq!(out.status, 75, "{}", out.stderr);
    assert!(out.stdout.is_empty(), "nothing may be sent when the store failed");
    // A file that is not a database.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"this is not a database, it is a text file of some length....").unwrap();
    let out = util::run(
        "imip_person",
        &args(&["-S", junk.to_str().unwrap(), "-d", "-o", "vincent.vole@example.com"]),
        &invite(),
        &env(),
    );
    assert_eq!(out.status, 75, "{}", out.stderr);
    assert!(out.stderr.contains("the mail system will retry"));
}

#[test]
fn a_busy_store_is_a_temporary_failure() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store.db");
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, "[store]\nbusy_timeout_seconds = 1\n").unwrap();
    // Create the store, then hold its write lock from this process.
    let first = util::run(
        "imip_resource",
        &args(&[
            "-c",
            cfg.to_str().unwrap(),
            "-S",
            store.to_str().unwrap(),
            "-d",
            "-o",
            "room@example.com",
        ]),
        b"Subject: x\n\nx\n",
        &env(),
    );
    assert_eq!(first.status, 0, "{}", first.stderr);
    let conn = rusqlite::Connection::open(&store).unwrap();
    conn.execute_batch("BEGIN IMMEDIATE").unwrap();
    let deliver = || {
        util::run(
            "imip_resource",
            &args(&[
                "-c",
                cfg.to_str().unwrap(),
                "-S",
                store.to_str().unwrap(),
                "-d",
                "-o",
                "room@example.com",
            ]),
            &request(),
            &env(),
        )
    };
    let t = std::time::Instant::now();
    let out = deliver();
    assert_eq!(out.status, 75, "{}", out.stderr);
    assert!(t.elapsed() < std::time::Duration::from_secs(10));
    conn.execute_batch("ROLLBACK").unwrap();
    let out = deliver();
    assert_eq!(out.status, 0, "{}", out.stderr);
}

#[test]
fn transport_failure_is_retried_without_recording_twice() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store.db");
    let broken = dir.path().join("broken.toml");
    std::fs::write(
        &broken,
        "[outgoing]\ntransport = \"sendmail\"\nsendmail_command = \"/bin/false\"\n",
    )
    .unwrap();
    let s = store.to_str().unwrap();
    let out = util::run(
        "imip_resource",
        &args(&[
            "-c",
            broken.to_str().unwrap(),
            "-S",
            s,
            "-o",
            "resource-room-confroom@example.com",
        ]),
        &request(),
        &env(),
    );
    assert_eq!(out.status, 75, "{}", out.stderr);
    assert!(
        render::store_state(&store, "resource-room-confroom@example.com")
            .contains("busy 20270310T150000Z")
    );
    // The retry (same bytes) sends the reply that was not sent, and records nothing again.
    let outbox = dir.path().join("outbox");
    let out = util::run(
        "imip_resource",
        &args(&[
            "-S",
            s,
            "--outbox",
            outbox.to_str().unwrap(),
            "-o",
            "resource-room-confroom@example.com",
        ]),
        &request(),
        &env(),
    );
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(out.stderr.contains("sending the 1 of 1 message(s) not sent"), "{}", out.stderr);
    let files: Vec<_> = std::fs::read_dir(&outbox).unwrap().collect();
    assert_eq!(files.len(), 1);
    let state = render::store_state(&store, "resource-room-confroom@example.com");
    assert_eq!(state.matches("busy ").count(), 1, "{state}");
    let decisions = util::run(
        "imip_admin",
        &args(&["-S", s, "decisions", "resource-room-confroom@example.com"]),
        b"",
        &env(),
    );
    assert_eq!(String::from_utf8_lossy(&decisions.stdout).lines().count(), 1);
    let runs = util::run("imip_admin", &args(&["-S", s, "runs"]), b"", &env());
    let runs = String::from_utf8_lossy(&runs.stdout).to_string();
    assert!(runs.contains("exit=75") && runs.contains("exit=0"), "{runs}");
    // A third delivery of the same message (a duplicate) sends nothing.
    let out = util::run(
        "imip_resource",
        &args(&[
            "-S",
            s,
            "--outbox",
            outbox.to_str().unwrap(),
            "-o",
            "resource-room-confroom@example.com",
        ]),
        &request(),
        &env(),
    );
    assert_eq!(out.status, 0);
    assert_eq!(std::fs::read_dir(&outbox).unwrap().count(), 1);
}

#[test]
fn a_retry_after_a_partial_send_sends_only_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store.db");
    let s = store.to_str().unwrap();
    // A sendmail that takes the first message and fails from then on.
    let sendmail = dir.path().join("sendmail.sh");
    let first = dir.path().join("first.eml");
    std::fs::write(
        &sendmail,
        format!("#!/bin/sh\n[ -e '{f}' ] && exit 75\ncat > '{f}'\n", f = first.display()),
    )
    .unwrap();
    let conf = dir.path().join("conf.toml");
    std::fs::write(
        &conf,
        format!(
            "[outgoing]\ntransport = \"sendmail\"\nsendmail_command = \"{}\"\n",
            sendmail.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&sendmail, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .unwrap();
    let two_rooms = String::from_utf8(request())
        .unwrap()
        .replace(
            "ATTENDEE;RSVP=TRUE;CUTYPE=ROOM:mailto:resource-room-confroom@example.com",
            "ATTENDEE;RSVP=TRUE;CUTYPE=ROOM:mailto:resource-room-confroom@example.com\nATTENDEE;RSVP=TRUE;CUTYPE=ROOM:mailto:resource-room-small@example.com",
        )
        .into_bytes();
    let rooms =
        ["-o", "resource-room-confroom@example.com", "-o", "resource-room-small@example.com"];
    let mut a = args(&["-c", conf.to_str().unwrap(), "-S", s]);
    a.extend(args(&rooms));
    let out = util::run("imip_resource", &a, &two_rooms, &env());
    assert_eq!(out.status, 75, "{}", out.stderr);
    let first_reply =
        std::fs::read_to_string(&first).unwrap_or_else(|e| panic!("{e}: {}", out.stderr));
    assert!(first_reply.contains("resource-room-confroom@example.com"), "{first_reply}");
    // The retry sends the second room's reply only.
    let outbox = dir.path().join("outbox");
    let mut a = args(&["-S", s, "--outbox", outbox.to_str().unwrap()]);
    a.extend(args(&rooms));
    let out = util::run("imip_resource", &a, &two_rooms, &env());
    assert_eq!(out.status, 0, "{}", out.stderr);
    let files: Vec<_> = std::fs::read_dir(&outbox).unwrap().map(|f| f.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "{}", out.stderr);
    let resent = std::fs::read_to_string(&files[0]).unwrap();
    assert!(resent.contains("mailto:resource-room-small@example.com"), "{resent}");
    assert!(!resent.contains("PARTSTAT=ACCEPTED:mailto:resource-room-confroom"), "{resent}");
    assert!(out.stderr.contains("duplicate ignored"), "{}", out.stderr);
}

#[test]
fn mailbox_delivery_failure_is_retried_and_the_person_gets_the_mail() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store.db");
    let s = store.to_str().unwrap();
    // Nothing listens on this port.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let target = format!("127.0.0.1:{port}");
    let out = util::run(
        "imip_person",
        &args(&["-S", s, "-l", &target, "-o", "vincent.vole@example.com"]),
        &invite(),
        &env(),
    );
    assert_eq!(out.status, 75, "{}", out.stderr);
    // Retry with a working mailbox (an LMTP server run by the lmtp crate's session).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let server = std::thread::spawn(move || {
        let (mut sock, _) = listener.accept().unwrap();
        let mut session =
            lmtp::Session::new(lmtp::ServerConfig::new(lmtp::Protocol::Lmtp, "mailbox.test"));
        sock.write_all(&session.greeting()).unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            let n = std::io::Read::read(&mut sock, &mut buf).unwrap();
            if n == 0 {
                break;
            }
            let mut actions = session.feed(&buf[..n]);
            while let Some(a) = actions.first().cloned() {
                actions.remove(0);
                match a {
                    lmtp::Action::Write(b) => sock.write_all(&b).unwrap(),
                    lmtp::Action::Deliver(e) => {
                        got.push(e);
                        actions.extend(session.delivered(&[lmtp::DeliveryOutcome::Delivered]));
                    }
                    lmtp::Action::Close => return got,
                }
            }
        }
        got
    });
    let out = util::run(
        "imip_person",
        &args(&["-S", s, "-l", &addr, "-o", "vincent.vole@example.com"]),
        &invite(),
        &env(),
    );
    assert_eq!(out.status, 0, "{}", out.stderr);
    let got = server.join().unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].recipients, vec!["vincent.vole@example.com".to_string()]);
    assert!(
        String::from_utf8_lossy(&got[0].data).contains("An event invitation has been received.")
    );
    let state = render::store_state(&store, "vincent.vole@example.com");
    assert_eq!(state.matches("request project@example.com").count(), 1, "{state}");
}

#[test]
fn usage_errors_and_help() {
    let out = util::run("imip_resource", &args(&["--no-such-flag"]), b"", &env());
    assert_eq!(out.status, 64);
    for program in ["imip_resource", "imip_person", "imip_person_outgoing", "imip_admin"] {
        let out = util::run(program, &args(&["--help"]), b"", &env());
        assert_eq!(out.status, 0, "{program}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Usage:"), "{program}: {text}");
    }
    let out = util::run("imip_person", &args(&["--help"]), b"", &env());
    let text = String::from_utf8_lossy(&out.stdout);
    for flag in ["-o", "-s", "-l", "-L", "-T", "-S", "-P", "-p", "-j", "-d"] {
        assert!(text.contains(&format!("{flag}, ")), "--help lacks {flag}");
    }
}

/// A sendmail that hangs: the agent kills it (and what it started) after
/// `[outgoing] timeout_seconds` and exits 75, long before the MTA's own
/// limit would bounce the message; the retry sends the reply exactly once.
#[test]
fn hanging_sendmail_is_killed_and_the_retry_sends_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store.db");
    let sent = dir.path().join("sent");
    std::fs::create_dir(&sent).unwrap();
    let hang = dir.path().join("hang");
    let sleeper = dir.path().join("sleeper");
    std::fs::write(&hang, "").unwrap();
    let sendmail = util::script(
        dir.path(),
        "sendmail.sh",
        &format!(
            "if [ -e '{hang}' ]; then sleep 30 & echo $! > '{sleeper}'; wait; fi\n\
             cat > '{sent}/'$$.eml",
            hang = hang.display(),
            sleeper = sleeper.display(),
            sent = sent.display()
        ),
    );
    let conf = dir.path().join("conf.toml");
    std::fs::write(
        &conf,
        format!(
            "[outgoing]\ntransport = \"sendmail\"\nsendmail_command = \"{}\"\ntimeout_seconds = 1\n",
            sendmail.display()
        ),
    )
    .unwrap();
    let a = args(&[
        "-c",
        conf.to_str().unwrap(),
        "-S",
        store.to_str().unwrap(),
        "-o",
        "resource-room-confroom@example.com",
    ]);
    let t = std::time::Instant::now();
    let out = util::run("imip_resource", &a, &request(), &env());
    let took = t.elapsed();
    assert_eq!(out.status, 75, "{}", out.stderr);
    assert!(out.stderr.contains("did not finish within 1 s and was killed"), "{}", out.stderr);
    assert!(
        took >= std::time::Duration::from_secs(1) && took < std::time::Duration::from_secs(5),
        "{took:?}"
    );
    let sleeper = std::fs::read_to_string(&sleeper).unwrap();
    assert!(
        util::wait_for(std::time::Duration::from_secs(5), || !util::process_alive(&sleeper)),
        "sendmail's child {sleeper} survived"
    );
    assert_eq!(std::fs::read_dir(&sent).unwrap().count(), 0);
    // The MTA retries once sendmail works again.
    std::fs::remove_file(&hang).unwrap();
    let out = util::run("imip_resource", &a, &request(), &env());
    assert_eq!(out.status, 0, "{}", out.stderr);
    let files: Vec<_> = std::fs::read_dir(&sent).unwrap().map(|f| f.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "{}", out.stderr);
    let reply = std::fs::read_to_string(&files[0]).unwrap();
    assert!(
        reply.contains("PARTSTAT=ACCEPTED") || reply.contains("PARTSTAT=3DACCEPTED"),
        "{reply}"
    );
    let state = render::store_state(&store, "resource-room-confroom@example.com");
    assert_eq!(state.matches("busy ").count(), 1, "{state}");
}

/// The agent killed with its whole process group (as Postfix does at
/// `command_time_limit`) while sendmail runs: sendmail, in a group of its
/// own and reading a file, still sends the complete message, never an
/// empty or truncated one.
#[test]
fn sendmail_gets_the_whole_message_when_the_agent_is_killed() {
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store.db");
    let started = dir.path().join("started");
    let sent = dir.path().join("sent.eml");
    let done = dir.path().join("done");
    let sendmail = util::script(
        dir.path(),
        "sendmail.sh",
        &format!(
            "touch '{started}'\nsleep 0.5\ncat > '{sent}'\ntouch '{done}'",
            started = started.display(),
            sent = sent.display(),
            done = done.display()
        ),
    );
    let conf = dir.path().join("conf.toml");
    std::fs::write(
        &conf,
        format!(
            "[outgoing]\ntransport = \"sendmail\"\nsendmail_command = \"{}\"\n",
            sendmail.display()
        ),
    )
    .unwrap();
    let mut agent = std::process::Command::new(util::bin("imip_resource"))
        .args(["-c", conf.to_str().unwrap(), "-S", store.to_str().unwrap()])
        .args(["-o", "resource-room-confroom@example.com"])
        .env_remove("IMIP_AGENT_CONFIG")
        .env(NOW.0, NOW.1)
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    agent.stdin.take().unwrap().write_all(&request()).unwrap();
    assert!(util::wait_for(std::time::Duration::from_secs(10), || started.exists()));
    let group = format!("-{}", agent.id());
    let killed = std::process::Command::new("kill").args(["-KILL", "--", &group]).status().unwrap();
    assert!(killed.success());
    assert!(agent.wait().unwrap().code().is_none(), "the agent was not killed");
    assert!(util::wait_for(std::time::Duration::from_secs(10), || done.exists()));
    let message = std::fs::read_to_string(&sent).unwrap();
    assert!(message.contains("Subject:"), "{message}");
    assert!(message.trim_end().ends_with("--"), "truncated:\n{message}");
}

/// Mailbox and relay servers that accept the connection and then say
/// nothing: each exchange is abandoned after its timeout, exit 75.
#[test]
fn silent_servers_are_abandoned_after_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store.db");
    // Bound and listening, never accepting: the kernel completes the
    // connection, no greeting ever comes.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let conf = dir.path().join("conf.toml");
    std::fs::write(
        &conf,
        format!(
            "[outgoing]\ntransport = \"smtp\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {port}\ntimeout_seconds = 1\n\
             [delivery]\ntimeout_seconds = 1\n"
        ),
    )
    .unwrap();
    let (c, s) = (conf.to_str().unwrap(), store.to_str().unwrap());
    let target = format!("127.0.0.1:{port}");
    for (program, extra, to) in [
        ("imip_resource", vec![], "resource-room-confroom@example.com"),
        ("imip_person", vec!["-l", target.as_str()], "vincent.vole@example.com"),
    ] {
        let mut a = args(&["-c", c, "-S", s, "-o", to]);
        a.extend(args(&extra));
        let input = if program == "imip_person" { invite() } else { request() };
        let t = std::time::Instant::now();
        let out = util::run(program, &a, &input, &env());
        let took = t.elapsed();
        assert_eq!(out.status, 75, "{program}: {}", out.stderr);
        assert!(out.stderr.contains("timed out"), "{program}: {}", out.stderr);
        // The client rounds the time left down to tenths of a second.
        assert!(
            took >= std::time::Duration::from_millis(900)
                && took < std::time::Duration::from_secs(5),
            "{program}: {took:?}"
        );
    }
}
