# Exim beside Postfix for the end-to-end tests (sourced by mail-system.sh).
# apt will not install both MTAs (they conflict), so the Exim daemon is
# unpacked from its package and run on a private configuration built from
# the shipped files config/exim/conf.d/{router,transport}/*imip-agent and
# config/exim/imip-agent.filter (shared/docs/mta-test-recipe.md §7).

E_DIR() { echo "$RUN/exim"; }
EXIM() { "$(E_DIR)/root/usr/sbin/exim4" -C "$(E_DIR)/exim.conf" "$@"; }

exim_config() {
  local e; e=$(E_DIR)
  cat <<EOF
# Built by tests/e2e/exim.sh from the shipped imip-agent files.
primary_hostname = exim.example.test
qualify_domain = example.test
exim_path = $e/root/usr/sbin/exim4
spool_directory = $e/spool
log_file_path = $e/log/%slog
daemon_smtp_ports = 2587
local_interfaces = 127.0.0.1
host_lookup =
rfc1413_hosts =
tls_advertise_hosts =
keep_environment =
acl_smtp_rcpt = acl_check_rcpt
system_filter = $e/imip-agent.filter
system_filter_user = Debian-exim

IMIP_DOMAINS = $PEOPLE : $RES
IMIP_RESOURCES = $e/imip-resources
IMIP_BIN = $BIN
IMIP_CONFIG = $RUN/etc/pipe.toml
IMIP_USER = $AGENT

begin acl
acl_check_rcpt:
  accept hosts = 127.0.0.1
  deny   message = relay not permitted

begin routers
EOF
  cat "$ROOT/config/exim/conf.d/router/350_imip-agent"
  cat <<'EOF'

# Test only: everything else to the sink.
everything_else:
  driver = manualroute
  route_list = * 127.0.0.1
  self = send
  transport = smtp_sink

begin transports
EOF
  cat "$ROOT/config/exim/conf.d/transport/30_imip-agent"
  cat <<'EOF'

smtp_sink:
  driver = smtp
  port = 2526
  allow_localhost
  hosts_avoid_tls = *

begin retry
*   *   F,10m,2s
EOF
}

exim_up() {
  local e; e=$(E_DIR)
  export DEBIAN_FRONTEND=noninteractive
  dpkg -s libidn12 >/dev/null 2>&1 || apt-get install -y -qq --no-install-recommends libidn12 >/dev/null || return 1
  mkdir -p "$e/spool" "$e/log" "$e/deb"
  if [ ! -x "$e/root/usr/sbin/exim4" ]; then
    (cd "$e/deb" && apt-get download exim4-daemon-light >/dev/null 2>&1) || { echo "e2e: cannot download exim4-daemon-light" >&2; return 1; }
    dpkg-deb -x "$e"/deb/exim4-daemon-light_*.deb "$e/root" || return 1
  fi
  # The binary looks this user up at start (compiled-in EXIM_USER).
  getent passwd Debian-exim >/dev/null ||
    useradd --system --user-group --no-create-home --home-dir /var/spool/exim4 --shell /usr/sbin/nologin Debian-exim
  chown Debian-exim:Debian-exim "$e/spool" "$e/log"
  sed -e "s/example\.com/$PEOPLE/g" "$ROOT/config/exim/imip-agent.filter" >"$e/imip-agent.filter"
  printf 'room4:\n' >"$e/imip-resources"
  exim_config >"$e/exim.conf"
  # Without this, -C drops root and every pipe delivery is frozen.
  mkdir -p /etc/exim4
  grep -qxF "$e/exim.conf" /etc/exim4/trusted_configs 2>/dev/null || echo "$e/exim.conf" >>/etc/exim4/trusted_configs
  EXIM -bV >"$RUN/log/exim-bV.txt" 2>&1 || { cat "$RUN/log/exim-bV.txt" >&2; return 1; }
  EXIM -bd -q1s -oP "$e/exim.pid" || return 1
  wait_port 2587
}

exim_down() {
  local p e; e=$(E_DIR)
  p=$(cat "$e/exim.pid" 2>/dev/null) || return 0
  kill "$p" 2>/dev/null || true
  wait_gone "$p"
  rm -f "$e/exim.pid"
  [ -f /etc/exim4/trusted_configs ] && sed -i "\#^$e/exim.conf\$#d" /etc/exim4/trusted_configs
  return 0
}

# exim_routes ADDRESS ROUTER TRANSPORT: exim -bt routes the address so.
exim_routes() {
  local out
  out=$(EXIM -bt "$1" 2>&1)
  grep -q "router = $2, transport = $3" <<<"$out" || fail "exim -bt $1: expected $2/$3, got: $out"
}

t_exim_config() {
  [ -x "$(E_DIR)/root/usr/sbin/exim4" ] || fail "Exim is not available"
  EXIM -bV >/dev/null 2>&1 || fail "exim -bV rejects the configuration"
  exim_routes "room4@$RES" imip_resource imip_resource_pipe
  exim_routes "alice@$PEOPLE" imip_person imip_person_pipe
  exim_routes "local+alice@$PEOPLE" imip_mailbox imip_mailbox_lmtp
  exim_routes "people-outgoing+alice@$PEOPLE" imip_outgoing_copy imip_outgoing_pipe
  exim_routes "$ORG" everything_else smtp_sink
  # The system filter copies what a person submits locally, and nothing else.
  local msg='Subject: x

x'
  EXIM -bF "$(E_DIR)/imip-agent.filter" -f "alice@$PEOPLE" <<<"$msg" 2>&1 |
    grep -q "people-outgoing+alice@$PEOPLE" || fail "the filter does not copy alice's local submission"
  if EXIM -bF "$(E_DIR)/imip-agent.filter" -f "alice@$PEOPLE" -oMr smtp <<<"$msg" 2>&1 | grep -q "people-outgoing+"; then
    fail "the filter copies mail that came in over port 25"
  fi
  if EXIM -bF "$(E_DIR)/imip-agent.filter" -f "calendar@$PEOPLE" <<<"$msg" 2>&1 | grep -q "people-outgoing+"; then
    fail "the filter copies the agents' own mail"
  fi
}

t_exim_delivery() {
  [ -f "$(E_DIR)/exim.pid" ] || fail "the Exim daemon is not running"
  request_msg "$RUN/m8.eml" e2e-exim-1@remote.test "$ORG" "room4@$RES" 16
  send_smtp 2587 "$ORG" "room4@$RES" "$RUN/m8.eml" || fail "Exim refused the message"
  wait_for 20 reply_for e2e-exim-1@remote.test ACCEPTED || fail "no ACCEPTED reply in the sink"
  grep -q "=> room4 <room4@$RES> R=imip_resource T=imip_resource_pipe" "$(E_DIR)/log/mainlog" ||
    fail "Exim did not deliver through imip_resource_pipe"
}
