#!/usr/bin/env bash
# JMH throughput of the statement classifier (router, io.tandem.router.classify), one thread, one
# statement per operation: prints statements/s per core for cache hits (the steady state), cache
# misses (every statement parsed by JSqlParser), keyword-scan statements and the digest alone.
# Target: >= 1 M statements/s per core on cache hits.
#
#   bench/classify.sh [--quick] [-- extra JMH arguments]
#
# Default run: 1 fork, 3 warm-up x 2 s, 5 measurements x 2 s per benchmark (about 1 minute).
# --quick: 1 warm-up x 1 s, 3 x 1 s. Needs Maven Central the first time (JMH 1.37).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/bench/jmh-options.sh"

OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
JSON="$OUT/classify.json"

cd "$ROOT"
echo "building and running the classifier benchmark (JMH: $JMH_ARGS $EXTRA)" >&2
./mvnw -q -B -pl router -am -Pjmh -DskipTests verify \
  "-Djmh.args=$JMH_ARGS -rf json -rff $JSON $EXTRA" >&2

if ! command -v python3 >/dev/null; then
  echo "python3 not found: see the JMH table above" >&2
  exit 0
fi
python3 - "$JSON" <<'PY'
import json, sys
labels = {
    "cacheHit": "cache hits",
    "cacheMiss": "cache misses (parse)",
    "keywordScan": "keyword scan",
    "digestOnly": "digest only",
}
rows = json.load(open(sys.argv[1]))
print()
print("Statement classifier, 1 thread (statements/s per core):")
for r in rows:
    name = r["benchmark"].rsplit(".", 1)[-1]
    m = r["primaryMetric"]
    err = m.get("scoreError")
    err = "" if err is None or err != err else " ± %.0f" % err
    print("  %-22s %14.0f%s" % (labels.get(name, name), m["score"], err))
hits = [r for r in rows if r["benchmark"].endswith(".cacheHit")]
if hits:
    score = hits[0]["primaryMetric"]["score"]
    print("  target on cache hits: >= 1,000,000 -> %s" % ("met" if score >= 1e6 else "NOT met"))
PY
