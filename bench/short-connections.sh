#!/usr/bin/env bash
# Short connections: N parallel clients loop connect + SELECT 1 + close, directly against m1 and
# through Tandem, alternating, in the same run on the sandbox topology. Two kinds of client:
# PyMySQL (one process each) and sysbench running bench/short_connection.lua (libmariadb, C).
# Prints connections/s of each, the ratio (proxy / direct), and the CPU per connection of the
# proxy, of the four servers together and of the client with everything else (the machine's busy
# time less those two); then the ratio that a proxy costing no CPU at all could reach on these
# cores, from the busy time per connection direct and through the proxy less the proxy's. Through
# the proxy, a login is authenticated by the proxy and served by a pooled, already authenticated
# server connection (a login naming a schema checks it on one and gives it back), so a server
# login is not paid per client connection.
#
#   bench/short-connections.sh [--time SECONDS] [--clients N] [--rounds R] [--client pymysql|c|both]
#                              [--base-port P] [--port N]
#
# Needs: python3-pymysql for /usr/bin/python3 (pymysql runs), sysbench and mariadb-client.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TIME=15
CLIENTS=8
ROUNDS=2
KINDS="pymysql c"
BASE_PORT=33506
PROXY_PORT=16233
while [[ $# -gt 0 ]]; do
  case "$1" in
    --time) TIME="$2"; shift 2 ;;
    --clients) CLIENTS="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --client) KINDS="$2"; [[ $KINDS == both ]] && KINDS="pymysql c"; shift 2 ;;
    --base-port) BASE_PORT="$2"; shift 2 ;;
    --port) PROXY_PORT="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
PYTHON=/usr/bin/python3
for kind in $KINDS; do
  case "$kind" in
    pymysql) "$PYTHON" -c 'import pymysql' 2>/dev/null ||
      { echo "PyMySQL not found for $PYTHON: apt-get install python3-pymysql" >&2; exit 2; } ;;
    c) ;;
    *) echo "unknown client $kind (pymysql, c or both)" >&2; exit 2 ;;
  esac
done
source "$ROOT/bench/sandbox.sh"

cpu_ticks() { # pids -> utime + stime of all of them, in clock ticks
  local pid sum=0
  for pid in "$@"; do
    sum=$((sum + $(sed 's/^.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}')))
  done
  echo "$sum"
}
TICK_US=$((1000000 / $(getconf CLK_TCK)))
busy_ticks() { # the machine's busy CPU time (all cores, everything but idle and iowait), in clock ticks
  awk '$1 == "cpu" {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat
}

loop() { # kind port -> "connections errors" made by CLIENTS clients in TIME seconds
  if [[ $1 == c ]]; then
    (cd "$ROOT/bench" && sysbench --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$2" \
      --mysql-user=app --mysql-password=app --mysql-db=app --mysql-ssl=off --threads="$CLIENTS" \
      --time="$TIME" --report-interval=0 short_connection.lua run) |
      awk '/total number of events:/ {n = $5} /ignored errors:/ {e = $3} END {print n, e}'
    return
  fi
  shift
  "$PYTHON" - "$1" "$CLIENTS" "$TIME" <<'PY'
import multiprocessing, sys, time
import pymysql

port, clients, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])

def worker(q):
    n, errors, end = 0, 0, time.time() + seconds
    while time.time() < end:
        try:
            c = pymysql.connect(host="127.0.0.1", port=port, user="app", password="app", database="app")
            with c.cursor() as cur:
                cur.execute("SELECT 1")
                cur.fetchall()
            c.close()
            n += 1
        except pymysql.MySQLError:
            errors += 1
    q.put((n, errors))

q = multiprocessing.Queue()
ps = [multiprocessing.Process(target=worker, args=(q,)) for _ in range(clients)]
for p in ps: p.start()
results = [q.get() for _ in ps]
for p in ps: p.join()
print(sum(r[0] for r in results), sum(r[1] for r in results))
PY
}

await_sandbox # servers.txt: name role port pid …
SERVER_PIDS=($(awk '$1 ~ /^[mr][12]$/ {print $4}' "$WORK/sandbox/servers.txt"))
((${#SERVER_PIDS[@]} == 4)) || { echo "servers.txt does not list the four servers" >&2; exit 1; }

echo "warm-up ..."
TIME_SAVED=$TIME; TIME=5
for kind in $KINDS; do loop "$kind" "$PROXY_PORT" >/dev/null; loop "$kind" "$BASE_PORT" >/dev/null; done
TIME=$TIME_SAVED

per_conn() { # ticks connections -> µs per connection
  awk -v d="$1" -v u="$TICK_US" -v n="$2" 'BEGIN {if (n > 0) printf "%.0f", d * u / n; else print "-"}'
}
for kind in $KINDS; do
  printf '\n%s %s clients, connect + SELECT 1 + close, %s s per run, %s rounds\n' "$CLIENTS" "$kind" "$TIME" "$ROUNDS"
  printf '%-6s %-7s %14s %7s %18s %20s %24s\n' round target "connections/s" errors "proxy CPU µs/conn" \
    "servers CPU µs/conn" "client+rest CPU µs/conn"
  declare -A SUM=([direct]=0 [tandem]=0) BUSY=([direct]=0 [tandem]=0) PROXY=([tandem]=0)
  for r in $(seq 1 "$ROUNDS"); do
    order="direct tandem"; ((r % 2 == 0)) && order="tandem direct"
    for target in $order; do
      port=$([[ $target == direct ]] && echo "$BASE_PORT" || echo "$PROXY_PORT")
      p0=$(cpu_ticks "$SANDBOX_PID"); s0=$(cpu_ticks "${SERVER_PIDS[@]}"); b0=$(busy_ticks)
      read -r n errors < <(loop "$kind" "$port")
      dp=$(($(cpu_ticks "$SANDBOX_PID") - p0)); ds=$(($(cpu_ticks "${SERVER_PIDS[@]}") - s0)); db=$(($(busy_ticks) - b0))
      proxy=$(per_conn "$dp" "$n")
      servers=$(per_conn "$ds" "$n")
      rest=$(per_conn $((db - dp - ds)) "$n")
      [[ $target == direct ]] && proxy="-" # the proxy is idle then
      rate=$(awk -v n="$n" -v t="$TIME" 'BEGIN {printf "%.1f", n / t}')
      SUM[$target]=$(awk -v a="${SUM[$target]}" -v b="$rate" 'BEGIN {print a + b}')
      BUSY[$target]=$(awk -v a="${BUSY[$target]}" -v b="$(per_conn "$db" "$n")" 'BEGIN {print a + b}')
      [[ $target == tandem ]] && PROXY[tandem]=$(awk -v a="${PROXY[tandem]}" -v b="$proxy" 'BEGIN {print a + b}')
      printf '%-6s %-7s %14s %7s %18s %20s %24s\n' "$r" "$target" "$rate" "$errors" "$proxy" "$servers" "$rest"
    done
  done
  printf '%s: tandem / direct %s\n' "$kind" "$(awk -v a="${SUM[tandem]}" -v b="${SUM[direct]}" 'BEGIN {printf "%.2f", a / b}')"
  # The machine's busy CPU per connection bounds the rate its cores allow; through the proxy, the
  # client and the servers alone (the proxy's own share taken out) bound what any proxy could reach.
  printf '%s: busy CPU per connection, direct %s µs, through the proxy %s µs of which the proxy %s µs;' "$kind" \
    "$(awk -v a="${BUSY[direct]}" -v r="$ROUNDS" 'BEGIN {printf "%.0f", a / r}')" \
    "$(awk -v a="${BUSY[tandem]}" -v r="$ROUNDS" 'BEGIN {printf "%.0f", a / r}')" \
    "$(awk -v a="${PROXY[tandem]}" -v r="$ROUNDS" 'BEGIN {printf "%.0f", a / r}')"
  printf ' a proxy costing no CPU at all: at most %s × direct on these cores\n' \
    "$(awk -v d="${BUSY[direct]}" -v t="${BUSY[tandem]}" -v p="${PROXY[tandem]}" 'BEGIN {printf "%.2f", d / (t - p)}')"
done
