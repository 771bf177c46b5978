#!/usr/bin/env python3
"""Render a paddock stack directory with Python Jinja2.

A cross-check that the stack's templates are real Jinja2 and render the same
way the Rust (minijinja) renderer does. Context: `values` (the stack's
values.yaml deep-merged with each -f file), `release` ({name, namespace}) and
`generated` (fixed placeholders here, one per stack.yaml `generated:` entry).

    render_stack.py STACK_DIR [-f values.yaml]... [--namespace NS] [--release NAME]
                    [--engine jinja2|minijinja] [--context-json FILE]

--engine minijinja renders with the `minijinja` PyPI package (Python bindings
of the Rust engine paddock uses) instead, to compare the two outputs.

Prints one YAML stream ("---"-separated) on stdout, services in prerequisite
order, templates in each service's template-list order. Exit 2 on bad input.
"""

import argparse
import base64
import hashlib
import json
import os
import re
import sys

import yaml

from common import deep_merge, die, load_yaml


def b64encode(value):
    # Only strings: callers convert other types explicitly so that Jinja2 and
    # minijinja (which stringify booleans and none differently) agree.
    if not isinstance(value, str):
        raise TypeError(f"b64encode expects a string, got {type(value).__name__}: {value!r}")
    return base64.b64encode(value.encode("utf-8")).decode("ascii")


def placeholder(name, length):
    """Deterministic alphanumeric stand-in for a generated credential."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    out, counter = "", 0
    while len(out) < length:
        digest = hashlib.sha256(f"{name}:{counter}".encode()).digest()
        out += "".join(alphabet[b % len(alphabet)] for b in digest)
        counter += 1
    return out[:length]


def load_services(stack_dir):
    services = {}
    for entry in sorted(os.listdir(stack_dir)):
        desc = os.path.join(stack_dir, entry, "deploy", "service.yaml")
        if os.path.isfile(desc):
            data = load_yaml(desc) or {}
            services[entry] = {
                "prerequisite": list(data.get("prerequisite") or []),
                "templates": list(data.get("template-list") or []),
            }
    if not services:
        die(f"{stack_dir}: no <service>/deploy/service.yaml found")
    for name, svc in services.items():
        for dep in svc["prerequisite"]:
            if dep not in services:
                die(f"service {name}: unknown prerequisite {dep!r}")
    return services


def start_order(services):
    """Topological order; ties broken by name so the output is stable."""
    order, state = [], {}

    def visit(name, path):
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            die("prerequisite cycle: " + " -> ".join(path + [name]))
        state[name] = "visiting"
        for dep in sorted(services[name]["prerequisite"]):
            visit(dep, path + [name])
        state[name] = "done"
        order.append(name)

    for name in sorted(services):
        visit(name, [])
    return order


def make_jinja2(stack_dir):
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(stack_dir),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["b64encode"] = b64encode
    return lambda name, ctx: env.get_template(name).render(ctx)


def make_minijinja(stack_dir):
    try:
        import minijinja
    except ImportError:
        die("--engine minijinja needs the `minijinja` Python package (pip install minijinja)")

    def load(name):
        path = os.path.join(stack_dir, name)
        if not os.path.isfile(path):
            return None
        with open(path, encoding="utf-8") as f:
            return f.read()

    env = minijinja.Environment(
        loader=load,
        undefined_behavior="strict",
        keep_trailing_newline=True,
        auto_escape_callback=lambda name: False,
        filters={"b64encode": b64encode},
    )
    return lambda name, ctx: env.render_template(name, **ctx)


DOC_SPLIT = re.compile(r"^---[ \t]*$", re.M)


def meaningful(doc):
    """False for documents holding only whitespace and comments."""
    return any(line.strip() and not line.strip().startswith("#") for line in doc.splitlines())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("stack_dir")
    ap.add_argument("-f", "--values", action="append", default=[], help="values file (repeatable)")
    ap.add_argument("--namespace", default="default")
    ap.add_argument("--release", default=None, help="release name (default: stack.yaml release)")
    ap.add_argument("--engine", choices=["jinja2", "minijinja"], default="jinja2")
    ap.add_argument(
        "--context-json",
        default=None,
        help="JSON object merged into the context (what paddock generates outside templates)",
    )
    args = ap.parse_args()

    stack_dir = args.stack_dir
    stack = load_yaml(os.path.join(stack_dir, "stack.yaml")) or {}
    values = load_yaml(os.path.join(stack_dir, "values.yaml")) or {}
    for path in args.values:
        values = deep_merge(values, load_yaml(path) or {})

    generated = {name: placeholder(name, int(length)) for name, length in (stack.get("generated") or {}).items()}
    release = {"name": args.release or stack.get("release", "release"), "namespace": args.namespace}

    context = {"values": values, "release": release, "generated": generated}
    if args.context_json:
        with open(args.context_json, encoding="utf-8") as f:
            context.update(json.load(f))
    render = make_minijinja(stack_dir) if args.engine == "minijinja" else make_jinja2(stack_dir)

    services = load_services(stack_dir)
    docs = []
    for svc in start_order(services):
        for item in services[svc]["templates"]:
            rel = f"{svc}/deploy/{item}.template"
            try:
                text = render(rel, context)
            except Exception as e:  # engine errors: undefined keys, syntax, filter misuse
                die(f"{rel}: {type(e).__name__}: {e}")
            for n, doc in enumerate(DOC_SPLIT.split(text)):
                if not meaningful(doc):
                    continue
                try:
                    yaml.safe_load(doc)
                except yaml.YAMLError as e:
                    die(f"{rel} (document {n + 1}) is not valid YAML: {e}\n{doc}")
                docs.append(f"# Source: {svc}/deploy/{item}\n{doc.strip(chr(10))}\n")
    sys.stdout.write("---\n" + "---\n".join(docs))


if __name__ == "__main__":
    main()
