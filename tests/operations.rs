//! Running it like mail software (issue 16), against the binaries: the
//! pipe's status line starts with the outcome; the listener's run records
//! keep mailto: recipients and it serves /metrics and /health; published
//! free/busy is readable whatever the umask; the admin tool validates,
//! answers JSON, does not create stores when reading, and `check` and
//! `config show` report.
#![allow(clippy::unwrap_used)]

use crate::listener::daemon::{Daemon, accepted, free_port, request};
use crate::util;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

const NOW: (&str, &str) = ("IMIP_AGENT_NOW", "20270301T090000Z");

fn env() -> Vec<(&'static str, String)> {
    vec![(NOW.0, NOW.1.to_string()), ("IMIP_AGENT_CONFIG", "/nonexistent/config.toml".into())]
}

fn admin(store: &Path, args: &[&str]) -> util::RunOutput {
    let mut v = vec!["-S".to_string(), store.display().to_string()];
    v.extend(args.iter().map(|s| s.to_string()));
    util::run("imip_admin", &v, b"", &[(NOW.0, NOW.1.to_string())])
}

#[test]
fn pipe_status_line_starts_with_the_outcome_and_replies_thread() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.db");
    let out = dir.path().join("out");
    let msg = request("status-1", &["room@example.com"], 10);
    let args: Vec<String> = [
        "-S",
        &store.display().to_string(),
        "--outbox",
        &out.display().to_string(),
        "-o",
        "room@example.com",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let r = util::run("imip_resource", &args, &msg, &env());
    assert_eq!(r.status, 0, "{}", r.stderr);
    let first = r.stderr.lines().next().unwrap();
    assert!(first.starts_with("ACCEPTED room@example.com REQUEST status-1"), "{}", r.stderr);
    let reply = std::fs::read_dir(&out).unwrap().next().unwrap().unwrap().path();
    let text = std::fs::read_to_string(reply).unwrap();
    assert!(text.contains("Subject: Accepted: Meeting status-1"), "{text}");
    assert!(text.contains("In-Reply-To: <status-1@example.com>"), "{text}");
    assert!(text.contains("Auto-Submitted: auto-replied"), "{text}");
    // A failure: the outcome first too.
    let bad: Vec<String> = ["-S", "/proc/nonexistent/s.db", "-o", "room@example.com"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let r = util::run("imip_resource", &bad, &msg, &env());
    assert_eq!(r.status, 75, "{}", r.stderr);
    assert!(r.stderr.starts_with("deferred: "), "{}", r.stderr);
}

#[test]
fn published_freebusy_is_readable_under_umask_077_and_on_demand() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.db");
    let publish = dir.path().join("pub");
    for (n, v) in [("freebusy_sharing", "share"), ("freebusy_publishing", "publish")] {
        let r = admin(&store, &["prefs", "set", "room@example.com", n, v]);
        assert_eq!(r.status, 0, "{}", r.stderr);
    }
    let bin = util::bin("imip_resource");
    let cmd = format!(
        "umask 077; exec {} -S {} -P {} --outbox {} -o room@example.com",
        bin.display(),
        store.display(),
        publish.display(),
        dir.path().join("out").display()
    );
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .env(NOW.0, NOW.1)
        .env("IMIP_AGENT_CONFIG", "/nonexistent/config.toml")
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(&request("pub-1", &["room@example.com"], 9)).unwrap();
    }
    let r = child.wait_with_output().unwrap();
    assert_eq!(r.status.code(), Some(0), "{}", String::from_utf8_lossy(&r.stderr));
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let file = publish.join("mailto:room@example.com").join("freebusy");
    assert_eq!(mode(&file), 0o644);
    assert_eq!(mode(file.parent().unwrap()), 0o755);
    assert_eq!(mode(&publish), 0o755);
    std::fs::remove_file(&file).unwrap();
    let r = util::run(
        "imip_admin",
        &["-S".into(), store.display().to_string(), "publish".into()],
        b"",
        &[("IMIP_AGENT_CONFIG", write_config(dir.path(), &publish))],
    );
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert!(r.stdout_text().contains("mailto:room@example.com: published"), "{}", r.stdout_text());
    assert!(std::fs::read_to_string(&file).unwrap().contains("BEGIN:VFREEBUSY"));
}

fn write_config(dir: &Path, publish: &Path) -> String {
    let p = dir.join("config.toml");
    std::fs::write(&p, format!("[paths]\npublish_dir = {:?}\n", publish.display().to_string()))
        .unwrap();
    p.display().to_string()
}

#[test]
fn admin_validates_and_answers_json() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.db");
    let r = admin(
        &store,
        &["prefs", "set", "room@example.com", "scheduling_function", "schedule_in_freebusi"],
    );
    assert_eq!(r.status, 64, "{}", r.stderr);
    assert!(r.stderr.contains("did you mean schedule_in_freebusy?"), "{}", r.stderr);
    let r = admin(&store, &["prefs", "set", "room@example.com", "freebusy_share", "share"]);
    assert_eq!(r.status, 64, "{}", r.stderr);
    assert!(r.stderr.contains("did you mean freebusy_sharing?"), "{}", r.stderr);
    assert_eq!(admin(&store, &["quota", "set-limit", "q", "*", "10h"]).status, 64);
    let r = admin(&store, &["user", "remove", "nobody@example.com"]);
    assert_eq!(r.status, 67, "{}", r.stderr);
    for args in [
        vec!["--json", "user", "add", "room@example.com", "--kind", "resource"],
        vec!["--json", "prefs", "get", "room@example.com", "LANG"],
        vec!["--json", "prefs", "set", "room@example.com", "LANG", "de"],
        vec!["--json", "quota", "expire"],
        vec!["--json", "quota", "set-limit", "q", "*", "PT10H"],
        vec!["--json", "pool", "create", "pool@example.com", "--member", "room@example.com"],
        vec!["--json", "runs", "--prune-days", "30"],
        vec!["--json", "extend"],
        vec!["--json", "user", "remove", "room@example.com"],
    ] {
        let r = admin(&store, &args);
        assert_eq!(r.status, 0, "{args:?}: {}", r.stderr);
        let text = r.stdout_text();
        assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok(), "{args:?}: {text:?}");
    }
}

#[test]
fn reading_commands_never_create_a_store_and_check_reports() {
    let dir = tempfile::tempdir().unwrap();
    let typo = dir.path().join("typo").join("store.db");
    let r = admin(&typo, &["user", "list"]);
    assert_eq!(r.status, 78, "{}", r.stderr);
    assert!(r.stderr.contains("no store at"), "{}", r.stderr);
    assert!(!typo.parent().unwrap().exists(), "a directory was created");
    let r = admin(&typo, &["check"]);
    assert_eq!(r.status, 1, "{}", r.stdout_text());
    assert!(!typo.parent().unwrap().exists());

    let store = dir.path().join("s.db");
    let cfg = dir.path().join("c.toml");
    std::fs::write(
        &cfg,
        format!(
            "[store]\npath = {:?}\n[outgoing]\ntransport = \"outbox\"\noutbox_dir = {:?}\n",
            store.display().to_string(),
            dir.path().display().to_string()
        ),
    )
    .unwrap();
    let c = |args: &[&str]| {
        let mut v = vec!["-c".to_string(), cfg.display().to_string()];
        v.extend(args.iter().map(|s| s.to_string()));
        util::run("imip_admin", &v, b"", &[])
    };
    assert_eq!(c(&["user", "add", "room@example.com", "--kind", "resource"]).status, 0);
    let r = c(&["check"]);
    assert_eq!(r.status, 0, "{}", r.stdout_text());
    let r = c(&[
        "prefs",
        "set",
        "--force",
        "room@example.com",
        "scheduling_function",
        "schedule_in_freebusi",
    ]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let r = c(&["check"]);
    assert_eq!(r.status, 1, "{}", r.stdout_text());
    assert!(
        r.stdout_text()
            .contains("error: mailto:room@example.com: scheduling_function: unknown function"),
        "{}",
        r.stdout_text()
    );
    let r = c(&["config", "show", "-n"]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert!(r.stdout_text().contains("transport = \"outbox\""), "{}", r.stdout_text());
    assert!(!r.stdout_text().contains("[listener]"), "{}", r.stdout_text());
}

#[test]
fn listener_records_mailto_recipients_and_serves_metrics() {
    let port = free_port();
    let d = Daemon::start(
        "imip_resource",
        "--lmtp-listen",
        None,
        &format!("[listener]\nmetrics_listen = \"127.0.0.1:{port}\""),
        &[],
    );
    d.wait_until(|| d.log().contains("serving /metrics"), "the metrics endpoint");
    assert!(accepted(
        &d.deliver(&["room@example.com"], &request("m-1", &["room@example.com"], 11)).unwrap()
    ));
    let get = |path: &str| {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes()).unwrap();
        let mut t = String::new();
        s.read_to_string(&mut t).unwrap();
        t
    };
    let m = get("/metrics");
    assert!(m.contains("imip_listener_recipients_total{outcome=\"delivered\"} 1"), "{m}");
    assert!(m.contains("imip_listener_decisions_total{answer=\"ACCEPTED\"} 1"), "{m}");
    assert!(get("/health").starts_with("HTTP/1.1 200"));
    let log = d.log();
    // Timestamps and levels on the daemon's lines; the outcome logged.
    assert!(
        log.lines()
            .any(|l| l.contains(" INFO ") && l.contains("ACCEPTED room@example.com REQUEST m-1")),
        "{log}"
    );
    let store = d.store();
    d.wait_until(
        || {
            admin(&store, &["runs", "--recipient", "room@example.com"])
                .stdout_text()
                .contains("m-1@example.com")
        },
        "the run record",
    );
    let (_, _, _dir) = d.stop();
}
