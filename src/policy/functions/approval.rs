//! Manual approval (after Exchange's "request in policy" and "request out
//! of policy"): `require_approval [identities…]` holds bookings (for
//! everybody, or for the organisers listed) and replies TENTATIVE until the
//! resource's owner decides; `out_of_policy_approval [identities…]` turns
//! refusals by policy limits (booking window, duration, working hours,
//! access, quota) into requests for approval instead. Conflicts are never
//! turned into approvals.

use super::SchedulingFunction;
use crate::error::InfraResult;
use crate::i18n::Text;
use crate::policy::identities::matches_any;
use crate::policy::{Booking, PolicyView, Step, Verdict};

pub(crate) struct RequireApproval;
pub(crate) struct OutOfPolicyApproval;

/// Whether a function line applies to this organiser (no identities: everybody).
pub(crate) fn applies(args: &[String], b: &Booking) -> bool {
    args.is_empty() || matches_any(args, &b.organizer)
}

impl SchedulingFunction for RequireApproval {
    fn evaluate(
        &self,
        args: &[String],
        b: &mut Booking,
        _view: &dyn PolicyView,
    ) -> InfraResult<Step> {
        Ok(if applies(args, b) {
            Step::new(Verdict::Tentative, Text::AwaitingApproval, "needs the owner's approval")
        } else {
            Step::new(Verdict::Accept, Text::Scheduled, "no approval needed for this organiser")
        })
    }
}

impl SchedulingFunction for OutOfPolicyApproval {
    fn evaluate(
        &self,
        _args: &[String],
        _b: &mut Booking,
        _view: &dyn PolicyView,
    ) -> InfraResult<Step> {
        // Its effect is on the chain (see policy::evaluate).
        Ok(Step::new(Verdict::Accept, Text::Scheduled, "out-of-policy requests go to the owner"))
    }
}
