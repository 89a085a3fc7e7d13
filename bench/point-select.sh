#!/usr/bin/env bash
# sysbench oltp_point_select directly against m1 and through Tandem, in the same run, on the
# sandbox topology. Prints throughput ratios (proxy / direct) and the latency the proxy adds at
# one thread. If HAProxy is installed, an L4 TCP forwarder is measured as well, as a baseline.
#
#   bench/point-select.sh [--time SECONDS] [--threads "1 8"] [--base-port P] [--port N]
#
# Needs: sysbench and mariadb-client (apt-get install sysbench mariadb-client); optional: haproxy.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TIME=20
THREADS="1 8"
BASE_PORT=33306
PROXY_PORT=16033
HAPROXY_PORT=16034
TEST=oltp_point_select
while [[ $# -gt 0 ]]; do
  case "$1" in
    --time) TIME="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --base-port) BASE_PORT="$2"; shift 2 ;;
    --port) PROXY_PORT="$2"; shift 2 ;;
    --test) TEST="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
source "$ROOT/bench/sandbox.sh"

TARGETS="direct:$BASE_PORT tandem:$PROXY_PORT"
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

run() { # target port threads -> "tps avg_ms"
  "${SB[@]}" --mysql-port="$2" --threads="$3" --time="$TIME" --report-interval=0 "$TEST" run 2>&1 |
    awk '/queries:/ {gsub(/\(/,"",$3); q=$3} /avg:/ {a=$2} END {print q, a}'
}

echo "warm-up ..."
"${SB[@]}" --mysql-port="$PROXY_PORT" --threads=8 --time=5 "$TEST" run >/dev/null 2>&1

printf '\n%-8s %-8s %12s %12s %10s %14s\n' target threads "queries/s" "avg ms" "x direct" "added µs/query"
declare -A QPS AVG
for t in $THREADS; do
  for target in $TARGETS; do
    name="${target%%:*}"; port="${target##*:}"
    read -r qps avg < <(run "$name" "$port" "$t")
    QPS[$name:$t]=$qps; AVG[$name:$t]=$avg
    ratio=$(awk -v a="$qps" -v b="${QPS[direct:$t]}" 'BEGIN {printf "%.2f", a / b}')
    # time per query seen by one client thread: threads / throughput
    added=$(awk -v a="$qps" -v b="${QPS[direct:$t]}" -v n="$t" 'BEGIN {printf "%.1f", n * 1e6 / a - n * 1e6 / b}')
    printf '%-8s %-8s %12s %12s %10s %14s\n' "$name" "$t" "$qps" "$avg" "$ratio" "$added"
  done
done
"${SB[@]}" --mysql-port="$PROXY_PORT" "$TEST" cleanup > /dev/null 2>&1 || true
