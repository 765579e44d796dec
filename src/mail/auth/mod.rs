//! Sender authentication (issue 6, docs/authentication.md): whether the mail
//! system vouches for the party an iTIP item speaks for, and screening out
//! the items it does not vouch for when `[authentication] require` is set.
//! Performs no I/O.
//!
//! Evidence, in order of strength:
//! - a trusted Authentication-Results header (RFC 8601) — one above the
//!   topmost Received header (where only the MTA that handed the message to
//!   us writes) whose authserv-id is in `trusted_authserv_ids`, among the
//!   topmost run of such headers — with `dmarc=pass` for `header.from`, or
//!   `dkim=pass` for `header.d` / `header.i`;
//! - local submission (`trust_local_submission`): no Received header names a
//!   client other than this host, and a listener's hand-over has one
//!   (`received`).
//!
//! The party is the organiser for REQUEST, CANCEL, ADD, PUBLISH and
//! DECLINECOUNTER, and the attendees for REPLY, COUNTER and REFRESH. Its
//! domain is aligned when it equals an authenticated domain or is a
//! subdomain of it: the owner of a domain controls its subdomains, but not
//! the other way round.

pub mod received;
pub mod results;

use super::InboundMessage;
use super::items::{ItemsOutcome, ItipItem};
use crate::address::CalAddress;
use crate::config::AuthConfig;
use crate::ical::Method;

/// What the mail system vouches for in one message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evidence {
    /// Submitted on this host.
    pub local: bool,
    /// Domains authenticated by a trusted result, with how (`dmarc`, `dkim`).
    pub domains: Vec<(String, &'static str)>,
    /// Headers that looked like evidence and were not taken, and why.
    pub disregarded: Vec<String>,
}

impl Evidence {
    /// Collects the evidence of a message under a configuration.
    pub fn of(cfg: &AuthConfig, msg: &InboundMessage) -> Evidence {
        let local =
            cfg.trust_local_submission && received::is_local_submission(&msg.received, msg.arrival);
        let mut disregarded = Vec::new();
        if cfg.trust_local_submission && msg.received.is_empty() && msg.arrival.is_listener() {
            disregarded
                .push(format!("no Received header: not handed over by the MTA ({})", msg.arrival));
        }
        let below =
            msg.authentication_results.len().saturating_sub(msg.authentication_results_on_top);
        if below > 0 {
            disregarded.push(format!(
                "{below} Authentication-Results header(s) below the topmost Received header ignored"
            ));
        }
        let mut domains = Vec::new();
        for header in msg.authentication_results.iter().take(msg.authentication_results_on_top) {
            // Only the topmost run counts: our MTA adds its headers on top,
            // so a trusted-looking header below anyone else's was written
            // by someone else (the MTA should strip those; see the docs).
            let Some(ar) = results::parse(header) else { break };
            if !cfg.trusted_authserv_ids.iter().any(|t| t.eq_ignore_ascii_case(&ar.authserv_id)) {
                break;
            }
            for r in ar.results.iter().filter(|r| r.result == "pass") {
                let (how, d) = match r.method.as_str() {
                    "dmarc" => ("dmarc", r.prop("header.from")),
                    "dkim" => ("dkim", r.prop("header.d").or(r.prop("header.i"))),
                    _ => continue,
                };
                // header.i may be "user@sub.example.com" or "@example.com".
                if let Some(d) = d.map(|d| {
                    d.rsplit('@').next().unwrap_or(d).trim_end_matches('.').to_ascii_lowercase()
                }) && d.contains('.')
                    && !domains.iter().any(|(x, h)| *x == d && *h == how)
                {
                    domains.push((d, how));
                }
            }
        }
        Evidence { local, domains, disregarded }
    }

    /// How the domain of an address is vouched for, if it is.
    pub fn vouches_for(&self, who: &CalAddress) -> Option<String> {
        if self.local {
            return Some("local submission".into());
        }
        let dom = who.domain()?;
        self.domains
            .iter()
            .find(|(d, _)| {
                dom == d || dom.strip_suffix(d.as_str()).is_some_and(|p| p.ends_with('.'))
            })
            .map(|(d, how)| format!("{how}=pass for {d}"))
    }
}

/// The parties an item speaks for (imip-agent 3.1's identity rules).
pub fn parties(item: &ItipItem) -> (&'static str, Vec<CalAddress>) {
    match item.method {
        Method::Reply | Method::Counter | Method::Refresh => {
            ("attendee", item.object.attendees().into_iter().map(|a| a.address).collect())
        }
        _ => ("organiser", item.object.organizer().map(|o| vec![o.address]).unwrap_or_default()),
    }
}

/// The outcome of screening a message's items.
#[derive(Debug, Clone, Default)]
pub struct Screened {
    /// Replacement items when some were withheld; `None`: act on all.
    pub items: Option<ItemsOutcome>,
    /// Log lines: what was vouched for, or why an item is not acted on.
    pub notes: Vec<String>,
}

/// Keeps the items whose parties the mail system vouches for. Without
/// `require` everything passes silently (imip-agent's behaviour). When no
/// item is left the message counts as having no scheduling content, so a
/// person still gets it delivered unchanged.
pub fn screen(cfg: &AuthConfig, msg: &InboundMessage, items: &ItemsOutcome) -> Screened {
    if !cfg.require || items.items.is_empty() {
        return Screened::default();
    }
    let ev = Evidence::of(cfg, msg);
    let mut kept = Vec::new();
    let mut notes = Vec::new();
    for item in &items.items {
        let (role, who) = parties(item);
        let uid = item.object.uid().unwrap_or_default();
        let verdicts: Vec<(&CalAddress, Option<String>)> =
            who.iter().map(|w| (w, ev.vouches_for(w))).collect();
        match verdicts.iter().find(|(_, v)| v.is_none()) {
            None if !verdicts.is_empty() => {
                let how: Vec<String> = verdicts
                    .iter()
                    .filter_map(|(w, v)| v.as_ref().map(|v| format!("{w} ({v})")))
                    .collect();
                notes.push(format!(
                    "{} {uid}: sender authenticated: {role} {}",
                    item.method,
                    how.join(", ")
                ));
                kept.push(item.clone());
            }
            unvouched => {
                let whom = unvouched
                    .map(|(w, _)| format!("{role} {w}"))
                    .unwrap_or_else(|| format!("no {role}"));
                notes.push(format!(
                    "{} {uid} not acted on: the mail system does not vouch for {whom} ({})",
                    item.method,
                    describe(&ev)
                ));
            }
        }
    }
    if kept.len() == items.items.len() {
        return Screened { items: None, notes };
    }
    let handled = !kept.is_empty();
    if !handled {
        notes.push(
            "no authenticated scheduling content: the message is treated as ordinary mail".into(),
        );
    }
    Screened {
        items: Some(ItemsOutcome {
            items: kept,
            handled,
            notes: items.notes.clone(),
            budget: items.budget.clone(),
            too_costly: items.too_costly.clone(),
        }),
        notes,
    }
}

fn describe(ev: &Evidence) -> String {
    let mut text = if ev.domains.is_empty() {
        "no trusted Authentication-Results pass, and not a trusted local submission".to_string()
    } else {
        let list: Vec<String> =
            ev.domains.iter().map(|(d, how)| format!("{how}=pass for {d}")).collect();
        format!("trusted results only for {}, and not a trusted local submission", list.join(", "))
    };
    for d in &ev.disregarded {
        text.push_str("; ");
        text.push_str(d);
    }
    text
}

#[cfg(test)]
mod tests;
