//! Python Jinja2 renders the fixture service tree byte for byte as paddock does: every
//! template-list file of every service, with the same `cluster_cfg`, `layout` and `release`
//! (tests/jinja2/render_services.py is the Python side). Under CI=true a missing Python with
//! jinja2 is a failure, otherwise the test is skipped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "../../paddock-core/tests/support/mod.rs"]
mod support;

use paddock_core::catalog::{Catalog, CatalogOptions};
use paddock_core::platform::ValueSources;
use paddock_core::services::{CatalogRenderer, ClusterConfig, ContextOptions, template_context};

use support::repo_root;

/// A Python with jinja2 and PyYAML, or None (skip) outside CI.
fn python() -> Option<PathBuf> {
    support::python_with("jinja2, yaml")
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/services")
}

/// paddock's rendering of every template-list file: "<service>/<entry>" → text.
fn paddock_render(namespace: &str) -> BTreeMap<String, String> {
    let root = fixtures();
    let catalog = Catalog::load(&CatalogOptions {
        builtin: None,
        roots: vec![root.join("src")],
        allow_missing: false,
    })
    .unwrap();
    let config = ClusterConfig::load(&root.join("cfg")).unwrap();
    let options = ContextOptions {
        release: None,
        namespace: namespace.to_owned(),
        values: ValueSources::default(),
        generated: Default::default(),
    };
    let (context, _) =
        template_context(&catalog, &config, &options, &|_| Err("none".into())).unwrap();
    let renderer = CatalogRenderer::new(&catalog, &context);
    let mut out = BTreeMap::new();
    for service in catalog.services.values() {
        for file in renderer.render_files(service).unwrap() {
            out.insert(format!("{}/{}", file.service, file.path), file.text);
        }
    }
    out
}

#[test]
fn python_jinja2_renders_the_fixture_tree_byte_for_byte() {
    let Some(python) = python() else { return };
    for namespace in ["default", "openpai"] {
        let out = Command::new(&python)
            .arg(repo_root().join("tests/jinja2/render_services.py"))
            .args(["--services", "src", "-p", "cfg", "--namespace", namespace])
            .current_dir(fixtures())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "Jinja2 failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let jinja: BTreeMap<String, String> = serde_json::from_slice(&out.stdout).unwrap();
        let ours = paddock_render(namespace);
        assert_eq!(
            ours.keys().collect::<Vec<_>>(),
            jinja.keys().collect::<Vec<_>>(),
            "the same files are rendered"
        );
        assert!(ours.len() >= 20, "{} files", ours.len());
        for (file, text) in &ours {
            assert_eq!(
                text, &jinja[file],
                "{file} differs between paddock and Python Jinja2"
            );
        }
    }
}
