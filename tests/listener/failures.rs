//! Nothing is lost: a store that cannot be written and a transport that
//! fails both answer 451, and the retry books once and answers once.

use super::daemon::{Daemon, accepted, free_port, request};
use crate::util::render;
use lmtp::RecipientResult;

fn temp_failed(r: &[RecipientResult]) -> bool {
    r.iter().all(|x| matches!(x, RecipientResult::TempFail(_)))
}

#[test]
fn locked_store_defers_and_the_retry_is_booked() {
    let d = Daemon::start("imip_resource", "--lmtp-listen", None, "", &[]);
    // Another writer holds the database (a backup, an administrator):
    // after the busy timeout the recipient is deferred, not refused.
    let holder = rusqlite::Connection::open(d.store()).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let msg = request("ev1@example.com", &["room1@example.com"], 10);
    let r = d.deliver(&["room1@example.com"], &msg).unwrap();
    assert!(temp_failed(&r), "{r:?}");
    assert!(d.outbox().is_empty(), "nothing may be sent before the commit");
    holder.execute_batch("ROLLBACK").unwrap();
    drop(holder);
    let r = d.deliver(&["room1@example.com"], &msg).unwrap();
    assert!(accepted(&r), "{r:?}\n{}", d.log());
    assert_eq!(d.outbox().len(), 1);
    let (status, log, _) = d.stop();
    assert_eq!(status, Some(0));
    assert!(log.contains("store unavailable"), "{log}");
}

#[test]
fn failed_send_defers_and_the_retry_sends_without_recording_again() {
    // First the replies go to an SMTP port where nobody listens.
    let broken = format!(
        "[outgoing]\ntransport = \"smtp\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {}\n",
        free_port()
    );
    let d = Daemon::start("imip_resource", "--lmtp-listen", None, &broken, &[]);
    let msg = request("ev1@example.com", &["room1@example.com"], 10);
    let r = d.deliver(&["room1@example.com"], &msg).unwrap();
    assert!(temp_failed(&r), "{r:?}");
    let (_, log, dir) = d.stop();
    assert!(log.contains("temporary failure, the mail system will retry"), "{log}");
    // The booking is committed already; the reply is kept with it.
    let state = render::store_state(&dir.path().join("store.db"), "room1@example.com");
    assert!(state.contains("ev1@example.com"), "{state}");
    // Then the transport works again and the MTA retries.
    let d = Daemon::start_in(dir, "imip_resource", "--lmtp-listen", None, "", &[]);
    let r = d.deliver(&["room1@example.com"], &msg).unwrap();
    assert!(accepted(&r), "{r:?}");
    let out = d.outbox();
    assert_eq!(out.len(), 1, "the reply is sent once");
    assert!(out[0].contains("PARTSTAT=ACCEPTED"));
    assert_eq!(
        render::store_state(&d.store(), "room1@example.com"),
        state,
        "nothing recorded twice"
    );
    let (_, log, _) = d.stop();
    assert!(log.contains("message(s) not sent"), "{log}");
}
