#!/usr/bin/env bash
# sysbench oltp_point_select directly against m1 and through Tandem, in the same run, on the
# sandbox topology. Prints throughput ratios (proxy / direct), the latency the proxy adds at one
# thread, and each proxy's CPU per query (its process CPU time over the run / queries), in all and
# the part in user space. If HAProxy is installed, an L4 TCP forwarder is measured as well (CPU
# included), as a baseline; and always netty-relay (bench/BareRelay.java), a bare Netty forwarder
# with Tandem's transport (epoll, one loop per core, a client and its server connection on one
# loop) that decodes nothing: the floor of relaying with Netty, so that master-only vs netty-relay
# is Tandem's own per-statement work.
#
# Targets: direct (m1), tandem (the sandbox's proxy: read/write split, metrics on, multiplexing
# on), and five more proxies run from copies of the sandbox's config: metrics-on and metrics-off
# differ only in metrics.enabled (the cost of counting), master-only has read_write_split: false
# (every statement to m1, nothing parsed: the cost of splitting, in proxy CPU per query),
# multiplex-off has pool.multiplexing: false (sessions keep their server connections), and
# split-on-m1 splits like metrics-on but its two replicas are m1 itself under the replicas' names
# (m1 replicates from m2, so the monitor finds it an eligible replica): every per-statement step of
# the splitting path runs (classification, replica choice, counters, copies of the prepared
# statements on the replica connections, read-your-writes), and the reads land on the server that
# master-only's reads land on. So split-on-m1 vs master-only measures the splitting path's own CPU,
# while metrics-on vs master-only also carries what reading from two other servers changes
# (throughput, hence wake-ups and batching per query).
#
# The proxy CPU per query leaves out each proxy's idle CPU (monitor, failover controller), measured
# over 5 s before the runs, and the CPU of the JVM's JIT compiler threads (a one-off cost that goes
# on for a minute or more after the warm-up). The on/off comparisons (splitting: metrics-on vs
# master-only, which differ only in read_write_split; metrics: metrics-on vs metrics-off;
# multiplexing: metrics-on vs multiplex-off; relaying: master-only vs HAProxy, if installed, master-only
# vs netty-relay, and netty-relay vs HAProxy)
# alternate runs --rounds times.
#
#   bench/point-select.sh [--time SECONDS] [--threads "1 8"] [--rounds R] [--base-port P] [--port N]
#                         [--test oltp_point_select|oltp_read_only|...] [--ps-mode auto|disable]
#                         [--proxies "metrics-on metrics-off master-only multiplex-off split-on-m1"]
#                         [--baseline REV]
#
# --proxies: which of the five extra proxies to start (fewer JVMs share the cores; an on/off
# comparison runs only when both of its proxies are started).
#
# --baseline REV: builds git revision REV in a worktree and runs each extra proxy a second time from
# it (named mode@base, same config), then compares each pair in alternating rounds: what this
# checkout's build (the distribution bin/tandem runs; rebuild it after editing) changes against
# REV, in proxy CPU per query and throughput. Two proxies of one build measure 0.0 ± 0.4 µs apart
# this way (8 rounds), so a change of 1 µs or more shows.
#
# --ps-mode disable: sysbench sends its statements as text (COM_QUERY) instead of binary prepared
# statements, which keep a session on its server connections: with text statements every
# command goes through multiplexing (connections given back and taken again).
#
# Needs: sysbench and mariadb-client (apt-get install sysbench mariadb-client); optional: haproxy.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TIME=20
THREADS="1 8"
ROUNDS=4
BASE_PORT=33306
PROXY_PORT=16033
HAPROXY_PORT=16034
NETTY_RELAY_PORT=16035
TEST=oltp_point_select
PS_MODE=auto
EXTRA_PROXIES="metrics-on metrics-off master-only multiplex-off split-on-m1"
BASELINE=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --time) TIME="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --base-port) BASE_PORT="$2"; shift 2 ;;
    --port) PROXY_PORT="$2"; shift 2 ;;
    --test) TEST="$2"; shift 2 ;;
    --ps-mode) PS_MODE="$2"; shift 2 ;;
    --proxies) EXTRA_PROXIES="$2"; shift 2 ;;
    --baseline) BASELINE="$2"; shift 2 ;;
    -h|--help) sed -n '2,50p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
source "$ROOT/bench/sandbox.sh"

# ---- three more proxies from copies of the sandbox's config: metrics on and off (read/write
# split), and master-only (read_write_split: false, metrics on) ---------------------------------
CONFIG="$WORK/sandbox/tandem.yaml"
declare -A MPORT=([metrics-on]=$((PROXY_PORT + 2)) [metrics-off]=$((PROXY_PORT + 3)) [master-only]=$((PROXY_PORT + 4))
  [multiplex-off]=$((PROXY_PORT + 5)) [split-on-m1]=$((PROXY_PORT + 6)))
declare -A PID=([tandem]=$SANDBOX_PID) # bin/tandem execs the JVM: the sandbox's pid is the proxy's
declare -A HOME_OF=() # proxy name -> the checkout whose bin/tandem runs it
PROXIES="$EXTRA_PROXIES"
for mode in $EXTRA_PROXIES; do HOME_OF[$mode]=$ROOT; done
if [[ -n "$BASELINE" ]]; then
  echo "building $BASELINE for the mode@base proxies ..."
  git -C "$ROOT" worktree add -q --detach "$WORK/baseline" "$BASELINE"
  trap 'cleanup; git -C "$ROOT" worktree prune' EXIT
  (cd "$WORK/baseline" && ./mvnw -q -B package -DskipTests) > "$WORK/baseline-build.log" 2>&1 || {
    cat "$WORK/baseline-build.log" >&2; echo "could not build $BASELINE" >&2; exit 1; }
  for mode in $EXTRA_PROXIES; do
    PROXIES="$PROXIES $mode@base"
    MPORT[$mode@base]=$((MPORT[$mode] + 10))
    HOME_OF[$mode@base]=$WORK/baseline
  done
fi
for name in $PROXIES; do
  mode=${name%@base}
  file="$WORK/sandbox/tandem-$name.yaml" # next to the original: relative paths resolve the same
  enabled=$([[ $mode == metrics-off ]] && echo false || echo true)
  split=$([[ $mode == master-only ]] && echo false || echo true)
  multiplexing=$([[ $mode == multiplex-off ]] && echo false || echo true)
  replicas_at="" # sed: split-on-m1's replicas at m1's port, the others' as they are
  [[ $mode == split-on-m1 ]] && replicas_at="/role: replica/ s/port: [0-9]*/port: $BASE_PORT/"
  sed -e "$replicas_at" \
      -e "/^listen:/,/^[a-z]/ s/^  port: [0-9]*\$/  port: ${MPORT[$name]}/" \
      -e "/^metrics:/,/^[a-z]/ s/^  enabled: .*/  enabled: $enabled/" \
      -e "/^pool:/,/^[a-z]/ s/^  multiplexing: .*/  multiplexing: $multiplexing/" \
      -e "s/^  read_write_split: .*/  read_write_split: $split/" \
      -e "s/^  automatic: true\$/  automatic: false/" \
      -e "s/^  journal: .*/  journal: tandem-failover-$name.journal/" "$CONFIG" > "$file"
  for want in "  port: ${MPORT[$name]}" "  enabled: $enabled" "  read_write_split: $split" "  automatic: false" \
      "  multiplexing: $multiplexing"; do
    [[ $(grep -c "^$want\b" "$file") == 1 ]] || {
      echo "could not set '$want' in a copy of $CONFIG:" >&2; cat "$CONFIG" >&2; exit 1; }
  done
  if [[ $mode == split-on-m1 ]] && ! grep -q "port: $BASE_PORT, role: replica" "$file"; then
    echo "could not point the replicas of a copy of $CONFIG at m1:" >&2; cat "$CONFIG" >&2; exit 1
  fi
  "${HOME_OF[$name]}/bin/tandem" run -c "$file" > "$WORK/proxy-$name.log" 2>&1 &
  PID[$name]=$!
  EXTRA_PIDS+=($!)
done
await_listening() { # name port -> returns once PID[name] listens on port; exits with its log if it died or took 60 s
  local i
  for i in $(seq 1 120); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null; then return 0; fi
    kill -0 "${PID[$1]}" 2>/dev/null && ((i < 120)) || {
      cat "$WORK/proxy-$1.log" >&2; echo "the $1 proxy did not start" >&2; exit 1; }
    sleep 0.5
  done
}
for name in $PROXIES; do
  await_listening "$name" "${MPORT[$name]}"
done

cpu_ticks() { # pid -> "utime stime" in clock ticks
  sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12, $13}'
}
TICK_US=$((1000000 / $(getconf CLK_TCK)))
# The JVM's JIT compiler threads go on compiling for a minute or more after a proxy's warm-up (the
# client and the servers keep the two cores busy), a one-off cost that would otherwise be counted
# as the proxy's CPU per query in the first runs: their CPU is left out.
jit_ticks() { # pid -> "tid ticks" lines of its JIT compiler threads (utime + stime)
  local t
  for t in /proc/"$1"/task/*; do
    [[ $(cat "$t/comm" 2>/dev/null) == C[12]\ CompilerThre* ]] || continue
    echo "${t##*/} $(sed 's/^.*) //' "$t/stat" 2>/dev/null | awk '{print $12 + $13}')"
  done
}
jit_spent() { # "tid ticks" lines before, after -> ticks the compiler threads spent in between
  awk 'NR == FNR {b[$1] = $2; next} NF == 2 {s += $2 - ($1 in b ? b[$1] : 0)} END {print s + 0}' \
    <(echo "$1") <(echo "$2")
}

TARGETS="direct:$BASE_PORT tandem:$PROXY_PORT"
for name in $PROXIES; do TARGETS="$TARGETS $name:${MPORT[$name]}"; done
if command -v haproxy >/dev/null; then
  cat > "$WORK/haproxy.cfg" <<CFG
global
  maxconn 2000
defaults
  mode tcp
  timeout connect 5s
  timeout client 1h
  timeout server 1h
listen mysql
  bind 127.0.0.1:$HAPROXY_PORT
  server m1 127.0.0.1:$BASE_PORT
CFG
  haproxy -f "$WORK/haproxy.cfg" -db > "$WORK/haproxy.log" 2>&1 &
  EXTRA_PIDS+=($!)
  PID[haproxy]=$! # -db: stays in the foreground, one process, so its CPU is measured like a proxy's
  TARGETS="$TARGETS haproxy:$HAPROXY_PORT"
fi
java -Xmx512m -Dio.netty.leakDetection.level=disabled -Dlogback.configurationFile="$ROOT/conf/logback.xml" \
  -cp "$ROOT/server/target/dist/lib/*" "$ROOT/bench/BareRelay.java" "$NETTY_RELAY_PORT" "$BASE_PORT" \
  > "$WORK/proxy-netty-relay.log" 2>&1 &
EXTRA_PIDS+=($!)
PID[netty-relay]=$!
await_listening netty-relay "$NETTY_RELAY_PORT" # compiling the source file takes a few seconds
TARGETS="$TARGETS netty-relay:$NETTY_RELAY_PORT"

"${SB[@]}" --mysql-port="$PROXY_PORT" --threads=4 "$TEST" prepare > "$WORK/prepare.log" 2>&1 || {
  cat "$WORK/prepare.log"; exit 1; }

run() { # target port threads -> "tps avg_ms total_queries"
  "${SB[@]}" --mysql-port="$2" --threads="$3" --time="$TIME" --report-interval=0 --db-ps-mode="$PS_MODE" "$TEST" run 2>&1 |
    awk '/queries:/ {gsub(/\(/,"",$3); q=$3; n=$2} /avg:/ {a=$2} END {print q, a, n}'
}

port_of() { # proxy name -> its port
  case "$1" in
    tandem) echo "$PROXY_PORT" ;;
    haproxy) echo "$HAPROXY_PORT" ;;
    netty-relay) echo "$NETTY_RELAY_PORT" ;;
    *) echo "${MPORT[$1]}" ;;
  esac
}

echo "warm-up ..."
for mode in tandem $PROXIES; do
  # the hot path is compiled by then; what the JIT still compiles later is left out (jit_spent)
  "${SB[@]}" --mysql-port="$(port_of "$mode")" --threads=8 --time=15 "$TEST" run >/dev/null 2>&1
done

# idle CPU of each proxy (monitor, failover controller, metrics), subtracted from what a run costs
declare -A IDLE_U IDLE_S IDLE_J
MEASURED="tandem $PROXIES ${PID[haproxy]:+haproxy} netty-relay"
for name in $MEASURED; do
  read -r IDLE_U[$name] IDLE_S[$name] < <(cpu_ticks "${PID[$name]}")
  IDLE_J[$name]=$(jit_ticks "${PID[$name]}")
done
sleep 5
for name in $MEASURED; do
  read -r u s < <(cpu_ticks "${PID[$name]}")
  u=$((u - $(jit_spent "${IDLE_J[$name]}" "$(jit_ticks "${PID[$name]}")")))
  IDLE_U[$name]=$(awk -v t=$((u - IDLE_U[$name])) 'BEGIN {print t / 5}') # ticks per second
  IDLE_S[$name]=$(awk -v t=$((s - IDLE_S[$name])) 'BEGIN {print t / 5}')
done

# name port threads -> "qps avg_ms total cpu_us_per_query user_us_per_query": the proxy's CPU over
# the run less its idle CPU, per query, in all and in user space (where its own code runs: the
# system part is mostly the sends and receives, the same for every proxy)
measure() {
  local pid="${PID[$1]:-}" u0=0 s0=0 u1 s1 w0 w1 out j0=""
  if [[ -n "$pid" ]]; then
    read -r u0 s0 < <(cpu_ticks "$pid")
    j0=$(jit_ticks "$pid")
  fi
  w0=$(date +%s.%N)
  read -r qps avg total < <(run "$1" "$2" "$3")
  w1=$(date +%s.%N)
  local cpu="-" user="-"
  if [[ -n "$pid" ]]; then
    read -r u1 s1 < <(cpu_ticks "$pid")
    u1=$((u1 - $(jit_spent "$j0" "$(jit_ticks "$pid")"))) # the compiler's CPU, mostly user, left out
    read -r cpu user < <(awk -v du=$((u1 - u0)) -v ds=$((s1 - s0)) -v iu="${IDLE_U[$1]}" -v is="${IDLE_S[$1]}" \
      -v w="$(awk -v a="$w0" -v b="$w1" 'BEGIN {print b - a}')" -v t="$TICK_US" -v q="$total" \
      'BEGIN {u = (du - iu * w) * t / q; s = (ds - is * w) * t / q; printf "%.1f %.1f\n", u + s, u}')
  fi
  echo "$qps $avg $total $cpu $user"
}

printf '\n%-18s %-8s %12s %12s %10s %14s %14s %10s\n' target threads "queries/s" "avg ms" "x direct" "added µs/query" \
  "proxy CPU µs/q" "of it user"
declare -A QPS AVG
for t in $THREADS; do
  for target in $TARGETS; do
    name="${target%%:*}"; port="${target##*:}"
    read -r qps avg total cpu user < <(measure "$name" "$port" "$t")
    QPS[$name:$t]=$qps; AVG[$name:$t]=$avg
    ratio=$(awk -v a="$qps" -v b="${QPS[direct:$t]}" 'BEGIN {printf "%.2f", a / b}')
    # time per query seen by one client thread: threads / throughput
    added=$(awk -v a="$qps" -v b="${QPS[direct:$t]}" -v n="$t" 'BEGIN {printf "%.1f", n * 1e6 / a - n * 1e6 / b}')
    printf '%-18s %-8s %12s %12s %10s %14s %14s %10s\n' "$name" "$t" "$qps" "$avg" "$ratio" "$added" "$cpu" "$user"
  done
done

# on vs off: ROUNDS alternating runs (on, off, off, on ...) so drift hits both alike. Prints the
# mean throughput and CPU per query of each, and the user CPU per query difference (on - off) of
# each round with its mean and standard error: what the "on" proxy's own code adds per query.
mean() { # sum over the rounds -> mean, one decimal
  awk -v a="$1" -v n="$ROUNDS" 'BEGIN {printf "%.1f", a / n}'
}
running() { # proxy name -> whether it was started
  [[ " $PROXIES " == *" $1 "* || ($1 == haproxy && -n "${PID[haproxy]:-}") || $1 == netty-relay ]]
}
compare() { # label on-proxy off-proxy
  local label=$1 on=$2 off=$3
  running "$on" && running "$off" || return 0
  printf '\n%s: %s (on) vs %s (off), %s rounds of %s s each, alternating\n' "$label" "$on" "$off" "$ROUNDS" "$TIME"
  printf '%-8s %-28s %10s %10s %12s %12s %12s %12s   %s\n' threads "round ratios (on / off)" "on q/s" "off q/s" \
    "on CPU µs/q" "off CPU µs/q" "on user" "off user" "user µs/q on - off: rounds; mean ± s.e."
  for t in $THREADS; do
    declare -A SUMQ=() SUMC=() SUMU=()
    ratios="" diffs=""
    for r in $(seq 1 "$ROUNDS"); do
      order="$on $off"; ((r % 2 == 0)) && order="$off $on"
      declare -A RQ=() RU=()
      for name in $order; do
        read -r qps avg total cpu user < <(measure "$name" "$(port_of "$name")" "$t")
        RQ[$name]=$qps; RU[$name]=$user
        SUMQ[$name]=$(awk -v a="${SUMQ[$name]:-0}" -v b="$qps" 'BEGIN {print a + b}')
        SUMC[$name]=$(awk -v a="${SUMC[$name]:-0}" -v b="$cpu" 'BEGIN {print a + b}')
        SUMU[$name]=$(awk -v a="${SUMU[$name]:-0}" -v b="$user" 'BEGIN {print a + b}')
      done
      ratios="$ratios $(awk -v a="${RQ[$on]}" -v b="${RQ[$off]}" 'BEGIN {printf "%.3f", a / b}')"
      diffs="$diffs $(awk -v a="${RU[$on]}" -v b="${RU[$off]}" 'BEGIN {printf "%.1f", a - b}')"
    done
    printf '%-8s %-28s %10s %10s %12s %12s %12s %12s   %s; %s   on/off %s\n' "$t" "$ratios" \
      "$(mean "${SUMQ[$on]}")" "$(mean "${SUMQ[$off]}")" "$(mean "${SUMC[$on]}")" "$(mean "${SUMC[$off]}")" \
      "$(mean "${SUMU[$on]}")" "$(mean "${SUMU[$off]}")" "$diffs" \
      "$(echo "$diffs" | awk '{n = NF; for (i = 1; i <= n; i++) {s += $i; q += $i * $i}
        m = s / n; v = n > 1 ? (q - n * m * m) / (n - 1) : 0; printf "%.2f ± %.2f", m, sqrt(v > 0 ? v : 0) / sqrt(n)}')" \
      "$(awk -v a="${SUMQ[$on]}" -v b="${SUMQ[$off]}" 'BEGIN {printf "%.3f", a / b}')"
  done
}
compare splitting metrics-on master-only
if running split-on-m1 && ! grep -q "r1: eligible" "$WORK/proxy-split-on-m1.log"; then
  echo "split-on-m1: the monitor never found m1 an eligible replica (its reads ran as master-only's)" >&2
fi
compare "splitting path, one server" split-on-m1 master-only
if [[ -n "$BASELINE" ]]; then
  for mode in $EXTRA_PROXIES; do compare "build (this checkout vs $BASELINE)" "$mode" "$mode@base"; done
fi
compare metrics metrics-on metrics-off
compare multiplexing metrics-on multiplex-off
compare relaying master-only haproxy
compare "relaying, Tandem's own work" master-only netty-relay
compare "relaying, Netty's floor" netty-relay haproxy
"${SB[@]}" --mysql-port="$PROXY_PORT" "$TEST" cleanup > /dev/null 2>&1 || true
