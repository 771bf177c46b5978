#!/usr/bin/env bash
# Regenerates crates/paddock/hot-symbols.txt: the functions the release binary runs for the
# benchmarked commands (`template` for each values fixture, `deploy custom --dry-run`,
# `--version`), as the linker names them. The release link places these functions next to
# each other (crates/paddock/build.rs), so a run touches fewer pages of code. Needs valgrind.
# Usage: scripts/hot-symbols.sh   (rerun after changes to the render path; stale names are
# ignored by the linker, they only cost locality)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 2; }
cargo build --release --quiet -p paddock
bin=${CARGO_TARGET_DIR:-target}/release/paddock
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
runs=("template" "--version"
    "deploy custom --persistent-disk aws --object-store s3 foobar 10 pachyderm-bucket id secret minio:9000 --dynamic-etcd-nodes 1 --dry-run")
for values in crates/paddock/tests/fixtures/values/*.yaml; do
    runs+=("template -f $values")
done
n=0
for args in "${runs[@]}"; do
    n=$((n + 1))
    # shellcheck disable=SC2086 # the arguments are split on purpose
    valgrind --tool=callgrind --demangle=no --callgrind-out-file="$work/run.$n" "$bin" $args >/dev/null 2>&1
done
# Function names callgrind saw, kept where they name a function of the binary's own text.
cat "$work"/run.* | sed -nE "s/^c?fn=\([0-9]+\) ([^']+).*/\1/p" | sort -u >"$work/seen"
nm --defined-only "$bin" | awk '$2 == "t" || $2 == "T" {print $3}' | sort -u >"$work/defined"
comm -12 "$work/seen" "$work/defined" >crates/paddock/hot-symbols.txt
echo "crates/paddock/hot-symbols.txt: $(wc -l <crates/paddock/hot-symbols.txt) functions"
