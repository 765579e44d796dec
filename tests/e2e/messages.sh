# Test messages for the mail-system end-to-end tests (sourced). Dates are
# relative to today, so that everything lies in the agents' future.

day() { date -u -d "+$1 days" +%Y%m%d; }

# request_msg FILE UID ORGANISER ATTENDEE DAYS_AHEAD: a REQUEST.
request_msg() {
  local d; d=$(day "$5")
  cat >"$1" <<MSG
From: Paul Boddie <$3>
To: $4
Subject: Meeting $2
Message-ID: <$2>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

You are invited: $2.

--b1
Content-Type: text/calendar; charset=utf-8; method=REQUEST

BEGIN:VCALENDAR
PRODID:-//imip-agent e2e//EN
VERSION:2.0
METHOD:REQUEST
BEGIN:VEVENT
UID:$2
DTSTAMP:$(date -u +%Y%m%dT%H%M%SZ)
DTSTART:${d}T100000Z
DTEND:${d}T110000Z
SUMMARY:Meeting $2
SEQUENCE:0
ORGANIZER:mailto:$3
ATTENDEE;ROLE=CHAIR;PARTSTAT=ACCEPTED:mailto:$3
ATTENDEE;RSVP=TRUE;PARTSTAT=NEEDS-ACTION:mailto:$4
END:VEVENT
END:VCALENDAR

--b1--
MSG
}

# freebusy_msg FILE UID ORGANISER ATTENDEE: a VFREEBUSY REQUEST for 30 days.
freebusy_msg() {
  cat >"$1" <<MSG
From: Paul Boddie <$3>
To: $4
Subject: Free/busy request $2
Message-ID: <$2>
MIME-Version: 1.0
Content-Type: text/calendar; charset=utf-8; method=REQUEST

BEGIN:VCALENDAR
PRODID:-//imip-agent e2e//EN
VERSION:2.0
METHOD:REQUEST
BEGIN:VFREEBUSY
UID:$2
DTSTAMP:$(date -u +%Y%m%dT%H%M%SZ)
DTSTART:$(day 0)T000000Z
DTEND:$(day 30)T000000Z
ORGANIZER:mailto:$3
ATTENDEE:mailto:$4
END:VFREEBUSY
END:VCALENDAR
MSG
}

# send_smtp PORT FROM TO FILE: one message into an MTA with swaks.
send_smtp() {
  swaks --silent 2 --server "127.0.0.1:$1" --from "$2" --to "$3" --data "@$4"
}
