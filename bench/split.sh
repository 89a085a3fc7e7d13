#!/usr/bin/env bash
# Read/write splitting on the sandbox topology, in one run:
#  - sysbench oltp_read_only --skip_trx=on through Tandem, with sysbench's default server-side
#    prepared statements and with the text protocol: where the reads ran, from the servers' own
#    counters (Com_select, Com_stmt_execute on m1, r1, r2);
#  - sysbench oltp_read_write directly on m1 and through Tandem: transactions/s and the ratio.
#
#   bench/split.sh [--time SECONDS] [--threads N] [--base-port P] [--port N]
#
# Needs: sysbench and mariadb-client (apt-get install sysbench mariadb-client).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TIME=15
THREADS=8
BASE_PORT=33306
PROXY_PORT=16033
while [[ $# -gt 0 ]]; do
  case "$1" in
    --time) TIME="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --base-port) BASE_PORT="$2"; shift 2 ;;
    --port) PROXY_PORT="$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
source "$ROOT/bench/sandbox.sh"

declare -A PORT=([m1]=$BASE_PORT [r1]=$((BASE_PORT + 2)) [r2]=$((BASE_PORT + 3)))
"${SB[@]}" --mysql-port="$PROXY_PORT" --threads=4 oltp_read_write prepare > "$WORK/prepare.log" 2>&1 || {
  cat "$WORK/prepare.log"; exit 1; }
sleep 2 # replicated

counters() { # -> "m1_select m1_exec r1_select r1_exec r2_select r2_exec"
  for s in m1 r1 r2; do
    sql "${PORT[$s]}" "SELECT SUM(IF(VARIABLE_NAME='COM_SELECT', VARIABLE_VALUE, 0)),
      SUM(IF(VARIABLE_NAME='COM_STMT_EXECUTE', VARIABLE_VALUE, 0)) FROM information_schema.GLOBAL_STATUS"
  done | tr '\n\t' '  '
}

queries() { # sysbench output -> total queries
  awk '/queries:/ {gsub(/\(/,"",$3); print $2; exit}'
}

echo "warm-up ..."
"${SB[@]}" --mysql-port="$PROXY_PORT" --threads="$THREADS" --time=5 --skip_trx=on oltp_read_only run >/dev/null 2>&1

printf '\noltp_read_only --skip_trx=on through Tandem, %s threads, %s s\n' "$THREADS" "$TIME"
printf '%-10s %10s   %-24s %-24s %-24s\n' protocol queries "m1 select/execute" "r1 select/execute" "r2 select/execute"
for mode in auto disable; do
  read -r -a before <<< "$(counters)"
  total=$("${SB[@]}" --mysql-port="$PROXY_PORT" --threads="$THREADS" --time="$TIME" --report-interval=0 \
    --db-ps-mode="$mode" --skip_trx=on oltp_read_only run 2>&1 | queries)
  read -r -a after <<< "$(counters)"
  d=(); for i in 0 1 2 3 4 5; do d[$i]=$((after[i] - before[i])); done
  printf '%-10s %10s   %-24s %-24s %-24s\n' "$([[ $mode == auto ]] && echo prepared || echo text)" "$total" \
    "${d[0]} / ${d[1]}" "${d[2]} / ${d[3]}" "${d[4]} / ${d[5]}"
done

tps() { # port -> transactions/s
  "${SB[@]}" --mysql-port="$1" --threads="$THREADS" --time="$TIME" --report-interval=0 oltp_read_write run 2>&1 |
    awk '/transactions:/ {gsub(/\(/,"",$3); print $3; exit}'
}
printf '\noltp_read_write, %s threads, %s s\n' "$THREADS" "$TIME"
direct=$(tps "$BASE_PORT")
proxied=$(tps "$PROXY_PORT")
printf '%-14s %10s tps\n%-14s %10s tps   %s x direct\n' "m1 directly" "$direct" "through Tandem" "$proxied" \
  "$(awk -v a="$proxied" -v b="$direct" 'BEGIN {printf "%.2f", a / b}')"
"${SB[@]}" --mysql-port="$PROXY_PORT" oltp_read_write cleanup > /dev/null 2>&1 || true
