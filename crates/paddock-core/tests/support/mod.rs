//! Shared helpers of the integration tests: the reference folder, stream loading, and the
//! "contract view" of an object (the facts pachd depends on, one line each).

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The workspace root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The repository's test Python (`$PADDOCK_PYTHON`, else `.venv/bin/python`) when it can
/// `import <modules>` (comma-separated), else `None` (the test prints why and passes
/// vacuously). Missing under CI=true is a failure: scripts/setup-test-tools.sh installs it.
pub fn python_with(modules: &str) -> Option<PathBuf> {
    let candidate = std::env::var_os("PADDOCK_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".venv/bin/python"));
    let works = std::process::Command::new(&candidate)
        .args(["-c", &format!("import {modules}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if works {
        return Some(candidate);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "{} cannot import {modules}: run scripts/setup-test-tools.sh",
            candidate.display()
        );
    }
    eprintln!("skipping: no Python with {modules} (run scripts/setup-test-tools.sh)");
    None
}

/// A process's stdout as text.
pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// A process's stderr as text.
pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// `../shared/reference` (or `$PADDOCK_REFERENCE_DIR`). Missing: a failure under CI=true,
/// otherwise `None` (the test prints why and passes vacuously).
pub fn reference_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("PADDOCK_REFERENCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/reference"));
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "reference outputs not found at {} (set PADDOCK_REFERENCE_DIR)",
            dir.display()
        );
    }
    eprintln!("skipping: reference outputs not found at {}", dir.display());
    None
}

/// The Helm chart 2.11.6 reference folder.
pub fn chart_reference_dir() -> Option<PathBuf> {
    reference_dir().map(|d| d.join("pachyderm-chart-2.11.6"))
}

/// The pachctl 1.9.12 reference folder.
pub fn pachctl_reference_dir() -> Option<PathBuf> {
    reference_dir().map(|d| d.join("pachctl-1.9.12"))
}

/// Loads a YAML stream, or a stream of concatenated JSON objects, dropping empty documents.
pub fn load_stream(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    if text.trim_start().starts_with('{') {
        return serde_json::Deserializer::from_str(&text)
            .into_iter::<Value>()
            .collect::<Result<_, _>>()
            .unwrap();
    }
    let docs: Vec<Value> =
        serde_saphyr::from_multiple(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    docs.into_iter().filter(|d| d.is_object()).collect()
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        other => other.to_string(),
    }
}

fn map_lines(prefix: &str, v: &Value, out: &mut Vec<String>) {
    if let Some(m) = v.as_object() {
        for (k, val) in m {
            out.push(format!("{prefix} {k}={}", scalar(val)));
        }
    }
}

/// Labels without the ones that name the tool that rendered the object (not a contract).
fn without_tool_labels(labels: &Value) -> Value {
    let mut labels = labels.clone();
    if let Some(m) = labels.as_object_mut() {
        m.remove("helm.sh/chart");
        m.remove("app.kubernetes.io/managed-by");
    }
    labels
}

/// The pod spec of a workload (or the Pod itself).
pub fn pod_spec(obj: &Value) -> Option<&Value> {
    match obj["kind"].as_str()? {
        "Pod" => obj.get("spec"),
        "CronJob" => obj.pointer("/spec/jobTemplate/spec/template/spec"),
        _ => obj.pointer("/spec/template/spec"),
    }
}

/// One line per contract fact of an object: labels, selectors, ports, env var names, envFrom,
/// volumes, secret keys, storage requests, RBAC rules, ingress rules.
pub fn contract_lines(obj: &Value) -> Vec<String> {
    let kind = obj["kind"].as_str().unwrap_or("");
    let id = format!("{kind}/{}", obj["metadata"]["name"].as_str().unwrap_or(""));
    let mut out = vec![format!("{id} exists")];
    map_lines(
        &format!("{id} label"),
        &without_tool_labels(&obj["metadata"]["labels"]),
        &mut out,
    );
    map_lines(
        &format!("{id} selector"),
        &obj["spec"]["selector"]["matchLabels"],
        &mut out,
    );
    if kind == "Service" {
        map_lines(
            &format!("{id} selector"),
            &obj["spec"]["selector"],
            &mut out,
        );
        out.push(format!(
            "{id} type {}",
            obj["spec"]["type"].as_str().unwrap_or("ClusterIP")
        ));
        for p in obj["spec"]["ports"].as_array().into_iter().flatten() {
            out.push(format!(
                "{id} port {} {} -> {} node {}",
                scalar(&p["name"]),
                scalar(&p["port"]),
                scalar(&p["targetPort"]),
                scalar(&p["nodePort"])
            ));
        }
        map_lines(
            &format!("{id} annotation"),
            &obj["metadata"]["annotations"],
            &mut out,
        );
        if let Some(ip) = obj["spec"].get("loadBalancerIP").filter(|ip| !ip.is_null()) {
            out.push(format!("{id} loadBalancerIP {}", scalar(ip)));
        }
    }
    if kind == "Secret" || kind == "ConfigMap" {
        for section in ["data", "stringData"] {
            for k in obj[section].as_object().into_iter().flat_map(|m| m.keys()) {
                out.push(format!("{id} key {k}"));
            }
        }
    }
    if let Some(spec) = pod_spec(obj) {
        let template_labels = match kind {
            "Pod" => obj["metadata"]["labels"].clone(),
            _ => obj["spec"]["template"]["metadata"]["labels"].clone(),
        };
        map_lines(
            &format!("{id} pod label"),
            &without_tool_labels(&template_labels),
            &mut out,
        );
        out.push(format!(
            "{id} serviceAccount {}",
            scalar(&spec["serviceAccountName"])
        ));
        for v in spec["volumes"].as_array().into_iter().flatten() {
            let name = scalar(&v["name"]);
            if let Some(path) = v.pointer("/hostPath/path") {
                out.push(format!("{id} volume {name} hostPath {}", scalar(path)));
            }
            // A volume with no source is an emptyDir.
            let source = v
                .as_object()
                .and_then(|m| m.keys().find(|k| *k != "name").cloned())
                .unwrap_or_else(|| "emptyDir".into());
            out.push(format!("{id} volume {name} {source}"));
        }
        for c in spec["containers"].as_array().into_iter().flatten() {
            let cname = scalar(&c["name"]);
            out.push(format!(
                "{id} container {cname} image-set {}",
                c["image"].is_string()
            ));
            for p in c["ports"].as_array().into_iter().flatten() {
                out.push(format!(
                    "{id} container {cname} port {} {}",
                    scalar(&p["name"]),
                    scalar(&p["containerPort"])
                ));
            }
            for e in c["env"].as_array().into_iter().flatten() {
                let name = scalar(&e["name"]);
                if name == "STORAGE_HOST_PATH" {
                    out.push(format!(
                        "{id} env STORAGE_HOST_PATH {}",
                        scalar(&e["value"])
                    ));
                }
                out.push(format!("{id} container {cname} env {name}"));
            }
            for e in c["envFrom"].as_array().into_iter().flatten() {
                out.push(format!("{id} container {cname} envFrom {}", e));
            }
            for m in c["volumeMounts"].as_array().into_iter().flatten() {
                out.push(format!(
                    "{id} container {cname} mount {} {}",
                    scalar(&m["name"]),
                    scalar(&m["mountPath"])
                ));
            }
        }
    }
    for t in obj["spec"]["volumeClaimTemplates"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let name = scalar(&t["metadata"]["name"]);
        out.push(format!(
            "{id} claim {name} size {} class {}",
            scalar(&t["spec"]["resources"]["requests"]["storage"]),
            scalar(&t["spec"]["storageClassName"])
        ));
    }
    if matches!(kind, "Role" | "ClusterRole") {
        for r in obj["rules"].as_array().into_iter().flatten() {
            out.push(format!("{id} rule {r}"));
        }
    }
    if matches!(kind, "RoleBinding" | "ClusterRoleBinding") {
        out.push(format!("{id} roleRef {}", obj["roleRef"]));
        for s in obj["subjects"].as_array().into_iter().flatten() {
            out.push(format!("{id} subject {}", s));
        }
    }
    if kind == "Ingress" {
        out.push(format!("{id} rules {}", obj["spec"]["rules"]));
        out.push(format!("{id} tls {}", obj["spec"]["tls"]));
        map_lines(
            &format!("{id} annotation"),
            &obj["metadata"]["annotations"],
            &mut out,
        );
    }
    out
}
