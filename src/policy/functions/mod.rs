//! The scheduling functions and their registry. Each function is a unit
//! struct implementing [`SchedulingFunction`]; [`lookup`] maps the names used
//! in the `scheduling_function` preference. Pure apart from the
//! [`PolicyView`](super::PolicyView).

mod freebusy;

use super::{Booking, Cancellation, Effect, PolicyView, Step};
use crate::error::InfraResult;

/// A scheduling function.
pub trait SchedulingFunction: Sync {
    /// Decides on a booking (and may modify it).
    fn evaluate(
        &self,
        args: &[String],
        booking: &mut Booking,
        view: &dyn PolicyView,
    ) -> InfraResult<Step>;
    /// Effects after the booking was accepted.
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
}

/// The function registered under a name.
pub fn lookup(name: &str) -> Option<&'static dyn SchedulingFunction> {
    Some(match name {
        "schedule_in_freebusy" => &freebusy::ScheduleInFreebusy,
        _ => return None,
    })
}

/// The names of all functions, for documentation and validation.
pub const NAMES: &[&str] = &["schedule_in_freebusy"];
