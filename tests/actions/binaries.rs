//! `imip_admin`'s scheduling commands end to end, through the real
//! programs: an invitation made with `imip_admin invite` goes to the room's
//! `imip_resource`, whose answer, given to the organiser's `imip_person`,
//! is applied to the organiser's copy; actions that cannot be done exit 65
//! having changed nothing, bad arguments 64; when the transport fails the
//! action is recorded, exits 75 and its messages wait in the outbox until
//! `imip_admin outbox --send` sends them.
#![allow(clippy::unwrap_used)]

use crate::util;

const NOW: &str = "20270301T090000Z";

fn env() -> Vec<(&'static str, String)> {
    vec![("IMIP_AGENT_NOW", NOW.to_string())]
}

fn args(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn files(dir: &std::path::Path) -> Vec<Vec<u8>> {
    let mut names: Vec<_> =
        std::fs::read_dir(dir).map(|d| d.map(|e| e.unwrap().path()).collect()).unwrap_or_default();
    names.sort();
    names.into_iter().map(|p| std::fs::read(p).unwrap()).collect()
}

fn to_of(mail: &[u8]) -> String {
    let text = String::from_utf8_lossy(mail);
    text.lines().find_map(|l| l.strip_prefix("To: ")).map(str::to_string).unwrap_or_default()
}

#[test]
fn the_rooms_answer_to_imip_admin_invite_is_applied_to_the_organisers_copy() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db").display().to_string();
    let sent = dir.path().join("sent");
    let invite = util::run(
        "imip_admin",
        &args(&[
            "-S",
            &db,
            "invite",
            "alice@example.com",
            "--uid",
            "planning-1",
            "--summary",
            "Planning",
            "--start",
            "2027-03-02T10:00Z",
            "--end",
            "2027-03-02T11:00Z",
            "--attendee",
            "bob@example.com",
            "--room",
            "room@example.com",
            "--outbox",
            &sent.display().to_string(),
        ]),
        b"",
        &env(),
    );
    assert_eq!(invite.status, 0, "{}", invite.stderr);
    assert!(String::from_utf8_lossy(&invite.stdout).contains("event planning-1 created"));
    let mails = files(&sent);
    assert_eq!(mails.len(), 2);
    let for_room = mails.iter().find(|m| to_of(m) == "room@example.com").unwrap();

    let room = util::run(
        "imip_resource",
        &args(&["-o", "room@example.com", "-S", &db, "-d"]),
        for_room,
        &env(),
    );
    assert_eq!(room.status, 0, "{}", room.stderr);
    let replies = room.messages();
    assert_eq!(replies.len(), 1, "{}", room.stderr);
    assert!(String::from_utf8_lossy(&replies[0].1).contains("PARTSTAT=ACCEPTED"));

    let copy = dir.path().join("copies");
    let alice = util::run(
        "imip_person",
        &args(&["-o", "alice@example.com", "-S", &db, "--outbox", &copy.display().to_string()]),
        &replies[0].1,
        &env(),
    );
    assert_eq!(alice.status, 0, "{}", alice.stderr);

    let show = util::run(
        "imip_admin",
        &args(&["-S", &db, "show", "alice@example.com", "planning-1"]),
        b"",
        &env(),
    );
    assert_eq!(show.status, 0, "{}", show.stderr);
    let ics = String::from_utf8_lossy(&show.stdout).to_string();
    let room_line = ics.lines().find(|l| l.contains("mailto:room@example.com")).unwrap();
    assert!(room_line.contains("PARTSTAT=ACCEPTED"), "{ics}");
    let bob_line = ics.lines().find(|l| l.contains("mailto:bob@example.com")).unwrap();
    assert!(bob_line.contains("PARTSTAT=NEEDS-ACTION"), "{ics}");
}

#[test]
fn refused_actions_exit_65_and_bad_arguments_64() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db").display().to_string();
    let out = dir.path().join("sent").display().to_string();
    let run = |a: &[&str]| {
        let mut all = vec!["-S", db.as_str()];
        all.extend_from_slice(a);
        util::run("imip_admin", &args(&all), b"", &env())
    };
    let r = run(&["respond", "bob@example.com", "nope", "accepted", "--outbox", &out]);
    assert_eq!(r.status, 65, "{}", r.stderr);
    assert!(r.stderr.contains("no event nope is stored"), "{}", r.stderr);
    let r = run(&["respond", "bob@example.com", "nope", "perhaps"]);
    assert_eq!(r.status, 64, "{}", r.stderr);
    let r = run(&[
        "invite",
        "alice@example.com",
        "--start",
        "next tuesday",
        "--end",
        "2027-03-02T11:00Z",
    ]);
    assert_eq!(r.status, 64, "{}", r.stderr);
    assert!(r.stderr.contains("is not a date or time"), "{}", r.stderr);
    let r = run(&["invite", "alice", "--start", "2027-03-02T10:00Z", "--end", "2027-03-02T11:00Z"]);
    assert_eq!(r.status, 64, "{}", r.stderr);
    assert!(files(std::path::Path::new(&out)).is_empty(), "nothing was sent");
    let listed = run(&["events", "alice@example.com"]);
    assert_eq!(listed.stdout, b"", "nothing was recorded");
}

#[test]
fn messages_that_could_not_be_sent_wait_in_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db").display().to_string();
    let failing = util::script(dir.path(), "sendmail", "#!/bin/sh\ncat >/dev/null\nexit 75\n");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[outgoing]\ntransport = \"sendmail\"\nsendmail_command = \"{}\"\n",
            failing.display()
        ),
    )
    .unwrap();
    let cfg = config.display().to_string();
    let run = |a: &[&str]| {
        let mut all = vec!["-c", cfg.as_str(), "-S", db.as_str()];
        all.extend_from_slice(a);
        util::run("imip_admin", &args(&all), b"", &env())
    };
    let r = run(&[
        "invite",
        "alice@example.com",
        "--uid",
        "ev-9",
        "--start",
        "2027-03-02T10:00Z",
        "--end",
        "2027-03-02T11:00Z",
        "--attendee",
        "bob@example.com",
    ]);
    assert_eq!(r.status, 75, "{}", r.stderr);
    assert!(r.stderr.contains("imip_admin outbox --send"), "{}", r.stderr);
    assert!(
        String::from_utf8_lossy(&run(&["events", "alice@example.com"]).stdout).contains("ev-9"),
        "the action is recorded"
    );
    let waiting = run(&["outbox"]);
    let listing = String::from_utf8_lossy(&waiting.stdout).to_string();
    assert!(listing.contains("1 message(s) waiting") && listing.contains("ev-9"), "{listing}");

    let sent = dir.path().join("sent");
    let r = run(&["outbox", "--send", "--outbox", &sent.display().to_string()]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let mails = files(&sent);
    assert_eq!(mails.len(), 1);
    assert_eq!(to_of(&mails[0]), "bob@example.com");
    assert!(String::from_utf8_lossy(&mails[0]).contains("UID:ev-9"));
    assert_eq!(run(&["outbox"]).stdout, b"", "nothing waits any more");
    let again = run(&["outbox", "--send", "--outbox", &sent.display().to_string()]);
    assert_eq!(again.status, 0);
    assert_eq!(files(&sent).len(), 1, "sent once");
}
