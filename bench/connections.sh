#!/usr/bin/env bash
# Connection scale: how much memory idle client connections cost the proxy, and whether they all
# still answer after a while. Starts the sandbox, then a second proxy from a copy of the sandbox's
# proxy config (its own port, listen.max_connections 20000, failover.automatic false so it never
# acts on the servers) with bin/tandem's default heap (-Xmx512m). Opens N client connections to
# that proxy (user app/app, mysql_native_password, no schema: a login needs no backend connection),
# --concurrency at a time, holds them idle, then sends COM_PING on every one (answered by the proxy
# itself) and SELECT 1 on a sample of 400 (each holds a backend connection afterwards; the servers
# allow 500). The client is a small asyncio program (python3 standard library only).
#
#   bench/connections.sh [--connections N] [--hold S] [--concurrency C] [--schema S] [--query-every S]
#                        [--max-per-backend N] [--base-port P] [--port N]
#
# Multiplexing at scale: with --query-every S each connection also runs a SELECT 1 now and then
# during the hold (first after a random 0..S s, then every S s), while the script counts, every
# 2 s, the server connections user app holds on each of m1, m2, r1, r2 (information_schema.
# PROCESSLIST, less those user app held before the measured proxy started: the sandbox's own
# proxy keeps in its pool what it opened to create sbtest) and prints the most it saw per backend against the proxy's
# pool.max_connections_per_backend (--max-per-backend, default 100, written into the measured
# proxy's config); after the hold every connection (not a sample) runs SELECT 1.
#
# Prints the proxy's JVM options and open-files limit; connections opened and failures by error
# code; the proxy's RSS (VmRSS) once it is up, after opening and after the hold, and two readings
# right after `jcmd GC.run` (a full GC): before opening (after 200 warm-up logins, closed again) and
# after the hold; RSS per idle connection in KiB ((after - before) / connections opened, raw and
# between the two after-GC readings); the target check "10 000 idle connections <= 300 MB RSS"
# (MB = 10^6 bytes; total RSS after the hold; not checked with fewer than 10 000 connections, whose
# per-connection figures fixed costs outweigh); ping and SELECT 1 failures; WARN/ERROR lines of the
# proxy's log. Exit status 0 when every connection answered and (with 10 000 or more) the
# target is met, 1 otherwise. Idle, the proxy still allocates a little (monitor checks, each
# session's read-timeout timer), so RSS keeps rising during a hold until the heap G1 has committed
# is all touched (minutes); a longer --hold shows that plateau. The heap lines are jcmd GC.heap_info.
# --query-every S: seconds between one connection's queries during the hold (default 0: idle).
# --max-per-backend N: the measured proxy's pool.max_connections_per_backend (default 100; 0: none).
# --connections N: client connections (default 10000). --hold S: seconds they stay idle (default 30).
# --concurrency C: logins, pings and queries in flight at once (default 200). --schema S: the clients
# log in naming schema S (the proxy checks it on a server connection, then gives that back: the
# script prints how many server connections user app holds on m1 after the hold). --base-port P: m1 on
# P, m2..r2 on P+1..P+3 (default 27306). --port N: the measured proxy (default 26133; the sandbox's
# own proxy on N+1). The script raises `ulimit -n` to 65536 (or the hard limit, and says so); the
# client and the proxy each need a bit more than N descriptors.
#
# Needs: python3, and bench/sandbox.sh's sysbench and mariadb-client (apt-get install sysbench
# mariadb-client); jcmd (JDK) for the after-GC figure (skipped without it).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONNECTIONS=10000
HOLD=30
CONCURRENCY=200
SCHEMA=""
QUERY_EVERY=0
MAX_PER_BACKEND=100
BASE_PORT=27306
PORT=26133
while [[ $# -gt 0 ]]; do
  case "$1" in
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --hold) HOLD="$2"; shift 2 ;;
    --concurrency) CONCURRENCY="$2"; shift 2 ;;
    --schema) SCHEMA="$2"; shift 2 ;;
    --query-every) QUERY_EVERY="$2"; shift 2 ;;
    --max-per-backend) MAX_PER_BACKEND="$2"; shift 2 ;;
    --base-port) BASE_PORT="$2"; shift 2 ;;
    --port) PORT="$2"; shift 2 ;;
    -h|--help) sed -n '2,44p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
for v in CONNECTIONS CONCURRENCY BASE_PORT PORT; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || { echo "--${v,,}: a positive number, got ${!v}" >&2; exit 2; }
done
[[ "$HOLD" =~ ^[0-9]+$ ]] || { echo "--hold: a number of seconds, got $HOLD" >&2; exit 2; }
[[ "$QUERY_EVERY" =~ ^[0-9]+$ ]] || { echo "--query-every: a number of seconds, got $QUERY_EVERY" >&2; exit 2; }
[[ "$MAX_PER_BACKEND" =~ ^[0-9]+$ ]] || { echo "--max-per-backend: a number, got $MAX_PER_BACKEND" >&2; exit 2; }
PROXY_PORT=$((PORT + 1))   # the sandbox's own proxy (bench/sandbox.sh)
PYTHON="$(command -v python3 || true)"
[[ -n "$PYTHON" ]] || { echo "python3 not found: apt-get install python3" >&2; exit 2; }

# Descriptors: the client holds N sockets, the proxy N client sockets plus its backend connections.
WANT_NOFILE=65536
if ulimit -n "$WANT_NOFILE" 2>/dev/null; then
  echo "ulimit -n: $(ulimit -n)"
else
  HARD_NOFILE="$(ulimit -Hn)"
  ulimit -n "$HARD_NOFILE" 2>/dev/null || true
  echo "ulimit -n: cannot raise to $WANT_NOFILE (hard limit $HARD_NOFILE); using $(ulimit -n)"
fi
if [[ "$(ulimit -n)" != unlimited ]] && (( $(ulimit -n) < CONNECTIONS + 600 )); then
  echo "warning: ulimit -n $(ulimit -n) is below $CONNECTIONS connections + 600; expect EMFILE failures" >&2
fi

# bench/sandbox.sh traps EXIT (stops the sandbox, removes its directory); Ctrl-C and SIGTERM exit through it
trap 'exit 130' INT
trap 'exit 143' TERM
source "$ROOT/bench/sandbox.sh"

CONN_PROXY_PID=""
CLIENT_PID=""
# Stops the client and the measured proxy before sandbox.sh's cleanup stops the sandbox and
# removes $WORK (the copied config, the journal and the proxy's log live there).
conn_cleanup() {
  if [[ -n "$CLIENT_PID" ]]; then
    kill "$CLIENT_PID" 2>/dev/null || true
    wait "$CLIENT_PID" 2>/dev/null || true
  fi
  if [[ -n "$CONN_PROXY_PID" ]] && kill -0 "$CONN_PROXY_PID" 2>/dev/null; then
    kill "$CONN_PROXY_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$CONN_PROXY_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$CONN_PROXY_PID" 2>/dev/null || true
    wait "$CONN_PROXY_PID" 2>/dev/null || true
  fi
}
trap 'conn_cleanup; cleanup' EXIT

# The measured proxy's config: the sandbox's, with its own port, room for 20000 clients, and a
# failover controller that only watches (its journal in the scratch directory).
SANDBOX_CONF="$WORK/sandbox/tandem.yaml"
[[ -f "$SANDBOX_CONF" ]] || { echo "no proxy config at $SANDBOX_CONF" >&2; exit 1; }
CONF="$WORK/connections.yaml"
awk -v port="$PORT" -v journal="$WORK/connections-failover.journal" -v max="$MAX_PER_BACKEND" '
  /^[^ #]/ { section = $1 }
  section == "listen:" && /^  port:/ { print "  port: " port; next }
  section == "listen:" && /^  max_connections:/ { print "  max_connections: 20000"; next }
  section == "pool:" && /^  max_connections_per_backend:/ { next }
  section == "pool:" && /^pool:/ { print; print "  max_connections_per_backend: " max; next }
  section == "failover:" { next }
  { print }
  END { print "failover: { automatic: false, journal: \"" journal "\" }" }
' "$SANDBOX_CONF" > "$CONF"
grep -q "^  port: $PORT\$" "$CONF" && grep -q '^  max_connections: 20000$' "$CONF" &&
  grep -q "^  max_connections_per_backend: $MAX_PER_BACKEND\$" "$CONF" ||
  { echo "could not rewrite listen.port / listen.max_connections / pool in $SANDBOX_CONF:" >&2; cat "$SANDBOX_CONF" >&2; exit 1; }

# Server connections of user app that the measured proxy does not hold (the sandbox's own proxy
# keeps in its pool what it opened to create sbtest: 2 on m1 in the runs measured): counted before the measured proxy starts, and
# taken off each reading during the hold, so the cap is checked on the measured proxy's alone.
OTHERS=""
for i in 0 1 2 3; do
  n=$("$SQL_CLIENT" -h127.0.0.1 -P$((BASE_PORT + i)) -uroot --skip-ssl -N -B \
    -e "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'app'" 2>/dev/null || echo 0)
  OTHERS="$OTHERS${OTHERS:+,}$n"
done

echo "starting the measured proxy on $PORT ($CONF) ..."
"$ROOT/bin/tandem" run -c "$CONF" > "$WORK/connections-proxy.log" 2>&1 &
CONN_PROXY_PID=$!
for i in $(seq 1 240); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then break; fi
  kill -0 "$CONN_PROXY_PID" 2>/dev/null || { cat "$WORK/connections-proxy.log"; echo "the proxy failed to start" >&2; exit 1; }
  (( i < 240 )) || { cat "$WORK/connections-proxy.log"; echo "the proxy did not listen on $PORT" >&2; exit 1; }
  sleep 0.5
done
echo "proxy pid $CONN_PROXY_PID, command line:"
tr '\0' '\n' < "/proc/$CONN_PROXY_PID/cmdline" | sed 's/^/  /'
echo "proxy $(grep '^Max open files' "/proc/$CONN_PROXY_PID/limits" | tr -s ' ')"
sleep 3   # let the monitor's first checks and startup settle before the first RSS reading

set +e
"$PYTHON" - "$PORT" "$CONN_PROXY_PID" "$CONNECTIONS" "$HOLD" "$CONCURRENCY" "$BASE_PORT" "$SQL_CLIENT" "$SCHEMA" \
  "$QUERY_EVERY" "$MAX_PER_BACKEND" "$OTHERS" <<'PY' &
import asyncio, errno, hashlib, os, random, shutil, signal, struct, subprocess, sys, time
from collections import Counter

signal.signal(signal.SIGINT, signal.SIG_DFL)   # Ctrl-C: no traceback, the script's trap cleans up
PORT, PID, N, HOLD, CONC, M1_PORT = (int(a) for a in sys.argv[1:7])
SQL_CLIENT, SCHEMA = sys.argv[7], sys.argv[8].encode()
QUERY_EVERY, MAX_PER_BACKEND = int(sys.argv[9]), int(sys.argv[10])
SERVERS = {"m1": M1_PORT, "m2": M1_PORT + 1, "r1": M1_PORT + 2, "r2": M1_PORT + 3}
OTHERS = dict(zip(SERVERS, (int(n) for n in sys.argv[11].split(","))))  # user app's connections not ours
USER, PASSWORD = b"app", b"app"
WARMUP = 200           # logins (and pings) opened and closed before the after-GC baseline
SAMPLE = 400           # connections that also run SELECT 1 (each then holds a backend connection)
TIMEOUT = 30.0         # s for one login, ping or query
TARGET_CONNS, TARGET_BYTES = 10_000, 300_000_000
CLIENT_PROTOCOL_41, CLIENT_SECURE_CONNECTION, CLIENT_PLUGIN_AUTH = 0x200, 0x8000, 0x80000
CAPS = CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION | CLIENT_PLUGIN_AUTH | (0x08 if SCHEMA else 0)  # CONNECT_WITH_DB
UTF8MB4_GENERAL_CI = 45

class ServerError(Exception):
    def __init__(self, body):
        self.code = struct.unpack_from("<H", body, 1)[0]
        msg = body[9:] if body[3:4] == b"#" else body[3:]
        super().__init__(f"{self.code} {msg.decode(errors='replace')}")

class ProtocolError(Exception):
    pass

def kind(e):
    """What a failure is counted as: ERR code, errno name, timeout, closed."""
    if isinstance(e, ServerError):
        return f"ERR {e.code}"
    if isinstance(e, asyncio.TimeoutError):
        return "timeout"
    if isinstance(e, asyncio.IncompleteReadError):
        return "closed by the proxy"
    if isinstance(e, OSError) and e.errno:
        return errno.errorcode.get(e.errno, f"errno {e.errno}")
    return f"{type(e).__name__}: {e}"

def native_password(password, scramble):
    """mysql_native_password: SHA1(password) XOR SHA1(scramble + SHA1(SHA1(password)))."""
    p1 = hashlib.sha1(password).digest()
    p3 = hashlib.sha1(scramble + hashlib.sha1(p1).digest()).digest()
    return bytes(a ^ b for a, b in zip(p1, p3))

class Conn:
    __slots__ = ("r", "w")

    def __init__(self, r, w):
        self.r, self.w = r, w

    async def packet(self):
        head = await self.r.readexactly(4)
        return head[3], await self.r.readexactly(head[0] | head[1] << 8 | head[2] << 16)

    def send(self, seq, payload):
        self.w.write(struct.pack("<I", len(payload))[:3] + bytes([seq & 0xFF]) + payload)

    def close(self):
        self.w.close()

async def login():
    r, w = await asyncio.open_connection("127.0.0.1", PORT)
    c = Conn(r, w)
    try:
        seq, g = await c.packet()
        if g[0] == 0xFF:
            raise ServerError(g)
        if g[0] != 10:
            raise ProtocolError(f"greeting protocol {g[0]}")
        i = g.index(0, 1) + 1 + 4              # server version, connection id
        part1 = g[i:i + 8]; i += 8 + 1         # auth-plugin-data part 1, filler
        caps = struct.unpack_from("<H", g, i)[0]; i += 2 + 1 + 2   # capabilities (low), charset, status
        caps |= struct.unpack_from("<H", g, i)[0] << 16; i += 2
        data_len = g[i]; i += 1 + 10           # auth-plugin-data length, reserved
        if caps & CAPS != CAPS:
            raise ProtocolError(f"server capabilities {caps:#x} lack {CAPS & ~caps:#x}")
        part2_len = max(13, data_len - 8)
        scramble = part1 + g[i:i + part2_len - 1]   # part 2 ends with a NUL
        i += part2_len
        plugin = g[i:g.index(0, i)] if 0 in g[i:] else g[i:]
        auth = native_password(PASSWORD, scramble) if plugin == b"mysql_native_password" else b""
        c.send(seq + 1, struct.pack("<IIB23x", CAPS, 1 << 24, UTF8MB4_GENERAL_CI) + USER + b"\0"
               + bytes([len(auth)]) + auth + (SCHEMA + b"\0" if SCHEMA else b"") + b"mysql_native_password\0")
        while True:
            seq, p = await c.packet()
            if p[0] == 0x00:
                return c
            if p[0] == 0xFF:
                raise ServerError(p)
            if p[0] == 0xFE:                    # auth switch request
                end = p.index(0, 1)
                if p[1:end] != b"mysql_native_password":
                    raise ProtocolError(f"auth switch to {p[1:end].decode(errors='replace')}")
                c.send(seq + 1, native_password(PASSWORD, p[end + 1:end + 21]))
                continue
            raise ProtocolError(f"login answer {p[:1].hex()}")
    except BaseException:
        c.close()
        raise

async def ping(c):
    c.send(0, b"\x0e")
    _, p = await c.packet()
    if p[0] == 0xFF:
        raise ServerError(p)
    if p[0] != 0x00:
        raise ProtocolError(f"ping answer {p[:1].hex()}")

async def select1(c):
    c.send(0, b"\x03SELECT 1")
    _, p = await c.packet()
    if p[0] == 0xFF:
        raise ServerError(p)
    if p[0] in (0x00, 0xFE) or p[0] >= 0xFB:
        raise ProtocolError(f"SELECT 1 answer {p[:1].hex()}")
    for _ in range(p[0]):                      # column definitions
        await c.packet()
    _, p = await c.packet()
    if p[0] != 0xFE:
        raise ProtocolError(f"expected EOF after the columns, got {p[:1].hex()}")
    rows = []
    while True:
        _, p = await c.packet()
        if p[0] == 0xFE and len(p) < 9:
            break
        if p[0] == 0xFF:
            raise ServerError(p)
        rows.append(p)
    if rows != [b"\x011"]:
        raise ProtocolError(f"SELECT 1 returned {rows!r}")

async def each(items, fn):
    """fn on every item, CONC at a time; returns [(result, failure kind or None)]."""
    sem = asyncio.Semaphore(CONC)
    async def one(x):
        async with sem:
            try:
                return await asyncio.wait_for(fn(x), TIMEOUT), None
            except Exception as e:
                return None, kind(e)
    return await asyncio.gather(*(one(x) for x in items))

def status(field):
    with open(f"/proc/{PID}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/{PID}/status")

def rss():
    return status("VmRSS")  # KiB

def fds():
    return len(os.listdir(f"/proc/{PID}/fd"))

def mib(kib):
    return f"{kib / 1024:.1f} MiB"

def failures(counter):
    return ", ".join(f"{k}: {v}" for k, v in counter.most_common()) or "none"

def alive():
    try:
        os.kill(PID, 0)
        return True
    except OSError:
        return False

def heap():
    """The heap line of `jcmd PID GC.heap_info` (G1: "garbage-first heap total ..K, used ..K"), or ""."""
    if not shutil.which("jcmd"):
        return ""
    out = subprocess.run(["jcmd", str(PID), "GC.heap_info"], capture_output=True, text=True, timeout=60).stdout
    line = next((" ".join(l.split()) for l in out.splitlines() if " total " in l and "used" in l), "")
    return line.split(" [")[0]

def gc_rss(when):
    """RSS (KiB) after `jcmd PID GC.run` (a full GC; G1 then gives unused heap back), or None."""
    if not shutil.which("jcmd"):
        print(f"proxy RSS {when}, after GC: not measured (no jcmd)")
        return None
    gc = subprocess.run(["jcmd", str(PID), "GC.run"], capture_output=True, text=True, timeout=120)
    if gc.returncode != 0:
        print(f"jcmd GC.run failed: {(gc.stdout + gc.stderr).strip()[:300]}")
        return None
    time.sleep(1)
    kib = rss()
    print(f"proxy RSS {when}, after jcmd GC.run: {mib(kib)}  ({heap()})", flush=True)
    return kib

async def main():
    ok = True
    rss_before = rss()
    print(f"proxy RSS before: {mib(rss_before)}  (threads {status('Threads')}, open files {fds()})", flush=True)
    # warm-up, so the after-GC baseline has the network threads started and the login path
    # compiled (fixed costs that would otherwise be charged to the connections)
    warm = await each(range(WARMUP), lambda _: login())
    await each([c for c, _ in warm if c], ping)
    for c, _ in warm:
        if c:
            c.close()
    await asyncio.sleep(1)
    rss_before_gc = gc_rss(f"before, after {WARMUP} warm-up logins")

    start = time.monotonic()
    opened = await each(range(N), lambda _: login())
    conns = [c for c, _ in opened if c is not None]
    open_failures = Counter(k for _, k in opened if k)
    took = time.monotonic() - start
    print(f"connections opened: {len(conns)} of {N} in {took:.1f} s ({N / took:.0f}/s, {CONC} in flight); "
          f"failures: {failures(open_failures)}", flush=True)
    ok &= not open_failures
    if not alive():
        print("the proxy is gone"); return 1
    rss_open = rss()
    print(f"proxy RSS after opening: {mib(rss_open)}  (threads {status('Threads')}, open files {fds()}; {heap()})",
          flush=True)

    most = {name: 0 for name in SERVERS}
    chatter_failures = Counter()
    queries = 0
    hold_end = time.monotonic() + HOLD

    async def chatter(c):
        nonlocal queries
        await asyncio.sleep(random.uniform(0, QUERY_EVERY))
        while time.monotonic() < hold_end:
            try:
                await asyncio.wait_for(select1(c), TIMEOUT)
                queries += 1
            except Exception as e:
                chatter_failures[kind(e)] += 1
                return
            await asyncio.sleep(QUERY_EVERY)

    async def sample_servers():
        while time.monotonic() < hold_end:
            for name, port in SERVERS.items():
                p = await asyncio.create_subprocess_exec(SQL_CLIENT, "-h127.0.0.1", f"-P{port}", "-uroot", "--skip-ssl",
                    "-N", "-B", "-e", "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'app'",
                    stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
                out, _ = await p.communicate()
                if out.strip().isdigit():
                    most[name] = max(most[name], int(out.strip()) - OTHERS[name])
            await asyncio.sleep(2)

    if QUERY_EVERY:
        print(f"holding {len(conns)} connections for {HOLD} s, each running SELECT 1 every {QUERY_EVERY} s "
              f"(about {len(conns) / QUERY_EVERY:.0f} queries/s) ...", flush=True)
        await asyncio.gather(sample_servers(), *(chatter(c) for c in conns))
        per_backend = ", ".join(f"{n} {v}" for n, v in most.items())
        within = MAX_PER_BACKEND == 0 or all(v <= MAX_PER_BACKEND for v in most.values())
        print(f"queries during the hold: {queries} ({queries / HOLD:.0f}/s); failures: {failures(chatter_failures)}")
        others = ", ".join(f"{n} {v}" for n, v in OTHERS.items() if v)
        print(f"most server connections of user app seen per backend (every 2 s): {per_backend} "
              f"{'(less those held before the measured proxy started: ' + others + ') ' if others else ''}"
              f"(pool.max_connections_per_backend {MAX_PER_BACKEND}) -> {'within' if within else 'OVER'}", flush=True)
        ok &= within and not chatter_failures
    else:
        print(f"holding {len(conns)} idle connections for {HOLD} s ...", flush=True)
        await asyncio.sleep(HOLD)
    closed = sum(1 for c in conns if c.r.at_eof())
    if closed:
        print(f"closed by the proxy during the hold: {closed}")
        ok = False
    if not alive():
        print("the proxy is gone"); return 1
    rss_hold = rss()
    print(f"proxy RSS after the hold: {mib(rss_hold)}  (threads {status('Threads')}, open files {fds()}; {heap()})",
          flush=True)
    rss_gc = gc_rss("after the hold")
    held = subprocess.run([SQL_CLIENT, "-h127.0.0.1", f"-P{M1_PORT}", "-uroot", "--skip-ssl", "-N", "-B", "-e",
                           "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'app'"],
                          capture_output=True, text=True).stdout.strip()
    print(f"server connections of user app on m1 after the hold: {held} (for {len(conns)} idle clients"
          f"{', logged in naming schema ' + SCHEMA.decode() if SCHEMA else ', no schema'})", flush=True)

    pinged = await each(conns, ping)
    ping_failures = Counter(k for _, k in pinged if k)
    print(f"COM_PING: {len(conns) - sum(ping_failures.values())} of {len(conns)} OK; failures: {failures(ping_failures)}",
          flush=True)
    ok &= not ping_failures

    answering = [c for c, (_, k) in zip(conns, pinged) if not k]
    # with multiplexing every connection can run a query: a sample only when the clients stayed idle
    sample = answering if QUERY_EVERY else random.Random(1).sample(answering, min(SAMPLE, len(answering)))
    selected = await each(sample, select1)
    select_failures = Counter(k for _, k in selected if k)
    print(f"SELECT 1: {len(sample) - sum(select_failures.values())} of {len(sample)} OK; "
          f"failures: {failures(select_failures)}", flush=True)
    ok &= not select_failures and len(sample) == (len(conns) if QUERY_EVERY else min(SAMPLE, N))
    rss_end = rss()

    n = max(len(conns), 1)
    print()
    print(f"connections:           {len(conns)} opened of {N}, {sum(open_failures.values())} failed ({failures(open_failures)})")
    print(f"RSS before:            {mib(rss_before)}"
          + (f" ({mib(rss_before_gc)} after {WARMUP} warm-up logins and GC.run)" if rss_before_gc is not None else ""))
    print(f"RSS after opening:     {mib(rss_open)}")
    print(f"RSS after the hold:    {mib(rss_hold)}")
    if rss_gc is not None:
        print(f"RSS after GC.run:      {mib(rss_gc)}")
    print(f"RSS after the SELECTs: {mib(rss_end)}")
    print(f"per idle connection:   {(rss_hold - rss_before) / n:.1f} KiB after the hold"
          + f" ((RSS - RSS before) / {n})"
          + (f"; {(rss_gc - rss_before_gc) / n:.1f} KiB after GC (both readings after GC.run)"
             if rss_gc is not None and rss_before_gc is not None else ""))
    if len(conns) >= TARGET_CONNS:
        total = rss_hold * 1024
        met = total <= TARGET_BYTES
        ok &= met
        print(f"target:                10 000 idle connections <= 300 MB RSS: {total / 1e6:.1f} MB ({mib(rss_hold)}, "
              f"RSS after the hold with {len(conns)} connections) -> {'met' if met else 'MISSED'}")
    else:
        # no extrapolation: with a few thousand connections the JVM's fixed costs and its heap
        # growing and shrinking outweigh the connections themselves
        print(f"target:                10 000 idle connections <= 300 MB RSS: not checked "
              f"(only {len(conns)} connections; run with --connections 10000 or more)")
    print(f"COM_PING failures:     {sum(ping_failures.values())} of {len(conns)}")
    print(f"SELECT 1 failures:     {sum(select_failures.values())} of {len(sample)}")
    for c in conns:
        c.close()
    return 0 if ok else 1

sys.exit(asyncio.run(main()))
PY
CLIENT_PID=$!
wait "$CLIENT_PID"
STATUS=$?
CLIENT_PID=""
set -e
(( STATUS < 128 )) || exit "$STATUS"   # the client was killed (Ctrl-C): no summary

if kill -0 "$CONN_PROXY_PID" 2>/dev/null; then
  echo "proxy still running (pid $CONN_PROXY_PID)"
else
  echo "THE PROXY EXITED"; STATUS=1
fi
LOG="$WORK/connections-proxy.log"
LEVELS='^[0-9-]+ [0-9:.]+ (WARN|ERROR) '
echo "proxy log: $(grep -cE "$LEVELS" "$LOG" || true) WARN/ERROR lines, $(grep -cE 'Exception|OutOfMemoryError' "$LOG" || true) lines naming an exception"
# the distinct messages (timestamp dropped, cut at 200 characters), most frequent first
{ grep -E "$LEVELS" "$LOG" || true; } | cut -d' ' -f3- | cut -c1-200 | sort | uniq -c | sort -rn | head -15
exit "$STATUS"
