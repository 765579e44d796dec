//! Property tests: print/parse round trip and unification laws.
#![allow(clippy::unwrap_used)]

use oaa::icl::{Bindings, GroupKind, Term, parse, print, rename, unify, variant};
use proptest::prelude::*;

fn leaf() -> impl Strategy<Value = Term> {
    prop_oneof![
        any::<i64>().prop_map(Term::Int),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Term::Float),
        "[a-z][a-zA-Z0-9_]{0,6}".prop_map(|s| Term::atom(&s)),
        "[ -~]{0,6}".prop_map(|s| Term::atom(&s)),
        prop::sample::select(vec![
            "[]", "{}", "!", ";", ",", "|", "-", "+", ":-", "=", "::", "\\", ".", "==>", "é", "€",
            "'\n"
        ])
        .prop_map(Term::atom),
        "[A-Z][a-z0-9]{0,2}".prop_map(|s| Term::var(&s)),
        Just(()).prop_map(|_| Term::fresh_var()),
    ]
}

fn term() -> impl Strategy<Value = Term> {
    leaf().prop_recursive(5, 48, 4, |inner| {
        let name = prop_oneof![
            "[a-z][a-z0-9]{0,4}".prop_map(|s| s),
            prop::sample::select(vec![
                ":-", ";", "\\", "=", ":", "::", "+", "-", "*", "/", "'q x", "{}", "[]", "<"
            ])
            .prop_map(|s| s.to_string()),
        ];
        prop_oneof![
            (name, prop::collection::vec(inner.clone(), 1..4))
                .prop_map(|(f, args)| Term::compound(&f, args)),
            prop::collection::vec(inner.clone(), 0..4).prop_map(Term::list),
            (prop::collection::vec(inner.clone(), 1..3), inner.clone())
                .prop_map(|(items, tail)| Term::partial_list(items, tail)),
            prop::collection::vec(inner.clone(), 2..4)
                .prop_map(|items| Term::Group(GroupKind::Paren, items.into())),
            prop::collection::vec(inner, 1..3)
                .prop_map(|items| Term::Group(GroupKind::Brace, items.into())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    /// The fuzz target's property on ICL-flavoured noise: never panic, and
    /// whatever parses survives print and re-parse.
    #[test]
    fn noise_never_panics_and_round_trips(s in "[a-zA-Z0-9_ ()\\[\\]{},|.'\"%/*+=:;!\\\\-]{0,40}") {
        if let Ok(t) = parse(&s) {
            let p = print(&t);
            let again = parse(&p).map_err(|e| TestCaseError::fail(format!("{s:?} printed {p:?}: {e}")))?;
            prop_assert_eq!(again, t);
        }
    }

    #[test]
    fn print_parse_round_trip(t in term()) {
        let text = print(&t);
        let back = parse(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(&back, &t, "printed as {}", text);
        prop_assert_eq!(print(&back), text);
    }

    #[test]
    fn unification_is_symmetric(a in term(), b in term()) {
        let b = rename(&b);
        let (mut x, mut y) = (Bindings::new(), Bindings::new());
        let ab = unify(&a, &b, &mut x);
        let ba = unify(&b, &a, &mut y);
        prop_assert_eq!(ab, ba);
        if ab {
            let l = x.resolve(&a).unwrap();
            prop_assert!(variant(&l, &x.resolve(&b).unwrap()));
            prop_assert!(variant(&l, &y.resolve(&a).unwrap()));
        }
    }

    #[test]
    fn unifier_is_idempotent(a in term(), b in term()) {
        let b = rename(&b);
        let mut bs = Bindings::new();
        if unify(&a, &b, &mut bs) {
            let once = bs.resolve(&a).unwrap();
            let twice = bs.resolve(&once).unwrap();
            prop_assert!(oaa::icl::identical(&once, &twice));
            // Unifying the instance again binds nothing new.
            let mark = bs.len();
            prop_assert!(unify(&once, &b, &mut bs));
            prop_assert_eq!(bs.len(), mark);
        }
    }

    #[test]
    fn a_term_unifies_with_its_renaming(a in term()) {
        let mut bs = Bindings::new();
        prop_assert!(unify(&a, &rename(&a), &mut bs));
        prop_assert!(variant(&a, &rename(&a)));
    }
}
