#!/usr/bin/env bash
# JMH: the per-statement work of routing (io.tandem.router.split), one thread: what a session's
# router does when a command arrives and when its answer is complete, in ns per statement, for an
# execution and a text query through the read/write split (two eligible replicas, consistency:
# session) and an execution through the master-only router (the floor). End to end:
# bench/point-select.sh (split-on-m1 vs master-only).
#
#   bench/route.sh [--quick] [-- extra JMH arguments]
#
# Default run: 1 fork, 3 warm-up x 2 s, 5 measurements x 2 s per benchmark (about 1 minute).
# --quick: 1 warm-up x 1 s, 3 x 1 s. Needs Maven Central the first time (JMH 1.37).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/bench/jmh-options.sh"

cd "$ROOT"
echo "building and running the routing benchmark (JMH: $JMH_ARGS $EXTRA)" >&2
./mvnw -q -B -pl router -am -Pjmh -DskipTests verify \
  -Djmh.benchmark=io.tandem.router.split.bench.RouteBenchmark "-Djmh.args=$JMH_ARGS $EXTRA"
