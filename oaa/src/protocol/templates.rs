//! Lists of solvables in which a template (up to variable names) appears
//! once: overwriting and removing declarations by template.
//!
//! Performs no I/O. One frame can carry tens of thousands of declarations,
//! so these work in time linear in the list and the declarations (templates
//! are hashed, and [`Term`]'s hash agrees with its variant equality)
//! rather than comparing every new template with every old one, which kept
//! the facilitator busy for seconds on a single `ev_register_solvables`.

use std::collections::{HashMap, HashSet};

use super::solvable::Solvable;
use crate::icl::Term;

/// Appends `new` to `list`, each replacing any solvable with the same
/// template, as removing the old one and pushing the new one would, one
/// declaration at a time: a template declared again moves to the end.
pub fn overwrite(list: &mut Vec<Solvable>, new: Vec<Solvable>) {
    if new.is_empty() {
        return;
    }
    list.extend(new);
    let keep: Vec<bool> = {
        let mut last: HashMap<&Term, usize> = HashMap::with_capacity(list.len());
        for (i, s) in list.iter().enumerate() {
            last.insert(&s.template, i);
        }
        list.iter().enumerate().map(|(i, s)| last.get(&s.template) == Some(&i)).collect()
    };
    let mut keep = keep.into_iter();
    list.retain(|_| keep.next().unwrap_or(true));
}

/// Removes every solvable whose template is a variant of one in `gone`.
pub fn remove<'a>(list: &mut Vec<Solvable>, gone: impl IntoIterator<Item = &'a Term>) {
    let gone: HashSet<&Term> = gone.into_iter().collect();
    if !gone.is_empty() {
        list.retain(|s| !gone.contains(&s.template));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::icl::parse;

    fn s(t: &str) -> Solvable {
        Solvable::procedure(parse(t).unwrap())
    }

    fn names(list: &[Solvable]) -> Vec<String> {
        list.iter().map(|s| s.template.to_string()).collect()
    }

    /// The one-at-a-time definition the fast version must agree with.
    fn slow_overwrite(list: &mut Vec<Solvable>, new: Vec<Solvable>) {
        for n in new {
            list.retain(|o| o.template != n.template);
            list.push(n);
        }
    }

    #[test]
    fn agrees_with_retain_and_push_one_at_a_time() {
        let old = vec![s("a(X)"), s("b(X,Y)"), s("c")];
        let new = vec![s("b(P,Q)"), s("d"), s("a(Z)"), s("d"), s("b(P,P)")];
        let (mut fast, mut slow) = (old.clone(), old);
        overwrite(&mut fast, new.clone());
        slow_overwrite(&mut slow, new);
        assert_eq!(names(&fast), names(&slow));
        assert_eq!(names(&fast), ["c", "b(P,Q)", "a(Z)", "d", "b(P,P)"]);
    }

    #[test]
    fn removes_variants_only() {
        let mut list = vec![s("a(X)"), s("b(X,Y)"), s("b(X,X)")];
        let gone = [parse("b(P,Q)").unwrap()];
        remove(&mut list, &gone);
        assert_eq!(names(&list), ["a(X)", "b(X,X)"]);
    }

    #[test]
    fn twenty_thousand_declarations_are_quick() {
        let new: Vec<Solvable> = (0..20_000).map(|i| s(&format!("s{i}(X,Y,Z)"))).collect();
        let mut list = Vec::new();
        let started = std::time::Instant::now();
        overwrite(&mut list, new.clone());
        overwrite(&mut list, new);
        assert_eq!(list.len(), 20_000);
        // Comparing each with each (400 million comparisons) took seconds.
        assert!(started.elapsed() < std::time::Duration::from_secs(2), "{:?}", started.elapsed());
    }
}
