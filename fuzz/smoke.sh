#!/usr/bin/env bash
# Fuzz smoke run: builds every cargo-fuzz target on stable (-s none: no
# sanitizer, so no nightly flags) and runs each for a short time, failing
# when any target crashes, hangs past the per-input timeout or runs out of
# memory. Meant for CI; see docs/fuzzing.md for longer runs.
#
# Usage: fuzz/smoke.sh [TARGET...]     (default: all five targets)
# Environment:
#   FUZZ_SECONDS     seconds per target (default 25)
#   FUZZ_TARGET_DIR  cargo target directory (default fuzz/target)
#   FUZZ_JOBS        parallel fuzzing processes per target (default 1)
#
# Installs cargo-fuzz from crates.io when it is missing. Seeds are taken
# from the test fixtures at run time (tests/fixtures/**/*.eml and the
# messages embedded in scenario files); the corpus grown during the run
# stays under the target directory and is reused by the next run.
set -euo pipefail

cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-25}
target_dir=${FUZZ_TARGET_DIR:-fuzz/target}
jobs=${FUZZ_JOBS:-1}
cargo_fuzz_version=0.13.2
if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    targets=(mail_extract recurrence_expand lmtp_session icl_parse agent_decide)
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz smoke: installing cargo-fuzz $cargo_fuzz_version"
    cargo install cargo-fuzz --version "$cargo_fuzz_version" --locked
fi

work="$target_dir/smoke"
seeds="$work/seeds"
rm -rf "$seeds"
mkdir -p "$seeds/mail_extract" "$seeds/recurrence_expand" "$seeds/lmtp_session" "$seeds/icl_parse" "$seeds/agent_decide"

# Messages: the fixture files, and every here-document of the scenarios
# (the lines between `<<END` and `END`).
n=0
for f in tests/fixtures/*/*.eml; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    cp "$f" "$seeds/mail_extract/fixture-$n"
done
for f in tests/fixtures/scenarios/*.scn; do
    [ -f "$f" ] || continue
    awk -v dir="$seeds/mail_extract" -v base="$(basename "$f" .scn)" '
        /<<END$/ { inside = 1; k++; file = dir "/" base "-" k; next }
        inside && /^END$/ { inside = 0; close(file); next }
        inside { print > file }
    ' "$f"
done
# Calendars for recurrence_expand: the VCALENDAR of each message, behind
# the mode byte 0 (whole text as it is; see the target's documentation).
for f in "$seeds"/mail_extract/*; do
    if grep -q '^BEGIN:VCALENDAR' "$f"; then
        { printf '\000'; sed -n '/^BEGIN:VCALENDAR/,/^END:VCALENDAR/p' "$f"; } >"$seeds/recurrence_expand/$(basename "$f")"
    fi
done
# The agents decide on the same messages.
cp "$seeds"/mail_extract/* "$seeds/agent_decide/"
# LMTP: a whole session (the first byte selects LMTP and eager answers).
printf '\000LHLO x\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\nSubject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n' \
    >"$seeds/lmtp_session/session"
printf 'ask(calendar, free(room, "2027-03-10T16:00"), [reply_to(\x27a b\x27)])' >"$seeds/icl_parse/term"

# One build of all targets: the libraries are instrumented once.
echo "fuzz smoke: building"
cargo fuzz build -s none --target-dir "$target_dir"

# libFuzzer runs -jobs in child processes logging to files in the current
# directory; with one job the fuzzer runs in this process instead.
parallel=()
if [ "$jobs" -gt 1 ]; then
    parallel=(-jobs="$jobs" -workers="$jobs")
fi

failed=()
for t in "${targets[@]}"; do
    corpus="$work/corpus/$t"
    mkdir -p "$corpus"
    echo "fuzz smoke: $t for ${seconds}s"
    # -timeout: seconds one input may take (a runaway rule is a failure);
    # -rss_limit_mb: memory cap; -max_len: keeps inputs message-sized.
    if ! cargo fuzz run -s none --target-dir "$target_dir" "$t" "$corpus" "$seeds/$t" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
        "${parallel[@]}" -print_final_stats=1 2>"$work/$t.log"; then
        failed+=("$t")
        tail -n 60 "$work/$t.log"
    fi
    grep -E '^stat::number_of_executed_units|^Done [0-9]+ runs' "$work/$t.log" | tail -n 2 || true
done

if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzz smoke: FAILED: ${failed[*]} (inputs under fuzz/artifacts/)"
    exit 1
fi
echo "fuzz smoke: ${#targets[@]} passed, 0 failed"
