//! In-process benchmarks (criterion). Performs I/O on stores in a
//! temporary directory.
//!
//! - `decision/*`: the whole resource path for one REQUEST inside one
//!   transaction — parse the message, extract its items, `handle_recipient`
//!   (newness, expansion, policy, store writes, decision record, reply) —
//!   on a file store (WAL, `synchronous=FULL`) already holding N bookings.
//!   `rollback` drops the transaction, so the same message can be decided
//!   again and the store never grows: the cost of deciding. `commit` books a
//!   new free slot each time and commits durably: deciding plus the fsyncs.
//!   Throughput is reported in decisions per second.
//! - `expand/*`: recurrence expansion of typical and worst-case rules.
//! - `extract/*`: reading an incoming message and its iTIP items.
//!
//! Run: `cargo bench --bench decisions` (all) or with a filter, e.g.
//! `cargo bench --bench decisions -- decision/rollback`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::Duration as ChronoDuration;
use common::{Grid, Setup, decide, now, populate, request};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use imip_agent::ical::parse::{ParseLimits, parse_calendar_text};
use imip_agent::ical::{Object, Zone};
use imip_agent::mail::items::extract_items;
use imip_agent::mail::{InboundMessage, MailLimits};
use imip_agent::recur::{ExpandParams, expand};
use imip_agent::store::Store;
use imip_agent::store::sqlite::{SqliteOptions, SqliteStore};
use std::hint::black_box;
use std::time::Duration;

/// Store sizes for the decision benchmarks (100,000 takes about a minute to
/// build; set IMIP_BENCH_SIZES=0,1000,10000,100000 to include it).
fn sizes() -> Vec<usize> {
    std::env::var("IMIP_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![0, 10_000])
}

fn decisions(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let setup = Setup::new();
    let mut group = c.benchmark_group("decision");
    group.throughput(Throughput::Elements(1));
    group.sample_size(30);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
    for n in sizes() {
        let path = dir.path().join(format!("store-{n}.db"));
        let mut store = SqliteStore::open(&path, &SqliteOptions::default()).expect("open store");
        populate(&mut store, n);
        let grid = Grid::new(n);
        let env = setup.env();

        let (s, e) = grid.gap(grid.future_slot(0));
        let book = request("rollback@example.com", s, e);
        group.bench_function(BenchmarkId::new("rollback/book", n), |b| {
            b.iter(|| {
                let mut tx = store.write().expect("write transaction");
                let ok = decide(&setup, &env, tx.as_mut(), black_box(&book));
                assert!(ok);
                // Dropping the transaction rolls it back.
            })
        });

        if n > 0 {
            let (s, e) = grid.event(grid.future_slot(0));
            let clash = request("clash@example.com", s, e);
            group.bench_function(BenchmarkId::new("rollback/decline", n), |b| {
                b.iter(|| {
                    let mut tx = store.write().expect("write transaction");
                    let ok = decide(&setup, &env, tx.as_mut(), black_box(&clash));
                    assert!(!ok);
                })
            });
        }

        // Committed bookings go beyond the grid's last slot, one hour each,
        // so that each is new, free and really written.
        let mut k = 0i64;
        let beyond = now() + ChronoDuration::days(3 * 365);
        group.bench_function(BenchmarkId::new("commit/book", n), |b| {
            b.iter(|| {
                k += 1;
                let s = beyond + ChronoDuration::hours(k);
                let raw = request(
                    &format!("commit-{n}-{k}@example.com"),
                    s,
                    s + ChronoDuration::minutes(50),
                );
                let mut tx = store.write().expect("write transaction");
                assert!(decide(&setup, &env, tx.as_mut(), &raw));
                tx.commit().expect("commit");
            })
        });
    }
    group.finish();
}

fn event(rule: &str, start: &str) -> Object {
    let text = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x@example.com\r\nDTSTAMP:20270301T090000Z\r\n\
         DTSTART{start}\r\nDURATION:PT1H\r\n{rule}END:VEVENT\r\nEND:VCALENDAR\r\n"
    );
    Object::from_stored(&text).expect("event parses")
}

fn expansion(c: &mut Criterion) {
    let mut group = c.benchmark_group("expand");
    group.sample_size(30);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    let mut params = ExpandParams::with_window(now() + ChronoDuration::days(100));
    params.keep_from = Some(now() - ChronoDuration::days(100));
    let oslo = ";TZID=Europe/Oslo:20270310T160000";
    let cases = [
        ("single", event("", ":20270310T160000Z")),
        ("weekly_count_52_tzid", event("RRULE:FREQ=WEEKLY;COUNT=52\r\n", oslo)),
        ("daily_open_ended", event("RRULE:FREQ=DAILY\r\n", oslo)),
        (
            "monthly_bysetpos",
            event("RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=120\r\n", oslo),
        ),
        ("since_1990_daily", event("RRULE:FREQ=DAILY\r\n", ":19900101T080000Z")),
        ("secondly_capped", event("RRULE:FREQ=SECONDLY\r\n", ":20270301T000000Z")),
    ];
    for (name, obj) in &cases {
        let zones = obj.zones(Zone::Utc);
        group.bench_function(*name, |b| b.iter(|| expand(black_box(obj), &zones, &params)));
    }
    group.finish();
}

fn extraction(c: &mut Criterion) {
    let mut group = c.benchmark_group("extract");
    group.sample_size(30);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    let basic: &[u8] = include_bytes!("../tests/fixtures/resource/request-basic.eml");
    // A request with the calendar inline and again as a base64 attachment,
    // plus a 200 KB attachment the extractor must walk past.
    let cal = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:big@example.com\r\n\
               DTSTAMP:20270301T090000Z\r\nDTSTART:20270310T150000Z\r\nDTEND:20270310T160000Z\r\n\
               ORGANIZER:mailto:a@example.com\r\nATTENDEE:mailto:room@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let b64 = |bytes: &[u8]| -> String {
        const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut s = String::new();
        for (i, ch) in bytes.chunks(3).enumerate() {
            let v =
                ch.iter().enumerate().fold(0u32, |a, (k, &x)| a | (u32::from(x) << (16 - 8 * k)));
            for k in 0..4 {
                s.push(if k <= ch.len() {
                    char::from(T[(v >> (18 - 6 * k)) as usize & 63])
                } else {
                    '='
                });
            }
            if i % 19 == 18 {
                s.push_str("\r\n");
            }
        }
        s
    };
    let blob: Vec<u8> =
        (0..200_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let large = format!(
        "From: a@example.com\r\nTo: room@example.com\r\nSubject: big\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\n\
         Content-Type: multipart/alternative; boundary=\"b2\"\r\n\r\n--b2\r\nContent-Type: text/plain\r\n\r\nHello\r\n\
         --b2\r\nContent-Type: text/calendar; method=REQUEST; charset=utf-8\r\n\r\n{cal}\r\n--b2--\r\n\
         --b1\r\nContent-Type: application/pdf; name=agenda.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n\
         --b1\r\nContent-Type: application/ics; name=invite.ics\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--b1--\r\n",
        b64(&blob),
        b64(cal.as_bytes())
    );
    for (name, raw) in [("request_basic", basic), ("multipart_200k_attachment", large.as_bytes())] {
        group.throughput(Throughput::Bytes(raw.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                let msg = InboundMessage::parse(black_box(raw), &MailLimits::default());
                let items = extract_items(&msg, true);
                assert_eq!(items.items.len(), 1);
                items
            })
        });
    }
    let text = String::from_utf8_lossy(basic);
    let cal_text = &text[text.find("BEGIN:VCALENDAR").expect("calendar")..];
    group.throughput(Throughput::Bytes(cal_text.len() as u64));
    group.bench_function("parse_calendar_text", |b| {
        b.iter(|| parse_calendar_text(black_box(cal_text), ParseLimits::default()))
    });
    group.finish();
}

criterion_group!(benches, decisions, expansion, extraction);
criterion_main!(benches);
