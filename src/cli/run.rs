//! Pipe mode: read one message from standard input, process it for each
//! recipient in its own durable transaction, then send and deliver, and
//! leave a run record. Exit 0 when done, 75 on any internal failure (store,
//! disk, transport) so that the MTA retries, 64 on a usage error. Malformed
//! calendar data is never an internal failure.
//!
//! Standard error is the MTA's record of the run, of which Postfix keeps
//! about the first hundred characters in its status text: the first line
//! is the outcome ("ACCEPTED room@example.com REQUEST uid", "queued for
//! approval …", "delivered to alice@example.com", "deferred: …"), then the
//! run's log lines (`[log] output = "stderr"`, the default; with syslog or
//! journald they go there and standard error has the outcome only).
//! Performs I/O.

use super::args::AgentArgs;
use super::exit;
use super::setup;
use crate::address::CalAddress;
use crate::agent::AgentKind;
use crate::agent::handle::{handle_recipient, message_key};
use crate::error::{InfraError, InfraResult};
use crate::mail::InboundMessage;
use crate::mail::items::extract_items_within;
use crate::store::{RunRecord, Store};
use crate::transport::Sender;
use std::io::{Read, Write};
use std::process::ExitCode;
use std::time::Instant;

/// Parses the flags, mapping clap's errors to exit 64 (help and version: 0).
pub fn parse_args(kind: AgentKind, about: &'static str) -> Result<AgentArgs, ExitCode> {
    let cmd = <AgentArgs as clap::CommandFactory>::command().name(kind.program()).about(about);
    // -l and -L mean something different for each agent (imip-agent 1.1).
    let (lmtp, local) = match kind {
        AgentKind::Person => (None, None),
        AgentKind::Resource => (
            Some(
                "Deliver a copy of each message, as received, to the resource's own mailbox over LMTP to this Unix socket path or host:port (without -l or -L a resource keeps no mailbox)",
            ),
            Some(
                "Deliver a copy of each message, as received, to the resource's own mailbox over SMTP to the local MTA, addressed to local+resource@domain (see local_prefix)",
            ),
        ),
        AgentKind::Outgoing => (
            Some("Accepted for compatibility and ignored: the outgoing agent never delivers"),
            Some("Accepted for compatibility and ignored: the outgoing agent never delivers"),
        ),
    };
    let cmd = match (lmtp, local) {
        (Some(l), Some(ll)) => {
            cmd.mut_arg("lmtp", |a| a.help(l)).mut_arg("local_smtp", |a| a.help(ll))
        }
        _ => cmd,
    };
    let matches = cmd.try_get_matches();
    match matches.and_then(|m| <AgentArgs as clap::FromArgMatches>::from_arg_matches(&m)) {
        Ok(a) => Ok(a),
        Err(e) => {
            let code = match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    exit::OK
                }
                _ => exit::USAGE,
            };
            let _ = e.print();
            Err(ExitCode::from(code))
        }
    }
}

/// A log that keeps its lines for the run record and logs them (through
/// `tracing`, to the configured output).
#[derive(Debug, Default)]
pub struct RunLog {
    lines: Vec<String>,
}

impl RunLog {
    /// A log for a program.
    pub fn new(_program: &str) -> Self {
        RunLog { lines: Vec::new() }
    }

    /// Logs a line.
    pub fn line(&mut self, text: impl Into<String>) {
        let t = text.into();
        tracing::info!("{t}");
        self.lines.push(t);
    }

    /// Logs a line about a failure.
    pub fn warn(&mut self, text: impl Into<String>) {
        let t = text.into();
        tracing::warn!("{t}");
        self.lines.push(t);
    }

    /// All lines.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }
}

/// A write transaction held longer than this is logged: every other
/// delivery waits for it (docs/limits.md).
const LOCK_WARNING: std::time::Duration = std::time::Duration::from_millis(50);

/// Runs an agent in pipe mode.
pub fn main(kind: AgentKind, about: &'static str) -> ExitCode {
    let args = match parse_args(kind, about) {
        Ok(a) => a,
        Err(code) => return code,
    };
    if args.lmtp_listen.is_some() || args.smtp_listen.is_some() {
        return crate::listener::main(kind, &args);
    }
    let started = Instant::now();
    // The log settings come from the configuration; a configuration that
    // cannot be read is reported on standard error.
    let settings = setup::config(&args).map(|c| c.log.settings(false)).unwrap_or_else(|_| {
        imip_ops::log::Settings { capture: true, ..imip_ops::log::Settings::default() }
    });
    let logging = imip_ops::log::init(kind.program(), &settings);
    let mut log = RunLog::new(kind.program());
    if let Some(why) = &logging.fallback {
        log.warn(format!("log output not available, using standard error: {why}"));
    }
    let mut raw = Vec::new();
    let mut summary = Vec::new();
    let mut outcome = Outcome::Done;
    if let Err(e) = std::io::stdin().lock().read_to_end(&mut raw) {
        outcome = Outcome::Temporary(crate::error::InfraError::io("reading the message", e));
    } else {
        let result = crate::error::catch_panic("handling the message", || {
            outcome = run(kind, &args, &raw, &mut log, &mut summary, started)?;
            Ok(())
        });
        if let Err(e) = result {
            outcome = Outcome::from(e);
        }
    }
    let code = outcome.exit_code();
    let status = status_line(&outcome, &summary);
    match &outcome {
        Outcome::Done => {}
        Outcome::Usage(why) => log.warn(format!("usage: {why}")),
        Outcome::Config(e) => {
            log.warn(format!("configuration error, the mail system will retry: {e}"))
        }
        Outcome::MailboxRefused(why) => {
            log.warn(format!("the mailbox refused the message for good, bounce it: {why}"))
        }
        Outcome::Temporary(e) => {
            log.warn(format!("temporary failure, the mail system will retry: {e}"))
        }
    }
    // The outcome first: it is what the MTA's status text keeps.
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{status}");
    let _ = write!(err, "{}", logging.captured());
    ExitCode::from(code)
}

/// The first line on standard error: the outcome in a few words, then
/// what it was about (bounded: the MTA keeps about 100 characters of it
/// in its status text anyway).
pub fn status_line(outcome: &Outcome, summary: &[String]) -> String {
    let line = match outcome {
        Outcome::Done if summary.is_empty() => "done: nothing to act on".to_string(),
        Outcome::Done => summary.join("; "),
        Outcome::Usage(why) => format!("usage error, bounced: {why}"),
        Outcome::Config(e) => format!("deferred, configuration error: {e}"),
        Outcome::MailboxRefused(why) => format!("mailbox refused the copy, bounced: {why}"),
        Outcome::Temporary(e) => format!("deferred: {e}"),
    };
    let one_line = line.replace(['\r', '\n'], " ");
    match one_line.char_indices().nth(500) {
        Some((i, _)) => format!("{}…", &one_line[..i]),
        None => one_line,
    }
}

/// How a pipe-mode run ends, and the exit status the MTA reads
/// (docs/configuration.md, "Exit statuses").
#[derive(Debug)]
pub enum Outcome {
    /// Handled, or deliberately not acted on: 0.
    Done,
    /// The command line cannot work (an unreadable recipient): 64.
    Usage(String),
    /// The mailbox server refused the user's copy for good: 67.
    MailboxRefused(String),
    /// Store, disk, transport: 75.
    Temporary(InfraError),
    /// The configuration cannot work: 78.
    Config(InfraError),
}

impl From<InfraError> for Outcome {
    fn from(e: InfraError) -> Outcome {
        match e {
            InfraError::Config(_) => Outcome::Config(e),
            e => Outcome::Temporary(e),
        }
    }
}

impl Outcome {
    /// The exit status.
    pub fn exit_code(&self) -> u8 {
        match self {
            Outcome::Done => exit::OK,
            Outcome::Usage(_) => exit::USAGE,
            Outcome::MailboxRefused(_) => exit::NOUSER,
            Outcome::Temporary(_) => exit::TEMPFAIL,
            Outcome::Config(_) => exit::CONFIG,
        }
    }
}

/// Reads one `-o` value as an envelope address: `user@domain`, `<…>`, an
/// RFC 5321 quoted local part (`"john doe"@example.com`) or a `mailto:`
/// URI. A value without a domain is not an address.
pub fn recipient_address(value: &str) -> Option<CalAddress> {
    let a = CalAddress::from_email(value).or_else(|| CalAddress::parse(value))?;
    a.domain().filter(|d| !d.is_empty() && a.local_part().is_some_and(|l| !l.is_empty()))?;
    Some(a)
}

/// Recipients: the `-o` values (each must be an address), else — for the
/// agents that deliver nothing to a mailbox — the message's To and Cc. A
/// person agent delivers copies, so it needs the envelope recipients: it
/// never takes them from headers anyone can write.
fn recipients(
    kind: AgentKind,
    args: &AgentArgs,
    msg: &InboundMessage,
) -> Result<Vec<CalAddress>, Outcome> {
    if args.recipients.is_empty() {
        if kind == AgentKind::Person {
            return Err(Outcome::Usage(
                "no recipient: give the envelope recipient with -o (the MTA's ${recipient})".into(),
            ));
        }
        return Ok(msg.recipients.clone());
    }
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for r in &args.recipients {
        match recipient_address(r) {
            Some(a) if !out.contains(&a) => out.push(a),
            Some(_) => {}
            None => bad.push(format!("{r:?}")),
        }
    }
    if !bad.is_empty() {
        return Err(Outcome::Usage(format!(
            "-o {} is not an e-mail address (user@domain)",
            bad.join(", ")
        )));
    }
    Ok(out)
}

fn run(
    kind: AgentKind,
    args: &AgentArgs,
    raw: &[u8],
    log: &mut RunLog,
    summary: &mut Vec<String>,
    started: Instant,
) -> InfraResult<Outcome> {
    let rt = setup::runtime(args)?;
    setup::check_delivery(kind, &rt, args)?;
    let cfg = &rt.config;
    if let Some(j) = &args.journal
        && !j.is_empty()
        && *j != cfg.store.path
    {
        log.line(format!("journal {j}: quotas are kept in the main store {}", cfg.store.path));
    }
    let env = rt.env();
    let mut msg = InboundMessage::parse(raw, &rt.mail_limits());
    if let Some(s) = &args.envelope_sender {
        msg.set_envelope_sender(s);
    }
    for d in &msg.diagnostics {
        log.line(d.clone());
    }
    let items = extract_items_within(&msg, cfg.counter_as_request, cfg.limits.budget());
    let recipients = match recipients(kind, args, &msg) {
        Ok(r) => r,
        Err(o) => return Ok(o),
    };
    let key = message_key(raw);
    let mut store = rt.open_store()?;

    let mut outbox = Vec::new();
    // Per recipient: how much of its stored outbox went out before, and how
    // many entries it adds to `outbox`.
    let mut parts: Vec<(usize, usize)> = Vec::new();
    let mut methods = Vec::new();
    let mut republish: Vec<CalAddress> = Vec::new();
    if recipients.is_empty() {
        log.line("no recipient (-o) and none in the message headers: nothing to do");
    }
    for r in &recipients {
        crate::agent::prewarm::prewarm(kind, &env, store.as_mut(), &msg, &items, r)?;
        let locked = Instant::now();
        let mut tx = store.write()?;
        let h = handle_recipient(kind, &env, tx.as_mut(), raw, &msg, &items, r, &key)?;
        tx.commit()?;
        let held = locked.elapsed();
        if held > LOCK_WARNING {
            log.line(format!(
                "{r}: the store's write lock was held {} ms (other deliveries waited)",
                held.as_millis()
            ));
        }
        for n in &h.notes {
            log.line(format!("{r}: {n}"));
        }
        summary.extend(recipient_summary(kind, r, &h));
        methods.extend(h.methods);
        parts.push((h.already_sent, h.outbox.len()));
        outbox.extend(h.outbox);
        // A retry republishes too: the earlier attempt may have failed there.
        for u in h
            .freebusy_changed
            .iter()
            .filter_map(|u| CalAddress::parse(u))
            .chain(h.replayed.then(|| r.clone()))
        {
            if !republish.contains(&u) {
                republish.push(u);
            }
        }
    }
    for u in &republish {
        if crate::agent::publish::publish(&env, store.as_mut(), u)? {
            log.line(format!("{u}: published free/busy rewritten"));
        }
    }

    let sent = send_all(&rt, args, raw, &outbox, log);
    let outcome = match &sent {
        Ok(_) => Outcome::Done,
        Err(f) if f.mailbox_refused => Outcome::MailboxRefused(f.error.to_string()),
        Err(f) => Outcome::Temporary(InfraError::Transport(f.error.to_string())),
    };
    let status = i32::from(outcome.exit_code());
    let record = RunRecord {
        id: 0,
        started: env.clock.now().timestamp(),
        program: kind.program().to_string(),
        message_id: msg.message_id.clone().unwrap_or_default(),
        message_key: key.clone(),
        sender: msg.senders().first().map(ToString::to_string).unwrap_or_default(),
        recipients: recipients.iter().map(ToString::to_string).collect::<Vec<_>>().join(" "),
        methods: methods.join(" "),
        outcome: match &sent {
            Ok(n) => format!("done; {n} message(s) sent or delivered"),
            Err(f) if f.mailbox_refused => format!("mailbox refused the copy: {}", f.error),
            Err(f) => format!("temporary failure: {}", f.error),
        },
        exit_status: status,
        duration_us: i64::try_from(started.elapsed().as_micros()).unwrap_or(i64::MAX),
        log: log.lines().join("\n"),
    };
    let done = match &sent {
        Ok(_) => outbox.len(),
        Err(f) => f.done,
    };
    let lengths: Vec<usize> = parts.iter().map(|&(_, len)| len).collect();
    let progress: Vec<(String, usize)> = recipients
        .iter()
        .zip(parts.iter().zip(super::send::progress_per_part(&lengths, done)))
        .map(|(r, (&(before, _), now))| (r.to_string(), before + now))
        .collect();
    if let Err(e) =
        write_run(store.as_mut(), &record, &record.message_key, kind.program(), &progress)
    {
        log.line(format!("run record not written: {e}"));
    }
    Ok(outcome)
}

/// What the status line says about one recipient: a resource's decisions
/// as they are; for a person, the delivery of their copy first.
pub fn recipient_summary(
    kind: AgentKind,
    r: &CalAddress,
    h: &crate::agent::handle::Handled,
) -> Vec<String> {
    let who = r.email().unwrap_or(r.as_str());
    let mut out = Vec::new();
    if h.outbox.iter().any(|m| m.is_delivery()) {
        out.push(format!("delivered to {who}"));
    }
    match kind {
        AgentKind::Resource => out.extend(h.summary.iter().cloned()),
        _ if h.replayed => out.extend(h.summary.iter().cloned()),
        _ if !h.methods.is_empty() => {
            out.push(format!("{} recorded for {who}", h.methods.join(" ")))
        }
        _ => {}
    }
    if out.is_empty() {
        out.push(format!("nothing to act on for {who}"));
    }
    out
}

/// Writes the run record and, per recipient, how much of its outbox went out.
fn write_run(
    store: &mut dyn Store,
    record: &RunRecord,
    key: &str,
    agent: &str,
    progress: &[(String, usize)],
) -> InfraResult<()> {
    // Relaxed: losing this commit to a power cut costs at most one repeated
    // reply when the MTA delivers the message again (docs/store.md).
    let mut tx = store.write_relaxed()?;
    tx.add_run(record)?;
    for (r, count) in progress {
        tx.mark_sent(key, r, agent, *count)?;
    }
    tx.commit()
}

/// Sends and delivers; the first failure stops (the retry sends the rest).
fn send_all(
    rt: &crate::runtime::Runtime,
    args: &AgentArgs,
    raw: &[u8],
    outbox: &[crate::store::OutboxMessage],
    log: &mut RunLog,
) -> Result<usize, super::send::SendFailure> {
    let mut outgoing: Box<dyn Sender> = setup::outgoing_sender(rt, args);
    let mut delivery = setup::delivery_sender(rt, args);
    let env = rt.env();
    let make = |m: &crate::store::OutboxMessage| crate::agent::mailbox::materialise(&env, raw, m);
    super::send::send_outbox_of(
        outgoing.as_mut(),
        delivery.as_deref_mut(),
        outbox,
        Some(&make),
        &mut |l| log.line(l),
    )
}
