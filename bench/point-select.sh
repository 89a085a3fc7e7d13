#!/usr/bin/env bash
# sysbench oltp_point_select directly against m1 and through Tandem, in the same run, on the
# sandbox topology. Prints throughput ratios (proxy / direct), the latency the proxy adds at one
# thread, and the proxy's CPU per query (its process CPU time over the run / queries). If HAProxy is
# installed, an L4 TCP forwarder is measured as well, as a baseline.
#
# Targets: direct (m1), tandem (the sandbox's proxy: read/write split, metrics on, multiplexing
# on), and four more proxies run from copies of the sandbox's config: metrics-on and metrics-off
# differ only in metrics.enabled (the cost of counting), master-only has read_write_split: false
# (every statement to m1, nothing parsed: the cost of splitting, in proxy CPU per query),
# multiplex-off has pool.multiplexing: false (sessions keep their server connections).
#
# The proxy CPU per query leaves out each proxy's idle CPU (monitor, failover controller), measured
# over 5 s before the runs. The on/off comparisons (metrics-on vs metrics-off, metrics-on vs
# multiplex-off) alternate runs --rounds times.
#
#   bench/point-select.sh [--time SECONDS] [--threads "1 8"] [--rounds R] [--base-port P] [--port N]
#                         [--test oltp_point_select|oltp_read_only|...] [--ps-mode auto|disable]
#                         [--proxies "metrics-on metrics-off master-only multiplex-off"]
#
# --proxies: which of the four extra proxies to start (fewer JVMs share the cores; an on/off
# comparison runs only when both of its proxies are started).
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
TEST=oltp_point_select
PS_MODE=auto
EXTRA_PROXIES="metrics-on metrics-off master-only multiplex-off"
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
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
source "$ROOT/bench/sandbox.sh"

# ---- three more proxies from copies of the sandbox's config: metrics on and off (read/write
# split), and master-only (read_write_split: false, metrics on) ---------------------------------
CONFIG="$WORK/sandbox/tandem.yaml"
declare -A MPORT=([metrics-on]=$((PROXY_PORT + 2)) [metrics-off]=$((PROXY_PORT + 3)) [master-only]=$((PROXY_PORT + 4))
  [multiplex-off]=$((PROXY_PORT + 5)))
declare -A PID=([tandem]=$SANDBOX_PID) # bin/tandem execs the JVM: the sandbox's pid is the proxy's
for mode in $EXTRA_PROXIES; do
  file="$WORK/sandbox/tandem-$mode.yaml" # next to the original: relative paths resolve the same
  enabled=$([[ $mode == metrics-off ]] && echo false || echo true)
  split=$([[ $mode == master-only ]] && echo false || echo true)
  multiplexing=$([[ $mode == multiplex-off ]] && echo false || echo true)
  sed -e "/^listen:/,/^[a-z]/ s/^  port: [0-9]*\$/  port: ${MPORT[$mode]}/" \
      -e "/^metrics:/,/^[a-z]/ s/^  enabled: .*/  enabled: $enabled/" \
      -e "/^pool:/,/^[a-z]/ s/^  multiplexing: .*/  multiplexing: $multiplexing/" \
      -e "s/^  read_write_split: .*/  read_write_split: $split/" \
      -e "s/^  automatic: true\$/  automatic: false/" \
      -e "s/^  journal: .*/  journal: tandem-failover-$mode.journal/" "$CONFIG" > "$file"
  for want in "  port: ${MPORT[$mode]}" "  enabled: $enabled" "  read_write_split: $split" "  automatic: false" \
      "  multiplexing: $multiplexing"; do
    [[ $(grep -c "^$want\b" "$file") == 1 ]] || {
      echo "could not set '$want' in a copy of $CONFIG:" >&2; cat "$CONFIG" >&2; exit 1; }
  done
  "$ROOT/bin/tandem" run -c "$file" > "$WORK/proxy-$mode.log" 2>&1 &
  PID[$mode]=$!
  EXTRA_PIDS+=($!)
done
for mode in $EXTRA_PROXIES; do
  for i in $(seq 1 120); do
    if (exec 3<>"/dev/tcp/127.0.0.1/${MPORT[$mode]}") 2>/dev/null; then break; fi
    kill -0 "${PID[$mode]}" 2>/dev/null && ((i < 120)) || {
      cat "$WORK/proxy-$mode.log" >&2; echo "the $mode proxy did not start" >&2; exit 1; }
    sleep 0.5
  done
done

cpu_ticks() { # pid -> utime + stime in clock ticks
  sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'
}
TICK_US=$((1000000 / $(getconf CLK_TCK)))

TARGETS="direct:$BASE_PORT tandem:$PROXY_PORT"
for mode in $EXTRA_PROXIES; do TARGETS="$TARGETS $mode:${MPORT[$mode]}"; done
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
  TARGETS="$TARGETS haproxy:$HAPROXY_PORT"
fi

"${SB[@]}" --mysql-port="$PROXY_PORT" --threads=4 "$TEST" prepare > "$WORK/prepare.log" 2>&1 || {
  cat "$WORK/prepare.log"; exit 1; }

run() { # target port threads -> "tps avg_ms total_queries"
  "${SB[@]}" --mysql-port="$2" --threads="$3" --time="$TIME" --report-interval=0 --db-ps-mode="$PS_MODE" "$TEST" run 2>&1 |
    awk '/queries:/ {gsub(/\(/,"",$3); q=$3; n=$2} /avg:/ {a=$2} END {print q, a, n}'
}

echo "warm-up ..."
for mode in tandem $EXTRA_PROXIES; do
  port=$([[ $mode == tandem ]] && echo "$PROXY_PORT" || echo "${MPORT[$mode]}")
  "${SB[@]}" --mysql-port="$port" --threads=8 --time=5 "$TEST" run >/dev/null 2>&1
done

# idle CPU of each proxy (monitor, failover controller, metrics), subtracted from what a run costs
declare -A IDLE
for name in tandem $EXTRA_PROXIES; do IDLE[$name]=$(cpu_ticks "${PID[$name]}"); done
sleep 5
for name in tandem $EXTRA_PROXIES; do
  IDLE[$name]=$(awk -v t=$(($(cpu_ticks "${PID[$name]}") - IDLE[$name])) 'BEGIN {print t / 5}') # ticks per second
done

measure() { # name port threads -> "qps avg_ms total cpu_us_per_query"
  local pid="${PID[$1]:-}" t0=0 w0 w1 out
  [[ -z "$pid" ]] || t0=$(cpu_ticks "$pid")
  w0=$(date +%s.%N)
  read -r qps avg total < <(run "$1" "$2" "$3")
  w1=$(date +%s.%N)
  local cpu="-"
  [[ -z "$pid" ]] || cpu=$(awk -v d=$(($(cpu_ticks "$pid") - t0)) -v i="${IDLE[$1]}" -v w=$(awk -v a="$w0" \
    -v b="$w1" 'BEGIN {print b - a}') -v u="$TICK_US" -v q="$total" 'BEGIN {printf "%.1f", (d - i * w) * u / q}')
  echo "$qps $avg $total $cpu"
}

printf '\n%-12s %-8s %12s %12s %10s %14s %14s\n' target threads "queries/s" "avg ms" "x direct" "added µs/query" \
  "proxy CPU µs/q"
declare -A QPS AVG
for t in $THREADS; do
  for target in $TARGETS; do
    name="${target%%:*}"; port="${target##*:}"
    read -r qps avg total cpu < <(measure "$name" "$port" "$t")
    QPS[$name:$t]=$qps; AVG[$name:$t]=$avg
    ratio=$(awk -v a="$qps" -v b="${QPS[direct:$t]}" 'BEGIN {printf "%.2f", a / b}')
    # time per query seen by one client thread: threads / throughput
    added=$(awk -v a="$qps" -v b="${QPS[direct:$t]}" -v n="$t" 'BEGIN {printf "%.1f", n * 1e6 / a - n * 1e6 / b}')
    printf '%-12s %-8s %12s %12s %10s %14s %14s\n' "$name" "$t" "$qps" "$avg" "$ratio" "$added" "$cpu"
  done
done

# on vs off: ROUNDS alternating runs (on, off, off, on ...) so drift hits both alike
compare() { # label on-proxy off-proxy
  local label=$1 on=$2 off=$3
  [[ " $EXTRA_PROXIES " == *" $on "* && " $EXTRA_PROXIES " == *" $off "* ]] || return 0
  printf '\n%s on (%s) vs off (%s), %s rounds of %s s each, alternating\n' "$label" "$on" "$off" "$ROUNDS" "$TIME"
  printf '%-8s %-28s %14s %14s %16s %16s\n' threads "round ratios (on / off)" "on q/s" "off q/s" "on CPU µs/q" \
    "off CPU µs/q"
  for t in $THREADS; do
    declare -A SUMQ=() SUMC=()
    ratios=""
    for r in $(seq 1 "$ROUNDS"); do
      order="$on $off"; ((r % 2 == 0)) && order="$off $on"
      declare -A RQ=()
      for name in $order; do
        read -r qps avg total cpu < <(measure "$name" "${MPORT[$name]}" "$t")
        RQ[$name]=$qps
        SUMQ[$name]=$(awk -v a="${SUMQ[$name]:-0}" -v b="$qps" 'BEGIN {print a + b}')
        SUMC[$name]=$(awk -v a="${SUMC[$name]:-0}" -v b="$cpu" 'BEGIN {print a + b}')
      done
      ratios="$ratios $(awk -v a="${RQ[$on]}" -v b="${RQ[$off]}" 'BEGIN {printf "%.3f", a / b}')"
    done
    printf '%-8s %-28s %14.1f %14.1f %16.1f %16.1f   on/off %s\n' "$t" "$ratios" \
      "$(awk -v a="${SUMQ[$on]}" -v n="$ROUNDS" 'BEGIN {print a / n}')" \
      "$(awk -v a="${SUMQ[$off]}" -v n="$ROUNDS" 'BEGIN {print a / n}')" \
      "$(awk -v a="${SUMC[$on]}" -v n="$ROUNDS" 'BEGIN {print a / n}')" \
      "$(awk -v a="${SUMC[$off]}" -v n="$ROUNDS" 'BEGIN {print a / n}')" \
      "$(awk -v a="${SUMQ[$on]}" -v b="${SUMQ[$off]}" 'BEGIN {printf "%.3f", a / b}')"
  done
}
compare metrics metrics-on metrics-off
compare multiplexing metrics-on multiplex-off
"${SB[@]}" --mysql-port="$PROXY_PORT" "$TEST" cleanup > /dev/null 2>&1 || true
