//! `paddock deploy custom` against the real `pachctl deploy custom` 1.9.12
//! (`../shared/reference/pachctl-1.9.12`): every `.cmd` there is run with `paddock` in place of
//! `pachctl`. Successful cases must give the same objects in the same order, with the same
//! labels, selectors, ports, pachd env var names, RBAC rules, secret keys and etcd storage;
//! error cases must exit 2 (pachctl exits 1, or 0 for some) with a message naming the same
//! problem. Deliberate differences are listed here and in docs/deploy-custom.md.

#[path = "../../paddock-core/tests/support/mod.rs"]
mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

use paddock_core::validate::{Outcome, validate_object};
use serde_json::{Map, Value, json};
use support::{contract_lines, load_stream, pachctl_reference_dir};

/// Contract lines that differ on purpose: (line prefix, reason).
const DELIBERATE: &[(&str, &str)] = &[
    (
        "ClusterRoleBinding/pachyderm roleRef",
        "pachctl writes apiGroup \"\"; the API server defaults it to rbac.authorization.k8s.io, which paddock writes",
    ),
    ("RoleBinding/pachyderm roleRef", "as above"),
    (
        "PersistentVolumeClaim/etcd-storage storageClassName",
        "paddock binds the claim to its volume with an explicit empty class, so a default StorageClass cannot take it",
    ),
    ("PersistentVolume/etcd-volume storageClassName", "as above"),
];

/// What each error case's message must mention (pachctl's message names the same problem).
const ERRORS: &[(&str, &[&str])] = &[
    ("err_5args", &["expected 6 arguments", "got 5", "usage:"]),
    (
        "err_both_etcd",
        &["--dynamic-etcd-nodes", "--static-etcd-volume", "not both"],
    ),
    (
        "err_neither_etcd",
        &["--dynamic-etcd-nodes", "--static-etcd-volume", "required"],
    ),
    ("err_objstore_gcs", &["--object-store", "gcs", "s3"]),
    ("err_output_xml", &["--output", "xml", "json", "yaml"]),
    (
        "err_persistent_disk_foo",
        &["--persistent-disk", "foo", "aws", "google", "azure"],
    ),
    (
        "err_tls_missing_file",
        &["--tls", "cannot read", "missing-cert.pem"],
    ),
];

fn deliberate(line: &str) -> bool {
    DELIBERATE
        .iter()
        .any(|(prefix, _)| line.starts_with(prefix))
}

/// Every case of the reference: (name, its `.cmd` path), sorted.
fn cases(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut cases: Vec<(String, PathBuf)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "cmd"))
        .map(|p| (p.file_stem().unwrap().to_string_lossy().into_owned(), p))
        .collect();
    cases.sort();
    cases
}

/// Splits a shell command line the way `sh` would (quotes and backslashes; no expansions).
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if let Some(w) = word.take() {
                    words.push(w);
                }
            }
            '\\' => {
                if let Some(next) = chars.next() {
                    word.get_or_insert_with(String::new).push(next);
                }
            }
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    w.push(q);
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some(e @ ('"' | '\\' | '$' | '`')) => w.push(e),
                            Some(e) => {
                                w.push('\\');
                                w.push(e);
                            }
                            None => {}
                        },
                        q => w.push(q),
                    }
                }
            }
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

/// Runs a reference invocation with paddock (in an empty directory, like the reference run).
fn run_paddock(cmd_file: &Path) -> (Vec<String>, Output) {
    let line = std::fs::read_to_string(cmd_file).unwrap();
    let words = shell_words(line.trim());
    assert_eq!(words[0], "pachctl", "{}", cmd_file.display());
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_paddock"))
        .args(&words[1..])
        .current_dir(dir.path())
        .env_remove("KUBECONFIG")
        .output()
        .unwrap();
    (words, out)
}

/// Sorts object keys everywhere (so JSON-rendered facts compare independent of key order) and
/// spells out what Kubernetes defaults: a Service port's targetPort is its port.
fn normalize(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut out = Map::new();
            for k in keys {
                out.insert(k.clone(), normalize(&map[k]));
            }
            if out.contains_key("port")
                && out.contains_key("name")
                && !out.contains_key("containerPort")
                && matches!(out.get("targetPort"), None | Some(Value::Number(_)))
                && out.get("targetPort").and_then(Value::as_i64).unwrap_or(0) == 0
            {
                let port = out["port"].clone();
                out.insert("targetPort".into(), port);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(normalize).collect()),
        other => other.clone(),
    }
}

/// etcd's storage facts, which the shared contract view does not cover: the StorageClass, the
/// claim templates, the static volume and its claim, and how etcd is started.
fn storage_lines(obj: &Value) -> Vec<String> {
    let kind = obj["kind"].as_str().unwrap_or("");
    let id = format!("{kind}/{}", obj["metadata"]["name"].as_str().unwrap_or(""));
    let mut out = Vec::new();
    match kind {
        "StorageClass" => {
            out.push(format!("{id} provisioner {}", obj["provisioner"]));
            out.push(format!("{id} parameters {}", obj["parameters"]));
        }
        "PersistentVolume" => {
            let spec = obj["spec"].as_object().unwrap();
            for (k, v) in spec {
                out.push(format!("{id} {k} {v}"));
            }
            if !spec.contains_key("storageClassName") {
                out.push(format!("{id} storageClassName null"));
            }
        }
        "PersistentVolumeClaim" => {
            let spec = &obj["spec"];
            out.push(format!("{id} volumeName {}", spec["volumeName"]));
            out.push(format!("{id} accessModes {}", spec["accessModes"]));
            out.push(format!("{id} resources {}", spec["resources"]));
            out.push(format!(
                "{id} storageClassName {}",
                spec["storageClassName"]
            ));
        }
        "StatefulSet" | "Deployment" => {
            out.push(format!("{id} replicas {}", obj["spec"]["replicas"]));
            out.push(format!("{id} serviceName {}", obj["spec"]["serviceName"]));
            for t in obj["spec"]["volumeClaimTemplates"]
                .as_array()
                .into_iter()
                .flatten()
            {
                out.push(format!(
                    "{id} claim {} annotations {} labels {} spec {}",
                    t["metadata"]["name"],
                    t["metadata"]["annotations"],
                    t["metadata"]["labels"],
                    t["spec"]
                ));
            }
            let pod = &obj["spec"]["template"]["spec"];
            for v in pod["volumes"].as_array().into_iter().flatten() {
                if let Some(claim) = v.get("persistentVolumeClaim") {
                    out.push(format!("{id} volume {} claim {claim}", v["name"]));
                }
            }
            if obj["metadata"]["name"] == "etcd" {
                let c = &pod["containers"][0];
                out.push(format!("{id} etcd command {}", c["command"]));
                out.push(format!("{id} etcd args {}", c["args"]));
            }
        }
        "Service" => {
            out.push(format!("{id} clusterIP {}", obj["spec"]["clusterIP"]));
        }
        _ => {}
    }
    out
}

fn facts(objects: &[Value]) -> BTreeSet<String> {
    objects
        .iter()
        .map(normalize)
        .flat_map(|o| {
            let mut lines = contract_lines(&o);
            lines.extend(storage_lines(&o));
            lines
        })
        .filter(|l| !deliberate(l))
        .collect()
}

fn ids(objects: &[Value]) -> Vec<String> {
    objects
        .iter()
        .map(|o| {
            format!(
                "{}/{}",
                o["kind"].as_str().unwrap_or(""),
                o["metadata"]["name"].as_str().unwrap_or("")
            )
        })
        .collect()
}

/// Parses paddock's stdout in the format the reference case used, checking the framing.
fn parse_output(stdout: &str, yaml: bool) -> Vec<Value> {
    if yaml {
        let docs: Vec<Value> = serde_saphyr::from_multiple(stdout).unwrap();
        assert!(
            stdout.starts_with("apiVersion: ") && stdout.contains("\n---\n"),
            "a ---separated YAML stream"
        );
        return docs.into_iter().filter(Value::is_object).collect();
    }
    // pachctl's framing: pretty objects one after another, each starting at a line's start.
    assert!(stdout.starts_with("{\n  \""), "pretty JSON objects");
    assert!(stdout.ends_with("}\n"));
    let objects: Vec<Value> = serde_json::Deserializer::from_str(stdout)
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        stdout.matches("\n}\n").count(),
        objects.len(),
        "one closing brace at column 0 per object"
    );
    objects
}

fn compare_success(name: &str, dir: &Path, words: &[String], out: &Output) -> Vec<String> {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{name}: {stderr}");
    let yaml = dir.join(format!("{name}.yaml")).exists();
    let reference =
        load_stream(&dir.join(format!("{name}.{}", if yaml { "yaml" } else { "json" })));
    let ours = parse_output(&String::from_utf8(out.stdout.clone()).unwrap(), yaml);
    for o in &ours {
        assert_eq!(
            validate_object(o),
            Outcome::Valid,
            "{name}: {} fails the strict schema",
            ids(std::slice::from_ref(o))[0]
        );
    }
    let mut problems = Vec::new();
    if ids(&reference) != ids(&ours) {
        problems.push(format!(
            "objects or order differ:\n  pachctl: {:?}\n  paddock: {:?}",
            ids(&reference),
            ids(&ours)
        ));
    }
    let theirs = facts(&reference);
    let mine = facts(&ours);
    problems.extend(theirs.difference(&mine).map(|l| format!("- {l}")));
    problems.extend(mine.difference(&theirs).map(|l| format!("+ {l}")));
    // The credentials (4th and 5th arguments after `--object-store s3`) never reach stderr.
    if let Some(at) = words.windows(2).position(|w| w[0] == "--object-store") {
        for secret in words.iter().skip(at + 2).skip(3).take(2) {
            assert!(
                secret.len() < 8 || !stderr.contains(secret.as_str()),
                "{name}: a credential reached stderr: {stderr}"
            );
        }
    }
    problems
}

fn check_error(name: &str, dir: &Path, out: &Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let peer = std::fs::read_to_string(dir.join(format!("{name}.stderr"))).unwrap();
    assert!(!peer.trim().is_empty(), "{name}: pachctl said something");
    assert_eq!(
        out.status.code(),
        Some(2),
        "{name}: bad input exits 2 (pachctl: {})\n{stderr}",
        std::fs::read_to_string(dir.join(format!("{name}.rc")))
            .unwrap()
            .trim()
    );
    assert!(out.stdout.is_empty(), "{name}: nothing on stdout");
    let (_, needles) = ERRORS
        .iter()
        .find(|(case, _)| *case == name)
        .unwrap_or_else(|| {
            panic!("{name}: new error case; add what its message must name to ERRORS")
        });
    for needle in *needles {
        assert!(
            stderr.contains(needle),
            "{name}: message should mention {needle:?} (pachctl: {peer:?}), got:\n{stderr}"
        );
    }
}

#[test]
fn every_reference_invocation_matches_pachctl() {
    let Some(dir) = pachctl_reference_dir() else {
        return;
    };
    let mut failures = Vec::new();
    let mut seen_errors = 0;
    let all = cases(&dir);
    assert!(
        all.len() >= 15,
        "expected the whole reference, found {}",
        all.len()
    );
    for (name, cmd) in &all {
        let (words, out) = run_paddock(cmd);
        if name.starts_with("err_") {
            check_error(name, &dir, &out);
            seen_errors += 1;
            continue;
        }
        let problems = compare_success(name, &dir, &words, &out);
        if !problems.is_empty() {
            failures.push(format!(
                "{name} differs from pachctl (- pachctl, + paddock):\n{}",
                problems.join("\n")
            ));
        }
    }
    assert_eq!(seen_errors, ERRORS.len(), "every listed error case ran");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn shell_words_follow_sh() {
    assert_eq!(
        shell_words(r#"pachctl a\,b 'c d' "e\"f" g\ h"#),
        ["pachctl", "a,b", "c d", "e\"f", "g h"]
    );
}

#[test]
fn normalizing_fills_default_target_ports_and_sorts_keys() {
    let n = normalize(&json!({"b": 1, "a": {"name": "p", "port": 650, "targetPort": 0}}));
    assert_eq!(
        n.to_string(),
        r#"{"a":{"name":"p","port":650,"targetPort":650},"b":1}"#
    );
}
