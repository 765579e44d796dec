//! `imip_admin quota`, `pool` and `approvals`: the policy state that
//! imip-agent kept in hand-edited journal files (limits, groups, delegates),
//! resource pools, the expiry job of `update_quotas`, and manual approval
//! of held bookings. Performs I/O (the store; sending final answers).

use super::output::render;
use crate::address::CalAddress;
use crate::agent::view::TxView;
use crate::agent::{Env, actions};
use crate::error::InfraError;
use crate::freebusy::FbSet;
use crate::itip::engine::approval;
use crate::policy::functions::delegate::{POOL_NS, member_key};
use crate::policy::quota::{Limit, NS, delegate_key, group_key, limit_key};
use crate::store::{Store, StoreTx};
use chrono::{DateTime, Duration, Utc};
use clap::Subcommand;
use serde::Serialize;
use std::path::PathBuf;

/// `quota …`
#[derive(Debug, Subcommand)]
pub enum QuotaCmd {
    /// Set the limit of a group or user in a quota (an iCalendar duration such as PT10H, or * for unlimited; group * is the default).
    SetLimit { quota: String, group: String, limit: String },
    /// Remove a limit.
    UnsetLimit { quota: String, group: String },
    /// Charge a user (or * for everybody unmapped) to a group.
    Map { quota: String, user: String, group: String },
    /// Remove a user's mapping.
    Unmap { quota: String, user: String },
    /// Add a resource to the quota's delegates (for schedule_for_delegate).
    AddDelegate { quota: String, resource: String },
    /// Remove a delegate.
    RemoveDelegate { quota: String, resource: String },
    /// Show limits, mappings, delegates and what each group has used.
    Show { quota: String },
    /// Remove reservations (and collective records) that ended before a
    /// time (default: now), replenishing quotas, and purge expired offers.
    Expire {
        /// YYYYMMDDTHHMMSSZ or RFC 3339.
        #[arg(long)]
        before: Option<String>,
    },
}

/// `pool …`
#[derive(Debug, Subcommand)]
pub enum PoolCmd {
    /// Make an address stand for interchangeable resources.
    Create {
        /// The pool's address.
        pool: String,
        /// Members (repeat).
        #[arg(long = "member", required = true)]
        members: Vec<String>,
        /// available (first free member) or most-available.
        #[arg(long, default_value = "available")]
        policy: String,
    },
    /// Add a member.
    Add { pool: String, member: String },
    /// Remove a member.
    Remove { pool: String, member: String },
    /// List members and policy.
    Show { pool: String },
}

/// `approvals …`
#[derive(Debug, Subcommand)]
pub enum ApprovalsCmd {
    /// List bookings waiting for approval.
    List { resource: String },
    /// Approve a held booking (by UID or approval token) and tell the organiser.
    Approve {
        resource: String,
        uid: String,
        /// Print the answer instead of sending it.
        #[arg(short = 'd', long)]
        debug: bool,
        /// Write the answer into this directory instead of sending it.
        #[arg(long)]
        outbox: Option<PathBuf>,
    },
    /// Decline a held booking and tell the organiser.
    Decline {
        resource: String,
        uid: String,
        /// Print the answer instead of sending it.
        #[arg(short = 'd', long)]
        debug: bool,
        /// Write the answer into this directory instead of sending it.
        #[arg(long)]
        outbox: Option<PathBuf>,
    },
}

fn addr(s: &str) -> Result<String, InfraError> {
    CalAddress::parse(s)
        .map(|a| a.to_string())
        .ok_or_else(|| InfraError::Config(format!("{s:?} is not an address")))
}

fn who(s: &str) -> Result<String, InfraError> {
    if s == "*" { Ok(s.into()) } else { addr(s).or_else(|_| Ok(s.to_string())) }
}

/// Runs a quota command.
pub fn quota(
    env: &Env<'_>,
    store: &mut dyn Store,
    cmd: &QuotaCmd,
    json: bool,
) -> Result<String, InfraError> {
    let mut tx = store.write()?;
    let out = match cmd {
        QuotaCmd::SetLimit { quota, group, limit } => {
            if Limit::parse(limit).is_none() {
                return Err(InfraError::Config(format!(
                    "{limit:?} is neither * nor an iCalendar duration"
                )));
            }
            tx.kv_put(NS, &limit_key(quota, &who(group)?), limit)?;
            String::new()
        }
        QuotaCmd::UnsetLimit { quota, group } => {
            tx.kv_delete(NS, &limit_key(quota, &who(group)?))?;
            String::new()
        }
        QuotaCmd::Map { quota, user, group } => {
            tx.kv_put(NS, &group_key(quota, &who(user)?), &who(group)?)?;
            String::new()
        }
        QuotaCmd::Unmap { quota, user } => {
            tx.kv_delete(NS, &group_key(quota, &who(user)?))?;
            String::new()
        }
        QuotaCmd::AddDelegate { quota, resource } => {
            let r = addr(resource)?;
            tx.ensure_user(&r, "resource", env.clock.now())?;
            tx.kv_put(NS, &delegate_key(quota, &r), "")?;
            String::new()
        }
        QuotaCmd::RemoveDelegate { quota, resource } => {
            tx.kv_delete(NS, &delegate_key(quota, &addr(resource)?))?;
            String::new()
        }
        QuotaCmd::Show { quota } => show(tx.as_ref(), quota, json)?,
        QuotaCmd::Expire { before } => {
            let t = match before {
                Some(b) => crate::clock::parse_instant(b)
                    .ok_or_else(|| InfraError::Config(format!("{b:?} is not a time")))?,
                None => env.clock.now(),
            };
            let j = tx.expire_busy("journal", t)?;
            let c = tx.expire_busy("collective", t)?;
            let mut offers = 0;
            for (owner, _) in tx.sets_of_kind("offer")? {
                offers += tx.purge_expired(&FbSet::Offers(owner), env.clock.now())?;
            }
            format!(
                "{j} reservation(s) and {c} collective record(s) before {} removed; {offers} expired offer(s) purged\n",
                crate::ical::datetime::format_utc(&t)
            )
        }
    };
    tx.commit()?;
    Ok(out)
}

fn show(tx: &dyn StoreTx, quota: &str, json: bool) -> Result<String, InfraError> {
    #[derive(Serialize)]
    struct Row {
        kind: &'static str,
        name: String,
        value: String,
    }
    let mut rows = Vec::new();
    for (k, v) in tx.kv_list(NS, "")? {
        let parts: Vec<&str> = k.split('\u{1f}').collect();
        if parts.len() != 3 || parts[1] != quota {
            continue;
        }
        let kind = match parts[0] {
            "limit" => "limit",
            "group" => "group",
            "delegate" => "delegate",
            _ => continue,
        };
        rows.push(Row { kind, name: parts[2].to_string(), value: v });
    }
    for (owner, group) in tx.sets_of_kind("journal")? {
        if owner != quota {
            continue;
        }
        let used = tx
            .busy_all(&FbSet::Journal { quota: owner.clone(), group: group.clone() })?
            .iter()
            .fold(Duration::zero(), |a, p| a + (p.end - p.start));
        rows.push(Row { kind: "used", name: group, value: format!("PT{}M", used.num_minutes()) });
    }
    Ok(render(json, &rows, |r| format!("{}\t{}\t{}", r.kind, r.name, r.value)))
}

/// Runs a pool command.
pub fn pool(
    env: &Env<'_>,
    store: &mut dyn Store,
    cmd: &PoolCmd,
    json: bool,
) -> Result<String, InfraError> {
    let mut tx = store.write()?;
    let out = match cmd {
        PoolCmd::Create { pool, members, policy } => {
            if !matches!(policy.as_str(), "available" | "most-available") {
                return Err(InfraError::Config(
                    "policy must be available or most-available".into(),
                ));
            }
            let p = addr(pool)?;
            tx.ensure_user(&p, "resource", env.clock.now())?;
            tx.set_pref(&p, "scheduling_function", &format!("schedule_in_pool {policy}"))?;
            for m in members {
                let m = addr(m)?;
                tx.ensure_user(&m, "resource", env.clock.now())?;
                tx.kv_put(POOL_NS, &member_key(&p, &m), "")?;
            }
            format!("{p}: pool of {} member(s), {policy}\n", members.len())
        }
        PoolCmd::Add { pool, member } => {
            let m = addr(member)?;
            tx.ensure_user(&m, "resource", env.clock.now())?;
            tx.kv_put(POOL_NS, &member_key(&addr(pool)?, &m), "")?;
            String::new()
        }
        PoolCmd::Remove { pool, member } => {
            tx.kv_delete(POOL_NS, &member_key(&addr(pool)?, &addr(member)?))?;
            String::new()
        }
        PoolCmd::Show { pool } => {
            let p = addr(pool)?;
            let prefix = format!("member\u{1f}{p}\u{1f}");
            let members: Vec<String> = tx
                .kv_list(POOL_NS, &prefix)?
                .into_iter()
                .filter_map(|(k, _)| k.strip_prefix(&prefix).map(str::to_string))
                .collect();
            let f = tx.pref(&p, "scheduling_function")?.unwrap_or_default();
            if json {
                serde_json::json!({ "pool": p, "scheduling_function": f, "members": members })
                    .to_string()
                    + "\n"
            } else {
                format!(
                    "{p}: {f}\n{}",
                    members.iter().map(|m| format!("  {m}\n")).collect::<String>()
                )
            }
        }
    };
    tx.commit()?;
    Ok(out)
}

/// Runs an approvals command.
pub fn approvals(
    env: &Env<'_>,
    store: &mut dyn Store,
    cmd: &ApprovalsCmd,
    json: bool,
) -> Result<String, InfraError> {
    match cmd {
        ApprovalsCmd::List { resource } => {
            let r = CalAddress::parse(resource)
                .ok_or_else(|| InfraError::Config("bad address".into()))?;
            let tx = store.read()?;
            let list = approval::pending(&TxView { tx: tx.as_ref(), env }, &r)?;
            Ok(render(json, &list, |p| {
                let at = DateTime::<Utc>::from_timestamp(p.requested, 0)
                    .map(|t| crate::ical::datetime::format_utc(&t))
                    .unwrap_or_default();
                format!("{}\t{}\t{}\t{}\t{at}\t{}", p.uid, p.rid, p.organizer, p.summary, p.token)
            }))
        }
        ApprovalsCmd::Approve { resource, uid, debug, outbox }
        | ApprovalsCmd::Decline { resource, uid, debug, outbox } => {
            let approve = matches!(cmd, ApprovalsCmd::Approve { .. });
            let r = CalAddress::parse(resource)
                .ok_or_else(|| InfraError::Config("bad address".into()))?;
            let mut tx = store.write()?;
            let (done, out) =
                actions::decide_approval(env, tx.as_mut(), &r, uid, approve, "the administrator")?;
            tx.commit()?;
            let mut sender =
                crate::runtime::sender_for(env.config, env.clock, *debug, outbox.as_deref());
            let mut notes = out.notes.clone();
            crate::cli::send::send_outbox(sender.as_mut(), None, &out.outbox, &mut |l| {
                notes.push(l)
            })
            .map_err(|f| f.error)?;
            let mut text = notes.join("\n");
            text.push('\n');
            if !done {
                return Err(InfraError::Config(text.trim().to_string()));
            }
            Ok(text)
        }
    }
}
