#!/usr/bin/env bash
# Protocol fuzzing of the proxy on the sandbox topology, then checks that it survived. Starts the
# sandbox, creates app.fuzz, records the proxy JVM's RSS (after a GC), then runs
# bench/fuzz_client.py for --time seconds with --workers threads: a MySQL client-protocol fuzzer
# of our own (handshake v10, mysql_native_password) mixing attacks before login (garbage,
# truncated, oversized and mutated handshake responses, wrong sequence ids, mutated auth-switch
# answers, SSL requests followed by garbage), sessions as app/app mixing valid COM_QUERY with
# mutated COM_STMT_* / COM_FIELD_LIST / COM_SET_OPTION / COM_PROCESS_KILL (ids above 10^9 only) /
# COM_CHANGE_USER / unknown commands / empty and multi-frame packets, and clients that stop
# sending (before login, mid-packet after login) whose sockets it keeps open. It never sends
# COM_SHUTDOWN, COM_DROP_DB and the like, and its SQL touches app.fuzz only. Then:
#   (1) every sandbox server is up: its pid (servers.txt) alive and `select 1` as root answers;
#   (2) a fresh client through the proxy is served (mariadb -uapp -papp app -e 'select 1');
#   (3) after --settle seconds (past the proxy's login_timeout 10 s and read_timeout 30 s): the
#       connections still ESTABLISHED at the proxy port (ss), counted before the fuzzer closes its
#       silent sockets, and how many of those the proxy closed (and when, with which ERR);
#   (4) the proxy's RSS after the fuzz and after the settle (after `jcmd GC.run` if jcmd exists),
#       and its heap after GC, against the start.
# Prints the fuzzer's table (per category: cases, packets, OK, ERR codes, connections the proxy
# closed, answers that did not come within 5 s), its findings with the packets that caused them,
# crashes in the servers' error logs, WARN/ERROR/LEAK lines of the proxy's log, then PASS/FAIL per
# check. Exit status 1 if (1) or (2) failed; (3) and (4) are reported only.
#
#   bench/fuzz.sh [--time S] [--workers N] [--seed N] [--settle S] [--silent N] [--base-port P]
#                 [--port N] [--keep DIR] [--avoid-known-crashes]
#
# --time S: seconds of fuzzing (default 60). --workers N: concurrent fuzzer threads (default 8,
# one Python process: the machine has 2 cores). --seed N: the RNG seed (default random; printed,
# so a run can be repeated: each worker's choices follow from it). --settle S: wait after the fuzz
# before counting held connections (default 35). --silent N: deliberately silent sockets kept open
# (default 48). --base-port P: m1 on P, m2..r2 on P+1..P+3 (default 24306). --port N: the proxy
# (default 14033). --keep DIR: keep the proxy's log, the servers' error logs and the fuzzer's
# findings (findings.json holds every example packet in full) in DIR. --avoid-known-crashes: the
# fuzzer binds parameter types in every COM_STMT_EXECUTE (today, when types went only to a
# replica, the proxy sends a later execution without them to the statement on the master, and
# MariaDB 11.4 segfaults), so that a run can look for other findings while that one is open.
# The fuzzer binds its connections to loopback addresses 127.1.x.y / 127.2.x.y (Linux routes all
# of 127/8 to lo) so that the proxy's per-address login throttle does not block the whole run;
# the checks connect from 127.0.0.1.
#
# Runs the proxy with Netty's leak detector at "advanced" (unless TANDEM_JAVA_OPTS sets a level);
# its reports are read after the final GC.
#
# Needs: python3 (standard library only), mariadb-client, iproute2 (ss), and bench/sandbox.sh's
# sysbench (apt-get install python3 mariadb-client iproute2 sysbench); jcmd (JDK) for the GC.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TIME=60
WORKERS=8
SEED=""
SETTLE=35
SILENT=48
BASE_PORT=24306
PROXY_PORT=14033
KEEP=""
AVOID=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --time) TIME="$2"; shift 2 ;;
    --workers) WORKERS="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    --settle) SETTLE="$2"; shift 2 ;;
    --silent) SILENT="$2"; shift 2 ;;
    --base-port) BASE_PORT="$2"; shift 2 ;;
    --port) PROXY_PORT="$2"; shift 2 ;;
    --keep) KEEP="$2"; shift 2 ;;
    --avoid-known-crashes) AVOID=(--avoid-known-crashes); shift ;;
    -h|--help) sed -n '2,45p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
for v in TIME WORKERS SETTLE SILENT BASE_PORT PROXY_PORT; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || { echo "--${v,,}: a number, got ${!v}" >&2; exit 2; }
done
[[ -z "$SEED" || "$SEED" =~ ^[0-9]+$ ]] || { echo "--seed: a number, got $SEED" >&2; exit 2; }
(( WORKERS >= 1 && TIME >= 1 )) || { echo "--workers and --time: at least 1" >&2; exit 2; }
PYTHON=/usr/bin/python3
[[ -x "$PYTHON" ]] || PYTHON="$(command -v python3 || true)"
[[ -n "$PYTHON" ]] || { echo "python3 not found: apt-get install python3" >&2; exit 2; }
command -v ss >/dev/null || { echo "ss not found: apt-get install iproute2" >&2; exit 2; }
JCMD="$(command -v jcmd || true)"
[[ -n "$JCMD" || -z "${JAVA_HOME:-}" || ! -x "$JAVA_HOME/bin/jcmd" ]] || JCMD="$JAVA_HOME/bin/jcmd"
[[ -z "$KEEP" ]] || mkdir -p "$KEEP"
# Netty's leak detector with access records (still sampled), so that a LEAK report says where
[[ "${TANDEM_JAVA_OPTS:-}" == *leakDetection* ]] ||
  export TANDEM_JAVA_OPTS="${TANDEM_JAVA_OPTS:-} -Dio.netty.leakDetection.level=advanced"

# bench/sandbox.sh traps EXIT (stops the sandbox and anything in EXTRA_PIDS, removes its
# directory); Ctrl-C and SIGTERM exit through it
trap 'exit 130' INT
trap 'exit 143' TERM
source "$ROOT/bench/sandbox.sh"
STATE="$WORK/fuzz"
mkdir -p "$STATE"
keep_and_cleanup() {
  local status=$?
  if [[ -n "$KEEP" && -d "$WORK" ]]; then
    cp "$WORK/sandbox.log" "$KEEP/proxy.log" 2>/dev/null || true
    cp "$STATE"/*.txt "$STATE"/*.json "$KEEP/" 2>/dev/null || true
    for d in "$WORK"/sandbox/*/; do
      [[ -f "$d/error.log" ]] && cp "$d/error.log" "$KEEP/$(basename "$d")-error.log"
    done
    echo "kept the logs and findings in $KEEP"
  fi
  cleanup
  exit "$status"
}
trap keep_and_cleanup EXIT

# The proxy runs in the `bin/tandem sandbox` JVM (bin/tandem execs java); the servers are its children.
JAVA_PID="$SANDBOX_PID"
if [[ "$(cat "/proc/$JAVA_PID/comm" 2>/dev/null)" != java ]]; then
  for status in /proc/[0-9]*/status; do
    if [[ "$(awk '/^PPid:/ {print $2}' "$status" 2>/dev/null)" == "$SANDBOX_PID" &&
          "$(awk '/^Name:/ {print $2}' "$status" 2>/dev/null)" == java ]]; then
      JAVA_PID="$(basename "$(dirname "$status")")"
    fi
  done
fi
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$JAVA_PID/status" 2>/dev/null | grep . || echo 0; }
gc() { [[ -z "$JCMD" ]] || "$JCMD" "$JAVA_PID" GC.run >/dev/null 2>&1 || true; }
heap_kb() { # "used committed" heap (KiB) per jcmd GC.heap_info, or empty
  [[ -z "$JCMD" ]] || "$JCMD" "$JAVA_PID" GC.heap_info 2>/dev/null |
    awk 'match($0, /total [0-9]+K, used [0-9]+K/) {split(substr($0, RSTART, RLENGTH), f, /[ K,]+/); print f[4], f[2]; exit}'
}
mib() { awk -v k="$1" 'BEGIN {printf "%.1f MiB", k / 1024}'; }
delta() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%+.1f MiB", (b - a) / 1024}'; }

"$SQL_CLIENT" -h127.0.0.1 -P"$PROXY_PORT" -uapp -papp --skip-ssl app -e "CREATE TABLE IF NOT EXISTS app.fuzz (v VARBINARY(255))"
sleep 3 # replicas eligible, so reads and prepared statements spread over r1 and r2
gc; sleep 1
RSS_START="$(rss_kb)"
read -r HEAP_START HEAP_COMMITTED_START <<< "$(heap_kb)" || true
LOG_START="$(wc -l < "$WORK/sandbox.log")"
echo "proxy JVM pid $JAVA_PID: RSS $(mib "$RSS_START") at the start${HEAP_START:+ (heap used after GC $(mib "$HEAP_START"))}"

SEED_ARGS=()
[[ -z "$SEED" ]] || SEED_ARGS=(--seed "$SEED")
"$PYTHON" "$ROOT/bench/fuzz_client.py" --port "$PROXY_PORT" --time "$TIME" --workers "$WORKERS" \
  --silent "$SILENT" --state "$STATE" "${SEED_ARGS[@]}" "${AVOID[@]}" &
FUZZ_PID=$!
EXTRA_PIDS+=("$FUZZ_PID")
while [[ ! -e "$STATE/fuzz-done" ]]; do
  if ! kill -0 "$FUZZ_PID" 2>/dev/null; then
    echo "the fuzzer stopped before the end of the fuzz (see above)" >&2
    exit 1
  fi
  sleep 0.5
done
RSS_FUZZ="$(rss_kb)"
PROXY_GONE=""
kill -0 "$JAVA_PID" 2>/dev/null ||
  PROXY_GONE="the proxy JVM (pid $JAVA_PID) is gone: $( (grep -a -E 'Terminating due to|OutOfMemoryError|Exception in thread|hs_err' \
    "$WORK/sandbox.log" || tail -n 1 "$WORK/sandbox.log") | tail -n 1 | cut -c1-200)"

# (1) every server up
declare -a SERVER_LINES=()
SERVERS_OK=1
while read -r name role port pid _; do
  [[ -z "$name" || "$name" == \#* ]] && continue
  alive=dead; kill -0 "$pid" 2>/dev/null && alive=alive
  answer="$("$SQL_CLIENT" -h127.0.0.1 -P"$port" -uroot --skip-ssl --connect-timeout=5 -N -B -e 'select 1' 2>&1 | tail -1 || true)"
  if [[ "$alive" == alive && "$answer" == 1 ]]; then
    SERVER_LINES+=("$name ($role, port $port, pid $pid): up")
  else
    SERVERS_OK=0
    SERVER_LINES+=("$name ($role, port $port, pid $pid): pid $alive, select 1: ${answer:0:100}")
  fi
done < "$WORK/sandbox/servers.txt"
CRASHES="$(grep -a -H -E 'got signal|Assertion .* failed' "$WORK"/sandbox/*/error.log 2>/dev/null | sed "s|$WORK/sandbox/||" || true)"

# (2) a fresh client through the proxy
FRESH="$(timeout 30 "$SQL_CLIENT" -h127.0.0.1 -P"$PROXY_PORT" -uapp -papp --skip-ssl --connect-timeout=10 app \
  -N -B -e 'select 1' 2>&1 | tail -1 || true)"
FRESH_WRITE="$(timeout 30 "$SQL_CLIENT" -h127.0.0.1 -P"$PROXY_PORT" -uapp -papp --skip-ssl --connect-timeout=10 app \
  -N -B -e "insert into app.fuzz values ('after the fuzz'); select 'ok'" 2>&1 | tail -1 || true)"

# (3) connections held after the proxy's timeouts
echo "fuzz over: checks (1) and (2) done; waiting ${SETTLE} s past the proxy's timeouts before counting held connections ..."
sleep "$SETTLE"
ss -tn state established "( sport = :$PROXY_PORT )" > "$STATE/ss.txt" 2>&1 || true
CLOSE_WAIT="$(ss -tn state close-wait "( sport = :$PROXY_PORT )" 2>/dev/null | tail -n +2 | grep -c . || true)"
echo "after the fuzz, the checks and ${SETTLE} s more" > "$STATE/settle-note"
touch "$STATE/release"
for _ in $(seq 1 60); do kill -0 "$FUZZ_PID" 2>/dev/null || break; sleep 0.5; done
wait "$FUZZ_PID" 2>/dev/null || true
HELD="?"; EXPECTED="?"; HELD_OLD="?"
[[ ! -f "$STATE/silent-held" ]] || read -r HELD EXPECTED HELD_OLD < "$STATE/silent-held"

# (4) memory after the settle
gc; sleep 2
RSS_SETTLE="$(rss_kb)"
read -r HEAP_SETTLE HEAP_COMMITTED_SETTLE <<< "$(heap_kb)" || true
THREADS=""
while read -r name role port pid _; do
  [[ -z "$name" || "$name" == \#* ]] && continue
  n="$("$SQL_CLIENT" -h127.0.0.1 -P"$port" -uroot --skip-ssl --connect-timeout=5 -N -B \
    -e "select variable_value - 1 from information_schema.global_status where variable_name = 'THREADS_CONNECTED'" 2>/dev/null || echo '-')"
  THREADS+="$name $n  "
done < "$WORK/sandbox/servers.txt"

# the proxy's log during the fuzz: WARN/ERROR lines by message (numbers and addresses folded)
LOG_FUZZ="$STATE/proxy-fuzz.log"
tail -n +"$((LOG_START + 1))" "$WORK/sandbox.log" > "$LOG_FUZZ" || true
log_top() { # LEVEL -> "count message" lines, most frequent first
  grep -a -E "^[0-9-]+ [0-9:.]+ $1 " "$LOG_FUZZ" | cut -c25- | cut -c1-160 |
    sed -E 's#/?127\.[0-9]+\.[0-9]+\.[0-9]+(:[0-9]+)?#ADDR#g; s/[0-9]+/N/g' | sort | uniq -c | sort -rn | head -8 || true
}

echo
echo "================================ summary ================================"
cat "$STATE/summary.txt"
echo
cat "$STATE/silent.txt" 2>/dev/null || echo "(no report on the silent sockets: the fuzzer did not finish)"
echo
echo "Proxy log during the fuzz: $(grep -a -c -E '^[0-9-]+ [0-9:.]+ WARN ' "$LOG_FUZZ" || true) WARN, $(grep -a -c -E '^[0-9-]+ [0-9:.]+ ERROR ' "$LOG_FUZZ" || true) ERROR, $(grep -a -c 'LEAK:' "$LOG_FUZZ" || true) Netty LEAK reports"
top="$(log_top ERROR)"; [[ -z "$top" ]] || { echo "  ERROR lines by message:"; echo "$top"; }
top="$(log_top WARN)"; [[ -z "$top" ]] || { echo "  WARN lines by message:"; echo "$top"; }
if [[ -n "$CRASHES" ]]; then
  echo "Server crashes in the error logs:"
  echo "$CRASHES" | sed 's/^/  /'
  for log in "$WORK"/sandbox/*/error.log; do
    frames="$(awk '/got signal/ {on = 1} on && /^sql\// {print; if (++n == 4) exit}' "$log" | cut -d'(' -f1 | paste -sd' ' -)"
    [[ -z "$frames" ]] || echo "    $(basename "$(dirname "$log")"): $frames"
  done
fi
[[ -z "$PROXY_GONE" ]] || echo "$PROXY_GONE"
echo "Server connections after the settle (Threads_connected - 1, the check's own): $THREADS"
echo
FAILED=0
if (( SERVERS_OK )); then
  echo "PASS (1) every sandbox server is up"
else
  echo "FAIL (1) sandbox servers down or not answering"
  FAILED=1
fi
printf '       %s\n' "${SERVER_LINES[@]}"
if [[ "$FRESH" == 1 ]]; then
  echo "PASS (2) a fresh client through the proxy is served (select 1)"
else
  echo "FAIL (2) a fresh client through the proxy is not served: ${FRESH:0:200}"
  FAILED=1
fi
echo "       a write through the proxy: $([[ "$FRESH_WRITE" == ok ]] && echo ok || echo "${FRESH_WRITE:0:200}")"
echo "INFO (3) $HELD of $EXPECTED clients that stopped mid-login or mid-packet still ESTABLISHED at the proxy" \
  "$SETTLE s after the checks, $HELD_OLD of them silent for longer than the proxy's timeout (+5 s);" \
  "proxy-side CLOSE_WAIT (client gone, proxy never closed): $CLOSE_WAIT"
[[ -z "$PROXY_GONE" ]] || echo "INFO (4) $PROXY_GONE"
[[ -n "$PROXY_GONE" ]] || echo "INFO (4) proxy RSS: $(mib "$RSS_START") at the start, $(mib "$RSS_FUZZ") after the fuzz ($(delta "$RSS_START" "$RSS_FUZZ")), " \
  "$(mib "$RSS_SETTLE") after the settle$([[ -n "$JCMD" ]] && echo ' and a GC') ($(delta "$RSS_START" "$RSS_SETTLE"))"
if [[ -z "$PROXY_GONE" && -n "${HEAP_START:-}" && -n "${HEAP_SETTLE:-}" ]]; then
  echo "         heap used after GC: $(mib "$HEAP_START") -> $(mib "$HEAP_SETTLE") ($(delta "$HEAP_START" "$HEAP_SETTLE"));" \
    "heap committed: $(mib "$HEAP_COMMITTED_START") -> $(mib "$HEAP_COMMITTED_SETTLE");" \
    "RSS outside the committed heap: $(mib $((RSS_START - HEAP_COMMITTED_START))) ->" \
    "$(mib $((RSS_SETTLE - HEAP_COMMITTED_SETTLE))) ($(delta $((RSS_START - HEAP_COMMITTED_START)) $((RSS_SETTLE - HEAP_COMMITTED_SETTLE))))"
fi
exit "$FAILED"
