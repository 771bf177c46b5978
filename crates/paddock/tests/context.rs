//! `paddock context`: writes pachctl's config file the way `pachctl config set context` does,
//! keeping everything else in it.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use serde_json::{Value, json};

fn context(config: &Path, args: &[&str]) -> Output {
    Command::cargo_bin("paddock")
        .unwrap()
        .env("PACH_CONFIG", config)
        .env_remove("HOME")
        .arg("context")
        .args(args)
        .output()
        .unwrap()
}

fn read(config: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(config).unwrap()).unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn creates_then_updates_pachctls_config() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.json");

    let out = context(&config, &["local", "--address", "127.0.0.1"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).trim(),
        format!(
            "pachctl context `local` created: grpc://127.0.0.1:80, active ({})",
            config.display()
        )
    );
    let doc = read(&config);
    assert_eq!(doc["v2"]["active_context"], "local");
    assert_eq!(
        doc["v2"]["contexts"]["local"],
        json!({"pachd_address": "grpc://127.0.0.1:80"})
    );
    assert_eq!(doc["user_id"].as_str().unwrap().len(), 36);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&config).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    // A second context, from values with TLS: grpcs on the https port; the first stays active.
    let out = context(
        &config,
        &[
            "prod",
            "--set",
            "proxy.host=pachyderm.example.com,proxy.tls.enabled=true,proxy.tls.secretName=t",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("--activate"),
        "{}",
        text(&out.stderr)
    );
    let doc = read(&config);
    assert_eq!(doc["v2"]["active_context"], "local");
    assert_eq!(
        doc["v2"]["contexts"]["prod"]["pachd_address"],
        "grpcs://pachyderm.example.com:443"
    );
    assert_eq!(
        doc["v2"]["contexts"]["local"]["pachd_address"],
        "grpc://127.0.0.1:80"
    );
}

#[test]
fn keeps_other_contexts_and_refuses_to_clobber_without_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.json");
    let before = json!({
        "user_id": "0b0b0b0b-0000-4000-8000-000000000000",
        "v2": {
            "active_context": "other",
            "contexts": {
                "other": {"pachd_address": "grpc://10.0.0.9:30650", "session_token": "TOKEN"},
                "dev": {"pachd_address": "grpc://old.example.com:80"}
            },
            "metrics": true
        }
    });
    std::fs::write(&config, serde_json::to_string_pretty(&before).unwrap()).unwrap();

    let out = context(&config, &["dev", "--address", "new.example.com:8080"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("--overwrite"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(read(&config), before, "nothing written on refusal");

    let out = context(
        &config,
        &[
            "dev",
            "--address",
            "new.example.com:8080",
            "--overwrite",
            "--activate",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let doc = read(&config);
    assert_eq!(doc["v2"]["active_context"], "dev");
    assert_eq!(
        doc["v2"]["contexts"]["dev"],
        json!({"pachd_address": "grpc://new.example.com:8080"})
    );
    assert_eq!(
        doc["v2"]["contexts"]["other"],
        before["v2"]["contexts"]["other"]
    );
    assert_eq!(doc["user_id"], before["user_id"]);

    // The same again changes nothing.
    let out = context(&config, &["dev", "--address", "new.example.com:8080"]);
    assert!(out.status.success());
    assert!(
        text(&out.stdout).contains("unchanged"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn bad_input_is_exit_2_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.json");
    let cases: &[(&[&str], &str)] = &[
        (&["x"], "--address"),
        (&["x", "--address", "http://h"], "scheme"),
        (
            &["x", "--address", "h", "--set", "proxy.enabled=false"],
            "proxy.enabled",
        ),
        (
            &["x", "--address", "h", "--server-ca", "/nonexistent/ca.pem"],
            "--server-ca",
        ),
    ];
    for (args, needle) in cases {
        let out = context(&config, args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains(needle),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    assert!(!config.exists());
    // PACH_CONFIG's directory must exist (pachctl does not create it either).
    let nested = dir.path().join("missing/config.json");
    let out = context(&nested, &["x", "--address", "h"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}

/// The proxy Service of a platform in namespace `pachyderm`, as the stack renders it.
fn proxy_service(kind: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "pachyderm-proxy", "namespace": "pachyderm"},
        "spec": {
            "type": kind,
            "ports": [
                {"name": "http-port", "port": 80, "targetPort": "http-port", "nodePort": 30080},
            ],
        },
    })
}

#[test]
fn reads_the_proxy_address_from_the_cluster() {
    use paddock_kube::fake::BackgroundServer;
    use std::time::Duration;

    let server = BackgroundServer::start(Duration::from_millis(20));
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = server.write_kubeconfig(dir.path());
    let config = dir.path().join("config.json");
    let run = |name: &str, extra: &[&str]| {
        Command::cargo_bin("paddock")
            .unwrap()
            .env("PACH_CONFIG", &config)
            .env_remove("HOME")
            .env_remove("KUBECONFIG")
            .args(["context", name, "-n", "pachyderm", "--kubeconfig"])
            .arg(&kubeconfig)
            .args(extra)
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap()
    };
    server.create_namespace("pachyderm");

    // No Service: exit 1, nothing written.
    let out = run("lb", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("no Service pachyderm-proxy in namespace pachyderm"));
    assert!(!config.exists());

    // A LoadBalancer still waiting for its address: exit 1 with what to do.
    server.set_ready_delay("pachyderm-proxy", None);
    server.put(proxy_service("LoadBalancer"), "paddock");
    let out = run("lb", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("has no external address yet"), "{err}");
    assert!(err.contains("--address"), "{err}");
    assert!(!config.exists());

    // The simulated controller gives it an address.
    server.set_ready_delay("pachyderm-proxy", Some(Duration::from_millis(10)));
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while server
        .get("Service", "pachyderm", "pachyderm-proxy")
        .unwrap()["status"]["loadBalancer"]["ingress"]
        .is_null()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "no load balancer address"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = run("lb", &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        read(&config)["v2"]["contexts"]["lb"],
        json!({"pachd_address": "grpc://192.0.2.10:80"})
    );
    // --address still wins.
    let out = run("given", &["--address", "10.1.2.3:8080"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        read(&config)["v2"]["contexts"]["given"]["pachd_address"],
        "grpc://10.1.2.3:8080"
    );

    // NodePort: a node's external address and the node port.
    let node = json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}});
    server.put(node.clone(), "kubelet");
    server.put_status(
        &node,
        json!({"addresses": [{"type": "InternalIP", "address": "10.0.0.5"},
                             {"type": "ExternalIP", "address": "198.51.100.4"}]}),
    );
    server.put(proxy_service("NodePort"), "paddock");
    let out = run("np", &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        read(&config)["v2"]["contexts"]["np"]["pachd_address"],
        "grpc://198.51.100.4:30080"
    );

    // ClusterIP: no external address at all.
    server.put(proxy_service("ClusterIP"), "paddock");
    let out = run("cip", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("is of type ClusterIP"),
        "{}",
        text(&out.stderr)
    );

    // A bad namespace is bad input, found before any network.
    let out = Command::cargo_bin("paddock")
        .unwrap()
        .env("PACH_CONFIG", &config)
        .args(["context", "x", "-n", "Bad_NS", "--kubeconfig"])
        .arg(&kubeconfig)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}
