#!/usr/bin/env bash
# Writer failover under a steady write load, on the sandbox topology, repeated --runs times. Each
# run starts a fresh sandbox, creates app.ledger through Tandem and starts 4 writer threads
# (autocommit INSERTs of (thread, n), every 5th operation BEGIN; INSERT; INSERT; COMMIT) and 1
# reader (/* tandem:master */ SELECT of a write acknowledged before the read started). After 2 s
# of load it kills m1's mariadbd with SIGKILL and keeps the load on until 3 s after the first
# acknowledged write that started after the kill (gives up 30 s after the kill). Then it checks
# directly on m2 that every acknowledged write is there. A write counts as acknowledged when the
# client got OK (COMMIT's OK for a transaction); after an error a thread never re-runs that n.
#
#   bench/failover.sh [--runs N] [--base-port P] [--port N] [--logs DIR]
#
# One line per run: the write gap (kill -> end of the first successful write started after it),
# acknowledged writes, lost acknowledged writes (not on m2), reader misses / reads, the standby's
# applier backlog at the kill (transactions received but not applied yet, from the proxy's log), and the error
# codes clients saw (w: writers, r: reader; "connect" for failed connects). Then the median gap,
# the totals, and whether the target is met: median gap <= 2000 ms and 0 lost (exit status 1 if not).
# --runs N: runs (default 5). --logs DIR: keep each run's sandbox/proxy log as DIR/run-N.log.
#
# Needs: python3-pymysql for /usr/bin/python3, and bench/sandbox.sh's sysbench and mariadb-client
# (apt-get install python3-pymysql sysbench mariadb-client).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS=5
BASE_PORT=33306
PROXY_PORT=16033
LOGS=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) RUNS="$2"; shift 2 ;;
    --base-port) BASE_PORT="$2"; shift 2 ;;
    --port) PROXY_PORT="$2"; shift 2 ;;
    --logs) LOGS="$2"; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "--runs: a positive number, got $RUNS" >&2; exit 2; }
PYTHON=/usr/bin/python3
"$PYTHON" -c 'import pymysql' 2>/dev/null ||
  { echo "PyMySQL not found for $PYTHON: apt-get install python3-pymysql" >&2; exit 2; }
[[ -z "$LOGS" ]] || mkdir -p "$LOGS"
# bench/sandbox.sh traps EXIT (stops the sandbox, removes its directory); Ctrl-C and SIGTERM exit through it
trap 'exit 130' INT
trap 'exit 143' TERM

# load PROXY_PORT M2_PORT M1_PID: one run's load, kill and check; prints one tab-separated line
# "gap_ms acked lost misses reads errors" (gap_ms "-" when no write succeeded after the kill), and
# details of anything wrong on stderr.
load() {
  "$PYTHON" - "$@" <<'PY'
import os, random, signal, sys, threading, time
from collections import Counter
import pymysql

signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C: no traceback, the script's trap cleans up
PROXY_PORT, M2_PORT, M1_PID = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
WRITERS = 4
LOAD_BEFORE_KILL = 2.0   # s of load before m1 is killed
SETTLE = 3.0             # s of load after the first acknowledged write that started after the kill
GIVE_UP = 30.0           # s after the kill without such a write: the failover failed
INSERT = "INSERT INTO ledger (thread, n) VALUES (%s, %s)"
READ = "/* tandem:master */ SELECT 1 FROM ledger WHERE thread = %s AND n = %s"

def connect(port, user="app", password="app"):
    return pymysql.connect(host="127.0.0.1", port=port, user=user, password=password, database="app",
                           autocommit=True, connect_timeout=5, read_timeout=20, write_timeout=20)

def code(e):
    return e.args[0] if e.args and isinstance(e.args[0], int) and e.args[0] else type(e).__name__

stop = threading.Event()
acked = []                  # (thread, n), in the order the OKs arrived
kill_at = None              # time.monotonic() right after the kill
first_ack_after_kill = None # when the first write that started after the kill got its OK
lock = threading.Lock()
writer_errors, reader_errors = Counter(), Counter()
reads = misses = 0
miss_examples = []

def acknowledge(keys, started):
    global first_ack_after_kill
    now = time.monotonic()
    acked.extend(keys)
    if kill_at is not None and started >= kill_at:
        with lock:
            if first_ack_after_kill is None or now < first_ack_after_kill:
                first_ack_after_kill = now

def writer(t):
    conn, n, op = None, 0, 0
    while not stop.is_set():
        if conn is None:
            try:
                conn = connect(PROXY_PORT)
            except Exception as e:
                with lock: writer_errors[f"connect {code(e)}"] += 1
                time.sleep(0.01)
                continue
        op += 1
        transaction = op % 5 == 0
        keys = [(t, n + 1), (t, n + 2)] if transaction else [(t, n + 1)]
        n += len(keys)  # never re-run an n: a failed statement's outcome is unknown
        started = time.monotonic()
        try:
            with conn.cursor() as cur:
                if transaction:
                    cur.execute("BEGIN")
                    for k in keys:
                        cur.execute(INSERT, k)
                    cur.execute("COMMIT")
                else:
                    cur.execute(INSERT, keys[0])
            acknowledge(keys, started)
        except Exception as e:
            with lock: writer_errors[code(e)] += 1
            if conn.open and transaction:
                try:
                    conn.query("ROLLBACK")
                except Exception:
                    pass
            if not conn.open:
                conn = None
            time.sleep(0.01)
    if conn is not None and conn.open:
        conn.close()

def reader():
    global reads, misses
    conn, i = None, 0
    while not stop.is_set():
        if conn is None:
            try:
                conn = connect(PROXY_PORT)
            except Exception as e:
                reader_errors[f"connect {code(e)}"] += 1
                time.sleep(0.01)
                continue
        acknowledged = len(acked)  # these OKs all arrived before this read starts
        if acknowledged == 0:
            time.sleep(0.01)
            continue
        i += 1
        key = acked[acknowledged - 1] if i % 2 else acked[random.randrange(acknowledged)]
        started = time.monotonic()
        try:
            with conn.cursor() as cur:
                cur.execute(READ, key)
                found = cur.fetchone() is not None
            reads += 1
            if not found:
                misses += 1
                after = "" if kill_at is None else f" {1000 * (started - kill_at):+.0f} ms from the kill"
                miss_examples.append(f"{key}{after}")
        except Exception as e:
            reader_errors[code(e)] += 1
            if not conn.open:
                conn = None
            time.sleep(0.01)
    if conn is not None and conn.open:
        conn.close()

setup = connect(PROXY_PORT)
setup.query("CREATE TABLE ledger (thread INT NOT NULL, n INT NOT NULL,"
            " at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), PRIMARY KEY (thread, n)) ENGINE=InnoDB")
setup.close()

threads = [threading.Thread(target=writer, args=(t,), daemon=True) for t in range(1, WRITERS + 1)]
threads.append(threading.Thread(target=reader, daemon=True))
for th in threads:
    th.start()
time.sleep(LOAD_BEFORE_KILL)
before_kill = len(acked)
os.kill(M1_PID, signal.SIGKILL)
kill_at = time.monotonic()
if before_kill == 0:
    print(f"  no write was acknowledged in the {LOAD_BEFORE_KILL:.0f} s before the kill", file=sys.stderr)
while True:
    now = time.monotonic()
    first = first_ack_after_kill
    if (first is not None and now >= first + SETTLE) or now >= kill_at + GIVE_UP:
        break
    time.sleep(0.02)
stop.set()
for th in threads:
    th.join(30)
if first is None:
    print(f"  no write that started after the kill was acknowledged within {GIVE_UP:.0f} s", file=sys.stderr)

try:
    m2 = connect(M2_PORT, "root", "")
except pymysql.MySQLError:
    m2 = connect(M2_PORT)
with m2.cursor() as cur:
    cur.execute("SELECT thread, n FROM ledger")
    on_m2 = set(cur.fetchall())
m2.close()
lost = [k for k in acked if k not in on_m2]
if lost:
    print(f"  lost acknowledged writes (first 10 of {len(lost)}): {' '.join(map(str, lost[:10]))}", file=sys.stderr)
if miss_examples:
    print(f"  reader misses (first 10): {', '.join(miss_examples[:10])}", file=sys.stderr)

def codes(prefix, counter):
    return [f"{prefix}{c}x{counter[c]}" for c in sorted(counter, key=str)]
errors = " ".join(codes("w:", writer_errors) + codes("r:", reader_errors)) or "-"
gap = "-" if first is None else str(round(1000 * (first - kill_at)))
print("\t".join([gap, str(len(acked)), str(len(lost)), str(misses), str(reads), errors]))
PY
}

gaps=()
lost_total=0
misses_total=0
failed_runs=0
rows=()
row() { printf '%-4s %8s %8s %6s %16s %8s  %s\n' "$@"; }
for run in $(seq 1 "$RUNS"); do
  echo "run $run of $RUNS:" >&2
  source "$ROOT/bench/sandbox.sh" >&2
  await_sandbox
  m1_pid=$(awk '$1 == "m1" {print $4}' "$WORK/sandbox/servers.txt")
  m2_port=$(awk '$1 == "m2" {print $3}' "$WORK/sandbox/servers.txt")

  echo "writing through Tandem; kill -9 $m1_pid (m1) after 2 s ..." >&2
  result=$(load "$PROXY_PORT" "$m2_port" "$m1_pid") || {
    tail -n 40 "$WORK/sandbox.log" >&2; echo "the load generator failed" >&2; exit 1; }
  IFS=$'\t' read -r gap acked lost misses reads errors <<< "$result"

  [[ -z "$LOGS" ]] || cp "$WORK/sandbox.log" "$LOGS/run-$run.log"
  # the standby's applier backlog at the kill, as the controller logged it while catching it up
  backlog=$(grep -o '[0-9]* transaction(s) were still to apply' "$WORK/sandbox.log" | head -n 1 | awk '{print $1}')
  backlog=${backlog:-0}
  if [[ "$gap" == "-" ]]; then
    failed_runs=$((failed_runs + 1))
    echo "  no failover; the proxy's last log lines:" >&2
    tail -n 20 "$WORK/sandbox.log" | sed 's/^/    /' >&2
  else
    gaps+=("$gap")
  fi
  lost_total=$((lost_total + lost))
  misses_total=$((misses_total + misses))
  rows+=("$(row "$run" "$gap" "$acked" "$lost" "$misses / $reads" "$backlog" "$errors")")
  printf '%s\n' "${rows[-1]}" >&2

  cleanup # bench/sandbox.sh's: stops the sandbox (SIGTERM), removes $WORK
  SANDBOX_PID=""
done

echo
row run "gap ms" acked lost "reader misses" backlog "errors seen by clients (code x count)"
printf '%s\n' "${rows[@]}"
echo
# the median counts a run without a failover as an infinite gap
median=$( { for g in ${gaps[@]+"${gaps[@]}"}; do echo "$g"; done; for ((i = 0; i < failed_runs; i++)); do echo inf; done; } |
  sort -g | awk '{ v[NR] = $1 } END {
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] == "inf" || v[NR / 2 + 1] == "inf") ? "inf" : (v[NR / 2] + v[NR / 2 + 1]) / 2
    if (m == "inf") print "none (no failover)"; else printf "%d ms\n", m }')
echo "median write gap: $median over $RUNS run(s)$( ((failed_runs == 0)) || echo ", $failed_runs without a failover")"
echo "lost acknowledged writes: $lost_total; reader misses: $misses_total"
if [[ "$median" != none* ]] && (( ${median% ms} <= 2000 && lost_total == 0 )); then
  echo "target (median gap <= 2000 ms, 0 lost): met"
else
  echo "target (median gap <= 2000 ms, 0 lost): NOT met"
  exit 1
fi
