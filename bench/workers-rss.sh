#!/usr/bin/env bash
# Issue 13 item 3: total RSS of `clusterdns serve --workers N` (all threads of the one process;
# children too, if any) at 10,000 Services / 150,000 endpoints, after the first answer, 2,000
# queries from 200 source ports (so every thread memo holds answers) and 20 s idle.
# Usage: bash bench/workers-rss.sh [WORKERS...]   (default: 1 2). Loopback only.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="${TMPDIR:-/tmp}/clusterdns-workers-rss"
PORT="${PORT:-5477}"
[ -f "$DIR/snapshot.json" ] || timeout 600 node "$ROOT/bench/gen-cluster.mjs" --out "$DIR" --snapshot-only --format json \
  --namespaces 100 --services 10000 --headless 0 --service-endpoints 15 --externals 0 --dual-stack-every 0 >&2
name=$(node -e "console.log(require('$DIR/summary.json').knownName)")
rss_tree() { # pid -> kB: VmRSS of the process and its descendants
  local total=0 p
  for p in $1 $(pgrep -P "$1" || true); do total=$((total + $(awk '/^VmRSS/ {print $2}' "/proc/$p/status"))); done
  echo "$total"
}
for w in "${@:-1 2}"; do
  for n in $w; do
    node $(cat "$ROOT/manifests/node-flags") "$ROOT/dist/cli.js" serve --snapshot "$DIR/snapshot.json" --listen "127.0.0.1:$PORT" --workers "$n" \
      --health off --ready off --metrics off --upstream 127.0.0.1:9 --lame-duck 0 >"$DIR/log-$n.txt" 2>&1 &
    pid=$!
    start=$(date +%s.%N)
    until dig +time=1 +tries=1 +short @127.0.0.1 -p "$PORT" "$name" 2>/dev/null | grep -q .; do sleep 0.05; done
    first=$(echo "$(date +%s.%N) - $start" | bc)
    node -e "
      const dgram = require('dgram');
      let left = 200;
      for (let s = 0; s < 200; s++) {
        const c = dgram.createSocket('udp4'); let got = 0;
        const q = (i) => { const b = Buffer.alloc(512); /* built below */ };
        c.on('message', () => { if (++got === 10) { c.close(); if (--left === 0) process.exit(0); } });
        c.bind(0, '127.0.0.1', () => { for (let i = 0; i < 10; i++) c.send(require('$ROOT/node_modules/dns-packet').encode({ type: 'query', id: i, questions: [{ name: 'svc-' + (s * 10 + i) % 100 + '.ns-' + (s % 100) + '.svc.cluster.local', type: 'A' }] }), $PORT, '127.0.0.1'); });
      }
      setTimeout(() => process.exit(0), 10000);"
    sleep 20
    echo "workers=$n first_answer_s=$first rss_kB=$(rss_tree $pid) threads=$(ls /proc/$pid/task | wc -l) children=$(pgrep -P $pid | wc -l)"
    kill "$pid"; wait "$pid" || true
  done
done
