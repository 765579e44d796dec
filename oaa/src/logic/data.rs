//! Data solvables: a fact store with the OAA update semantics (reference
//! §8), used both by the facilitator (blackboards declared with
//! `address(parent)`) and by the agent library (agent-held data).
//!
//! Performs no I/O. Every fact records its owner so that an agent's facts
//! can be dropped when it leaves (unless `persistent(true)` or
//! `bookkeeping(false)`). Operations return the changes they made so the
//! caller can run data triggers.

use crate::icl::{Bindings, Renamer, Term, unify};
use crate::logic::eval::{self, Facts};
use crate::protocol::solvable::{Solvable, SolvableKind};

/// A stored clause and who added it.
#[derive(Clone, Debug, PartialEq)]
pub struct Fact {
    /// A fact, or `Head :- Body` for `rules_ok` solvables.
    pub clause: Term,
    /// The address of the agent that added it; `None` for the holder itself.
    pub owner: Option<Term>,
}

/// One change made to the store.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// A clause was added.
    Add(Term),
    /// A clause was removed.
    Remove(Term),
    /// `old` was replaced by `new`.
    Replace(Term, Term),
}

/// Why an update was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DataError {
    /// No data solvable matches the clause.
    #[error("no data solvable matches {0}")]
    NoSolvable(String),
    /// A rule was given to a solvable without `rules_ok(true)`.
    #[error("rules are not allowed for {0}")]
    RulesNotAllowed(String),
}

/// Update options (`at_beginning`, `do_all`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UpdateOptions {
    /// Prepend instead of append.
    pub at_beginning: bool,
    /// Remove every match instead of the first.
    pub do_all: bool,
}

/// Data solvables and their facts.
#[derive(Clone, Debug, Default)]
pub struct DataStore {
    solvables: Vec<Solvable>,
    facts: Vec<Fact>,
}

/// The head of a clause (`H` for `H :- B`).
pub fn head(clause: &Term) -> &Term {
    if clause.is(":-", 2) { &clause.args()[0] } else { clause }
}

fn matches(template: &Term, t: &Term) -> bool {
    let mut bs = Bindings::new();
    unify(&Renamer::new().copy(template), t, &mut bs)
}

impl DataStore {
    /// An empty store.
    pub fn new() -> Self {
        DataStore::default()
    }

    /// Declares a data solvable (other kinds are ignored).
    pub fn declare(&mut self, s: Solvable) {
        if s.kind == SolvableKind::Data {
            self.solvables.retain(|o| o.template != s.template);
            self.solvables.push(s);
        }
    }

    /// [`DataStore::declare`] for many at once, in linear time.
    pub fn declare_all(&mut self, solvables: Vec<Solvable>) {
        let data = solvables.into_iter().filter(|s| s.kind == SolvableKind::Data).collect();
        crate::protocol::templates::overwrite(&mut self.solvables, data);
    }

    /// Removes a declaration and its facts; returns the removed facts.
    pub fn undeclare(&mut self, template: &Term) -> Vec<Term> {
        self.solvables.retain(|o| &o.template != template);
        let (gone, kept): (Vec<Fact>, Vec<Fact>) = std::mem::take(&mut self.facts)
            .into_iter()
            .partition(|f| matches(template, head(&f.clause)));
        self.facts = kept;
        gone.into_iter().map(|f| f.clause).collect()
    }

    /// The declared data solvables.
    pub fn solvables(&self) -> &[Solvable] {
        &self.solvables
    }

    /// All stored facts in order.
    pub fn facts(&self) -> &[Fact] {
        &self.facts
    }

    /// The data solvable whose template matches `clause`'s head.
    pub fn solvable_for(&self, clause: &Term) -> Option<&Solvable> {
        let h = head(clause);
        self.solvables.iter().find(|s| matches(&s.template, h))
    }

    /// Adds a clause. Returns the changes (empty when `unique_values`
    /// refused a duplicate). With `single_value` the new fact replaces the
    /// old one.
    pub fn add(
        &mut self,
        clause: Term,
        owner: Option<Term>,
        opts: UpdateOptions,
    ) -> Result<Vec<Change>, DataError> {
        let Some(s) = self.solvable_for(&clause) else {
            return Err(DataError::NoSolvable(clause.to_string()));
        };
        if clause.is(":-", 2) && !s.rules_ok {
            return Err(DataError::RulesNotAllowed(s.template.to_string()));
        }
        let (template, single, unique) = (s.template.clone(), s.single_value, s.unique_values);
        if unique && self.facts.iter().any(|f| f.clause == clause) {
            return Ok(Vec::new());
        }
        let fact = Fact { clause: clause.clone(), owner };
        if single {
            // single_value: the new fact takes the place of the old one(s).
            let mut old = None;
            let mut i = 0;
            while i < self.facts.len() {
                if matches(&template, head(&self.facts[i].clause)) {
                    let f = self.facts.remove(i);
                    old.get_or_insert(f.clause);
                } else {
                    i += 1;
                }
            }
            self.facts.push(fact);
            return Ok(vec![match old {
                Some(o) => Change::Replace(o, clause),
                None => Change::Add(clause),
            }]);
        }
        if opts.at_beginning {
            self.facts.insert(0, fact);
        } else {
            self.facts.push(fact);
        }
        Ok(vec![Change::Add(clause)])
    }

    /// Removes the first clause unifying with `pattern`, or all of them with
    /// `do_all`. Only facts of data solvables matching the pattern are
    /// considered.
    pub fn remove(&mut self, pattern: &Term, opts: UpdateOptions) -> Vec<Change> {
        let mut removed = Vec::new();
        let mut i = 0;
        while i < self.facts.len() {
            if matches(&self.facts[i].clause, pattern) {
                removed.push(Change::Remove(self.facts.remove(i).clause));
                if !opts.do_all {
                    break;
                }
            } else {
                i += 1;
            }
        }
        removed
    }

    /// Replaces clauses matching `old` by `new`, in place. When nothing
    /// matches, `new` is added (an upsert; our choice, handy for "latest
    /// value" facts such as change stamps).
    pub fn replace(
        &mut self,
        old: &Term,
        new: Term,
        owner: Option<Term>,
        opts: UpdateOptions,
    ) -> Result<Vec<Change>, DataError> {
        let Some(s) = self.solvable_for(&new) else {
            return Err(DataError::NoSolvable(new.to_string()));
        };
        if new.is(":-", 2) && !s.rules_ok {
            return Err(DataError::RulesNotAllowed(s.template.to_string()));
        }
        let Some(first) = self.facts.iter().position(|f| matches(&f.clause, old)) else {
            return self.add(new, owner, opts);
        };
        let old_fact =
            std::mem::replace(&mut self.facts[first], Fact { clause: new.clone(), owner });
        let mut changes = vec![Change::Replace(old_fact.clause, new)];
        if opts.do_all {
            let mut i = first + 1;
            while i < self.facts.len() {
                if matches(&self.facts[i].clause, old) {
                    changes.push(Change::Remove(self.facts.remove(i).clause));
                } else {
                    i += 1;
                }
            }
        }
        Ok(changes)
    }

    /// Removes the facts `owner` added to solvables with bookkeeping and
    /// without persistence (called when that agent leaves).
    pub fn remove_owned_by(&mut self, owner: &Term) -> Vec<Change> {
        let solvables = &self.solvables;
        let mut removed = Vec::new();
        self.facts.retain(|f| {
            let owned = f.owner.as_ref() == Some(owner);
            let drop = owned
                && solvables
                    .iter()
                    .find(|s| matches(&s.template, head(&f.clause)))
                    .is_none_or(|s| s.bookkeeping && !s.persistent);
            if drop {
                removed.push(Change::Remove(f.clause.clone()));
            }
            !drop
        });
        removed
    }

    /// Solutions of `goal` against the stored clauses: instances of `goal`.
    pub fn query(&self, goal: &Term) -> Vec<Term> {
        eval::solve(goal, &Bindings::new(), self)
            .into_iter()
            .filter_map(|b| b.resolve(goal).ok())
            .collect()
    }
}

impl Facts for DataStore {
    fn clauses_for(&self, goal: &Term) -> Vec<Term> {
        let key = goal.functor();
        self.facts
            .iter()
            .filter(|f| head(&f.clause).functor() == key)
            .map(|f| f.clause.clone())
            .collect()
    }
}
