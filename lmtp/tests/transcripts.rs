//! Runs the server session against the scripted conversations in
//! `tests/transcripts/*.txt`. No network I/O; reads the transcript files.
//!
//! # Transcript format
//!
//! One directive per line; blank lines and lines starting with `#` are
//! ignored. Texts may use the escapes `\r`, `\n`, `\t`, `\\` and `\xHH`.
//!
//! | line | meaning |
//! | --- | --- |
//! | `@protocol lmtp` / `@protocol smtp` | session protocol (default `lmtp`) |
//! | `@hostname NAME` | server host name (default `mx.example`) |
//! | `@max_message_size N`, `@max_recipients N`, `@max_line_length N` | limits (defaults from `ServerConfig::new`) |
//! | `C: text` | client sends `text` + CRLF |
//! | `R: text` | client sends `text` exactly (raw, nothing appended) |
//! | `S: text` | the next line the server wrote is exactly `text` + CRLF |
//! | `F: addr` | the next delivery's `mail_from` is `addr` (`F:` alone: null sender) |
//! | `T: addr` | the next delivery's recipients are the `T:` lines, in order |
//! | `D: text` | the next delivery's data is the `D:` lines, each + CRLF |
//! | `A: outcome \| outcome ...` | the next thing the server did is a delivery; check it against the `F:`/`T:`/`D:` lines since the last `A:` (those given), then answer with `delivered()`; outcomes are `delivered`, `tempfail TEXT`, `permfail TEXT` |
//! | `X: close` | the next thing the server did is closing the connection |
//!
//! Consecutive `C:`/`R:` lines go to the session in a single `feed()` call
//! (one write, as a pipelining client would); the batch is sent when the
//! next `S:`, `A:` or `X:` line or the end of the file is reached. The
//! greeting is the first server line. At the end of the file nothing the
//! server did may be left unchecked.
//!
//! Each transcript runs twice: with batches as written, and again with every
//! batch fed one byte at a time, which must not change anything.

mod common;

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use common::{Event, push_events, show};
use lmtp::{DeliveryOutcome, Protocol, ServerConfig, Session};

/// How client batches are handed to the session.
#[derive(Clone, Copy, Debug)]
enum Feeding {
    AsWritten,
    ByteByByte,
}

/// Expectations for the next delivery.
#[derive(Default)]
struct Expected {
    mail_from: Option<String>,
    recipients: Vec<String>,
    data: Option<Vec<u8>>,
}

struct Runner {
    session: Session,
    feeding: Feeding,
    batch: Vec<u8>,
    events: VecDeque<Event>,
    expected: Expected,
}

impl Runner {
    fn flush(&mut self) {
        let batch = std::mem::take(&mut self.batch);
        let mut collected = Vec::new();
        match self.feeding {
            Feeding::AsWritten => push_events(&mut collected, self.session.feed(&batch)),
            Feeding::ByteByByte => {
                for byte in batch {
                    push_events(&mut collected, self.session.feed(&[byte]));
                }
            }
        }
        self.events.extend(collected);
    }

    fn next_event(&mut self) -> Result<Event, String> {
        self.flush();
        self.events.pop_front().ok_or_else(|| "the server did nothing more".to_string())
    }

    fn step(&mut self, tag: &str, text: &str) -> Result<(), String> {
        match tag {
            "C" => {
                self.batch.extend(unescape(text)?);
                self.batch.extend_from_slice(b"\r\n");
            }
            "R" => self.batch.extend(unescape(text)?),
            "S" => {
                let mut want = unescape(text)?;
                want.extend_from_slice(b"\r\n");
                match self.next_event()? {
                    Event::Line(got) if got == want => {}
                    Event::Line(got) => {
                        return Err(format!(
                            "server wrote {:?}, expected {:?}",
                            show(&got),
                            show(&want)
                        ));
                    }
                    other => return Err(format!("server did {other:?}, expected a line")),
                }
            }
            "F" => self.expected.mail_from = Some(text.to_string()),
            "T" => self.expected.recipients.push(text.to_string()),
            "D" => {
                let data = self.expected.data.get_or_insert_with(Vec::new);
                data.extend(unescape(text)?);
                data.extend_from_slice(b"\r\n");
            }
            "A" => {
                let outcomes = parse_outcomes(text)?;
                let Event::Deliver(envelope) = self.next_event()? else {
                    return Err("expected a delivery".into());
                };
                let expected = std::mem::take(&mut self.expected);
                if let Some(from) = expected.mail_from
                    && from != envelope.mail_from
                {
                    return Err(format!("mail_from {:?}, expected {from:?}", envelope.mail_from));
                }
                if !expected.recipients.is_empty() && expected.recipients != envelope.recipients {
                    return Err(format!(
                        "recipients {:?}, expected {:?}",
                        envelope.recipients, expected.recipients
                    ));
                }
                if let Some(data) = expected.data
                    && data != envelope.data
                {
                    return Err(format!(
                        "data {:?}, expected {:?}",
                        show(&envelope.data),
                        show(&data)
                    ));
                }
                if !self.session.awaiting_delivery() {
                    return Err("delivery requested but session not awaiting it".into());
                }
                let mut collected = Vec::new();
                push_events(&mut collected, self.session.delivered(&outcomes));
                self.events.extend(collected);
            }
            "X" if text == "close" => match self.next_event()? {
                Event::Close if self.session.is_closed() => {}
                Event::Close => return Err("Close action but session not closed".into()),
                other => return Err(format!("server did {other:?}, expected close")),
            },
            _ => return Err(format!("unknown directive {tag}: {text}")),
        }
        Ok(())
    }
}

fn parse_outcomes(text: &str) -> Result<Vec<DeliveryOutcome>, String> {
    text.split('|')
        .map(|part| {
            let part = part.trim();
            let (word, rest) = part.split_once(' ').unwrap_or((part, ""));
            match word {
                "delivered" => Ok(DeliveryOutcome::Delivered),
                "tempfail" => Ok(DeliveryOutcome::TempFail(rest.to_string())),
                "permfail" => Ok(DeliveryOutcome::PermFail(rest.to_string())),
                _ => Err(format!("unknown outcome {part:?}")),
            }
        })
        .collect()
}

fn unescape(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len());
    let mut bytes = text.bytes();
    while let Some(b) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        match bytes.next() {
            Some(b'r') => out.push(b'\r'),
            Some(b'n') => out.push(b'\n'),
            Some(b't') => out.push(b'\t'),
            Some(b'\\') => out.push(b'\\'),
            Some(b'x') => {
                let hex: Vec<u8> = bytes.by_ref().take(2).collect();
                let hex = std::str::from_utf8(&hex).map_err(|e| e.to_string())?;
                out.push(u8::from_str_radix(hex, 16).map_err(|e| format!("bad \\x{hex}: {e}"))?);
            }
            other => return Err(format!("bad escape \\{:?}", other.map(char::from))),
        }
    }
    Ok(out)
}

/// Reads the `@` settings, which must precede the conversation.
fn config_of(lines: &[(usize, &str)]) -> Result<ServerConfig, String> {
    let mut config = ServerConfig::new(Protocol::Lmtp, "mx.example");
    for (_, line) in lines.iter().filter(|(_, l)| l.starts_with('@')) {
        let (key, value) = line[1..].split_once(' ').ok_or(format!("bad setting {line}"))?;
        let number = || value.trim().parse::<usize>().map_err(|e| format!("{line}: {e}"));
        match key {
            "protocol" if value == "lmtp" => config.protocol = Protocol::Lmtp,
            "protocol" if value == "smtp" => config.protocol = Protocol::Smtp,
            "hostname" => config.hostname = value.to_string(),
            "max_message_size" => config.max_message_size = number()?,
            "max_recipients" => config.max_recipients = number()?,
            "max_line_length" => config.max_line_length = number()?,
            _ => return Err(format!("unknown setting {line}")),
        }
    }
    Ok(config)
}

fn run(path: &Path, feeding: Feeding) -> Result<(), String> {
    let source = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let lines: Vec<(usize, &str)> = source
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .collect();
    let config = config_of(&lines)?;
    let session = Session::new(config);
    let mut events = Vec::new();
    push_events(&mut events, vec![lmtp::Action::Write(session.greeting())]);
    let mut runner = Runner {
        session,
        feeding,
        batch: Vec::new(),
        events: events.into(),
        expected: Expected::default(),
    };
    for (number, line) in lines.iter().filter(|(_, l)| !l.starts_with('@')) {
        let (tag, text) = line.split_once(':').ok_or(format!("line {number}: no directive"))?;
        let text = text.strip_prefix(' ').unwrap_or(text);
        runner.step(tag, text).map_err(|e| format!("line {number} ({line}): {e}"))?;
    }
    runner.flush();
    if !runner.events.is_empty() {
        return Err(format!("unchecked server output at end: {:?}", runner.events));
    }
    Ok(())
}

fn transcript_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/transcripts");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    files
}

#[test]
fn transcripts() {
    let files = transcript_files();
    assert!(!files.is_empty(), "no transcripts in tests/transcripts: nothing was tested");
    let mut failures = String::new();
    for path in &files {
        for feeding in [Feeding::AsWritten, Feeding::ByteByByte] {
            if let Err(e) = run(path, feeding) {
                let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
                let _ = writeln!(failures, "{name} ({feeding:?}): {e}");
            }
        }
    }
    assert!(failures.is_empty(), "{} transcripts, failures:\n{failures}", files.len());
    eprintln!("{} transcripts passed", files.len());
}
