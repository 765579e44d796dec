//! The person agent for incoming mail (imip-agent 3.2, 3.3): REQUEST,
//! PUBLISH (including the organiser's self copy), CANCEL, ADD,
//! DECLINECOUNTER here; REPLY, COUNTER and REFRESH in `person_reply.rs`;
//! free/busy through `freebusy.rs`. Ends with the mailbox copy per the
//! `incoming` preference. Performs I/O through the transaction only.

use super::common::{
    self, added_occurrence, label, load, only_rid, organizer_or_log, rebuild_own_busy,
    refresh_for_add, sent_by, uid_or_log,
};
use super::events::{
    mark_cancelled, record_other_busy, remove_others_busy, store_active, stored_for,
};
use super::maintenance::person_busy;
use super::{Env, Outcome, freebusy, mailbox, person_reply, prefs};
use crate::address::CalAddress;
use crate::config::prefs::{AddResponse, Prefs};
use crate::error::InfraResult;
use crate::freebusy::{FbSet, publish_object};
use crate::i18n::{Lang, Text, tr};
use crate::ical::{ComponentKind, Method, Object, Param, Participant, Role};
use crate::itip::{check_sent_by_continuity, newness, organiser_change_allowed, refresh_request};
use crate::mail::InboundMessage;
use crate::mail::items::ItemsOutcome;
use crate::store::StoreTx;

/// What the user is told about one handled component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The notification text.
    pub text: Text,
    /// UID and RECURRENCE-ID for a manager link, when one applies.
    pub link: Option<(String, String)>,
}

/// The context of one message for one person.
pub struct PCtx<'a, 'e> {
    /// Environment.
    pub env: &'a Env<'e>,
    /// The person.
    pub user: &'a CalAddress,
    /// Their preferences.
    pub prefs: Prefs,
    /// The message's senders.
    pub senders: &'a [CalAddress],
    /// The message.
    pub msg: &'a InboundMessage,
}

impl PCtx<'_, '_> {
    /// The person's URI.
    pub fn uri(&self) -> &str {
        self.user.as_str()
    }

    /// Rebuilds the person's own busy time for an event.
    pub fn rebuild_own(
        &self,
        tx: &mut dyn StoreTx,
        out: &mut Outcome,
        uid: &str,
    ) -> InfraResult<()> {
        let rule = |o: &Object| person_busy(o, self.user);
        rebuild_own_busy(self.env, tx, out, self.uri(), uid, &self.prefs, &rule)
    }

    /// UID and RECURRENCE-ID key of an object; logs and gives `None`
    /// without a UID.
    pub fn ids_or_log(
        &self,
        out: &mut Outcome,
        obj: &Object,
        what: &str,
    ) -> Option<(String, String)> {
        let uid = uid_or_log(out, obj, what)?;
        Some((uid, obj.rid_key(&obj.zones(self.prefs.zone()))))
    }

    /// For a message to the organiser (REPLY, COUNTER, REFRESH): its ids and
    /// the attendees the senders speak for; logs why not otherwise.
    pub fn to_organizer(
        &self,
        out: &mut Outcome,
        obj: &Object,
        what: &str,
    ) -> Option<(String, String, Vec<Participant>)> {
        let (uid, rid) = self.ids_or_log(out, obj, what)?;
        match crate::itip::check_to_organizer(obj, self.senders, self.user) {
            Ok(f) => Some((uid, rid, f)),
            Err(e) => {
                out.log(format!("{what} {uid} not acted on: {e}"));
                None
            }
        }
    }

    /// The language for a message to another party.
    pub fn lang_for(&self, tx: &dyn StoreTx, other: &CalAddress) -> InfraResult<Lang> {
        common::requester_lang(self.env, self.msg, self.prefs.lang(), tx, Some(other))
    }

    /// Names the person, in a calendar object composed on their behalf,
    /// with their `CN` preference: the CN parameter of their own ORGANIZER
    /// or ATTENDEE property, unless that already has one (a name their own
    /// calendar client gave is kept). imip-agent used CN the same way for
    /// events its web manager created and counter-proposals it sent.
    pub fn name_user(&self, obj: &mut Object, role: Role) {
        let Some(cn) = self.prefs.cn().map(str::trim).filter(|c| !c.is_empty()) else {
            return;
        };
        let named = match role {
            Role::Organizer => {
                obj.organizer().filter(|o| o.address == *self.user).and_then(|o| o.cn)
            }
            Role::Attendee => obj.attendee(self.user).and_then(|a| a.cn),
        };
        if named.is_none_or(|n| n.trim().is_empty()) {
            obj.set_participant_param(role, self.user, &Param::Cn(cn.to_string()));
        }
    }
}

/// Processes a message for a person.
pub fn process(
    env: &Env<'_>,
    tx: &mut dyn StoreTx,
    raw: &[u8],
    msg: &InboundMessage,
    items: &ItemsOutcome,
    recipient: &CalAddress,
) -> InfraResult<Outcome> {
    let mut out = Outcome::default();
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
    let ctx = PCtx { env, user: recipient, prefs, senders: msg.senders(), msg };
    let mut notices: Vec<Notice> = Vec::new();
    let mut freebusy_answered = false;
    for item in &items.items {
        out.methods.push(format!("{}:{}", item.object.kind().as_str(), item.method));
        let obj = &item.object;
        let notice = match (obj.kind(), &item.method) {
            (ComponentKind::FreeBusy, Method::Request) => {
                if ctx.prefs.sharing() {
                    let lang = obj
                        .organizer()
                        .map(|o| ctx.lang_for(tx, &o.address))
                        .transpose()?
                        .unwrap_or(Lang::En);
                    let before = out.parts.len();
                    freebusy::answer_request(
                        env,
                        tx,
                        &mut out,
                        recipient,
                        ctx.senders,
                        obj,
                        lang,
                        false,
                    )?;
                    freebusy_answered |= out.parts.len() > before;
                } else {
                    out.log("free/busy REQUEST not answered: freebusy_sharing is not \"share\"");
                }
                None
            }
            (ComponentKind::FreeBusy, m @ (Method::Publish | Method::Reply)) => {
                let recorded = freebusy::record(tx, &mut out, recipient, ctx.senders, obj, m)?;
                (recorded && ctx.prefs.notify_freebusy()).then(|| Notice {
                    text: if *m == Method::Publish {
                        Text::FreeBusyUpdate
                    } else {
                        Text::FreeBusyReply
                    },
                    link: None,
                })
            }
            (ComponentKind::FreeBusy, m) => {
                out.log(format!(
                    "free/busy {m} ignored: only REQUEST, PUBLISH and REPLY are understood"
                ));
                None
            }
            (ComponentKind::Event, Method::Request) => request(&ctx, tx, &mut out, obj, true)?,
            (ComponentKind::Event, Method::Publish) => request(&ctx, tx, &mut out, obj, false)?,
            (ComponentKind::Event, Method::Cancel) => cancel(&ctx, tx, &mut out, obj)?,
            (ComponentKind::Event, Method::Add) => add(&ctx, tx, &mut out, obj)?,
            (ComponentKind::Event, Method::DeclineCounter) => {
                decline_counter(&ctx, tx, &mut out, obj)?
            }
            (ComponentKind::Event, Method::Reply) => person_reply::reply(&ctx, tx, &mut out, obj)?,
            (ComponentKind::Event, Method::Counter) => {
                person_reply::counter(&ctx, tx, &mut out, obj)?
            }
            (ComponentKind::Event, Method::Refresh) => {
                person_reply::refresh(&ctx, tx, &mut out, obj)?
            }
            (ComponentKind::Event, m) => {
                out.log(format!("{m} ignored: not an iTIP method for events"));
                None
            }
            (k, m) => {
                out.log(format!(
                    "{} {m} ignored: only VEVENT and VFREEBUSY are understood",
                    k.as_str()
                ));
                None
            }
        };
        if let Some(n) = notice
            && !notices.contains(&n)
        {
            notices.push(n);
        }
    }
    if ctx.prefs.bundling() && !freebusy_answered && !out.parts.is_empty() {
        out.bundle = Some(own_freebusy_publish(&ctx, tx)?);
    }
    out.compose_parts(env);
    let texts = notice_texts(&ctx, &notices);
    out.outbox.extend(mailbox::presented(env, raw, msg, recipient, ctx.prefs.incoming(), &texts));
    out.notifications = texts;
    Ok(out)
}

/// A PUBLISH VFREEBUSY of the person's whole busy time (bundling, 3.7).
pub fn own_freebusy_publish(ctx: &PCtx<'_, '_>, tx: &dyn StoreTx) -> InfraResult<Object> {
    let periods = tx.busy_all(&FbSet::Own(ctx.uri().to_string()))?;
    let now = ctx.env.clock.now();
    let uid = format!(
        "imip-agent-{}-{}",
        now.format("%Y%m%dT%H%M%SZ"),
        ctx.user.email().unwrap_or(ctx.uri())
    );
    let mut o = publish_object(ctx.user, sent_by(ctx.env, ctx.user), &uid, now, &periods);
    ctx.name_user(&mut o, Role::Organizer);
    Ok(o)
}

/// The notification texts in the person's language, with manager links.
fn notice_texts(ctx: &PCtx<'_, '_>, notices: &[Notice]) -> Vec<String> {
    let lang = Lang::from_pref(ctx.prefs.lang());
    let cfg = &ctx.env.config.manager;
    notices
        .iter()
        .map(|n| {
            let mut t = tr(lang, n.text).to_string();
            if let Some((uid, rid)) = &n.link
                && cfg.interface
                && !cfg.url.is_empty()
            {
                let url = cfg.url.trim_end_matches('/');
                let link = if rid.is_empty() {
                    format!("{url}/{uid}")
                } else {
                    format!("{url}/{uid}/{rid}")
                };
                t.push_str(&format!("\n\n{} {link}", tr(lang, Text::ManagerLink)));
            }
            t
        })
        .collect()
}

/// REQUEST (queue = true) and PUBLISH (queue = false).
fn request(
    ctx: &PCtx<'_, '_>,
    tx: &mut dyn StoreTx,
    out: &mut Outcome,
    obj: &Object,
    queue: bool,
) -> InfraResult<Option<Notice>> {
    let what = if queue { "REQUEST" } else { "PUBLISH" };
    let Some((uid, rid)) = ctx.ids_or_log(out, obj, what) else { return Ok(None) };
    let l = label(&uid, &rid);
    let Some(org) = organizer_or_log(out, obj, ctx.senders, ctx.user, false, what, &l) else {
        return Ok(None);
    };
    let self_copy = org.address == *ctx.user;
    if queue
        && !self_copy
        && !obj.has_attendee(ctx.user)
        && !crate::itip::identity::is_valid_delegate(obj, ctx.user)
    {
        out.log(format!("{what} {l} not acted on: {} is not an attendee", ctx.user));
        return Ok(None);
    }
    let stored = load(tx, ctx.uri(), &uid, &rid)?;
    if !newness(obj, stored.as_ref().map(|s| &s.object), false).is_new() {
        out.log(format!(
            "{what} {l} ignored: not newer than the stored version (SEQUENCE/DTSTAMP)"
        ));
        return Ok(None);
    }
    if let Some(reference) = stored_for(tx, ctx.uri(), &uid, &rid)?
        && let Err(e) =
            organiser_change_allowed(&reference.object, obj, ctx.prefs.organiser_replacement())
                .and_then(|_| check_sent_by_continuity(Some(&reference.object), obj, ctx.senders))
    {
        out.log(format!("{what} {l} not acted on: {e}"));
        return Ok(None);
    }
    if !obj.has_period() {
        out.log(format!("{what} {l} ignored: no DTSTART with DTEND or DURATION"));
        return Ok(None);
    }
    store_active(ctx.env, tx, ctx.uri(), obj, &uid, &rid)?;
    if self_copy {
        // The organiser's own copy (sent by a calendar manager): it is the
        // organiser's schedule, nothing to answer.
        tx.dequeue_request(ctx.uri(), &uid, &rid, None)?;
        ctx.rebuild_own(tx, out, &uid)?;
        out.handled = true;
        out.log(format!("{what} {l}: the organiser's own copy recorded in their schedule"));
        return Ok(Some(Notice { text: Text::DetailsReceived, link: Some((uid, rid)) }));
    }
    if queue {
        tx.queue_request(ctx.uri(), &uid, &rid, "")?;
    }
    record_other_busy(ctx.env, tx, ctx.uri(), &ctx.prefs, &org.address, obj, &uid, &rid)?;
    ctx.rebuild_own(tx, out, &uid)?;
    out.handled = true;
    out.log(format!(
        "{what} {l} from {}: recorded{}",
        org.address,
        if queue { " and queued" } else { "" }
    ));
    Ok(Some(Notice {
        text: if queue { Text::InvitationReceived } else { Text::DetailsReceived },
        link: Some((uid, rid)),
    }))
}

fn cancel(
    ctx: &PCtx<'_, '_>,
    tx: &mut dyn StoreTx,
    out: &mut Outcome,
    obj: &Object,
) -> InfraResult<Option<Notice>> {
    let Some((uid, rid)) = ctx.ids_or_log(out, obj, "CANCEL") else { return Ok(None) };
    let l = label(&uid, &rid);
    let Some(org) = organizer_or_log(out, obj, ctx.senders, ctx.user, false, "CANCEL", &l) else {
        return Ok(None);
    };
    let self_copy = org.address == *ctx.user;
    if !self_copy && !obj.has_attendee(ctx.user) {
        out.log(format!(
            "CANCEL {l} not acted on: {} is not among the attendees cancelled",
            ctx.user
        ));
        return Ok(None);
    }
    let stored = stored_for(tx, ctx.uri(), &uid, &rid)?;
    if let Some(s) = &stored {
        if let Err(e) = organiser_change_allowed(&s.object, obj, ctx.prefs.organiser_replacement())
            .and_then(|_| check_sent_by_continuity(Some(&s.object), obj, ctx.senders))
        {
            out.log(format!("CANCEL {l} not acted on: {e}"));
            return Ok(None);
        }
        if !newness(obj, Some(&s.object), false).is_new() {
            out.log(format!(
                "CANCEL {l} ignored: not newer than the stored version (SEQUENCE/DTSTAMP)"
            ));
            return Ok(None);
        }
    }
    // Kept even for an unknown event, so that an older invitation arriving
    // late is recognised as superseded.
    mark_cancelled(ctx.env, tx, ctx.uri(), &uid, &rid, obj)?;
    tx.dequeue_request(ctx.uri(), &uid, &rid, None)?;
    tx.delete_counters(ctx.uri(), &uid, &rid, None)?;
    ctx.rebuild_own(tx, out, &uid)?;
    let only = (!self_copy).then(|| std::slice::from_ref(&org.address));
    remove_others_busy(tx, ctx.uri(), &uid, &rid, only)?;
    out.handled = true;
    out.log(format!(
        "CANCEL {l} from {}: {}",
        org.address,
        if stored.is_some() { "cancelled" } else { "recorded (the event was not known)" }
    ));
    Ok(Some(Notice { text: Text::CancellationReceived, link: None }))
}

fn add(
    ctx: &PCtx<'_, '_>,
    tx: &mut dyn StoreTx,
    out: &mut Outcome,
    obj: &Object,
) -> InfraResult<Option<Notice>> {
    let Some(uid) = uid_or_log(out, obj, "ADD") else { return Ok(None) };
    let mode = ctx.prefs.add_response();
    if mode == AddResponse::Ignore {
        out.log(format!("ADD {uid} ignored (add_method_response = ignore)"));
        return Ok(None);
    }
    let Some(org) = organizer_or_log(out, obj, ctx.senders, ctx.user, true, "ADD", &uid) else {
        return Ok(None);
    };
    let parent = load(tx, ctx.uri(), &uid, "")?;
    if parent.is_none() || mode == AddResponse::Refresh {
        let base = parent.as_ref().map(|p| p.object.clone()).unwrap_or_else(|| obj.clone());
        let mut refresh =
            refresh_request(&base, ctx.user, sent_by(ctx.env, ctx.user), &ctx.env.clock.now());
        ctx.name_user(&mut refresh, Role::Attendee);
        let lang = ctx.lang_for(tx, &org.address)?;
        refresh_for_add(out, &uid, &org.address, refresh, lang, parent.is_none());
        return Ok(None);
    }
    let occurrence = added_occurrence(obj);
    let rid = occurrence.rid_key(&occurrence.zones(ctx.prefs.zone()));
    store_active(ctx.env, tx, ctx.uri(), &occurrence, &uid, &rid)?;
    record_other_busy(ctx.env, tx, ctx.uri(), &ctx.prefs, &org.address, &occurrence, &uid, &rid)?;
    tx.queue_request(ctx.uri(), &uid, &rid, "")?;
    ctx.rebuild_own(tx, out, &uid)?;
    out.handled = true;
    out.log(format!("ADD {uid}: occurrence {rid} recorded and queued"));
    Ok(Some(Notice { text: Text::AdditionReceived, link: Some((uid, rid)) }))
}

fn decline_counter(
    ctx: &PCtx<'_, '_>,
    tx: &mut dyn StoreTx,
    out: &mut Outcome,
    obj: &Object,
) -> InfraResult<Option<Notice>> {
    let Some((uid, rid)) = ctx.ids_or_log(out, obj, "DECLINECOUNTER") else { return Ok(None) };
    if organizer_or_log(out, obj, ctx.senders, ctx.user, true, "DECLINECOUNTER", &uid).is_none() {
        return Ok(None);
    }
    let n = tx.remove_busy_for_uid(&FbSet::Offers(ctx.uri().to_string()), &uid, only_rid(&rid))?;
    out.handled = true;
    out.log(format!("DECLINECOUNTER {uid}: {n} offered period(s) released"));
    Ok(Some(Notice { text: Text::CounterDeclined, link: Some((uid, rid)) }))
}
