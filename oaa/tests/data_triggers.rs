//! Data solvables and triggers over real loopback TCP: blackboards on the
//! facilitator, agent-held data, ownership, and data/task/time/comm
//! triggers with when/whenever/N recurrence.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use oaa::agent::{Agent, AgentConfig, Request, TriggerKind};
use oaa::icl::Term;
use oaa::protocol::Solvable;

macro_rules! bounded {
    ($body:expr) => {
        tokio::time::timeout(TEST_TIMEOUT, $body).await.expect("test timed out")
    };
}

/// A subscriber agent declaring `template` and recording every goal it is
/// asked.
async fn recorder(addr: &str, name: &str, template: &str) -> (Agent, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s2 = seen.clone();
    let a = provider(addr, name, vec![Solvable::procedure(t(template))], move |r: Request| {
        s2.lock().unwrap().push(r.goal().to_string());
        let g = r.goal().clone();
        r.reply(vec![g]);
    })
    .await;
    (a, seen)
}

#[tokio::test]
async fn blackboard_add_query_remove_with_do_all() {
    bounded!(async {
        let (_f, addr) = facilitator().await;
        let owner = client(&addr, "owner").await;
        owner.declare_on_facilitator(vec![Solvable::data(t("foo(X)"))]).await.unwrap();
        let c = client(&addr, "writer").await;
        assert!(c.add_data(t("foo(1)"), vec![]).await.unwrap().applied());
        assert!(c.add_data(t("foo(2)"), vec![]).await.unwrap().applied());
        assert!(c.add_data(t("foo(0)"), ts(&["at_beginning(true)"])).await.unwrap().applied());
        let q = c.solve(t("foo(X)"), vec![]).await.unwrap();
        assert_eq!(strs(&q.solutions), ["foo(0)", "foo(1)", "foo(2)"]);
        // data.otml: remove by exact value, then foo(_) takes the first match.
        assert!(c.remove_data(t("foo(1)"), vec![]).await.unwrap().applied());
        assert!(c.remove_data(t("foo(_)"), vec![]).await.unwrap().applied());
        assert_eq!(strs(&c.solve(t("foo(X)"), vec![]).await.unwrap().solutions), ["foo(2)"]);
        c.add_data(t("foo(3)"), vec![]).await.unwrap();
        c.remove_data(t("foo(_)"), ts(&["do_all(true)"])).await.unwrap();
        assert!(c.solve(t("foo(X)"), vec![]).await.unwrap().is_empty());
        let r = c.replace_data(t("foo(_)"), t("foo(9)"), vec![]).await.unwrap();
        assert!(r.applied());
        assert_eq!(strs(&c.solve(t("foo(X)"), vec![]).await.unwrap().solutions), ["foo(9)"]);
    })
}

#[tokio::test]
async fn facts_of_a_leaving_agent_are_removed_unless_persistent() {
    bounded!(async {
        let (_f, addr) = facilitator().await;
        let owner = client(&addr, "owner").await;
        owner
            .declare_on_facilitator(vec![
                Solvable::data(t("seen(X)")),
                Solvable::data(t("kept(X)")).persistent(true),
                Solvable::data(t("loose(X)")).bookkeeping(false),
            ])
            .await
            .unwrap();
        let w = client(&addr, "writer").await;
        for f in ["seen(1)", "kept(1)", "loose(1)"] {
            assert!(w.add_data(t(f), vec![]).await.unwrap().applied());
        }
        w.close();
        drop(w);
        let c = client(&addr, "reader").await;
        let mut left = Vec::new();
        for _ in 0..100 {
            left = strs(
                &c.solve(t("(seen(X) ; kept(X) ; loose(X))"), vec![]).await.unwrap().solutions,
            );
            if left.len() == 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(left, ["seen(1) ; kept(1) ; loose(1)", "seen(1) ; kept(1) ; loose(1)"]);
        let kept = c.solve(t("kept(X)"), vec![]).await.unwrap();
        let loose = c.solve(t("loose(X)"), vec![]).await.unwrap();
        let seen = c.solve(t("seen(X)"), vec![]).await.unwrap();
        assert_eq!((kept.len(), loose.len(), seen.len()), (1, 1, 0));
    })
}

#[tokio::test]
async fn agent_held_data_answered_by_the_library_and_owner_api() {
    bounded!(async {
        let (_f, addr) = facilitator().await;
        let holder = Agent::connect(&addr, AgentConfig::new("room1")).await.unwrap();
        holder
            .register(vec![
                Solvable::data(t("stamp(Room, N)")),
                Solvable::data(t("open(Room)")).writable(true),
            ])
            .await
            .unwrap();
        holder.ready().await.unwrap();
        // The public declaration says write(false); the owner still writes.
        holder.data_replace(t("stamp(room1, _)"), t("stamp(room1, 1)")).unwrap();
        holder.data_replace(t("stamp(room1, _)"), t("stamp(room1, 2)")).unwrap();
        let c = client(&addr, "asker").await;
        assert_eq!(
            strs(&c.solve(t("stamp(room1, N)"), vec![]).await.unwrap().solutions),
            ["stamp(room1,2)"]
        );
        let refused = c.add_data(t("stamp(room1, 99)"), vec![]).await.unwrap();
        assert!(!refused.applied());
        // write(true) data accepts remote writes, owned by the writer.
        assert!(c.add_data(t("open(room1)"), vec![]).await.unwrap().applied());
        assert_eq!(holder.data_query(&t("open(R)")).len(), 1);
        c.close();
        drop(c);
        eventually(|| holder.data_query(&t("open(R)")).is_empty()).await;
        assert_eq!(holder.data_query(&t("stamp(R, N)")).len(), 1);
    })
}

async fn stamp_holder(addr: &str) -> Agent {
    let holder = Agent::connect(addr, AgentConfig::new("room1")).await.unwrap();
    holder.register(vec![Solvable::data(t("stamp(Room, N)"))]).await.unwrap();
    holder.ready().await.unwrap();
    holder
}

#[tokio::test]
async fn data_triggers_when_whenever_and_count() {
    bounded!(async {
        let (_f, addr) = facilitator().await;
        let holder = stamp_holder(&addr).await;
        let (sub, seen) = recorder(&addr, "sub", "changed(Tag, Room, N)").await;
        for (tag, rec) in [("once", "when"), ("always", "whenever"), ("twice", "2")] {
            let r = sub
                .add_trigger(
                    TriggerKind::Data,
                    t("stamp(R, N)"),
                    t(&format!("oaa_Solve(changed({tag}, R, N), [])")),
                    ts(&[&format!("recurrence({rec})"), "on([add, replace])"]),
                )
                .await
                .unwrap();
            assert_eq!(r.updaters, vec![holder.address().clone()]);
        }
        assert_eq!(holder.triggers().len(), 3);
        for n in 1..=3 {
            holder.data_replace(t("stamp(room1, _)"), t(&format!("stamp(room1, {n})"))).unwrap();
        }
        eventually(|| seen.lock().unwrap().len() == 6).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        let mut got = seen.lock().unwrap().clone();
        got.sort();
        assert_eq!(
            got,
            [
                "changed(always,room1,1)",
                "changed(always,room1,2)",
                "changed(always,room1,3)",
                "changed(once,room1,1)",
                "changed(twice,room1,1)",
                "changed(twice,room1,2)",
            ]
        );
        assert_eq!(holder.triggers().len(), 1);
    })
}

#[tokio::test]
async fn trigger_test_condition_and_removal() {
    bounded!(async {
        let (_f, addr) = facilitator().await;
        let holder = stamp_holder(&addr).await;
        let (sub, seen) = recorder(&addr, "sub", "big(Room, N)").await;
        let action = t("oaa_Solve(big(R, N), [])");
        sub.add_trigger(
            TriggerKind::Data,
            t("stamp(R, N)"),
            action.clone(),
            ts(&["recurrence(whenever)", "test('>'(N, 5))"]),
        )
        .await
        .unwrap();
        for n in [3, 7, 4, 9] {
            holder.data_replace(t("stamp(room1, _)"), t(&format!("stamp(room1, {n})"))).unwrap();
        }
        eventually(|| seen.lock().unwrap().len() == 2).await;
        assert_eq!(*seen.lock().unwrap(), ["big(room1,7)", "big(room1,9)"]);
        let r =
            sub.remove_trigger(TriggerKind::Data, t("stamp(R, N)"), action, vec![]).await.unwrap();
        assert!(r.applied());
        assert!(holder.triggers().is_empty());
    })
}

#[tokio::test]
async fn facilitator_held_data_trigger() {
    bounded!(async {
        let (_f, addr) = facilitator().await;
        let owner = client(&addr, "owner").await;
        owner.declare_on_facilitator(vec![Solvable::data(t("note(K, V)"))]).await.unwrap();
        let (sub, seen) = recorder(&addr, "sub", "noted(K)").await;
        let r = sub
            .add_trigger(
                TriggerKind::Data,
                t("note(K, _)"),
                t("noted(K)"),
                ts(&["recurrence(whenever)", "on(add)"]),
            )
            .await
            .unwrap();
        assert!(r.applied());
        let w = client(&addr, "writer").await;
        w.add_data(t("note(a, 1)"), vec![]).await.unwrap();
        w.remove_data(t("note(a, _)"), vec![]).await.unwrap();
        w.add_data(t("note(b, 2)"), vec![]).await.unwrap();
        eventually(|| seen.lock().unwrap().len() == 2).await;
        assert_eq!(*seen.lock().unwrap(), ["noted(a)", "noted(b)"]);
    })
}

#[tokio::test]
async fn task_trigger_checked_by_application() {
    bounded!(async {
        let (_f, addr) = facilitator().await;
        let holder = Agent::connect(&addr, AgentConfig::new("alarmist")).await.unwrap();
        holder.register(vec![Solvable::trigger(t("alarm(Level)"))]).await.unwrap();
        holder.ready().await.unwrap();
        let (sub, seen) = recorder(&addr, "sub", "woke(L)").await;
        let r = sub
            .add_trigger(
                TriggerKind::Task,
                t("alarm(L)"),
                t("oaa_Solve(woke(L), [])"),
                ts(&["recurrence(whenever)"]),
            )
            .await
            .unwrap();
        assert!(r.applied());
        assert_eq!(holder.check_task_triggers(&t("alarm(high)"), "task"), 1);
        assert_eq!(holder.check_task_triggers(&t("other(high)"), "task"), 0);
        eventually(|| seen.lock().unwrap().len() == 1).await;
        assert_eq!(*seen.lock().unwrap(), ["woke(high)"]);
    })
}

#[tokio::test]
async fn time_trigger_fires_n_times() {
    bounded!(async {
        let (_f, addr) = facilitator().await;
        let (sub, seen) = recorder(&addr, "sub", "tick(X)").await;
        let r = sub
            .add_trigger(
                TriggerKind::Time,
                t("time_expr(now, _, recurrence(0.05, seconds))"),
                t("oaa_Solve(tick(now), [])"),
                ts(&["recurrence(3)"]),
            )
            .await
            .unwrap();
        assert!(r.applied());
        eventually(|| seen.lock().unwrap().len() == 3).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(seen.lock().unwrap().len(), 3);
        let once = sub
            .add_trigger(
                TriggerKind::Time,
                t("time_expr(now, _, recurrence(0, seconds))"),
                t("tick(once)"),
                vec![],
            )
            .await
            .unwrap();
        assert!(once.applied());
        eventually(|| seen.lock().unwrap().len() == 4).await;
    })
}

#[tokio::test]
async fn comm_trigger_on_the_facilitator() {
    bounded!(async {
        let (_f, addr) = facilitator().await;
        let (sub, seen) = recorder(&addr, "sub", "saw(G)").await;
        sub.add_trigger(
            TriggerKind::Comm,
            t("event(_, ev_solve(_, ping(X), _), _)"),
            t("oaa_Solve(saw(X), [])"),
            ts(&["on(receive)", "address(parent)", "recurrence(whenever)"]),
        )
        .await
        .unwrap();
        let c = client(&addr, "asker").await;
        c.solve(t("ping(1)"), vec![]).await.unwrap();
        c.solve(t("ping(2)"), vec![]).await.unwrap();
        eventually(|| seen.lock().unwrap().len() == 2).await;
        assert_eq!(*seen.lock().unwrap(), ["saw(1)", "saw(2)"]);
    })
}

#[tokio::test]
async fn local_comm_trigger_on_an_agent() {
    bounded!(async {
        let (_f, addr) = facilitator().await;
        let (sub, seen) = recorder(&addr, "sub", "sent(G)").await;
        sub.add_trigger(
            TriggerKind::Comm,
            t("event(_, ev_solve(_, hello(X), _), _)"),
            t("sent(X)"),
            ts(&["on(send)"]),
        )
        .await
        .unwrap();
        sub.solve(t("hello(world)"), vec![]).await.unwrap();
        eventually(|| seen.lock().unwrap().len() == 1).await;
        assert_eq!(*seen.lock().unwrap(), ["sent(world)"]);
        let _ = Term::nil();
    })
}
