# Helpers for the mail-system end-to-end tests (sourced by mail-system.sh).

# wait_port PORT: up to 10 s for a listener on 127.0.0.1:PORT.
wait_port() {
  local _
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "e2e: nothing listening on 127.0.0.1:$1" >&2
  return 1
}

# wait_gone PID: until the process has exited.
wait_gone() { while kill -0 "$1" 2>/dev/null; do sleep 0.05; done; }

# wait_for SECONDS COMMAND...: until COMMAND succeeds; 1 on timeout.
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    [ "$SECONDS" -ge "$deadline" ] && return 1
    sleep 0.2
  done
}

# fail TEXT: says why a step failed; returns 1 so that `|| fail ...` ends it.
fail() {
  echo "e2e:   $*" >&2
  return 1
}

# Unfolds header and iCalendar continuation lines, drops CRs.
unfold() { tr -d '\r' | sed -e ':a' -e 'N' -e '$!ba' -e 's/\n[ \t]//g'; }

# decode: a message with its base64 MIME parts decoded in place (enough to
# read the calendars the agents send; no other tool needed).
decode() {
  tr -d '\r' | awk '
    function flush_b64() {
      if (b64 && body != "") { fflush(); printf "%s", body | "base64 -d 2>/dev/null"; close("base64 -d 2>/dev/null") }
      body = ""
    }
    BEGIN { hdr = 1 }
    /^--/ { flush_b64(); b64 = 0; hdr = 1; print; next }
    hdr && tolower($0) ~ /^content-transfer-encoding:[ \t]*base64/ { b64 = 1 }
    hdr && $0 == "" { hdr = 0; print; next }
    !hdr && b64 { body = body $0 "\n"; next }
    { print }
    END { flush_b64() }'
}

# files_with DIR TEXT...: the files under DIR whose unfolded text contains
# every TEXT.
files_with() {
  local dir=$1 f t p ok
  shift
  [ -d "$dir" ] || return 0
  while IFS= read -r f; do
    t=$(decode <"$f" | unfold)
    ok=1
    for p in "$@"; do
      grep -qF -- "$p" <<<"$t" || { ok=0; break; }
    done
    [ "$ok" = 1 ] && echo "$f"
  done < <(find "$dir" -type f | sort)
}

# has_file DIR TEXT...: some file has them all.
has_file() { [ -n "$(files_with "$@")" ]; }

# count_files DIR TEXT...: how many files have them all.
count_files() { files_with "$@" | grep -c . || true; }

PASSED=()
FAILED=()

# step NAME FUNCTION: runs one test step and records the result; a failure
# shows the logs that explain it.
step() {
  local name=$1 rc
  shift
  echo "e2e: --- $name"
  # In a subshell with -e, so that the first `|| fail ...` ends the step
  # (and anything it holds open, such as a store lock, is let go).
  (
    set -e
    "$@"
  )
  rc=$?
  if [ "$rc" = 0 ]; then
    PASSED+=("$name")
    echo "e2e: PASS $name"
  else
    FAILED+=("$name")
    echo "e2e: FAIL $name"
    show_logs
  fi
}

show_logs() {
  local f
  for f in "$RUN"/log/*.log; do
    [ -s "$f" ] || continue
    echo "e2e:   ---- last lines of $f"
    tail -n 15 "$f" | sed 's/^/e2e:   | /'
  done
}
