//! Storing a new state of one slot of an event (the master or an
//! occurrence), with what it supersedes (`series`). Shared by every side.
//! No I/O: reads through the view, returns operations.

use crate::error::InfraResult;
use crate::ical::{Instance, Method, Object};
use crate::itip::plan::Op;
use crate::itip::series::{MessageScope, superseded_occurrences};
use crate::itip::view::{Context, ScheduleView};
use crate::store::ObjectStatus;

/// Operations storing `obj` as the state of `instance`: for a master, the
/// stored occurrences it supersedes go (with their queue entries and
/// counter-proposals), except those the same message sends again.
#[allow(clippy::too_many_arguments)]
pub fn store_version(
    ctx: &Context<'_>,
    view: &dyn ScheduleView,
    scope: &MessageScope,
    method: &Method,
    uid: &str,
    instance: &Instance,
    obj: &Object,
    status: ObjectStatus,
) -> InfraResult<Vec<Op>> {
    let mut ops = vec![Op::Put {
        uid: uid.to_string(),
        instance: instance.clone(),
        status,
        object: obj.clone(),
    }];
    if instance.is_master() {
        let stored = view.occurrences(ctx.user, uid)?;
        let resent = scope.overrides(method, uid);
        for gone in superseded_occurrences(obj, status == ObjectStatus::Cancelled, &stored, &resent)
        {
            ops.push(Op::Delete { uid: uid.to_string(), instance: gone.clone() });
            ops.push(Op::Dequeue { uid: uid.to_string(), instance: gone.clone(), kind: None });
            ops.push(Op::DeleteCounters { uid: uid.to_string(), instance: gone, attendee: None });
        }
    }
    Ok(ops)
}
