#![allow(clippy::unwrap_used)]
use super::*;
use chrono::TimeZone;

#[test]
fn a_message_stamp_never_goes_back_and_follows_what_is_held() {
    let now = Utc.with_ymd_and_hms(2027, 3, 1, 9, 0, 0).unwrap();
    let s = |t: DateTime<Utc>| Some(t.timestamp());
    assert_eq!(stamp_after(now, [None, None]), now);
    assert_eq!(stamp_after(now, [s(now - Duration::hours(1))]), now);
    // The same second as the last answer: one second later, so it is newer.
    assert_eq!(stamp_after(now, [s(now)]), now + Duration::seconds(1));
    // A stored version stamped ahead of our clock (another host's clock).
    let ahead = now + Duration::minutes(5);
    assert_eq!(stamp_after(now, [s(ahead), s(now)]), ahead + Duration::seconds(1));
}

#[test]
fn refusals_read_as_sentences() {
    let t = Target { uid: "ev".into(), instance: Instance::Occurrence("20270301T090000Z".into()) };
    assert_eq!(
        ActionError::NotStored(t).to_string(),
        "no event ev (occurrence 20270301T090000Z) is stored for this user"
    );
    assert_eq!(
        ActionError::NotOrganiser("ev".into()).to_string(),
        "event ev is organised by someone else: only its organiser can do this"
    );
}
