#!/usr/bin/env bash
# Short connections: N parallel clients (PyMySQL, one process each) loop connect + SELECT 1 +
# close, directly against m1 and through Tandem, alternating, in the same run on the sandbox
# topology. Prints connections/s of each and the ratio (proxy / direct). Through the proxy, a
# login is authenticated by the proxy and served by a pooled, already authenticated server
# connection (a login naming a schema checks it on one and gives it back), so a server login is
# not paid per client connection.
#
#   bench/short-connections.sh [--time SECONDS] [--clients N] [--rounds R] [--base-port P] [--port N]
#
# Needs: python3-pymysql for /usr/bin/python3, sysbench and mariadb-client.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TIME=15
CLIENTS=8
ROUNDS=2
BASE_PORT=33506
PROXY_PORT=16233
while [[ $# -gt 0 ]]; do
  case "$1" in
    --time) TIME="$2"; shift 2 ;;
    --clients) CLIENTS="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --base-port) BASE_PORT="$2"; shift 2 ;;
    --port) PROXY_PORT="$2"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
PYTHON=/usr/bin/python3
"$PYTHON" -c 'import pymysql' 2>/dev/null ||
  { echo "PyMySQL not found for $PYTHON: apt-get install python3-pymysql" >&2; exit 2; }
source "$ROOT/bench/sandbox.sh"

cpu_ticks() { # pid -> utime + stime in clock ticks
  sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'
}
TICK_US=$((1000000 / $(getconf CLK_TCK)))

loop() { # port -> total connections made by CLIENTS processes in TIME seconds
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

echo "warm-up ..."
TIME_SAVED=$TIME; TIME=5; loop "$PROXY_PORT" >/dev/null; loop "$BASE_PORT" >/dev/null; TIME=$TIME_SAVED

printf '\n%s clients, connect + SELECT 1 + close, %s s per run, %s rounds\n' "$CLIENTS" "$TIME" "$ROUNDS"
printf '%-8s %-8s %14s %8s %18s\n' round target "connections/s" errors "proxy CPU µs/conn"
declare -A SUM=([direct]=0 [tandem]=0)
for r in $(seq 1 "$ROUNDS"); do
  order="direct tandem"; ((r % 2 == 0)) && order="tandem direct"
  for target in $order; do
    port=$([[ $target == direct ]] && echo "$BASE_PORT" || echo "$PROXY_PORT")
    t0=$(cpu_ticks "$SANDBOX_PID")
    read -r n errors < <(loop "$port")
    cpu="-"
    [[ $target == tandem ]] && cpu=$(awk -v d=$(($(cpu_ticks "$SANDBOX_PID") - t0)) -v u="$TICK_US" -v n="$n" \
      'BEGIN {printf "%.0f", d * u / n}')
    rate=$(awk -v n="$n" -v t="$TIME" 'BEGIN {printf "%.1f", n / t}')
    SUM[$target]=$(awk -v a="${SUM[$target]}" -v b="$rate" 'BEGIN {print a + b}')
    printf '%-8s %-8s %14s %8s %18s\n' "$r" "$target" "$rate" "$errors" "$cpu"
  done
done
printf 'tandem / direct: %s\n' "$(awk -v a="${SUM[tandem]}" -v b="${SUM[direct]}" 'BEGIN {printf "%.2f", a / b}')"
