//! `paddock service ...` end to end on the fixture tree (tests/fixtures/services: an
//! OpenPAI-style `src/` of 12 services and a `cfg/` cluster config): list, graph, template,
//! the operators' dry-run plans, operator scripts, and every broken tree's exit-2 message.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

#[path = "../../paddock-core/tests/support/mod.rs"]
mod support;

use serde_json::Value;
use support::{stderr, stdout};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/services")
}

/// Runs paddock from the fixture folder so paths in messages are short and stable.
fn paddock(args: &[&str]) -> Output {
    Command::cargo_bin("paddock")
        .unwrap()
        .current_dir(fixtures())
        .args(args)
        .env_remove("KUBECONFIG")
        .output()
        .unwrap()
}

/// `paddock service <args>` on the fixture tree without the built-in stack; must succeed.
fn service(args: &[&str]) -> Output {
    let mut all = vec!["service"];
    all.extend_from_slice(args);
    let out = paddock(&all);
    assert!(
        out.status.success(),
        "paddock {all:?} failed:\n{}",
        stderr(&out)
    );
    out
}

/// The operator's dry-run plan on the fixture tree.
fn dry_run(operation: &str, extra: &[&str]) -> String {
    let mut args = vec![
        operation,
        "--services",
        "src",
        "-p",
        "cfg",
        "--no-builtin",
        "--dry-run",
    ];
    args.extend_from_slice(extra);
    stdout(&service(&args))
}

/// A failing invocation: exit 2, nothing on stdout, the message on stderr.
fn bad_input(args: &[&str]) -> String {
    let out = paddock(args);
    assert_eq!(
        out.status.code(),
        Some(2),
        "paddock {args:?}:\n{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(out.stdout.is_empty(), "nothing may be printed on bad input");
    stderr(&out)
}

/// The services of a plan's waves: `wave N` headers followed by `  name (dir)` lines.
fn plan_waves(plan: &str) -> Vec<Vec<String>> {
    let mut waves: Vec<Vec<String>> = Vec::new();
    for line in plan.lines() {
        if line.starts_with("wave ") {
            waves.push(Vec::new());
        } else if let Some(rest) = line.strip_prefix("  ")
            && !rest.starts_with(' ')
            && rest.contains(" (")
            && !waves.is_empty()
        {
            let name = rest.split(' ').next().unwrap().to_owned();
            waves.last_mut().unwrap().push(name);
        }
    }
    waves
}

#[test]
fn list_shows_waves_origins_rules_and_scripts() {
    let out = service(&["list", "--services", "src", "--no-builtin"]);
    insta::assert_snapshot!("list", stdout(&out));
    insta::assert_snapshot!("list_warnings", stderr(&out));
}

#[test]
fn list_with_the_builtin_stack_and_an_override() {
    let out = service(&["list", "--services", "override"]);
    let text = stdout(&out);
    assert!(
        text.contains("override/console (overrides <built-in>/pachyderm)"),
        "{text}"
    );
    assert!(text.contains("<built-in>/pachyderm/pachd"), "{text}");
}

#[test]
fn graph_as_dot_and_mermaid() {
    let dot = service(&["graph", "--services", "src", "--no-builtin"]);
    insta::assert_snapshot!("graph_dot", stdout(&dot));
    let mermaid = service(&[
        "graph",
        "--services",
        "src",
        "--no-builtin",
        "--format",
        "mermaid",
        "-n",
        "rest-server",
    ]);
    insta::assert_snapshot!("graph_mermaid_rest_server", stdout(&mermaid));
}

#[test]
fn template_renders_every_service_with_affinity() {
    let out = service(&["template", "--services", "src", "-p", "cfg", "--no-builtin"]);
    let text = stdout(&out);
    insta::assert_snapshot!("template_all", text);
    let docs: Vec<Value> = serde_saphyr::from_multiple(&text).unwrap();
    let drivers = docs
        .iter()
        .find(|d| d["kind"] == "DaemonSet" && d["metadata"]["name"] == "device-drivers")
        .unwrap();
    let affinity = &drivers["spec"]["template"]["spec"]["affinity"];
    assert_eq!(
        affinity["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"],
        serde_json::json!([{"matchExpressions": [
            {"key": "kubernetes.io/os", "operator": "In", "values": ["linux"]},
            {"key": "pai-worker", "operator": "In", "values": ["true"]},
            {"key": "no-drivers", "operator": "NotIn", "values": ["true"]}
        ]}]),
        "the template's own term is kept and ANDed with the rules"
    );
    assert!(affinity["podAntiAffinity"].is_object());
    assert!(affinity["nodeAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"].is_array());
    let cronjob = docs.iter().find(|d| d["kind"] == "CronJob").unwrap();
    assert_eq!(
        cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
            ["nodeSelectorTerms"][0]["matchExpressions"][0]["key"],
        "pai-worker"
    );
    let pod = docs.iter().find(|d| d["kind"] == "Pod").unwrap();
    assert_eq!(
        pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
            [0]["matchExpressions"][0]["key"],
        "pai-storage"
    );
    for d in &docs {
        if d["kind"] == "ConfigMap" || d["kind"] == "Service" {
            assert!(d["spec"]["template"].is_null() && d.get("affinity").is_none());
        }
    }
    assert!(
        !text.contains("\"PM\""),
        "the grafana datasource JSON is data for the script, not an object"
    );
}

#[test]
fn template_selection_and_json() {
    let out = service(&[
        "template",
        "--services",
        "src",
        "-p",
        "cfg",
        "--no-builtin",
        "-n",
        "rest-server",
        "--no-deps",
        "-o",
        "json",
    ]);
    insta::assert_snapshot!("template_rest_server_json", stdout(&out));
    let with_deps = stdout(&service(&[
        "template",
        "--services",
        "src",
        "-p",
        "cfg",
        "--no-builtin",
        "-n",
        "rest-server",
        "-k",
        "cluster-configuration",
    ]));
    for name in [
        "name: postgresql",
        "name: frameworkcontroller",
        "name: rest-server",
    ] {
        assert!(with_deps.contains(name), "missing {name}");
    }
    assert!(!with_deps.contains("name: cluster-configuration"));
}

#[test]
fn template_prints_like_paddock_template() {
    // The built-in console replaced by the user directory's; pinned credentials make the
    // built-in part deterministic.
    let out = service(&[
        "template",
        "--services",
        "override",
        "-f",
        "../values/pinned-credentials.yaml",
        "-n",
        "console",
        "--no-deps",
        "--namespace",
        "pach",
    ]);
    insta::assert_snapshot!("template_override_console", stdout(&out));
    let full = stdout(&service(&[
        "template",
        "-f",
        "../values/pinned-credentials.yaml",
    ]));
    let platform = stdout(&paddock(&[
        "template",
        "-f",
        "../values/pinned-credentials.yaml",
    ]));
    assert_eq!(
        full, platform,
        "the built-in stack as a catalog prints what `paddock template` prints"
    );
}

#[test]
fn start_plan_in_waves_with_labels_and_affinity() {
    let plan = dry_run("start", &[]);
    insta::assert_snapshot!("start_all", plan);
    assert_eq!(
        plan_waves(&plan),
        vec![
            vec!["cluster-configuration"],
            vec![
                "device-drivers",
                "frameworkcontroller",
                "log-manager",
                "node-exporter",
                "postgresql",
                "prometheus"
            ],
            vec!["alert-manager", "grafana", "rest-server", "storage-manager"],
            vec!["webportal"],
        ]
    );
}

#[test]
fn start_one_service_brings_its_prerequisites_unless_no_deps() {
    let plan = dry_run("start", &["-n", "rest-server"]);
    assert_eq!(
        plan_waves(&plan),
        vec![
            vec!["cluster-configuration"],
            vec!["frameworkcontroller", "postgresql"],
            vec!["rest-server"],
        ]
    );
    let alone = dry_run("start", &["-n", "rest-server", "--no-deps"]);
    assert_eq!(plan_waves(&alone), vec![vec!["rest-server"]]);
    let skipped = dry_run(
        "start",
        &[
            "-n",
            "webportal",
            "-k",
            "postgresql",
            "-k",
            "frameworkcontroller",
        ],
    );
    assert_eq!(
        plan_waves(&skipped),
        vec![
            vec!["cluster-configuration"],
            vec!["rest-server"],
            vec!["webportal"]
        ]
    );
    assert!(
        skipped.contains("note: frameworkcontroller is skipped (-k) although rest-server needs it"),
        "{skipped}"
    );
    let node_exporter = dry_run("start", &["-n", "node-exporter", "--no-deps"]);
    assert!(
        node_exporter.contains(
            "apply   DaemonSet/node-exporter  [node affinity: no-nodeexporter NotIn [true]]"
        ),
        "{node_exporter}"
    );
    assert!(
        node_exporter.contains("nodes   master-0, worker-0, worker-1.cluster.local\n"),
        "{node_exporter}"
    );
}

#[test]
fn stop_runs_in_reverse_and_keeps_data() {
    let plan = dry_run("stop", &[]);
    insta::assert_snapshot!("stop_all", plan);
    assert_eq!(
        plan_waves(&plan),
        vec![
            vec!["webportal"],
            vec!["alert-manager", "grafana", "rest-server", "storage-manager"],
            vec![
                "device-drivers",
                "frameworkcontroller",
                "log-manager",
                "node-exporter",
                "postgresql",
                "prometheus"
            ],
            vec!["cluster-configuration"],
        ]
    );
    let postgres = dry_run("stop", &["-n", "postgresql"]);
    assert!(postgres.contains("    delete  StatefulSet/postgresql\n    delete  Service/postgresql\n    keep    Secret/postgresql-credentials\n"), "{postgres}");
    assert!(
        postgres.contains(
            "note: postgresql is needed by rest-server, storage-manager, which are not stopped"
        ),
        "{postgres}"
    );
}

#[test]
fn delete_removes_data_too() {
    let plan = dry_run("delete", &["-n", "postgresql", "-n", "log-manager"]);
    insta::assert_snapshot!("delete_postgresql_log_manager", plan);
    assert!(plan.contains(
        "delete  PersistentVolumeClaim/data-postgresql-* (volumeClaimTemplates of StatefulSet/postgresql)"
    ));
    assert!(!plan.contains("keep "));
}

#[test]
fn refresh_syncs_labels_restarts_and_evicts() {
    let plan = dry_run("refresh", &["-n", "device-drivers", "-n", "rest-server"]);
    insta::assert_snapshot!("refresh_drivers_rest_server", plan);
    assert!(plan.contains("  master-0 (10.0.0.10): +pai-master=true -no-drivers -no-nodeexporter -pai-storage -pai-worker\n"), "{plan}");
    assert!(
        plan.contains(
            "    restart Deployment/rest-server if ConfigMap/rest-server-config changed\n"
        ),
        "{plan}"
    );
    assert!(
        plan.contains("    nodes   worker-1.cluster.local; evict its pods from other nodes\n"),
        "{plan}"
    );
    let grafana = dry_run("refresh", &["-n", "grafana", "--no-deps"]);
    assert!(grafana.contains("note: refresh-script refresh.sh of grafana does not exist in src/grafana/deploy; paddock's built-in refresh is used"), "{grafana}");
}

#[test]
fn scripts_replace_the_builtin_behaviour() {
    let plan = dry_run("start", &["-n", "grafana", "--no-deps"]);
    assert!(
        plan.contains("    run     bash start.sh in the rendered deploy/ (instead of the built-in start; env KUBECONFIG, PADDOCK_NAMESPACE=default, PADDOCK_SERVICE=grafana, PADDOCK_OPERATION=start)\n"),
        "{plan}"
    );
}

#[test]
fn a_scripted_stop_runs_its_script_without_a_cluster() {
    let dir = tempfile::tempdir().unwrap();
    let kubectl = dir.path().join("kubectl");
    let log = dir.path().join("kubectl.log");
    std::fs::write(
        &kubectl,
        format!(
            "#!/bin/bash\necho \"kubectl $*\" >> {log}\nfor a in \"$@\"; do [ -f \"$a\" ] && cp \"$a\" {dir}/applied-$a; done\nexit 0\n",
            log = log.display(),
            dir = dir.path().display()
        ),
    )
    .unwrap();
    let stop_log = dir.path().join("stop.log");
    let out = Command::cargo_bin("paddock")
        .unwrap()
        .current_dir(fixtures())
        .args([
            "service",
            "stop",
            "--services",
            "src",
            "-p",
            "cfg",
            "--no-builtin",
            "-n",
            "grafana",
            "--namespace",
            "monitoring",
        ])
        .env("KUBECTL", format!("bash {}", kubectl.display()))
        .env("GRAFANA_STOP_LOG", &stop_log)
        .env("KUBECONFIG", "/nonexistent/kubeconfig")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "stopped 1 service in namespace monitoring: grafana\n"
    );
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "kubectl --namespace monitoring delete --ignore-not-found -f grafana.yaml\n"
    );
    assert_eq!(
        std::fs::read_to_string(&stop_log).unwrap(),
        "stopped admin's grafana in monitoring (stop)\n"
    );
    let applied = std::fs::read_to_string(dir.path().join("applied-grafana.yaml")).unwrap();
    let object: Value = serde_saphyr::from_str(&applied).unwrap();
    assert_eq!(
        object["spec"]["template"]["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
            ["nodeSelectorTerms"][0]["matchExpressions"][0],
        serde_json::json!({"key": "pai-master", "operator": "In", "values": ["true"]}),
        "the script's grafana.yaml carries the deploy-rules"
    );
}

#[test]
fn operators_without_dry_run_need_a_cluster() {
    let out = paddock(&[
        "service",
        "start",
        "--services",
        "src",
        "-p",
        "cfg",
        "--no-builtin",
        "-n",
        "cluster-configuration",
        "--kubeconfig",
        "/nonexistent/kubeconfig",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
}

#[test]
fn delete_asks_for_the_namespace() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("kubectl.log");
    let kubectl = dir.path().join("kubectl");
    std::fs::write(
        &kubectl,
        format!("#!/bin/bash\necho \"kubectl $*\" >> {}\n", log.display()),
    )
    .unwrap();
    let delete = |answer: &str| {
        Command::cargo_bin("paddock")
            .unwrap()
            .current_dir(fixtures())
            .args([
                "service",
                "delete",
                "--services",
                "src",
                "-p",
                "cfg",
                "--no-builtin",
                "-n",
                "grafana",
            ])
            .env("KUBECTL", format!("bash {}", kubectl.display()))
            .write_stdin(answer)
            .output()
            .unwrap()
    };
    let refused = delete("nope\n");
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    assert!(
        stderr(&refused)
            .contains("error: delete cancelled: the namespace was not typed; nothing was deleted")
    );
    assert!(!log.exists(), "nothing ran");
    let confirmed = delete("default\n");
    assert!(confirmed.status.success(), "{}", stderr(&confirmed));
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "kubectl --namespace default delete --ignore-not-found -f grafana.yaml\nkubectl --namespace default delete --ignore-not-found configmap grafana-configuration\n"
    );
}

macro_rules! broken {
    ($($name:ident => [$($arg:expr),*]),* $(,)?) => {$(
        #[test]
        fn $name() {
            insta::assert_snapshot!(bad_input(&[$($arg),*]));
        }
    )*};
}

broken! {
    error_cycle => ["service", "list", "--services", "broken/cycle", "--no-builtin"],
    error_unknown_prerequisite => ["service", "graph", "--services", "broken/unknown-prerequisite", "--no-builtin"],
    error_unknown_label => ["service", "template", "--services", "broken/unknown-label", "-p", "cfg", "--no-builtin"],
    error_bad_yaml => ["service", "list", "--services", "broken/bad-yaml", "--no-builtin"],
    error_missing_template => ["service", "list", "--services", "broken/missing-template", "--no-builtin"],
    error_template_syntax => ["service", "template", "--services", "broken/template-error", "--no-builtin"],
    error_bad_rule => ["service", "list", "--services", "broken/bad-rule", "--no-builtin"],
    error_invalid_object => ["service", "template", "--services", "broken/invalid-object", "--no-builtin"],
    error_layout_duplicate_host => ["service", "template", "--services", "src", "-p", "broken/cfg-duplicate-host", "--no-builtin"],
    error_layout_bad_label => ["service", "start", "--services", "src", "-p", "broken/cfg-bad-label", "--no-builtin", "--dry-run"],
    error_layout_no_master => ["service", "start", "--services", "src", "-p", "broken/cfg-no-master", "--no-builtin", "--dry-run", "-n", "webportal"],
    error_rules_without_layout => ["service", "template", "--services", "src", "--no-builtin", "-n", "node-exporter", "--no-deps"],
    error_unknown_service_name => ["service", "start", "--services", "src", "-p", "cfg", "--no-builtin", "--dry-run", "-n", "rest-sever"],
    error_missing_services_dir => ["service", "list", "--services", "nowhere"],
}

#[test]
fn allow_missing_turns_unknown_prerequisites_into_warnings() {
    let out = service(&[
        "graph",
        "--services",
        "broken/unknown-prerequisite",
        "--no-builtin",
        "--allow-missing",
    ]);
    assert_eq!(
        stderr(&out),
        "warning: api needs unknown service \"database\"\n"
    );
    assert!(stdout(&out).contains("\"database\" -> \"api\" [style=dashed];"));
}

#[test]
fn rendered_dir_holds_what_scripts_see() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out");
    service(&[
        "template",
        "--services",
        "src",
        "-p",
        "cfg",
        "--no-builtin",
        "-n",
        "grafana",
        "--no-deps",
        "--rendered-dir",
        target.to_str().unwrap(),
    ]);
    let grafana = target.join("grafana");
    for file in [
        "grafana.yaml",
        "grafana.yaml.template",
        "start.sh",
        "stop.sh",
        "service.yaml",
        "grafana-configuration/prom-datasource.json",
    ] {
        assert!(grafana.join(file).is_file(), "missing {file}");
    }
    assert_eq!(
        std::fs::read_to_string(grafana.join("grafana-configuration/prom-datasource.json"))
            .unwrap(),
        "{\n  \"name\": \"PM\",\n  \"type\": \"prometheus\",\n  \"url\": \"http://prometheus:9091\",\n  \"access\": \"proxy\",\n  \"isDefault\": true,\n  \"jsonData\": {\"cluster\": \"pai-test\", \"region\": \"west\"}\n}\n"
    );
}

/// A namespace Kubernetes would refuse is bad input before any cluster is contacted.
#[test]
fn a_bad_namespace_stops_the_operators_before_the_cluster() {
    for operation in ["start", "stop", "refresh"] {
        let out = Command::cargo_bin("paddock")
            .unwrap()
            .current_dir(fixtures())
            .args(["service", operation, "--namespace", "Bad_NS"])
            .env("KUBECONFIG", "/nonexistent/kubeconfig")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{operation}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("\"Bad_NS\" is not a valid namespace name"),
            "{operation}: {}",
            stderr(&out)
        );
    }
}
