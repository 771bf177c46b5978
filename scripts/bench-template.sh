#!/usr/bin/env bash
# Benchmarks `paddock template` (release build) for the default LOCAL values and for an
# AMAZON values file: wall time over many runs (hyperfine when installed) and peak RSS
# (/usr/bin/time -v). Usage: scripts/bench-template.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-200}
cargo build --release -q -p paddock
bin=target/release/paddock
# The link order (crates/paddock/hot-symbols.txt) names functions with the compiler's crate
# hashes, which change with dependencies and the toolchain: say so when most are gone.
if command -v nm >/dev/null; then
  listed=$(wc -l <crates/paddock/hot-symbols.txt)
  found=$(nm --defined-only "$bin" | awk '{print $3}' | sort -u | comm -12 - <(sort -u crates/paddock/hot-symbols.txt) | wc -l)
  if [ $((found * 10)) -lt $((listed * 9)) ]; then
    echo "note: only $found of the $listed functions in crates/paddock/hot-symbols.txt exist in this build; run scripts/hot-symbols.sh and rebuild before measuring" >&2
  fi
fi
amazon=crates/paddock/tests/fixtures/values/amazon.yaml
if command -v hyperfine >/dev/null; then
  hyperfine -N --warmup 20 --runs "$runs" \
    "$bin template" "$bin template -f $amazon"
else
  for args in "" "-f $amazon"; do
    start=$(date +%s%N)
    for _ in $(seq "$runs"); do "$bin" template $args >/dev/null; done
    end=$(date +%s%N)
    echo "paddock template $args: $(( (end - start) / runs / 1000 )) µs per run (mean of $runs)"
  done
fi
for args in "" "-f $amazon"; do
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -v "$bin" template $args 2>&1 >/dev/null | awk -v a="$args" '/Maximum resident/ {print "paddock template " a ": peak RSS " $6 " KiB"}'
  fi
done
