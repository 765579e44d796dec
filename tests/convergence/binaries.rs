//! A smaller sample of the convergence stories through the real programs
//! (pipe mode, a store file, a fixed clock): the same final state in order
//! and out of order, as the in-process test checks for thousands.

use super::World;
use super::story::{self, Program, Rng, Stream};
use crate::util;

fn deliver_all(
    msgs: &[(Program, &'static str, String, String, Option<String>)],
    order: &[usize],
    user: &str,
) -> String {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store.db");
    for &i in order {
        let (p, r, raw, label, _) = &msgs[i];
        let name = match p {
            Program::Person => "imip_person",
            Program::Outgoing => "imip_person_outgoing",
            Program::Resource => "imip_resource",
        };
        let args: Vec<String> = vec![
            "-S".into(),
            store.display().to_string(),
            "--outbox".into(),
            dir.path().join("outbox").display().to_string(),
            "-o".into(),
            r.to_string(),
        ];
        let out = util::run(
            name,
            &args,
            raw.as_bytes(),
            &[("IMIP_AGENT_NOW", "20270301T090000Z".into())],
        );
        assert_eq!(out.status, 0, "{label}: {}", out.stderr);
    }
    let mut w = World::new();
    w.store = imip_agent::store::open(&imip_agent::config::StoreConfig {
        path: store.display().to_string(),
        ..Default::default()
    })
    .unwrap();
    w.snapshot(user)
}

#[test]
fn a_sample_converges_through_the_programs() {
    let mut checked = 0;
    for seed in 0..4u64 {
        let mut rng = Rng::new(0xb1a5 + seed);
        let s = story::generate(&mut rng, 8);
        for (stream, user) in [
            (Stream::Attendee, story::VINCENT),
            (Stream::Resource, story::ROOM),
            (Stream::Organiser, story::ORGANISER),
        ] {
            let msgs = super::stream(&s, stream);
            let in_order: Vec<usize> = (0..msgs.len()).collect();
            let expected = deliver_all(&msgs, &in_order, user);
            let reversed: Vec<usize> = (0..msgs.len()).rev().collect();
            let shuffled = rng.permutation(msgs.len());
            for order in [reversed, shuffled] {
                assert_eq!(deliver_all(&msgs, &order, user), expected, "seed {seed}, {stream:?}");
                checked += 1;
            }
            // The programs reach what the in-process engine reaches.
            let in_process = super::run(&msgs, &in_order, stream).unwrap();
            assert_eq!(in_process, expected, "seed {seed}, {stream:?}: programs and engine differ");
        }
    }
    assert_eq!(checked, 24);
}
