//! Independent cross-checks with real third-party tools (installed by scripts/setup-test-tools.sh):
//! PyPI `kubernetes-validate --strict` on every rendered case, and Python Jinja2 rendering the
//! built-in stack's templates to the same objects as paddock's minijinja.
//! Under CI=true a missing tool is a failure, never a skip.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

#[path = "../../paddock-core/tests/support/mod.rs"]
mod support;

use support::repo_root;

/// The Python with the cross-check tools, or None (skip) outside CI.
fn python() -> Option<PathBuf> {
    support::python_with("kubernetes_validate, jinja2, yaml")
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/values")
}

/// Every values case the tests render: our fixtures plus the chart reference's values files.
fn cases() -> Vec<(String, Vec<PathBuf>)> {
    let pinned = fixtures().join("pinned-credentials.yaml");
    let mut cases = vec![("default".to_owned(), vec![pinned.clone()])];
    for name in [
        "amazon",
        "google",
        "microsoft",
        "minio",
        "custom",
        "networking",
    ] {
        cases.push((
            name.to_owned(),
            vec![pinned.clone(), fixtures().join(format!("{name}.yaml"))],
        ));
    }
    if let Some(chart) = support::chart_reference_dir() {
        let entries = std::fs::read_dir(chart.join("values")).unwrap();
        let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
        files.sort();
        for f in files {
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            if name.starts_with("bad_") || name.starts_with("typo_") {
                continue;
            }
            cases.push((format!("reference/{name}"), vec![pinned.clone(), f]));
        }
    }
    cases
}

fn paddock_render(files: &[PathBuf], extra: &[&str]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_paddock"));
    cmd.arg("template");
    for f in files {
        cmd.arg("-f").arg(f);
    }
    cmd.args(extra);
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn kubernetes_validate_strict_accepts_every_rendered_case() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for (i, (_, files)) in cases().iter().enumerate() {
        let path = dir.path().join(format!("case{i}.yaml"));
        std::fs::write(&path, paddock_render(files, &[])).unwrap();
        paths.push(path);
    }
    let json = dir.path().join("json.json");
    std::fs::write(
        &json,
        paddock_render(&[fixtures().join("amazon.yaml")], &["-o", "json"]),
    )
    .unwrap();
    paths.push(json);
    assert_kubernetes_validate_accepts(&python, &paths, "paddock template output");
}

/// Drops the STORAGE_URL env var from every container of a workload: paddock derives it
/// in Rust (platform::derive), outside the templates Jinja2 renders.
fn strip_storage_url(object: &mut Value) {
    if let Some(containers) = object
        .pointer_mut("/spec/template/spec/containers")
        .and_then(Value::as_array_mut)
    {
        for container in containers {
            if let Some(env) = container.get_mut("env").and_then(Value::as_array_mut) {
                env.retain(|e| e["name"] != "STORAGE_URL");
            }
        }
    }
}

fn by_id(stream: &str) -> Vec<(String, Value)> {
    let docs: Vec<Value> = serde_saphyr::from_multiple(stream).unwrap();
    let mut objects: Vec<(String, Value)> = docs
        .into_iter()
        .filter(|d| d.is_object())
        .map(|d| {
            (
                format!(
                    "{}/{}",
                    d["kind"].as_str().unwrap_or(""),
                    d["metadata"]["name"].as_str().unwrap_or("")
                ),
                d,
            )
        })
        .collect();
    objects.sort_by(|a, b| a.0.cmp(&b.0));
    objects
}

/// What paddock generates outside the templates (the proxy's Envoy files, docs/proxy.md),
/// taken from paddock's own output so that Jinja2 renders the templates around the same text.
fn generated_context(objects: &[(String, Value)]) -> Value {
    let find = |id: &str| objects.iter().find(|(i, _)| i == id).map(|(_, o)| o);
    match (
        find("ConfigMap/pachyderm-proxy-config"),
        find("Deployment/pachyderm-proxy"),
    ) {
        (Some(config), Some(deployment)) => serde_json::json!({
            "proxy_config": {
                // paddock's generated JSON always takes the literal block (envoy's unit tests).
                "envoy_json_as_block": true,
                "envoy_json": config["data"]["envoy.json"],
                "sds_yaml": config["data"].get("sds.yaml").cloned().unwrap_or(Value::Null),
                "checksum": deployment["spec"]["template"]["metadata"]["annotations"]["checksum/envoy-config"],
            }
        }),
        _ => serde_json::json!({}),
    }
}

#[test]
fn python_jinja2_renders_the_same_objects_as_paddock() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    for (i, (name, files)) in cases().into_iter().enumerate() {
        let ours = by_id(&paddock_render(&files, &[]));
        let context = dir.path().join(format!("context{i}.json"));
        std::fs::write(&context, generated_context(&ours).to_string()).unwrap();
        let mut cmd = Command::new(&python);
        cmd.arg(repo_root().join("tests/jinja2/render_stack.py"))
            .arg(repo_root().join("stacks/pachyderm"))
            .arg("--context-json")
            .arg(&context);
        for f in &files {
            cmd.arg("-f").arg(f);
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{name}: Jinja2 failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut jinja = by_id(&String::from_utf8(out.stdout).unwrap());
        let mut ours = ours;
        for (_, object) in jinja.iter_mut().chain(ours.iter_mut()) {
            strip_storage_url(object);
        }
        let jinja_ids: Vec<&String> = jinja.iter().map(|(id, _)| id).collect();
        let our_ids: Vec<&String> = ours.iter().map(|(id, _)| id).collect();
        assert_eq!(our_ids, jinja_ids, "{name}: object sets differ");
        for ((id, a), (_, b)) in ours.iter().zip(&jinja) {
            assert_eq!(a, b, "{name}: {id} differs between paddock and Jinja2");
        }
    }
}

/// `paddock deploy custom` / `deploy storage` outputs (JSON and YAML, every etcd layout and
/// cloud, every optional object) through `kubernetes-validate --strict`.
#[test]
fn kubernetes_validate_strict_accepts_deploy_custom_output() {
    let Some(python) = python() else { return };
    let seed = "foobar 10 pachyderm-bucket OBSIJRBE0PP2NO4QOA27 tfteSlswRu7BJ86wekitnifILbZam1KYY3TG minio:9000";
    let certs = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/deploy");
    let tls = format!(
        "{},{}",
        certs.join("cert.pem").display(),
        certs.join("key.pem").display()
    );
    let custom = [
        "--dynamic-etcd-nodes 1",
        "--dynamic-etcd-nodes 3 --local-roles -o yaml",
        "--persistent-disk google --dynamic-etcd-nodes 1",
        "--persistent-disk azure --dynamic-etcd-nodes 1",
        "--dynamic-etcd-nodes 1 --etcd-storage-class fast-ssd --isS3V2 -s",
        "--static-etcd-volume foobar -o yaml",
        "--persistent-disk google --static-etcd-volume foobar",
        "--persistent-disk azure --static-etcd-volume foobar",
        "--dynamic-etcd-nodes 1 --no-guaranteed --image-pull-secret regcred --registry registry.example.com --pachd-memory-request 4Gi --namespace pachyderm --tls",
        "--dashboard-only",
    ]
    .map(|flags| format!("deploy custom {seed} {flags}"));
    let storage = [
        "deploy storage amazon us-east-1 b id secret",
        "deploy storage microsoft c account key -o yaml",
        "deploy storage minio b id secret minio:9000 --isS3V2",
    ]
    .map(str::to_owned);
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for (i, command) in custom.iter().chain(&storage).enumerate() {
        let mut args: Vec<&str> = command.split_whitespace().collect();
        if args.last() == Some(&"--tls") {
            args.push(&tls);
        }
        let out = Command::new(env!("CARGO_BIN_EXE_paddock"))
            .args(&args)
            .arg("--dry-run")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "paddock {command}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let path = dir.path().join(format!("deploy{i}.out"));
        std::fs::write(&path, out.stdout).unwrap();
        paths.push(path);
    }
    assert_kubernetes_validate_accepts(&python, &paths, "deploy custom output");
}

/// Runs scripts/k8s-crosscheck.py (`kubernetes-validate --strict`) on `paths` and fails the
/// test unless every object of every file passes.
fn assert_kubernetes_validate_accepts(python: &Path, paths: &[PathBuf], what: &str) {
    let out = Command::new(python)
        .arg(repo_root().join("scripts/k8s-crosscheck.py"))
        .args(paths)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "kubernetes-validate --strict rejected {what}:\n{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(report.contains(" 0 failed"), "{report}");
}
