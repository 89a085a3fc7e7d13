# Sourced by the bench scripts: starts `bin/tandem sandbox` in a scratch directory and stops it
# (and anything registered in EXTRA_PIDS) on exit. Needs ROOT, BASE_PORT and PROXY_PORT set.
# Sets WORK (the scratch directory), SB (sysbench's common arguments, user app, schema sbtest)
# and SQL_CLIENT (mariadb or mysql); defines sql (a statement on one server) and await_sandbox.

command -v sysbench >/dev/null || { echo "sysbench not found: apt-get install sysbench" >&2; exit 2; }
SQL_CLIENT="$(command -v mariadb || command -v mysql || true)"
[[ -n "$SQL_CLIENT" ]] || { echo "mariadb client not found: apt-get install mariadb-client" >&2; exit 2; }

WORK="$(mktemp -d /tmp/tandem-bench.XXXXXX)"
SANDBOX_PID=""
EXTRA_PIDS=()
cleanup() {
  for pid in "${EXTRA_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [[ -n "$SANDBOX_PID" ]]; then
    kill "$SANDBOX_PID" 2>/dev/null || true
    wait "$SANDBOX_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "starting the sandbox (m1 on $BASE_PORT, proxy on $PROXY_PORT) ..."
# the admin port and the metrics port are picked free (the banner in sandbox.log names them), so a
# bench runs next to a sandbox on the default ports
TANDEM_SANDBOX_DIR="$WORK/sandbox" "$ROOT/bin/tandem" sandbox --base-port "$BASE_PORT" --port "$PROXY_PORT" \
  --admin-port 0 --metrics-port 0 --dir "$WORK/sandbox" > "$WORK/sandbox.log" 2>&1 &
SANDBOX_PID=$!
for _ in $(seq 1 240); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$PROXY_PORT") 2>/dev/null; then break; fi
  kill -0 "$SANDBOX_PID" 2>/dev/null || { cat "$WORK/sandbox.log"; echo "sandbox failed" >&2; exit 1; }
  sleep 0.5
done

SB=(sysbench --db-driver=mysql --mysql-host=127.0.0.1 --mysql-user=app --mysql-password=app
    --mysql-db=sbtest --tables=4 --table-size=10000 --mysql-ssl=off)
"$SQL_CLIENT" -h127.0.0.1 -P"$PROXY_PORT" -uapp -papp --skip-ssl -e "CREATE DATABASE IF NOT EXISTS sbtest"

# sql PORT STATEMENT: runs a statement as root directly on a sandbox server, prints the value
sql() {
  "$SQL_CLIENT" -h127.0.0.1 -P"$1" -uroot --skip-ssl -N -B -e "$2"
}

# After the proxy's port opened (above): waits for the banner and for servers.txt.
await_sandbox() {
  local list="$WORK/sandbox/servers.txt"
  for _ in $(seq 1 120); do
    if grep -q "Tandem sandbox is up" "$WORK/sandbox.log" 2>/dev/null &&
       [[ -f "$list" ]] && grep -q '^m1 ' "$list" && grep -q '^m2 ' "$list"; then
      return 0
    fi
    sleep 0.25
  done
  cat "$WORK/sandbox.log" >&2
  echo "the sandbox did not print its banner and server list within 30 s" >&2
  exit 1
}
