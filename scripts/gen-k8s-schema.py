#!/usr/bin/env python3
"""Generate paddock's bundled strict Kubernetes schema.

Usage: python scripts/gen-k8s-schema.py SCHEMA_DIR [OUTPUT]

SCHEMA_DIR is the ``v1.33.0-local-strict`` directory shipped by the PyPI
package ``kubernetes-validate`` (``kubernetes_validate/kubernetes-json-schema/
v1.33.0-local-strict``). OUTPUT defaults to
``crates/paddock-core/schemas/k8s-v1.33-strict.json`` next to this script.

The output is compact, deterministic JSON:

* ``version``: the Kubernetes version the schemas describe;
* ``kinds``: ``"<apiVersion>/<Kind>"`` -> definition name, for every non-List
  kind of the GA API groups listed in ``GA_GROUP_VERSIONS``;
* ``defs``: every definition reachable from those kinds, reduced to the
  keywords the Rust validator understands (see ``KEPT_KEYWORDS``), with
  ``$ref`` rewritten to the bare definition name.

The top-level schema of a kind is taken from its per-kind file (e.g.
``deployment-apps-v1.json``), which is what ``kubernetes_validate.validate``
checks against; it differs slightly from the shared definition (required
top-level fields may be null). Standard library only.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

VERSION = "1.33.0"

GA_GROUP_VERSIONS = {
    ("", "v1"),
    ("apps", "v1"),
    ("batch", "v1"),
    ("rbac.authorization.k8s.io", "v1"),
    ("networking.k8s.io", "v1"),
    ("storage.k8s.io", "v1"),
    ("policy", "v1"),
    ("autoscaling", "v1"),
    ("autoscaling", "v2"),
    ("coordination.k8s.io", "v1"),
    ("scheduling.k8s.io", "v1"),
    ("admissionregistration.k8s.io", "v1"),
    ("apiextensions.k8s.io", "v1"),
    ("certificates.k8s.io", "v1"),
    ("discovery.k8s.io", "v1"),
    ("node.k8s.io", "v1"),
    ("events.k8s.io", "v1"),
}

KEPT_KEYWORDS = (
    "type",
    "properties",
    "additionalProperties",
    "items",
    "required",
    "enum",
    "$ref",
    "format",
    "oneOf",
)

# Only these formats are asserted by the validator; the others (byte,
# date-time, double, int-or-string, ...) are annotations and are dropped.
KEPT_FORMATS = {"int32", "int64"}

REF_PATTERN = re.compile(r"^(?:/api/_definitions\.json)?#/\$defs/(.+)$")


def ref_name(ref: str) -> str:
    match = REF_PATTERN.match(ref)
    if not match:
        raise SystemExit(f"unsupported $ref: {ref!r}")
    return match.group(1)


def strip(schema, refs: set[str]):
    """Returns `schema` reduced to KEPT_KEYWORDS; collects referenced names into `refs`."""
    if isinstance(schema, bool):
        return schema
    if not isinstance(schema, dict):
        raise SystemExit(f"unexpected schema node: {schema!r}")
    out = {}
    for key in KEPT_KEYWORDS:
        if key not in schema:
            continue
        value = schema[key]
        if key == "properties":
            out[key] = {name: strip(sub, refs) for name, sub in value.items()}
        elif key in ("additionalProperties", "items"):
            out[key] = strip(value, refs)
        elif key == "oneOf":
            out[key] = [strip(sub, refs) for sub in value]
        elif key == "$ref":
            name = ref_name(value)
            refs.add(name)
            out[key] = name
        elif key == "format":
            if value in KEPT_FORMATS:
                out[key] = value
        else:
            out[key] = value
    return out


def kind_file_name(group: str, version: str, kind: str) -> str:
    """Mirrors kubernetes_validate's lookup: rbac.authorization.k8s.io/v1 -> rbac-v1."""
    group_part = group.split(".", 1)[0] + "-" if group else ""
    return f"{kind.lower()}-{group_part}{version}.json"


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    schema_dir = Path(argv[1])
    default_out = Path(__file__).resolve().parent.parent / "crates/paddock-core/schemas/k8s-v1.33-strict.json"
    out_path = Path(argv[2]) if len(argv) == 3 else default_out

    with open(schema_dir / "_definitions.json", encoding="utf-8") as f:
        all_defs = json.load(f)["$defs"]

    kinds: dict[str, str] = {}
    top_level: dict[str, dict] = {}
    for name, definition in sorted(all_defs.items()):
        gvks = definition.get("x-kubernetes-group-version-kind", [])
        # Envelope types (DeleteOptions, WatchEvent) carry one GVK per group: not resources.
        if len(gvks) != 1:
            continue
        gvk = gvks[0]
        group, version, kind = gvk["group"], gvk["version"], gvk["kind"]
        if (group, version) not in GA_GROUP_VERSIONS or kind.endswith("List"):
            continue
        kind_file = schema_dir / kind_file_name(group, version, kind)
        if not kind_file.exists():
            # e.g. meta types (Status, APIGroup) registered under v1 without a per-kind file.
            continue
        with open(kind_file, encoding="utf-8") as f:
            per_kind = json.load(f)
        if per_kind.get("x-kubernetes-group-version-kind") != gvks:
            raise SystemExit(f"{kind_file.name}: group-version-kind does not match {name}")
        api_version = f"{group}/{version}" if group else version
        key = f"{api_version}/{kind}"
        if key in kinds:
            raise SystemExit(f"duplicate kind {key}: {kinds[key]} and {name}")
        kinds[key] = name
        # The per-kind file says "type": "object" where the shared definition
        # allows null too; that is irrelevant for a top-level object, so keep
        # the shared form and only diff the keywords that matter.
        per_kind["type"] = definition.get("type")
        top_level[name] = per_kind

    defs: dict[str, object] = {}
    pending = sorted(kinds.values())
    while pending:
        name = pending.pop()
        if name in defs:
            continue
        if name not in all_defs:
            raise SystemExit(f"unresolved definition {name}")
        refs: set[str] = set()
        defs[name] = strip(top_level.get(name, all_defs[name]), refs)
        pending.extend(sorted(refs - defs.keys()))

    # A kind's top-level schema replaces its shared definition; make sure no
    # other definition depends on the (slightly different) shared form.
    for name in top_level:
        if strip(all_defs[name], set()) == defs[name]:
            continue
        for other, schema in defs.items():
            if other != name and f'"$ref": "{name}"' in json.dumps(schema):
                raise SystemExit(f"{name} is referenced by {other} but its per-kind schema differs")

    document = {"version": VERSION, "kinds": kinds, "defs": defs}
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {out_path}: {len(kinds)} kinds, {len(defs)} definitions, {len(text) + 1} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
