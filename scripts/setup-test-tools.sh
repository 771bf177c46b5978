#!/usr/bin/env bash
# Installs the test-only tools into .venv (in the clone): kubernetes-validate for the
# independent schema cross-check, Jinja2 for the template compatibility check.
# Idempotent: a second run only checks that everything is there.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
need=()
"$VENV/bin/python" -c "import kubernetes_validate" 2>/dev/null || need+=("kubernetes-validate==1.37.0")
"$VENV/bin/python" -c "import jinja2, yaml" 2>/dev/null || need+=("jinja2>=3.1,<4" "pyyaml>=6")
if [ ${#need[@]} -gt 0 ]; then
  "$VENV/bin/pip" install --quiet --no-cache-dir --disable-pip-version-check "${need[@]}"
fi
