//! `paddock service start|refresh|stop|delete` carried out through the cluster engine, against
//! the in-process fake API server (paddock-kube's `test-support`), on the fixture tree.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use assert_cmd::Command;
use paddock_kube::fake::BackgroundServer;
use serde_json::{Value, json};

struct Cluster {
    server: BackgroundServer,
    dir: tempfile::TempDir,
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/services")
}

impl Cluster {
    fn start() -> Cluster {
        Cluster::with_nodes(&[
            "master-0",
            "worker-0",
            "worker-1.cluster.local",
            "storage-0",
        ])
    }

    fn with_nodes(nodes: &[&str]) -> Cluster {
        let server = BackgroundServer::start(Duration::from_millis(20));
        for node in nodes {
            server.put(
                json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": node, "labels": {"kubernetes.io/hostname": node}}}),
                "kubelet",
            );
        }
        Cluster {
            server,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// `paddock service <operation> --services src -p cfg --no-builtin --namespace openpai ...`.
    fn service(&self, operation: &str, extra: &[&str]) -> Output {
        let kubeconfig = self.server.write_kubeconfig(self.dir.path());
        Command::cargo_bin("paddock")
            .unwrap()
            .current_dir(fixtures())
            .args([
                "service",
                operation,
                "--services",
                "src",
                "-p",
                "cfg",
                "--no-builtin",
            ])
            .args(["--namespace", "openpai", "--timeout", "60s"])
            .args(extra)
            .arg("--kubeconfig")
            .arg(kubeconfig)
            .env_remove("KUBECONFIG")
            .env("KUBECTL", "true")
            .timeout(Duration::from_secs(120))
            .output()
            .unwrap()
    }

    fn labels(&self, node: &str) -> Value {
        self.server.get("Node", "", node).unwrap()["metadata"]["labels"].clone()
    }
}

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

#[test]
fn start_refresh_stop_delete_on_a_cluster() {
    let c = Cluster::start();
    let out = c.service("start", &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("started 12 services in namespace openpai: "),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(
        c.labels("master-0"),
        json!({"kubernetes.io/hostname": "master-0", "pai-master": "true"})
    );
    assert_eq!(
        c.labels("worker-0"),
        json!({"kubernetes.io/hostname": "worker-0", "no-drivers": "true", "pai-worker": "true"})
    );
    let rest = c
        .server
        .get("Deployment", "openpai", "rest-server")
        .unwrap();
    assert_eq!(
        rest["spec"]["template"]["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
            ["nodeSelectorTerms"][0]["matchExpressions"],
        json!([{"key": "pai-master", "operator": "In", "values": ["true"]}])
    );
    assert_eq!(
        rest["metadata"]["labels"]["paddock.io/service"],
        "rest-server"
    );
    assert!(
        c.server
            .get("StatefulSet", "openpai", "postgresql")
            .is_some()
    );
    assert!(c.server.get("CronJob", "openpai", "log-cleaner").is_some());
    assert!(
        c.server.get("Deployment", "openpai", "grafana").is_none(),
        "grafana's start-script ran instead (with KUBECTL=true it applies nothing)"
    );
    // Waves: cluster-configuration is ready before rest-server is applied.
    let log = c.server.log();
    let first = |needle: &str| log.iter().position(|e| format!("{e:?}").contains(needle));
    assert!(first("cluster-configuration").unwrap() < first("rest-server").unwrap());

    // worker-1 loses pai-worker; a drivers pod still runs there and is evicted.
    c.server.put(
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "device-drivers-abc", "namespace": "openpai", "labels": {"app": "device-drivers"}}, "spec": {"nodeName": "worker-0", "containers": [{"name": "d", "image": "x"}]}}),
        "kubelet",
    );
    let refresh = c.service("refresh", &["-n", "device-drivers"]);
    assert!(refresh.status.success(), "{}", text(&refresh.stderr));
    assert!(
        text(&refresh.stderr).contains("evicting Pod/device-drivers-abc from node worker-0"),
        "{}",
        text(&refresh.stderr)
    );
    assert!(
        c.server
            .get("Pod", "openpai", "device-drivers-abc")
            .is_none()
    );

    let stop = c.service("stop", &["-n", "rest-server"]);
    assert!(stop.status.success(), "{}", text(&stop.stderr));
    assert!(
        c.server
            .get("Deployment", "openpai", "rest-server")
            .is_none()
    );
    assert!(c.server.get("Service", "openpai", "rest-server").is_none());
    assert!(
        c.server
            .get("ConfigMap", "openpai", "rest-server-config")
            .is_some(),
        "stop keeps config"
    );

    let delete = c.service("delete", &["-n", "postgresql", "--yes"]);
    assert!(delete.status.success(), "{}", text(&delete.stderr));
    assert!(
        c.server
            .get("StatefulSet", "openpai", "postgresql")
            .is_none()
    );
    assert!(
        c.server
            .get("Secret", "openpai", "postgresql-credentials")
            .is_none()
    );
    assert!(
        c.server
            .get("ConfigMap", "openpai", "cluster-configuration")
            .is_some(),
        "prerequisites are not deleted with -n"
    );
}

#[test]
fn a_machine_without_a_node_is_an_error() {
    let c = Cluster::with_nodes(&["master-0"]);
    let out = c.service("start", &["-n", "prometheus"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr)
            .contains("error: cfg/layout.yaml: machine worker-0 has no node in the cluster"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        c.server
            .get("Deployment", "openpai", "prometheus")
            .is_none()
    );
    // The operation held the release's lock and gave it back on the error.
    let lease_writes = c
        .server
        .log()
        .iter()
        .filter(|e| e.wrote == Some(("Lease".to_owned(), LEASE.to_owned())))
        .count();
    assert!(lease_writes >= 1, "the lock was never taken");
    assert!(c.server.get("Lease", "openpai", LEASE).is_none());
}

/// The lock of release `paddock` (the default with --no-builtin).
const LEASE: &str = "paddock.lock.paddock";

#[test]
fn service_operations_wait_for_the_release_lock() {
    let c = Cluster::start();
    c.server.create_namespace("openpai");
    let labels_before = c.labels("master-0");
    // Another operation holds the lock of release `paddock` (the default with --no-builtin).
    let guard = c.server.block_on(async {
        let engine = paddock_kube::Engine::new(c.server.client().await, "openpai");
        paddock_kube::lock::acquire(
            &engine,
            "paddock",
            "install (test)",
            Duration::from_secs(30),
            Duration::ZERO,
        )
        .await
        .unwrap()
    });
    let started = std::time::Instant::now();
    for (operation, extra) in [("start", &[][..]), ("stop", &["-n", "rest-server"][..])] {
        let mut args = extra.to_vec();
        args.extend(["--lock-timeout", "1s"]);
        let out = c.service(operation, &args);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("error: release paddock is locked by ")
                && stderr.contains(": paddock install (test) since "),
            "{stderr}"
        );
        assert!(stderr.contains("paddock unlock"), "{stderr}");
        assert!(out.stdout.is_empty());
    }
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "each waited --lock-timeout"
    );
    // Nothing was applied: no objects, no node labels.
    for kind in [
        "Deployment",
        "ConfigMap",
        "StatefulSet",
        "Service",
        "DaemonSet",
    ] {
        assert!(c.server.list(kind, Some("openpai")).is_empty(), "{kind}");
    }
    assert_eq!(c.labels("master-0"), labels_before);

    c.server.block_on(guard.release());
    let out = c.service("start", &["--lock-timeout", "1s"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        c.server
            .get("Deployment", "openpai", "rest-server")
            .is_some()
    );
    assert!(
        c.server.get("Lease", "openpai", LEASE).is_none(),
        "released"
    );
}
