#!/usr/bin/env bash
# bench/run.sh - clusterdns against Knot DNS and dnsmasq on the same synthetic cluster,
# loaded with dnsperf over loopback (`npm run bench`). See bench/README.md.
#
#   bench/run.sh [all]     deps, machine, gen, perf (answer check first), memory, table
#   bench/run.sh deps      check (and as root install) dnsperf, knotd, dnsmasq, dig
#   bench/run.sh machine   print CPU model, cores, kernel, versions
#   bench/run.sh gen       generate the cluster, zones, dnsmasq config and query files
#   bench/run.sh check     start every server, check answers, stop (exit 1 on a mismatch)
#   bench/run.sh perf      gen + per core setting: start, check, warm up, measure, stop
#   bench/run.sh memory    10k services / 150k endpoints: start-up time and RSS
#   bench/run.sh churn     the API source (fake API server, list+watch) with EndpointSlice
#                          updates at CHURN_RATES/s while dnsperf runs the in-cluster mix:
#                          QPS, p99 and programming latency per rate (issue 11)
#   bench/run.sh table [CSV]  print the table of a results CSV (default: the latest)
#   bench/run.sh stop      stop everything this script started (by recorded PID)
#
# Knobs (environment; defaults in brackets, QUICK=1 values after the slash):
#   QUICK [0]             smoke test: short runs, one repetition, small memory test
#   DURATION [10/3]       seconds per dnsperf run      WARMUP [10/3] seconds of warm-up per server
#   RUNS [2/1]            measured runs per server, mix and core setting (interleaved)
#   LATENCY [1]           also run each at half its max QPS (-Q) with -v for p50/p99
#   CLIENTS [16] OUTSTANDING [100] THREADS [1]   dnsperf -c / -q / -T
#   SERVERS ["clusterdns clusterdns-ap knot dnsmasq"]  MIXES ["incluster storm autopath external"]
#   CORES ["1 2"]         add "nodeecho" for the ceiling of Node.js itself: the echo
#                         responder of ../shared/bench/node_echo.js (answers nothing).
#                         clusterdns-ap is clusterdns with --autopath (issue 12): it runs the
#                         autopath mix only, and only it runs that mix; clusterdns-cf is
#                         clusterdns served from kubeadm's Corefile (issue 9), one worker
#   QUERIES [100000]      lines per query file
#   SERVER_CPU [1] PERF_CPU [0]   CPUs for the one-core setting (taskset)
#   PORT_BASE [5410]      knot +1, clusterdns +2, dnsmasq +3, nodeecho +4, clusterdns-ap +5, clusterdns-cf +10,
#                         churn control +6, churn metrics +7, memory test +8, upstream +9
#   MEM [1]  MEM_SERVICES [10000/2000]  MEM_ENDPOINTS [150000/30000]  MEM_NAMESPACES [100]
#   MEM_FORMAT [yaml]     snapshot format of the memory test (yaml or json)
#   CHURN [1]             run the churn stage in `all`
#   CHURN_RATES ["0 50 200 1000"]  EndpointSlice updates per second, one run each (0 first:
#                         the ratios are to it)   CHURN_HEADLESS [500]  headless Services
#   CHURN_LATENCY [1]     also run each rate at half the 0/s max QPS (-Q, -v) for p50/p99
#   CHURN_WORKERS [1]     clusterdns --workers in the churn stage (pinned to SERVER_CPU)
#   CHURN_API_CPU [perf]  where the fake API server runs: perf = on dnsperf's CPU (its CPU is
#                         load dnsperf cannot generate), server = on clusterdns's CPU (the
#                         server pays for it). With two CPUs there is no third place.
#   START_TIMEOUT [120]   seconds a server may take to answer its first query
#   QUIET_WAIT [30/0] QUIET_MAX_PCT [15]   before each run wait (bounded) for an idle box
#   STRICT [0]            exit 1 when clusterdns fails the answer check (else report, go on)
#   BUILD [auto]          auto: `npm run build` when dist/ is missing or older than src/;
#                         1: always; 0: never
#   CLUSTERDNS_ARGS []    extra arguments for `clusterdns serve`
#   CLUSTERDNS_NODE_ARGS [manifests/node-flags]  node options for every clusterdns started
#                         here: by default those the image runs it with; add e.g.
#                         "--cpu-prof --cpu-prof-dir=/tmp/prof" or "--perf-basic-prof" for perf
#   CHURN_API_NODE_ARGS []   the same for the churn stage's fake API server
#   BENCH_DIR [$TMPDIR/clusterdns-bench]   data, configs, logs, pids, results/
#
# Safety: binds and queries 127.0.0.1 only; clusterdns gets --upstream pointing at a
# loopback Knot that serves only the fake external zones; every command runs under `timeout`;
# processes are stopped by the PID recorded at start, after checking /proc/PID/exe.
set -u
set -o pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(git -C "$HERE" rev-parse --show-toplevel 2>/dev/null || dirname "$HERE")"
SHARED_BENCH="$ROOT/../shared/bench"

QUICK="${QUICK:-0}"
if [ "$QUICK" = 1 ]; then q() { echo "$2"; }; else q() { echo "$1"; }; fi
DURATION="${DURATION:-$(q 10 3)}"
WARMUP="${WARMUP:-$(q 10 3)}"
RUNS="${RUNS:-$(q 2 1)}"
LATENCY="${LATENCY:-1}"
CLIENTS="${CLIENTS:-16}"
OUTSTANDING="${OUTSTANDING:-100}"
THREADS="${THREADS:-1}"
SERVERS="${SERVERS:-clusterdns clusterdns-ap knot dnsmasq}"
MIXES="${MIXES:-incluster storm autopath external}"
CORES="${CORES:-1 2}"
QUERIES="${QUERIES:-100000}"
SERVER_CPU="${SERVER_CPU:-1}"
PERF_CPU="${PERF_CPU:-0}"
PORT_BASE="${PORT_BASE:-5410}"
MEM="${MEM:-1}"
MEM_SERVICES="${MEM_SERVICES:-$(q 10000 2000)}"
MEM_ENDPOINTS="${MEM_ENDPOINTS:-$(q 150000 30000)}"
MEM_NAMESPACES="${MEM_NAMESPACES:-100}"
MEM_FORMAT="${MEM_FORMAT:-yaml}"
CHURN="${CHURN:-1}"
CHURN_RATES="${CHURN_RATES:-0 50 200 1000}"
CHURN_HEADLESS="${CHURN_HEADLESS:-500}"
CHURN_LATENCY="${CHURN_LATENCY:-1}"
CHURN_WORKERS="${CHURN_WORKERS:-1}"
CHURN_API_CPU="${CHURN_API_CPU:-perf}"
CLUSTERDNS_NODE_ARGS="${CLUSTERDNS_NODE_ARGS-$(cat "$ROOT/manifests/node-flags" 2>/dev/null)}"
START_TIMEOUT="${START_TIMEOUT:-120}"
QUIET_WAIT="${QUIET_WAIT:-$(q 30 0)}"
QUIET_MAX_PCT="${QUIET_MAX_PCT:-15}"
STRICT="${STRICT:-0}"
BUILD="${BUILD:-auto}"
CLUSTERDNS_ARGS="${CLUSTERDNS_ARGS:-}"
BENCH_DIR="${BENCH_DIR:-${TMPDIR:-/tmp}/clusterdns-bench}"

ADDR=127.0.0.1
DATA="$BENCH_DIR/data"
RUN="$BENCH_DIR/run"
PIDS="$BENCH_DIR/pids"
LOGS="$BENCH_DIR/logs"
RES="$BENCH_DIR/results"
HZ=$(getconf CLK_TCK)
NCPU=$(nproc 2>/dev/null || echo 1)
declare -A PORT=([knot]=$((PORT_BASE + 1)) [clusterdns]=$((PORT_BASE + 2)) [dnsmasq]=$((PORT_BASE + 3)) [nodeecho]=$((PORT_BASE + 4)) [clusterdns-ap]=$((PORT_BASE + 5)) [clusterdns-cf]=$((PORT_BASE + 10)) [memtest]=$((PORT_BASE + 8)) [upstream]=$((PORT_BASE + 9)) [churnapi]=$((PORT_BASE + 6)) [churnmetrics]=$((PORT_BASE + 7)))
STAMP="$(date +%Y%m%d-%H%M%S)"
CSV="$RES/bench-$STAMP.csv"
CSV_HDR="server,mix,cores,workers,pinned,kind,run,offered_qps,sent,completed,lost,qps,avg_ms,min_ms,max_ms,p50_ms,p99_ms,rcodes,srv_cpu_pct,srv_us_per_query,perf_cpu_pct,other_cpu_pct,upstream_cpu_pct,waited_s"

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ------------------------------------------------------------------ deps ---
# command -> Debian package
declare -A PKG=([dnsperf]=dnsperf [knotd]=knot [dnsmasq]=dnsmasq-base [dig]=bind9-dnsutils [taskset]=util-linux [ss]=iproute2)

find_cmd() { PATH="$PATH:/usr/sbin:/sbin" command -v "$1"; }

do_deps() {
    local c missing=() pkgs=()
    for c in dnsperf knotd dnsmasq dig taskset ss; do
        find_cmd "$c" >/dev/null || { missing+=("$c"); pkgs+=("${PKG[$c]}"); }
    done
    command -v node >/dev/null || die "node is missing (the project needs Node.js 20)"
    [ ${#missing[@]} -eq 0 ] && { log "deps: all present"; return 0; }
    mapfile -t pkgs < <(printf '%s\n' "${pkgs[@]}" | sort -u)
    if [ "$(id -u)" != 0 ]; then
        log "missing: ${missing[*]}"
        echo "Install them with:  sudo apt-get install -y ${pkgs[*]}" >&2
        echo "(dnsmasq-base is the binary without the system service; if you install 'knot'," >&2
        echo " stop its service afterwards: sudo systemctl disable --now knot)" >&2
        exit 2
    fi
    log "installing: ${pkgs[*]}"
    # Keep package scripts from starting system services (policy-rc.d exit 101 = "not
    # allowed"); only a policy file created here is removed afterwards.
    local made_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && made_policy=1
    fi
    timeout 300 env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || log "apt-get update failed; trying the install anyway"
    timeout 600 env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >&2
    local rc=$?
    [ $made_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
    [ $rc -eq 0 ] || die "apt-get install ${pkgs[*]} failed (rc $rc)"
    stop_package_services
    for c in "${missing[@]}"; do find_cmd "$c" >/dev/null || die "$c still missing after installing ${PKG[$c]}"; done
}

# A service the package managed to start anyway: found by the package's own pidfile only.
stop_package_services() {
    local svc pidf pid exe
    for svc in knot:/run/knot/knot.pid:knotd dnsmasq:/run/dnsmasq/dnsmasq.pid:dnsmasq; do
        IFS=: read -r name pidf exe <<<"$svc"
        [ -s "$pidf" ] || continue
        pid=$(cat "$pidf")
        [ "$(readlink -f "/proc/$pid/exe" 2>/dev/null)" = "$(readlink -f "$(find_cmd "$exe")")" ] || continue
        log "stopping the $name system service the package started (pid $pid)"
        if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
            timeout 30 systemctl disable --now "$name" >/dev/null 2>&1 || kill -TERM "$pid"
        else
            kill -TERM "$pid"
        fi
    done
}

# --------------------------------------------------------------- machine ---
do_machine() {
    mkdir -p "$RES"
    {
        echo "cpu:      $(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo) (${NCPU} CPUs online)"
        echo "kernel:   $(uname -srm)"
        echo "node:     $(node --version)"
        echo "dnsperf:  $(dnsperf -h 2>&1 | awk '/^Version/{print $2; exit}')"
        echo "knot:     $(find_cmd knotd >/dev/null && "$(find_cmd knotd)" --version 2>&1 | head -1)"
        echo "dnsmasq:  $(find_cmd dnsmasq >/dev/null && "$(find_cmd dnsmasq)" --version 2>&1 | head -1 | awk '{print $3}')"
        echo "commit:   $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" status --porcelain 2>/dev/null | grep -q . && echo ' (uncommitted changes)')"
        echo "load:     $(cut -d' ' -f1-3 /proc/loadavg)"
    } | tee "$RES/machine.txt"
}

# ------------------------------------------------------------------- gen ---
do_gen() {
    mkdir -p "$DATA"
    [ -f "$SHARED_BENCH/gen_zone.py" ] || log "note: $SHARED_BENCH not found; the peer tools there (peers.sh, compare.py) are optional"
    timeout 300 node "$HERE/gen-cluster.mjs" --out "$DATA" --queries "$QUERIES" \
        --upstream-port "${PORT[upstream]}" >&2 || die "gen-cluster.mjs failed"
}

summary_field() { # dir js-expression-over-s
    timeout 60 node -e 'const s=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(eval(process.argv[2]))' "$1/summary.json" "$2"
}
known_name() { summary_field "$1" 's.knownName+" "+s.knownIP'; }

# ------------------------------------------------------------- processes ---
exe_of() {
    case "$1" in
        knot|upstream) find_cmd knotd ;;
        dnsmasq) find_cmd dnsmasq ;;
        clusterdns|clusterdns-ap|clusterdns-cf|memtest|nodeecho|churnapi) command -v node ;;
    esac
}

alive() { # name -> 0 if our recorded pid is alive and is the expected binary
    local f="$PIDS/$1.pid" pid exe
    [ -s "$f" ] || return 1
    pid=$(cat "$f")
    exe=$(readlink -f "/proc/$pid/exe" 2>/dev/null) || return 1
    [ "$exe" = "$(readlink -f "$(exe_of "$1")")" ]
}

port_busy() { ss -Hlun "sport = :$1" | grep -q .; }

descendants() { # pid -> the pid and all its descendants
    ps -e -o pid=,ppid= | awk -v r="$1" '{p[$1]=$2} END{
        out[r]=1; ch=1; while(ch){ch=0; for(k in p) if(!(k in out) && (p[k] in out)){out[k]=1; ch=1}}
        for(k in out) print k}'
}

tree_ticks() { # pid -> utime+stime of the pid and its descendants, in clock ticks
    local t=0 pid s
    for pid in $(descendants "$1"); do
        s=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
        s=${s##*) }
        set -- $s
        t=$((t + ${12} + ${13}))
    done
    echo $t
}

# user+nice+system of the whole machine; interrupt and softirq time (where the kernel handles
# loopback packets for both sides) is left out so that "other CPU" means other processes.
busy_ticks() { awk '/^cpu /{print $2+$3+$4; exit}' /proc/stat; }

stop_one() {
    local n=$1 f="$PIDS/$1.pid" pid kids x want i
    [ -s "$f" ] || return 0
    pid=$(cat "$f")
    if alive "$n"; then
        kids=$(descendants "$pid" | grep -vx "$pid")
        want=$(readlink -f "$(exe_of "$n")")
        kill -TERM "$pid" 2>/dev/null
        # clusterdns keeps serving through its lame-duck period (SPEC §5, 5 s by default)
        for i in $(seq 1 100); do alive "$n" || break; sleep 0.1; done
        if alive "$n"; then log "$n (pid $pid) ignored TERM for 10 s, sending KILL"; kill -KILL "$pid" 2>/dev/null; fi
        sleep 0.2
        for x in $kids; do
            [ "$(readlink -f "/proc/$x/exe" 2>/dev/null)" = "$want" ] || continue
            log "stopping leftover child $x of $n"; kill -TERM "$x" 2>/dev/null
        done
        log "stopped $n (pid $pid)"
    fi
    rm -f "$f"
}

stop_all() {
    local f
    for f in "$PIDS"/*.pid; do [ -e "$f" ] || continue; stop_one "$(basename "$f" .pid)"; done
}

# wait_answer PORT NAME TYPE WANT TIMEOUT_S -> 0 once `dig +short` prints WANT
wait_answer() {
    local p=$1 name=$2 type=$3 want=$4 limit=$5 start=$SECONDS
    while [ $((SECONDS - start)) -lt "$limit" ]; do
        if [ -z "$want" ]; then # any NOERROR reply
            timeout 3 dig @$ADDR -p "$p" +tries=1 +time=1 "$name" "$type" 2>/dev/null | grep -q 'status: NOERROR' && return 0
        elif [ "$(timeout 3 dig @$ADDR -p "$p" +short +tries=1 +time=1 "$name" "$type" 2>/dev/null | head -1)" = "$want" ]; then
            return 0
        fi
        sleep 0.05
    done
    return 1
}

# launch NAME PIN LOGFILE CMD... : start in the background, record the pid
launch() {
    local n=$1 pin=$2 lf=$3; shift 3
    alive "$n" && die "$n is already running (pid $(cat "$PIDS/$n.pid")); run '$0 stop' first"
    port_busy "${PORT[$n]}" && die "port ${PORT[$n]} is in use by something else; set PORT_BASE"
    if [ "$pin" = 1 ]; then
        taskset -c "$SERVER_CPU" "$@" >"$lf" 2>&1 &
    else
        "$@" >"$lf" 2>&1 &
    fi
    echo $! >"$PIDS/$n.pid"
}

write_knot_conf() { # name port udp-workers zone-list-files...
    local n=$1 p=$2 w=$3 dir="$RUN/$1" z; shift 3
    rm -rf "$dir"; mkdir -p "$dir/db"
    {
        cat <<EOF
server:
    rundir: "$dir"
    pidfile: "$dir/knot.pid"
    listen: $ADDR@$p
    udp-workers: $w
    tcp-workers: 1
    background-workers: 1
control:
    listen: "$dir/knot.sock"
database:
    storage: "$dir/db"
log:
  - target: stderr
    any: error
template:
  - id: default
    storage: "$DATA/zones"
    file: "%s.zone"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
zone:
EOF
        for z in $(cat "$@"); do echo "  - domain: $z"; done
    } >"$dir/knot.conf"
}

# The loopback upstream: Knot serving only the fake external zones (example.com/.net/.org).
start_upstream() {
    alive upstream && return 0
    write_knot_conf upstream "${PORT[upstream]}" 1 "$DATA/zones.external"
    launch upstream 0 "$LOGS/upstream.log" "$(find_cmd knotd)" -c "$RUN/upstream/knot.conf"
    local x; x=$(head -1 "$DATA/zones.external")
    wait_answer "${PORT[upstream]}" "ns.$x" A 192.0.2.254 "$START_TIMEOUT" \
        || { cat "$LOGS/upstream.log" >&2; die "upstream Knot did not answer on port ${PORT[upstream]}"; }
    log "upstream Knot (external zones) pid $(cat "$PIDS/upstream.pid") on $ADDR:${PORT[upstream]}"
}

CLUSTERDNS_HELP=
clusterdns_has() { # flag -> 0 when `clusterdns serve --help` lists it
    [ -n "$CLUSTERDNS_HELP" ] || CLUSTERDNS_HELP=$(timeout 30 node "$ROOT/dist/cli.js" serve --help 2>&1)
    grep -q -- "$1\b" <<<"$CLUSTERDNS_HELP"
}

# Flags every clusterdns start gets: loopback upstream, no HTTP listeners, no lame duck (the
# bench stops it by PID and nothing depends on a graceful drain).
clusterdns_common() {
    echo "--health off --ready off --metrics off --upstream $ADDR:${PORT[upstream]}"
    clusterdns_has --lame-duck && echo "--lame-duck 0"
}

# start_server NAME CORES: start, wait until it answers; sets WORKERS[NAME]
declare -A WORKERS=()
start_server() {
    local n=$1 cores=$2 pin=0 w=1 p=${PORT[$1]} lf="$LOGS/$1.cores$2.log"
    [ "$cores" = 1 ] && [ "$NCPU" -ge 2 ] && pin=1
    [ "$cores" = 1 ] || w=$cores
    case "$n" in
    knot)
        write_knot_conf knot "$p" "$w" "$DATA/zones.cluster" "$DATA/zones.external"
        launch knot "$pin" "$lf" "$(find_cmd knotd)" -c "$RUN/knot/knot.conf" ;;
    dnsmasq)
        w=1 # one process, one thread: that is dnsmasq
        mkdir -p "$RUN/dnsmasq"
        launch dnsmasq "$pin" "$lf" "$(find_cmd dnsmasq)" --keep-in-foreground --conf-file="$DATA/dnsmasq.conf" \
            --port="$p" --listen-address=$ADDR --user=root --group=root --pid-file="$RUN/dnsmasq/dnsmasq.pid" ;;
    clusterdns|clusterdns-ap)
        local wf="" ap=""
        # Autopath walks the search domains of --resolv-conf after the cluster zone: none here,
        # whatever the machine's own file says (the upstream is given explicitly).
        if [ "$n" = clusterdns-ap ]; then
            printf 'nameserver %s\n' "$ADDR" >"$RUN/autopath-resolv.conf"
            ap="--autopath --resolv-conf $RUN/autopath-resolv.conf"
        fi
        # Always explicit: the default is one worker per usable CPU, which would put two
        # processes on the one pinned core.
        if clusterdns_has --workers; then wf="--workers $w"; elif [ "$w" -gt 1 ]; then log "clusterdns has no --workers yet: one process"; w=1; fi
        # shellcheck disable=SC2046,SC2086
        launch "$n" "$pin" "$lf" node $CLUSTERDNS_NODE_ARGS "$ROOT/dist/cli.js" serve --snapshot "$DATA/snapshot.yaml" \
            --listen "$ADDR:$p" $(clusterdns_common) $wf $ap $CLUSTERDNS_ARGS ;;
    clusterdns-cf)
        # Issue 9: the same server started from kubeadm's Corefile as kubeadm ships it
        # (test/fixtures/corefiles/kubeadm), only the port and the upstream changed; the view
        # still comes from the snapshot (flags win over the Corefile).
        sed -e "s/^\.:53 {/.:$p {/" -e "s#forward \. /etc/resolv.conf#forward . $ADDR:${PORT[upstream]}#" \
            "$ROOT/test/fixtures/corefiles/kubeadm/Corefile" >"$RUN/kubeadm.Corefile"
        launch "$n" "$pin" "$lf" node $CLUSTERDNS_NODE_ARGS "$ROOT/dist/cli.js" serve --corefile "$RUN/kubeadm.Corefile" \
            --snapshot "$DATA/snapshot.yaml" --health off --ready off --metrics off --lame-duck 0 --workers 1 $CLUSTERDNS_ARGS ;;
    nodeecho)
        [ -f "$SHARED_BENCH/node_echo.js" ] || die "nodeecho needs $SHARED_BENCH/node_echo.js (the shared bench tools)"
        local wa=0; [ "$w" -gt 1 ] && wa=$w # 0 = one process, N = cluster of N workers on one socket
        launch nodeecho "$pin" "$lf" node "$SHARED_BENCH/node_echo.js" "$p" "$wa" ;;
    *) die "unknown server $n (known: clusterdns clusterdns-ap clusterdns-cf knot dnsmasq nodeecho)" ;;
    esac
    local kn ki; read -r kn ki < <(known_name "$DATA")
    [ "$n" = nodeecho ] && ki="" # echoes the query: NOERROR without answers
    if ! wait_answer "$p" "$kn" A "$ki" "$START_TIMEOUT"; then
        tail -20 "$lf" >&2
        stop_one "$n"
        die "$n did not answer $kn within ${START_TIMEOUT}s (log: $lf)"
    fi
    log "started $n pid $(cat "$PIDS/$n.pid") on $ADDR:$p (cores=$cores workers=$w pinned=$pin)"
    WORKERS[$n]=$w
}

ensure_built() { # [force]: also when clusterdns is not in SERVERS (the memory test)
    [ "${1:-}" = force ] || [[ " $SERVERS " == *" clusterdns "* || " $SERVERS " == *" clusterdns-ap "* || " $SERVERS " == *" clusterdns-cf "* ]] || return 0
    local need=0
    case "$BUILD" in
    1) need=1 ;;
    0) need=0 ;;
    *) if [ ! -f "$ROOT/dist/cli.js" ] || [ -n "$(find "$ROOT/src" -name '*.ts' -newer "$ROOT/dist/cli.js" 2>/dev/null | head -1)" ]; then need=1; fi ;;
    esac
    if [ $need = 1 ]; then
        log "building clusterdns (npm run build)"
        (cd "$ROOT" && timeout 600 npm run build >"$LOGS/build.log" 2>&1) \
            || { tail -20 "$LOGS/build.log" >&2; [ -f "$ROOT/dist/cli.js" ] && log "build failed; using the existing dist/" || die "build failed and there is no dist/cli.js (log: $LOGS/build.log); SERVERS='knot dnsmasq' MEM=0 benchmarks the peers alone"; }
    fi
    [ -f "$ROOT/dist/cli.js" ] || die "no $ROOT/dist/cli.js"
}

# ----------------------------------------------------------------- check ---
# Ask every row of check.tsv with dig (no EDNS, like dnsperf; dig retries truncated answers
# over TCP) and compare rcode + sorted answers with what the generator derived from SPEC.md.
CHECK_FAILED=0
check_server() {
    [ "$1" = nodeecho ] && { log "nodeecho echoes queries: answers not checked"; return 0; }
    local n=$1 cores=$2 out="$LOGS/check.$1.cores$2.dig" names="$RUN/check-names.$1.txt" tsv="$DATA/check.tsv"
    # clusterdns-ap answers the first search-path query with a CNAME: checked on its own mix.
    [ "$n" = clusterdns-ap ] && tsv="$DATA/check-autopath.tsv"
    cut -f1,2 "$tsv" | tr '\t' ' ' >"$names"
    timeout 300 dig @$ADDR -p "${PORT[$n]}" +tries=1 +time=2 +noedns -f "$names" +noall +cmd +comments +answer >"$out" 2>&1
    local res rc
    res=$(timeout 120 node "$HERE/lib/check-answers.mjs" "$tsv" "$out" "$n"); rc=$?
    res=$(sed "1s/^check $n:/check $n (cores=$cores):/" <<<"$res")
    echo "$res" | tee -a "$RES/check-$STAMP.txt" >&2
    [ $rc -eq 0 ] || CHECK_FAILED=1
    if [ $rc -ne 0 ] && [[ "$n" == clusterdns* ]] && [ "$STRICT" = 1 ]; then die "clusterdns failed the answer check (STRICT=1)"; fi
    return 0
}

# Fill the caches of the forwarding servers with every external name (A and AAAA).
warm_cache() {
    local n=$1
    [ "$n" = knot ] || [ "$n" = nodeecho ] && return 0
    timeout 120 dig @$ADDR -p "${PORT[$n]}" +tries=2 +time=2 +noedns -f "$DATA/warm-external.txt" +noall +answer >/dev/null 2>&1
}

# ----------------------------------------------------------------- bench ---
wait_quiet() { # bounded wait until the box is (nearly) idle; echoes seconds waited
    local start=$SECONDS b0 b1 pct
    [ "$QUIET_WAIT" -gt 0 ] || { echo 0; return; }
    while :; do
        b0=$(busy_ticks); sleep 2; b1=$(busy_ticks)
        pct=$(( (b1 - b0) * 100 / (2 * HZ) ))
        if [ "$pct" -le "$QUIET_MAX_PCT" ] || [ $((SECONDS - start)) -ge "$QUIET_WAIT" ]; then
            [ "$pct" -gt "$QUIET_MAX_PCT" ] && log "box still ${pct}% busy after ${QUIET_WAIT}s; measuring anyway"
            echo $((SECONDS - start)); return
        fi
        sleep 1
    done
}

# run_one SERVER MIX CORES WORKERS KIND RUN [QPS_LIMIT] -> appends a CSV row
run_one() {
    local n=$1 mix=$2 cores=$3 w=$4 kind=$5 ri=$6 qlim=${7:-} p=${PORT[$1]}
    alive "$n" || die "$n is not running"
    local pid pin=0; pid=$(cat "$PIDS/$n.pid")
    [ "$cores" = 1 ] && [ "$NCPU" -ge 2 ] && pin=1
    local out="$LOGS/dnsperf.$n.$mix.c$cores.$kind.r$ri.txt" tf="$LOGS/time.$$" dur=$DURATION
    [ "$kind" = warmup ] && dur=$WARMUP
    local args=(-s $ADDR -p "$p" -d "$DATA/queries-$mix.txt" -l "$dur" -c "$CLIENTS" -T "$THREADS" -q "$OUTSTANDING")
    [ -n "$qlim" ] && args+=(-Q "$qlim")
    [ "$kind" = latency ] && args+=(-v)
    local pre=(); [ $pin = 1 ] && pre=(taskset -c "$PERF_CPU")
    local timer=(); [ -x /usr/bin/time ] && timer=(/usr/bin/time -f '%U %S %e' -o "$tf")
    local waited=0; [ "$kind" = warmup ] || waited=$(wait_quiet)
    local t0 t1 w0 w1 b0 b1 u0=0 u1=0 upid=""
    # The upstream should stay idle: storm and external names come from the cache.
    alive upstream && upid=$(cat "$PIDS/upstream.pid")
    [ -n "$upid" ] && u0=$(tree_ticks "$upid")
    t0=$(tree_ticks "$pid"); b0=$(busy_ticks); w0=$(date +%s.%N)
    timeout -k 5 $((dur + 30)) "${timer[@]}" "${pre[@]}" dnsperf "${args[@]}" >"$out" 2>&1
    local rc=$?
    w1=$(date +%s.%N); b1=$(busy_ticks); t1=$(tree_ticks "$pid")
    [ -n "$upid" ] && u1=$(tree_ticks "$upid")
    [ $rc -eq 0 ] || log "dnsperf exited $rc for $n/$mix (see $out)"
    local stats perf_cpu="" srv other
    stats=$(timeout 120 node "$HERE/lib/dnsperf-stats.mjs" "$out")
    [ -s "$tf" ] && perf_cpu=$(awk '{ if ($3 > 0) printf "%.0f", ($1 + $2) / $3 * 100 }' "$tf")
    srv=$(awk -v a="$t0" -v b="$t1" -v w0="$w0" -v w1="$w1" -v hz="$HZ" 'BEGIN{printf "%.0f", (b-a)/hz/(w1-w0)*100}')
    local up
    up=$(awk -v a="$u0" -v b="$u1" -v w0="$w0" -v w1="$w1" -v hz="$HZ" 'BEGIN{printf "%.1f", (b-a)/hz/(w1-w0)*100}')
    other=$(awk -v b0="$b0" -v b1="$b1" -v a="$t0" -v b="$t1" -v w0="$w0" -v w1="$w1" -v hz="$HZ" -v pc="${perf_cpu:-0}" -v up="$up" \
        'BEGIN{o=((b1-b0)-(b-a))/hz/(w1-w0)*100 - pc - up; printf "%.0f", (o < 0 ? 0 : o)}')
    rm -f "$tf"
    local qps us
    qps=$(cut -d, -f4 <<<"$stats")
    us=$(awk -v s="$srv" -v q="${qps:-0}" 'BEGIN{ if (q > 0) printf "%.1f", s * 1e4 / q }')
    local row="$n,$mix,$cores,$w,$pin,$kind,$ri,${qlim},$stats,$srv,$us,$perf_cpu,$other,$up,$waited"
    # rcodes contain no commas (dnsperf-stats joins them with ';'), so the row stays aligned
    echo "$row" >>"$CSV"
    log "$(printf '%-10s %-9s cores=%s %-7s run %s: %8.0f QPS  lost %s' "$n" "$mix" "$cores" "$kind" "$ri" "${qps:-0}" "$(cut -d, -f3 <<<"$stats")")"
}

# The autopath mix needs a server with --autopath (clusterdns-ap), which runs nothing else:
# on another server its queries are plain NXDOMAINs, and clusterdns-ap's storm would measure
# what no client with autopath sends.
mix_runs_on() { # mix server -> 0 when that mix is measured on that server
    if [ "$1" = autopath ]; then [ "$2" = clusterdns-ap ]; else [ "$2" != clusterdns-ap ]; fi
}

median_qps() { # server mix cores -> median QPS of the max runs so far
    awk -F, -v s="$1" -v m="$2" -v c="$3" '$1==s && $2==m && $3==c && $6=="max" {print $12}' "$CSV" \
        | sort -g | awk '{a[NR]=$1} END{ if (NR) print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2) }'
}

settings_line() {
    echo "dnsperf -c $CLIENTS -q $OUTSTANDING -T $THREADS, $DURATION s per run, $RUNS run(s) each, $WARMUP s warm-up;" \
        "one core = server on CPU $SERVER_CPU, dnsperf on CPU $PERF_CPU$([ "$QUICK" = 1 ] && echo '; QUICK=1: a smoke test, not figures to quote')"
}

do_perf() {
    mkdir -p "$PIDS" "$LOGS" "$RES" "$RUN"
    settings_line >"$RES/settings-$STAMP.txt"
    [ "$NCPU" -ge 2 ] || log "only $NCPU CPU: no pinning, and the two-core setting is skipped"
    ensure_built
    do_gen
    [ -f "$CSV" ] || echo "$CSV_HDR" >"$CSV"
    start_upstream
    local cores n mix r
    for cores in $CORES; do
        if [ "$cores" != 1 ] && [ "$NCPU" -lt "$cores" ]; then continue; fi
        if [ "$cores" = 1 ]; then
            log "== one core: servers pinned to CPU $SERVER_CPU, dnsperf to CPU $PERF_CPU"
        else
            log "== $cores cores: servers and dnsperf unpinned (the scheduler shares $NCPU CPUs between them)"
        fi
        for n in $SERVERS; do start_server "$n" "$cores"; done
        for n in $SERVERS; do warm_cache "$n"; check_server "$n" "$cores"; done
        # warm-up: JIT and caches (Node needs ~10 s), one run per server on the in-cluster mix
        for n in $SERVERS; do run_one "$n" incluster "$cores" "${WORKERS[$n]}" warmup 0; done
        for r in $(seq 1 "$RUNS"); do
            for mix in $MIXES; do
                for n in $SERVERS; do mix_runs_on "$mix" "$n" && run_one "$n" "$mix" "$cores" "${WORKERS[$n]}" max "$r"; done
            done
        done
        if [ "$LATENCY" = 1 ]; then
            local m half
            for mix in $MIXES; do
                for n in $SERVERS; do
                    mix_runs_on "$mix" "$n" || continue
                    m=$(median_qps "$n" "$mix" "$cores")
                    half=$(awk -v m="${m:-0}" 'BEGIN{printf "%d", m / 2}')
                    [ "$half" -gt 0 ] || { log "no max QPS for $n/$mix; skipping its latency run"; continue; }
                    run_one "$n" "$mix" "$cores" "${WORKERS[$n]}" latency 1 "$half"
                done
            done
        fi
        for n in $SERVERS; do stop_one "$n"; done
    done
    stop_one upstream
    log "results: $CSV"
}

# ---------------------------------------------------------------- memory ---
# Start clusterdns on a large snapshot; time from exec to the first correct answer for the
# last service in the file, and resident memory from /proc/PID/status once it answers.
do_memory() {
    mkdir -p "$PIDS" "$LOGS" "$RES"
    ensure_built force
    local dir="$BENCH_DIR/mem" eps headless clusterip
    eps=$(( MEM_ENDPOINTS / MEM_SERVICES )); [ "$eps" -ge 1 ] || eps=1
    headless=$(( MEM_SERVICES / 10 )); clusterip=$(( MEM_SERVICES - headless ))
    timeout 600 node "$HERE/gen-cluster.mjs" --out "$dir" --snapshot-only --format "$MEM_FORMAT" \
        --namespaces "$MEM_NAMESPACES" --services "$clusterip" --headless "$headless" --endpoints "$eps" \
        --service-endpoints "$eps" --externals 0 --dual-stack-every 0 >&2 || die "gen-cluster.mjs (memory) failed"
    local snap="$dir/snapshot.$MEM_FORMAT" kn ki
    read -r kn ki < <(known_name "$dir")
    local p=${PORT[memtest]} lf="$LOGS/memtest.log" t0 t1 pid
    alive memtest && die "memtest already running"
    port_busy "$p" && die "port $p is in use by something else; set PORT_BASE"
    t0=$(date +%s%N)
    # shellcheck disable=SC2046,SC2086
    node $CLUSTERDNS_NODE_ARGS "$ROOT/dist/cli.js" serve --snapshot "$snap" --listen "$ADDR:$p" --workers 1 $(clusterdns_common) $CLUSTERDNS_ARGS >"$lf" 2>&1 &
    pid=$!; echo $pid >"$PIDS/memtest.pid"
    if ! wait_answer "$p" "$kn" A "$ki" "$START_TIMEOUT"; then
        tail -20 "$lf" >&2; stop_one memtest; die "clusterdns did not answer $kn within ${START_TIMEOUT}s"
    fi
    t1=$(date +%s%N)
    local rss0 rss1 hwm
    rss0=$(awk '/^VmRSS/{print $2}' "/proc/$pid/status")
    sleep 3
    rss1=$(awk '/^VmRSS/{print $2}' "/proc/$pid/status"); hwm=$(awk '/^VmHWM/{print $2}' "/proc/$pid/status")
    stop_one memtest
    local svcs epc size
    svcs=$(summary_field "$dir" 's.services+","+s.endpoints+","+s.endpointSlices')
    size=$(stat -c %s "$snap")
    epc=$(( (t1 - t0) / 1000000 ))
    {
        echo "services,endpoints,endpoint_slices,snapshot_format,snapshot_mb,startup_ms,rss_mb_at_first_answer,rss_mb_after_3s,peak_rss_mb"
        awk -v s="$svcs" -v f="$MEM_FORMAT" -v sz="$size" -v ms="$epc" -v r0="$rss0" -v r1="$rss1" -v h="$hwm" \
            'BEGIN{printf "%s,%s,%.1f,%d,%.1f,%.1f,%.1f\n", s, f, sz/1048576, ms, r0/1024, r1/1024, h/1024}'
    } >"$RES/memory-$STAMP.csv"
    log "memory: $(tail -1 "$RES/memory-$STAMP.csv")"
}

# ----------------------------------------------------------------- churn ---
# clusterdns on the API source, fed by bench/churn.ts (a fake API server in its own process,
# pinned with dnsperf to PERF_CPU; clusterdns alone on SERVER_CPU). Per rate: one max-QPS run
# and (CHURN_LATENCY) one run at half the 0/s max QPS for p50/p99, each while the slices
# change; programming latency from the probes (change sent -> answer changed, over TCP) and
# from the coredns_kubernetes_dns_programming_duration_seconds histogram (trigger time ->
# applied; buckets 1 ms * 2^n, so its p99 is a bucket bound).
CHURN_CSV_HDR="rate,kind,offered_qps,sent,completed,lost,qps,avg_ms,min_ms,max_ms,p50_ms,p99_ms,rcodes,srv_cpu_pct,changes,changes_per_s,probes,probe_timeouts,prog_p50_ms,prog_p99_ms,prog_max_ms,hist_changes,hist_p99_le_ms,api_cpu_pct"

churn_ctl() { timeout 700 node "$ROOT/.bench-build/bench/churn.js" ctl "${PORT[churnapi]}" "$@"; }

prog_hist() { # -> "le count" lines of the programming latency histogram (cumulative)
    timeout 10 curl -s --max-time 5 "http://$ADDR:${PORT[churnmetrics]}/metrics" \
        | awk '/^coredns_kubernetes_dns_programming_duration_seconds_bucket.*headless_with_selector/ { match($0, /le="[^"]*"/); print substr($0, RSTART+4, RLENGTH-5), $NF }'
}

hist_delta_p99() { # before-file after-file -> "count,p99_bucket_bound_ms"
    awk 'FILENAME==ARGV[1] { b[$1]=$2; next } { d=$2-(($1 in b)?b[$1]:0); le[++n]=$1; c[n]=d } END {
        tot=c[n]; if (tot <= 0) { printf "0,"; exit }
        for (i=1; i<=n; i++) if (c[i] >= 0.99*tot) { printf "%d,%s", tot, (le[i]=="+Inf") ? "inf" : le[i]*1000; exit } }' "$1" "$2"
}

# churn_run RATE KIND [QPS_LIMIT] -> appends a row to $CSV (the churn CSV)
churn_run() {
    local rate=$1 kind=$2 qlim=${3:-} p=${PORT[clusterdns]} dur=$DURATION pid
    [ "$kind" = warmup ] && dur=$WARMUP
    alive clusterdns || die "clusterdns is not running"
    pid=$(cat "$PIDS/clusterdns.pid")
    local out="$LOGS/dnsperf.churn.r$rate.$kind.txt" h0="$RUN/churn/hist0" h1="$RUN/churn/hist1"
    local args=(-s $ADDR -p "$p" -d "$DATA/queries-incluster.txt" -l "$dur" -c "$CLIENTS" -T "$THREADS" -q "$OUTSTANDING")
    [ -n "$qlim" ] && args+=(-Q "$qlim" -v)
    local pre=(); [ "$NCPU" -ge 2 ] && pre=(taskset -c "$PERF_CPU")
    [ "$kind" = warmup ] || wait_quiet >/dev/null
    prog_hist >"$h0"
    churn_ctl POST "/churn?rate=$rate&seconds=$((dur + 2))&dns=$p&zone=cluster.local" >/dev/null || die "churn control: could not start rate $rate"
    sleep 1 # the changes are flowing before the load starts, and go on until after it ends
    local t0 t1 w0 w1 a0 a1 apid
    apid=$(cat "$PIDS/churnapi.pid")
    t0=$(tree_ticks "$pid"); a0=$(tree_ticks "$apid"); w0=$(date +%s.%N)
    timeout -k 5 $((dur + 30)) "${pre[@]}" dnsperf "${args[@]}" >"$out" 2>&1 || log "dnsperf exited $? (rate $rate, $kind; see $out)"
    w1=$(date +%s.%N); t1=$(tree_ticks "$pid"); a1=$(tree_ticks "$apid")
    local res; res=$(churn_ctl GET /result) || die "churn control: no result for rate $rate"
    prog_hist >"$h1"
    [ "$kind" = warmup ] && return 0
    local stats srv churnf hist
    stats=$(timeout 120 node "$HERE/lib/dnsperf-stats.mjs" "$out")
    srv=$(awk -v a="$t0" -v b="$t1" -v w0="$w0" -v w1="$w1" -v hz="$HZ" 'BEGIN{printf "%.0f", (b-a)/hz/(w1-w0)*100}')
    # The fake API server shares dnsperf's core: its CPU is load dnsperf could not generate.
    local api; api=$(awk -v a="$a0" -v b="$a1" -v w0="$w0" -v w1="$w1" -v hz="$HZ" 'BEGIN{printf "%.0f", (b-a)/hz/(w1-w0)*100}')
    churnf=$(timeout 30 node -e 'const r=JSON.parse(process.argv[1]);const f=(v)=>v===null?"":v;console.log([r.sent,r.achievedPerSecond,r.probes,r.timeouts,f(r.p50Ms),f(r.p99Ms),f(r.maxMs)].join(","))' "$res")
    hist=$(hist_delta_p99 "$h0" "$h1")
    echo "$rate,$kind,$qlim,$stats,$srv,$churnf,$hist,$api" >>"$CSV"
    log "$(printf 'churn %5s/s %-7s: %8.0f QPS  p99 %s ms  programming p50 %s p99 %s ms (%s probes), histogram p99 <= %s ms' \
        "$rate" "$kind" "$(cut -d, -f4 <<<"$stats")" "$(cut -d, -f9 <<<"$stats")" "$(cut -d, -f5 <<<"$churnf")" "$(cut -d, -f6 <<<"$churnf")" "$(cut -d, -f3 <<<"$churnf")" "$(cut -d, -f2 <<<"$hist")")"
}

do_churn() {
    mkdir -p "$PIDS" "$LOGS" "$RES" "$RUN/churn"
    ensure_built force
    # The run helpers read DATA and CSV: the churn stage has its own cluster and results.
    local DATA="$BENCH_DIR/churn-data" CSV="$RES/churn-$STAMP.csv"
    timeout 300 node "$HERE/gen-cluster.mjs" --out "$DATA" --queries "$QUERIES" --headless "$CHURN_HEADLESS" \
        --format json --upstream-port "${PORT[upstream]}" >&2 || die "gen-cluster.mjs (churn) failed"
    log "compiling bench/churn.ts (.bench-build/)"
    (cd "$ROOT" && timeout 600 npx tsc -p tsconfig.json --outDir .bench-build >"$LOGS/churn-build.log" 2>&1) \
        || { tail -20 "$LOGS/churn-build.log" >&2; die "could not compile bench/churn.ts"; }
    echo "$CHURN_CSV_HDR" >"$CSV"
    start_upstream
    rm -f "$RUN/churn/ready" "$RUN/churn/kubeconfig"
    # CHURN_API_CPU: the fake API server runs beside dnsperf (perf) or beside clusterdns (server).
    local api_cpu=$PERF_CPU; [ "$CHURN_API_CPU" = server ] && api_cpu=$SERVER_CPU
    local pre=(); [ "$NCPU" -ge 2 ] && pre=(taskset -c "$api_cpu")
    launch churnapi 0 "$LOGS/churnapi.log" "${pre[@]}" node ${CHURN_API_NODE_ARGS:-} "$ROOT/.bench-build/bench/churn.js" api \
        --snapshot "$DATA/snapshot.json" --dir "$RUN/churn" --control "${PORT[churnapi]}"
    local i; for i in $(seq 1 600); do [ -s "$RUN/churn/ready" ] && break; alive churnapi || break; sleep 0.1; done
    [ -s "$RUN/churn/ready" ] || { tail -20 "$LOGS/churnapi.log" >&2; die "the churn API process did not start"; }
    local pin=0; [ "$NCPU" -ge 2 ] && pin=1
    local lduck=""; clusterdns_has --lame-duck && lduck="--lame-duck 0"
    # shellcheck disable=SC2086
    launch clusterdns "$pin" "$LOGS/clusterdns.churn.log" node $CLUSTERDNS_NODE_ARGS "$ROOT/dist/cli.js" serve --kubeconfig "$RUN/churn/kubeconfig" \
        --listen "$ADDR:${PORT[clusterdns]}" --workers "$CHURN_WORKERS" --health off --ready off \
        --metrics "$ADDR:${PORT[churnmetrics]}" --upstream "$ADDR:${PORT[upstream]}" $lduck $CLUSTERDNS_ARGS
    local kn ki; read -r kn ki < <(known_name "$DATA")
    wait_answer "${PORT[clusterdns]}" "$kn" A "$ki" "$START_TIMEOUT" \
        || { tail -20 "$LOGS/clusterdns.churn.log" >&2; die "clusterdns (API source) did not answer $kn"; }
    log "churn: clusterdns pid $(cat "$PIDS/clusterdns.pid") on the fake API ($(cat "$RUN/churn/ready"))"
    check_server clusterdns 1
    churn_run 0 warmup
    local r m half=""
    for r in $CHURN_RATES; do churn_run "$r" max; done
    if [ "$CHURN_LATENCY" = 1 ]; then
        m=$(awk -F, '$1==0 && $2=="max" {print $7; exit}' "$CSV")
        half=$(awk -v m="${m:-0}" 'BEGIN{printf "%d", m / 2}')
        if [ "$half" -gt 0 ]; then for r in $CHURN_RATES; do churn_run "$r" latency "$half"; done
        else log "no 0/s max QPS: latency runs skipped (put 0 in CHURN_RATES)"; fi
    fi
    stop_one clusterdns
    churn_ctl POST /stop >/dev/null 2>&1; sleep 0.5; stop_one churnapi
    churn_table "$CSV"
}

churn_table() { # CSV -> a table on stdout and $RES/churn-STAMP.md
    local md="${1%.csv}.md"
    {
        echo "| changes/s | kind | QPS | vs 0/s | server CPU % | server µs/query | vs 0/s | fake API CPU % | p99 ms | changes sent | programming p50 / p99 / max ms (probes) | histogram p99 <= ms |"
        echo "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |"
        awk -F, 'NR==1 {next} $2=="max" && $1==0 {base=$7; cbase=($7>0)?$14*1e4/$7:0} {rows[NR]=$0} END {
            for (i=2; i<=NR; i++) { split(rows[i], f, ",");
                ratio = (f[2]=="max" && base>0) ? sprintf("%.2fx", f[7]/base) : "";
                us = (f[7]>0) ? f[14]*1e4/f[7] : 0;
                cratio = (cbase>0 && us>0) ? sprintf("%.2fx", us/cbase) : "";
                printf "| %s | %s | %.0f | %s | %s | %.2f | %s | %s | %s | %s | %s / %s / %s (%s%s) | %s |\n", f[1], f[2], f[7], ratio, f[14], us, cratio, f[24], f[12], f[15],
                    f[19], f[20], f[21], f[17], (f[18]>0 ? ", " f[18] " timed out" : ""), f[23] } }' "$1"
        echo
        echo "Targets (issue 11): QPS at 200/s >= 0.9x and at 1000/s >= 0.7x the 0/s QPS (max runs); programming p99 < 50 ms at 200/s."
        echo "server µs/query = the server's CPU time (all threads, /proc) per answered query: the churn's cost on the server's own core, whatever limits dnsperf."
        echo "$(settings_line); churn: $CHURN_HEADLESS headless Services, API source (fake API server pinned with $( [ "$CHURN_API_CPU" = server ] && echo clusterdns || echo dnsperf )), clusterdns --workers $CHURN_WORKERS"
    } | tee "$md"
}

# ----------------------------------------------------------------- table ---
do_table() {
    local csv=${1:-}
    [ -n "$csv" ] || csv=$(ls -t "$RES"/bench-*.csv 2>/dev/null | head -1)
    [ -n "$csv" ] && [ -f "$csv" ] || die "no results CSV in $RES"
    local stamp; stamp=$(basename "$csv" .csv); stamp=${stamp#bench-}
    local mem="$RES/memory-$stamp.csv" chk="$RES/check-$stamp.txt"
    timeout 120 node "$HERE/lib/report.mjs" --csv "$csv" --machine "$RES/machine.txt" --memory "$mem" --check "$chk" \
        --markdown "$RES/bench-$stamp.md" --summary "$RES/summary-$stamp.csv" \
        --settings "$(cat "$RES/settings-$stamp.txt" 2>/dev/null || settings_line)"
}

# ------------------------------------------------------------------ main ---
cmd="${1:-all}"; [ $# -gt 0 ] && shift
mkdir -p "$DATA" "$RUN" "$PIDS" "$LOGS" "$RES"
case "$cmd" in
deps)    do_deps ;;
machine) do_machine ;;
gen)     do_gen ;;
stop)    stop_all ;;
table)   do_table "$@" ;;
check)
    trap stop_all EXIT; trap 'exit 143' INT TERM
    do_deps; ensure_built; do_gen; start_upstream
    for n in $SERVERS; do start_server "$n" 1; warm_cache "$n"; check_server "$n" 1; done
    exit "$CHECK_FAILED" ;;
perf)
    trap stop_all EXIT; trap 'exit 143' INT TERM
    do_deps; do_machine >/dev/null; do_perf; do_table "$CSV" ;;
memory)
    trap stop_all EXIT; trap 'exit 143' INT TERM
    do_deps; do_memory; cat "$RES/memory-$STAMP.csv" ;;
churn)
    trap stop_all EXIT; trap 'exit 143' INT TERM
    do_deps; do_churn ;;
all)
    trap stop_all EXIT; trap 'exit 143' INT TERM
    do_deps
    do_machine
    do_perf
    [ "$MEM" = 1 ] && do_memory
    do_table "$CSV"
    if [ "$CHURN" = 1 ]; then do_churn; fi ;;
*) die "unknown command '$cmd' (all|deps|machine|gen|check|perf|memory|churn|table|stop)" ;;
esac
