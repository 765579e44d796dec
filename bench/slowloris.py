#!/usr/bin/env python3
"""Slowloris against the LMTP listener: can a genuine client still be served?

Starts BIN (an agent program) with --lmtp-listen on a free loopback port and a
store in a temporary directory, opens ATTACKERS connections from 127.0.0.1
that each send one byte ('X', never a line end) every INTERVAL seconds and
reconnect when the daemon closes them, then has a genuine client (from
--genuine-from) deliver a REQUEST for a resource, ROUNDS times. Prints for
each round how long the genuine client waited from connect to the 250 (or
that it was not served within --give-up seconds), what the attackers were
told, and the daemon's VmRSS before and during the attack.

    python3 bench/slowloris.py --bin target/debug/imip_resource
    python3 bench/slowloris.py --bin ... --listener 'command_timeout_seconds = 2'
"""
import argparse, os, socket, subprocess, sys, tempfile, threading, time

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

REQUEST = (
    "From: Paul <paul.boddie@example.com>\r\nTo: room1@example.com\r\nSubject: m{n}\r\n"
    "Message-ID: <m{n}@example.com>\r\nMIME-Version: 1.0\r\n"
    "Content-Type: text/calendar; charset=utf-8; method=REQUEST\r\n\r\n"
    "BEGIN:VCALENDAR\r\nPRODID:-//t//EN\r\nMETHOD:REQUEST\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\n"
    "UID:m{n}@example.com\r\nDTSTAMP:20270301T090000Z\r\nDTSTART:20270310T{h:02}0000Z\r\n"
    "DTEND:20270310T{h:02}3000Z\r\nSUMMARY:m{n}\r\nORGANIZER:mailto:paul.boddie@example.com\r\n"
    "ATTENDEE;RSVP=TRUE;CUTYPE=ROOM:mailto:room1@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n.\r\n"
)

def reply(f):
    out = ""
    while True:
        line = f.readline()
        if not line:
            return out
        out += line
        if len(line) < 4 or line[3] != "-":
            return out

def genuine(port, source, n, give_up):
    t0 = time.monotonic()
    s = socket.create_connection(("127.0.0.1", port), timeout=give_up, source_address=(source, 0))
    s.settimeout(max(0.1, give_up - (time.monotonic() - t0)))
    f = s.makefile("r", newline="\r\n")
    try:
        steps = [None, "LHLO genuine.test\r\n", "MAIL FROM:<paul.boddie@example.com>\r\n",
                 "RCPT TO:<room1@example.com>\r\n", "DATA\r\n", REQUEST.format(n=n, h=8 + n % 10)]
        for step in steps:
            if step:
                s.sendall(step.encode())
            r = reply(f)
            if not r or r[0] in "45":
                return None, r.strip()
        return time.monotonic() - t0, r.strip()
    except (socket.timeout, OSError) as e:
        return None, f"no answer ({e})"
    finally:
        s.close()

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--attackers", type=int, default=64)
    ap.add_argument("--interval", type=float, default=2.0)
    ap.add_argument("--listener", action="append", default=[], help="extra [listener] setting")
    ap.add_argument("--genuine-from", default="127.0.0.1")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--give-up", type=float, default=30.0)
    ap.add_argument("--hold", type=float, default=0.0, help="seconds to keep the attack up afterwards, printing VmRSS each second")
    a = ap.parse_args()
    d = tempfile.mkdtemp()
    port = free_port()
    cfg = os.path.join(d, "config.toml")
    with open(cfg, "w") as f:
        f.write(f'[store]\npath = "{d}/store.db"\n[outgoing]\ntransport = "outbox"\noutbox_dir = "{d}/out"\n')
        f.write("[listener]\n" + "\n".join(a.listener) + "\n")
    env = dict(os.environ, TZ="UTC", IMIP_AGENT_NOW="20270301T090000Z")
    env.pop("IMIP_AGENT_CONFIG", None)
    log = open(os.path.join(d, "log"), "w")
    p = subprocess.Popen([a.bin, "--lmtp-listen", f"127.0.0.1:{port}", "-c", cfg], env=env, stderr=log, stdin=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close(); break
            except OSError:
                time.sleep(0.05)
        w, r = genuine(port, a.genuine_from, 0, a.give_up)
        print(f"warm-up delivery: {'%.3f s' % w if w is not None else 'FAILED'} ({r})")
        rss0 = rss_kib(p.pid)
        stop = threading.Event()
        told = {}
        lock = threading.Lock()
        def attacker():
            while not stop.is_set():
                try:
                    s = socket.create_connection(("127.0.0.1", port), timeout=5)
                except OSError:
                    time.sleep(0.05); continue
                s.settimeout(0.01)
                buf = b""
                try:
                    while not stop.is_set():
                        try:
                            chunk = s.recv(512)
                            if not chunk:
                                break
                            buf += chunk
                        except socket.timeout:
                            pass
                        s.sendall(b"X")
                        stop.wait(a.interval)
                except OSError:
                    pass
                s.close()
                for line in buf.decode(errors="replace").splitlines():
                    if not line.startswith("220"):
                        with lock:
                            told[line[:40]] = told.get(line[:40], 0) + 1
        threads = [threading.Thread(target=attacker, daemon=True) for _ in range(a.attackers)]
        for t in threads:
            t.start()
        time.sleep(1.0)
        peak = rss_kib(p.pid)
        for n in range(1, a.rounds + 1):
            w, r = genuine(port, a.genuine_from, n, a.give_up)
            peak = max(peak, rss_kib(p.pid))
            print(f"round {n}: genuine client from {a.genuine_from}: " + (f"served in {w:.3f} s ({r})" if w is not None else f"NOT served within {a.give_up:.0f} s: {r}"))
        for i in range(int(a.hold)):
            time.sleep(1.0)
            peak = max(peak, rss_kib(p.pid))
            print(f"  +{i + 1} s: VmRSS {rss_kib(p.pid)/1024:.1f} MiB")
        rss1 = rss_kib(p.pid)
        stop.set()
        print(f"VmRSS: {rss0/1024:.1f} MiB before the attack, {peak/1024:.1f} MiB peak, {rss1/1024:.1f} MiB at the end")
        for k, v in sorted(told.items()):
            print(f"attackers were told {v}x: {k}")
    finally:
        p.terminate(); p.wait(timeout=30)

if __name__ == "__main__":
    main()
