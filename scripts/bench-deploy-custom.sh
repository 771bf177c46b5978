#!/usr/bin/env bash
# Benchmarks `paddock deploy custom --dry-run` with seed 000's example arguments (render,
# strict schema validation and JSON output; no cluster). Uses hyperfine when installed,
# otherwise a timed loop (bash's EPOCHREALTIME, no extra processes) plus /usr/bin/time -v for
# the peak memory.
#
# Usage: scripts/bench-deploy-custom.sh [RUNS]        (default 300)
#        PADDOCK_BIN=path/to/paddock scripts/bench-deploy-custom.sh
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-300}
bin=${PADDOCK_BIN:-${CARGO_TARGET_DIR:-target}/release/paddock}
if [ -z "${PADDOCK_BIN:-}" ]; then
    cargo build --release --quiet -p paddock
fi
args=(deploy custom --persistent-disk aws --object-store s3
    foobar 10 pachyderm-bucket OBSIJRBE0PP2NO4QOA27 tfteSlswRu7BJ86wekitnifILbZam1KYY3TG minio:9000
    --dynamic-etcd-nodes 1 --dry-run)

"$bin" "${args[@]}" 2>/dev/null | cmp -s - <("$bin" "${args[@]}" 2>/dev/null) ||
    { echo "output is not deterministic" >&2; exit 1; }
echo "binary: $bin ($(stat -c %s "$bin") bytes)"
echo "objects: $("$bin" "${args[@]}" 2>/dev/null | grep -c '^{')"

# Times `$@` over $runs runs (after 20 warm-up runs) and prints the distribution.
measure() {
    local label=$1
    shift
    for _ in $(seq 20); do "$@" >/dev/null 2>&1; done
    local times=() t0 t1
    for _ in $(seq "$runs"); do
        t0=$EPOCHREALTIME
        "$@" >/dev/null 2>&1
        t1=$EPOCHREALTIME
        times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) * 1000 }')")
    done
    printf '%s\n' "${times[@]}" | sort -n | awk -v runs="$runs" -v label="$label" '
        { t[NR] = $1; sum += $1 }
        END {
            printf "%s, wall over %d runs: mean %.2f ms, median %.2f ms, min %.2f ms, p95 %.2f ms, max %.2f ms\n",
                label, runs, sum / NR, t[int((NR + 1) / 2)], t[1], t[int(NR * 0.95)], t[NR]
        }'
}

if command -v hyperfine >/dev/null; then
    hyperfine --warmup 20 --runs "$runs" --shell=none --output=null "$bin ${args[*]}" "$bin --version"
else
    measure "deploy custom --dry-run" "$bin" "${args[@]}"
    # The same process without any work: what starting a process costs on this machine now.
    measure "baseline (paddock --version)" "$bin" --version
fi
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -v "$bin" "${args[@]}" 2>&1 >/dev/null |
    awk -F': ' '/Maximum resident set size/ { printf "peak memory: %.1f MB\n", $2 / 1024 }'
