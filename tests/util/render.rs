//! Canonical renderings for golden files: messages as their headers, text
//! and decoded calendars; store state as sorted lines. Variable parts
//! (Message-ID, generated VTIMEZONE bodies) are abbreviated.
#![allow(dead_code, clippy::unwrap_used)]

use imip_agent::address::CalAddress;
use imip_agent::freebusy::FbSet;
use imip_agent::ical::Object;
use imip_agent::ical::datetime::format_utc;
use imip_agent::store::sqlite::SqliteStore;
use imip_agent::store::{ObjectStatus, RequestKind, Store};
use mail_parser::{MessageParser, MimeHeaders, PartType};
use std::path::Path;

/// Renders a message.
pub fn message(bytes: &[u8]) -> String {
    let mut out = String::new();
    render_message(bytes, 0, &mut out);
    out
}

fn render_message(bytes: &[u8], depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    let Some(m) = MessageParser::default().parse(bytes) else {
        out.push_str(&format!("{pad}(unparseable)\n"));
        return;
    };
    for (name, value) in m.headers_raw() {
        if ["From", "To", "Cc", "Subject", "X-IMIP-Agent"]
            .iter()
            .any(|h| h.eq_ignore_ascii_case(name))
        {
            out.push_str(&format!(
                "{pad}{name}: {}\n",
                value.split_whitespace().collect::<Vec<_>>().join(" ")
            ));
        }
    }
    for part in &m.parts {
        let ct = part
            .content_type()
            .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or("")))
            .unwrap_or_else(|| "text/plain".into());
        let method = part
            .content_type()
            .and_then(|c| c.attribute("method"))
            .map(|m| format!("; method={m}"))
            .unwrap_or_default();
        match &part.body {
            PartType::Multipart(_) => {}
            PartType::Message(_) => {
                out.push_str(&format!("{pad}[message/rfc822]\n"));
                let raw = &m.raw_message()[part.offset_body as usize..part.offset_end as usize];
                render_message(raw, depth + 1, out);
            }
            PartType::Text(t) if ct.contains("calendar") => {
                out.push_str(&format!("{pad}[{ct}{method}]\n"));
                out.push_str(&calendar(t, &pad));
            }
            PartType::Binary(b) | PartType::InlineBinary(b)
                if ct.contains("calendar") || ct.contains("ics") =>
            {
                out.push_str(&format!("{pad}[{ct}{method}]\n"));
                out.push_str(&calendar(&String::from_utf8_lossy(b), &pad));
            }
            PartType::Text(t) => {
                out.push_str(&format!("{pad}[{ct}]\n"));
                for l in t.trim_end().lines() {
                    out.push_str(&format!("{pad}{l}\n"));
                }
            }
            _ => out.push_str(&format!("{pad}[{ct}] ({} bytes)\n", part.len())),
        }
    }
}

/// Unfolds a calendar and abbreviates VTIMEZONE definitions.
pub fn calendar(text: &str, pad: &str) -> String {
    let unfolded = imip_agent::ical::unfold(text);
    let mut out = String::new();
    let mut in_tz = false;
    for l in unfolded.split("\r\n").filter(|l| !l.is_empty()) {
        if l == "BEGIN:VTIMEZONE" {
            in_tz = true;
            continue;
        }
        if in_tz {
            if let Some(id) = l.strip_prefix("TZID:") {
                out.push_str(&format!("{pad}VTIMEZONE {id}\n"));
            }
            if l == "END:VTIMEZONE" {
                in_tz = false;
            }
            continue;
        }
        out.push_str(&format!("{pad}{l}\n"));
    }
    out
}

/// Renders what the store holds for a user.
pub fn store_state(path: &Path, user: &str) -> String {
    let mut store = SqliteStore::open(path, &Default::default()).unwrap();
    let tx = store.read().unwrap();
    let addr = CalAddress::parse(user).unwrap();
    let u = addr.as_str();
    let mut out = format!("store {u}\n");
    for s in tx.list_objects(u, None).unwrap() {
        let obj = Object::from_stored(&s.text);
        let partstat = obj
            .as_ref()
            .and_then(|o| o.attendee(&addr))
            .and_then(|a| a.partstat)
            .map(|p| p.to_string())
            .unwrap_or("-".into());
        let seq =
            obj.as_ref().and_then(|o| o.sequence()).map(|s| s.to_string()).unwrap_or("-".into());
        let status = if s.status == ObjectStatus::Active { "active" } else { "cancelled" };
        out.push_str(&format!(
            "  object {} [{}] {status} partstat={partstat} sequence={seq}\n",
            s.uid, s.instance
        ));
    }
    let line = |p: &imip_agent::freebusy::BusyPeriod| {
        let exp = p.expires.map(|e| format!(" expires={}", format_utc(&e))).unwrap_or_default();
        format!(
            "{} {} {} {}{exp}",
            format_utc(&p.start),
            format_utc(&p.end),
            p.uid,
            p.transp.as_str()
        )
    };
    for p in tx.busy_all(&FbSet::Own(u.into())).unwrap() {
        out.push_str(&format!("  busy {}\n", line(&p)));
    }
    for p in tx.busy_all(&FbSet::Offers(u.into())).unwrap() {
        out.push_str(&format!("  offer {}\n", line(&p)));
    }
    for other in tx.other_sets(u).unwrap() {
        for p in tx.busy_all(&FbSet::Other { user: u.into(), other: other.clone() }).unwrap() {
            out.push_str(&format!("  other {other} {}\n", line(&p)));
        }
    }
    for r in tx.requests(u).unwrap() {
        out.push_str(&format!(
            "  request {} [{}] {}\n",
            r.uid,
            r.instance,
            if r.kind == RequestKind::Invitation { "REQUEST" } else { r.kind.as_str() }
        ));
    }
    for s in tx.list_objects(u, None).unwrap() {
        for (att, _) in tx.counters(u, &s.uid, &s.instance).unwrap() {
            out.push_str(&format!("  counter {} [{}] from {att}\n", s.uid, s.instance));
        }
    }
    for uid in tx.providers(u).unwrap() {
        out.push_str(&format!("  provider {uid} []\n"));
    }
    out
}

/// An attendee's PARTSTAT in a user's stored copy of an event (the master,
/// or the occurrence `rid`): "-" when the copy or the attendee is missing,
/// "none" when listed without PARTSTAT.
pub fn attendee_partstat(path: &Path, user: &str, uid: &str, rid: &str, attendee: &str) -> String {
    let mut store = SqliteStore::open(path, &Default::default()).unwrap();
    let tx = store.read().unwrap();
    let u = CalAddress::parse(user).unwrap();
    let a = CalAddress::parse(attendee).unwrap();
    let inst = imip_agent::ical::Instance::from_key(rid);
    tx.object(u.as_str(), uid, &inst)
        .unwrap()
        .and_then(|s| Object::from_stored(&s.text))
        .and_then(|o| o.attendee(&a))
        .map(|p| p.partstat.map(|s| s.to_string()).unwrap_or_else(|| "none".into()))
        .unwrap_or_else(|| "-".into())
}
