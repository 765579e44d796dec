//! Who may book: `access_control_list [file]` (imip-agent 6.2),
//! `same_domain_only`, and beyond imip-agent `internal_only [domains…]`,
//! `allow_list identities…`, `deny_list identities…`.

use super::{SchedulingFunction, misconfigured};
use crate::error::InfraResult;
use crate::i18n::{Reason, Text};
use crate::policy::identities::matches_any;
use crate::policy::{Booking, PolicyView, Step, Verdict};

pub(crate) struct AccessControlList;
pub(crate) struct SameDomainOnly;
pub(crate) struct InternalOnly;
pub(crate) struct AllowList;
pub(crate) struct DenyList;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Accept,
    Decline,
    Reject,
}

/// The refusal of an organiser these functions do not let book.
fn refused(detail: String) -> Step {
    Step::new(Verdict::Decline, Text::Refused, detail).because(Reason::OrganiserNotPermitted)
}

fn action(w: &str) -> Option<Action> {
    match w {
        "accept" => Some(Action::Accept),
        "decline" => Some(Action::Decline),
        "reject" => Some(Action::Reject),
        _ => None,
    }
}

/// Evaluates ACL text: `accept|decline|reject` alone sets the default;
/// `ACTION organiser|attendee IDENTITY…` is a rule; the last matching rule
/// wins; without a default line the default is the opposite of the first
/// rule's action.
fn evaluate_acl(text: &str, b: &Booking) -> Result<(Action, String), String> {
    let mut default: Option<Action> = None;
    let mut first_rule: Option<Action> = None;
    let mut decided: Option<(Action, String)> = None;
    for (n, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let words = crate::policy::parse::split_words(t)?;
        let act = action(&words[0])
            .ok_or_else(|| format!("line {}: unknown action {:?}", n + 1, words[0]))?;
        if words.len() == 1 {
            default = Some(act);
            continue;
        }
        first_rule.get_or_insert(act);
        let role = words[1].as_str();
        let ids = &words[2..];
        let hit = match role {
            "organiser" | "organizer" => matches_any(ids, &b.organizer),
            "attendee" | "attendees" => {
                b.object.attendees().iter().any(|a| matches_any(ids, &a.address))
            }
            other => return Err(format!("line {}: unknown role {other:?}", n + 1)),
        };
        if hit {
            decided = Some((act, format!("rule on line {}", n + 1)));
        }
    }
    Ok(match decided {
        Some(d) => d,
        None => {
            let d = default.unwrap_or(match first_rule {
                Some(Action::Accept) | None => Action::Decline,
                Some(_) => Action::Accept,
            });
            (d, "default".into())
        }
    })
}

impl SchedulingFunction for AccessControlList {
    fn evaluate(
        &self,
        args: &[String],
        b: &mut Booking,
        view: &dyn PolicyView,
    ) -> InfraResult<Step> {
        let text = match args.first() {
            Some(path) => match view.read_policy_file(path) {
                Some(t) => t,
                None => return Ok(misconfigured(format!("cannot read ACL file {path}"))),
            },
            None => b.prefs.get("acl").unwrap_or("").to_string(),
        };
        Ok(match evaluate_acl(&text, b) {
            Ok((Action::Accept, why)) => {
                Step::new(Verdict::Accept, Text::Scheduled, format!("allowed ({why})"))
            }
            Ok((_, why)) => refused(format!("refused ({why})")),
            Err(e) => misconfigured(format!("ACL: {e}")),
        })
    }
}

impl SchedulingFunction for SameDomainOnly {
    fn evaluate(
        &self,
        _args: &[String],
        b: &mut Booking,
        _view: &dyn PolicyView,
    ) -> InfraResult<Step> {
        let same = b.organizer.domain().is_some() && b.organizer.domain() == b.resource.domain();
        Ok(if same {
            Step::new(Verdict::Accept, Text::Scheduled, "organiser in the resource's domain")
        } else {
            refused(format!("organiser {} is not in the resource's domain", b.organizer))
        })
    }
}

impl SchedulingFunction for InternalOnly {
    fn evaluate(
        &self,
        args: &[String],
        b: &mut Booking,
        _view: &dyn PolicyView,
    ) -> InfraResult<Step> {
        let mut domains: Vec<String> =
            args.iter().map(|d| format!("@{}", d.trim_start_matches(['@', '*']))).collect();
        if let Some(d) = b.resource.domain() {
            domains.push(format!("@{d}"));
        }
        Ok(if matches_any(&domains, &b.organizer) {
            Step::new(Verdict::Accept, Text::Scheduled, "organiser is internal")
        } else {
            refused(format!("organiser {} is external", b.organizer))
        })
    }
}

impl SchedulingFunction for AllowList {
    fn evaluate(
        &self,
        args: &[String],
        b: &mut Booking,
        _view: &dyn PolicyView,
    ) -> InfraResult<Step> {
        Ok(if matches_any(args, &b.organizer) {
            Step::new(Verdict::Accept, Text::Scheduled, "organiser on the allow list")
        } else {
            refused(format!("organiser {} is not on the allow list", b.organizer))
        })
    }
}

impl SchedulingFunction for DenyList {
    fn evaluate(
        &self,
        args: &[String],
        b: &mut Booking,
        _view: &dyn PolicyView,
    ) -> InfraResult<Step> {
        Ok(if matches_any(args, &b.organizer) {
            refused(format!("organiser {} is on the deny list", b.organizer))
        } else {
            Step::new(Verdict::Accept, Text::Scheduled, "organiser not on the deny list")
        })
    }
}
