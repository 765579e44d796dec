//! Multi-agent tests over real loopback TCP: delegation, utility order,
//! limits, compound goals, disconnects.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use oaa::agent::Request;
use oaa::protocol::Solvable;

macro_rules! bounded {
    ($body:expr) => {
        tokio::time::timeout(TEST_TIMEOUT, $body).await.expect("test timed out")
    };
}

#[tokio::test]
async fn delegates_to_matching_provider() {
    bounded!(async {
        let (_f, addr) = facilitator().await;
        let _p = fact_provider(
            &addr,
            "people",
            "person(N, A)",
            5,
            &["person(ann, 30)", "person(bob, 40)"],
        )
        .await;
        let c = client(&addr, "asker").await;
        let s = c.solve(t("person(bob, A)"), vec![]).await.unwrap();
        assert_eq!(strs(&s.solutions), ["person(bob,40)"]);
        assert_eq!(s.solvers.len(), 1);
        let none = c.solve(t("unknown(x)"), vec![]).await.unwrap();
        assert!(none.is_empty());
        assert!(none.requestees.is_empty());
    })
}

#[tokio::test]
async fn solutions_follow_utility_order_with_stable_ties() {
    bounded!(async {
        let (_f, addr) = facilitator().await;
        let _a = fact_provider(&addr, "a", "val(X)", 3, &["val(a)"]).await;
        let _b = fact_provider(&addr, "b", "val(X)", 8, &["val(b)"]).await;
        let _c = fact_provider(&addr, "c", "val(X)", 3, &["val(c)"]).await;
        let _d = fact_provider(&addr, "d", "val(X)", 8, &["val(d)"]).await;
        let c = client(&addr, "asker").await;
        let s = c.solve(t("val(X)"), vec![]).await.unwrap();
        assert_eq!(strs(&s.solutions), ["val(b)", "val(d)", "val(a)", "val(c)"]);
        let one = c.solve(t("val(X)"), ts(&["provider_limit(1)"])).await.unwrap();
        assert_eq!(strs(&one.solutions), ["val(b)"]);
    })
}

#[tokio::test]
async fn solution_limit_cuts_the_answer() {
    bounded!(async {
        let (_f, addr) = facilitator().await;
        let _a = fact_provider(&addr, "a", "n(X)", 5, &["n(1)", "n(2)", "n(3)"]).await;
        let c = client(&addr, "asker").await;
        let s = c.solve(t("n(X)"), ts(&["solution_limit(2)"])).await.unwrap();
        assert_eq!(strs(&s.solutions), ["n(1)", "n(2)"]);
    })
}

#[tokio::test]
async fn time_limit_answers_with_what_arrived() {
    bounded!(async {
        let (_f, addr) = facilitator().await;
        let _fast = fact_provider(&addr, "fast", "slow(X)", 5, &["slow(fast)"]).await;
        // Never answers: keeps its requests forever.
        let keep = std::sync::Arc::new(std::sync::Mutex::new(Vec::<Request>::new()));
        let k2 = keep.clone();
        let _slow =
            provider(&addr, "slow", vec![Solvable::procedure(t("slow(X)"))], move |r: Request| {
                k2.lock().unwrap().push(r)
            })
            .await;
        let c = client(&addr, "asker").await;
        let start = Instant::now();
        let s = c.solve(t("slow(X)"), ts(&["time_limit(0.3)"])).await.unwrap();
        let took = start.elapsed();
        assert_eq!(strs(&s.solutions), ["slow(fast)"]);
        assert_eq!(s.requestees.len(), 2);
        assert!(took >= Duration::from_millis(250) && took < Duration::from_secs(3), "{took:?}");
    })
}

#[tokio::test]
async fn action_strategy_fails_over_in_utility_order() {
    bounded!(async {
        let (_f, addr) = facilitator().await;
        let calls = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        let mk = |name: &'static str, answer: bool| {
            let calls = calls.clone();
            move |r: Request| {
                calls.lock().unwrap().push(name.to_string());
                if answer {
                    let s = r.matching([t(&format!("book(room1, {name})"))]);
                    r.reply(s)
                } else {
                    r.fail()
                }
            }
        };
        let _p1 = provider(
            &addr,
            "p1",
            vec![Solvable::procedure(t("book(R, By)")).utility(9)],
            mk("p1", false),
        )
        .await;
        let _p2 = provider(
            &addr,
            "p2",
            vec![Solvable::procedure(t("book(R, By)")).utility(7)],
            mk("p2", true),
        )
        .await;
        let _p3 = provider(
            &addr,
            "p3",
            vec![Solvable::procedure(t("book(R, By)")).utility(5)],
            mk("p3", true),
        )
        .await;
        let c = client(&addr, "asker").await;
        let s = c.solve(t("book(room1, By)"), ts(&["strategy(action)"])).await.unwrap();
        assert_eq!(strs(&s.solutions), ["book(room1,p2)"]);
        assert_eq!(*calls.lock().unwrap(), ["p1", "p2"]);
    })
}

#[tokio::test]
async fn conjunction_shares_variables_left_to_right() {
    bounded!(async {
        let (_f, addr) = facilitator().await;
        let _p = fact_provider(
            &addr,
            "people",
            "works_in(P, D)",
            5,
            &["works_in(ann, sales)", "works_in(bob, it)", "works_in(cy, it)"],
        )
        .await;
        let _d =
            fact_provider(&addr, "depts", "floor(D, F)", 5, &["floor(it, 3)", "floor(sales, 1)"])
                .await;
        let c = client(&addr, "asker").await;
        let s = c.solve(t("(works_in(P, D), floor(D, 3))"), vec![]).await.unwrap();
        assert_eq!(
            strs(&s.solutions),
            ["(works_in(bob,it),floor(it,3))", "(works_in(cy,it),floor(it,3))"]
        );
        assert_eq!(s.solvers.len(), 2);
        let with_addr = c
            .solve(t("(name(people):works_in(P, sales), floor(D, F)::[solution_limit(1)])"), vec![])
            .await
            .unwrap();
        assert_eq!(
            strs(&with_addr.solutions),
            ["(name(people) : works_in(ann,sales),floor(it,3) :: [solution_limit(1)])"]
        );
    })
}

#[tokio::test]
async fn disjunction_is_the_union() {
    bounded!(async {
        let (_f, addr) = facilitator().await;
        let _a = fact_provider(&addr, "a", "cat(X)", 5, &["cat(tom)"]).await;
        let _b = fact_provider(&addr, "b", "dog(X)", 5, &["dog(rex)", "dog(fido)"]).await;
        let c = client(&addr, "asker").await;
        let s = c.solve(t("(cat(X) ; dog(X))"), vec![]).await.unwrap();
        assert_eq!(
            strs(&s.solutions),
            ["cat(tom) ; dog(tom)", "cat(rex) ; dog(rex)", "cat(fido) ; dog(fido)"]
        );
        let names: Vec<String> = s
            .bindings()
            .iter()
            .map(|b| b.resolve(&oaa::icl::Term::var("X")).unwrap().to_string())
            .collect();
        assert_eq!(names.len(), 3);
    })
}

#[tokio::test]
async fn killed_agent_fails_its_share_instead_of_hanging() {
    bounded!(async {
        let (_f, addr) = facilitator().await;
        let _ok = fact_provider(&addr, "ok", "q(X)", 5, &["q(1)"]).await;
        let (seen_tx, mut seen_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
        let victim =
            provider(&addr, "victim", vec![Solvable::procedure(t("q(X)"))], move |r: Request| {
                let _ = seen_tx.send(());
                std::mem::forget(r);
            })
            .await;
        let c = client(&addr, "asker").await;
        let pending = tokio::spawn({
            let c = c.clone();
            async move { c.solve(t("q(X)"), vec![]).await }
        });
        seen_rx.recv().await.unwrap();
        victim.close();
        drop(victim);
        let s = pending.await.unwrap().unwrap();
        assert_eq!(strs(&s.solutions), ["q(1)"]);
        assert_eq!(s.requestees.len(), 2);
        assert_eq!(s.solvers.len(), 1);
    })
}

#[tokio::test]
async fn builtins_can_solve_and_agent_data() {
    bounded!(async {
        let (_f, addr) = facilitator().await;
        let p = fact_provider(&addr, "people", "person(N)", 5, &[]).await;
        let c = client(&addr, "asker").await;
        let s = c.solve(t("can_solve(person(x), A)"), vec![]).await.unwrap();
        assert_eq!(
            s.solutions,
            vec![oaa::icl::Term::compound("can_solve", vec![t("person(x)"), p.address().clone()])]
        );
        let d = c
            .solve(t("agent_data(A, T, ready, S, people, I)"), ts(&["address(parent)"]))
            .await
            .unwrap();
        assert_eq!(d.len(), 1);
    })
}

#[tokio::test]
async fn blocking_handler_and_delayed_reply() {
    bounded!(async {
        let (_f, addr) = facilitator().await;
        let router = oaa::agent::Router::new()
            .on_blocking("square", 2, |g, _| {
                std::thread::sleep(Duration::from_millis(20));
                let n = g.args()[0].as_int().unwrap_or(0);
                vec![oaa::icl::Term::compound(
                    "square",
                    vec![g.args()[0].clone(), oaa::icl::Term::Int(n * n)],
                )]
            })
            .on("later", 1, |r| {
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(30)).await;
                    let s = r.matching([t("later(done)")]);
                    r.reply(s);
                });
            });
        let _p = provider(
            &addr,
            "math",
            vec![Solvable::procedure(t("square(N, S)")), Solvable::procedure(t("later(X)"))],
            router,
        )
        .await;
        let c = client(&addr, "asker").await;
        let s = c.solve(t("square(7, S)"), vec![]).await.unwrap();
        assert_eq!(strs(&s.solutions), ["square(7,49)"]);
        let l = c.solve(t("later(X)"), vec![]).await.unwrap();
        assert_eq!(strs(&l.solutions), ["later(done)"]);
    })
}
