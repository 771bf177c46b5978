//! Independent cross-checks with real third-party tools (installed by scripts/setup-test-tools.sh):
//! PyPI `kubernetes-validate --strict` on every rendered case, and Python Jinja2 rendering the
//! built-in stack's templates to the same objects as paddock's minijinja.
//! Under CI=true a missing tool is a failure, never a skip.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/values")
}

/// The Python with the test tools, or None (skip) outside CI.
fn python() -> Option<PathBuf> {
    let candidate = std::env::var_os("PADDOCK_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".venv/bin/python"));
    let works = Command::new(&candidate)
        .args(["-c", "import kubernetes_validate, jinja2, yaml"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if works {
        return Some(candidate);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "{} lacks kubernetes-validate/jinja2: run scripts/setup-test-tools.sh",
            candidate.display()
        );
    }
    eprintln!(
        "skipping: no Python with kubernetes-validate and jinja2 (run scripts/setup-test-tools.sh)"
    );
    None
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
    let reference = repo_root().join("../shared/reference/pachyderm-chart-2.11.6/values");
    if let Ok(entries) = std::fs::read_dir(&reference) {
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
    let out = Command::new(python)
        .arg(repo_root().join("scripts/k8s-crosscheck.py"))
        .args(&paths)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "kubernetes-validate --strict rejected paddock output:\n{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(report.contains(" 0 failed"), "{report}");
}

/// Drops the STORAGE_URL env var from every container of a workload.
fn strip_env(object: &mut Value) {
    if let Some(cs) = object
        .pointer_mut("/spec/template/spec/containers")
        .and_then(Value::as_array_mut)
    {
        for c in cs {
            if let Some(env) = c.get_mut("env").and_then(Value::as_array_mut) {
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

#[test]
fn python_jinja2_renders_the_same_objects_as_paddock() {
    let Some(python) = python() else { return };
    for (name, files) in cases() {
        let mut cmd = Command::new(&python);
        cmd.arg(repo_root().join("tests/jinja2/render_stack.py"))
            .arg(repo_root().join("stacks/pachyderm"));
        for f in &files {
            cmd.arg("-f").arg(f);
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{name}: Jinja2 failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let jinja = by_id(&String::from_utf8(out.stdout).unwrap());
        // STORAGE_URL is derived in Rust (platform::derive), outside the templates.
        let jinja: Vec<(String, Value)> = jinja
            .into_iter()
            .map(|(id, mut o)| {
                strip_env(&mut o);
                (id, o)
            })
            .collect();
        let ours = by_id(&paddock_render(&files, &[]));
        let ours: Vec<(String, Value)> = ours
            .into_iter()
            .map(|(id, mut o)| {
                strip_env(&mut o);
                (id, o)
            })
            .collect();
        let jinja_ids: Vec<&String> = jinja.iter().map(|(id, _)| id).collect();
        let our_ids: Vec<&String> = ours.iter().map(|(id, _)| id).collect();
        assert_eq!(our_ids, jinja_ids, "{name}: object sets differ");
        for ((id, a), (_, b)) in ours.iter().zip(&jinja) {
            assert_eq!(a, b, "{name}: {id} differs between paddock and Jinja2");
        }
    }
}
