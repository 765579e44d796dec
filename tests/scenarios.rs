//! The scenario runner. Every `tests/fixtures/scenarios/*.scn` file is a
//! script of steps run against the real binaries with a fresh store and a
//! fixed clock; `expect` lines assert behaviour, and the whole transcript
//! (logs, messages, store state) is compared with `<name>.expected`.
//!
//! Script syntax, one step per line (`#` starts a comment):
//!   now 20270301T090000Z            fix the clock (IMIP_AGENT_NOW)
//!   config <<END                    use this configuration file for later steps
//!   admin ARGS…                     run imip_admin -S <store> ARGS (quotes as in a shell;
//!                                   {tmp} is the scenario's temporary directory)
//!   run PROGRAM ARGS… < FILE        run an agent with -S <store> -d, FILE under tests/fixtures
//!   run PROGRAM ARGS… <<END         … with the message inline, up to a line `END`
//!   run PROGRAM ARGS… < @K          … with message K (1-based) of the previous run
//!   expect exit N                   exit status of the last run
//!   expect sent N                   messages to other parties ("Outgoing parts")
//!   expect delivered N              messages to the user's mailbox
//!   expect contains TEXT            some message of the last run contains TEXT
//!   expect not-contains TEXT        no message of the last run contains TEXT
//!   expect message K contains TEXT  message K (1-based) of the last run contains TEXT
//!   expect message K not-contains TEXT
//!   expect log TEXT                 the last run's log contains TEXT
//!   expect busy USER N              USER has N own busy periods
//!   expect offers USER N            USER has N offered periods
//!   expect requests USER N          USER has N queued requests
//!   expect object USER UID STATUS [PARTSTAT]   the parent object of UID
//!   expect attendee USER UID[#RID] ATTENDEE PARTSTAT   ATTENDEE's status in USER's copy
//!                                   (of the occurrence RID; "-" when not listed)
//!   expect output TEXT              the last admin command printed TEXT
//!   expect not-output TEXT          the last admin command did not print TEXT
//!   expect published USER TEXT      USER's published free/busy file contains TEXT
//!   expect unpublished USER         USER has no published free/busy file
//!
//! `FIXTURES=overwrite cargo test` rewrites the `.expected` files; otherwise a
//! difference writes `<name>.actual` beside the script and fails.
#![allow(clippy::unwrap_used)]

use crate::util::{self, RunOutput, render};
use imip_agent::policy::parse::split_words;
use std::path::{Path, PathBuf};

struct State {
    dir: tempfile::TempDir,
    now: String,
    last: Option<RunOutput>,
    last_rendered: Vec<(String, String)>,
    last_raw: Vec<Vec<u8>>,
    last_admin: String,
    transcript: String,
    config: Option<PathBuf>,
}

impl State {
    fn store(&self) -> PathBuf {
        self.dir.path().join("store.db")
    }

    fn publish_dir(&self) -> PathBuf {
        self.dir.path().join("publish")
    }

    fn base_args(&self) -> Vec<String> {
        let mut a = vec!["-S".to_string(), self.store().display().to_string()];
        if let Some(c) = &self.config {
            a.push("-c".into());
            a.push(c.display().to_string());
        }
        a
    }
}

fn fail(file: &Path, line: usize, msg: String) -> ! {
    panic!("{}:{line}: {msg}", file.display());
}

fn count(state: &State, user: &str, what: &str) -> usize {
    let s = render::store_state(&state.store(), user);
    s.lines().filter(|l| l.trim_start().starts_with(what)).count()
}

fn run_script(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut st = State {
        dir: tempfile::tempdir().unwrap(),
        now: "20270301T090000Z".into(),
        last: None,
        last_rendered: Vec::new(),
        last_raw: Vec::new(),
        last_admin: String::new(),
        transcript: String::new(),
        config: None,
    };
    let mut i = 0;
    while i < lines.len() {
        let n = i + 1;
        let line = lines[i].trim();
        i += 1;
        if line.is_empty() || line.starts_with('#') {
            if line.starts_with('#') {
                st.transcript.push_str(line);
                st.transcript.push('\n');
            }
            continue;
        }
        let (head, rest) = line.split_once(' ').unwrap_or((line, ""));
        match head {
            "now" => {
                st.now = rest.trim().to_string();
                st.transcript.push_str(&format!("now {}\n", st.now));
            }
            "config" => {
                let marker = rest.trim().trim_start_matches("<<").trim();
                let mut body = String::new();
                while i < lines.len() && lines[i].trim() != marker {
                    body.push_str(lines[i]);
                    body.push('\n');
                    i += 1;
                }
                i += 1;
                let p = st.dir.path().join("config.toml");
                std::fs::write(&p, &body).unwrap();
                st.config = Some(p);
                st.transcript.push_str("config:\n");
                for l in body.lines() {
                    st.transcript.push_str(&format!("  {l}\n"));
                }
            }
            "admin" => {
                let mut args = st.base_args();
                let tmp = st.dir.path().display().to_string();
                args.extend(
                    split_words(rest)
                        .unwrap_or_else(|e| fail(path, n, e))
                        .into_iter()
                        .map(|a| a.replace("{tmp}", &tmp)),
                );
                let out =
                    util::run("imip_admin", &args, b"", &[("IMIP_AGENT_NOW", st.now.clone())]);
                if out.status != 0 {
                    fail(path, n, format!("imip_admin failed ({}): {}", out.status, out.stderr));
                }
                st.last_admin = String::from_utf8_lossy(&out.stdout).to_string();
                st.transcript.push_str(&format!("$ imip_admin {rest}\n"));
                for l in st.last_admin.lines() {
                    st.transcript.push_str(&format!("  {l}\n"));
                }
            }
            "run" => {
                let (cmd, input) = if let Some((c, marker)) = rest.split_once("<<") {
                    let marker = marker.trim();
                    let mut body = String::new();
                    while i < lines.len() && lines[i].trim() != marker {
                        body.push_str(lines[i]);
                        body.push('\n');
                        i += 1;
                    }
                    i += 1;
                    (c.trim().to_string(), body.into_bytes())
                } else if let Some((c, k)) = rest.split_once(" < @") {
                    let k: usize = k
                        .trim()
                        .parse()
                        .unwrap_or_else(|_| fail(path, n, "< @K needs a number".into()));
                    let m = st.last_raw.get(k.wrapping_sub(1)).cloned().unwrap_or_else(|| {
                        fail(path, n, format!("no message {k} in the previous run"))
                    });
                    (c.trim().to_string(), m)
                } else if let Some((c, file)) = rest.split_once(" < ") {
                    let p = util::fixtures().join(file.trim());
                    (
                        c.trim().to_string(),
                        std::fs::read(&p)
                            .unwrap_or_else(|e| fail(path, n, format!("{}: {e}", p.display()))),
                    )
                } else {
                    fail(path, n, "run needs < FILE or <<MARKER".into());
                };
                let mut words = split_words(&cmd).unwrap_or_else(|e| fail(path, n, e));
                let program = words.remove(0);
                let mut args = st.base_args();
                args.extend([
                    "-d".to_string(),
                    "-P".to_string(),
                    st.publish_dir().display().to_string(),
                ]);
                args.extend(words.iter().cloned());
                let out = util::run(&program, &args, &input, &[("IMIP_AGENT_NOW", st.now.clone())]);
                st.transcript.push_str(&format!("$ {cmd}\n  exit {}\n", out.status));
                // Timing notes depend on the machine's load, not on the story.
                for l in out.log().iter().filter(|l| !l.contains("write lock was held")) {
                    st.transcript.push_str(&format!("  log: {l}\n"));
                }
                let msgs = out.messages();
                st.last_raw = msgs.iter().map(|(_, m)| m.clone()).collect();
                st.last_rendered =
                    msgs.into_iter().map(|(label, m)| (label, render::message(&m))).collect();
                for (k, (label, m)) in st.last_rendered.iter().enumerate() {
                    st.transcript.push_str(&format!("  --- message {} ({label})\n", k + 1));
                    for l in m.lines() {
                        st.transcript.push_str(&format!("  | {l}\n"));
                    }
                }
                let mut users: Vec<String> = Vec::new();
                let mut it = words.iter();
                while let Some(w) = it.next() {
                    if w == "-o" {
                        for u in it.by_ref() {
                            if u.starts_with('-') {
                                break;
                            }
                            users.push(u.clone());
                        }
                    }
                }
                for u in users {
                    for l in render::store_state(&st.store(), &u).lines() {
                        st.transcript.push_str(&format!("  {l}\n"));
                    }
                }
                st.last = Some(out);
            }
            "expect" => {
                check(&st, rest, path, n);
            }
            other => fail(path, n, format!("unknown step {other:?}")),
        }
    }
    st.transcript
}

fn check(st: &State, rest: &str, path: &Path, n: usize) {
    let words: Vec<String> = rest.split_whitespace().map(str::to_string).collect();
    let last = || st.last.as_ref().unwrap_or_else(|| fail(path, n, "no run yet".into()));
    let sent = || st.last_rendered.iter().filter(|(l, _)| l.starts_with("Outgoing")).count();
    let delivered = || st.last_rendered.len() - sent();
    let num = |s: &str| {
        s.parse::<usize>().unwrap_or_else(|_| fail(path, n, format!("{s:?} is not a number")))
    };
    // The text after the first k words, exactly as written (quotes and tabs kept).
    let tail = |k: usize| {
        let mut r = rest.trim_start();
        for _ in 0..k {
            r = r.split_once(char::is_whitespace).map(|(_, x)| x.trim_start()).unwrap_or("");
        }
        r.to_string()
    };
    match words.first().map(String::as_str) {
        Some("exit") => {
            let want: i32 = words[1].parse().unwrap();
            if last().status != want {
                fail(path, n, format!("exit {} (want {want})\n{}", last().status, last().stderr));
            }
        }
        Some("sent") if sent() != num(&words[1]) => {
            fail(path, n, format!("{} sent (want {})\n{}", sent(), words[1], last().stderr))
        }
        Some("delivered") if delivered() != num(&words[1]) => fail(
            path,
            n,
            format!("{} delivered (want {})\n{}", delivered(), words[1], last().stderr),
        ),
        Some("contains") => {
            let t = tail(1);
            if !st.last_rendered.iter().any(|(_, m)| m.contains(&t)) {
                fail(
                    path,
                    n,
                    format!(
                        "no message contains {t:?}\n{}",
                        st.last_rendered
                            .iter()
                            .map(|(_, m)| m.as_str())
                            .collect::<Vec<_>>()
                            .join("\n---\n")
                    ),
                );
            }
        }
        Some("not-contains") => {
            let t = tail(1);
            if st.last_rendered.iter().any(|(_, m)| m.contains(&t)) {
                fail(path, n, format!("a message contains {t:?}"));
            }
        }
        Some("message") => {
            let k = num(&words[1]);
            let t = tail(3);
            let m = st
                .last_rendered
                .get(k.wrapping_sub(1))
                .map(|(_, m)| m.clone())
                .unwrap_or_else(|| fail(path, n, format!("no message {k}")));
            let want = match words.get(2).map(String::as_str) {
                Some("contains") => true,
                Some("not-contains") => false,
                _ => fail(path, n, "expect message K contains|not-contains TEXT".into()),
            };
            if m.contains(&t) != want {
                fail(
                    path,
                    n,
                    format!(
                        "message {k}: {} {t:?}:\n{m}",
                        if want { "does not contain" } else { "contains" }
                    ),
                );
            }
        }
        Some("log") => {
            let t = tail(1);
            if !last().log().iter().any(|l| l.contains(&t)) {
                fail(path, n, format!("log does not contain {t:?}:\n{}", last().stderr));
            }
        }
        Some("busy") | Some("offers") | Some("requests") => {
            let what = match words[0].as_str() {
                "busy" => "busy",
                "offers" => "offer",
                _ => "request",
            };
            let have = count(st, &words[1], what);
            if have != num(&words[2]) {
                fail(
                    path,
                    n,
                    format!(
                        "{} has {have} {what} (want {})\n{}",
                        words[1],
                        words[2],
                        render::store_state(&st.store(), &words[1])
                    ),
                );
            }
        }
        Some("object") => {
            let state = render::store_state(&st.store(), &words[1]);
            let want = format!("object {} [] {}", words[2], words[3]);
            let line = state
                .lines()
                .find(|l| l.trim_start().starts_with(&format!("object {} [] ", words[2])))
                .unwrap_or_else(|| fail(path, n, format!("no object {}\n{state}", words[2])));
            if !line.contains(&want)
                || words.get(4).is_some_and(|p| !line.contains(&format!("partstat={p}")))
            {
                fail(
                    path,
                    n,
                    format!("{line:?} is not {want} {}", words.get(4).cloned().unwrap_or_default()),
                );
            }
        }
        Some("attendee") => {
            // expect attendee USER UID[@RID] ATTENDEE PARTSTAT
            let (uid, rid) = words[2].split_once('#').unwrap_or((&words[2], ""));
            let got = render::attendee_partstat(&st.store(), &words[1], uid, rid, &words[3]);
            if got != words[4] {
                fail(
                    path,
                    n,
                    format!(
                        "{} in {} of {}: {got}, not {}",
                        words[3], words[2], words[1], words[4]
                    ),
                );
            }
        }
        Some("not-output") => {
            let t = tail(1);
            if st.last_admin.contains(&t) {
                fail(path, n, format!("admin output contains {t:?}:\n{}", st.last_admin));
            }
        }
        Some("output") => {
            let t = tail(1);
            if !st.last_admin.contains(&t) {
                fail(path, n, format!("admin output does not contain {t:?}:\n{}", st.last_admin));
            }
        }
        Some("published") => {
            let f = st
                .publish_dir()
                .join(imip_agent::address::CalAddress::parse(&words[1]).unwrap().as_str())
                .join("freebusy");
            let text = std::fs::read_to_string(&f)
                .unwrap_or_else(|e| fail(path, n, format!("{}: {e}", f.display())));
            let t = tail(2);
            if !imip_agent::ical::unfold(&text).contains(&t) {
                fail(path, n, format!("published free/busy does not contain {t:?}:\n{text}"));
            }
        }
        Some("unpublished") => {
            let f = st
                .publish_dir()
                .join(imip_agent::address::CalAddress::parse(&words[1]).unwrap().as_str())
                .join("freebusy");
            if f.exists() {
                fail(path, n, format!("{} exists", f.display()));
            }
        }
        Some("sent") | Some("delivered") => {}
        _ => fail(path, n, format!("unknown expectation {rest:?}")),
    }
}

#[test]
fn scenarios() {
    let dir = util::fixtures().join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "scn"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no scenarios in {}", dir.display());
    let only = std::env::var("SCENARIO").ok();
    let overwrite = std::env::var("FIXTURES").is_ok_and(|v| v == "overwrite");
    let mut failures = Vec::new();
    let mut ran = 0;
    for f in &files {
        let name = f.file_stem().unwrap().to_string_lossy().to_string();
        if only.as_ref().is_some_and(|o| !name.contains(o.as_str())) {
            continue;
        }
        ran += 1;
        let transcript = match std::panic::catch_unwind(|| run_script(f)) {
            Ok(t) => t,
            Err(e) => {
                let msg = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failures.push(format!("{name}: {msg}"));
                continue;
            }
        };
        let expected = f.with_extension("expected");
        let actual = f.with_extension("actual");
        if overwrite {
            std::fs::write(&expected, &transcript).unwrap();
            let _ = std::fs::remove_file(&actual);
            continue;
        }
        match std::fs::read_to_string(&expected) {
            Ok(e) if e == transcript => {
                let _ = std::fs::remove_file(&actual);
            }
            Ok(e) => {
                std::fs::write(&actual, &transcript).unwrap();
                let first = e
                    .lines()
                    .zip(transcript.lines())
                    .position(|(a, b)| a != b)
                    .unwrap_or(e.lines().count().min(transcript.lines().count()));
                failures.push(format!(
                    "{name}: transcript differs from {} at line {} (see {})",
                    expected.display(),
                    first + 1,
                    actual.display()
                ));
            }
            Err(_) => {
                std::fs::write(&actual, &transcript).unwrap();
                failures.push(format!(
                    "{name}: no {} (review {} and rename it)",
                    expected.display(),
                    actual.display()
                ));
            }
        }
    }
    assert!(ran > 0, "SCENARIO filter matched nothing");
    assert!(
        failures.is_empty(),
        "{} of {ran} scenario(s) failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
