//! [`Outcome`]: what processing one message for one recipient produced —
//! calendar parts for other parties (grouped into one message per
//! recipient), messages for the user's mailbox, and log notes. Turning the
//! parts into mail is pure (see `mail::compose`).

use super::Env;
use crate::address::CalAddress;
use crate::i18n::Lang;
use crate::ical::{Method, Object, build_calendar};
pub use crate::itip::plan::OutPart;
use crate::mail::compose::{CalendarAttachment, Thread};
use crate::store::OutboxMessage;

/// What processing produced.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Calendar parts for other parties.
    pub parts: Vec<OutPart>,
    /// Extra calendars appended to every message to a recipient (bundled free/busy).
    pub bundle: Option<Object>,
    /// Finished messages (mailbox deliveries; composed sends).
    pub outbox: Vec<OutboxMessage>,
    /// Log lines: what was done, or why not.
    pub notes: Vec<String>,
    /// Methods seen.
    pub methods: Vec<String>,
    /// Notification texts for the user's mailbox (person agent).
    pub notifications: Vec<String>,
    /// Whether the message's scheduling content was acted on.
    pub handled: bool,
    /// Users whose own free/busy changed (for publishing).
    pub freebusy_changed: Vec<String>,
    /// Resource decisions taken (ACCEPTED, DECLINED, …), in order.
    pub decisions: Vec<String>,
    /// One line per object decided, outcome first ("ACCEPTED room@… REQUEST
    /// uid"), for the status line the MTA keeps and the listener's log.
    pub summary: Vec<String>,
    /// The message being answered: replies refer to it.
    pub thread: Option<Thread>,
}

impl Outcome {
    /// An outcome with one note.
    pub fn note(text: impl Into<String>) -> Outcome {
        Outcome { notes: vec![text.into()], ..Outcome::default() }
    }

    /// Adds a note.
    pub fn log(&mut self, text: impl Into<String>) {
        self.notes.push(text.into());
    }

    /// Composes the calendar parts into one message per recipient and
    /// appends them to the outbox (as "send" messages).
    pub fn compose_parts(&mut self, env: &Env<'_>) {
        let sender = env.sender_email();
        let mut composer = env.composer(&sender);
        composer.thread = self.thread.clone();
        let mut recipients: Vec<CalAddress> = Vec::new();
        for p in &self.parts {
            if !recipients.contains(&p.to) {
                recipients.push(p.to.clone());
            }
        }
        for r in recipients {
            let parts: Vec<&OutPart> = self.parts.iter().filter(|p| p.to == r).collect();
            let Some(email) = r.email() else {
                self.notes.push(format!("cannot send to {r}: not a mail address"));
                continue;
            };
            let mut methods: Vec<Method> = Vec::new();
            for p in &parts {
                if !methods.contains(&p.method) {
                    methods.push(p.method.clone());
                }
            }
            let mut cals: Vec<CalendarAttachment> = methods
                .iter()
                .map(|m| {
                    let objs: Vec<&Object> =
                        parts.iter().filter(|p| p.method == *m).map(|p| &p.object).collect();
                    CalendarAttachment { method: m.clone(), ics: build_calendar(m, &objs) }
                })
                .collect();
            if let Some(b) = &self.bundle {
                cals.push(CalendarAttachment {
                    method: Method::Publish,
                    ics: build_calendar(&Method::Publish, &[b]),
                });
            }
            let mut texts: Vec<String> = Vec::new();
            for p in &parts {
                if let Some(t) = &p.text
                    && !texts.contains(t)
                {
                    texts.push(t.clone());
                }
            }
            let text = if texts.is_empty() { None } else { Some(texts.join("\n\n")) };
            let lang = parts.first().map(|p| p.lang).unwrap_or(Lang::En);
            let subject = match parts.first() {
                Some(p) => crate::i18n::subjects::subject(lang, &p.method, &p.object),
                None => crate::mail::compose::generic_subject(lang).to_string(),
            };
            let bytes =
                composer.calendar_message(&[email.to_string()], &subject, text.as_deref(), &cals);
            self.outbox.push(OutboxMessage {
                kind: "send".into(),
                from: sender.clone(),
                to: vec![email.to_string()],
                label: "Outgoing parts".into(),
                bytes,
            });
        }
        self.parts.clear();
    }
}
