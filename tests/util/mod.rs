//! Test helpers: a temporary environment per test, running the agent
//! binaries, splitting `-d` mbox output, and rendering messages and store
//! state in a canonical, reviewable form.
#![allow(dead_code, clippy::unwrap_used)]

pub mod render;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The directory of fixtures.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The path of a binary built for the tests.
pub fn bin(name: &str) -> PathBuf {
    let p = match name {
        "imip_resource" => env!("CARGO_BIN_EXE_imip_resource"),
        "imip_person" => env!("CARGO_BIN_EXE_imip_person"),
        "imip_person_outgoing" => env!("CARGO_BIN_EXE_imip_person_outgoing"),
        "imip_admin" => env!("CARGO_BIN_EXE_imip_admin"),
        "imip_facilitator" => env!("CARGO_BIN_EXE_imip_facilitator"),
        "imip_ask" => env!("CARGO_BIN_EXE_imip_ask"),
        other => panic!("unknown binary {other}"),
    };
    PathBuf::from(p)
}

/// What a run of a binary produced.
#[derive(Debug, Clone)]
pub struct RunOutput {
    pub status: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl RunOutput {
    /// Messages printed in `-d` mode, with the label printed for each.
    pub fn messages(&self) -> Vec<(String, Vec<u8>)> {
        let labels: Vec<String> = self
            .stderr
            .lines()
            .filter(|l| l.ends_with("...") && l.contains(" for "))
            .map(|l| l.trim_end_matches("...").to_string())
            .collect();
        let msgs = split_mbox(&self.stdout);
        assert_eq!(labels.len(), msgs.len(), "labels and messages differ:\n{}", self.stderr);
        labels.into_iter().zip(msgs).collect()
    }

    /// Standard output as text.
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Log lines (without the level and the labels). The first line of a
    /// pipe run is its status line (the outcome).
    pub fn log(&self) -> Vec<String> {
        self.stderr
            .lines()
            .filter(|l| !(l.ends_with("...") && l.contains(" for ")))
            .map(|l| {
                let t = l.trim_start();
                ["ERROR ", "WARN ", "INFO ", "DEBUG ", "TRACE "]
                    .iter()
                    .find_map(|lvl| t.strip_prefix(lvl))
                    .unwrap_or(t)
                    .to_string()
            })
            .collect()
    }
}

/// Splits an mbox (as written by `-d`) into messages, undoing mboxrd quoting.
pub fn split_mbox(data: &[u8]) -> Vec<Vec<u8>> {
    let text = String::from_utf8_lossy(data);
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut cur: Option<Vec<u8>> = None;
    for line in text.split_inclusive('\n') {
        if line.starts_with("From ") {
            if let Some(c) = cur.take() {
                out.push(c);
            }
            cur = Some(Vec::new());
            continue;
        }
        let Some(c) = cur.as_mut() else { continue };
        let unq = if line.trim_start_matches('>').starts_with("From ") && line.starts_with('>') {
            &line[1..]
        } else {
            line
        };
        c.extend_from_slice(unq.as_bytes());
    }
    if let Some(c) = cur {
        out.push(c);
    }
    out
}

/// Runs a binary with arguments, standard input and extra environment.
pub fn run(name: &str, args: &[String], stdin: &[u8], env: &[(&str, String)]) -> RunOutput {
    let mut cmd = Command::new(bin(name));
    cmd.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    // Keep the user's configuration out of tests.
    cmd.env_remove("IMIP_AGENT_CONFIG").env("TZ", "UTC");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    {
        let mut si = child.stdin.take().unwrap();
        let _ = si.write_all(stdin);
    }
    let out = child.wait_with_output().unwrap();
    RunOutput {
        status: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
    }
}

/// Writes an executable shell script `name` into `dir` (a stand-in for
/// sendmail and the like) and returns its path.
pub fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// Whether process `pid` is running (a zombie waiting to be reaped is not).
pub fn process_alive(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{}/stat", pid.trim()))
        .is_ok_and(|s| s.rsplit_once(") ").is_some_and(|(_, rest)| !rest.starts_with('Z')))
}

/// Waits up to `limit` for `cond`; returns whether it came true.
pub fn wait_for(limit: std::time::Duration, cond: impl Fn() -> bool) -> bool {
    let t = std::time::Instant::now();
    while !cond() {
        if t.elapsed() > limit {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    true
}
