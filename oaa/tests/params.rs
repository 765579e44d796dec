//! Solve parameters and solvable parameters over real loopback TCP.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use oaa::agent::Request;
use oaa::protocol::{ArgSpec, Solvable};

macro_rules! bounded {
    ($body:expr) => {
        tokio::time::timeout(TEST_TIMEOUT, $body).await.expect("test timed out")
    };
}

#[tokio::test]
async fn reflexive_false_excludes_the_requester() {
    bounded!(async {
        let (_f, addr) = facilitator().await;
        let me = fact_provider(&addr, "me", "who(X)", 5, &["who(me)"]).await;
        let _other = fact_provider(&addr, "other", "who(X)", 5, &["who(other)"]).await;
        assert_eq!(me.solve(t("who(X)"), vec![]).await.unwrap().len(), 2);
        let s = me.solve(t("who(X)"), ts(&["reflexive(false)"])).await.unwrap();
        assert_eq!(strs(&s.solutions), ["who(other)"]);
        let own = me.solve(t("who(X)"), ts(&["address(self)"])).await.unwrap();
        assert_eq!(strs(&own.solutions), ["who(me)"]);
    })
}

#[tokio::test]
async fn unique_values_test_and_parallel_ok_false() {
    bounded!(async {
        let (_f, addr) = facilitator().await;
        let _a = fact_provider(&addr, "a", "price(I, P)", 6, &["price(tea, 3)", "price(cake, 12)"])
            .await;
        let _b =
            fact_provider(&addr, "b", "price(I, P)", 5, &["price(tea, 3)", "price(pie, 8)"]).await;
        let c = client(&addr, "c").await;
        assert_eq!(c.solve(t("price(I, P)"), vec![]).await.unwrap().len(), 4);
        let u = c.solve(t("price(I, P)"), ts(&["unique_values(true)"])).await.unwrap();
        assert_eq!(strs(&u.solutions), ["price(tea,3)", "price(cake,12)", "price(pie,8)"]);
        let cheap =
            c.solve(t("price(I, P)"), ts(&["test('<'(P, 10))", "unique_values"])).await.unwrap();
        assert_eq!(strs(&cheap.solutions), ["price(tea,3)", "price(pie,8)"]);
        let seq = c
            .solve(t("price(I, P)"), ts(&["parallel_ok(false)", "solution_limit(2)"]))
            .await
            .unwrap();
        assert_eq!(strs(&seq.solutions), ["price(tea,3)", "price(cake,12)"]);
        assert_eq!(seq.requestees.len(), 1, "the second provider is never asked");
    })
}

#[tokio::test]
async fn inform_and_reply_none_reach_providers_without_answers() {
    bounded!(async {
        let (_f, addr) = facilitator().await;
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s2 = seen.clone();
        let _p =
            provider(&addr, "p", vec![Solvable::procedure(t("told(X)"))], move |r: Request| {
                s2.lock().unwrap().push(r.goal().to_string());
                r.fail();
            })
            .await;
        let c = client(&addr, "c").await;
        let a = c.solve(t("told(1)"), ts(&["strategy(inform)"])).await.unwrap();
        let b = c.solve(t("told(2)"), ts(&["reply(none)"])).await.unwrap();
        assert!(a.is_empty() && b.is_empty());
        eventually(|| seen.lock().unwrap().len() == 2).await;
    })
}

#[tokio::test]
async fn cache_context_and_background_solves() {
    bounded!(async {
        let (_f, addr) = facilitator().await;
        let calls = Arc::new(Mutex::new(Vec::new()));
        let c2 = calls.clone();
        let _p = provider(
            &addr,
            "p",
            vec![Solvable::procedure(t("expensive(X)"))],
            move |r: Request| {
                c2.lock().unwrap().push(r.context().map(|c| c.to_string()).unwrap_or_default());
                let s = r.matching([t("expensive(42)")]);
                r.reply(s);
            },
        )
        .await;
        let c = client(&addr, "c").await;
        for _ in 0..3 {
            let s =
                c.solve(t("expensive(X)"), ts(&["cache(true)", "context(trip7)"])).await.unwrap();
            assert_eq!(strs(&s.solutions), ["expensive(42)"]);
        }
        assert_eq!(*calls.lock().unwrap(), ["trip7"]);
        let h = c.solve_in_background(t("expensive(X)"), ts(&["blocking(false)"]));
        assert_eq!(h.await.unwrap().unwrap().len(), 1);
    })
}

#[tokio::test]
async fn permissions_argspecs_and_private_solvables() {
    bounded!(async {
        let (_f, addr) = facilitator().await;
        let _p = fact_provider(&addr, "p", "visible(X)", 5, &["visible(1)"]).await;
        let _q = provider(
            &addr,
            "q",
            vec![
                Solvable::procedure(t("hidden(X)")).callable(false),
                Solvable::procedure(t("secret(X)")).private(true),
                Solvable::procedure(t("square(N, S)")).argspecs(vec![
                    ArgSpec::In(oaa::icl::Term::atom("integer"), true),
                    ArgSpec::Out(oaa::icl::Term::atom("integer"), true),
                ]),
            ],
            |r: Request| {
                let n = r.args()[0].as_int().unwrap_or(0);
                let s = r.matching([oaa::icl::Term::compound(
                    "square",
                    vec![oaa::icl::Term::Int(n), oaa::icl::Term::Int(n * n)],
                )]);
                r.reply(s)
            },
        )
        .await;
        let c = client(&addr, "c").await;
        assert!(c.solve(t("hidden(X)"), vec![]).await.unwrap().is_empty());
        assert!(c.solve(t("secret(X)"), vec![]).await.unwrap().is_empty());
        assert!(c.solve(t("can_solve(square(_, _), A)"), vec![]).await.unwrap().is_empty());
        assert!(c.solve(t("square(x, S)"), vec![]).await.unwrap().is_empty());
        assert_eq!(
            strs(&c.solve(t("square(4, S)"), vec![]).await.unwrap().solutions),
            ["square(4,16)"]
        );
    })
}

#[tokio::test]
async fn declare_undeclare_redeclare() {
    bounded!(async {
        let (_f, addr) = facilitator().await;
        let p = fact_provider(&addr, "p", "old(X)", 5, &["old(1)", "new(2)", "extra(3)"]).await;
        let c = client(&addr, "c").await;
        assert_eq!(c.solve(t("old(X)"), vec![]).await.unwrap().len(), 1);
        p.redeclare(vec![Solvable::procedure(t("old(X)"))], vec![Solvable::procedure(t("new(X)"))])
            .await
            .unwrap();
        assert!(c.solve(t("old(X)"), vec![]).await.unwrap().is_empty());
        assert_eq!(c.solve(t("new(X)"), vec![]).await.unwrap().len(), 1);
        p.declare(vec![Solvable::procedure(t("extra(X)"))]).await.unwrap();
        assert_eq!(c.solve(t("extra(X)"), vec![]).await.unwrap().len(), 1);
        p.undeclare(vec![Solvable::procedure(t("extra(X)"))]).await.unwrap();
        assert!(c.solve(t("extra(X)"), vec![]).await.unwrap().is_empty());
    })
}

#[tokio::test]
async fn data_solvable_params_rules_single_and_unique() {
    bounded!(async {
        let (_f, addr) = facilitator().await;
        let o = client(&addr, "owner").await;
        o.declare_on_facilitator(vec![
            Solvable::data(t("parent(X, Y)")),
            Solvable::data(t("grand(X, Z)")).rules_ok(true),
            Solvable::data(t("current(X)")).single_value(true),
            Solvable::data(t("tag(X)")).unique_values(true),
        ])
        .await
        .unwrap();
        for f in ["parent(ann, bob)", "parent(bob, cy)", "parent(bob, di)"] {
            o.add_data(t(f), vec![]).await.unwrap();
        }
        assert!(
            o.add_data(t("grand(X, Z) :- (parent(X, Y), parent(Y, Z))"), vec![])
                .await
                .unwrap()
                .applied()
        );
        let g = o.solve(t("grand(ann, Z)"), vec![]).await.unwrap();
        assert_eq!(strs(&g.solutions), ["grand(ann,cy)", "grand(ann,di)"]);
        assert!(
            !o.add_data(t("parent(a, b) :- true"), vec![]).await.unwrap().applied(),
            "rules need rules_ok"
        );
        o.add_data(t("current(1)"), vec![]).await.unwrap();
        o.add_data(t("current(2)"), vec![]).await.unwrap();
        assert_eq!(
            strs(&o.solve(t("current(X)"), vec![]).await.unwrap().solutions),
            ["current(2)"]
        );
        assert!(o.add_data(t("tag(a)"), vec![]).await.unwrap().applied());
        assert!(!o.add_data(t("tag(a)"), vec![]).await.unwrap().applied());
        assert_eq!(o.solve(t("tag(X)"), vec![]).await.unwrap().len(), 1);
    })
}

#[tokio::test]
async fn post_event_and_heartbeat_roundtrip() {
    bounded!(async {
        let (_f, addr) = facilitator().await;
        struct H(Arc<Mutex<Vec<String>>>);
        impl oaa::agent::Handler for H {
            fn solve(&self, r: Request) {
                r.fail()
            }
            fn event(&self, content: &oaa::icl::Term, params: &[oaa::icl::Term]) {
                self.0.lock().unwrap().push(format!("{content} {}", params.len()));
            }
        }
        let seen = Arc::new(Mutex::new(Vec::new()));
        let listener = provider(&addr, "l", vec![], H(seen.clone())).await;
        let c = client(&addr, "c").await;
        c.post_event(Some(listener.address().clone()), t("hello(world)")).unwrap();
        c.post_event(None, t("broadcast(1)")).unwrap();
        eventually(|| seen.lock().unwrap().len() == 2).await;
        assert_eq!(*seen.lock().unwrap(), ["hello(world) 1", "broadcast(1) 1"]);
    })
}
