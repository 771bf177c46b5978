#!/usr/bin/env python3
"""Compare paddock's rendered pachyderm stack with the Helm chart's output.

    compare-reference.py OURS.yaml REFERENCE.yaml

Compares, object by object: the inventory (kind/name), labels of each object
and of its pod template, selectors, container ports, service ports and type,
env vars of every container (names, order, literal values and references),
envFrom, secret/config-map keys, volume names, volume-claim storage class
and size, RBAC rules and bindings, Ingress rules and TLS, and the parsed
content of pachd's identity/auth configuration.

Objects paddock does not render are skipped: the loki-stack subchart
(pachd-loki*, pachd-promtail*), helm test pods, and the Envoy proxy objects
(pachyderm-proxy Deployment/Service/ConfigMap, *-proxy-backend Services).
Values that are random per render (credentials, cluster id, LOCAL host path)
are not compared. Known, intended differences are printed as "deliberate"
and do not fail the comparison; see DELIBERATE below.

Exit status: 0 no differences, 1 differences, 2 bad input.
"""

import base64
import sys

import yaml

OUT_OF_SCOPE = {
    ("Deployment", "pachyderm-proxy"),
    ("Service", "pachyderm-proxy"),
    ("ConfigMap", "pachyderm-proxy-config"),
    ("Service", "pachd-proxy-backend"),
    ("Service", "console-proxy-backend"),
}

# Label keys the chart's bitnami postgres subchart sets that paddock changes on
# purpose (not Helm-managed; no chart). Selector labels are untouched.
PG_LABELS = {"helm.sh/chart": None, "app.kubernetes.io/managed-by": "paddock"}

# Env values that are random per Helm render (so never a contract).
RANDOM_ENV = {"STORAGE_HOST_PATH"}


def in_scope(obj):
    kind, name = obj.get("kind"), obj.get("metadata", {}).get("name", "")
    if "loki" in name or "promtail" in name:
        return False
    if kind == "Pod":
        return False
    return (kind, name) not in OUT_OF_SCOPE


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            docs = [d for d in yaml.safe_load_all(f) if d]
    except (OSError, yaml.YAMLError) as e:
        print(f"compare-reference: {path}: {e}", file=sys.stderr)
        sys.exit(2)
    objs = {}
    for d in docs:
        if not in_scope(d):
            continue
        key = (d["kind"], d["metadata"]["name"])
        if key in objs:
            print(f"compare-reference: {path}: duplicate {key[0]}/{key[1]}", file=sys.stderr)
            sys.exit(2)
        objs[key] = d
    return objs


def pod_spec(obj):
    return ((obj.get("spec") or {}).get("template") or {}).get("spec")


def secret_data(obj):
    """Decoded data + stringData of a Secret."""
    out = {}
    for k, v in (obj.get("data") or {}).items():
        out[k] = base64.b64decode(v or "").decode("utf-8", "replace")
    for k, v in (obj.get("stringData") or {}).items():
        out[k] = v
    return out


def norm_env(e):
    if "valueFrom" in e:
        vf = e["valueFrom"]
        for kind in ("secretKeyRef", "configMapKeyRef"):
            if kind in vf:
                r = vf[kind]
                return (e["name"], kind, r.get("name"), r.get("key"), bool(r.get("optional")))
        if "fieldRef" in vf:
            return (e["name"], "fieldRef", vf["fieldRef"].get("fieldPath"))
        if "resourceFieldRef" in vf:
            r = vf["resourceFieldRef"]
            return (e["name"], "resourceFieldRef", r.get("containerName"), r.get("resource"))
        return (e["name"], "valueFrom", repr(vf))
    value = e.get("value")
    if e["name"] in RANDOM_ENV:
        value = "<random>"
    return (e["name"], "value", "" if value is None else str(value))


def norm_rules(rules):
    return sorted(
        (tuple(sorted(r.get("apiGroups") or [])), tuple(sorted(r.get("resources") or [])), tuple(sorted(r.get("verbs") or [])))
        for r in rules or []
    )


def svc_ports(obj):
    spec = obj.get("spec") or {}
    ports = [
        (p.get("name"), p.get("port"), p.get("targetPort"), p.get("nodePort"), p.get("protocol") or "TCP")
        for p in spec.get("ports") or []
    ]
    return {"type": spec.get("type") or "ClusterIP", "clusterIP": spec.get("clusterIP"), "ports": ports}


def vct(obj):
    out = []
    for t in (obj.get("spec") or {}).get("volumeClaimTemplates") or []:
        s = t.get("spec") or {}
        out.append((t["metadata"]["name"], s.get("storageClassName"),
                    ((s.get("resources") or {}).get("requests") or {}).get("storage"),
                    tuple(s.get("accessModes") or []), tuple(sorted((t["metadata"].get("labels") or {}).items()))))
    return out


def ingress(obj):
    spec = obj.get("spec") or {}
    rules = []
    for r in spec.get("rules") or []:
        for p in ((r.get("http") or {}).get("paths") or []):
            svc = (p.get("backend") or {}).get("service") or {}
            port = svc.get("port") or {}
            rules.append((r.get("host"), p.get("path"), p.get("pathType"), svc.get("name"), port.get("name") or port.get("number")))
    tls = [(t.get("secretName"), tuple(t.get("hosts") or [])) for t in spec.get("tls") or []]
    return {"rules": sorted(rules), "tls": tls, "annotations": obj["metadata"].get("annotations") or {}}


def parse_yaml_text(text):
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        return f"<invalid YAML: {e}>"


# Content of these config entries is compared after parsing it as YAML.
PARSED_CONFIG = {
    ("ConfigMap", "pachyderm-identity-config"): ["identity-config", "oidc-clients", "trusted-peers"],
    ("Secret", "pachyderm-identity"): ["upstream-idps"],
    ("Secret", "pachyderm-auth"): ["auth-config", "cluster-role-bindings"],
    ("ConfigMap", "pachyderm-enterprise-config"): ["enterprise-cluster"],
}

# Config maps whose content is compared verbatim.
VERBATIM_CONFIG = {("ConfigMap", "postgres-init-scripts")}


def drop_nulls(v):
    """Null map entries mean the same as absent ones to the API server."""
    if isinstance(v, dict):
        return {k: drop_nulls(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [drop_nulls(x) for x in v]
    return v


def facets(obj):
    """The comparable facts of one object, as {facet name: value}."""
    obj = drop_nulls(obj)
    kind = obj["kind"]
    md = obj.get("metadata") or {}
    f = {"labels": md.get("labels") or {}}
    spec = obj.get("spec") or {}
    if kind in ("Deployment", "StatefulSet", "DaemonSet"):
        tmpl = spec.get("template") or {}
        f["pod labels"] = (tmpl.get("metadata") or {}).get("labels") or {}
        f["selector"] = (spec.get("selector") or {}).get("matchLabels") or {}
        f["replicas"] = spec.get("replicas", 1)
        ps = pod_spec(obj) or {}
        f["volumes"] = sorted(v["name"] for v in ps.get("volumes") or [])
        f["service account"] = ps.get("serviceAccountName")
        f["automountServiceAccountToken"] = ps.get("automountServiceAccountToken")
        f["pod securityContext"] = ps.get("securityContext")
        for k in ("affinity", "nodeSelector", "tolerations", "priorityClassName", "imagePullSecrets"):
            f[f"pod {k}"] = ps.get(k)
        f["pod annotations"] = {k: v for k, v in ((tmpl.get("metadata") or {}).get("annotations") or {}).items()
                                if not k.startswith("checksum/")}
        for c in (ps.get("initContainers") or []) + (ps.get("containers") or []):
            n = c["name"]
            f[f"container {n} image"] = c.get("image")
            f[f"container {n} ports"] = [(p.get("name"), p.get("containerPort")) for p in c.get("ports") or []]
            f[f"container {n} env"] = [norm_env(e) for e in c.get("env") or []]
            f[f"container {n} envFrom"] = [
                (k, r.get("name"), bool(r.get("optional"))) for ef in c.get("envFrom") or [] for k, r in ef.items()
            ]
            f[f"container {n} command"] = (c.get("command"), c.get("args"))
            f[f"container {n} securityContext"] = c.get("securityContext")
            f[f"container {n} resources"] = c.get("resources") or {}
            f[f"container {n} imagePullPolicy"] = c.get("imagePullPolicy")
            for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
                f[f"container {n} {probe}"] = c.get(probe)
            f[f"container {n} volumeMounts"] = sorted((m["name"], m["mountPath"]) for m in c.get("volumeMounts") or [])
        if kind == "StatefulSet":
            f["volumeClaimTemplates"] = vct(obj)
            f["serviceName"] = spec.get("serviceName")
    elif kind == "Service":
        f["selector"] = spec.get("selector") or {}
        f["annotations"] = md.get("annotations") or {}
        f["loadBalancerIP"] = spec.get("loadBalancerIP") or None
        f["publishNotReadyAddresses"] = spec.get("publishNotReadyAddresses")
        f.update(svc_ports(obj))
    elif kind == "Secret":
        data = secret_data(obj)
        f["keys"] = sorted(data)
        f["type"] = obj.get("type") or "Opaque"
        for k in PARSED_CONFIG.get((kind, md["name"]), []):
            if k in data:
                f[f"parsed {k}"] = parse_yaml_text(data[k])
    elif kind == "ConfigMap":
        data = obj.get("data") or {}
        f["keys"] = sorted(data)
        for k in PARSED_CONFIG.get((kind, md["name"]), []):
            if k in data:
                f[f"parsed {k}"] = parse_yaml_text(data[k])
        if (kind, md["name"]) in VERBATIM_CONFIG:
            f["data"] = data
    elif kind in ("Role", "ClusterRole"):
        f["rules"] = norm_rules(obj.get("rules"))
    elif kind in ("RoleBinding", "ClusterRoleBinding"):
        rr = obj.get("roleRef") or {}
        f["roleRef"] = (rr.get("kind"), rr.get("name"))
        f["subjects"] = sorted((s.get("kind"), s.get("name"), s.get("namespace")) for s in obj.get("subjects") or [])
    elif kind == "Ingress":
        f.update(ingress(obj))
    elif kind == "ServiceAccount":
        f["automount"] = obj.get("automountServiceAccountToken")
    return f


def deliberate(kind, name, facet, ours, ref):
    """Return the reason when a difference is intended, else None."""
    # The embedded postgres is not a Helm release under paddock.
    if facet in ("labels", "pod labels") and isinstance(ref, dict) and ref.get("helm.sh/chart", "").startswith("postgresql-"):
        expected = {k: v for k, v in ref.items() if k not in PG_LABELS}
        expected.update({k: v for k, v in PG_LABELS.items() if v is not None})
        if ours == expected:
            return "postgres labels: managed-by paddock, no helm.sh/chart label"
    return None


def show(v):
    return yaml.safe_dump(v, default_flow_style=True, width=10_000).strip()


def diff_lists(a, b):
    """Short description of how two lists differ."""
    if sorted(map(repr, a)) == sorted(map(repr, b)):
        return "same entries, different order"
    only_a = [x for x in a if x not in b]
    only_b = [x for x in b if x not in a]
    parts = []
    if only_a:
        parts.append("only ours: " + show(only_a))
    if only_b:
        parts.append("only reference: " + show(only_b))
    return "; ".join(parts)


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        sys.exit(2)
    ours, ref = load(sys.argv[1]), load(sys.argv[2])
    problems, intended = [], []

    for key in sorted(set(ref) - set(ours)):
        problems.append(f"missing object {key[0]}/{key[1]}")
    for key in sorted(set(ours) - set(ref)):
        problems.append(f"extra object {key[0]}/{key[1]}")

    for key in sorted(set(ours) & set(ref)):
        fo, fr = facets(ours[key]), facets(ref[key])
        for facet in sorted(set(fo) | set(fr)):
            a, b = fo.get(facet), fr.get(facet)
            if a == b:
                continue
            where = f"{key[0]}/{key[1]}: {facet}"
            reason = deliberate(key[0], key[1], facet, a, b)
            if reason:
                intended.append(f"{where}: {reason}")
                continue
            if isinstance(a, list) and isinstance(b, list):
                problems.append(f"{where}: {diff_lists(a, b)}")
            else:
                problems.append(f"{where}:\n    ours:      {show(a)}\n    reference: {show(b)}")

    for line in intended:
        print(f"deliberate: {line}")
    for line in problems:
        print(f"DIFF: {line}")
    print(f"{len(set(ours) & set(ref))} objects compared, {len(problems)} differences, {len(intended)} deliberate")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
