//! Resource scheduling policy (imip-agent 6): the `scheduling_function`
//! chain, evaluated over a [`Booking`] with read access to the store through
//! [`PolicyView`], returning a [`Decision`] and the [`Effect`]s that the
//! orchestration applies in the same transaction. Pure apart from the
//! injected view: no clock calls, no writes.
//!
//! Phases (imip-agent 6.1): imip-agent locks quota journals before the
//! chain and unlocks them after confirmation. Here the whole chain,
//! confirmation and the application of effects run inside the store's write
//! transaction (`BEGIN IMMEDIATE`), which gives the same exclusion for every
//! journal at once; `locking` and `unlocking` are therefore implicit.

pub mod booking;
pub mod functions;
pub mod identities;
pub mod parse;
pub mod permitted;
pub mod quota;

pub use booking::{Booking, Cancellation};
pub use parse::{FunctionCall, parse_functions};

use crate::address::CalAddress;
use crate::error::InfraResult;
use crate::freebusy::{BusyPeriod, FbSet};
use crate::i18n::{Reason, Text};

/// What one function (or the whole chain) decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Book it.
    Accept,
    /// Book the series except these occurrences (RECURRENCE-ID keys).
    AcceptExcept(Vec<String>),
    /// Refuse.
    Decline,
    /// Propose the (modified) booking instead.
    Counter,
    /// Pass it to another resource.
    Delegate(CalAddress),
    /// Hold it until the resource's owner decides.
    Tentative,
    /// Leave it to a person: no answer to the organiser, the request kept
    /// as NEEDS-ACTION (not booked) for the owner to decide (Apple
    /// CalendarServer's accept-if-free / decline-if-busy / none modes).
    Hold,
}

impl Verdict {
    /// The PARTSTAT or method word for logs and records.
    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Accept | Verdict::AcceptExcept(_) => "ACCEPTED",
            Verdict::Decline => "DECLINED",
            Verdict::Counter => "COUNTER",
            Verdict::Delegate(_) => "DELEGATED",
            Verdict::Tentative => "TENTATIVE",
            Verdict::Hold => "NEEDS-ACTION",
        }
    }
}

/// One function's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The verdict.
    pub verdict: Verdict,
    /// The explanation sent to the organiser.
    pub reason: Text,
    /// A detail for logs and decision records (English).
    pub detail: String,
    /// The specific reason, for the reply in the requester's language.
    pub because: Option<Reason>,
}

impl Step {
    /// A step.
    pub fn new(verdict: Verdict, reason: Text, detail: impl Into<String>) -> Step {
        Step { verdict, reason, detail: detail.into(), because: None }
    }

    /// The step with the specific reason the reply states.
    pub fn because(mut self, r: Reason) -> Step {
        self.because = Some(r);
        self
    }
}

/// A change to apply in the transaction (quota journals, collective records…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Add periods to a collection.
    AddBusy(FbSet, Vec<BusyPeriod>),
    /// Remove a UID's periods (one occurrence or all) from a collection.
    RemoveBusy(FbSet, String, Option<String>),
    /// Remove a UID's periods charged for one resource (the `attendee`
    /// column of quota journals), leaving other resources' entries.
    RemoveBusyOf(FbSet, String, String),
    /// Write a policy record.
    KvPut(String, String, String),
    /// Delete a policy record.
    KvDelete(String, String),
}

/// Read access to what policies consult.
pub trait PolicyView {
    /// Periods of a collection overlapping [start, end].
    fn busy(
        &self,
        set: &FbSet,
        start: chrono::DateTime<chrono::Utc>,
        end: chrono::DateTime<chrono::Utc>,
    ) -> InfraResult<Vec<BusyPeriod>>;
    /// All periods of a collection.
    fn busy_all(&self, set: &FbSet) -> InfraResult<Vec<BusyPeriod>>;
    /// A policy record.
    fn kv_get(&self, ns: &str, key: &str) -> InfraResult<Option<String>>;
    /// Policy records by prefix.
    fn kv_list(&self, ns: &str, prefix: &str) -> InfraResult<Vec<(String, String)>>;
    /// Another user's preference (delegates, pool members).
    fn pref_of(&self, user: &str, name: &str) -> InfraResult<Option<String>>;
    /// The contents of a policy file named in a function argument.
    fn read_policy_file(&self, path: &str) -> Option<String>;
}

/// The chain's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The final verdict.
    pub verdict: Verdict,
    /// The explanation of the last function evaluated.
    pub reason: Text,
    /// The function that decided (the last one evaluated).
    pub function: String,
    /// Details of every step, for the log and the decision record.
    pub trail: Vec<String>,
    /// The specific reason the reply states, if the deciding step gave one.
    pub because: Option<Reason>,
}

/// Evaluates the configured chain on a booking. The running response
/// starts as ACCEPTED; DECLINED or DELEGATED stop evaluation; COUNTER,
/// TENTATIVE and partial acceptance are kept while later functions accept.
/// An unknown function name declines with a misconfiguration reason (imip-agent
/// 0.3 skipped it silently).
pub fn evaluate(
    calls: &[FunctionCall],
    booking: &mut Booking,
    view: &dyn PolicyView,
) -> InfraResult<Decision> {
    // out_of_policy_approval applies to the whole chain: refusals by policy
    // limits become requests for approval for the organisers it names.
    let approval_on_refusal = calls.iter().any(|c| {
        c.name == "out_of_policy_approval" && functions::approval_applies(&c.args, booking)
    });
    let mut decision = Decision {
        verdict: Verdict::Accept,
        reason: Text::Scheduled,
        function: String::new(),
        trail: Vec::new(),
        because: None,
    };
    for call in calls {
        let Some(f) = functions::lookup(&call.name) else {
            decision.verdict = Verdict::Decline;
            decision.reason = Text::Misconfigured;
            decision.function = call.name.clone();
            decision.trail.push(format!(
                "{}: unknown scheduling function; declining (misconfiguration)",
                call.name
            ));
            return Ok(decision);
        };
        let mut step = f.evaluate(&call.args, booking, view)?;
        if approval_on_refusal && step.verdict == Verdict::Decline && f.is_policy_limit() {
            // Keeps the refusal's specific reason (`because`) for the reply.
            step.verdict = Verdict::Tentative;
            step.reason = Text::AwaitingApproval;
            step.detail = format!("{}; out of policy, so the owner decides", step.detail);
        }
        decision.trail.push(format!(
            "{}{}: {} ({})",
            call.name,
            fmt_args(&call.args),
            step.verdict.label(),
            step.detail
        ));
        decision.function = call.name.clone();
        decision.reason = step.reason;
        if step.verdict != Verdict::Accept && step.because.is_some() {
            decision.because = step.because.clone();
        }
        match step.verdict {
            Verdict::Decline | Verdict::Delegate(_) => {
                decision.verdict = step.verdict;
                decision.because = step.because;
                return Ok(decision);
            }
            Verdict::Accept => {
                // Keep an earlier COUNTER, TENTATIVE or partial acceptance, and its reason.
                match sticky_reason(&decision.verdict) {
                    Some(r) => decision.reason = r,
                    None => decision.because = None,
                }
            }
            Verdict::AcceptExcept(mut rids) => {
                decision.verdict = match std::mem::replace(&mut decision.verdict, Verdict::Accept) {
                    Verdict::AcceptExcept(mut prev) => {
                        prev.append(&mut rids);
                        prev.sort();
                        prev.dedup();
                        Verdict::AcceptExcept(prev)
                    }
                    Verdict::Accept => Verdict::AcceptExcept(rids),
                    other => other,
                }
            }
            Verdict::Counter => {
                if !matches!(decision.verdict, Verdict::Tentative | Verdict::Hold) {
                    decision.verdict = Verdict::Counter;
                }
            }
            Verdict::Tentative => {
                if decision.verdict != Verdict::Hold {
                    decision.verdict = Verdict::Tentative;
                }
            }
            // Left to a person: later functions may still decline, nothing
            // else answers for the owner.
            Verdict::Hold => decision.verdict = Verdict::Hold,
        }
    }
    if calls.is_empty() {
        decision.trail.push("no scheduling functions: accepting".into());
    }
    Ok(decision)
}

fn sticky_reason(v: &Verdict) -> Option<Text> {
    match v {
        Verdict::Counter => Some(Text::Suggested),
        Verdict::Tentative | Verdict::Hold => Some(Text::AwaitingApproval),
        Verdict::AcceptExcept(_) => Some(Text::SomeOccurrencesDeclined),
        _ => None,
    }
}

fn fmt_args(args: &[String]) -> String {
    if args.is_empty() { String::new() } else { format!(" {}", args.join(" ")) }
}

/// The effects of each distinct (function, arguments) pair of the chain,
/// once, so that a line listed twice does not charge or release a journal
/// twice. Unknown names have no effects.
fn effects_once(
    calls: &[FunctionCall],
    mut effects: impl FnMut(&dyn functions::SchedulingFunction, &[String]) -> InfraResult<Vec<Effect>>,
) -> InfraResult<Vec<Effect>> {
    let mut seen: Vec<&FunctionCall> = Vec::new();
    let mut out = Vec::new();
    for call in calls {
        if seen.contains(&call) {
            continue;
        }
        seen.push(call);
        if let Some(f) = functions::lookup(&call.name) {
            out.extend(effects(f, &call.args)?);
        }
    }
    Ok(out)
}

/// Confirmation effects after an acceptance: each distinct (function,
/// arguments) pair once.
pub fn confirm(
    calls: &[FunctionCall],
    booking: &Booking,
    view: &dyn PolicyView,
) -> InfraResult<Vec<Effect>> {
    effects_once(calls, |f, args| f.confirm(args, booking, view))
}

/// Retraction effects after a cancellation: each distinct (function,
/// arguments) pair once.
pub fn retract(
    calls: &[FunctionCall],
    c: &Cancellation,
    view: &dyn PolicyView,
) -> InfraResult<Vec<Effect>> {
    effects_once(calls, |f, args| f.retract(args, c, view))
}

#[cfg(test)]
mod tests;
