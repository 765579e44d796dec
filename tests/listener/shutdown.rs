//! SIGTERM: no new connections, the message in flight is finished and
//! answered, idle connections are told 421, the process exits 0.

use super::daemon::{Daemon, request, signal};
use super::raw::Raw;
use std::time::Duration;

#[test]
fn sigterm_finishes_the_message_in_flight() {
    let d = Daemon::start("imip_resource", "--lmtp-listen", None, "", &[]);
    let mut busy = Raw::connect(&d.target);
    let mut idle = Raw::connect(&d.target);
    idle.send("LHLO idle.test\r\n");
    assert!(idle.reply().contains("250 "));
    busy.begin(&["room1@example.com"]);
    let msg = String::from_utf8(request("ev1@example.com", &["room1@example.com"], 10)).unwrap();
    let (head, tail) = msg.split_at(msg.len() / 2);
    busy.send(head);
    std::thread::sleep(Duration::from_millis(200));
    signal(d.pid(), "TERM");
    d.wait_until(|| d.log().contains("stopping"), "the daemon to notice SIGTERM");
    // The idle connection is closed at once, with a reason.
    assert!(idle.reply().starts_with("421 4.3.2"));
    // New clients are not served.
    std::thread::sleep(Duration::from_millis(200));
    assert!(std::net::TcpStream::connect(&d.target).is_err(), "still accepting after SIGTERM");
    // The one in the middle of a message finishes it and gets its answer.
    busy.send(tail);
    busy.send(".\r\n");
    let answer = busy.reply();
    assert!(answer.starts_with("250 2.1.5"), "{answer}");
    assert!(busy.reply().starts_with("421 4.3.2"));
    assert_eq!(d.outbox().len(), 1);
    let (status, log, _) = d.stop();
    assert_eq!(status, Some(0), "{log}");
    assert!(log.contains("writer done: 1 message(s)"), "{log}");
}
