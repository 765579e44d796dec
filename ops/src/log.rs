//! Logging on `tracing` for every program: a level filter (`RUST_LOG`
//! overrides the configured level), and one output — standard error
//! (timestamps for daemons, none for pipe mode, whose lines the MTA stamps;
//! colours only when standard error is a terminal), syslog with a facility
//! (`mail` by default), or journald. Pipe mode captures its lines instead
//! of writing them at once, so that the outcome can come first on standard
//! error: the MTA keeps only the first hundred or so characters in its
//! status text. Performs I/O (the chosen output).

use crate::syslog::Syslog;
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Where log lines go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// Standard error (what an MTA's pipe or a supervisor collects).
    Stderr,
    /// The local syslog daemon, through `/dev/log`.
    Syslog,
    /// The systemd journal, with levels as priorities.
    Journald,
}

impl Output {
    /// Parses `stderr`, `syslog` or `journald`.
    pub fn parse(s: &str) -> Result<Output, String> {
        match s {
            "stderr" | "" => Ok(Output::Stderr),
            "syslog" => Ok(Output::Syslog),
            "journald" => Ok(Output::Journald),
            other => Err(format!("log output {other:?}: expected stderr, syslog or journald")),
        }
    }

    /// The name, as configured.
    pub fn as_str(self) -> &'static str {
        match self {
            Output::Stderr => "stderr",
            Output::Syslog => "syslog",
            Output::Journald => "journald",
        }
    }
}

/// How a program logs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where lines go.
    pub output: Output,
    /// The least level logged: error, warn, info, debug, trace (or an
    /// `EnvFilter` directive); `RUST_LOG` overrides it.
    pub level: String,
    /// The syslog facility (its number, see [`facility`]).
    pub facility: u8,
    /// Stamp lines on standard error with the time (daemons).
    pub timestamps: bool,
    /// Keep standard error's lines for [`Logging::captured`] instead of
    /// writing them (pipe mode).
    pub capture: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            output: Output::Stderr,
            level: "info".into(),
            facility: 2,
            timestamps: false,
            capture: false,
        }
    }
}

/// The syslog facility number for a name (`mail` is 2, `local0`…`local7`
/// are 16…23).
pub fn facility(name: &str) -> Result<u8, String> {
    const NAMES: [&str; 12] = [
        "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
        "authpriv", "ftp",
    ];
    if let Some(i) = NAMES.iter().position(|n| *n == name) {
        return u8::try_from(i).map_err(|e| e.to_string());
    }
    match name.strip_prefix("local").and_then(|n| n.parse::<u8>().ok()) {
        Some(n) if n <= 7 => Ok(16 + n),
        _ => Err(format!(
            "log facility {name:?}: expected mail, daemon, user, local0 … local7 (or another syslog facility)"
        )),
    }
}

/// Lines kept in memory (pipe mode), shared with the subscriber.
#[derive(Debug, Clone, Default)]
pub struct Capture(Arc<Mutex<Vec<u8>>>);

impl Capture {
    /// Takes what was captured so far.
    pub fn take(&self) -> String {
        let bytes = self.0.lock().map(|mut v| std::mem::take(&mut *v)).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

/// A writer into a [`Capture`].
pub struct CaptureWriter(Arc<Mutex<Vec<u8>>>);

impl Write for CaptureWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut v) = self.0.lock() {
            // Bounded: a runaway loop must not eat the memory of a pipe run.
            if v.len() < MAX_CAPTURE {
                v.extend_from_slice(buf);
            }
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The most bytes of log lines a pipe run keeps (docs/limits.md).
pub const MAX_CAPTURE: usize = 1 << 20;

impl<'a> MakeWriter<'a> for Capture {
    type Writer = CaptureWriter;
    fn make_writer(&'a self) -> CaptureWriter {
        CaptureWriter(self.0.clone())
    }
}

/// What [`init`] set up.
#[derive(Debug, Clone, Default)]
pub struct Logging {
    capture: Option<Capture>,
    /// Why the configured output could not be used (standard error is
    /// used instead), for the caller to report.
    pub fallback: Option<String>,
    output: Option<Output>,
}

impl Logging {
    /// Pipe mode on standard error: the lines logged so far, to be written
    /// after the status line. Empty with another output (they went there).
    pub fn captured(&self) -> String {
        self.capture.as_ref().map(Capture::take).unwrap_or_default()
    }

    /// The output in use.
    pub fn output(&self) -> Output {
        self.output.unwrap_or(Output::Stderr)
    }
}

type Boxed = Box<dyn Layer<tracing_subscriber::Registry> + Send + Sync>;

/// Sets up logging for `program` (the syslog tag and journald identifier).
/// A second call does nothing (the first subscriber stays). An output that
/// cannot be opened (no `/dev/log`, no journal) falls back to standard
/// error and says why in [`Logging::fallback`].
pub fn init(program: &str, s: &Settings) -> Logging {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&s.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let mut fallback = None;
    let mut output = s.output;
    let layer: Boxed = match s.output {
        Output::Syslog => match Syslog::connect(program, s.facility) {
            Ok(w) => tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .without_time()
                .with_level(false)
                .with_target(false)
                .with_writer(w)
                .boxed(),
            Err(e) => {
                fallback = Some(format!("syslog (/dev/log): {e}"));
                output = Output::Stderr;
                stderr_layer(s, &mut None)
            }
        },
        Output::Journald => match tracing_journald::layer() {
            Ok(l) => l.with_syslog_identifier(program.to_string()).boxed(),
            Err(e) => {
                fallback = Some(format!("journald: {e}"));
                output = Output::Stderr;
                stderr_layer(s, &mut None)
            }
        },
        Output::Stderr => {
            let mut capture = None;
            let l = stderr_layer(s, &mut capture);
            let _ = tracing_subscriber::registry().with(layer_with(l, filter)).try_init();
            return Logging { capture, fallback, output: Some(output) };
        }
    };
    let _ = tracing_subscriber::registry().with(layer_with(layer, filter)).try_init();
    Logging { capture: None, fallback, output: Some(output) }
}

fn layer_with(l: Boxed, filter: EnvFilter) -> Boxed {
    l.with_filter(filter).boxed()
}

/// Standard error: timestamps for daemons, colours on a terminal; in
/// capture mode (pipe) into memory, plain.
fn stderr_layer(s: &Settings, capture: &mut Option<Capture>) -> Boxed {
    let ansi = std::io::stderr().is_terminal();
    if s.capture && capture.is_none() {
        let c = Capture::default();
        *capture = Some(c.clone());
        return tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .without_time()
            .with_target(false)
            .with_writer(c)
            .boxed();
    }
    let l = tracing_subscriber::fmt::layer()
        .with_ansi(ansi)
        .with_target(false)
        .with_writer(std::io::stderr);
    if s.timestamps { l.boxed() } else { l.without_time().boxed() }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn facilities_and_outputs() {
        assert_eq!(facility("mail"), Ok(2));
        assert_eq!(facility("daemon"), Ok(3));
        assert_eq!(facility("local7"), Ok(23));
        assert!(facility("local8").is_err());
        assert!(facility("email").is_err());
        assert_eq!(Output::parse("journald"), Ok(Output::Journald));
        assert!(Output::parse("file").is_err());
    }

    #[test]
    fn capture_keeps_lines_and_is_bounded() {
        let c = Capture::default();
        let mut w = c.make_writer();
        let _ = w.write(b"one\n");
        assert_eq!(c.take(), "one\n");
        assert_eq!(c.take(), "");
        let big = vec![b'x'; MAX_CAPTURE + 10];
        let _ = w.write(&big);
        let _ = w.write(b"more");
        assert_eq!(c.take().len(), MAX_CAPTURE + 10);
    }
}
