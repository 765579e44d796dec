//! Cases for free/busy collections, change stamps and free/busy providers.
//! No I/O of their own.

use super::Backend;
use super::fixtures::*;
use crate::freebusy::FbSet;
use crate::ical::Transp;

fn own(u: &str) -> FbSet {
    FbSet::Own(u.into())
}

fn offers(u: &str) -> FbSet {
    FbSet::Offers(u.into())
}

fn other(u: &str, o: &str) -> FbSet {
    FbSet::Other { user: u.into(), other: o.into() }
}

fn journal(quota: &str, group: &str) -> FbSet {
    FbSet::Journal { quota: quota.into(), group: group.into() }
}

fn collective(quota: &str, organiser: &str) -> FbSet {
    FbSet::Collective { quota: quota.into(), organiser: organiser.into() }
}

pub(super) fn busy_returns_periods_overlapping_or_touching_the_window(b: &dyn Backend) {
    let mut db = Db::open(b);
    let (a, bb, c, long, zero, d) = (
        period("a", "", 10, 11),
        period("b", "", 12, 13),
        period("c", "", 14, 15),
        period("long", "", 0, 100),
        period("zero", "", 16, 16),
        period("d", "", 20, 21),
    );
    db.write(|tx| {
        tx.add_busy(&own(ANN), &[d.clone(), c.clone(), a.clone()]).unwrap();
        tx.add_busy(&own(ANN), &[long.clone(), bb.clone(), zero.clone()]).unwrap();
        tx.add_busy(&other(ANN, BOB), &[period("x", "", 12, 13)]).unwrap();
        tx.add_busy(&own(BOB), &[period("y", "", 11, 12)]).unwrap();
    });
    let q = |db: &mut Db, s, e| db.read(|tx| by_start(tx.busy(&own(ANN), s, e).unwrap()));
    // The query includes its bounds: periods ending at its start or
    // starting at its end are returned (callers apply their own rule).
    assert_eq!(q(&mut db, t(11), t(12)), canonical(vec![long.clone(), a.clone(), bb.clone()]));
    assert_eq!(q(&mut db, at(11, 15), at(11, 45)), std::slice::from_ref(&long), "inside a gap");
    assert_eq!(q(&mut db, t(16), t(16)), canonical(vec![long.clone(), zero.clone()]), "an instant");
    assert_eq!(q(&mut db, t(15), t(16)), canonical(vec![long.clone(), c.clone(), zero.clone()]));
    assert!(q(&mut db, at(100, 1), t(200)).is_empty(), "after everything");
    assert!(q(&mut db, t(-10), at(-1, 59)).is_empty(), "before everything");
    assert_eq!(
        q(&mut db, t(-100), t(1000)),
        canonical(vec![long, a, bb, c, zero, d]),
        "every period of the collection, none of the others"
    );
    db.read(|tx| {
        assert!(tx.busy(&own(ROOM), t(0), t(100)).unwrap().is_empty(), "unknown collection");
    });
}

pub(super) fn busy_periods_keep_every_field(b: &dyn Backend) {
    let mut db = Db::open(b);
    let mut org = hold("org", 1, 2, Some(3));
    org.transp = Transp::Org;
    let stored =
        vec![period("opaque", "20270104T010000Z", 1, 2), period("transparent", "", 1, 2), org];
    // Seconds matter: a one-second period next to another stays itself.
    let tick = span("tick", "", at(5, 0), at(5, 0) + chrono::Duration::seconds(1));
    let next = span("next", "", at(5, 0) + chrono::Duration::seconds(2), at(5, 1));
    db.write(|tx| {
        tx.add_busy(&offers(ROOM), &stored).unwrap();
        tx.add_busy(&own(ROOM), &[tick.clone(), next.clone()]).unwrap();
    });
    db.read(|tx| {
        assert_eq!(canonical(tx.busy_all(&offers(ROOM)).unwrap()), canonical(stored.clone()));
        assert_eq!(
            canonical(tx.busy(&offers(ROOM), t(0), t(9)).unwrap()),
            canonical(stored.clone())
        );
        assert_eq!(tx.busy_for_uid(&offers(ROOM), "org", None).unwrap(), [stored[2].clone()]);
        let one = at(5, 0) + chrono::Duration::seconds(1);
        assert_eq!(tx.busy(&own(ROOM), one, one).unwrap(), std::slice::from_ref(&tick));
        let two = at(5, 0) + chrono::Duration::seconds(2);
        assert_eq!(tx.busy(&own(ROOM), two, two).unwrap(), std::slice::from_ref(&next));
    });
}

pub(super) fn busy_all_is_sorted_by_start_then_uid(b: &dyn Backend) {
    let mut db = Db::open(b);
    db.write(|tx| {
        tx.add_busy(&own(ANN), &[period("a", "2", 12, 13), period("b", "", 10, 11)]).unwrap();
        tx.add_busy(&own(ANN), &[period("a", "", 10, 12), period("c", "", 9, 10)]).unwrap();
    });
    let all = db.read(|tx| tx.busy_all(&own(ANN)).unwrap());
    assert_eq!(uids(&all), ["c", "a", "b", "a"]);
    assert_eq!(all[3], period("a", "2", 12, 13));
    assert!(db.read(|tx| tx.busy_all(&own(BOB)).unwrap()).is_empty());
}

/// e1's parent, two occurrences and another UID in ANN's own free/busy.
fn occurrences(db: &mut Db) {
    db.write(|tx| {
        tx.add_busy(
            &own(ANN),
            &[
                period("e1", "", 10, 11),
                period("e1", "r1", 12, 13),
                period("e1", "r2", 8, 9),
                period("e2", "", 10, 11),
            ],
        )
        .unwrap();
        tx.add_busy(&offers(ANN), &[period("e1", "r1", 12, 13)]).unwrap();
    });
}

pub(super) fn busy_for_uid_selects_one_occurrence_or_all(b: &dyn Backend) {
    let mut db = Db::open(b);
    occurrences(&mut db);
    db.read(|tx| {
        assert_eq!(
            tx.busy_for_uid(&own(ANN), "e1", None).unwrap(),
            [period("e1", "r2", 8, 9), period("e1", "", 10, 11), period("e1", "r1", 12, 13)],
            "every occurrence, by start"
        );
        assert_eq!(
            tx.busy_for_uid(&own(ANN), "e1", Some("r1")).unwrap(),
            [period("e1", "r1", 12, 13)]
        );
        assert_eq!(tx.busy_for_uid(&own(ANN), "e1", Some("")).unwrap(), [period("e1", "", 10, 11)]);
        assert!(tx.busy_for_uid(&own(ANN), "e1", Some("r9")).unwrap().is_empty());
        assert!(tx.busy_for_uid(&own(ANN), "e", None).unwrap().is_empty());
        assert!(tx.busy_for_uid(&own(BOB), "e1", None).unwrap().is_empty());
    });
}

pub(super) fn remove_busy_for_uid_removes_one_occurrence_or_all(b: &dyn Backend) {
    let mut db = Db::open(b);
    occurrences(&mut db);
    db.write(|tx| {
        assert_eq!(tx.remove_busy_for_uid(&own(ANN), "e1", Some("r1")).unwrap(), 1);
        assert_eq!(tx.remove_busy_for_uid(&own(ANN), "e1", Some("r1")).unwrap(), 0);
        assert_eq!(tx.remove_busy_for_uid(&own(BOB), "e1", None).unwrap(), 0, "unknown collection");
    });
    db.read(|tx| {
        assert_eq!(uids(&tx.busy_all(&own(ANN)).unwrap()), ["e1", "e1", "e2"]);
        assert_eq!(tx.busy_all(&offers(ANN)).unwrap().len(), 1, "other collection kept");
    });
    db.write(|tx| assert_eq!(tx.remove_busy_for_uid(&own(ANN), "e1", None).unwrap(), 2));
    db.read(|tx| assert_eq!(tx.busy_all(&own(ANN)).unwrap(), [period("e2", "", 10, 11)]));
}

pub(super) fn remove_busy_in_removes_overlapping_periods_not_touching_ones(b: &dyn Backend) {
    let mut db = Db::open(b);
    db.write(|tx| {
        tx.add_busy(
            &other(ANN, BOB),
            &[
                period("before", "", 8, 10),
                period("in", "", 10, 11),
                period("across", "", 9, 11),
                period("inside", "", 11, 12),
                period("after", "", 12, 14),
                period("spanning", "", 5, 20),
                period("instant", "", 11, 11),
                period("far", "", 30, 31),
            ],
        )
        .unwrap();
        tx.add_busy(&other(ANN, ROOM), &[period("in", "", 10, 11)]).unwrap();
    });
    let window = Some((t(10), t(12)));
    db.write(|tx| {
        assert_eq!(tx.remove_busy_in(&other(ANN, BOB), window).unwrap(), 5);
        assert_eq!(tx.remove_busy_in(&other(ANN, "nobody"), window).unwrap(), 0);
    });
    db.read(|tx| {
        assert_eq!(uids(&tx.busy_all(&other(ANN, BOB)).unwrap()), ["before", "after", "far"]);
        assert_eq!(tx.busy_all(&other(ANN, ROOM)).unwrap().len(), 1, "other collection kept");
    });
    db.write(|tx| assert_eq!(tx.remove_busy_in(&other(ANN, BOB), None).unwrap(), 3));
    db.read(|tx| assert!(tx.busy_all(&other(ANN, BOB)).unwrap().is_empty()));
}

pub(super) fn purge_expired_removes_holds_lapsed_at_or_before_now(b: &dyn Backend) {
    let mut db = Db::open(b);
    db.write(|tx| {
        tx.add_busy(
            &offers(ROOM),
            &[
                hold("lapsed", 20, 21, Some(5)),
                hold("now", 20, 21, Some(10)),
                hold("later", 20, 21, Some(11)),
                hold("kept", 20, 21, None),
            ],
        )
        .unwrap();
        tx.add_busy(&offers(ANN), &[hold("lapsed", 20, 21, Some(5))]).unwrap();
    });
    db.write(|tx| {
        assert_eq!(tx.purge_expired(&offers(ROOM), t(10)).unwrap(), 2);
        assert_eq!(tx.purge_expired(&offers(ROOM), t(10)).unwrap(), 0);
        assert_eq!(tx.purge_expired(&offers(BOB), t(10)).unwrap(), 0, "unknown collection");
    });
    db.read(|tx| {
        assert_eq!(
            canonical(tx.busy_all(&offers(ROOM)).unwrap()),
            canonical(vec![hold("later", 20, 21, Some(11)), hold("kept", 20, 21, None)])
        );
        assert_eq!(tx.busy_all(&offers(ANN)).unwrap().len(), 1, "other collection kept");
    });
}

pub(super) fn expire_busy_removes_ended_periods_of_one_kind(b: &dyn Backend) {
    let mut db = Db::open(b);
    db.write(|tx| {
        tx.add_busy(&journal("q1", "g1"), &[period("j1", "", 1, 2), period("j2", "", 3, 5)])
            .unwrap();
        tx.add_busy(&journal("q2", "g2"), &[period("j3", "", 0, 1), period("j4", "", 4, 9)])
            .unwrap();
        tx.add_busy(&collective("q1", ANN), &[period("c1", "", 0, 1)]).unwrap();
        tx.add_busy(&own(ANN), &[period("o1", "", 0, 1)]).unwrap();
    });
    db.write(|tx| {
        assert_eq!(tx.expire_busy("journal", t(5)).unwrap(), 2, "ended strictly before");
        assert_eq!(tx.expire_busy("journal", t(5)).unwrap(), 0);
    });
    db.read(|tx| {
        assert_eq!(uids(&tx.busy_all(&journal("q1", "g1")).unwrap()), ["j2"]);
        assert_eq!(uids(&tx.busy_all(&journal("q2", "g2")).unwrap()), ["j4"]);
        assert_eq!(tx.busy_all(&collective("q1", ANN)).unwrap().len(), 1, "other kind kept");
        assert_eq!(tx.busy_all(&own(ANN)).unwrap().len(), 1, "other kind kept");
    });
    db.write(|tx| assert_eq!(tx.expire_busy("collective", t(5)).unwrap(), 1));
    db.read(|tx| assert!(tx.busy_all(&collective("q1", ANN)).unwrap().is_empty()));
}

pub(super) fn collections_are_listed_by_kind_and_other_participant(b: &dyn Backend) {
    let mut db = Db::open(b);
    db.write(|tx| {
        for set in [
            journal("q2", "g1"),
            journal("q1", "g2"),
            journal("q1", "g1"),
            other(ANN, ROOM),
            other(ANN, BOB),
            other(BOB, ANN),
            own(ANN),
            collective("q1", BOB),
        ] {
            tx.add_busy(&set, &[period("e", "", 1, 2)]).unwrap();
        }
    });
    db.read(|tx| {
        assert_eq!(
            tx.sets_of_kind("journal").unwrap(),
            [pair("q1", "g1"), pair("q1", "g2"), pair("q2", "g1")]
        );
        assert_eq!(
            tx.sets_of_kind("other").unwrap(),
            [pair(ANN, BOB), pair(ANN, ROOM), pair(BOB, ANN)]
        );
        assert_eq!(tx.sets_of_kind("own").unwrap(), [pair(ANN, "")]);
        assert_eq!(tx.sets_of_kind("collective").unwrap(), [pair("q1", BOB)]);
        assert!(tx.sets_of_kind("offer").unwrap().is_empty());
        assert_eq!(tx.other_sets(ANN).unwrap(), [BOB, ROOM]);
        assert_eq!(tx.other_sets(BOB).unwrap(), [ANN]);
        assert!(tx.other_sets(ROOM).unwrap().is_empty());
    });
}

pub(super) fn collections_do_not_share_periods(b: &dyn Backend) {
    let mut db = Db::open(b);
    // The same name as owner, quota and participant in every kind.
    let sets = [own(ANN), offers(ANN), other(ANN, ANN), journal(ANN, ANN), collective(ANN, ANN)];
    db.write(|tx| {
        for (i, set) in sets.iter().enumerate() {
            tx.add_busy(set, &[period(&format!("e{i}"), "", 1, 2)]).unwrap();
        }
    });
    db.read(|tx| {
        for (i, set) in sets.iter().enumerate() {
            let uid = format!("e{i}");
            assert_eq!(uids(&tx.busy_all(set).unwrap()), [uid.as_str()], "{set:?}");
            assert_eq!(uids(&tx.busy(set, t(0), t(3)).unwrap()), [uid.as_str()], "{set:?}");
        }
    });
}

pub(super) fn change_stamps_grow_with_every_own_or_offer_change(b: &dyn Backend) {
    let mut db = Db::open(b);
    let mut other_handle = Db::open(b);
    assert!(db.read(|tx| tx.change_stamps().unwrap()).is_empty(), "nothing changed yet");
    let mut last = 0;
    let mut grew = |db: &mut Db, what: &str| {
        let now = db.read(|tx| stamp(tx, ANN));
        assert!(now > last, "{what}: stamp {now} after {last}");
        last = now;
    };
    db.write(|tx| tx.add_busy(&own(ANN), &[period("a", "", 1, 2), period("b", "", 3, 4)]).unwrap());
    grew(&mut db, "own periods added");
    db.write(|tx| tx.add_busy(&offers(ANN), &[hold("c", 5, 6, Some(7))]).unwrap());
    grew(&mut db, "an offer added");
    db.write(|tx| tx.remove_busy_for_uid(&own(ANN), "a", None).unwrap());
    grew(&mut db, "removed by UID");
    db.write(|tx| tx.remove_busy_in(&own(ANN), Some((t(3), t(4)))).unwrap());
    grew(&mut db, "removed in a window");
    db.write(|tx| tx.purge_expired(&offers(ANN), t(8)).unwrap());
    grew(&mut db, "an offer lapsed");
    db.write(|tx| tx.add_busy(&offers(ANN), &[period("d", "", 1, 2)]).unwrap());
    grew(&mut db, "an offer added again");
    db.write(|tx| tx.expire_busy("offer", t(3)).unwrap());
    grew(&mut db, "offers expired");
    other_handle.write(|tx| tx.add_busy(&own(ANN), &[period("e", "", 1, 2)]).unwrap());
    grew(&mut db, "a change through another handle");

    // Records of other people's time, quota journals and collective
    // records are not the owner's free/busy.
    db.write(|tx| {
        tx.add_busy(&other(ANN, BOB), &[period("x", "", 1, 2)]).unwrap();
        tx.add_busy(&journal(ANN, BOB), &[period("x", "", 1, 2)]).unwrap();
        tx.add_busy(&collective(ANN, BOB), &[period("x", "", 1, 2)]).unwrap();
        tx.remove_busy_in(&other(ANN, BOB), None).unwrap();
        tx.expire_busy("journal", t(100)).unwrap();
    });
    assert_eq!(db.read(|tx| stamp(tx, ANN)), last, "unchanged");
    db.write(|tx| {
        tx.add_busy(&own(ROOM), &[period("r", "", 1, 2)]).unwrap();
        tx.add_busy(&offers(BOB), &[period("r", "", 1, 2)]).unwrap();
    });
    let stamps = db.read(|tx| tx.change_stamps().unwrap());
    let owners: Vec<&str> = stamps.iter().map(|(o, _)| o.as_str()).collect();
    assert_eq!(owners, [ANN, BOB, ROOM], "one per owner, sorted");
    assert!(stamps.iter().all(|(_, s)| *s > 0));
}

pub(super) fn providers_are_registered_once_listed_and_unregistered(b: &dyn Backend) {
    let mut db = Db::open(b);
    db.write(|tx| {
        tx.add_provider(ANN, "e2").unwrap();
        tx.add_provider(ANN, "e3").unwrap();
        tx.add_provider(ANN, "e1").unwrap();
        tx.add_provider(ANN, "e1").unwrap();
        tx.add_provider(ROOM, "e1").unwrap();
    });
    db.read(|tx| {
        assert_eq!(tx.providers(ANN).unwrap(), ["e1", "e2", "e3"]);
        assert_eq!(tx.provider_owners().unwrap(), [ANN, ROOM]);
        assert!(tx.providers(BOB).unwrap().is_empty());
    });
    db.write(|tx| {
        tx.remove_provider(ROOM, "e1").unwrap();
        tx.remove_provider(ANN, "e3").unwrap();
        tx.remove_provider(ANN, "e9").unwrap();
    });
    db.read(|tx| {
        assert_eq!(tx.providers(ANN).unwrap(), ["e1", "e2"]);
        assert_eq!(tx.provider_owners().unwrap(), [ANN], "an owner without providers is gone");
    });
}

pub(super) fn provider_horizons_are_recorded_and_replaced(b: &dyn Backend) {
    let mut db = Db::open(b);
    assert_eq!(db.read(|tx| tx.provider_horizon(ANN).unwrap()), None);
    db.write(|tx| {
        tx.set_provider_horizon(ANN, t(100)).unwrap();
        tx.set_provider_horizon(BOB, t(200)).unwrap();
    });
    assert_eq!(db.read(|tx| tx.provider_horizon(ANN).unwrap()), Some(t(100)));
    db.write(|tx| tx.set_provider_horizon(ANN, t(50)).unwrap());
    db.read(|tx| {
        assert_eq!(
            tx.provider_horizon(ANN).unwrap(),
            Some(t(50)),
            "replaced, even by an earlier one"
        );
        assert_eq!(tx.provider_horizon(BOB).unwrap(), Some(t(200)));
        assert_eq!(tx.provider_horizon(ROOM).unwrap(), None);
    });
}
