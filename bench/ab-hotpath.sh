#!/usr/bin/env bash
# The in-cluster hot path of two builds side by side (issue 13: "no query slower"): each build
# serves the bench's generated snapshot on one pinned core (CPU 1) while dnsperf (CPU 0) runs
# the in-cluster mix; alternated ROUNDS times. Loopback only; every run is bounded by timeout.
# Usage: OLD=/path/to/old/checkout (built: dist/ and build/) bash bench/ab-hotpath.sh
# Needs the data of a bench run first (BENCH_DIR, default $TMPDIR/clusterdns-bench: bash bench/run.sh gen).
set -u
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
D="${BENCH_DIR:-${TMPDIR:-/tmp}/clusterdns-bench}/data"
OLD="${OLD:?OLD=checkout of the build to compare against}"
ROUNDS="${ROUNDS:-2}"
PORT="${PORT:-5601}"
run() { # label dir extra-args
  timeout 60 taskset -c 1 node "$2/dist/cli.js" serve --snapshot "$D/snapshot.yaml" --listen "127.0.0.1:$PORT" \
    --health off --ready off --metrics off --upstream 127.0.0.1:9 --workers 1 $3 >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do dig +time=1 +tries=1 @127.0.0.1 -p "$PORT" kubernetes.default.svc.cluster.local >/dev/null 2>&1 && break; sleep 0.2; done
  timeout 30 taskset -c 0 dnsperf -s 127.0.0.1 -p "$PORT" -d "$D/queries-incluster.txt" -c 16 -q 100 -T 1 -l 3 >/dev/null 2>&1
  echo "$1 $(timeout 30 taskset -c 0 dnsperf -s 127.0.0.1 -p "$PORT" -d "$D/queries-incluster.txt" -c 16 -q 100 -T 1 -l 6 2>&1 | awk '/Queries per second/ {print $4}') QPS"
  kill "$pid"; wait "$pid" 2>/dev/null
}
for _ in $(seq 1 "$ROUNDS"); do
  run old "$OLD" ""
  run new "$ROOT" ""
  run new-no-loadbalance "$ROOT" "--no-loadbalance"
done
