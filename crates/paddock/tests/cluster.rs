//! The cluster commands end to end: the `paddock` binary against the in-process fake API
//! server through a generated kubeconfig.

use std::process::Output;
use std::time::Duration;

use assert_cmd::Command;
use paddock_kube::fake::BackgroundServer;

struct Cluster {
    server: BackgroundServer,
    dir: tempfile::TempDir,
}

impl Cluster {
    fn start() -> Cluster {
        Cluster {
            server: BackgroundServer::start(Duration::from_millis(20)),
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn paddock(&self, args: &[&str], stdin: &str) -> Output {
        let kubeconfig = self.server.write_kubeconfig(self.dir.path());
        Command::cargo_bin("paddock")
            .unwrap()
            .args(args)
            .arg("--kubeconfig")
            .arg(kubeconfig)
            .env_remove("KUBECONFIG")
            .write_stdin(stdin)
            .timeout(Duration::from_secs(120))
            .output()
            .unwrap()
    }
}

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

#[test]
fn install_plan_status_upgrade_rollback_uninstall() {
    let c = Cluster::start();
    let out = c.paddock(&["install", "-n", "pachyderm", "--timeout", "60s"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("installed release pachd in namespace pachyderm: revision 1"),
        "{stdout}"
    );
    let stderr = text(&out.stderr);
    assert!(stderr.contains("wave 1/"), "{stderr}");
    assert!(stderr.contains("creating namespace pachyderm"), "{stderr}");

    let plan = c.paddock(&["plan", "-n", "pachyderm"], "");
    assert!(plan.status.success(), "{}", text(&plan.stderr));
    assert_eq!(
        text(&plan.stdout),
        "No changes: the cluster matches the rendered release.\n"
    );

    let plan = c.paddock(
        &["plan", "-n", "pachyderm", "--set", "pachd.logLevel=debug"],
        "",
    );
    let shown = text(&plan.stdout);
    assert!(shown.contains("~ change Deployment/pachd"), "{shown}");
    assert!(shown.contains("~ change Deployment/pachw"), "{shown}");
    assert!(
        shown.contains("    -          value: info\n    +          value: debug\n"),
        "{shown}"
    );
    assert!(
        shown.ends_with("Plan: 0 to create, 2 to change, 0 to delete.\n"),
        "{shown}"
    );

    let up = c.paddock(
        &[
            "upgrade",
            "-n",
            "pachyderm",
            "--set",
            "pachd.logLevel=debug",
        ],
        "",
    );
    assert!(up.status.success(), "{}", text(&up.stderr));
    assert!(text(&up.stdout).contains("revision 2"));

    let status = c.paddock(&["status", "-n", "pachyderm"], "");
    assert!(status.status.success());
    let s = text(&status.stdout);
    assert!(
        s.starts_with("release pachd in namespace pachyderm: revision 2 (upgrade, "),
        "{s}"
    );
    assert!(
        s.contains("pachd       ready") || s.contains("pachd  "),
        "{s}"
    );

    let back = c.paddock(&["rollback", "-n", "pachyderm"], "");
    assert!(back.status.success(), "{}", text(&back.stderr));
    assert!(text(&back.stdout).contains("now revision 3"));
    let bad = c.paddock(&["rollback", "7", "-n", "pachyderm"], "");
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad.stderr));

    // Purging asks for the release name: a wrong answer deletes nothing.
    let no = c.paddock(&["uninstall", "-n", "pachyderm", "--purge-data"], "nope\n");
    assert_eq!(no.status.code(), Some(1));
    assert!(
        text(&no.stderr).contains("nothing was deleted"),
        "{}",
        text(&no.stderr)
    );
    assert!(c.server.get("Deployment", "pachyderm", "pachd").is_some());

    let gone = c.paddock(&["uninstall", "-n", "pachyderm"], "");
    assert!(gone.status.success(), "{}", text(&gone.stderr));
    let err = text(&gone.stderr);
    assert!(err.contains("delete Deployment/pachd"), "{err}");
    assert!(
        err.contains("keep   PersistentVolumeClaim/etcd-storage-etcd-0: holds data"),
        "{err}"
    );
    assert!(text(&gone.stdout).contains("volume claims keep the data"));
    assert_eq!(
        c.server
            .list("PersistentVolumeClaim", Some("pachyderm"))
            .len(),
        2
    );

    let again = c.paddock(&["install", "-n", "pachyderm"], "");
    assert!(again.status.success(), "{}", text(&again.stderr));
    let purge = c.paddock(&["uninstall", "-n", "pachyderm", "--purge-data"], "pachd\n");
    assert!(purge.status.success(), "{}", text(&purge.stderr));
    assert!(
        c.server
            .list("PersistentVolumeClaim", Some("pachyderm"))
            .is_empty()
    );
}

#[test]
fn failures_exit_1_and_bad_input_exits_2() {
    let c = Cluster::start();
    let missing = c.paddock(&["status"], "");
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing.stderr).contains("release pachd is not installed in namespace default"));

    let bad_duration = c.paddock(&["install", "--timeout", "soon"], "");
    assert_eq!(bad_duration.status.code(), Some(2));
    let bad_value = c.paddock(&["install", "--set", "pachd.replicas=many"], "");
    assert_eq!(
        bad_value.status.code(),
        Some(2),
        "{}",
        text(&bad_value.stderr)
    );
    // Bad values are found before the cluster is touched: no namespace, no lock.
    for command in ["install", "upgrade", "plan"] {
        let bad = c.paddock(&[command, "-n", "fresh", "--set", "deployTarget=FOO"], "");
        assert_eq!(bad.status.code(), Some(2), "{}", text(&bad.stderr));
        assert!(
            text(&bad.stderr).contains("deployTarget"),
            "{}",
            text(&bad.stderr)
        );
    }
    assert!(c.server.get("Namespace", "", "fresh").is_none());
    assert!(c.server.list("Lease", None).is_empty());
    let bad_ns = c.paddock(&["install", "-n", "Bad_NS"], "");
    assert_eq!(bad_ns.status.code(), Some(2), "{}", text(&bad_ns.stderr));
    assert!(text(&bad_ns.stderr).contains("\"Bad_NS\" is not a valid namespace name"));
    assert!(
        c.server
            .list("Namespace", None)
            .iter()
            .all(|n| n["metadata"]["name"] != "Bad_NS")
    );

    c.server.set_ready_delay("pachd", None);
    let stuck = c.paddock(&["install", "--timeout", "3s"], "");
    assert_eq!(stuck.status.code(), Some(1));
    let err = text(&stuck.stderr);
    assert!(err.contains("error: timed out waiting for wave"), "{err}");
    assert!(err.contains("ErrImagePull"), "{err}");

    let unlock = c.paddock(&["unlock"], "");
    assert!(unlock.status.success());
    assert_eq!(text(&unlock.stdout), "release pachd is not locked\n");

    let nowhere = Command::cargo_bin("paddock")
        .unwrap()
        .args(["status", "--kubeconfig", "/nonexistent/kubeconfig"])
        .output()
        .unwrap();
    assert_eq!(nowhere.status.code(), Some(1));
    assert!(text(&nowhere.stderr).contains("cannot connect to the cluster"));
}

#[test]
fn status_exits_1_while_a_component_is_not_ready() {
    let c = Cluster::start();
    let out = c.paddock(&["install", "-n", "pachyderm", "--timeout", "60s"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let ready = c.paddock(&["status", "-n", "pachyderm"], "");
    assert_eq!(ready.status.code(), Some(0), "{}", text(&ready.stderr));
    assert!(text(&ready.stderr).is_empty(), "{}", text(&ready.stderr));

    // pachd's new rollout never completes: the upgrade times out, revision 1 stays.
    c.server.set_ready_delay("pachd", None);
    let stuck = c.paddock(
        &[
            "upgrade",
            "-n",
            "pachyderm",
            "--set",
            "pachd.logLevel=debug",
            "--timeout",
            "2s",
        ],
        "",
    );
    assert_eq!(stuck.status.code(), Some(1), "{}", text(&stuck.stderr));

    let status = c.paddock(&["status", "-n", "pachyderm"], "");
    assert_eq!(status.status.code(), Some(1), "{}", text(&status.stderr));
    let report = text(&status.stdout);
    assert!(
        report.starts_with("release pachd in namespace pachyderm: revision 1 (install, "),
        "{report}"
    );
    let pachd = report
        .lines()
        .find(|l| l.starts_with("pachd "))
        .unwrap_or_else(|| panic!("{report}"));
    assert!(pachd.contains("not ready: Deployment/pachd: "), "{report}");
    assert!(
        report
            .lines()
            .any(|l| l.starts_with("etcd ") && l.ends_with("  ready")),
        "{report}"
    );
    assert_eq!(
        text(&status.stderr),
        "error: release pachd in namespace pachyderm is not ready: pachd\n"
    );

    // Once the rollout completes, status is 0 again.
    c.server
        .set_ready_delay("pachd", Some(Duration::from_millis(20)));
    let mut last = None;
    for _ in 0..50 {
        let again = c.paddock(&["status", "-n", "pachyderm"], "");
        if again.status.success() {
            last = None;
            break;
        }
        last = Some(text(&again.stdout));
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        last.is_none(),
        "still not ready: {}",
        last.unwrap_or_default()
    );
}

/// Every Secret in `namespace` but the release records, by name, with its data.
fn secrets(c: &Cluster, namespace: &str) -> Vec<(String, serde_json::Value)> {
    let mut all: Vec<(String, serde_json::Value)> = c
        .server
        .list("Secret", Some(namespace))
        .into_iter()
        .map(|s| {
            (
                s["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                s["data"].clone(),
            )
        })
        .filter(|(name, _)| !name.starts_with("paddock.release."))
        .collect();
    all.sort_by(|a, b| a.0.cmp(&b.0));
    all
}

/// `paddock service <operation> -n <namespace> --yes` on the built-in stack.
fn service(c: &Cluster, operation: &str, namespace: &str) -> Output {
    let out = c.paddock(
        &[
            "service",
            operation,
            "--namespace",
            namespace,
            "--yes",
            "--timeout",
            "60s",
        ],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    out
}

#[test]
fn service_refresh_keeps_the_credentials_install_generated() {
    let c = Cluster::start();
    let out = c.paddock(&["install", "-n", "pachyderm", "--timeout", "60s"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let before = secrets(&c, "pachyderm");
    let names: Vec<&str> = before.iter().map(|(n, _)| n.as_str()).collect();
    assert!(names.contains(&"paddock.credentials.pachd"), "{names:?}");
    assert!(
        names.contains(&"pachyderm-deployment-id-secret"),
        "{names:?}"
    );
    service(&c, "refresh", "pachyderm");
    assert_eq!(secrets(&c, "pachyderm"), before);
}

#[test]
fn service_start_stores_credentials_that_refresh_reuses() {
    let c = Cluster::start();
    let out = service(&c, "start", "pachyderm");
    assert!(
        text(&out.stderr)
            .contains("stored generated credentials in Secret paddock.credentials.pachd"),
        "{}",
        text(&out.stderr)
    );
    let before = secrets(&c, "pachyderm");
    assert!(
        before
            .iter()
            .any(|(n, _)| n == "pachyderm-deployment-id-secret")
    );
    let again = service(&c, "refresh", "pachyderm");
    assert!(!text(&again.stderr).contains("stored generated credentials"));
    assert_eq!(secrets(&c, "pachyderm"), before);
    // And install afterwards keeps them too.
    let out = c.paddock(&["install", "-n", "pachyderm", "--timeout", "60s"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let after: Vec<_> = secrets(&c, "pachyderm");
    for (name, data) in &before {
        let now = after.iter().find(|(n, _)| n == name);
        assert_eq!(now.map(|(_, d)| d), Some(data), "{name}");
    }
}

#[test]
fn bad_values_exit_2_without_contacting_the_cluster() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on port 9: connecting would fail with exit 1.
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:9\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\ncurrent-context: c\nusers:\n- name: u\n  user: {}\n",
    )
    .unwrap();
    let template = Command::cargo_bin("paddock")
        .unwrap()
        .args(["template", "--set", "deployTarget=FOO"])
        .output()
        .unwrap();
    assert_eq!(template.status.code(), Some(2));
    for args in [
        &["install", "--set", "deployTarget=FOO"][..],
        &["upgrade", "--set", "deployTarget=FOO"][..],
        &["plan", "--set", "deployTarget=FOO"][..],
        &["install", "-n", "Bad_NS"][..],
        &["status", "-n", "Bad_NS"][..],
    ] {
        let started = std::time::Instant::now();
        let out = Command::cargo_bin("paddock")
            .unwrap()
            .args(args)
            .env("KUBECONFIG", &kubeconfig)
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(started.elapsed() < Duration::from_secs(10), "{args:?}");
        let err = text(&out.stderr);
        assert!(!err.contains("cannot connect"), "{err}");
        if args[1] == "--set" {
            assert_eq!(err, text(&template.stderr), "{args:?}");
        } else {
            assert!(err.contains("not a valid namespace name"), "{err}");
        }
    }
}
