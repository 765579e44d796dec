//! The scheduling functions and their registry. Each function is a unit
//! struct implementing [`SchedulingFunction`]; [`lookup`] maps the names used
//! in the `scheduling_function` preference. Pure apart from the
//! [`PolicyView`](super::PolicyView).

mod access;
mod approval;
mod auto;
mod corrected;
pub mod delegate;
mod freebusy;
mod instances;
mod limits;
mod quota;

pub(crate) use approval::applies as approval_applies;

use super::{Booking, Cancellation, Effect, PolicyView, Step, Verdict};
use crate::error::InfraResult;
use crate::i18n::Text;

/// The refusal for a function line that cannot be used as configured (bad
/// arguments, unreadable policy data): the organiser is told the resource
/// is misconfigured, the detail says what is wrong.
pub(crate) fn misconfigured(detail: impl Into<String>) -> Step {
    Step::new(Verdict::Decline, Text::Misconfigured, detail)
}

/// The refusal for a request without any period to decide on.
pub(crate) fn no_period() -> Step {
    Step::new(Verdict::Decline, Text::InvalidRequest, "no period")
}

/// A scheduling function.
pub trait SchedulingFunction: Sync {
    /// Decides on a booking (and may modify it).
    fn evaluate(
        &self,
        args: &[String],
        booking: &mut Booking,
        view: &dyn PolicyView,
    ) -> InfraResult<Step>;
    /// Effects after the booking was accepted (or is held for approval).
    fn confirm(
        &self,
        _args: &[String],
        _booking: &Booking,
        _view: &dyn PolicyView,
    ) -> InfraResult<Vec<Effect>> {
        Ok(Vec::new())
    }
    /// Effects after a cancellation.
    fn retract(
        &self,
        _args: &[String],
        _c: &Cancellation,
        _view: &dyn PolicyView,
    ) -> InfraResult<Vec<Effect>> {
        Ok(Vec::new())
    }
    /// Whether its refusals are policy limits that `out_of_policy_approval`
    /// may turn into requests for approval (conflicts are not).
    fn is_policy_limit(&self) -> bool {
        false
    }
}

/// The function registered under a name.
pub fn lookup(name: &str) -> Option<&'static dyn SchedulingFunction> {
    Some(match name {
        "schedule_in_freebusy" => &freebusy::ScheduleInFreebusy,
        "schedule_corrected_in_freebusy" => &corrected::Corrected,
        "schedule_next_available_in_freebusy" => &corrected::NextAvailable,
        "access_control_list" => &access::AccessControlList,
        "same_domain_only" => &access::SameDomainOnly,
        "check_quota" => &quota::CheckQuota,
        "schedule_across_quota" => &quota::AcrossQuota,
        "schedule_for_delegate" => &delegate::ForDelegate,
        "schedule_in_pool" => &delegate::InPool,
        "internal_only" => &access::InternalOnly,
        "allow_list" => &access::AllowList,
        "deny_list" => &access::DenyList,
        "booking_window" => &limits::BookingWindow,
        "duration_limits" => &limits::DurationLimits,
        "working_hours" => &limits::WorkingHours,
        "no_recurrence" => &limits::NoRecurrence,
        "require_approval" => &approval::RequireApproval,
        "out_of_policy_approval" => &approval::OutOfPolicyApproval,
        "schedule_instances_in_freebusy" => &instances::Instances,
        "auto_schedule" => &auto::AutoSchedule,
        _ => return None,
    })
}

/// The names of all functions, for documentation and validation.
pub const NAMES: &[&str] = &[
    "schedule_in_freebusy",
    "schedule_corrected_in_freebusy",
    "schedule_next_available_in_freebusy",
    "access_control_list",
    "same_domain_only",
    "check_quota",
    "schedule_across_quota",
    "schedule_for_delegate",
    "schedule_in_pool",
    "internal_only",
    "allow_list",
    "deny_list",
    "booking_window",
    "duration_limits",
    "working_hours",
    "no_recurrence",
    "require_approval",
    "out_of_policy_approval",
    "schedule_instances_in_freebusy",
    "auto_schedule",
];
