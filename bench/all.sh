#!/usr/bin/env bash
# Every benchmark in turn, at one commit, for a quiet machine: the Release build once, then each
# bench/run.sh mode (and the ML.NET and AOT benches) with its report in OUT_DIR/<mode>.md, its
# progress in OUT_DIR/<mode>.err, and OUT_DIR/progress.log saying when each began and ended with
# the load average. PostgreSQL for the replica benchmark comes from scripts/with-services.sh.
# Takes about 16 minutes on 2 cores and 6 GiB of scratch disk. docs/benchmarks.md names its runs.
#   bench/all.sh [OUT_DIR]        (default .bench-results/<commit>)
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
commit="$(git rev-parse --short HEAD)"
out="${1:-.bench-results/$commit}"
mkdir -p "$out"
log() { echo "$(date -u +%H:%M:%S) load=$(cut -d' ' -f1-3 /proc/loadavg) $*" | tee -a "$out/progress.log" >&2; }
log "start $commit$(git diff --quiet HEAD || echo ' (with uncommitted changes)')"
dotnet build -c Release Cairn.slnx > "$out/build.log" 2>&1 || { log "build failed: $out/build.log"; exit 1; }
log built
bench_bin=bench/Cairn.Bench/bin/Release/net10.0/Cairn.Bench
failures=0
run() {
    local name=$1
    shift
    log "begin $name"
    "$@" > "$out/$name.md" 2> "$out/$name.err"
    local rc=$?
    [ "$rc" -eq 0 ] || failures=$((failures + 1))
    log "end $name rc=$rc"
}
run default bash bench/run.sh --no-wrk
run startup "$bench_bin" --no-wrk --duration 3 --warmup 1 --starts 5 --idle 5 --workers 16
run models bash bench/run.sh --models
run events bash bench/run.sh --events
run files bash bench/run.sh --files
run hardening bash bench/run.sh --hardening
run sdk bash bench/run.sh --sdk
run replicas env CAIRN_SERVICES=postgres scripts/with-services.sh bash -c \
    "$bench_bin --replicas --postgres \"\$CAIRN_TEST_POSTGRES\" --workers 16 --warmup 5 --duration 20"
run mlnet bench/Cairn.Bench.MLNet/bin/Release/net10.0/Cairn.Bench.MLNet --big-mib 200 --rounds 20 --big-rounds 2
run aot bash bench/aot-sample.sh 3
run web bash bench/run.sh --web
log "done: $failures failed; reports in $out"
[ "$failures" -eq 0 ]
