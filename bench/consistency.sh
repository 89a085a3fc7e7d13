#!/usr/bin/env bash
# What read-your-writes costs: `routing.consistency: eventual` against `session`, in the same run,
# on the same sandbox. Two extra proxies run next to the sandbox's own, from copies of its
# generated tandem.yaml that differ only in `consistency` (plus each its own listen port and
# failover journal, and `failover.automatic: false` so that they never act on the servers):
#  1. write-then-read pairs: one PyMySQL connection (autocommit), --pairs times
#     `INSERT INTO app.ryw (id, v) VALUES (...)` then `SELECT v FROM app.ryw WHERE id = ...`, through
#     each proxy in turn (and directly on m1 as the baseline): pairs/s, median and p99 latency of
#     a pair, and stale reads (the SELECT did not return the row just written). Measured twice:
#     with the replicas as they are (loopback replication is fast, but not faster than the next
#     client round trip every time), then with the replicas held back a few milliseconds, as
#     ReadYourWritesIT does it: one root connection per replica keeps taking
#     `FLUSH TABLES WITH READ LOCK` for --hold ms, then `UNLOCK TABLES` for 2 ms, which stalls the
#     replication SQL thread (reads still run) while the measured lag stays far under the 1 s limit,
#     so the replicas stay eligible. (MASTER_DELAY counts whole seconds, which would push the
#     replicas over the lag limit; background write load only adds lag by chance.)
#     In session mode a stale read is a bug: the script says so and exits with status 1.
#  2. sysbench oltp_read_write --skip_trx=on (autocommit: reads are split, each write is followed
#     by reads of the same thread) directly on m1 and through each proxy: tps, qps, ratios.
# For each proxy row it also reads the proxy JVM's CPU time (/proc/<pid>/stat utime + stime) before
# and after: CPU µs per client query, and how much of it the JIT compiler threads took (both proxies
# are warmed up first, but C2 keeps compiling for a while on this path). It includes the monitor's
# background checks, whose idle rate is printed below the table.
#
#   bench/consistency.sh [--pairs N] [--time SECONDS] [--threads N] [--hold MS]
#                        [--base-port P] [--port N] [--logs DIR]
#
# --pairs N: write-then-read pairs per row (default 2000). --time: seconds per sysbench row
# (default 20). --threads: sysbench threads (default 8). --hold: ms each replica is held per cycle
# (default 10). --base-port: m1's port, m2..r2 the next three (default 33406). --port: the
# sandbox's proxy (default 16133); the eventual proxy listens on port+1, the session proxy on
# port+2. --logs DIR: keep the sandbox's and both proxies' logs (and sysbench's output) there.
# The sandbox's own proxy only sets up (tables, sysbench prepare). Before measuring, each proxy is
# warmed up (sysbench 10 s, 3000 pairs). With the defaults a run takes about 3 minutes.
#
# Needs: python3-pymysql for /usr/bin/python3, sysbench and mariadb-client
# (apt-get install python3-pymysql sysbench mariadb-client).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PAIRS=2000
TIME=20
THREADS=8
HOLD=10
BASE_PORT=33406
PROXY_PORT=16133
LOGS=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --pairs) PAIRS="$2"; shift 2 ;;
    --time) TIME="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --hold) HOLD="$2"; shift 2 ;;
    --base-port) BASE_PORT="$2"; shift 2 ;;
    --port) PROXY_PORT="$2"; shift 2 ;;
    --logs) LOGS="$2"; shift 2 ;;
    -h|--help) awk 'NR > 1 && !/^#/ {exit} NR > 1 {print}' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
for v in PAIRS TIME THREADS HOLD; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || { echo "--${v,,}: a positive number, got ${!v}" >&2; exit 2; }
done
((PAIRS <= 1000000)) || { echo "--pairs: at most 1000000" >&2; exit 2; }
PYTHON=/usr/bin/python3
"$PYTHON" -c 'import pymysql' 2>/dev/null ||
  { echo "PyMySQL not found for $PYTHON: apt-get install python3-pymysql" >&2; exit 2; }
[[ -z "$LOGS" ]] || mkdir -p "$LOGS"

declare -A PORT=([m1]=$BASE_PORT [m2]=$((BASE_PORT + 1)) [r1]=$((BASE_PORT + 2)) [r2]=$((BASE_PORT + 3))
                 [eventual]=$((PROXY_PORT + 1)) [session]=$((PROXY_PORT + 2)))
declare -A PID=()   # the two extra proxies' JVMs
LAGGER_PID=""

# Ctrl-C and SIGTERM leave through the EXIT trap (bench/sandbox.sh's until the proxies run, then finish)
trap 'exit 130' INT
trap 'exit 143' TERM
source "$ROOT/bench/sandbox.sh"

# stop_pid PID: SIGTERM, up to 15 s to exit, then SIGKILL (only processes this script started)
stop_pid() {
  kill "$1" 2>/dev/null || return 0
  for _ in $(seq 1 150); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
finish() {
  local status=$?
  trap - INT TERM
  [[ -z "$LAGGER_PID" ]] || stop_pid "$LAGGER_PID"
  for mode in "${!PID[@]}"; do stop_pid "${PID[$mode]}"; done
  if [[ -n "$LOGS" ]]; then
    cp "$WORK"/sandbox.log "$WORK"/proxy-*.log "$WORK"/sysbench-*.log "$WORK"/lagger.out "$LOGS"/ 2>/dev/null || true
  fi
  cleanup # bench/sandbox.sh's: stops the sandbox, removes $WORK
  exit "$status"
}
trap finish EXIT

# ---- the two extra proxies -----------------------------------------------------------------------
CONFIG="$WORK/sandbox/tandem.yaml"
[[ -f "$CONFIG" ]] || { echo "the sandbox wrote no $CONFIG" >&2; exit 1; }
for mode in eventual session; do
  file="$WORK/sandbox/tandem-$mode.yaml" # next to the original: relative paths resolve the same
  sed -e "/^listen:/,/^[a-z]/ s/^  port: [0-9]*\$/  port: ${PORT[$mode]}/" \
      -e "s/^  consistency: [a-z]*/  consistency: $mode/" \
      -e "s/^  automatic: true\$/  automatic: false/" \
      -e "s/^  journal: .*/  journal: tandem-failover-$mode.journal/" "$CONFIG" > "$file"
  # the generated format is the sandbox's (SandboxProxyConfig); stop if an edit did not apply
  for want in "  port: ${PORT[$mode]}" "  consistency: $mode" "  automatic: false" \
              "  journal: tandem-failover-$mode.journal"; do
    [[ $(grep -c "^$want\\b" "$file") == 1 ]] || {
      echo "could not set '$want' in a copy of $CONFIG:" >&2; cat "$CONFIG" >&2; exit 1; }
  done
  "$ROOT/bin/tandem" run -c "$file" > "$WORK/proxy-$mode.log" 2>&1 &
  PID[$mode]=$!
done
for mode in eventual session; do
  for i in $(seq 1 120); do
    if (exec 3<>"/dev/tcp/127.0.0.1/${PORT[$mode]}") 2>/dev/null; then break; fi
    kill -0 "${PID[$mode]}" 2>/dev/null && ((i < 120)) || {
      cat "$WORK/proxy-$mode.log" >&2; echo "the $mode proxy did not start" >&2; exit 1; }
    sleep 0.5
  done
  [[ "$(cat "/proc/${PID[$mode]}/comm" 2>/dev/null)" == java ]] ||
    { echo "pid ${PID[$mode]} of the $mode proxy is not the JVM" >&2; exit 1; }
done

progress() { echo "$(date +%T) $*" >&2; }
proxy_sql() { # port statement -> value, as app through a proxy
  "$SQL_CLIENT" -h127.0.0.1 -P"$1" -uapp -papp --skip-ssl -N -B app -e "$2"
}
cpu_ticks() { # pid -> utime + stime in clock ticks
  sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'
}
jit_ticks() { # pid -> utime + stime of its JIT compiler threads (HotSpot's "C1/C2 CompilerThread<n>")
  { cat "/proc/$1"/task/*/stat 2>/dev/null || true; } |
    awk '/\(C[12] CompilerThre/ { sub(/^.*\) /, ""); t += $12 + $13 } END {print t + 0}'
}
TICK_US=$((1000000 / $(getconf CLK_TCK)))

# The tables (app.ryw, sysbench's), replicated; then each proxy reading from a replica (its monitor
# saw them under the lag limit: sysbench's prepare makes them lag for a few seconds)
proxy_sql "$PROXY_PORT" "CREATE TABLE app.ryw (id INT PRIMARY KEY, v INT NOT NULL)"
progress "sysbench prepare ..."
"${SB[@]}" --mysql-port="$PROXY_PORT" --threads=4 oltp_read_write prepare > "$WORK/prepare.log" 2>&1 || {
  cat "$WORK/prepare.log"; exit 1; }
m1_id=$(sql "${PORT[m1]}" "SELECT @@server_id")
await_replica_reads() {
  local mode i s ok
  for mode in eventual session; do
    for i in $(seq 1 240); do
      ok=1
      for s in r1 r2; do
        [[ $(sql "${PORT[$s]}" "SELECT COUNT(*) FROM information_schema.TABLES
          WHERE TABLE_SCHEMA = 'app' AND TABLE_NAME = 'ryw'") == 1 ]] || ok=0
      done
      ((ok)) && [[ "$(proxy_sql "${PORT[$mode]}" "SELECT @@server_id")" != "$m1_id" ]] && break
      ((i < 240)) || {
        tail -n 30 "$WORK/proxy-$mode.log" >&2; echo "the $mode proxy sends no reads to r1/r2" >&2; exit 1; }
      sleep 0.25
    done
  done
}
await_replica_reads

# ---- the clients ---------------------------------------------------------------------------------
cat > "$WORK/pairs.py" <<'PY'
# pairs.py PORT PAIRS FIRST_ID -> "pairs/s median_ms p99_ms stale errors" on stdout
import math, sys, time
from collections import Counter
import pymysql

port, pairs, first = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
def connect():
    return pymysql.connect(host="127.0.0.1", port=port, user="app", password="app", database="app",
                           autocommit=True, connect_timeout=5, read_timeout=30, write_timeout=30)
def code(e):
    return e.args[0] if e.args and isinstance(e.args[0], int) and e.args[0] else type(e).__name__

conn = connect()
cur = conn.cursor()
latencies, stale, errors, examples = [], 0, Counter(), []
started = time.perf_counter()
for i in range(pairs):
    key = first + i
    value = (key * 7919) % 1000003
    t0 = time.perf_counter()
    try:
        cur.execute("INSERT INTO app.ryw (id, v) VALUES (%s, %s)", (key, value))
        cur.execute("SELECT v FROM app.ryw WHERE id = %s", (key,))
        row = cur.fetchone()
    except pymysql.MySQLError as e:
        errors[code(e)] += 1
        if sum(errors.values()) <= 5:
            print(f"  pair {key}: {e}", file=sys.stderr)
        if not conn.open:
            conn = connect()
            cur = conn.cursor()
        continue
    latencies.append(time.perf_counter() - t0)
    if row is None or row[0] != value:
        stale += 1
        if len(examples) < 5:
            examples.append(f"{key} read {row!r}")
elapsed = time.perf_counter() - started
conn.close()
if examples:
    print(f"  stale reads, first {len(examples)}: {'; '.join(examples)}", file=sys.stderr)
latencies.sort()
def pct(p):
    return 1000 * latencies[max(0, math.ceil(p * len(latencies)) - 1)] if latencies else float("nan")
err = " ".join(f"{c}x{n}" for c, n in sorted(errors.items(), key=str)) or "0"
print(f"{pairs / elapsed:.0f} {pct(0.5):.3f} {pct(0.99):.3f} {stale} {err.replace(' ', ',')}")
PY

cat > "$WORK/lagger.py" <<'PY'
# lagger.py HOLD_MS PORT...: per replica, FLUSH TABLES WITH READ LOCK for HOLD_MS, UNLOCK, 2 ms free,
# until SIGTERM; then prints the cycles per replica on stdout
import signal, sys, threading, time
import pymysql

hold, ports = int(sys.argv[1]) / 1000, [int(p) for p in sys.argv[2:]]
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
signal.signal(signal.SIGINT, lambda *_: stop.set())
cycles, failures = {}, []
def lag(port):
    try:
        c = pymysql.connect(host="127.0.0.1", port=port, user="root", password="", autocommit=True)
        n = 0
        with c.cursor() as cur:
            while not stop.is_set():
                cur.execute("FLUSH TABLES WITH READ LOCK")
                time.sleep(hold)
                cur.execute("UNLOCK TABLES")
                n += 1
                time.sleep(0.002)
        c.close()
        cycles[port] = n
    except Exception as e:
        failures.append(f"{port}: {e}")
threads = [threading.Thread(target=lag, args=(p,)) for p in ports]
for t in threads:
    t.start()
print("started", flush=True)
while not stop.is_set() and any(t.is_alive() for t in threads):
    stop.wait(0.2)
stop.set()
for t in threads:
    t.join(10)
print(" ".join(f"{p}:{cycles.get(p, 0)}" for p in ports), " ".join(failures), flush=True)
PY

com_select() { # -> "m1 r1+r2" Com_select
  local m r1 r2
  m=$(sql "${PORT[m1]}" "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'COM_SELECT'")
  r1=$(sql "${PORT[r1]}" "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'COM_SELECT'")
  r2=$(sql "${PORT[r2]}" "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'COM_SELECT'")
  echo "$m $((r1 + r2))"
}

NEXT_ID=1
ROWS=()       # the result table, one line per measurement
WHERE=()      # where the pairs' SELECTs ran
SESSION_STALE=0
declare -A RATE=()
row() { printf '%-34s %-9s %22s %9s %7s %17s %12s %9s %17s\n' "$@"; }
x() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
per_query() { # ticks jit_ticks queries -> "CPU µs per query (JIT µs)"
  awk -v t="$1" -v j="$2" -v q="$3" -v u="$TICK_US" 'BEGIN {
    if (j < 0) j = 0  # a compiler thread that exited took its time along
    if (q > 0) printf "%.0f (JIT %.0f)", t * u / q, j * u / q; else print "-" }'; }

# pairs LABEL TARGET: one pairs run through TARGET (m1, eventual or session)
pairs() {
  local label="$1" target="$2" pid="${PID[$2]:-}" t0=0 j0=0 before after out
  local first=$NEXT_ID; NEXT_ID=$((NEXT_ID + PAIRS))
  read -r -a before <<< "$(com_select)"
  [[ -z "$pid" ]] || { t0=$(cpu_ticks "$pid"); j0=$(jit_ticks "$pid"); }
  out=$("$PYTHON" "$WORK/pairs.py" "${PORT[$target]}" "$PAIRS" "$first") ||
    { echo "the pairs client failed through $target" >&2; exit 1; }
  local cpu="-"
  [[ -z "$pid" ]] || cpu=$(per_query $(($(cpu_ticks "$pid") - t0)) $(($(jit_ticks "$pid") - j0)) $((2 * PAIRS)))
  read -r -a after <<< "$(com_select)"
  read -r rate median p99 stale errors <<< "$out"
  RATE[$label:$target]=$rate
  [[ "$target" != session ]] || SESSION_STALE=$((SESSION_STALE + stale))
  local ev="${RATE[$label:eventual]:-}" direct="${RATE[none:m1]:-}"
  local label_text="pairs, replicas as they are"
  [[ "$label" == none ]] || label_text="pairs, replicas held ${HOLD} ms"
  local name="m1 direct"; [[ "$target" == m1 ]] || name="$target"
  ROWS+=("$(row "$label_text" "$name" "$rate pairs/s" "$( [[ -n "$ev" ]] && x "$rate" "$ev" || echo -)" \
    "$( [[ -n "$direct" ]] && x "$rate" "$direct" || echo -)" "$median / $p99" "$stale / $PAIRS" "$errors" "$cpu")")
  WHERE+=("$(printf '  %-34s %-9s m1 %6d   r1+r2 %6d' "$label_text" "$name" \
    $((after[0] - before[0])) $((after[1] - before[1])))")
  progress "${ROWS[-1]}"
}

SYSBENCH_IGNORE=1062,1213,1020,1205 # 1062: --skip_trx lets two threads DELETE then INSERT one id
# sysbench_run TARGET: oltp_read_write --skip_trx=on for --time s
sysbench_run() {
  local target="$1" pid="${PID[$1]:-}" t0=0 j0=0 out
  [[ -z "$pid" ]] || { t0=$(cpu_ticks "$pid"); j0=$(jit_ticks "$pid"); }
  out=$("${SB[@]}" --mysql-port="${PORT[$target]}" --threads="$THREADS" --time="$TIME" --report-interval=0 \
    --mysql-ignore-errors="$SYSBENCH_IGNORE" --skip_trx=on oltp_read_write run 2>&1) ||
    { echo "$out" | tail -n 20 >&2; echo "sysbench failed through $target" >&2; exit 1; }
  echo "$out" > "$WORK/sysbench-$target.log"
  local t1=0 j1=0; [[ -z "$pid" ]] || { t1=$(cpu_ticks "$pid"); j1=$(jit_ticks "$pid"); }
  read -r tps queries qps ignored avg p95 < <(echo "$out" | awk '
    /transactions:/ {gsub(/\(/, "", $3); tps = $3}
    /queries:/ {q = $2; gsub(/\(/, "", $3); qps = $3}
    /ignored errors:/ {ign = $3}
    /avg:/ {avg = $2}
    /95th percentile:/ {p95 = $3}
    END {print tps, q, qps, ign, avg, p95}')
  local cpu="-"; [[ -z "$pid" ]] || cpu=$(per_query $((t1 - t0)) $((j1 - j0)) "$queries")
  RATE[sb:$target]=$tps
  local ev="${RATE[sb:eventual]:-}" direct="${RATE[sb:m1]:-}"
  local name="m1 direct"; [[ "$target" == m1 ]] || name="$target"
  ROWS+=("$(row "oltp_read_write skip_trx, ${THREADS} thr" "$name" "$tps tps $qps qps" \
    "$( [[ -n "$ev" ]] && x "$tps" "$ev" || echo -)" "$( [[ -n "$direct" ]] && x "$tps" "$direct" || echo -)" \
    "$avg / $p95" "-" "ign $ignored" "$cpu")")
  progress "${ROWS[-1]}"
}

# ---- benchmark 1: write-then-read pairs ----------------------------------------------------------
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
progress "warm-up (the JIT compiles for a while): sysbench 10 s and 3000 pairs per proxy ..."
for mode in eventual session; do
  "${SB[@]}" --mysql-port="${PORT[$mode]}" --threads="$THREADS" --time=10 --skip_trx=on \
    --mysql-ignore-errors="$SYSBENCH_IGNORE" oltp_read_write run > "$WORK/sysbench-warmup-$mode.log" 2>&1 ||
    progress "warm-up through the $mode proxy failed (see sysbench-warmup-$mode.log)"
done
await_replica_reads
sleep 2
for mode in eventual session; do
  "$PYTHON" "$WORK/pairs.py" "${PORT[$mode]}" 3000 "$NEXT_ID" > /dev/null 2>&1
  NEXT_ID=$((NEXT_ID + 3000))
done
MEASURED_FROM=$(date '+%F %T')
progress "write-then-read pairs, $PAIRS per row ..."
pairs none m1
pairs none eventual
pairs none session

"$PYTHON" "$WORK/lagger.py" "$HOLD" "${PORT[r1]}" "${PORT[r2]}" > "$WORK/lagger.out" 2>&1 &
LAGGER_PID=$!
progress "replicas held ${HOLD} ms at a time (FLUSH TABLES WITH READ LOCK) ..."
for _ in $(seq 1 50); do grep -q started "$WORK/lagger.out" && break; sleep 0.1; done
sleep 1
pairs held eventual
pairs held session
kill "$LAGGER_PID"; wait "$LAGGER_PID" || true; LAGGER_PID=""
LAGGER_RESULT=$(tail -n 1 "$WORK/lagger.out")

# ---- benchmark 2: sysbench oltp_read_write --skip_trx=on ----------------------------------------
progress "sysbench oltp_read_write --skip_trx=on, $THREADS threads, $TIME s per row ..."
sysbench_run m1
sysbench_run eventual
sysbench_run session

# idle CPU of each proxy (monitor and failover checks), included in the per-query numbers above
declare -A IDLE=()
for mode in eventual session; do IDLE[$mode]=$(cpu_ticks "${PID[$mode]}"); done
sleep 5
for mode in eventual session; do
  IDLE[$mode]=$(awk -v t=$(($(cpu_ticks "${PID[$mode]}") - IDLE[$mode])) -v u="$TICK_US" 'BEGIN {printf "%.1f", t * u / 5000}')
done

# ---- the table -----------------------------------------------------------------------------------
echo
echo "Read-your-writes: consistency eventual vs session, one sandbox, one run ($(date -u +%F\ %H:%MZ), $(nproc) cores," \
  "load average at the start: $LOAD_BEFORE, at the end: $(cut -d' ' -f1-3 /proc/loadavg))"
echo
row benchmark target throughput "x eventual" "x direct" "latency ms" "stale reads" errors "proxy CPU µs/q"
echo "(latency ms: pairs median / p99, sysbench avg / p95; proxy CPU: the JVM's utime+stime per client query, of it JIT compiler threads)"
printf '%s\n' "${ROWS[@]}"
echo
printf 'session / eventual: pairs %s (replicas as they are), %s (held %s ms); oltp_read_write tps %s\n' \
  "$(x "${RATE[none:session]}" "${RATE[none:eventual]}")" "$(x "${RATE[held:session]}" "${RATE[held:eventual]}")" \
  "$HOLD" "$(x "${RATE[sb:session]}" "${RATE[sb:eventual]}")"
echo "Com_select during each pairs row (session mode adds SELECT @@last_gtid on m1 after each write and"
echo "MASTER_GTID_WAIT on the replica unless the monitor saw it caught up; the monitors add a few):"
printf '%s\n' "${WHERE[@]}"
echo "replica hold cycles (port:cycles): $LAGGER_RESULT"
echo "proxy CPU while idle (monitor, failover checks): eventual ${IDLE[eventual]} ms/s, session ${IDLE[session]} ms/s"
# the proxies' warnings: before the measurements (start-up, sysbench's prepare and warm-up make the
# replicas lag) and during them (from MEASURED_FROM on)
for mode in eventual session; do
  awk -v from="$MEASURED_FROM" -v mode="$mode" '
    / (WARN|ERROR) / { if (substr($0, 1, 19) >= from) during[++n] = substr($0, 1, 300); else before++ }
    END {
      printf "%s proxy log: %d WARN/ERROR line(s) before the measurements, %d during them (from %s)\n",
        mode, before, n, from
      for (i = 1; i <= n && i <= 10; i++) print "  " during[i]
    }' "$WORK/proxy-$mode.log"
done
"${SB[@]}" --mysql-port="$PROXY_PORT" oltp_read_write cleanup > /dev/null 2>&1 || true
if ((SESSION_STALE > 0)); then
  echo "BUG: $SESSION_STALE read(s) in session mode did not see their own write" >&2
  exit 1
fi
