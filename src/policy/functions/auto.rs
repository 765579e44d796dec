//! `auto_schedule MODE [capacity]`: Apple CalendarServer's six
//! auto-schedule modes for a resource, as one function —
//! `none` (every request is left to a person), `accept-always` (accepted
//! whatever else is booked), `decline-always`, `accept-if-free` (accepted
//! when free, otherwise left to a person), `decline-if-busy` (declined when
//! busy, otherwise left to a person) and `automatic` (accepted when free,
//! declined when busy; for a recurring request the series is accepted and
//! only the conflicting occurrences are declined, unless all of them
//! conflict). "Left to a person" is [`Verdict::Hold`]: no answer goes to
//! the organiser, the request waits as NEEDS-ACTION for the owner
//! (`imip_admin approvals`, the web manager, or the owner's own calendar
//! client answering the approval request). Pure apart from the view.

use super::freebusy::{capacity, conflicting, conflicts_reason};
use super::{SchedulingFunction, misconfigured, no_period};
use crate::error::InfraResult;
use crate::i18n::{Reason, Text};
use crate::policy::{Booking, PolicyView, Step, Verdict};

pub(crate) struct AutoSchedule;

/// The six modes.
pub const MODES: &[&str] =
    &["none", "accept-always", "decline-always", "accept-if-free", "decline-if-busy", "automatic"];

fn held(detail: impl Into<String>) -> Step {
    Step::new(Verdict::Hold, Text::AwaitingApproval, detail)
}

impl SchedulingFunction for AutoSchedule {
    fn evaluate(
        &self,
        args: &[String],
        b: &mut Booking,
        view: &dyn PolicyView,
    ) -> InfraResult<Step> {
        let Some(mode) = args.first().map(|m| m.to_ascii_lowercase()) else {
            return Ok(misconfigured(format!("a mode is needed: one of {}", MODES.join(", "))));
        };
        let cap = match capacity(&args[1..]) {
            Ok(c) => c,
            Err(e) => return Ok(misconfigured(e)),
        };
        match mode.as_str() {
            "none" => return Ok(held("left to the owner (auto-schedule mode none)")),
            "accept-always" => {
                return Ok(Step::new(
                    Verdict::Accept,
                    Text::Scheduled,
                    "accepted whatever is booked",
                ));
            }
            "decline-always" => {
                return Ok(Step::new(Verdict::Decline, Text::Refused, "declines every request"));
            }
            "accept-if-free" | "decline-if-busy" | "automatic" => {}
            other => {
                return Ok(misconfigured(format!(
                    "{other:?} is not a mode: one of {}",
                    MODES.join(", ")
                )));
            }
        }
        if b.occurrences.is_empty() {
            return Ok(no_period());
        }
        let conflicts = conflicting(b, view, cap)?;
        let total = b.occurrences.len();
        let busy = || {
            Step::new(
                Verdict::Decline,
                Text::Unavailable,
                format!("{} of {total} occurrence(s) conflict (capacity {cap})", conflicts.len()),
            )
            .because(conflicts_reason(b, &conflicts))
        };
        Ok(match (mode.as_str(), conflicts.is_empty()) {
            ("accept-if-free" | "automatic", true) => {
                Step::new(Verdict::Accept, Text::Scheduled, format!("free (capacity {cap})"))
            }
            ("accept-if-free", false) => held(format!(
                "{} of {total} occurrence(s) conflict: left to the owner",
                conflicts.len()
            )),
            ("decline-if-busy", true) => held("free: left to the owner"),
            ("decline-if-busy", false) => busy(),
            // automatic, busy: per occurrence when some are free.
            _ if total == 1 || conflicts.len() == total => busy(),
            _ => {
                let rids = conflicts.rids.clone();
                Step::new(
                    Verdict::AcceptExcept(rids.clone()),
                    Text::SomeOccurrencesDeclined,
                    format!(
                        "{} of {total} occurrence(s) declined: {}",
                        rids.len(),
                        rids.join(", ")
                    ),
                )
                .because(Reason::OccurrencesDeclined { declined: rids.len(), total })
            }
        })
    }
}
