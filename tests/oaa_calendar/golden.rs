//! Golden wire transcript of a calendar agent: the test plays the
//! facilitator on a loopback socket, `imip_admin serve-agent` connects to
//! it, and every frame the agent sends must match the transcript
//! (`golden/agent_session.txt`) byte for byte, after substituting `$PORT`
//! and the goal ids the agent picks itself (captured as `$NAME`: digits).
//! This pins the handshake, the declared solvables with their argument
//! conventions, and the answers to freebusy, book and changed goals.
//!
//! Script lines: `# ...` comments; `A: FRAME` the agent must send FRAME
//! next; `F: FRAME` the test sends FRAME to the agent.

use super::harness::{Proc, Site, mail_request};
use oaa::wire::{Charset, FrameScanner};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// Matches `got` against `expected`, binding `$NAME` captures to digit runs.
fn matches(expected: &str, got: &str, vars: &mut HashMap<String, String>) -> bool {
    let (e, g) = (expected.as_bytes(), got.as_bytes());
    let (mut i, mut j) = (0, 0);
    let mut bound = Vec::new();
    while i < e.len() {
        if e[i] == b'$' {
            let name_end = e[i + 1..]
                .iter()
                .position(|c| !(c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_'))
                .map_or(e.len(), |p| i + 1 + p);
            let name = &expected[i + 1..name_end];
            let digits_end = g[j..]
                .iter()
                .position(|c| !(c.is_ascii_digit() || *c == b'-'))
                .map_or(g.len(), |p| j + p);
            let value = &got[j..digits_end];
            if value.is_empty() {
                return false;
            }
            match vars.get(name) {
                Some(v) if v != value => return false,
                Some(_) => {}
                None => bound.push((name.to_string(), value.to_string())),
            }
            i = name_end;
            j = digits_end;
        } else {
            if j >= g.len() || e[i] != g[j] {
                return false;
            }
            i += 1;
            j += 1;
        }
    }
    if j != g.len() {
        return false;
    }
    vars.extend(bound);
    true
}

fn substitute(text: &str, vars: &HashMap<String, String>) -> String {
    let mut names: Vec<&String> = vars.keys().collect();
    // Longest first so that $SYNC10 is not read as $SYNC1 followed by 0.
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    let mut out = text.to_string();
    for n in names {
        out = out.replace(&format!("${n}"), &vars[n]);
    }
    out
}

fn next_frame(stream: &mut TcpStream, scanner: &mut FrameScanner) -> Option<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut buf = [0u8; 8192];
    loop {
        if let Some(f) = scanner.next_frame().unwrap() {
            return Some(Charset::Latin1.decode(&f).unwrap().trim().to_string());
        }
        if Instant::now() > deadline {
            return None;
        }
        match stream.read(&mut buf) {
            Ok(0) => return None,
            Ok(n) => scanner.push(&buf[..n]),
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => return None,
        }
    }
}

#[test]
fn calendar_agent_wire_transcript() {
    let site = Site::new(&[("room-1@example.com", "resource")], 5);
    site.mail_to_resource(
        "room-1@example.com",
        &mail_request(
            "m1@example.com",
            "bob@example.com",
            "room-1@example.com",
            "100000",
            "110000",
        ),
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let args: Vec<String> = [
        "-c",
        &site.config().display().to_string(),
        "serve-agent",
        "--facilitator",
        &format!("127.0.0.1:{port}"),
        "--poll-ms",
        "60000",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let _agent = Proc::spawn("imip_admin", &args);
    listener.set_nonblocking(false).unwrap();
    let (mut stream, _) = {
        // Bounded accept: poll a non-blocking listener.
        listener.set_nonblocking(true).unwrap();
        let t = Instant::now();
        loop {
            match listener.accept() {
                Ok(c) => break c,
                Err(_) if t.elapsed() < Duration::from_secs(20) => {
                    std::thread::sleep(Duration::from_millis(10))
                }
                Err(e) => panic!("the agent did not connect: {e}"),
            }
        }
    };
    stream.set_nonblocking(false).unwrap();
    stream.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
    let mut scanner = FrameScanner::new(1 << 20);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/oaa_calendar/golden/agent_session.txt");
    let script = std::fs::read_to_string(&path).unwrap();
    let mut vars: HashMap<String, String> = HashMap::from([("PORT".to_string(), port.to_string())]);
    for (n, line) in script.lines().enumerate() {
        let at = format!("{}:{}", path.display(), n + 1);
        let line = line.trim();
        if let Some(expected) = line.strip_prefix("A: ") {
            let got = next_frame(&mut stream, &mut scanner)
                .unwrap_or_else(|| panic!("{at}: nothing from the agent, expected\n  {expected}"));
            assert!(
                matches(expected, &got, &mut vars),
                "{at}:\n  expected {expected}\n  got      {got}"
            );
        } else if let Some(frame) = line.strip_prefix("F: ") {
            let text = substitute(frame, &vars);
            let mut bytes = Vec::new();
            Charset::Latin1.encode_into(&text, &mut bytes);
            bytes.push(b'\n');
            stream.write_all(&bytes).unwrap();
        } else {
            assert!(line.is_empty() || line.starts_with('#'), "{at}: bad line");
        }
    }
}

#[test]
fn capture_matching() {
    let mut v = HashMap::new();
    assert!(matches("ev_solve($A,x)", "ev_solve(123,x)", &mut v));
    assert_eq!(v["A"], "123");
    assert!(!matches("ev_solved($A,y)", "ev_solved(124,y)", &mut v));
    assert!(matches("ev_solved($A,y)", "ev_solved(123,y)", &mut v));
    assert_eq!(substitute("f($A)", &v), "f(123)");
}
