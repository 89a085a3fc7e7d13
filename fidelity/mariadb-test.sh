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
# account without password added (the tests open extra connections as root, as on a test server)
# and idle pooled connections closed after 1 s (tests that wait for the server's session count to
# drop back after their extra connections leave would otherwise wait for the pool's idle timeout).
#
#   fidelity/mariadb-test.sh [--tests FILE] [--base-port P] [--port N] [--keep DIR]
#
# Prints one line per test and mode (identical / documented difference / differs, lines of diff)
# and the totals; --keep copies every output and diff to DIR. A documented difference is one
# inherent to a proxy: each hunk of the diff is one in fidelity/accepted/<test>.<mode>.diff (each
# line a regular expression the diff's line must match), whose reason the
# README's Fidelity section gives. Exit status 0 when every test is identical, or differs only as
# documented, in both modes.
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
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
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
# tests name files relative to the server's data directory, as on mtr's own servers
# (../../std_data/…, ../../tmp/…): m1 finds mtr's copies there
ln -sfn "$WORK/var/std_data" "$WORK/sandbox/std_data"
ln -sfn "$WORK/var/tmp" "$WORK/sandbox/tmp"

CONFIG="$WORK/sandbox/tandem.yaml"
declare -A PORT=([direct]=$BASE_PORT [split]=$((PROXY_PORT + 2)) [master-only]=$((PROXY_PORT + 3)))
for mode in split master-only; do
  file="$WORK/sandbox/tandem-$mode.yaml"
  split=$([[ $mode == master-only ]] && echo false || echo true)
  sed -e "/^listen:/,/^[a-z]/ s/^  port: [0-9]*\$/  port: ${PORT[$mode]}/" \
      -e "/^users:/a\\  - { name: root, password: \"\" }" \
      -e "/^metrics:/,/^[a-z]/ s/^  enabled: .*/  enabled: false/" \
      -e "/^pool:/,/^[a-z]/ s/^  idle_timeout: .*/  idle_timeout: 1s/" \
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

root_m1() { "$SQL_CLIENT" -h127.0.0.1 -P"$BASE_PORT" -uroot --skip-ssl "${@:2}" -e "$1"; }

# what mariadb-test-run.pl creates on servers it starts itself: tests call mtr.add_suppression()
root_m1 "CREATE DATABASE IF NOT EXISTS mtr;
  CREATE OR REPLACE PROCEDURE mtr.add_suppression(pattern VARCHAR(255)) BEGIN END"

# global variables as they were before any test: each run's leftovers are set back (a test that
# stops early skips its own clean-up; through the proxy it would otherwise start differently)
globals() { root_m1 "SHOW GLOBAL VARIABLES" --batch --skip-column-names | grep -vE '^gtid_' || true; }
globals > "$WORK/globals.before"
restore_globals() {
  local name value
  globals > "$WORK/globals.now"
  while IFS=$'\t' read -r name value; do
    if [[ "$value" =~ ^-?[0-9]+(\.[0-9]+)?$ || "$value" =~ ^(ON|OFF)$ ]]; then
      root_m1 "SET GLOBAL $name = $value" 2>/dev/null || true
    else
      root_m1 "SET GLOBAL $name = '${value//\'/\'\'}'" 2>/dev/null || true
    fi
    echo "  (set back: global $name)" >> "$WORK/restored.log"
  done < <(awk -F'\t' 'NR == FNR {changed[$1]; next} $1 in changed' \
    <(comm -13 <(sort "$WORK/globals.before") <(sort "$WORK/globals.now") | cut -f1) "$WORK/globals.before")
}

# runs one test against a port and writes its output to $3. Status 0: it ran to its end (its
# .reject, or its .result when it passed); 1: it stopped at an unexpected error (its output up to
# there, then mysqltest's message); 2: no output (what mtr said instead)
run_test() { # test port out
  root_m1 "DROP DATABASE IF EXISTS test; CREATE DATABASE test"
  rm -f "$MT/main/$1.reject" "$WORK/var/log/$1.reject" "$WORK/var/log/$1.log"
  rm -rf "$WORK/var/tmp/"* # files a test that stopped early did not remove
  (cd "$MT" && timeout 600 perl ./mariadb-test-run.pl --extern host=127.0.0.1 --extern port="$2" \
    --extern user=root --extern protocol=tcp --vardir="$WORK/var" --force --testcase-timeout=5 \
    "main.$1" > "$WORK/mtr.log" 2>&1) || true
  restore_globals
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
  if grep -q '^mysqltest: ' "$WORK/mtr.log" && [[ -f "$WORK/var/log/$1.log" ]]; then
    # the message: "mysqltest: At line N: …", or "mysqltest: In included file …" down to its "At line N: …"
    { cat "$WORK/var/log/$1.log"; awk '/^mysqltest: / {p = 1} p {print; if (/At line [0-9]+:/) exit}' \
      "$WORK/mtr.log"; } > "$3"
    return 1
  fi
  { echo "(no output)"; grep -E "^main\.$1 |mysqltest:|ERROR" "$WORK/mtr.log" | head -5; } > "$3"
  return 2
}

# whether a diff is a documented one: the accepted file's hunks (a hunk: a line such as 12c12 and
# the lines after it), each line of the diff matching the regular expression on the same line of the
# accepted file (a connection id differs from run to run); or, when every hunk of the diff changes
# lines in place (12c12: as many lines out as in), each of them one of the accepted hunks, so
# differences that come and go independently (statistics estimates of different statements) may
# show alone. A hunk that only adds or deletes lines is accepted only with the whole accepted diff.
documented() { # diff accepted
  [[ -f "$2" && -s "$1" ]] || return 1
  perl -e '
    sub hunks { # file -> its hunks, each a list of lines; a hunk starts at a line not <, > or ---
      open my $f, "<", $_[0] or die "$_[0]: $!";
      my @h;
      while (my $l = <$f>) {
        chomp $l;
        push @h, [] unless @h && $l =~ /^(<|>|---)/;
        push @{$h[-1]}, $l;
      }
      return @h;
    }
    sub matches { # hunk of the diff, accepted hunk
      my ($got, $re) = @_;
      return 0 unless @$got == @$re;
      for my $i (0 .. $#$got) {
        return 0 unless $got->[$i] =~ /^(?:$re->[$i])$/;
      }
      return 1;
    }
    my @got = hunks($ARGV[0]);
    my @accepted = hunks($ARGV[1]);
    if (@got == @accepted && !grep { !matches($got[$_], $accepted[$_]) } 0 .. $#got) {
      exit 0;
    }
    for my $g (@got) {
      exit 1 unless $g->[0] =~ /^[0-9]+(,[0-9]+)?c[0-9]+(,[0-9]+)?$/;
      exit 1 unless grep { matches($g, $_) } @accepted;
    }
    exit 0;' "$1" "$2"
}

mkdir -p "$WORK/out"
declare -A SAME=([split]=0 [master-only]=0) ACCEPTED=([split]=0 [master-only]=0)
n=0 partial=0
printf '%-24s %-10s %-24s %-24s\n' test directly split master-only
while read -r t; do
  t="${t%%#*}"; t="${t// /}"
  [[ -n "$t" ]] || continue
  [[ -f "$MT/main/$t.test" ]] || { echo "$t: no such test in $SUITE/main" >&2; continue; }
  line=$(printf '%-24s' "$t")
  status=0
  run_test "$t" "${PORT[direct]}" "$WORK/out/$t.direct" || status=$?
  if ((status == 2)); then
    echo "$line left out: no output directly ($(grep -m1 -E 'mysqltest:|\[ (fail|skipped) \]' "$WORK/out/$t.direct" |
      cut -c1-100))"
    continue
  fi
  n=$((n + 1))
  if ((status == 1)); then
    partial=$((partial + 1)); line="$line $(printf '%-10s' "stops")"
  else
    line="$line $(printf '%-10s' "ends")"
  fi
  for mode in split master-only; do
    run_test "$t" "${PORT[$mode]}" "$WORK/out/$t.$mode" || true
    if cmp -s "$WORK/out/$t.direct" "$WORK/out/$t.$mode"; then
      SAME[$mode]=$((SAME[$mode] + 1)); verdict="identical"
    else
      diff "$WORK/out/$t.direct" "$WORK/out/$t.$mode" > "$WORK/out/$t.$mode.diff" || true
      if documented "$WORK/out/$t.$mode.diff" "$ROOT/fidelity/accepted/$t.$mode.diff"; then
        ACCEPTED[$mode]=$((ACCEPTED[$mode] + 1)); verdict="documented difference"
      else
        verdict="differs ($(grep -c '^[<>]' "$WORK/out/$t.$mode.diff") lines)"
      fi
    fi
    line="$line $(printf '%-24s' "$verdict")"
  done
  echo "$line"
done < "$TESTS"
printf '\n%s tests compared (%s run to their end directly, %s stop at an error there: compared up to it)\n' "$n" \
  "$((n - partial))" "$partial"
printf 'identical through the proxy: split %s, master-only %s; with a documented difference only' "${SAME[split]}" \
  "${SAME[master-only]}"
printf ' (fidelity/accepted): split %s, master-only %s\n' "${ACCEPTED[split]}" "${ACCEPTED[master-only]}"
[[ ! -s "$WORK/restored.log" ]] || { echo "global variables set back after runs:"; sort -u "$WORK/restored.log"; }
[[ -z "$KEEP" ]] || { mkdir -p "$KEEP"; cp "$WORK"/out/* "$KEEP"/; echo "outputs and diffs in $KEEP"; }
[[ $((SAME[split] + ACCEPTED[split])) == "$n" && $((SAME[master-only] + ACCEPTED[master-only])) == "$n" ]]
