#![allow(clippy::unwrap_used)]
use super::*;
use crate::freebusy::{BusyPeriod, FbSet};
use crate::ical::Instance;
use crate::store::{
    ObjectStatus, OutboxMessage, Processed, RequestKind, RunFilter, RunRecord, StoredObject,
};
use chrono::{TimeZone, Utc};

fn t(h: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 1, 1, h, 0, 0).unwrap()
}

#[test]
fn objects_periods_and_queue_round_trip() {
    let mut s = SqliteStore::open_memory().unwrap();
    let u = "mailto:room@example.com";
    let mut tx = s.write().unwrap();
    tx.ensure_user(u, "resource", t(0)).unwrap();
    tx.put_object(
        u,
        &StoredObject {
            uid: "a".into(),
            instance: Instance::Master,
            status: ObjectStatus::Active,
            text: "X".into(),
        },
        t(0),
    )
    .unwrap();
    tx.put_object(
        u,
        &StoredObject {
            uid: "a".into(),
            instance: Instance::from_key("20270101T100000Z"),
            status: ObjectStatus::Cancelled,
            text: "Y".into(),
        },
        t(0),
    )
    .unwrap();
    let set = FbSet::Own(u.into());
    tx.add_busy(
        &set,
        &[BusyPeriod::new(t(10), t(11), "a", ""), BusyPeriod::new(t(14), t(15), "a", "x")],
    )
    .unwrap();
    tx.queue_request(u, "a", &Instance::Master, RequestKind::Invitation).unwrap();
    tx.commit().unwrap();

    let tx = s.read().unwrap();
    assert_eq!(tx.object(u, "a", &Instance::Master).unwrap().unwrap().text, "X");
    assert_eq!(tx.occurrences(u, "a").unwrap().len(), 1);
    assert_eq!(tx.busy(&set, t(10), t(12)).unwrap().len(), 1);
    assert_eq!(tx.busy(&set, t(9), t(16)).unwrap().len(), 2);
    assert_eq!(tx.busy(&set, t(12), t(13)).unwrap().len(), 0);
    assert_eq!(tx.requests(u).unwrap().len(), 1);
    drop(tx);

    let mut tx = s.write().unwrap();
    assert_eq!(tx.remove_busy_for_uid(&set, "a", Some("x")).unwrap(), 1);
    tx.delete_occurrences(u, "a").unwrap();
    tx.commit().unwrap();
    let tx = s.read().unwrap();
    assert_eq!(tx.busy_all(&set).unwrap().len(), 1);
    assert!(tx.occurrences(u, "a").unwrap().is_empty());
}

#[test]
fn savepoints_roll_back_one_message() {
    let mut s = SqliteStore::open_memory().unwrap();
    let mut tx = s.write().unwrap();
    tx.savepoint().unwrap();
    tx.set_pref("u", "a", "1").unwrap();
    tx.release_savepoint().unwrap();
    tx.savepoint().unwrap();
    tx.set_pref("u", "b", "2").unwrap();
    tx.rollback_savepoint().unwrap();
    tx.commit().unwrap();
    let tx = s.read().unwrap();
    assert_eq!(tx.prefs("u").unwrap(), vec![("a".to_string(), "1".to_string())]);
}

#[test]
fn processed_markers_keep_their_outbox() {
    let mut s = SqliteStore::open_memory().unwrap();
    let mut tx = s.write().unwrap();
    let p = Processed {
        message_key: "k".into(),
        recipient: "r".into(),
        agent: "imip_person".into(),
        at: 5,
        notes: "n".into(),
        sent: false,
        sent_count: 0,
        outbox: vec![OutboxMessage {
            kind: "deliver".into(),
            from: "".into(),
            to: vec!["a@x".into(), "b@x".into()],
            label: "l".into(),
            bytes: b"raw".to_vec(),
        }],
    };
    tx.put_processed(&p).unwrap();
    tx.add_run(&RunRecord {
        started: 1,
        program: "imip_resource".into(),
        exit_status: 75,
        ..Default::default()
    })
    .unwrap();
    tx.commit().unwrap();
    let tx = s.read().unwrap();
    assert_eq!(tx.processed("k", "r", "imip_person").unwrap(), Some(p));
    let runs = tx.runs(&RunFilter { exit_status: Some(75), ..Default::default() }).unwrap();
    assert_eq!(runs.len(), 1);
    assert!(tx.runs(&RunFilter { exit_status: Some(0), ..Default::default() }).unwrap().is_empty());
}

#[test]
fn file_store_is_created_and_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/store.db");
    let s = SqliteStore::open(&path, &SqliteOptions::default()).unwrap();
    assert_eq!(s.schema_version().unwrap(), schema::CURRENT_VERSION);
    drop(s);
    let s = SqliteStore::open(&path, &SqliteOptions::default()).unwrap();
    assert_eq!(s.schema_version().unwrap(), schema::CURRENT_VERSION);
}

#[test]
fn far_future_and_precise_bounds() {
    let mut s = SqliteStore::open_memory().unwrap();
    let set = FbSet::Own("u".into());
    let far = Utc.with_ymd_and_hms(2099, 12, 31, 23, 59, 59).unwrap();
    let mut tx = s.write().unwrap();
    // Adjacent periods one second apart: the float R*Tree must not blur them.
    tx.add_busy(&set, &[BusyPeriod::new(far, far + chrono::Duration::seconds(1), "x", "")])
        .unwrap();
    tx.add_busy(&set, &[BusyPeriod::new(t(10), t(10) + chrono::Duration::seconds(1), "y", "")])
        .unwrap();
    tx.commit().unwrap();
    let tx = s.read().unwrap();
    assert_eq!(tx.busy(&set, far, far + chrono::Duration::seconds(1)).unwrap().len(), 1);
    let after = t(10) + chrono::Duration::seconds(2);
    let found = tx.busy(&set, after, after + chrono::Duration::seconds(1)).unwrap();
    assert!(
        found.iter().all(|p| p.overlaps(&after, &(after + chrono::Duration::seconds(1))))
            || found.is_empty()
    );
}

#[test]
fn change_stamps_follow_own_and_offer_periods() {
    let mut s = SqliteStore::open_memory().unwrap();
    let stamp = |s: &mut SqliteStore, who: &str| {
        let tx = s.read().unwrap();
        tx.change_stamps().unwrap().into_iter().find(|(o, _)| o == who).map_or(0, |(_, n)| n)
    };
    assert_eq!(stamp(&mut s, "room"), 0);
    let mut tx = s.write().unwrap();
    tx.add_busy(&FbSet::Own("room".into()), &[BusyPeriod::new(t(10), t(11), "a", "")]).unwrap();
    tx.commit().unwrap();
    let one = stamp(&mut s, "room");
    assert!(one > 0);
    let mut tx = s.write().unwrap();
    tx.add_busy(&FbSet::Offers("room".into()), &[BusyPeriod::new(t(12), t(13), "b", "")]).unwrap();
    tx.commit().unwrap();
    let two = stamp(&mut s, "room");
    assert!(two > one, "offers count");
    let mut tx = s.write().unwrap();
    // Records of other people's time are not the user's own free/busy.
    let other = FbSet::Other { user: "room".into(), other: "x".into() };
    tx.add_busy(&other, &[BusyPeriod::new(t(12), t(13), "c", "")]).unwrap();
    tx.commit().unwrap();
    assert_eq!(stamp(&mut s, "room"), two);
    let mut tx = s.write().unwrap();
    tx.remove_busy_for_uid(&FbSet::Own("room".into()), "a", None).unwrap();
    tx.commit().unwrap();
    assert!(stamp(&mut s, "room") > two, "removals count");
}

#[test]
fn busy_query_is_driven_by_the_rtree() {
    // A plan starting from fb_periods would read every period of the
    // collection for each conflict check.
    let store = SqliteStore::open_memory().unwrap();
    let sql = format!("EXPLAIN QUERY PLAN {}", super::tx::busy_sql());
    let mut st = store.conn.prepare(&sql).unwrap();
    let plan: Vec<String> =
        st.query_map([1i64, 0, 0], |r| r.get(3)).unwrap().map(|r| r.unwrap()).collect();
    assert!(plan[0].contains("VIRTUAL TABLE"), "{plan:?}");
    assert!(plan.iter().any(|l| l.contains("INTEGER PRIMARY KEY")), "{plan:?}");
}

#[test]
fn relaxed_writes_lower_synchronous_only_for_themselves() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = SqliteStore::open(&dir.path().join("s.db"), &SqliteOptions::default()).unwrap();
    let sync = |s: &SqliteStore| -> i64 {
        s.conn.query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap()
    };
    let checkpoint: i64 = s.conn.query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0)).unwrap();
    assert_eq!(checkpoint, i64::from(WAL_AUTOCHECKPOINT_PAGES));
    assert_eq!(sync(&s), 2, "FULL");
    let mut tx = s.write_relaxed().unwrap();
    tx.ensure_user("mailto:a@example.com", "person", t(0)).unwrap();
    tx.commit().unwrap();
    assert_eq!(sync(&s), 1, "NORMAL while relaxed");
    s.write().unwrap().commit().unwrap();
    assert_eq!(sync(&s), 2, "FULL again for the next write");
    s.write_relaxed().unwrap().commit().unwrap();
    s.read().unwrap().commit().unwrap();
    assert_eq!(sync(&s), 2, "FULL again for the next read");
}

#[test]
fn a_partly_sent_outbox_is_resumed_where_it_stopped() {
    let mut s = SqliteStore::open_memory().unwrap();
    let msg = |n: &str| OutboxMessage {
        kind: "send".into(),
        from: "".into(),
        to: vec![format!("{n}@x")],
        label: n.into(),
        bytes: n.as_bytes().to_vec(),
    };
    let p = Processed {
        message_key: "k".into(),
        recipient: "r".into(),
        agent: "imip_resource".into(),
        at: 5,
        notes: String::new(),
        sent: false,
        sent_count: 0,
        outbox: vec![msg("a"), msg("b"), msg("c")],
    };
    let mut tx = s.write().unwrap();
    tx.put_processed(&p).unwrap();
    tx.mark_sent("k", "r", "imip_resource", 1).unwrap();
    tx.commit().unwrap();
    let got = s.read().unwrap().processed("k", "r", "imip_resource").unwrap().unwrap();
    assert!(!got.sent);
    assert_eq!(got.unsent().iter().map(|m| m.label.as_str()).collect::<Vec<_>>(), ["b", "c"]);
    let mut tx = s.write().unwrap();
    tx.mark_sent("k", "r", "imip_resource", 0).unwrap();
    tx.commit().unwrap();
    let got = s.read().unwrap().processed("k", "r", "imip_resource").unwrap().unwrap();
    assert_eq!(got.sent_count, 1, "a smaller report never lowers the count");
    let mut tx = s.write().unwrap();
    tx.mark_sent("k", "r", "imip_resource", 3).unwrap();
    tx.commit().unwrap();
    let got = s.read().unwrap().processed("k", "r", "imip_resource").unwrap().unwrap();
    assert!(got.sent && got.unsent().is_empty());
}
