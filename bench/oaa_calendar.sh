#!/usr/bin/env bash
# Calendar agents on a facilitator (issue 7, item 8): freebusy solves per
# second and latency percentiles over loopback TCP with 1 and 16 concurrent
# clients, against the real `imip_admin serve-agent` and `imip_facilitator`
# (release build) on a store holding 1,000 events booked by mail through
# `imip_resource` (10 rooms, one booking a day each for 100 days).
#
# Each solve: client -> facilitator -> calendar agent (a read transaction
# on the SQLite store: preferences, the room's periods in the week asked)
# -> facilitator -> client; the answer lists the week's busy periods.
# Each client count runs twice: the same 10 goals over and over (after the
# first ask the agent's free/busy cache answers, checked against the store's
# data_version per solve), and 14,400 distinct goals (no cache hits).
#
# Usage: bench/oaa_calendar.sh [SECONDS_PER_RUN] [CLIENTS...]
#   defaults: 10 seconds, clients 1 and 16. CARGO_TARGET_DIR is respected;
#   FACILITATOR_ARGS is added to imip_facilitator's flags (e.g. --threads 2).
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
shift || true
CLIENTS=${*:-1 16}
TARGET=${CARGO_TARGET_DIR:-target}
B=$TARGET/release

cargo build --release --quiet --bin imip_admin --bin imip_resource --bin imip_facilitator --bin imip_ask
cargo build --release --quiet -p oaa --example solve_bench

W=$(mktemp -d)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$W"
}
trap cleanup EXIT

export IMIP_AGENT_NOW=20270301T000000Z TZ=UTC NO_COLOR=1
unset IMIP_AGENT_CONFIG IMIP_FACILITATOR IMIP_FACILITATOR_SECRET
cat >"$W/config.toml" <<EOF
[store]
path = "$W/store.db"
# Only to fill the store quickly; reads are the same either way.
durability = "normal"
[outgoing]
transport = "outbox"
outbox_dir = "$W/out"
EOF

echo "filling the store: 10 rooms, 1,000 bookings by mail ..." >&2
for r in $(seq 0 9); do
    "$B/imip_admin" -c "$W/config.toml" user add "room-$r@example.com" --kind resource >/dev/null
done
for i in $(seq 0 999); do
    r=$((i % 10))
    day=$(date -u -d "2027-03-01 + $((i / 10)) days" +%Y%m%d)
    h=$((8 + (i * 7) % 9))
    printf 'From: organiser%d@example.com\r\nTo: room-%d@example.com\r\nSubject: b%d\r\nMessage-ID: <b%d@example.com>\r\nContent-Type: text/calendar; method=REQUEST\r\n\r\nBEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:b%d@example.com\r\nDTSTAMP:20270301T000000Z\r\nORGANIZER:mailto:organiser%d@example.com\r\nATTENDEE:mailto:room-%d@example.com\r\nDTSTART:%sT%02d0000Z\r\nDTEND:%sT%02d0000Z\r\nSUMMARY:Booking %d\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n' \
        $((i % 37)) "$r" "$i" "$i" "$i" $((i % 37)) "$r" "$day" "$h" "$day" $((h + 1)) "$i" |
        "$B/imip_resource" -c "$W/config.toml" -o "room-$r@example.com" 2>/dev/null
done
echo "accepted bookings: $("$B/imip_admin" -c "$W/config.toml" freebusy room-0@example.com | wc -l) for room-0 (of 100)" >&2

"$B/imip_facilitator" --listen 127.0.0.1:0 ${FACILITATOR_ARGS:-} 2>"$W/fac.log" &
PIDS+=($!)
for _ in $(seq 100); do grep -q local_addr= "$W/fac.log" && break; sleep 0.05; done
ADDR=$(sed -n 's/.*local_addr=\([0-9.:]*\).*/\1/p' "$W/fac.log" | head -1)

"$B/imip_admin" -c "$W/config.toml" serve-agent --facilitator "$ADDR" --log warn,imip_agent=info 2>"$W/agent.log" &
PIDS+=($!)
for _ in $(seq 100); do grep -q "calendar agent ready" "$W/agent.log" && break; sleep 0.05; done
grep -q "calendar agent ready" "$W/agent.log" || { cat "$W/agent.log" >&2; exit 1; }

GOAL="freebusy('mailto:room-{k}@example.com','2027-03-08T00:00:00Z','2027-03-15T00:00:00Z',P)"
VARIED="freebusy('mailto:room-{r}@example.com','2027-03-08T{hh}:{mm}:00Z','2027-03-15T00:00:00Z',P)"
echo "goal: $GOAL" >&2
"$B/imip_ask" -f "$ADDR" "${GOAL//\{k\}/3}" >&2
for c in $CLIENTS; do
    echo "== the same 10 goals again and again (the agent's free/busy cache answers)" >&2
    "$B/examples/solve_bench" --facilitator "$ADDR" --users 10 --clients "$c" --seconds "$SECS" --goal "$GOAL"
    echo "== 14,400 distinct goals, room and window start varying (every solve reads the store)" >&2
    "$B/examples/solve_bench" --facilitator "$ADDR" --users 14400 --clients "$c" --seconds "$SECS" --goal "$VARIED"
done
