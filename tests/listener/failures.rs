//! Nothing is lost: a store that cannot be written and a transport that
//! fails both answer 451, and the retry books once and answers once.

use super::daemon::{Daemon, accepted, free_port, request};
use crate::util::{self, render};
use lmtp::RecipientResult;
use std::sync::Arc;
use std::time::{Duration, Instant};

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

/// Four replies whose sendmail hangs hold every worker (`--workers 4`):
/// each is killed after `[outgoing] timeout_seconds` and answered 451, so a
/// genuine message arriving meanwhile is still answered; the retry of a
/// stuck one sends its reply once.
#[test]
fn hanging_sendmails_do_not_wedge_the_daemon() {
    let scratch = tempfile::tempdir().unwrap();
    let hang = scratch.path().join("hang");
    let sent = scratch.path().join("sent");
    std::fs::create_dir(&sent).unwrap();
    std::fs::write(&hang, "").unwrap();
    // Replies about the stuck-N events hang while the flag file exists.
    let sendmail = util::script(
        scratch.path(),
        "sendmail.sh",
        &format!(
            "msg=$(cat)\ncase \"$msg\" in *UID:stuck*) if [ -e '{hang}' ]; then\n\
             echo $$ > '{dir}/started.'$$; exec sleep 30; fi;; esac\n\
             printf '%s\\n' \"$msg\" > '{sent}/'$$.eml",
            hang = hang.display(),
            dir = scratch.path().display(),
            sent = sent.display()
        ),
    );
    let config = format!(
        "[outgoing]\ntransport = \"sendmail\"\nsendmail_command = \"{}\"\ntimeout_seconds = 1\n",
        sendmail.display()
    );
    let d = Arc::new(Daemon::start("imip_resource", "--lmtp-listen", None, &config, &[]));
    let started = || {
        std::fs::read_dir(scratch.path())
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().starts_with("started."))
            .count()
    };
    let stuck: Vec<_> = (0..4)
        .map(|n| {
            let d = d.clone();
            std::thread::spawn(move || {
                let msg = request(&format!("stuck{n}@example.com"), &["room1@example.com"], 8 + n);
                d.deliver(&["room1@example.com"], &msg).unwrap()
            })
        })
        .collect();
    assert!(util::wait_for(Duration::from_secs(10), || started() == 4), "{}", d.log());
    // Every worker is in a hanging sendmail now.
    let t = Instant::now();
    let fine = request("fine@example.com", &["room2@example.com"], 10);
    let r = d.deliver(&["room2@example.com"], &fine).unwrap();
    assert!(accepted(&r), "{r:?}\n{}", d.log());
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    for s in stuck {
        let r = s.join().unwrap();
        assert!(temp_failed(&r), "{r:?}");
    }
    let sleepers: Vec<String> = std::fs::read_dir(scratch.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("started."))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    for pid in &sleepers {
        assert!(
            util::wait_for(Duration::from_secs(5), || !util::process_alive(pid)),
            "sendmail {pid} survived"
        );
    }
    // The MTA retries a stuck one once sendmail works again.
    std::fs::remove_file(&hang).unwrap();
    let msg = request("stuck0@example.com", &["room1@example.com"], 8);
    let r = d.deliver(&["room1@example.com"], &msg).unwrap();
    assert!(accepted(&r), "{r:?}\n{}", d.log());
    let replies: Vec<String> = std::fs::read_dir(&sent)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert_eq!(replies.len(), 2, "{replies:?}");
    assert_eq!(replies.iter().filter(|r| r.contains("UID:fine@example.com")).count(), 1);
    assert_eq!(replies.iter().filter(|r| r.contains("UID:stuck0@example.com")).count(), 1);
    let d = Arc::try_unwrap(d).ok().unwrap();
    let (status, log, _) = d.stop();
    assert_eq!(status, Some(0), "{log}");
    assert!(log.contains("did not finish within 1 s and was killed"), "{log}");
}
