#!/usr/bin/env bash
# node:dgram against the batched native UDP addon (issue 6), with Knot DNS and the bare Node.js
# echo server as the reference points, under dnsperf on one core: server(s) pinned to
# SERVER_CPU, dnsperf to PERF_CPU. Results and method: bench/micro/README.md.
#
#   bash bench/micro/fast-udp.sh            # all servers, RUNS interleaved rounds, medians
#   SERVERS="micro-dgram micro-native" RUNS=5 bash bench/micro/fast-udp.sh
#
# Servers (each on its own port, all started first, warmed up, then measured round-robin so
# that load from other users of the machine spreads over all of them):
#   knot               Knot DNS serving the generated cluster (recvmmsg/sendmmsg, 1 UDP worker)
#   nodeecho           ../shared/bench/node_echo.js: dgram echo, Node's UDP ceiling
#   micro-dgram        fast-udp-responder.js dgram: the echo handler behind UdpListener
#   micro-native       fast-udp-responder.js native: the echo handler behind FastUdpListener
#   clusterdns-dgram   the real server, serving the generated snapshot, with node:dgram
#   clusterdns-native  the same with the native addon
# The clusterdns pair runs `node $CLUSTERDNS_ROOT/dist/cli.js serve ...` with
# $CLUSTERDNS_DGRAM_ARGS (default --no-native-udp) or with env $CLUSTERDNS_NATIVE_ENV and
# $CLUSTERDNS_NATIVE_ARGS (default none) added.
#
# Environment: DATA [/tmp/clusterdns-bench/data] (made by `node bench/gen-cluster.mjs --out
# DATA` when missing), MIX [incluster], DURATION [8] s per run, WARMUP [5] s, RUNS [3],
# CLIENTS [16], OUTSTANDING [100], SERVER_CPU [1], PERF_CPU [0], PORT_BASE [5460].
# Everything binds 127.0.0.1; every process started here is stopped by its PID on exit.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SHARED_BENCH=${SHARED_BENCH:-$ROOT/../shared/bench}
DATA=${DATA:-/tmp/clusterdns-bench/data}
MIX=${MIX:-incluster}
DURATION=${DURATION:-8}
WARMUP=${WARMUP:-5}
RUNS=${RUNS:-3}
CLIENTS=${CLIENTS:-16}
OUTSTANDING=${OUTSTANDING:-100}
SERVER_CPU=${SERVER_CPU:-1}
PERF_CPU=${PERF_CPU:-0}
PORT_BASE=${PORT_BASE:-5460}
SERVERS=${SERVERS:-knot nodeecho micro-dgram micro-native clusterdns-dgram clusterdns-native}
CLUSTERDNS_ROOT=${CLUSTERDNS_ROOT:-$ROOT}
CLUSTERDNS_DGRAM_ARGS=${CLUSTERDNS_DGRAM_ARGS---no-native-udp}
CLUSTERDNS_NATIVE_ARGS=${CLUSTERDNS_NATIVE_ARGS:-}
CLUSTERDNS_NATIVE_ENV=${CLUSTERDNS_NATIVE_ENV:-}
ADDR=127.0.0.1
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fast-udp-bench.XXXXXX")

die() { echo "fast-udp.sh: $*" >&2; exit 1; }
for c in dnsperf dig taskset node; do command -v "$c" >/dev/null || die "needs $c"; done
QUERIES="$DATA/queries-$MIX.txt"
if [ ! -f "$QUERIES" ]; then
    node "$ROOT/bench/gen-cluster.mjs" --out "$DATA" >/dev/null || die "could not generate $DATA"
fi
[ -f "$QUERIES" ] || die "no $QUERIES"
[ -f "$ROOT/build/Release/clusterdns_udp.node" ] || die "the native addon is not built (npm ci, or npm run install)"
[ -f "$ROOT/dist/server/fast-udp.js" ] || die "dist/ is not built (npm run build)"

declare -A PID=() PORT=()
cleanup() {
    local n
    for n in "${!PID[@]}"; do kill "${PID[$n]}" 2>/dev/null || true; done
    sleep 0.3
    for n in "${!PID[@]}"; do kill -9 "${PID[$n]}" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

knot_conf() { # port -> $WORK/knot/knot.conf
    mkdir -p "$WORK/knot/db"
    {
        printf 'server:\n    rundir: "%s"\n    pidfile: "%s/knot.pid"\n' "$WORK/knot" "$WORK/knot"
        printf '    listen: %s@%s\n    udp-workers: 1\n    tcp-workers: 1\n    background-workers: 1\n' "$ADDR" "$1"
        printf 'control:\n    listen: "%s/knot.sock"\ndatabase:\n    storage: "%s/db"\n' "$WORK/knot" "$WORK/knot"
        printf 'log:\n  - target: stderr\n    any: error\ntemplate:\n  - id: default\n    storage: "%s/zones"\n' "$DATA"
        printf '    file: "%%s.zone"\n    zonefile-sync: -1\n    zonefile-load: whole\n    journal-content: none\nzone:\n'
        cat "$DATA/zones.cluster" "$DATA/zones.external" | sed 's/^/  - domain: /'
    } >"$WORK/knot/knot.conf"
}

start() { # name port
    local n=$1 p=$2 lf="$WORK/$1.log"
    case "$n" in
    knot) knot_conf "$p"; set -- knotd -c "$WORK/knot/knot.conf" ;;
    nodeecho) set -- node "$SHARED_BENCH/node_echo.js" "$p" 0 ;;
    micro-dgram) set -- node "$HERE/fast-udp-responder.js" dgram "$p" ;;
    micro-native) set -- node "$HERE/fast-udp-responder.js" native "$p" ;;
    clusterdns-dgram)
        # shellcheck disable=SC2086
        set -- node "$CLUSTERDNS_ROOT/dist/cli.js" serve --snapshot "$DATA/snapshot.yaml" --listen "$ADDR:$p" \
            --health off --ready off --metrics off --upstream "$ADDR:9" $CLUSTERDNS_DGRAM_ARGS ;;
    clusterdns-native)
        # shellcheck disable=SC2086
        set -- env $CLUSTERDNS_NATIVE_ENV node "$CLUSTERDNS_ROOT/dist/cli.js" serve --snapshot "$DATA/snapshot.yaml" \
            --listen "$ADDR:$p" --health off --ready off --metrics off --upstream "$ADDR:9" $CLUSTERDNS_NATIVE_ARGS ;;
    *) die "unknown server $n" ;;
    esac
    taskset -c "$SERVER_CPU" "$@" >"$lf" 2>&1 &
    PID[$n]=$!
    PORT[$n]=$p
    local name type t=0
    read -r name type <"$QUERIES"
    until dig @$ADDR -p "$p" +tries=1 +time=1 "$name" "$type" 2>/dev/null | grep -q 'status: NOERROR'; do
        t=$((t + 1))
        [ $t -lt 100 ] || { cat "$lf" >&2; die "$n did not answer on port $p"; }
        kill -0 "${PID[$n]}" 2>/dev/null || { cat "$lf" >&2; die "$n exited"; }
        sleep 0.1
    done
}

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# run NAME SECONDS -> "qps lost completed us_per_query"
run() {
    local n=$1 d=$2 out="$WORK/dnsperf.$1.txt" t0 t1
    t0=$(ticks "${PID[$n]}")
    taskset -c "$PERF_CPU" dnsperf -s $ADDR -p "${PORT[$n]}" -d "$QUERIES" -l "$d" -c "$CLIENTS" -q "$OUTSTANDING" >"$out" 2>&1 || true
    t1=$(ticks "${PID[$n]}")
    awk -v dt=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" '
        /Queries completed:/ { c = $3 } /Queries lost:/ { l = $3 } /Queries per second:/ { q = $4 }
        END { printf "%.0f %d %d %.2f\n", q, l, c, (c > 0 ? dt / hz * 1e6 / c : 0) }' "$out"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

echo "# fast-udp: $(date -u +%FT%TZ), $(nproc) CPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), node $(node -v), $(uname -r)"
echo "# dnsperf -c $CLIENTS -q $OUTSTANDING -l $DURATION, mix $MIX, server on CPU $SERVER_CPU, dnsperf on CPU $PERF_CPU, $RUNS round(s), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
i=0
for n in $SERVERS; do
    start "$n" $((PORT_BASE + i))
    i=$((i + 1))
    run "$n" "$WARMUP" >/dev/null
done
declare -A QPS=() LOST=() CPU=()
for r in $(seq 1 "$RUNS"); do
    for n in $SERVERS; do
        read -r q l _ us < <(run "$n" "$DURATION")
        QPS[$n]="${QPS[$n]:-} $q"
        LOST[$n]="${LOST[$n]:-} $l"
        CPU[$n]="${CPU[$n]:-} $us"
        echo "round $r  $n  qps=$q lost=$l server_us_per_query=$us" >&2
    done
done
knot_qps=""
[[ " $SERVERS " == *" knot "* ]] && knot_qps=$(tr ' ' '\n' <<<"${QPS[knot]}" | grep . | median)
printf '\n| server | QPS runs | QPS median | vs Knot | lost (median) | server µs/query (median) |\n|---|---|---:|---:|---:|---:|\n'
for n in $SERVERS; do
    q=$(tr ' ' '\n' <<<"${QPS[$n]}" | grep . | median)
    vs=""; [ -n "$knot_qps" ] && vs=$(awk -v a="$q" -v b="$knot_qps" 'BEGIN { printf "%.2fx", a / b }')
    printf '| %s | %s | %s | %s | %s | %s |\n' "$n" "$(echo ${QPS[$n]} | tr ' ' '/')" "$q" "$vs" \
        "$(tr ' ' '\n' <<<"${LOST[$n]}" | grep . | median)" "$(tr ' ' '\n' <<<"${CPU[$n]}" | grep . | median)"
done
[ -z "${PID[micro-native]:-}" ] || { kill "${PID[micro-native]}"; sleep 0.3; grep counters "$WORK/micro-native.log" || true; unset 'PID[micro-native]'; }
