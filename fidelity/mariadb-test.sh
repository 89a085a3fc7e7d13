#!/usr/bin/env bash
# Fidelity: MariaDB's own regression tests (Debian package mariadb-test, `main` suite) run with
# `mariadb-test-run.pl --extern` directly against the sandbox's m1 and through Tandem, one test at
# a time (the `test` schema dropped and created again before each), and compared: a test is
# "identical" when its output through the proxy is byte for byte the output it gave directly.
# The outputs are compared with each other, not with the suite's .result files (those are the
# client package's version; the servers may be newer).
#
# Modes: split (the sandbox's config: read/write splitting, consistency: session) and master-only
# (read_write_split: false), each a proxy from a copy of the sandbox's config with a `root`
# account without password added (the tests open extra connections as root, as on a test server).
#
#   fidelity/mariadb-test.sh [--tests FILE] [--base-port P] [--port N] [--keep DIR]
#
# Prints one line per test and mode (identical / differs, lines of diff) and the totals; --keep
# copies every output and diff to DIR. Exit status 0 when every test is identical in both modes.
# Needs: mariadb-test, mariadb-client, sysbench (bench/sandbox.sh), perl.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TESTS="$ROOT/fidelity/main-tests.txt"
BASE_PORT=22306
PROXY_PORT=22033
KEEP=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --tests) TESTS="$2"; shift 2 ;;
    --base-port) BASE_PORT="$2"; shift 2 ;;
    --port) PROXY_PORT="$2"; shift 2 ;;
    --keep) KEEP="$2"; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
SUITE=/usr/share/mysql/mysql-test
[[ -f "$SUITE/mariadb-test-run.pl" ]] || { echo "mariadb-test not found: apt-get install mariadb-test" >&2; exit 2; }
source "$ROOT/bench/sandbox.sh"

# the suite finds the servers' files from where it is installed: it runs in place, and each test's
# .reject (written next to the test, or under the var directory when that is not writable) is
# taken away after the test
MT="$SUITE"

CONFIG="$WORK/sandbox/tandem.yaml"
declare -A PORT=([direct]=$BASE_PORT [split]=$((PROXY_PORT + 2)) [master-only]=$((PROXY_PORT + 3)))
for mode in split master-only; do
  file="$WORK/sandbox/tandem-$mode.yaml"
  split=$([[ $mode == master-only ]] && echo false || echo true)
  sed -e "/^listen:/,/^[a-z]/ s/^  port: [0-9]*\$/  port: ${PORT[$mode]}/" \
      -e "/^users:/a\\  - { name: root, password: \"\" }" \
      -e "/^metrics:/,/^[a-z]/ s/^  enabled: .*/  enabled: false/" \
      -e "/^admin:/,/^[a-z]/ s/^  port: .*/  port: 0/" \
      -e "s/^  read_write_split: .*/  read_write_split: $split/" \
      -e "s/^  automatic: true\$/  automatic: false/" \
      -e "s/^  journal: .*/  journal: tandem-failover-$mode.journal/" "$CONFIG" > "$file"
  "$ROOT/bin/tandem" run -c "$file" > "$WORK/proxy-$mode.log" 2>&1 &
  EXTRA_PIDS+=($!)
  for i in $(seq 1 120); do
    if (exec 3<>"/dev/tcp/127.0.0.1/${PORT[$mode]}") 2>/dev/null; then break; fi
    ((i < 120)) || { cat "$WORK/proxy-$mode.log" >&2; echo "the $mode proxy did not start" >&2; exit 1; }
    sleep 0.5
  done
done

root_m1() { "$SQL_CLIENT" -h127.0.0.1 -P"$BASE_PORT" -uroot --skip-ssl -e "$1"; }

# what mariadb-test-run.pl creates on servers it starts itself: tests call mtr.add_suppression()
root_m1 "CREATE DATABASE IF NOT EXISTS mtr;
  CREATE OR REPLACE PROCEDURE mtr.add_suppression(pattern VARCHAR(255)) BEGIN END"

# runs one test against a port; its output (the .reject, or the .result when it passed) goes to $3
run_test() { # test port out
  root_m1 "DROP DATABASE IF EXISTS test; CREATE DATABASE test"
  rm -f "$MT/main/$1.reject" "$WORK/var/log/$1.reject"
  (cd "$MT" && timeout 600 perl ./mariadb-test-run.pl --extern host=127.0.0.1 --extern port="$2" \
    --extern user=root --extern protocol=tcp --vardir="$WORK/var" --force --testcase-timeout=5 \
    "main.$1" > "$WORK/mtr.log" 2>&1) || true
  local reject
  for reject in "$MT/main/$1.reject" "$WORK/var/log/$1.reject"; do
    if [[ -f "$reject" ]]; then
      mv "$reject" "$3"
      return 0
    fi
  done
  if grep -qE "^main\.$1 +\[ pass" "$WORK/mtr.log"; then
    cp "$MT/main/$1.result" "$3"
    return 0
  fi
  { echo "(no output)"; grep -E "^main\.$1 |mysqltest:|ERROR" "$WORK/mtr.log" | head -5; } > "$3"
  return 1
}

mkdir -p "$WORK/out"
declare -A SAME=([split]=0 [master-only]=0)
n=0
printf '%-20s %-22s %-22s\n' test split master-only
while read -r t; do
  t="${t%%#*}"; t="${t// /}"
  [[ -n "$t" ]] || continue
  [[ -f "$MT/main/$t.test" ]] || { echo "$t: no such test in $SUITE/main" >&2; continue; }
  line=$(printf '%-20s' "$t")
  if ! run_test "$t" "${PORT[direct]}" "$WORK/out/$t.direct"; then
    echo "$line left out: it does not run to its end directly ($(grep -m1 'mysqltest:' "$WORK/out/$t.direct" | cut -c1-100))"
    continue
  fi
  n=$((n + 1))
  for mode in split master-only; do
    if ! run_test "$t" "${PORT[$mode]}" "$WORK/out/$t.$mode"; then
      verdict="no output"
    elif cmp -s "$WORK/out/$t.direct" "$WORK/out/$t.$mode"; then
      SAME[$mode]=$((SAME[$mode] + 1)); verdict="identical"
    else
      diff "$WORK/out/$t.direct" "$WORK/out/$t.$mode" > "$WORK/out/$t.$mode.diff" || true
      verdict="differs ($(grep -c '^[<>]' "$WORK/out/$t.$mode.diff") lines)"
    fi
    line="$line $(printf '%-22s' "$verdict")"
  done
  echo "$line"
done < "$TESTS"
printf '\n%s tests ran to their end directly; identical through the proxy: split %s, master-only %s\n' "$n" \
  "${SAME[split]}" "${SAME[master-only]}"
[[ -z "$KEEP" ]] || { mkdir -p "$KEEP"; cp "$WORK"/out/* "$KEEP"/; echo "outputs and diffs in $KEEP"; }
[[ ${SAME[split]} == "$n" && ${SAME[master-only]} == "$n" ]]
