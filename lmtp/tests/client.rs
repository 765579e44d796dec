//! The delivery client against a small in-test server that runs this
//! crate's own `Session` on a TCP or Unix socket (and a few scripted
//! misbehaving servers). Performs real socket I/O on 127.0.0.1 and in a
//! temporary directory.

#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::net::UnixListener;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use lmtp::{
    Action, Client, ClientConfig, ClientError, DeliveryOutcome, Envelope, Protocol,
    RecipientResult, ServerConfig, Session, Target, deliver,
};

/// What the test server saw.
#[derive(Debug, Default)]
struct Seen {
    envelopes: Vec<Envelope>,
    /// The client ended with QUIT (rather than just hanging up).
    quit: bool,
}

/// Recipients containing "temp" fail temporarily, "perm" permanently.
fn decide(recipient: &str) -> DeliveryOutcome {
    if recipient.contains("temp") {
        DeliveryOutcome::TempFail("4.2.2 Mailbox full".into())
    } else if recipient.contains("perm") {
        DeliveryOutcome::PermFail("5.1.1 No such user".into())
    } else {
        DeliveryOutcome::Delivered
    }
}

/// Runs one connection through a `Session`. With `hang_up_on_deliver` the
/// server drops the connection instead of answering a delivery.
fn serve<S: Read + Write>(mut stream: S, config: ServerConfig, hang_up_on_deliver: bool) -> Seen {
    let mut seen = Seen::default();
    let mut session = Session::new(config);
    stream.write_all(&session.greeting()).unwrap();
    let mut buf = [0u8; 1024];
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) | Err(_) => return seen,
            Ok(n) => n,
        };
        let mut actions = session.feed(&buf[..n]);
        while !actions.is_empty() {
            let mut next = Vec::new();
            for action in actions {
                match action {
                    Action::Write(bytes) => stream.write_all(&bytes).unwrap(),
                    Action::Deliver(envelope) => {
                        if hang_up_on_deliver {
                            seen.envelopes.push(envelope);
                            return seen;
                        }
                        let outcomes: Vec<_> =
                            envelope.recipients.iter().map(|r| decide(r)).collect();
                        seen.envelopes.push(envelope);
                        next.extend(session.delivered(&outcomes));
                    }
                    Action::Close => {
                        seen.quit = true;
                        return seen;
                    }
                }
            }
            actions = next;
        }
    }
}

fn tcp_server(config: ServerConfig, hang_up: bool) -> (Target, JoinHandle<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let target = Target::parse(&listener.local_addr().unwrap().to_string());
    let handle = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        serve(stream, config, hang_up)
    });
    (target, handle)
}

fn client(protocol: Protocol) -> ClientConfig {
    ClientConfig { protocol, helo_name: "client.example".into(), timeout: Duration::from_secs(10) }
}

fn rcpts(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn lmtp_two_recipients_one_temp_failing() {
    let (target, server) = tcp_server(ServerConfig::new(Protocol::Lmtp, "mx.test"), false);
    let results = deliver(
        &target,
        &client(Protocol::Lmtp),
        "organizer@example.org",
        &rcpts(&["alice@example.com", "temp@example.com"]),
        b"Subject: hi\r\n\r\nbody\r\n",
    )
    .unwrap();
    assert_eq!(
        results,
        vec![RecipientResult::Accepted, RecipientResult::TempFail("451 4.2.2 Mailbox full".into())]
    );
    let seen = server.join().unwrap();
    assert!(seen.quit);
    assert_eq!(
        seen.envelopes,
        vec![Envelope {
            mail_from: "organizer@example.org".into(),
            recipients: rcpts(&["alice@example.com", "temp@example.com"]),
            data: b"Subject: hi\r\n\r\nbody\r\n".to_vec(),
        }]
    );
}

#[test]
fn one_connection_carries_several_transactions() {
    let (target, server) = tcp_server(ServerConfig::new(Protocol::Smtp, "mx.test"), false);
    let mut c = Client::connect(&target, &client(Protocol::Smtp)).unwrap();
    for (i, to) in ["a@example.com", "b@example.com", "c@example.com"].iter().enumerate() {
        let r = c.send(
            "organizer@example.org",
            &rcpts(&[to]),
            format!("n: {i}\r\n\r\nx\r\n").as_bytes(),
        );
        assert_eq!(r.unwrap(), vec![RecipientResult::Accepted]);
    }
    // A recipient refused at RCPT leaves the connection usable.
    let r = c.send("organizer@example.org", &rcpts(&["bad address"]), b"x\r\n").unwrap();
    assert!(matches!(r[0], RecipientResult::PermFail(_)));
    c.quit();
    let seen = server.join().unwrap();
    assert!(seen.quit);
    let to: Vec<&str> = seen.envelopes.iter().map(|e| e.recipients[0].as_str()).collect();
    assert_eq!(to, ["a@example.com", "b@example.com", "c@example.com"]);
}

#[test]
fn lmtp_permanent_failure_per_recipient() {
    let (target, server) = tcp_server(ServerConfig::new(Protocol::Lmtp, "mx.test"), false);
    let results = deliver(
        &target,
        &client(Protocol::Lmtp),
        "",
        &rcpts(&["perm@example.com", "bob@example.com"]),
        b"x\n",
    )
    .unwrap();
    assert_eq!(
        results,
        vec![RecipientResult::PermFail("550 5.1.1 No such user".into()), RecipientResult::Accepted]
    );
    // The null sender goes out as MAIL FROM:<>.
    assert_eq!(server.join().unwrap().envelopes[0].mail_from, "");
}

#[test]
fn smtp_over_unix_socket() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("smtp.sock");
    let listener = UnixListener::bind(&path).unwrap();
    let server = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        serve(stream, ServerConfig::new(Protocol::Smtp, "mta.test"), false)
    });
    let target = Target::parse(path.to_str().unwrap());
    assert!(matches!(target, Target::Unix(_)));
    let results = deliver(
        &target,
        &client(Protocol::Smtp),
        "a@example.org",
        &rcpts(&["b@example.com", "c@example.com"]),
        b"hello\n",
    )
    .unwrap();
    assert_eq!(results, vec![RecipientResult::Accepted, RecipientResult::Accepted]);
    let seen = server.join().unwrap();
    assert!(seen.quit);
    assert_eq!(seen.envelopes[0].data, b"hello\r\n");
}

#[test]
fn smtp_temporary_failure_fails_the_whole_message() {
    let (target, server) = tcp_server(ServerConfig::new(Protocol::Smtp, "mta.test"), false);
    let error = deliver(
        &target,
        &client(Protocol::Smtp),
        "a@example.org",
        &rcpts(&["b@example.com", "temp@example.com"]),
        b"hello\n",
    )
    .unwrap_err();
    assert!(
        matches!(&error, ClientError::Rejected { code: 451, .. }),
        "unexpected error {error:?}"
    );
    assert!(error.is_temporary());
    assert!(server.join().unwrap().quit);
}

#[test]
fn line_endings_converted_and_dots_stuffed_end_to_end() {
    let (target, server) = tcp_server(ServerConfig::new(Protocol::Lmtp, "mx.test"), false);
    let message =
        b".first\nSubject: dots\n\n.\n..\n.hidden\r\nmixed\r\nbare cr\rstays\nno newline at end";
    deliver(&target, &client(Protocol::Lmtp), "a@example.org", &rcpts(&["b@example.com"]), message)
        .unwrap();
    let seen = server.join().unwrap();
    assert_eq!(
        seen.envelopes[0].data,
        b".first\r\nSubject: dots\r\n\r\n.\r\n..\r\n.hidden\r\nmixed\r\nbare cr\rstays\r\n\
          no newline at end\r\n"
            .to_vec()
    );
}

#[test]
fn eight_bit_message_is_delivered_intact() {
    let (target, server) = tcp_server(ServerConfig::new(Protocol::Smtp, "mta.test"), false);
    let message = "Subject: caf\u{e9}\n\n\u{2603}\n".as_bytes();
    deliver(&target, &client(Protocol::Smtp), "a@example.org", &rcpts(&["b@example.com"]), message)
        .unwrap();
    let expected = "Subject: caf\u{e9}\r\n\r\n\u{2603}\r\n".as_bytes();
    assert_eq!(server.join().unwrap().envelopes[0].data, expected);
}

#[test]
fn recipient_refused_at_rcpt_is_reported_and_not_expected_after_data() {
    let mut config = ServerConfig::new(Protocol::Lmtp, "mx.test");
    config.max_recipients = 1;
    let (target, server) = tcp_server(config, false);
    let results = deliver(
        &target,
        &client(Protocol::Lmtp),
        "a@example.org",
        &rcpts(&["first@example.com", "bad address", "second@example.com"]),
        b"x\n",
    )
    .unwrap();
    assert_eq!(results[0], RecipientResult::Accepted);
    assert!(matches!(&results[1], RecipientResult::PermFail(t) if t.contains("invalid recipient")));
    assert_eq!(results[2], RecipientResult::TempFail("452 4.5.3 Too many recipients".into()));
    let seen = server.join().unwrap();
    assert_eq!(seen.envelopes[0].recipients, rcpts(&["first@example.com"]));
}

#[test]
fn no_recipient_accepted_means_no_data() {
    let mut config = ServerConfig::new(Protocol::Lmtp, "mx.test");
    config.max_recipients = 0;
    let (target, server) = tcp_server(config, false);
    let results = deliver(
        &target,
        &client(Protocol::Lmtp),
        "a@example.org",
        &rcpts(&["a@example.com", "b@example.com"]),
        b"x\n",
    )
    .unwrap();
    assert!(
        results.iter().all(|r| matches!(r, RecipientResult::TempFail(t) if t.starts_with("452")))
    );
    let seen = server.join().unwrap();
    assert!(seen.envelopes.is_empty());
    assert!(seen.quit);
}

#[test]
fn size_refused_at_mail_is_permanent() {
    let mut config = ServerConfig::new(Protocol::Lmtp, "mx.test");
    config.max_message_size = 10;
    let (target, server) = tcp_server(config, false);
    let error = deliver(
        &target,
        &client(Protocol::Lmtp),
        "a@example.org",
        &rcpts(&["b@example.com"]),
        b"this message is longer than ten bytes\n",
    )
    .unwrap_err();
    assert!(
        matches!(&error, ClientError::Rejected { command: "MAIL", code: 552, .. }),
        "unexpected error {error:?}"
    );
    assert!(!error.is_temporary());
    let seen = server.join().unwrap();
    assert!(seen.envelopes.is_empty());
    assert!(seen.quit);
}

#[test]
fn connection_refused_is_temporary() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let target = Target::parse(&format!("127.0.0.1:{port}"));
    let error =
        deliver(&target, &client(Protocol::Lmtp), "a@example.org", &rcpts(&["b@c.d"]), b"x")
            .unwrap_err();
    assert!(matches!(error, ClientError::Connect { .. }), "unexpected error {error:?}");
    assert!(error.is_temporary());

    let dir = tempfile::tempdir().unwrap();
    let missing = Target::Unix(dir.path().join("nobody-listens"));
    let error =
        deliver(&missing, &client(Protocol::Lmtp), "a@example.org", &rcpts(&["b@c.d"]), b"x")
            .unwrap_err();
    assert!(matches!(error, ClientError::Connect { .. }) && error.is_temporary());
}

#[test]
fn lost_connection_after_data_leaves_recipients_temporary() {
    let (target, server) = tcp_server(ServerConfig::new(Protocol::Lmtp, "mx.test"), true);
    let results = deliver(
        &target,
        &client(Protocol::Lmtp),
        "a@example.org",
        &rcpts(&["a@example.com", "b@example.com"]),
        b"x\n",
    )
    .unwrap();
    assert!(results.iter().all(|r| matches!(r, RecipientResult::TempFail(_))), "{results:?}");
    assert_eq!(server.join().unwrap().envelopes.len(), 1);
}

/// A server that sends `script` after accepting, reads whatever comes, and
/// holds the connection open for a moment.
fn scripted_server(script: &'static [u8]) -> (Target, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let target = Target::parse(&listener.local_addr().unwrap().to_string());
    let handle = thread::spawn(move || {
        let (mut stream, _): (TcpStream, _) = listener.accept().unwrap();
        stream.write_all(script).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        let mut buf = [0u8; 256];
        while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
    });
    (target, handle)
}

#[test]
fn garbled_greeting_is_temporary() {
    let (target, server) = scripted_server(b"hello there\r\n");
    let error =
        deliver(&target, &client(Protocol::Lmtp), "a@example.org", &rcpts(&["b@c.d"]), b"x")
            .unwrap_err();
    assert!(matches!(error, ClientError::Garbled(_)), "unexpected error {error:?}");
    assert!(error.is_temporary());
    server.join().unwrap();
}

#[test]
fn refusing_greeting_is_permanent() {
    let (target, server) = scripted_server(b"554-go away\r\n554 5.7.1 really\r\n");
    let error =
        deliver(&target, &client(Protocol::Smtp), "a@example.org", &rcpts(&["b@c.d"]), b"x")
            .unwrap_err();
    match &error {
        ClientError::Rejected { command: "greeting", code: 554, reply } => {
            assert!(reply.contains("go away") && reply.contains("really"), "{reply}");
        }
        other => panic!("unexpected error {other:?}"),
    }
    assert!(!error.is_temporary());
    server.join().unwrap();
}

#[test]
fn silent_server_times_out() {
    let (target, server) = scripted_server(b"");
    let mut config = client(Protocol::Lmtp);
    config.timeout = Duration::from_millis(200);
    let error = deliver(&target, &config, "a@example.org", &rcpts(&["b@c.d"]), b"x").unwrap_err();
    assert!(matches!(error, ClientError::Timeout), "unexpected error {error:?}");
    assert!(error.is_temporary());
    server.join().unwrap();
}

#[test]
fn smtp_falls_back_to_helo() {
    // Refuses EHLO, accepts HELO and then the transaction, scripted in one go:
    // the client sends one command at a time, so the replies line up.
    let (target, server) = scripted_server(
        b"220 old.test\r\n500 5.5.1 What?\r\n250 old.test\r\n250 OK\r\n250 OK\r\n\
          354 go\r\n250 queued\r\n221 bye\r\n",
    );
    let results =
        deliver(&target, &client(Protocol::Smtp), "a@example.org", &rcpts(&["b@c.d"]), b"x")
            .unwrap();
    assert_eq!(results, vec![RecipientResult::Accepted]);
    server.join().unwrap();
}

#[test]
fn unsafe_sender_is_refused_locally() {
    let error = deliver(
        &Target::parse("127.0.0.1:1"),
        &client(Protocol::Lmtp),
        "a@b>\r\nRCPT TO:<evil@example.com",
        &rcpts(&["b@c.d"]),
        b"x",
    )
    .unwrap_err();
    assert!(matches!(error, ClientError::InvalidInput(_)));
    assert!(!error.is_temporary());
}

/// A server that sends its greeting a byte at a time, each well within the
/// per-read timeout: only the deadline ends the exchange.
#[test]
fn trickling_server_is_cut_off_at_the_deadline() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let target = Target::parse(&listener.local_addr().unwrap().to_string());
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        for b in b"220 slow.test greeting that takes a while to arrive\r\n" {
            if stream.write_all(&[*b]).is_err() {
                return;
            }
            thread::sleep(Duration::from_millis(50));
        }
    });
    let config = client(Protocol::Lmtp);
    let start = Instant::now();
    let deadline = start + Duration::from_millis(400);
    let error = Client::connect_until(&target, &config, Some(deadline)).unwrap_err();
    assert!(matches!(error, ClientError::Timeout), "unexpected error {error:?}");
    assert!(error.is_temporary());
    let took = start.elapsed();
    // Reads are limited to whole tenths of a second left: up to 0.1 s early.
    assert!(took >= Duration::from_millis(300) && took < Duration::from_secs(2), "{took:?}");
    server.join().unwrap();
}

/// A server that stops reading in the middle of DATA: the writes block on
/// the full socket buffer, and the deadline ends them.
#[test]
fn server_that_stops_reading_is_cut_off_at_the_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lmtp.sock");
    let listener = UnixListener::bind(&path).unwrap();
    let (done, wait) = std::sync::mpsc::channel::<()>();
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        // One reply per command, sent up front; then nothing is read.
        stream.write_all(b"220 mx.test\r\n250 mx.test\r\n250 OK\r\n250 OK\r\n354 go\r\n").unwrap();
        let _ = wait.recv_timeout(Duration::from_secs(10));
    });
    let target = Target::Unix(path);
    let start = Instant::now();
    let deadline = start + Duration::from_millis(500);
    let mut c = Client::connect_until(&target, &client(Protocol::Lmtp), Some(deadline)).unwrap();
    // Far more than a Unix socket's buffers hold.
    let big = vec![b'x'; 8 << 20];
    let error = c.send("a@example.org", &rcpts(&["b@c.d"]), &big).unwrap_err();
    assert!(matches!(error, ClientError::Timeout), "unexpected error {error:?}");
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(400) && took < Duration::from_secs(2), "{took:?}");
    done.send(()).unwrap();
    server.join().unwrap();
}

/// A Unix socket whose listen queue is full: connecting waits for the
/// server to accept, but no longer than the deadline.
#[test]
fn full_listen_queue_is_cut_off_at_the_deadline() {
    use rustix::net::{AddressFamily, SocketAddrUnix, SocketFlags, SocketType};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lmtp.sock");
    let fd = rustix::net::socket_with(
        AddressFamily::UNIX,
        SocketType::STREAM,
        SocketFlags::CLOEXEC,
        None,
    )
    .unwrap();
    rustix::net::bind(&fd, &SocketAddrUnix::new(&path).unwrap()).unwrap();
    // A queue of one (Linux admits backlog + 1), filled and never accepted.
    rustix::net::listen(&fd, 0).unwrap();
    let _waiting = std::os::unix::net::UnixStream::connect(&path).unwrap();
    let start = Instant::now();
    let deadline = start + Duration::from_millis(300);
    let error = Client::connect_until(&Target::Unix(path), &client(Protocol::Lmtp), Some(deadline))
        .unwrap_err();
    assert!(matches!(error, ClientError::Connect { .. }), "unexpected error {error:?}");
    assert!(error.is_temporary());
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(250) && took < Duration::from_secs(2), "{took:?}");
}
