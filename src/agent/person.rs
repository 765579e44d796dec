//! The person agent for incoming mail (imip-agent 3.2, 3.3): each
//! scheduling object decided by the engine (`itip::engine::person`) and
//! applied; the person's own free/busy bundled with what is sent when
//! they ask for it; the mailbox copy presented per the `incoming`
//! preference with what they are told. Performs I/O through the
//! transaction only.

use super::apply::Applier;
use super::busy::BusyRule;
use super::{Env, Outcome, context, mailbox, prefs};
use crate::address::CalAddress;
use crate::error::InfraResult;
use crate::freebusy::{FbSet, publish_object};
use crate::i18n::{Lang, tr};
use crate::ical::{ComponentKind, Method, Object, Role};
use crate::itip::engine;
use crate::itip::plan::Notice;
use crate::itip::series::MessageScope;
use crate::itip::view::Context;
use crate::mail::InboundMessage;
use crate::mail::items::ItemsOutcome;
use crate::store::StoreTx;

/// Processes a message for a person.
pub fn process(
    env: &Env<'_>,
    tx: &mut dyn StoreTx,
    raw: &[u8],
    msg: &InboundMessage,
    items: &ItemsOutcome,
    recipient: &CalAddress,
) -> InfraResult<Outcome> {
    let mut out = Outcome {
        thread: crate::mail::compose::Thread::of(msg.message_id.as_deref(), &msg.references),
        ..Outcome::default()
    };
    tx.ensure_user(recipient.as_str(), "person", env.clock.now())?;
    let prefs = prefs::load(env, tx, recipient.as_str())?;
    for n in &items.notes {
        out.log(n.clone());
    }
    if !prefs.participating() {
        out.log("participating = no: delivered untouched, nothing recorded");
        out.outbox.push(mailbox::unchanged(raw, msg, recipient, "Unhandled parts"));
        return Ok(out);
    }
    if msg.is_bounce || !items.handled {
        out.log(if msg.is_bounce {
            "delivery status notification: delivered untouched"
        } else {
            "no scheduling content: delivered untouched"
        });
        out.outbox.push(mailbox::unchanged(raw, msg, recipient, "Unhandled parts"));
        return Ok(out);
    }
    let ctx = context::for_message(env, recipient, &prefs, msg);
    let scope = MessageScope::of(&items.items, |o| o.zones(prefs.zone()));
    let mut applier = Applier::new(env, items.budget.clone());
    let mut notices: Vec<Notice> = Vec::new();
    let mut freebusy_answered = false;
    for item in &items.items {
        out.methods.push(format!("{}:{}", item.object.kind().as_str(), item.method));
        let uid = item.object.uid();
        if let Err(e) = applier.charge(&item.object, &prefs) {
            out.log(too_costly(item, &e));
            continue;
        }
        let plan =
            applier.run(tx, &mut out, recipient, uid.as_deref(), BusyRule::Person, true, |v| {
                engine::person(&ctx, v, &scope, item)
            })?;
        freebusy_answered |= plan
            .parts
            .iter()
            .any(|p| p.method == Method::Reply && p.object.kind() == ComponentKind::FreeBusy);
        if let Some(n) = plan.notice
            && !notices.contains(&n)
        {
            notices.push(n);
        }
    }
    applier.flush(tx, &mut out)?;
    if ctx.prefs.bundling() && !freebusy_answered && !out.parts.is_empty() {
        out.bundle = Some(own_freebusy_publish(&ctx, tx)?);
    }
    out.compose_parts(env);
    let texts = notice_texts(env, &ctx, &notices);
    out.outbox.extend(mailbox::presented(env, raw, msg, recipient, ctx.prefs.incoming(), &texts));
    out.notifications = texts;
    Ok(out)
}

/// The log line for an item over the message's work budget.
pub(super) fn too_costly(item: &crate::mail::ItipItem, e: &crate::budget::TooCostly) -> String {
    let uid = item.object.uid().unwrap_or_default();
    crate::itip::Refusal::new(
        item.method.as_str(),
        uid,
        crate::itip::Reason::TooCostly(e.to_string()),
    )
    .to_string()
}

/// A PUBLISH VFREEBUSY of the person's whole busy time (bundling, 3.7).
pub fn own_freebusy_publish(ctx: &Context<'_>, tx: &dyn StoreTx) -> InfraResult<Object> {
    let periods = tx.busy_all(&FbSet::Own(ctx.user.to_string()))?;
    let uid = format!(
        "imip-agent-{}-{}",
        ctx.now.format("%Y%m%dT%H%M%SZ"),
        ctx.user.email().unwrap_or(ctx.user.as_str())
    );
    let mut o = publish_object(ctx.user, ctx.sent_by(), &uid, ctx.now, &periods);
    ctx.name_user(&mut o, Role::Organizer);
    Ok(o)
}

/// The notification texts in the person's language, with manager links.
fn notice_texts(env: &Env<'_>, ctx: &Context<'_>, notices: &[Notice]) -> Vec<String> {
    let lang = Lang::from_pref(ctx.prefs.lang());
    let cfg = &env.config.manager;
    notices
        .iter()
        .map(|n| {
            let mut t = tr(lang, n.text).to_string();
            if let Some((uid, instance)) = &n.link
                && cfg.interface
                && !cfg.url.is_empty()
            {
                let url = cfg.url.trim_end_matches('/');
                let link = match instance.occurrence() {
                    None => format!("{url}/{uid}"),
                    Some(rid) => format!("{url}/{uid}/{rid}"),
                };
                t.push_str(&format!("\n\n{} {link}", tr(lang, crate::i18n::Text::ManagerLink)));
            }
            t
        })
        .collect()
}
