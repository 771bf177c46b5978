#!/usr/bin/env python3
"""Independent cross-check of rendered manifests with kubernetes-validate.

Usage: python scripts/k8s-crosscheck.py FILE...

Each FILE is either a YAML stream (documents separated by ``---``) or a JSON
stream (JSON objects one after another, pretty-printed or not, with no
separators). A ``v1/List`` is expanded into its items. Every object is
validated with ``kubernetes_validate.validate(obj, "1.33.0", strict=True)``,
the same schemas paddock bundles (see scripts/gen-k8s-schema.py).

Prints one line per failing object (file, kind/name, message), one line per
object whose apiVersion/kind has no schema (a custom resource, say; these are
reported as skipped, not failed), then ``N passed, M failed`` (with
``, K skipped`` appended when K > 0). Exits 1 if any object failed, 2 on
unreadable input.

Needs the PyPI packages kubernetes-validate and PyYAML.
"""

from __future__ import annotations

import json
import sys

import kubernetes_validate
import yaml

KUBERNETES_VERSION = "1.33.0"


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps timestamps as strings, as kubectl (sigs.k8s.io/yaml) does."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def json_stream(text: str):
    """Yields the JSON values of a concatenated JSON stream."""
    decoder = json.JSONDecoder()
    position = 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position == len(text):
            return
        value, position = decoder.raw_decode(text, position)
        yield value


def documents(path: str):
    """Yields the objects of a YAML or JSON stream, expanding v1 Lists."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    stripped = text.lstrip()
    if stripped.startswith("{") or stripped.startswith("["):
        loaded = json_stream(text)
    else:
        loaded = yaml.load_all(text, Loader=_Loader)
    for document in loaded:
        if document is None:
            continue
        if isinstance(document, list):
            yield from document
        elif (
            isinstance(document, dict)
            and document.get("apiVersion") == "v1"
            and document.get("kind") == "List"
        ):
            yield from document.get("items") or []
        else:
            yield document


def describe(obj) -> str:
    if not isinstance(obj, dict):
        return f"<{type(obj).__name__}>"
    metadata = obj.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return f"{obj.get('kind', '<no kind>')}/{name or '<no name>'}"


def check(obj) -> tuple[str, str | None]:
    """Returns ("pass" | "fail" | "skip", message)."""
    if not isinstance(obj, dict):
        return "fail", f"expected an object, got {type(obj).__name__}"
    for field in ("apiVersion", "kind"):
        if not isinstance(obj.get(field), str) or not obj[field]:
            return "fail", f"missing or invalid {field}"
    try:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.SchemaNotFoundError:
        return "skip", f"no schema for {obj['apiVersion']} {obj['kind']}"
    except kubernetes_validate.ValidationError as error:
        path = "".join(
            f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path
        ).lstrip(".")
        message = " ".join(str(error.message).split())
        return "fail", f"{path}: {message}" if path else message
    return "pass", None


def main(paths: list[str]) -> int:
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    counts = {"pass": 0, "fail": 0, "skip": 0}
    for path in paths:
        try:
            objects = list(documents(path))
        except (OSError, ValueError, yaml.YAMLError) as error:
            print(f"{path}: cannot read: {error}", file=sys.stderr)
            return 2
        for obj in objects:
            status, message = check(obj)
            counts[status] += 1
            if status == "fail":
                print(f"{path}: {describe(obj)}: {message}")
            elif status == "skip":
                print(f"{path}: {describe(obj)}: skipped: {message}")
    summary = f"{counts['pass']} passed, {counts['fail']} failed"
    if counts["skip"]:
        summary += f", {counts['skip']} skipped"
    print(summary)
    return 1 if counts["fail"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
