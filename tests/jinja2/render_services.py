#!/usr/bin/env python3
"""Render paictl-style service directories with Python Jinja2.

The reference for paddock's `service` commands: the same templates, the same
context, rendered by the engine OpenPAI used. Context:

  cluster_cfg  every service's config/<svc>.yaml defaults with the
               services-configuration.yaml section of the same name merged over
               (mappings merge key by key), services in name order, then the
               file's other sections (`cluster:`)
  layout       layout.yaml as loaded
  release      {name: "paddock", namespace: NS}
  values, generated  empty (they belong to paddock's built-in stack)

    render_services.py --services DIR [--services DIR]... [-p CONFIG_DIR] [--namespace NS]

Later --services directories replace services of the same name. Services whose
cluster-type does not list k8s are left out, as paddock does. Prints one JSON
object on stdout: {"<service>/<template-list entry>": rendered text}, keys
sorted. Exit 2 on bad input.
"""

import argparse
import base64
import json
import os
import sys

import jinja2
import yaml

from common import deep_merge, die, load_yaml


class PyDict(dict):
    """A dict that also answers Python 2's iteritems(), which OpenPAI templates use."""

    def iteritems(self):
        return self.items()


def wrap(value):
    if isinstance(value, dict):
        return PyDict((k, wrap(v)) for k, v in value.items())
    if isinstance(value, list):
        return [wrap(v) for v in value]
    return value


def is_for_kubernetes(spec):
    kind = spec.get("cluster-type")
    if kind is None:
        return True
    kinds = kind if isinstance(kind, list) else [kind]
    return any(str(k).lower() == "k8s" for k in kinds)


def discover(roots):
    """name -> (root, spec); later roots win."""
    services = {}
    for root in roots:
        for entry in sorted(os.listdir(root)):
            desc = os.path.join(root, entry, "deploy", "service.yaml")
            if entry.startswith(".") or not os.path.isfile(desc):
                continue
            spec = load_yaml(desc) or {}
            if is_for_kubernetes(spec):
                services[entry] = (root, spec)
    return dict(sorted(services.items()))


def b64encode(value):
    return base64.b64encode(str(value).encode("utf-8")).decode("ascii")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--services", action="append", required=True, help="services root (repeatable)")
    ap.add_argument("-p", "--config-dir", default=None)
    ap.add_argument("--namespace", default="default")
    args = ap.parse_args()

    services = discover(args.services)
    layout, overlay = {}, {}
    if args.config_dir:
        layout_path = os.path.join(args.config_dir, "layout.yaml")
        config_path = os.path.join(args.config_dir, "services-configuration.yaml")
        if os.path.isfile(layout_path):
            layout = load_yaml(layout_path) or {}
        if os.path.isfile(config_path):
            overlay = load_yaml(config_path) or {}

    cluster_cfg = {}
    for name, (root, _) in services.items():
        defaults = os.path.join(root, name, "config", f"{name}.yaml")
        cluster_cfg[name] = (load_yaml(defaults) or {}) if os.path.isfile(defaults) else {}
    cluster_cfg = deep_merge(cluster_cfg, overlay)

    context = wrap({
        "values": {},
        "release": {"name": "paddock", "namespace": args.namespace},
        "generated": {},
        "cluster_cfg": cluster_cfg,
        "layout": layout,
    })

    environments = {}
    out = {}
    for name, (root, spec) in services.items():
        env = environments.get(root)
        if env is None:
            env = jinja2.Environment(
                loader=jinja2.FileSystemLoader(root),
                keep_trailing_newline=True,
                autoescape=False,
            )
            env.filters["b64encode"] = b64encode
            environments[root] = env
        for item in spec.get("template-list") or []:
            template = f"{name}/deploy/{item}.template"
            try:
                out[f"{name}/{item}"] = env.get_template(template).render(context)
            except jinja2.TemplateError as e:
                die(f"{root}/{template}: {type(e).__name__}: {e}")
    json.dump(out, sys.stdout, sort_keys=True, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
