//! One received message from envelope to per-recipient answers: parse it on
//! the worker pool, have the writer process and commit it, send what the
//! commit put in the outbox, answer, and queue the run record. A recipient
//! is answered 250 only when its effects are committed and its messages
//! sent; any failure before that is 451 so that the MTA keeps the message.
//! Performs I/O through the writer and the transports.

use super::prepare::prepare;
use super::send::send;
use super::writer::{Job, Processed, Record, Records};
use crate::agent::AgentKind;
use crate::cli::args::AgentArgs;
use crate::mail::Arrival;
use crate::runtime::Runtime;
use crate::store::RunRecord;
use lmtp::{DeliveryOutcome, Envelope};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::{mpsc, oneshot};
use tracing::{info, warn};

/// Messages up to this size are parsed on the connection's own task.
const INLINE_PARSE_LIMIT: usize = 64 * 1024;

/// What every connection shares.
pub struct Pipeline {
    /// Which agent.
    pub kind: AgentKind,
    /// What the program runs with (configuration, clock, transports).
    pub runtime: Arc<Runtime>,
    /// The flags (transports).
    pub args: Arc<AgentArgs>,
    /// The writer's queue.
    pub jobs: mpsc::Sender<Job>,
    /// Run records waiting for the writer's next batch.
    pub records: Records,
    /// Health and counters.
    pub metrics: Arc<super::metrics::ListenerMetrics>,
}

/// One recipient's answer, with the log lines about it.
struct Answer {
    outcome: DeliveryOutcome,
    /// How many messages of the recipient's stored outbox went out so far.
    sent_count: usize,
    methods: Vec<String>,
    /// The outcome in a few words (as pipe mode's status line).
    summary: Vec<String>,
    /// A resource's decisions.
    decisions: Vec<String>,
}

impl Pipeline {
    /// Processes a message received by way of `arrival`; one outcome per
    /// envelope recipient.
    pub async fn deliver(&self, envelope: Envelope, arrival: Arrival) -> Vec<DeliveryOutcome> {
        let received_at = Instant::now();
        let n = envelope.recipients.len();
        let tempfail = |why: &str| vec![DeliveryOutcome::TempFail(format!("4.3.0 {why}")); n];
        let rt = self.runtime.clone();
        let Envelope { mail_from, recipients, data } = envelope;
        // A typical invitation takes well under a millisecond to parse: do
        // it here rather than pay two thread hand-offs; a big message goes
        // to the worker pool so that it cannot hold up other connections.
        let prepared = if data.len() <= INLINE_PARSE_LIMIT {
            prepare(&rt.config, arrival, mail_from, recipients, data, received_at)
        } else {
            match tokio::task::spawn_blocking(move || {
                prepare(&rt.config, arrival, mail_from, recipients, data, received_at)
            })
            .await
            {
                Ok(p) => p,
                Err(_) => return tempfail("internal error while reading the message"),
            }
        };
        let prepared = Arc::new(prepared);
        let (reply, answer) = oneshot::channel();
        if self.jobs.send(Job::Process(prepared.clone(), reply)).await.is_err() {
            return tempfail("shutting down");
        }
        let Ok(processed) = answer.await else {
            return tempfail("internal error while processing");
        };

        let (rt, args, p) = (self.runtime.clone(), self.args.clone(), prepared.clone());
        let kind = self.kind;
        let sending = tokio::task::spawn_blocking(move || {
            let mut log = Vec::new();
            let answers: Vec<Answer> = p
                .rcpt
                .iter()
                .zip(&p.recipients)
                .zip(processed)
                .map(|((rcpt, addr), pr)| {
                    answer_for(&rt, &args, kind, &p.raw, rcpt, addr, pr, &mut log)
                })
                .collect();
            (answers, log)
        });
        let Ok((answers, log)) = sending.await else {
            return tempfail("internal error while sending");
        };
        self.record(&prepared, &answers, log);
        answers.into_iter().map(|a| a.outcome).collect()
    }

    /// Logs the message, counts it and queues its run record.
    fn record(&self, p: &super::prepare::Prepared, answers: &[Answer], log: Vec<String>) {
        let program = self.kind.program();
        let m = &self.metrics;
        m.latency(p.received_at.elapsed());
        for a in answers {
            let (outcome, line) = match &a.outcome {
                DeliveryOutcome::Delivered => ("delivered", a.summary.join("; ")),
                DeliveryOutcome::TempFail(e) => ("deferred", format!("deferred: {e}")),
                DeliveryOutcome::PermFail(e) => ("refused", format!("refused: {e}")),
            };
            m.recipient(outcome);
            for d in &a.decisions {
                m.decision(d);
            }
            // The outcome first, as in pipe mode; the details below.
            if matches!(a.outcome, DeliveryOutcome::Delivered) {
                info!("{line}");
            } else {
                warn!("{line}");
            }
        }
        for line in &log {
            info!("{line}");
        }
        let failed = answers.iter().any(|a| !matches!(a.outcome, DeliveryOutcome::Delivered));
        let outcome: Vec<String> = p
            .rcpt
            .iter()
            .zip(answers)
            .map(|(r, a)| format!("{r}: {}", describe(&a.outcome)))
            .collect();
        let run = RunRecord {
            id: 0,
            started: self.runtime.clock.now().timestamp(),
            program: program.to_string(),
            message_id: p.msg.message_id.clone().unwrap_or_default(),
            message_key: p.key.clone(),
            sender: if p.mail_from.is_empty() {
                p.msg.senders().first().map(ToString::to_string).unwrap_or_default()
            } else {
                p.mail_from.clone()
            },
            // As pipe mode records them (mailto: URIs), so that `imip_admin
            // runs --recipient` finds both.
            recipients: p
                .rcpt
                .iter()
                .zip(&p.recipients)
                .map(|(r, a)| a.as_ref().map(ToString::to_string).unwrap_or_else(|| r.clone()))
                .collect::<Vec<_>>()
                .join(" "),
            methods: answers
                .iter()
                .flat_map(|a| a.methods.iter().cloned())
                .collect::<Vec<_>>()
                .join(" "),
            outcome: format!("listener: {}", outcome.join("; ")),
            exit_status: if failed { i32::from(crate::cli::exit::TEMPFAIL) } else { 0 },
            duration_us: i64::try_from(p.received_at.elapsed().as_micros()).unwrap_or(i64::MAX),
            log: log.join("\n"),
        };
        let sent_for = p
            .recipients
            .iter()
            .zip(answers)
            .filter_map(|(r, a)| r.as_ref().map(|r| (r.to_string(), a.sent_count)))
            .collect();
        // Not awaited by the client: losing a record in a crash costs a log
        // entry, and losing a "sent" mark only a duplicate reply should the
        // same message arrive again.
        if !self.records.push(Record { run, sent_for }) {
            warn!("run records are piling up (is the store available?); the oldest were dropped");
        }
    }
}

/// Sends a committed recipient's outbox and decides its answer.
#[allow(clippy::too_many_arguments)]
fn answer_for(
    rt: &Runtime,
    args: &AgentArgs,
    kind: AgentKind,
    raw: &[u8],
    rcpt: &str,
    addr: &Option<crate::address::CalAddress>,
    processed: Processed,
    log: &mut Vec<String>,
) -> Answer {
    let none = |outcome| Answer {
        outcome,
        sent_count: 0,
        methods: Vec::new(),
        summary: Vec::new(),
        decisions: Vec::new(),
    };
    match processed {
        Processed::Done(h) => {
            for n in &h.notes {
                log.push(format!("{rcpt}: {n}"));
            }
            let mut note = |l: String| log.push(format!("{rcpt}: {l}"));
            let summary = match addr {
                Some(a) => crate::cli::run::recipient_summary(kind, a, &h),
                None => Vec::new(),
            };
            match send(rt, args, raw, &h.outbox, &mut note) {
                Ok(_) => Answer {
                    outcome: DeliveryOutcome::Delivered,
                    sent_count: h.already_sent + h.outbox.len(),
                    methods: h.methods,
                    summary,
                    decisions: h.decisions,
                },
                Err((done, e, true)) => {
                    // The mailbox server refused the user's copy for good
                    // ("user unknown"): pass the refusal on, so that the MTA
                    // bounces instead of retrying for days.
                    log.push(format!("{rcpt}: the mailbox refused the copy for good: {e}"));
                    Answer {
                        outcome: DeliveryOutcome::PermFail(format!("5.1.1 {e}")),
                        sent_count: h.already_sent + done,
                        methods: h.methods,
                        summary,
                        decisions: h.decisions,
                    }
                }
                Err((done, e, false)) => {
                    log.push(format!("{rcpt}: temporary failure, the mail system will retry: {e}"));
                    Answer {
                        outcome: DeliveryOutcome::TempFail(format!("4.3.0 {e}")),
                        sent_count: h.already_sent + done,
                        methods: h.methods,
                        summary,
                        decisions: h.decisions,
                    }
                }
            }
        }
        Processed::TempFail(e) => {
            log.push(format!("{rcpt}: temporary failure, the mail system will retry: {e}"));
            none(DeliveryOutcome::TempFail(e))
        }
        Processed::Refused(e) => {
            log.push(format!("{rcpt}: refused: {e}"));
            none(DeliveryOutcome::PermFail(e))
        }
    }
}

fn describe(o: &DeliveryOutcome) -> String {
    match o {
        DeliveryOutcome::Delivered => "done".into(),
        DeliveryOutcome::TempFail(e) => format!("deferred ({e})"),
        DeliveryOutcome::PermFail(e) => format!("refused ({e})"),
    }
}
