//! Cases for users, preferences, objects, counter-proposals and the
//! request queue. No I/O of their own.

use super::Backend;
use super::fixtures::*;
use crate::freebusy::FbSet;
use crate::store::{ObjectStatus, ReplyKind, RequestEntry};

pub(super) fn users_are_recorded_once_and_keep_their_kind(b: &dyn Backend) {
    let mut db = Db::open(b);
    assert!(db.read(|tx| tx.users().unwrap()).is_empty());
    db.write(|tx| {
        tx.ensure_user(ROOM, "resource", t(0)).unwrap();
        tx.ensure_user(BOB, "person", t(1)).unwrap();
        tx.ensure_user(ANN, "person", t(2)).unwrap();
        // Known: no-op, the kind stays.
        tx.ensure_user(ROOM, "person", t(3)).unwrap();
    });
    assert_eq!(
        db.read(|tx| tx.users().unwrap()),
        [pair(ANN, "person"), pair(BOB, "person"), pair(ROOM, "resource")],
        "sorted by address, each once, first kind kept"
    );
}

pub(super) fn a_user_without_kind_gets_one_later(b: &dyn Backend) {
    let mut db = Db::open(b);
    db.write(|tx| {
        tx.ensure_user(ANN, "", t(0)).unwrap();
        tx.ensure_user(ANN, "", t(1)).unwrap();
    });
    assert_eq!(db.read(|tx| tx.users().unwrap()), [pair(ANN, "")]);
    db.write(|tx| tx.ensure_user(ANN, "person", t(2)).unwrap());
    db.write(|tx| tx.ensure_user(ANN, "resource", t(3)).unwrap());
    assert_eq!(db.read(|tx| tx.users().unwrap()), [pair(ANN, "person")]);
}

pub(super) fn deleting_a_user_removes_everything_stored_for_them(b: &dyn Backend) {
    let mut db = Db::open(b);
    let fill = |tx: &mut dyn crate::store::StoreTx, u: &str| {
        tx.ensure_user(u, "person", t(0)).unwrap();
        tx.set_pref(u, "LANG", "de").unwrap();
        tx.put_object(u, &active("e1", ""), t(0)).unwrap();
        tx.put_object(u, &cancelled("e1", "r1"), t(0)).unwrap();
        tx.put_counter(u, "e1", &inst(""), BOB, "counter").unwrap();
        tx.queue_request(u, "e1", &inst(""), kind("")).unwrap();
        tx.add_provider(u, "e1").unwrap();
        tx.set_provider_horizon(u, t(100)).unwrap();
        tx.add_busy(&FbSet::Own(u.into()), &[period("e1", "", 1, 2)]).unwrap();
        tx.add_busy(&FbSet::Offers(u.into()), &[hold("e2", 3, 4, Some(50))]).unwrap();
        let other = FbSet::Other { user: u.into(), other: ROOM.into() };
        tx.add_busy(&other, &[period("e3", "", 5, 6)]).unwrap();
    };
    db.write(|tx| {
        fill(tx, ANN);
        fill(tx, BOB);
    });
    let stamp_before = db.read(|tx| stamp(tx, ANN));
    db.write(|tx| tx.delete_user(ANN).unwrap());
    db.read(|tx| {
        assert_eq!(tx.users().unwrap(), [pair(BOB, "person")]);
        assert!(tx.prefs(ANN).unwrap().is_empty());
        assert!(tx.list_objects(ANN, None).unwrap().is_empty());
        assert!(tx.counters(ANN, "e1", &inst("")).unwrap().is_empty());
        assert!(tx.requests(ANN).unwrap().is_empty());
        assert!(tx.providers(ANN).unwrap().is_empty());
        assert_eq!(tx.provider_owners().unwrap(), [BOB]);
        assert_eq!(tx.provider_horizon(ANN).unwrap(), None);
        assert!(tx.busy_all(&FbSet::Own(ANN.into())).unwrap().is_empty());
        assert!(tx.busy_all(&FbSet::Offers(ANN.into())).unwrap().is_empty());
        assert!(tx.other_sets(ANN).unwrap().is_empty());
        assert!(tx.sets_of_kind("own").unwrap().iter().all(|(o, _)| o != ANN));
        assert!(stamp(tx, ANN) > stamp_before, "removed periods move the stamp");
        // The other user keeps everything.
        assert_eq!(tx.prefs(BOB).unwrap(), [pair("LANG", "de")]);
        assert_eq!(tx.list_objects(BOB, None).unwrap().len(), 2);
        assert_eq!(tx.counters(BOB, "e1", &inst("")).unwrap().len(), 1);
        assert_eq!(tx.requests(BOB).unwrap().len(), 1);
        assert_eq!(tx.providers(BOB).unwrap(), ["e1"]);
        assert_eq!(tx.provider_horizon(BOB).unwrap(), Some(t(100)));
        assert_eq!(tx.busy_all(&FbSet::Own(BOB.into())).unwrap().len(), 1);
        assert_eq!(tx.busy_all(&FbSet::Offers(BOB.into())).unwrap().len(), 1);
        assert_eq!(tx.other_sets(BOB).unwrap(), [ROOM]);
    });
}

pub(super) fn preferences_are_set_replaced_listed_and_unset(b: &dyn Backend) {
    let mut db = Db::open(b);
    db.write(|tx| {
        tx.set_pref(ANN, "TZID", "Europe/Berlin").unwrap();
        tx.set_pref(ANN, "CN", "Ann").unwrap();
        tx.set_pref(ANN, "LANG", "en").unwrap();
        tx.set_pref(ANN, "LANG", "da").unwrap();
        tx.set_pref(BOB, "LANG", "nb").unwrap();
    });
    db.read(|tx| {
        assert_eq!(tx.pref(ANN, "LANG").unwrap().as_deref(), Some("da"), "replaced");
        assert_eq!(tx.pref(ANN, "none").unwrap(), None);
        assert_eq!(tx.pref("mailto:nobody@example.com", "LANG").unwrap(), None);
        assert_eq!(
            tx.prefs(ANN).unwrap(),
            [pair("CN", "Ann"), pair("LANG", "da"), pair("TZID", "Europe/Berlin")],
            "sorted by name"
        );
        assert_eq!(tx.prefs(BOB).unwrap(), [pair("LANG", "nb")]);
    });
    db.write(|tx| {
        assert!(tx.unset_pref(ANN, "LANG").unwrap());
        assert!(!tx.unset_pref(ANN, "LANG").unwrap(), "already gone");
        assert!(!tx.unset_pref(ANN, "none").unwrap());
    });
    db.read(|tx| {
        assert_eq!(tx.pref(ANN, "LANG").unwrap(), None);
        assert_eq!(tx.pref(BOB, "LANG").unwrap().as_deref(), Some("nb"));
        assert_eq!(tx.prefs(ANN).unwrap().len(), 2);
    });
}

pub(super) fn objects_are_stored_replaced_and_deleted(b: &dyn Backend) {
    let mut db = Db::open(b);
    db.write(|tx| {
        tx.put_object(ANN, &active("e1", ""), t(0)).unwrap();
        tx.put_object(ANN, &active("e1", "20270105T100000Z"), t(0)).unwrap();
    });
    db.read(|tx| {
        assert_eq!(tx.object(ANN, "e1", &inst("")).unwrap(), Some(active("e1", "")));
        assert_eq!(
            tx.object(ANN, "e1", &inst("20270105T100000Z")).unwrap(),
            Some(active("e1", "20270105T100000Z"))
        );
        assert_eq!(tx.object(BOB, "e1", &inst("")).unwrap(), None, "per user");
        assert_eq!(tx.object(ANN, "e2", &inst("")).unwrap(), None);
    });
    // Replacing changes status and text in place.
    db.write(|tx| tx.put_object(ANN, &cancelled("e1", ""), t(1)).unwrap());
    db.read(|tx| {
        assert_eq!(tx.object(ANN, "e1", &inst("")).unwrap(), Some(cancelled("e1", "")));
        assert_eq!(tx.list_objects(ANN, None).unwrap().len(), 2);
    });
    db.write(|tx| {
        tx.delete_object(ANN, "e1", &inst("")).unwrap();
        tx.delete_object(ANN, "e9", &inst("")).unwrap();
    });
    db.read(|tx| {
        assert_eq!(tx.object(ANN, "e1", &inst("")).unwrap(), None);
        assert_eq!(tx.list_objects(ANN, None).unwrap(), [active("e1", "20270105T100000Z")]);
    });
}

pub(super) fn occurrences_are_listed_sorted_by_rid(b: &dyn Backend) {
    let mut db = Db::open(b);
    db.write(|tx| {
        tx.put_object(ANN, &active("e1", ""), t(0)).unwrap();
        tx.put_object(ANN, &active("e1", "20270112T100000Z"), t(0)).unwrap();
        tx.put_object(ANN, &cancelled("e1", "20270105T100000Z"), t(0)).unwrap();
        tx.put_object(ANN, &active("e1", "20270119T100000Z"), t(0)).unwrap();
        tx.put_object(ANN, &active("e10", "20270101T100000Z"), t(0)).unwrap();
        tx.put_object(ANN, &active("e0", "20270101T100000Z"), t(0)).unwrap();
        tx.put_object(BOB, &active("e1", "20270101T100000Z"), t(0)).unwrap();
    });
    db.read(|tx| {
        assert_eq!(
            tx.occurrences(ANN, "e1").unwrap(),
            [
                cancelled("e1", "20270105T100000Z"),
                active("e1", "20270112T100000Z"),
                active("e1", "20270119T100000Z"),
            ],
            "every occurrence of this UID and user, cancelled ones too, not the parent"
        );
        assert!(tx.occurrences(ANN, "e2").unwrap().is_empty());
        assert!(tx.occurrences(ANN, "e").unwrap().is_empty(), "UIDs are matched whole");
    });
}

pub(super) fn deleting_recurrences_keeps_the_parent_and_drops_cancellations(b: &dyn Backend) {
    let mut db = Db::open(b);
    db.write(|tx| {
        tx.put_object(ANN, &active("e1", ""), t(0)).unwrap();
        tx.put_object(ANN, &active("e1", "20270112T100000Z"), t(0)).unwrap();
        tx.put_object(ANN, &cancelled("e1", "20270105T100000Z"), t(0)).unwrap();
        tx.put_object(ANN, &active("e10", "20270112T100000Z"), t(0)).unwrap();
        tx.put_object(BOB, &active("e1", "20270112T100000Z"), t(0)).unwrap();
    });
    db.write(|tx| {
        tx.delete_occurrences(ANN, "e1").unwrap();
        tx.delete_occurrences(ANN, "e9").unwrap();
    });
    db.read(|tx| {
        assert!(tx.occurrences(ANN, "e1").unwrap().is_empty());
        assert_eq!(
            tx.object(ANN, "e1", &inst("20270105T100000Z")).unwrap(),
            None,
            "cancellation gone"
        );
        assert_eq!(tx.object(ANN, "e1", &inst("")).unwrap(), Some(active("e1", "")), "parent kept");
        assert_eq!(tx.occurrences(ANN, "e10").unwrap().len(), 1, "other UID kept");
        assert_eq!(tx.occurrences(BOB, "e1").unwrap().len(), 1, "other user kept");
    });
}

pub(super) fn objects_are_listed_by_uid_and_rid_optionally_by_status(b: &dyn Backend) {
    let mut db = Db::open(b);
    db.write(|tx| {
        tx.put_object(ANN, &active("b", "2"), t(0)).unwrap();
        tx.put_object(ANN, &cancelled("a", ""), t(0)).unwrap();
        tx.put_object(ANN, &active("b", ""), t(0)).unwrap();
        tx.put_object(ANN, &cancelled("b", "1"), t(0)).unwrap();
        tx.put_object(ANN, &active("C", ""), t(0)).unwrap();
        tx.put_object(BOB, &active("a", ""), t(0)).unwrap();
    });
    db.read(|tx| {
        assert_eq!(
            tx.list_objects(ANN, None).unwrap(),
            [
                active("C", ""),
                cancelled("a", ""),
                active("b", ""),
                cancelled("b", "1"),
                active("b", "2")
            ],
            "by uid then rid, byte order"
        );
        assert_eq!(
            tx.list_objects(ANN, Some(ObjectStatus::Active)).unwrap(),
            [active("C", ""), active("b", ""), active("b", "2")]
        );
        assert_eq!(
            tx.list_objects(ANN, Some(ObjectStatus::Cancelled)).unwrap(),
            [cancelled("a", ""), cancelled("b", "1")]
        );
        assert!(tx.list_objects(ROOM, None).unwrap().is_empty());
    });
}

pub(super) fn counters_are_per_occurrence_sorted_replaced_and_deleted(b: &dyn Backend) {
    let mut db = Db::open(b);
    db.write(|tx| {
        tx.put_counter(ANN, "e1", &inst(""), ROOM, "room's").unwrap();
        tx.put_counter(ANN, "e1", &inst(""), BOB, "bob's").unwrap();
        tx.put_counter(ANN, "e1", &inst(""), BOB, "bob's second").unwrap();
        tx.put_counter(ANN, "e1", &inst("r1"), BOB, "bob's for r1").unwrap();
        tx.put_counter(BOB, "e1", &inst(""), ANN, "ann's").unwrap();
    });
    db.read(|tx| {
        assert_eq!(
            tx.counters(ANN, "e1", &inst("")).unwrap(),
            [pair(BOB, "bob's second"), pair(ROOM, "room's")],
            "one per attendee, replaced, sorted by attendee"
        );
        assert_eq!(tx.counters(ANN, "e1", &inst("r1")).unwrap(), [pair(BOB, "bob's for r1")]);
        assert!(tx.counters(ANN, "e2", &inst("")).unwrap().is_empty());
    });
    db.write(|tx| tx.delete_counters(ANN, "e1", &inst(""), Some(ROOM)).unwrap());
    db.read(|tx| {
        assert_eq!(tx.counters(ANN, "e1", &inst("")).unwrap(), [pair(BOB, "bob's second")])
    });
    db.write(|tx| {
        tx.put_counter(ANN, "e1", &inst(""), ROOM, "again").unwrap();
        tx.delete_counters(ANN, "e1", &inst(""), None).unwrap();
    });
    db.read(|tx| {
        assert!(tx.counters(ANN, "e1", &inst("")).unwrap().is_empty(), "all attendees");
        assert_eq!(tx.counters(ANN, "e1", &inst("r1")).unwrap().len(), 1, "other occurrence kept");
        assert_eq!(tx.counters(BOB, "e1", &inst("")).unwrap().len(), 1, "other user kept");
    });
}

pub(super) fn the_request_queue_is_sorted_without_duplicates_and_dequeued_by_kind(b: &dyn Backend) {
    let entry = |uid: &str, rid: &str, k: &str| RequestEntry {
        uid: uid.into(),
        instance: inst(rid),
        kind: kind(k),
    };
    let mut db = Db::open(b);
    db.write(|tx| {
        tx.queue_request(ANN, "e2", &inst(""), kind("")).unwrap();
        tx.queue_request(ANN, "e1", &inst("r1"), kind("COUNTER")).unwrap();
        tx.queue_request(ANN, "e1", &inst("r1"), kind("")).unwrap();
        tx.queue_request(ANN, "e1", &inst(""), kind("")).unwrap();
        tx.queue_request(ANN, "e2", &inst(""), kind("")).unwrap();
        tx.queue_request(BOB, "e1", &inst(""), kind("")).unwrap();
    });
    db.read(|tx| {
        assert_eq!(
            tx.requests(ANN).unwrap(),
            [
                entry("e1", "", ""),
                entry("e1", "r1", ""),
                entry("e1", "r1", "COUNTER"),
                entry("e2", "", "")
            ],
            "by uid, rid, kind; queued twice is queued once"
        );
        assert!(tx.requests(ROOM).unwrap().is_empty());
    });
    db.write(|tx| {
        tx.dequeue_request(ANN, "e1", &inst("r1"), Some(kind("COUNTER"))).unwrap();
        tx.dequeue_request(ANN, "e2", &inst(""), Some(kind("COUNTER"))).unwrap();
    });
    db.read(|tx| {
        assert_eq!(
            tx.requests(ANN).unwrap(),
            [entry("e1", "", ""), entry("e1", "r1", ""), entry("e2", "", "")],
            "only that kind"
        );
    });
    db.write(|tx| {
        tx.queue_request(ANN, "e1", &inst("r1"), kind("COUNTER")).unwrap();
        tx.dequeue_request(ANN, "e1", &inst("r1"), None).unwrap();
    });
    db.read(|tx| {
        assert_eq!(
            tx.requests(ANN).unwrap(),
            [entry("e1", "", ""), entry("e2", "", "")],
            "every kind"
        );
        assert_eq!(tx.requests(BOB).unwrap(), [entry("e1", "", "")]);
    });
}

pub(super) fn answers_are_kept_per_attendee_instance_and_kind(b: &dyn Backend) {
    let mut db = Db::open(b);
    db.write(|tx| {
        tx.put_reply(ANN, &answer("e1", "r1", BOB, ReplyKind::Reply, 0, Some(1))).unwrap();
        tx.put_reply(ANN, &answer("e1", "", BOB, ReplyKind::Reply, 0, Some(2))).unwrap();
        tx.put_reply(ANN, &answer("e1", "", BOB, ReplyKind::CounterDeclined, 1, None)).unwrap();
        tx.put_reply(ANN, &answer("e1", "", ROOM, ReplyKind::Reply, 0, Some(3))).unwrap();
        tx.put_reply(ANN, &answer("e2", "", BOB, ReplyKind::Reply, 0, Some(4))).unwrap();
        tx.put_reply(BOB, &answer("e1", "", ANN, ReplyKind::Reply, 0, Some(5))).unwrap();
    });
    db.read(|tx| {
        assert_eq!(
            tx.replies(ANN, "e1").unwrap(),
            [
                answer("e1", "", BOB, ReplyKind::CounterDeclined, 1, None),
                answer("e1", "", BOB, ReplyKind::Reply, 0, Some(2)),
                answer("e1", "", ROOM, ReplyKind::Reply, 0, Some(3)),
                answer("e1", "r1", BOB, ReplyKind::Reply, 0, Some(1)),
            ],
            "by instance, attendee and kind; per user and UID"
        );
    });
    // A newer answer replaces the attendee's answer of that kind.
    db.write(|tx| tx.put_reply(ANN, &answer("e1", "", BOB, ReplyKind::Reply, 1, Some(9))).unwrap());
    db.read(|tx| {
        let r = tx.replies(ANN, "e1").unwrap();
        assert_eq!(r.len(), 4);
        assert!(r.contains(&answer("e1", "", BOB, ReplyKind::Reply, 1, Some(9))));
    });
    db.write(|tx| tx.delete_replies(ANN, "e1").unwrap());
    db.read(|tx| {
        assert!(tx.replies(ANN, "e1").unwrap().is_empty());
        assert_eq!(tx.replies(ANN, "e2").unwrap().len(), 1, "other UIDs stay");
        assert_eq!(tx.replies(BOB, "e1").unwrap().len(), 1, "other users stay");
    });
    db.write(|tx| tx.delete_user(ANN).unwrap());
    db.read(|tx| assert!(tx.replies(ANN, "e2").unwrap().is_empty(), "with the user"));
}
