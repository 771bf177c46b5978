//! paddock's output against the real Pachyderm Helm chart 2.11.6 rendered by real Helm
//! (`../shared/reference/pachyderm-chart-2.11.6`): same objects, labels, selectors, ports, env
//! var names, storage secret keys, volumes, RBAC rules and ingress rules, for every reference
//! values file. Deliberate differences are listed here and in docs/reference.md.

mod support;

use std::collections::BTreeSet;

use paddock_core::platform::{self, RenderOptions, ValueSources};
use serde_json::Value;
use support::{chart_reference_dir, contract_lines, load_stream};

/// Objects of the reference that paddock does not render, and why.
fn out_of_scope(kind: &str, name: &str) -> Option<&'static str> {
    if name.contains("loki") || name.contains("promtail") {
        return Some("the loki-stack subchart is out of scope");
    }
    if kind == "Pod" {
        return Some("helm test pods are out of scope");
    }
    None
}

/// Contract lines that differ on purpose; each entry is (line prefix, reason).
const DELIBERATE: &[(&str, &str)] = &[
    (
        "Deployment/pachd env STORAGE_HOST_PATH",
        "the chart randomizes the host path per render; paddock uses a stable /var/pachyderm/pachd so data survives upgrades",
    ),
    ("Deployment/pachw env STORAGE_HOST_PATH", "as for pachd"),
    (
        "RoleBinding/pachyderm roleRef",
        "the chart writes apiGroup \"\"; a Role reference's apiGroup is rbac.authorization.k8s.io",
    ),
    ("RoleBinding/pachyderm-worker roleRef", "as above"),
    (
        "Ingress/",
        "the chart ignores ingress.enabled; paddock renders the Ingress seeds 001 and 003 describe (pointing at the proxy when it is enabled)",
    ),
    (
        "Deployment/pachd volume pach-disk hostPath",
        "stable host path (see STORAGE_HOST_PATH)",
    ),
    (
        "Deployment/pachw volume pach-disk hostPath",
        "stable host path (see STORAGE_HOST_PATH)",
    ),
];

fn deliberate(line: &str) -> bool {
    DELIBERATE
        .iter()
        .any(|(prefix, _)| line.starts_with(prefix))
}

fn render(values_file: &std::path::Path) -> Vec<Value> {
    let text = std::fs::read_to_string(values_file).unwrap();
    let sources = ValueSources {
        files: vec![(values_file.display().to_string(), text)],
        ..ValueSources::default()
    };
    let rendered = platform::render_platform(&sources, &RenderOptions::default(), &|_| {
        Err("no files".into())
    })
    .unwrap_or_else(|e| panic!("{}: {e}", values_file.display()));
    rendered
        .manifests
        .items
        .into_iter()
        .map(|m| m.object)
        .collect()
}

fn compare_case(case: &str) -> Vec<String> {
    let Some(dir) = chart_reference_dir() else {
        return Vec::new();
    };
    let reference: Vec<Value> = load_stream(&dir.join(format!("{case}.yaml")))
        .into_iter()
        .filter(|o| {
            out_of_scope(
                o["kind"].as_str().unwrap_or(""),
                o["metadata"]["name"].as_str().unwrap_or(""),
            )
            .is_none()
        })
        .collect();
    let ours = render(&dir.join("values").join(format!("{case}.values.yaml")));
    let theirs: BTreeSet<String> = reference
        .iter()
        .flat_map(contract_lines)
        .filter(|l| !deliberate(l))
        .collect();
    let mine: BTreeSet<String> = ours
        .iter()
        .flat_map(contract_lines)
        .filter(|l| !deliberate(l))
        .collect();
    let mut diff: Vec<String> = theirs.difference(&mine).map(|l| format!("- {l}")).collect();
    diff.extend(mine.difference(&theirs).map(|l| format!("+ {l}")));
    diff
}

macro_rules! reference_cases {
    ($($name:ident),* $(,)?) => {$(
        #[test]
        fn $name() {
            let diff = compare_case(stringify!($name));
            assert!(diff.is_empty(), "{} differs from the chart (- chart, + paddock):\n{}", stringify!($name), diff.join("\n"));
        }
    )*};
}

reference_cases!(
    local_default,
    local_noproxy,
    local_proxy,
    local_nodeport,
    local_proxy_console_enterprise,
    amazon_url,
    google_url,
    microsoft_url,
    ingress_tls,
    proxy_tls,
);

#[test]
fn typo_keys_are_rejected_where_helm_ignores_them() {
    let Some(dir) = chart_reference_dir() else {
        return;
    };
    // Helm rendered typo_keys exactly like local_default: it never noticed the typos.
    let path = dir.join("values/typo_keys.values.yaml");
    let sources = ValueSources {
        files: vec![(
            "typo_keys.values.yaml".into(),
            std::fs::read_to_string(path).unwrap(),
        )],
        ..ValueSources::default()
    };
    let err =
        platform::render_platform(&sources, &RenderOptions::default(), &|_| Err(String::new()))
            .unwrap_err();
    let first = &err.0[0];
    assert_eq!(first.key_path.as_deref(), Some("pachd.exernalService"));
    assert_eq!(
        first.origin.as_ref().unwrap().to_string(),
        "typo_keys.values.yaml:3:3"
    );
    assert_eq!(
        first.help.as_deref(),
        Some("did you mean `externalService`?")
    );
    assert_eq!(err.exit_code(), 2);
}

#[test]
fn helm_schema_error_is_caught_too() {
    let Some(dir) = chart_reference_dir() else {
        return;
    };
    let path = dir.join("values/bad_type_proxy_enabled.values.yaml");
    let sources = ValueSources {
        files: vec![("bad.yaml".into(), std::fs::read_to_string(path).unwrap())],
        ..ValueSources::default()
    };
    let err =
        platform::render_platform(&sources, &RenderOptions::default(), &|_| Err(String::new()))
            .unwrap_err();
    assert_eq!(err.0[0].key_path.as_deref(), Some("proxy.enabled"));
    assert!(err.0[0].message.contains("expected a boolean"), "{err}");
}
