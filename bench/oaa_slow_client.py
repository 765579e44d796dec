#!/usr/bin/env python3
"""Abusive clients against an imip_facilitator process (issue 12, items
2/4/6): how far its resident memory grows and how long other clients wait.

Usage: bench/oaa_slow_client.py FACILITATOR MODE [SECONDS]
  FACILITATOR  path of imip_facilitator (e.g. target/release/imip_facilitator)
  MODE         slow      - send ev_solve(agent_data(...)) requests, never read
               amplified - declare 2,000 solvables first (each answer ~93 KB)
               register  - one frame declaring 20,000 solvables, then a
                           question on the same connection
  SECONDS      how long the abuser sends (default 7)

Prints VmRSS (from /proc/PID/status) each second and its peak, when the
facilitator dropped the abuser, how long a genuine client asking 0.2 s in
waited, and how long a new client waits once the abuser has gone. Results
for before and after the bounds are in docs/limits.md.
"""
import os
import re
import socket
import subprocess
import sys
import threading
import time

ANSI = re.compile(r"\x1b\[[0-9;]*m")
REQUEST = b"event(ev_solve(1,agent_data(A,B,C,D,E,F),[]),[]).\n"


def start(binary):
    p = subprocess.Popen([binary, "--listen", "127.0.0.1:0"], stderr=subprocess.PIPE,
                         text=True, env=dict(os.environ, RUST_LOG="info"))
    for line in p.stderr:
        line = ANSI.sub("", line)
        if "local_addr=" in line:
            port = int(line.split("local_addr=")[1].split()[0].rsplit(":", 1)[1])
            break
    log = []
    threading.Thread(target=lambda: log.extend(ANSI.sub("", l) for l in p.stderr),
                     daemon=True).start()
    return p, port, log


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def genuine(port, wait=30):
    """Seconds until a new client's question is answered, or None."""
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(wait)
    t0 = time.time()
    s.sendall(b"event(ev_solve(7,can_solve(nothing(X),A),[]),[]).\n")
    buf = b""
    try:
        while b"ev_solved(7" not in buf:
            d = s.recv(65536)
            if not d:
                return None
            buf += d
    except socket.timeout:
        return None
    finally:
        s.close()
    return time.time() - t0


def declarations(n):
    decls = ",".join(f"solvable(s{i}(X,Y,Z),[type(procedure)],[])" for i in range(n))
    return f"event(ev_register_solvables(add,[{decls}],abuser,[]),[]).\n".encode()


def fmt(seconds):
    return "no answer within 30 s" if seconds is None else f"{seconds:.4f} s"


def register(binary):
    p, port, _ = start(binary)
    a = socket.create_connection(("127.0.0.1", port))
    a.settimeout(120)
    frame = declarations(20000)
    t0 = time.time()
    # The question follows the declarations on the same connection, so its
    # answer shows how long the facilitator spent on them.
    a.sendall(frame + b"event(ev_solve(7,can_solve(nothing(X),A),[]),[]).\n")
    buf = b""
    while b"ev_solved(7" not in buf:
        buf += a.recv(65536)
    print(f"one frame of {len(frame)} bytes declaring 20,000 solvables, then a question: "
          f"answered after {time.time() - t0:.3f} s")
    p.terminate()
    p.wait()


def abuse(binary, mode, secs):
    p, port, log = start(binary)
    base = rss_kib(p.pid)
    print(f"rss_start_kib={base}")
    s = socket.create_connection(("127.0.0.1", port))
    if mode == "amplified":
        s.sendall(declarations(2000))
    chunk = REQUEST * 1000
    t0 = time.time()
    peak, sent, probe = base, 0, None
    s.settimeout(0.2)
    next_print = t0 + 1
    while time.time() < t0 + secs:
        try:
            sent += s.send(chunk)
        except socket.timeout:
            pass
        except OSError as e:
            print(f"abuser disconnected after {time.time() - t0:.2f} s: {e}")
            break
        peak = max(peak, rss_kib(p.pid))
        if time.time() >= next_print:
            print(f"t={time.time() - t0:.1f}s rss_kib={rss_kib(p.pid)} sent_bytes={sent}")
            next_print += 1
        if probe is None and time.time() > t0 + 0.2:
            probe = threading.Thread(
                target=lambda: print(f"genuine client asking at t=0.2 s: {fmt(genuine(port))}"),
                daemon=True)
            probe.start()
    peak = max(peak, rss_kib(p.pid))
    print(f"rss_peak_kib={peak} growth_mib={(peak - base) / 1024:.1f}")
    s.close()
    if probe is not None:
        probe.join()
    print(f"new client after the abuser left: {fmt(genuine(port))}")
    p.terminate()
    p.wait()
    for line in log:
        if "WARN" in line:
            print("log:", line.rstrip()[:300])


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    binary, mode = sys.argv[1], sys.argv[2]
    secs = float(sys.argv[3]) if len(sys.argv) > 3 else 7.0
    if mode == "register":
        register(binary)
    elif mode in ("slow", "amplified"):
        abuse(binary, mode, secs)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
