#!/usr/bin/env bash
# JMH: what counting costs per relayed command on the hot path (admin, io.tandem.admin.metrics):
# commandDone, the backend's bytes both ways and the statement digest with metrics on, against
# metrics off (ProxyMetrics.NONE); two threads count at once, as two event loops do. Prints ns per
# command for each. bench/point-select.sh measures the same end to end (metrics on vs off).
#
#   bench/metrics.sh [--quick] [-- extra JMH arguments]
#
# Default run: 1 fork, 3 warm-up x 2 s, 5 measurements x 2 s per benchmark (about 30 s).
# --quick: 1 warm-up x 1 s, 3 x 1 s. Needs Maven Central the first time (JMH 1.37).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JMH_ARGS="-f 1 -wi 3 -w 2s -i 5 -r 2s"
EXTRA=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) JMH_ARGS="-f 1 -wi 1 -w 1s -i 3 -r 1s"; shift ;;
    --) shift; EXTRA="$*"; break ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

cd "$ROOT"
echo "building and running the metrics benchmark (JMH: $JMH_ARGS $EXTRA)" >&2
./mvnw -q -B -pl admin -am -Pjmh -DskipTests verify "-Djmh.args=$JMH_ARGS $EXTRA"
