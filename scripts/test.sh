#!/usr/bin/env bash
# Runs every test of the workspace. First installs, inside the clone, the real components
# the cross-check tests use (see scripts/setup-test-tools.sh); nothing outside the clone.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-test-tools.sh
export PADDOCK_PYTHON="$PWD/.venv/bin/python"
cargo test --workspace --locked
