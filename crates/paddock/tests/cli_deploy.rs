//! CLI golden tests (insta) of `paddock deploy custom` and `paddock deploy storage`: rendered
//! output for typical invocations, the exact message and exit code of each kind of bad input,
//! and that credentials never reach stderr (errors, warnings, `-v`).

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use paddock_core::validate::{Outcome, validate_object};
use paddock_kube::fake::BackgroundServer;
use serde_json::Value;

/// The seed's example arguments (its credentials are made up).
const SEED_ARGS: [&str; 6] = [
    "foobar",
    "10",
    "pachyderm-bucket",
    ACCESS_KEY,
    SECRET_KEY,
    "minio:9000",
];
const ACCESS_KEY: &str = "OBSIJRBE0PP2NO4QOA27";
const SECRET_KEY: &str = "tfteSlswRu7BJ86wekitnifILbZam1KYY3TG";

/// Strings that must never appear on stderr: the credentials and the fixtures' key material.
const NEVER_PRINTED: [&str; 4] = [
    ACCESS_KEY,
    SECRET_KEY,
    "fake-key-material",
    "fake-google-key-material",
];

/// Runs paddock in the fixtures folder (short, stable file names), with no cluster configured.
fn paddock(args: &[&str]) -> Output {
    let out = Command::cargo_bin("paddock")
        .unwrap()
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/deploy"))
        .env("KUBECONFIG", "/nonexistent/kubeconfig")
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    for secret in NEVER_PRINTED {
        assert!(
            !stderr.contains(secret),
            "paddock {args:?} printed a credential on stderr:\n{stderr}"
        );
    }
    out
}

/// `deploy custom` with the seed's arguments followed by `extra`.
fn custom_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "deploy",
        "custom",
        "--persistent-disk",
        "aws",
        "--object-store",
        "s3",
    ];
    args.extend(SEED_ARGS);
    args.extend_from_slice(extra);
    args
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// Parses a JSON or YAML stream and checks every object against the strict schemas.
fn validated(stdout: &str) -> Vec<Value> {
    let objects: Vec<Value> = if stdout.starts_with('{') {
        serde_json::Deserializer::from_str(stdout)
            .into_iter()
            .collect::<Result<_, _>>()
            .unwrap()
    } else {
        serde_saphyr::from_multiple(stdout).unwrap()
    };
    for o in &objects {
        assert_eq!(validate_object(o), Outcome::Valid, "{o:#}");
    }
    objects
}

/// A successful run: (stdout, stderr); every object passes strict validation.
fn success(args: &[&str]) -> (String, String) {
    let out = paddock(args);
    assert!(
        out.status.success(),
        "paddock {args:?} failed:\n{}",
        text(&out.stderr)
    );
    let stdout = text(&out.stdout);
    assert!(!validated(&stdout).is_empty());
    (stdout, text(&out.stderr))
}

/// Bad input: exit code 2, nothing on stdout; returns stderr.
fn bad_input(args: &[&str]) -> String {
    let out = paddock(args);
    assert_eq!(
        out.status.code(),
        Some(2),
        "paddock {args:?}:\n{}",
        text(&out.stderr)
    );
    assert!(out.stdout.is_empty(), "nothing may be printed on bad input");
    text(&out.stderr)
}

fn kinds_and_names(stdout: &str) -> Vec<String> {
    validated(stdout)
        .iter()
        .map(|o| {
            format!(
                "{}/{}",
                o["kind"].as_str().unwrap(),
                o["metadata"]["name"].as_str().unwrap()
            )
        })
        .collect()
}

macro_rules! golden_stdout {
    ($($name:ident => [$($arg:expr),* $(,)?]),* $(,)?) => {$(
        #[test]
        fn $name() {
            insta::assert_snapshot!(success(&[$($arg),*]).0);
        }
    )*};
}

golden_stdout! {
    custom_seed_json => [
        "deploy", "custom", "--persistent-disk", "aws", "--object-store", "s3",
        "foobar", "10", "pachyderm-bucket", ACCESS_KEY, SECRET_KEY, "minio:9000",
        "--dynamic-etcd-nodes", "1", "--dry-run"
    ],
    custom_seed_yaml_local_roles => [
        "deploy", "custom", "--persistent-disk", "aws", "--object-store", "s3",
        "foobar", "10", "pachyderm-bucket", ACCESS_KEY, SECRET_KEY, "minio:9000",
        "--dynamic-etcd-nodes", "10", "--local-roles", "--output", "yaml", "--dry-run"
    ],
    custom_static_google_yaml => [
        "deploy", "custom", "--persistent-disk", "google", "--object-store", "s3",
        "disk-1", "20", "bucket", ACCESS_KEY, SECRET_KEY, "minio:9000",
        "--static-etcd-volume=disk-1", "-o", "yaml", "--dry-run"
    ],
    custom_every_flag_yaml => [
        "deploy", "custom", "--persistent-disk", "azure", "--object-store", "s3",
        "unused", "50", "bucket", ACCESS_KEY, SECRET_KEY, "s3.internal:9000",
        "--dynamic-etcd-nodes=1", "--etcd-storage-class", "fast-ssd", "--isS3V2", "-s",
        "--no-guaranteed", "--pachd-cpu-request", "500m", "--pachd-memory-request", "4Gi",
        "--etcd-cpu-request", "2", "--etcd-memory-request", "4G", "--shards", "32",
        "--registry", "registry.example.com:5000", "--image-pull-secret", "regcred",
        "--dash-image", "pachyderm/dash:1.9.5", "--log-level", "debug",
        "--tls", "cert.pem,key.pem", "--namespace", "pachyderm", "-o", "yaml", "--dry-run"
    ],
    custom_dashboard_only_yaml => [
        "deploy", "custom", "--object-store", "s3",
        "foobar", "10", "pachyderm-bucket", ACCESS_KEY, SECRET_KEY, "minio:9000",
        "--dashboard-only", "-o", "yaml", "--dry-run"
    ],
    storage_s3_v2_yaml => [
        "deploy", "storage", "s3", "pachyderm-bucket", ACCESS_KEY, SECRET_KEY, "minio:9000",
        "--isS3V2", "--secure", "-o", "yaml", "--dry-run"
    ],
    storage_amazon_json => [
        "deploy", "storage", "amazon", "us-west-2", "bucket", ACCESS_KEY, SECRET_KEY, "token", "--dry-run"
    ],
    storage_google_yaml => [
        "deploy", "storage", "google", "bucket", "google-key.json", "-o", "yaml", "--dry-run"
    ],
    storage_microsoft_yaml => [
        "deploy", "storage", "microsoft", "container", "account", SECRET_KEY, "-o", "yaml", "--dry-run"
    ],
}

macro_rules! golden_bad_input {
    ($($name:ident => [$($arg:expr),* $(,)?]),* $(,)?) => {$(
        #[test]
        fn $name() {
            insta::assert_snapshot!(bad_input(&[$($arg),*]));
        }
    )*};
}

golden_bad_input! {
    error_five_arguments => [
        "deploy", "custom", "--persistent-disk", "aws", "--object-store", "s3",
        "foobar", "10", "pachyderm-bucket", ACCESS_KEY, SECRET_KEY, "--dynamic-etcd-nodes", "1", "--dry-run"
    ],
    error_eight_arguments => [
        "deploy", "custom", "foobar", "10", "pachyderm-bucket", ACCESS_KEY, SECRET_KEY, "minio:9000",
        "extra", "more", "--dynamic-etcd-nodes", "1", "--dry-run"
    ],
    error_secure_without_s3v2 => [
        "deploy", "custom", "foobar", "10", "pachyderm-bucket", ACCESS_KEY, SECRET_KEY, "minio:9000",
        "--dynamic-etcd-nodes", "1", "-s", "--dry-run"
    ],
    error_storage_class_with_static_volume => [
        "deploy", "custom", "mypv", "10", "bucket", ACCESS_KEY, SECRET_KEY, "minio:9000",
        "--static-etcd-volume", "mypv", "--etcd-storage-class", "fast-ssd", "--dry-run"
    ],
    error_non_numeric_size => [
        "deploy", "custom", "foobar", "ten", "pachyderm-bucket", ACCESS_KEY, SECRET_KEY, "minio:9000",
        "--dynamic-etcd-nodes", "1", "--dry-run"
    ],
    error_missing_tls_file => [
        "deploy", "custom", "foobar", "10", "pachyderm-bucket", ACCESS_KEY, SECRET_KEY, "minio:9000",
        "--dynamic-etcd-nodes", "1", "--tls", "missing-cert.pem,missing-key.pem", "--dry-run"
    ],
    error_tls_key_not_pem => [
        "deploy", "custom", "foobar", "10", "pachyderm-bucket", ACCESS_KEY, SECRET_KEY, "minio:9000",
        "--dynamic-etcd-nodes", "1", "--tls", "cert.pem,not-a-key.txt", "--dry-run"
    ],
    error_bad_object_store => [
        "deploy", "custom", "--object-store", "gcs", "foobar", "10", "pachyderm-bucket", ACCESS_KEY,
        SECRET_KEY, "minio:9000", "--dynamic-etcd-nodes", "1", "--dry-run"
    ],
    error_bad_persistent_disk => [
        "deploy", "custom", "--persistent-disk", "foo", "foobar", "10", "pachyderm-bucket", ACCESS_KEY,
        SECRET_KEY, "minio:9000", "--dynamic-etcd-nodes", "1", "--dry-run"
    ],
    error_both_etcd_flags => [
        "deploy", "custom", "foobar", "10", "pachyderm-bucket", ACCESS_KEY, SECRET_KEY, "minio:9000",
        "--dynamic-etcd-nodes", "1", "--static-etcd-volume=mypv", "--dry-run"
    ],
    error_neither_etcd_flag => [
        "deploy", "custom", "foobar", "10", "pachyderm-bucket", ACCESS_KEY, SECRET_KEY, "minio:9000",
        "--dry-run"
    ],
    error_bad_quantity => [
        "deploy", "custom", "foobar", "10", "pachyderm-bucket", ACCESS_KEY, SECRET_KEY, "minio:9000",
        "--dynamic-etcd-nodes", "1", "--pachd-memory-request", "2GB", "--etcd-cpu-request", "-1", "--dry-run"
    ],
    error_bad_output => [
        "deploy", "custom", "foobar", "10", "pachyderm-bucket", ACCESS_KEY, SECRET_KEY, "minio:9000",
        "--dynamic-etcd-nodes", "1", "--output", "xml", "--dry-run"
    ],
    error_zero_etcd_nodes => [
        "deploy", "custom", "foobar", "10", "pachyderm-bucket", ACCESS_KEY, SECRET_KEY, "minio:9000",
        "--dynamic-etcd-nodes", "0", "--dry-run"
    ],
    error_storage_argument_count => [
        "deploy", "storage", "amazon", "us-east-1", "bucket", ACCESS_KEY, "--dry-run"
    ],
    error_storage_s3v2_on_amazon => [
        "deploy", "storage", "amazon", "us-east-1", "bucket", ACCESS_KEY, SECRET_KEY, "--isS3V2", "--dry-run"
    ],
    error_storage_missing_google_key => [
        "deploy", "storage", "google", "bucket", "missing.json", "--dry-run"
    ],
}

#[test]
fn seed_example_warns_that_the_first_argument_is_unused() {
    let (_, stderr) = success(&custom_args(&["--dynamic-etcd-nodes", "1", "--dry-run"]));
    insta::assert_snapshot!(stderr);
}

#[test]
fn several_etcd_members_work_and_warn() {
    let (stdout, stderr) = success(&custom_args(&["--dynamic-etcd-nodes", "3", "--dry-run"]));
    assert!(
        stderr.contains("recommends a single etcd member"),
        "{stderr}"
    );
    let statefulset = validated(&stdout)
        .into_iter()
        .find(|o| o["kind"] == "StatefulSet")
        .unwrap();
    assert_eq!(statefulset["spec"]["replicas"], 3);
    let args = statefulset["spec"]["template"]["spec"]["containers"][0]["args"][0]
        .as_str()
        .unwrap();
    assert!(
        args.contains("etcd-2=http://etcd-2.etcd-headless."),
        "{args}"
    );
}

#[test]
fn verbose_describes_the_render_without_credentials() {
    let (_, stderr) = success(&custom_args(&[
        "--dynamic-etcd-nodes",
        "1",
        "--tls",
        "cert.pem,key.pem",
        "-v",
        "--dry-run",
    ]));
    insta::assert_snapshot!(stderr);
    let (_, stderr) = success(&[
        "deploy",
        "storage",
        "google",
        "bucket",
        "google-key.json",
        "-v",
        "--dry-run",
    ]);
    assert!(stderr.contains("Google Cloud Storage"), "{stderr}");
}

#[test]
fn flags_go_anywhere_in_either_form() {
    let reference = success(&custom_args(&["--dynamic-etcd-nodes", "1", "--dry-run"])).0;
    let variants: [&[&str]; 3] = [
        &[
            "deploy",
            "custom",
            "--dry-run",
            "--dynamic-etcd-nodes=1",
            "--persistent-disk=aws",
            "--object-store=s3",
            "foobar",
            "10",
            "pachyderm-bucket",
            ACCESS_KEY,
            SECRET_KEY,
            "minio:9000",
        ],
        &[
            "deploy",
            "custom",
            "foobar",
            "--dynamic-etcd-nodes",
            "1",
            "10",
            "pachyderm-bucket",
            "--output",
            "json",
            ACCESS_KEY,
            SECRET_KEY,
            "--dry-run",
            "minio:9000",
        ],
        // pachctl's defaults: --persistent-disk aws, --object-store s3.
        &[
            "deploy",
            "custom",
            "foobar",
            "10",
            "pachyderm-bucket",
            ACCESS_KEY,
            SECRET_KEY,
            "minio:9000",
            "--dynamic-etcd-nodes",
            "1",
            "--dry-run",
        ],
    ];
    for args in variants {
        assert_eq!(success(args).0, reference, "{args:?}");
    }
}

#[test]
fn arguments_starting_with_a_dash_follow_a_double_dash() {
    let (stdout, _) = success(&[
        "deploy",
        "custom",
        "--dynamic-etcd-nodes",
        "1",
        "--dry-run",
        "--",
        "foobar",
        "10",
        "bucket",
        "-dashed-access-key",
        "-dashed-secret",
        "minio:9000",
    ]);
    let secret = validated(&stdout).into_iter().last().unwrap();
    assert_eq!(secret["data"]["amazon-secret"], "LWRhc2hlZC1zZWNyZXQ=");
}

#[test]
fn selection_flags_pick_services() {
    let no_dash = success(&custom_args(&[
        "--dynamic-etcd-nodes",
        "1",
        "--no-dashboard",
        "--dry-run",
    ]))
    .0;
    let ids = kinds_and_names(&no_dash);
    assert!(!ids.iter().any(|id| id.ends_with("/dash")), "{ids:?}");
    assert_eq!(ids.last().unwrap(), "Secret/pachyderm-storage-secret");
    let dash_only = success(&custom_args(&["--dashboard-only", "--dry-run"])).0;
    assert_eq!(
        kinds_and_names(&dash_only),
        ["Service/dash", "Deployment/dash"]
    );
    let stderr = bad_input(&custom_args(&[
        "--dynamic-etcd-nodes",
        "1",
        "--dashboard-only",
        "--no-dashboard",
        "--dry-run",
    ]));
    assert!(stderr.contains("exclude each other"), "{stderr}");
}

#[test]
fn tls_adds_the_secret_and_mounts_it_in_pachd() {
    let stdout = success(&custom_args(&[
        "--dynamic-etcd-nodes",
        "1",
        "--tls",
        "cert.pem,key.pem",
        "--dry-run",
    ]))
    .0;
    let objects = validated(&stdout);
    let ids = kinds_and_names(&stdout);
    assert_eq!(
        ids[ids.len() - 2..],
        ["Secret/pachd-tls-cert", "Secret/pachyderm-storage-secret"]
    );
    let tls = &objects[objects.len() - 2];
    assert_eq!(tls["type"], "kubernetes.io/tls");
    let keys: Vec<&String> = tls["data"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["tls.crt", "tls.key"]);
    let pachd = objects
        .iter()
        .find(|o| o["kind"] == "Deployment" && o["metadata"]["name"] == "pachd")
        .unwrap();
    let mounts = &pachd["spec"]["template"]["spec"]["containers"][0]["volumeMounts"];
    assert!(
        mounts
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["name"] == "pachd-tls-cert" && m["mountPath"] == "/pachd-tls-cert")
    );
}

#[test]
fn guaranteed_qos_unless_asked_otherwise() {
    let resources = |extra: &[&str]| -> Vec<Value> {
        let mut args = vec!["--dynamic-etcd-nodes", "1", "--dry-run"];
        args.extend_from_slice(extra);
        validated(&success(&custom_args(&args)).0)
            .into_iter()
            .filter(|o| o["metadata"]["name"] == "pachd" || o["kind"] == "StatefulSet")
            .filter_map(|o| {
                o["spec"]["template"]["spec"]["containers"]
                    .get(0)
                    .map(|c| c["resources"].clone())
            })
            .collect()
    };
    for r in resources(&[]) {
        assert_eq!(r["limits"], r["requests"], "{r}");
    }
    let pachd = &resources(&["--pachd-memory-request", "1.5G"])[1];
    assert_eq!(
        pachd["requests"]["memory"], "2500M",
        "block cache added: {pachd}"
    );
    for r in resources(&["--no-guaranteed"]) {
        assert!(r.get("limits").is_none(), "{r}");
    }
}

#[test]
fn applying_needs_a_reachable_cluster_but_checks_input_first() {
    let out = paddock(&custom_args(&["--dynamic-etcd-nodes", "1"]));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    // Bad input is reported as such before any cluster is contacted.
    let stderr = bad_input(&custom_args(&[]));
    assert!(
        stderr.contains("either --dynamic-etcd-nodes or --static-etcd-volume"),
        "{stderr}"
    );
}

#[test]
fn applies_through_the_engine_to_a_cluster() {
    let server = BackgroundServer::start(std::time::Duration::from_millis(50));
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = server.write_kubeconfig(dir.path());
    let mut args = custom_args(&[
        "--dynamic-etcd-nodes",
        "1",
        "--etcd-storage-class",
        "standard",
        "--namespace",
        "pachyderm",
        "--timeout",
        "60s",
    ]);
    let kubeconfig = kubeconfig.to_string_lossy().into_owned();
    args.extend(["--kubeconfig", kubeconfig.as_str()]);
    let out = paddock(&args);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        text(&out.stdout).contains("into namespace pachyderm"),
        "{}",
        text(&out.stdout)
    );
    // The storage secret is applied in an earlier wave than pachd, which reads it.
    let secret_wave = stderr.find("applied Secret").unwrap();
    let pachd_wave = stderr
        .find("applied Deployment/pachd")
        .unwrap_or(usize::MAX);
    assert!(secret_wave < pachd_wave, "{stderr}");
    let secret = server
        .get("Secret", "pachyderm", "pachyderm-storage-secret")
        .unwrap();
    assert_eq!(secret["data"]["amazon-bucket"], "cGFjaHlkZXJtLWJ1Y2tldA==");
    assert!(server.get("StatefulSet", "pachyderm", "etcd").is_some());
    assert!(server.get("Deployment", "pachyderm", "dash").is_some());
    drop(server);
}

/// The JSON of every release record in `namespace`, decoded from its Secret.
fn records(server: &paddock_kube::fake::FakeApiServer, namespace: &str) -> Vec<Value> {
    server
        .list("Secret", Some(namespace))
        .iter()
        .filter(|s| s["type"] == "paddock.io/release.v1")
        .map(|s| {
            let record = paddock_kube::record::ReleaseRecord::from_secret(s).unwrap();
            serde_json::to_value(record).unwrap()
        })
        .collect()
}

#[test]
fn deploy_custom_is_a_release_status_rollback_and_uninstall_see() {
    let server = BackgroundServer::start(std::time::Duration::from_millis(20));
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = server.write_kubeconfig(dir.path());
    let kubeconfig = kubeconfig.to_string_lossy().into_owned();
    let cluster = ["-n", "pachyderm", "--kubeconfig", kubeconfig.as_str()];
    let deploy = |extra: &[&str]| {
        let mut args = custom_args(&["--dynamic-etcd-nodes", "1", "--tls", "cert.pem,key.pem"]);
        args.extend(["--timeout", "60s"]);
        args.extend(extra);
        args.extend(cluster);
        paddock(&args)
    };
    let run = |command: &[&str]| {
        let mut args = command.to_vec();
        args.extend(cluster);
        paddock(&args)
    };

    let out = deploy(&[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with(
            "deployed release pachyderm of pachyderm-1.9 into namespace pachyderm: revision 1 ("
        ),
        "{}",
        text(&out.stdout)
    );
    let status = run(&["status", "pachyderm"]);
    assert!(status.status.success(), "{}", text(&status.stderr));
    let shown = text(&status.stdout);
    assert!(
        shown.starts_with("release pachyderm in namespace pachyderm: revision 1 (deploy custom, "),
        "{shown}"
    );
    for service in ["rbac", "etcd", "storage", "tls", "pachd", "dash"] {
        assert!(
            shown
                .lines()
                .any(|l| l.starts_with(service) && l.ends_with("  ready")),
            "{service}: {shown}"
        );
    }
    let again = deploy(&[]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert!(
        text(&again.stdout).contains("is up to date at revision 1"),
        "{}",
        text(&again.stdout)
    );

    // Without the dashboard, dash's Service and Deployment are pruned.
    let without = deploy(&["--no-dashboard"]);
    assert!(without.status.success(), "{}", text(&without.stderr));
    assert!(
        text(&without.stdout).contains("revision 2 (")
            && text(&without.stdout).contains(", 2 deleted)"),
        "{}",
        text(&without.stdout)
    );
    assert!(text(&without.stderr).contains("deleted Deployment/dash (no longer rendered)"));
    assert!(server.get("Deployment", "pachyderm", "dash").is_none());
    assert!(server.get("Service", "pachyderm", "dash").is_none());
    assert!(server.get("Deployment", "pachyderm", "pachd").is_some());

    // Rollback brings dash back as revision 3.
    let back = run(&["rollback", "1", "--release", "pachyderm"]);
    assert!(back.status.success(), "{}", text(&back.stderr));
    assert!(
        text(&back.stdout).contains("now revision 3"),
        "{}",
        text(&back.stdout)
    );
    assert!(server.get("Deployment", "pachyderm", "dash").is_some());

    // The records hold the flags, with the credentials and the TLS key as hashes only.
    let stored = records(&server, "pachyderm");
    assert_eq!(stored.len(), 3);
    let key_pem = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/deploy/key.pem"),
    )
    .unwrap();
    let key_body = key_pem.lines().nth(1).unwrap().to_owned();
    for record in &stored {
        let values = &record["values"];
        assert_eq!(values["bucket"], "pachyderm-bucket", "{values}");
        for key in ["accessKey", "secretKey"] {
            assert!(
                values[key].as_str().unwrap().starts_with("sha256:"),
                "{values}"
            );
        }
        assert!(
            values["tls"]["key"]
                .as_str()
                .unwrap()
                .starts_with("sha256:")
        );
        let text = record.to_string();
        for clear in [
            ACCESS_KEY,
            SECRET_KEY,
            key_body.as_str(),
            "fake-key-material",
        ] {
            assert!(!text.contains(clear), "a release record holds a credential");
        }
    }

    // Uninstall removes everything of the release but the etcd volume claim.
    let gone = run(&["uninstall", "pachyderm"]);
    assert!(gone.status.success(), "{}", text(&gone.stderr));
    assert!(
        text(&gone.stderr).contains("keep   PersistentVolumeClaim/etcd-storage-etcd-0: holds data"),
        "{}",
        text(&gone.stderr)
    );
    for kind in [
        "Deployment",
        "StatefulSet",
        "Service",
        "Secret",
        "ServiceAccount",
    ] {
        assert!(
            server.list(kind, Some("pachyderm")).is_empty(),
            "{kind}: {:?}",
            server.list(kind, Some("pachyderm"))
        );
    }
    assert!(server.get("ClusterRole", "", "pachyderm").is_none());
    assert!(
        server
            .get("StorageClass", "", "etcd-storage-class")
            .is_none()
    );
    assert_eq!(
        server
            .list("PersistentVolumeClaim", Some("pachyderm"))
            .len(),
        1
    );
    let status = run(&["status", "pachyderm"]);
    assert_eq!(status.status.code(), Some(1));
    drop(server);
}
