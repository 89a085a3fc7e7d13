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
source "$ROOT/bench/jmh-options.sh"

cd "$ROOT"
echo "building and running the metrics benchmark (JMH: $JMH_ARGS $EXTRA)" >&2
./mvnw -q -B -pl admin -am -Pjmh -DskipTests verify "-Djmh.args=$JMH_ARGS $EXTRA"
