//! The solvables a calendar agent declares (docs/oaa-calendar.md §2): their
//! templates, argument types and utility. Performs no I/O.
//!
//! An agent serving the whole store declares each template once with the
//! user as a variable. An agent serving chosen users (`--user`) declares
//! each template per user with the user bound, in both the `'mailto:…'`
//! and the bare address form, so that the facilitator sends a request only
//! to the agent holding that calendar, and a petition (`book_any`) goes to
//! the agents of the matching resources in utility order.

use super::directory::{Kind, Scope};
use crate::address::CalAddress;
use oaa::icl::Term;
use oaa::protocol::{ArgSpec, Solvable};

fn ty(name: &str) -> Term {
    Term::atom(name)
}

fn req(t: &str) -> ArgSpec {
    ArgSpec::In(ty(t), true)
}

fn out(t: &str) -> ArgSpec {
    ArgSpec::Out(ty(t), true)
}

fn opt(t: &str) -> ArgSpec {
    ArgSpec::InOut(ty(t), false)
}

/// One template: name, argument names, argument specs.
struct Template {
    name: &'static str,
    args: &'static [&'static str],
    specs: fn() -> Vec<ArgSpec>,
    /// Index of the argument holding the served user.
    user: usize,
    /// Offered by resources only.
    resource_only: bool,
    /// The user argument is an output (petitions): bound only in the
    /// `mailto:` form.
    user_is_output: bool,
}

impl Template {
    /// A template for people and resources, the user its first argument.
    const fn for_users(
        name: &'static str,
        args: &'static [&'static str],
        specs: fn() -> Vec<ArgSpec>,
    ) -> Template {
        Template { name, args, specs, user: 0, resource_only: false, user_is_output: false }
    }

    /// A template for resources only, the resource its first argument.
    const fn for_resources(
        name: &'static str,
        args: &'static [&'static str],
        specs: fn() -> Vec<ArgSpec>,
    ) -> Template {
        Template { resource_only: true, ..Template::for_users(name, args, specs) }
    }
}

const PROCEDURES: &[Template] = &[
    Template::for_users("freebusy", &["User", "Start", "End", "Periods"], || {
        vec![req("atom"), req("atom"), req("atom"), out("list")]
    }),
    Template::for_users("available", &["User", "Start", "End"], || {
        vec![req("atom"), req("atom"), req("atom")]
    }),
    Template::for_users("suggest", &["User", "Duration", "After", "Slot"], || {
        vec![req("atom"), req("atomic"), req("atom"), out("compound")]
    }),
    Template::for_users("event", &["User", "Uid", "Summary", "Start", "End", "PartStat"], || {
        vec![req("atom"), opt("atom"), opt("atom"), opt("atom"), opt("atom"), opt("atom")]
    }),
    Template::for_users("preference", &["User", "Name", "Value"], || {
        vec![req("atom"), opt("atom"), opt("atomic")]
    }),
    Template::for_resources(
        "book",
        &["Resource", "Organizer", "Start", "End", "Summary", "Decision"],
        || vec![req("atom"), req("atom"), req("atom"), req("atom"), req("atomic"), opt("atom")],
    ),
    Template::for_resources(
        "book",
        &["Resource", "Organizer", "Start", "End", "Summary", "Decision", "Uid"],
        || {
            vec![
                req("atom"),
                req("atom"),
                req("atom"),
                req("atom"),
                req("atomic"),
                opt("atom"),
                opt("atom"),
            ]
        },
    ),
    Template {
        name: "book_any",
        args: &["Requirements", "Organizer", "Start", "End", "Summary", "Resource", "Decision"],
        specs: || {
            vec![
                req("list"),
                req("atom"),
                req("atom"),
                req("atom"),
                req("atomic"),
                opt("atom"),
                opt("atom"),
            ]
        },
        user: 5,
        resource_only: true,
        user_is_output: true,
    },
];

/// The change-stamp data solvable, `changed(User, Stamp)`.
pub const CHANGED: &str = "changed";

fn template(t: &Template, user: Option<&Term>) -> Term {
    let args = t
        .args
        .iter()
        .enumerate()
        .map(|(i, a)| match user {
            Some(u) if i == t.user => u.clone(),
            _ => Term::var(a),
        })
        .collect();
    Term::compound(t.name, args)
}

/// The forms of a user that bound templates carry.
fn forms(user: &CalAddress, output: bool) -> Vec<Term> {
    let mut v = vec![Term::atom(user.as_str())];
    if !output && let Some(e) = user.email() {
        v.push(Term::atom(e));
    }
    v
}

/// The declarations for a scope and its users. `utility` ranks this agent
/// among providers of the same goal (petitions try higher first).
pub fn solvables(scope: &Scope, users: &[(CalAddress, Kind)], utility: i64) -> Vec<Solvable> {
    let mut out = Vec::new();
    let changed = |user: Option<Term>| {
        let u = user.unwrap_or_else(|| Term::var("User"));
        // Read by anyone, changed only by this agent (owner API): write(false).
        Solvable::data(Term::compound(CHANGED, vec![u, Term::var("Stamp")]))
    };
    match scope {
        Scope::All => {
            for t in PROCEDURES {
                out.push(
                    Solvable::procedure(template(t, None)).argspecs((t.specs)()).utility(utility),
                );
            }
            out.push(changed(None));
        }
        Scope::Users(_) => {
            for (user, kind) in users {
                for t in PROCEDURES.iter().filter(|t| !t.resource_only || *kind == Kind::Resource) {
                    for f in forms(user, t.user_is_output) {
                        out.push(
                            Solvable::procedure(template(t, Some(&f)))
                                .argspecs((t.specs)())
                                .utility(utility),
                        );
                    }
                }
                out.push(changed(Some(Term::atom(user.as_str()))));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn whole_store_declares_each_template_once() {
        let s = solvables(&Scope::All, &[], 5);
        let names: Vec<String> = s.iter().map(|x| x.template.to_string()).collect();
        assert_eq!(names.len(), PROCEDURES.len() + 1);
        assert!(names.contains(&"freebusy(User,Start,End,Periods)".to_string()), "{names:?}");
        assert!(names.contains(&"changed(User,Stamp)".to_string()));
    }

    #[test]
    fn chosen_users_are_bound_in_both_forms() {
        let room = CalAddress::parse("room-1@example.com").unwrap();
        let alice = CalAddress::parse("alice@example.com").unwrap();
        let s = solvables(
            &Scope::Users(vec![room.clone(), alice.clone()]),
            &[(room, Kind::Resource), (alice, Kind::Person)],
            8,
        );
        let names: Vec<String> = s.iter().map(|x| x.template.to_string()).collect();
        assert!(names.contains(&"freebusy('mailto:room-1@example.com',Start,End,Periods)".into()));
        assert!(names.contains(&"freebusy('room-1@example.com',Start,End,Periods)".into()));
        assert!(names.contains(
            &"book_any(Requirements,Organizer,Start,End,Summary,'mailto:room-1@example.com',Decision)"
                .into()
        ));
        assert!(
            !names.iter().any(|n| n.starts_with("book('mailto:alice")),
            "people are not booked"
        );
        assert!(names.contains(&"changed('mailto:alice@example.com',Stamp)".into()));
        assert!(
            s.iter()
                .filter(|x| x.template.functor() != Some(("changed", 2)))
                .all(|x| x.utility == 8)
        );
    }
}
