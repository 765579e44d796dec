//! Where quota configuration lives in the store's policy records (one
//! place, used by the scheduling functions and by `imip_admin quota`):
//! limits per group or user, user-to-group mappings and delegates per
//! quota. No I/O beyond the [`PolicyView`] given.

use super::PolicyView;
use crate::address::CalAddress;
use crate::config::prefs::parse_duration;
use crate::error::InfraResult;
use chrono::Duration;

/// The record namespace.
pub const NS: &str = "quota";

/// Key of a limit.
pub fn limit_key(quota: &str, group: &str) -> String {
    format!("limit\u{1f}{quota}\u{1f}{group}")
}

/// Key of a user-to-group mapping.
pub fn group_key(quota: &str, user: &str) -> String {
    format!("group\u{1f}{quota}\u{1f}{user}")
}

/// Key of a delegate of a quota.
pub fn delegate_key(quota: &str, resource: &str) -> String {
    format!("delegate\u{1f}{quota}\u{1f}{resource}")
}

/// A quota limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Limit {
    /// `*`: no limit.
    Unlimited,
    /// At most this much booked time.
    Duration(Duration),
}

impl Limit {
    /// Parses `*` or an iCalendar duration.
    pub fn parse(s: &str) -> Option<Limit> {
        let s = s.trim();
        if s == "*" {
            return Some(Limit::Unlimited);
        }
        parse_duration(s).filter(|d| *d >= Duration::zero()).map(Limit::Duration)
    }
}

/// The group a user is charged to: their mapping, else the `*` mapping,
/// else the user themselves.
pub fn group_of(view: &dyn PolicyView, quota: &str, user: &CalAddress) -> InfraResult<String> {
    if let Some(g) = view.kv_get(NS, &group_key(quota, user.as_str()))? {
        return Ok(g);
    }
    if let Some(g) = view.kv_get(NS, &group_key(quota, "*"))? {
        return Ok(g);
    }
    Ok(user.to_string())
}

/// The limit for a group: its own, else the `*` default.
pub fn limit_of(view: &dyn PolicyView, quota: &str, group: &str) -> InfraResult<Option<Limit>> {
    let v = match view.kv_get(NS, &limit_key(quota, group))? {
        Some(v) => Some(v),
        None => view.kv_get(NS, &limit_key(quota, "*"))?,
    };
    Ok(v.and_then(|v| Limit::parse(&v)))
}

/// The delegates of a quota, sorted.
pub fn delegates(view: &dyn PolicyView, quota: &str) -> InfraResult<Vec<CalAddress>> {
    let prefix = format!("delegate\u{1f}{quota}\u{1f}");
    Ok(view
        .kv_list(NS, &prefix)?
        .into_iter()
        .filter_map(|(k, _)| k.strip_prefix(&prefix).and_then(CalAddress::parse))
        .collect())
}
