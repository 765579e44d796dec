//! Sender authentication through the binaries: with `require`, forged
//! Authentication-Results change nothing (the person still gets the mail,
//! unchanged), genuine ones from our own MTA are acted on; in pipe mode and
//! through the listener alike.

use super::daemon::{Daemon, NOW, accepted, request};
use crate::util::{self, render};

const CONFIG: &str = "[authentication]\nrequire = true\ntrusted_authserv_ids = [\"mx.example.org\"]\ntrust_local_submission = true\n";
const REMOTE: &str = "Received: from mail.example.com (mail.example.com [192.0.2.10]) by mx.example.org (Postfix) with ESMTPS id 1A; Mon, 1 Mar 2027 09:00:01 +0000\r\n";

fn with_headers(headers: &str, msg: &[u8]) -> Vec<u8> {
    let mut v = headers.as_bytes().to_vec();
    v.extend_from_slice(msg);
    v
}

fn pipe(dir: &std::path::Path, program: &str, rcpt: &str, msg: &[u8]) -> util::RunOutput {
    let cfg = dir.join("config.toml");
    std::fs::write(&cfg, CONFIG).unwrap();
    let store = dir.join("store.db");
    let args: Vec<String> =
        ["-c", cfg.to_str().unwrap(), "-S", store.to_str().unwrap(), "-d", "-o", rcpt]
            .iter()
            .map(|s| s.to_string())
            .collect();
    util::run(program, &args, msg, &[("IMIP_AGENT_NOW", NOW.to_string())])
}

#[test]
fn resource_acts_only_on_vouched_senders() {
    let dir = tempfile::tempdir().unwrap();
    let req = request("ev1@example.com", &["room@example.org"], 10);
    // Forged: an authserv-id that is not ours, then one of ours below a foreign header.
    for forged in [
        "Authentication-Results: mx.attacker.test; dkim=pass header.d=example.com; dmarc=pass header.from=example.com\r\n",
        "Authentication-Results: mx.example.org; none\r\nAuthentication-Results: relay.test; spf=pass smtp.mailfrom=example.com\r\nAuthentication-Results: mx.example.org; dkim=pass header.d=example.com\r\n",
        "Authentication-Results: mx.example.org; dkim=pass header.d=attacker.test\r\n",
    ] {
        let out = pipe(
            dir.path(),
            "imip_resource",
            "room@example.org",
            &with_headers(&format!("{forged}{REMOTE}"), &req),
        );
        assert_eq!(out.status, 0, "{}", out.stderr);
        assert!(out.messages().is_empty(), "no reply to a forged request:\n{}", out.stderr);
        assert!(out.stderr.contains("REQUEST ev1@example.com not acted on: the mail system does not vouch for organiser mailto:paul.boddie@example.com"), "{}", out.stderr);
        assert!(
            !render::store_state(&dir.path().join("store.db"), "room@example.org")
                .contains("object ev1")
        );
    }
    // Genuine: DMARC pass from our MTA, aligned with the organiser.
    let genuine = format!(
        "Authentication-Results: mx.example.org;\r\n dmarc=pass (p=reject) header.from=example.com\r\n{REMOTE}"
    );
    let out = pipe(dir.path(), "imip_resource", "room@example.org", &with_headers(&genuine, &req));
    assert_eq!(out.status, 0, "{}", out.stderr);
    let msgs = out.messages();
    assert_eq!(msgs.len(), 1, "{}", out.stderr);
    assert!(render::message(&msgs[0].1).contains("PARTSTAT=ACCEPTED"));
    assert!(out.stderr.contains("sender authenticated: organiser mailto:paul.boddie@example.com (dmarc=pass for example.com)"), "{}", out.stderr);
}

#[test]
fn person_gets_an_unvouched_invitation_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let invite = std::fs::read(util::fixtures().join("person/invite.eml")).unwrap();
    let forged = with_headers(
        &format!(
            "Authentication-Results: mx.attacker.test; dkim=pass header.d=example.com\r\n{REMOTE}"
        ),
        &invite,
    );
    let out = pipe(dir.path(), "imip_person", "vincent.vole@example.com", &forged);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let msgs = out.messages();
    assert_eq!(msgs.len(), 1, "delivered, not dropped:\n{}", out.stderr);
    // Unchanged apart from line endings (the -d mbox writes LF).
    let text = |b: &[u8]| String::from_utf8_lossy(b).replace('\r', "").trim_end().to_string();
    assert_eq!(text(&msgs[0].1), text(&forged), "delivered unchanged");
    assert!(out.stderr.contains("not acted on"), "{}", out.stderr);
    assert!(
        !render::store_state(&dir.path().join("store.db"), "vincent.vole@example.com")
            .contains("object")
    );
    // Submitted on this host (no Received from elsewhere): trusted.
    let local = with_headers(
        "Received: by mx.example.org (Postfix, from userid 1000) id 9; Mon, 1 Mar 2027 09:00:00 +0000\r\n",
        &invite,
    );
    let out = pipe(dir.path(), "imip_person", "vincent.vole@example.com", &local);
    assert!(out.stderr.contains("(local submission)"), "{}", out.stderr);
    assert!(
        render::store_state(&dir.path().join("store.db"), "vincent.vole@example.com")
            .contains("object")
    );
}

#[test]
fn the_listener_applies_the_same_rule() {
    let d = Daemon::start("imip_resource", "--lmtp-listen", None, CONFIG, &[]);
    let req = request("ev1@example.com", &["room@example.org"], 10);
    let forged = with_headers(
        &format!(
            "Authentication-Results: mx.attacker.test; dkim=pass header.d=example.com\r\n{REMOTE}"
        ),
        &req,
    );
    assert!(
        accepted(&d.deliver(&["room@example.org"], &forged).unwrap()),
        "delivered, only not acted on"
    );
    assert!(d.outbox().is_empty());
    let genuine = with_headers(
        &format!(
            "Authentication-Results: mx.example.org; dkim=pass header.d=example.com\r\n{REMOTE}"
        ),
        &req,
    );
    assert!(accepted(&d.deliver(&["room@example.org"], &genuine).unwrap()));
    assert_eq!(d.outbox().len(), 1);
    let (_, log, _) = d.stop();
    assert!(log.contains("not acted on") && log.contains("dkim=pass for example.com"), "{log}");
}
