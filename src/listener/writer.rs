//! The writer thread: the only owner of the store in listener mode. It
//! takes every message waiting in its queue, processes each recipient
//! inside one shared transaction (a savepoint per recipient, so a failure
//! undoes only that recipient), and commits once for the whole batch — group
//! commit: one durable write for many messages. Only then does it answer
//! the connections. Run records and "sent" marks are not worth a sync of
//! their own: they wait in [`Records`] and ride along with the next batch
//! (or a flush about once a second when the listener is idle). Performs I/O
//! on the store.

use super::prepare::Prepared;
use crate::address::CalAddress;
use crate::agent::handle::{Handled, handle_recipient};
use crate::agent::{AgentKind, Env};
use crate::error::{InfraError, InfraResult};
use crate::runtime::Runtime;
use crate::store::{RunRecord, Store, StoreTx};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};
use tracing::{error, info, warn};

/// Run records kept for a later commit at most; beyond this the oldest are
/// dropped (they are logs, not mail).
const MAX_PENDING_RECORDS: usize = 10_000;

/// What one recipient's processing came to.
#[derive(Debug)]
pub enum Processed {
    /// Committed; the outbox is to be sent.
    Done(Handled),
    /// Not committed; the client should retry (LMTP 451).
    TempFail(String),
    /// Never will be (the recipient is not an address; LMTP 550).
    Refused(String),
}

/// Work for the writer.
#[derive(Debug)]
pub enum Job {
    /// Process a message for its recipients and answer on the channel.
    Process(Arc<Prepared>, oneshot::Sender<Vec<Processed>>),
    /// Commit the waiting run records now.
    Flush,
}

/// Run records waiting for a commit, shared by the connections (which add)
/// and the writer (which takes them all at each batch).
#[derive(Debug, Default, Clone)]
pub struct Records(Arc<Mutex<Vec<Record>>>);

impl Records {
    /// Queues a record; beyond [`MAX_PENDING_RECORDS`] the oldest are
    /// dropped (they are logs, not mail) and `false` is returned.
    pub fn push(&self, r: Record) -> bool {
        let Ok(mut v) = self.0.lock() else { return false };
        v.push(r);
        if v.len() > MAX_PENDING_RECORDS {
            let excess = v.len() - MAX_PENDING_RECORDS;
            v.drain(..excess);
            return false;
        }
        true
    }

    /// Whether any wait.
    pub fn is_empty(&self) -> bool {
        self.0.lock().map(|v| v.is_empty()).unwrap_or(true)
    }

    fn take(&self) -> Vec<Record> {
        self.0.lock().map(|mut v| std::mem::take(&mut *v)).unwrap_or_default()
    }

    /// Puts back records whose commit failed, ahead of newer ones.
    fn restore(&self, mut older: Vec<Record>) {
        if let Ok(mut v) = self.0.lock() {
            older.append(&mut v);
            *v = older;
        }
    }
}

/// The bookkeeping after a message was answered.
#[derive(Debug)]
pub struct Record {
    /// The run record.
    pub run: RunRecord,
    /// Recipients (as stored in the markers) with how many messages of
    /// their outbox went out.
    pub sent_for: Vec<(String, usize)>,
}

/// The writer's fixed inputs.
pub struct WriterSetup {
    /// Which agent.
    pub kind: AgentKind,
    /// What the program runs with.
    pub runtime: Arc<Runtime>,
    /// Run records to commit with the next batch.
    pub records: Records,
    /// Told after each commit, so that the store's maintenance (SQLite's
    /// log checkpoint) runs meanwhile.
    pub checkpoint: Option<crate::store::Nudge>,
    /// Health and counters.
    pub metrics: Arc<super::metrics::ListenerMetrics>,
}

/// Starts the writer thread; it ends when every sender of `jobs` is gone
/// and the queue is empty.
pub fn spawn(
    setup: WriterSetup,
    jobs: mpsc::Receiver<Job>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new().name("imip-writer".into()).spawn(move || run(setup, jobs))
}

fn run(setup: WriterSetup, mut jobs: mpsc::Receiver<Job>) {
    let env = setup.runtime.env();
    let mut store: Option<Box<dyn Store + Send>> = None;
    let (mut commits, mut messages) = (0u64, 0u64);
    while let Some(first) = jobs.blocking_recv() {
        // Everything that queued up during the previous commit goes into
        // this one: the busier the listener, the bigger the batches.
        let mut work = Vec::new();
        let mut next = Some(first);
        while let Some(job) = next.take() {
            if let Job::Process(p, reply) = job {
                work.push((p, reply));
            }
            if work.len() < env.config.listener.max_batch {
                next = jobs.try_recv().ok();
            }
        }
        let records = setup.records.take();
        if work.is_empty() && records.is_empty() {
            continue;
        }
        let results = commit_batch(setup.kind, &env, &mut store, &work, &records);
        match results {
            Ok(mut per_message) => {
                if let Some(s) = store.as_mut() {
                    republish(&env, s.as_mut(), &work, &mut per_message);
                }
                commits += 1;
                setup.metrics.committed();
                if let Some(c) = &setup.checkpoint {
                    c.nudge();
                }
                messages += work.len() as u64;
                for ((_, reply), outcome) in work.into_iter().zip(per_message) {
                    let _ = reply.send(outcome);
                }
            }
            Err(e) => {
                // Reopen next time: the file may have been replaced or repaired.
                store = None;
                setup.metrics.store_failed(&e.to_string());
                error!("store unavailable, {} message(s) deferred: {e}", work.len());
                for (p, reply) in work {
                    let _ = reply.send(
                        p.recipients
                            .iter()
                            .map(|_| Processed::TempFail(format!("4.3.0 store unavailable: {e}")))
                            .collect(),
                    );
                }
                setup.records.restore(records);
            }
        }
    }
    let records = setup.records.take();
    if !records.is_empty()
        && let Err(e) = commit_batch(setup.kind, &env, &mut store, &[], &records)
    {
        error!("{} run record(s) not written: {e}", records.len());
    }
    info!("writer done: {messages} message(s) in {commits} commit(s)");
}

type Work = (Arc<Prepared>, oneshot::Sender<Vec<Processed>>);

/// Processes a batch in one transaction. An error means nothing of the
/// batch was committed.
fn commit_batch(
    kind: AgentKind,
    env: &Env<'_>,
    store: &mut Option<Box<dyn Store + Send>>,
    work: &[Work],
    records: &[Record],
) -> InfraResult<Vec<Vec<Processed>>> {
    if store.is_none() {
        *store = Some(crate::store::open(&env.config.store)?);
    }
    let Some(s) = store.as_mut() else { return Err(InfraError::Store("not open".into())) };
    // The batch's expansions before the lock (agent::prewarm).
    for (p, _) in work {
        for addr in p.recipients.iter().flatten() {
            crate::agent::prewarm::prewarm(kind, env, s.as_mut(), &p.msg, &p.items, addr)?;
        }
    }
    let mut tx = s.write()?;
    for r in records {
        in_savepoint(tx.as_mut(), |tx| {
            tx.add_run(&r.run)?;
            for (rcpt, count) in &r.sent_for {
                tx.mark_sent(&r.run.message_key, rcpt, &r.run.program, *count)?;
            }
            Ok(())
        })?
        .unwrap_or_else(|e| warn!("run record not written: {e}"));
    }
    let mut out = Vec::with_capacity(work.len());
    for (p, _) in work {
        let mut per = Vec::with_capacity(p.recipients.len());
        for (rcpt, addr) in p.rcpt.iter().zip(&p.recipients) {
            let Some(addr) = addr else {
                per.push(Processed::Refused(format!(
                    "5.1.3 {rcpt} is not a usable calendar address"
                )));
                continue;
            };
            let handled = in_savepoint(tx.as_mut(), |tx| {
                crate::error::catch_panic("handling the message", || {
                    handle_recipient(kind, env, tx, &p.raw, &p.msg, &p.items, addr, &p.key)
                })
            })?;
            per.push(match handled {
                Ok(h) => Processed::Done(h),
                Err(e) => Processed::TempFail(format!("4.3.0 {e}")),
            });
        }
        out.push(per);
    }
    tx.commit()?;
    Ok(out)
}

/// Rewrites the published free/busy of users whose own free/busy changed
/// (or may have, for a retried message), once per user per batch, after
/// the commit as the pipe runner does. A recipient whose publication failed
/// is answered 451, so that the retry publishes again.
fn republish(
    env: &Env<'_>,
    store: &mut dyn Store,
    work: &[Work],
    per_message: &mut [Vec<Processed>],
) {
    let mut users: Vec<(CalAddress, Option<String>)> = Vec::new();
    for ((p, _), per) in work.iter().zip(per_message.iter()) {
        for (addr, pr) in p.recipients.iter().zip(per) {
            let Processed::Done(h) = pr else { continue };
            let replayed = h.replayed.then(|| addr.clone()).flatten();
            for u in h.freebusy_changed.iter().filter_map(|u| CalAddress::parse(u)).chain(replayed)
            {
                if !users.iter().any(|(x, _)| *x == u) {
                    users.push((u, None));
                }
            }
        }
    }
    for (u, failure) in &mut users {
        if let Err(e) = crate::agent::publish::publish(env, store, u) {
            *failure = Some(e.to_string());
        }
    }
    for ((p, _), per) in work.iter().zip(per_message.iter_mut()) {
        for (addr, pr) in p.recipients.iter().zip(per.iter_mut()) {
            let Processed::Done(h) = pr else { continue };
            let mine = |u: &CalAddress| {
                h.freebusy_changed.iter().any(|c| CalAddress::parse(c).as_ref() == Some(u))
                    || (h.replayed && addr.as_ref() == Some(u))
            };
            if let Some((_, Some(e))) = users.iter().find(|(u, f)| f.is_some() && mine(u)) {
                *pr = Processed::TempFail(format!("4.3.0 {e}"));
            }
        }
    }
}

/// Runs `f` inside a savepoint. The outer error is for the transaction as a
/// whole (the savepoint itself failed: give up the batch); the inner one is
/// `f`'s, whose changes were undone.
fn in_savepoint<T>(
    tx: &mut dyn StoreTx,
    f: impl FnOnce(&mut dyn StoreTx) -> InfraResult<T>,
) -> InfraResult<InfraResult<T>> {
    tx.savepoint()?;
    match f(tx) {
        Ok(v) => {
            tx.release_savepoint()?;
            Ok(Ok(v))
        }
        Err(e) => {
            tx.rollback_savepoint()?;
            Ok(Err(e))
        }
    }
}
