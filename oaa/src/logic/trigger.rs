//! Triggers (reference §9): a store of installed triggers and the decision
//! of which ones fire for an event.
//!
//! Performs no I/O. Condition, action and `test(...)` are copied together
//! with fresh variables before matching, so variables bound by the
//! condition are visible in the action. Recurrence: `when` (once, the
//! default), `whenever`, or `N` times.

use crate::icl::{Bindings, Renamer, Term, unify};
use crate::logic::eval::{Facts, holds};
use crate::protocol::params::{get, list_items};

/// The four trigger types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TriggerKind {
    /// On changes to data solvables.
    Data,
    /// On messages sent or received.
    Comm,
    /// Domain events the application checks itself.
    Task,
    /// At times (kept by the facilitator's built-in alarm).
    Time,
}

impl TriggerKind {
    /// Reads `data`, `comm`, `task` or `time`.
    pub fn from_term(t: &Term) -> Option<TriggerKind> {
        Some(match t.as_atom()? {
            "data" => TriggerKind::Data,
            "comm" => TriggerKind::Comm,
            "task" => TriggerKind::Task,
            "time" => TriggerKind::Time,
            _ => return None,
        })
    }

    /// The type's name on the wire.
    pub fn name(self) -> &'static str {
        match self {
            TriggerKind::Data => "data",
            TriggerKind::Comm => "comm",
            TriggerKind::Task => "task",
            TriggerKind::Time => "time",
        }
    }
}

/// How often a trigger fires before it is removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recurrence {
    /// Once (`recurrence(when)`, the default).
    When,
    /// Every time (`recurrence(whenever)`).
    Whenever,
    /// This many more times (`recurrence(N)`).
    Times(u64),
}

impl Recurrence {
    /// Reads `recurrence(...)` from trigger parameters.
    pub fn from_params(params: &[Term]) -> Recurrence {
        match get(params, "recurrence") {
            Some(Term::Atom(a)) if a.as_str() == "whenever" => Recurrence::Whenever,
            Some(Term::Int(n)) if n > 0 => Recurrence::Times(n as u64),
            _ => Recurrence::When,
        }
    }
}

/// An installed trigger.
#[derive(Clone, Debug, PartialEq)]
pub struct Trigger {
    /// Store-local id.
    pub id: u64,
    /// Its type.
    pub kind: TriggerKind,
    /// The condition pattern.
    pub cond: Term,
    /// What to do: `oaa_Solve(G, P)`, `oaa_Interpret(G, P)` or a bare goal.
    pub action: Term,
    /// The parameters it was installed with.
    pub params: Vec<Term>,
    /// Who installed it (`None`: the holder itself).
    pub owner: Option<Term>,
    /// Remaining recurrence.
    pub recurrence: Recurrence,
    /// Operations it reacts to (`add`, `remove`, `replace`, `send`,
    /// `receive`); empty means all.
    pub on: Vec<String>,
    /// Extra condition.
    pub test: Option<Term>,
}

/// A trigger that fired: its action with the condition's bindings applied.
#[derive(Clone, Debug, PartialEq)]
pub struct Fired {
    /// The trigger's id.
    pub id: u64,
    /// The instantiated action.
    pub action: Term,
    /// Who installed the trigger.
    pub owner: Option<Term>,
}

/// Installed triggers of one holder.
#[derive(Clone, Debug, Default)]
pub struct TriggerStore {
    triggers: Vec<Trigger>,
    next: u64,
}

impl TriggerStore {
    /// No triggers.
    pub fn new() -> Self {
        TriggerStore::default()
    }

    /// Installs a trigger and returns its id.
    pub fn add(
        &mut self,
        kind: TriggerKind,
        cond: Term,
        action: Term,
        params: Vec<Term>,
        owner: Option<Term>,
    ) -> u64 {
        self.next += 1;
        let on = get(&params, "on")
            .map(|o| {
                list_items(&o).iter().filter_map(|t| t.as_atom().map(str::to_string)).collect()
            })
            .unwrap_or_default();
        let trigger = Trigger {
            id: self.next,
            kind,
            recurrence: Recurrence::from_params(&params),
            test: get(&params, "test"),
            cond,
            action,
            params,
            owner,
            on,
        };
        self.triggers.push(trigger);
        self.next
    }

    /// Removes triggers of `kind` whose condition and action unify with the
    /// given ones; returns how many went.
    pub fn remove(&mut self, kind: TriggerKind, cond: &Term, action: &Term) -> usize {
        let before = self.triggers.len();
        self.triggers.retain(|t| {
            if t.kind != kind {
                return true;
            }
            let mut r = Renamer::new();
            let pair = Term::compound("t", vec![r.copy(&t.cond), r.copy(&t.action)]);
            let want = Term::compound("t", vec![cond.clone(), action.clone()]);
            !unify(&pair, &want, &mut Bindings::new())
        });
        before - self.triggers.len()
    }

    /// Removes the triggers `owner` installed.
    pub fn remove_owned_by(&mut self, owner: &Term) -> usize {
        let before = self.triggers.len();
        self.triggers.retain(|t| t.owner.as_ref() != Some(owner));
        before - self.triggers.len()
    }

    /// Removes one trigger by id.
    pub fn remove_id(&mut self, id: u64) -> Option<Trigger> {
        let i = self.triggers.iter().position(|t| t.id == id)?;
        Some(self.triggers.remove(i))
    }

    /// The installed triggers.
    pub fn triggers(&self) -> &[Trigger] {
        &self.triggers
    }

    /// The triggers as `oaa_trigger(Id, Type, Cond, Action, Params)` facts.
    pub fn as_facts(&self) -> Vec<Term> {
        self.triggers
            .iter()
            .map(|t| {
                Term::compound(
                    "oaa_trigger",
                    vec![
                        Term::Int(t.id as i64),
                        Term::atom(t.kind.name()),
                        t.cond.clone(),
                        t.action.clone(),
                        Term::list(t.params.clone()),
                    ],
                )
            })
            .collect()
    }

    /// Fires every trigger of `kind` whose condition matches `subject` for
    /// operation `op` (and whose test holds), updating recurrence counts.
    pub fn fire(
        &mut self,
        kind: TriggerKind,
        subject: &Term,
        op: &str,
        facts: &dyn Facts,
    ) -> Vec<Fired> {
        let mut fired = Vec::new();
        let mut exhausted = Vec::new();
        for t in self.triggers.iter_mut() {
            if t.kind != kind || !(t.on.is_empty() || t.on.iter().any(|o| o == op)) {
                continue;
            }
            let Some(action) = matched_action(t, subject, facts) else { continue };
            fired.push(Fired { id: t.id, action, owner: t.owner.clone() });
            match t.recurrence {
                Recurrence::When | Recurrence::Times(0 | 1) => exhausted.push(t.id),
                Recurrence::Times(n) => t.recurrence = Recurrence::Times(n - 1),
                Recurrence::Whenever => {}
            }
        }
        self.triggers.retain(|t| !exhausted.contains(&t.id));
        fired
    }

    /// Counts one firing of trigger `id` that the caller decided on (time
    /// triggers); returns false when the trigger is now used up and removed.
    pub fn count_firing(&mut self, id: u64) -> bool {
        let Some(i) = self.triggers.iter().position(|t| t.id == id) else { return false };
        match self.triggers[i].recurrence {
            Recurrence::When | Recurrence::Times(0 | 1) => {
                self.triggers.remove(i);
                false
            }
            Recurrence::Times(n) => {
                self.triggers[i].recurrence = Recurrence::Times(n - 1);
                true
            }
            Recurrence::Whenever => true,
        }
    }
}

/// The action of `t` instantiated for `subject`, if the condition matches
/// and the test holds.
pub fn matched_action(t: &Trigger, subject: &Term, facts: &dyn Facts) -> Option<Term> {
    let mut r = Renamer::new();
    let cond = r.copy(&t.cond);
    let action = r.copy(&t.action);
    let test = t.test.as_ref().map(|x| r.copy(x));
    let mut bs = Bindings::new();
    if !unify(&cond, subject, &mut bs) {
        return None;
    }
    if let Some(test) = test {
        bs = holds(&test, &bs, facts)?;
    }
    bs.resolve(&action).ok()
}

/// Splits an action into (kind, goal, params): `oaa_Solve` (kind
/// `"solve"`) or `oaa_Interpret` (`"interpret"`); a bare goal is
/// `oaa_Solve(Goal, [])`. Inside an action `reply` defaults to `none`.
pub fn action_parts(action: &Term) -> (&'static str, Term, Vec<Term>) {
    let kind = match action.functor() {
        Some(("oaa_Solve", 1 | 2)) => "solve",
        Some(("oaa_Interpret", 1 | 2)) => "interpret",
        _ => return ("solve", action.clone(), vec![reply_none()]),
    };
    let goal = action.args()[0].clone();
    let mut params = action.arg(1).map(list_items).unwrap_or_default();
    if get(&params, "reply").is_none() {
        params.push(reply_none());
    }
    (kind, goal, params)
}

fn reply_none() -> Term {
    Term::compound("reply", vec![Term::atom("none")])
}
