"""Helpers shared by the Jinja2 cross-check scripts (render_stack.py, render_services.py)."""

import os
import sys

import yaml


def die(msg):
    """Print `<script>: msg` on stderr and exit 2 (bad input)."""
    script = os.path.splitext(os.path.basename(sys.argv[0]))[0]
    print(f"{script}: {msg}", file=sys.stderr)
    sys.exit(2)


def load_yaml(path):
    """One YAML document from `path`; a read or parse error ends the script."""
    try:
        with open(path, encoding="utf-8") as f:
            return yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        die(f"{path}: {e}")


def deep_merge(base, override):
    """Helm semantics: maps merge key by key, anything else replaces."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for k, v in override.items():
            out[k] = deep_merge(base[k], v) if k in base else v
        return out
    return override
