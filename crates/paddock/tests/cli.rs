//! CLI golden tests (insta): rendered output per target, and the exact messages and exit codes
//! for each kind of bad input.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

#[path = "../../paddock-core/tests/support/mod.rs"]
mod support;

use support::{stderr, stdout};

fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(relative)
}

/// Runs paddock from the fixtures folder so that file names in messages are short and stable.
fn paddock(args: &[&str]) -> Output {
    Command::cargo_bin("paddock")
        .unwrap()
        .current_dir(fixture(""))
        .args(args)
        .output()
        .unwrap()
}

/// `paddock template` with pinned credentials plus `extra` arguments; must succeed.
fn template(extra: &[&str]) -> String {
    let mut args = vec!["template", "-f", "values/pinned-credentials.yaml"];
    args.extend_from_slice(extra);
    let out = paddock(&args);
    assert!(
        out.status.success(),
        "paddock {args:?} failed:\n{}",
        stderr(&out)
    );
    stdout(&out)
}

/// `template` with `extra` and `-o json`: the objects of the stream.
fn template_objects(extra: &[&str]) -> Vec<serde_json::Value> {
    let mut args = extra.to_vec();
    args.extend(["-o", "json"]);
    serde_json::Deserializer::from_str(&template(&args))
        .into_iter()
        .collect::<Result<_, _>>()
        .expect("a JSON stream")
}

/// A failing invocation: exit code 2, nothing on stdout, the message on stderr.
fn bad_input(args: &[&str]) -> String {
    let out = paddock(args);
    assert_eq!(
        out.status.code(),
        Some(2),
        "paddock {args:?}:\n{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty(), "nothing may be printed on bad input");
    stderr(&out)
}

macro_rules! golden_render {
    ($($name:ident => [$($arg:expr),*]),* $(,)?) => {$(
        #[test]
        fn $name() {
            insta::assert_snapshot!(template(&[$($arg),*]));
        }
    )*};
}

golden_render! {
    render_local_default => [],
    render_amazon => ["-f", "values/amazon.yaml"],
    render_google => ["-f", "values/google.yaml"],
    render_microsoft => ["-f", "values/microsoft.yaml"],
    render_minio => ["-f", "values/minio.yaml"],
    render_custom => ["-f", "values/custom.yaml"],
    render_networking => ["-f", "values/networking.yaml"],
    render_json_amazon => ["-f", "values/amazon.yaml", "-o", "json"],
}

/// One golden file per values file of the chart reference (`values/*.values.yaml`): the
/// rendered platform (pinned credentials) for the files the chart accepts, the exit-2 message
/// for the ones paddock rejects (a typo'd key, a wrong type).
#[test]
fn render_each_reference_values_file() {
    let Some(chart) = support::chart_reference_dir() else {
        return;
    };
    let values_dir = chart.join("values");
    let mut names: Vec<String> = std::fs::read_dir(&values_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".values.yaml"))
        .collect();
    names.sort();
    assert!(names.len() >= 10, "expected the whole reference: {names:?}");
    let pinned = fixture("values/pinned-credentials.yaml");
    for name in names {
        let case = name.trim_end_matches(".values.yaml");
        let out = Command::cargo_bin("paddock")
            .unwrap()
            .current_dir(&values_dir)
            .args(["template", "-f", pinned.to_str().unwrap(), "-f", &name])
            .output()
            .unwrap();
        let text = match out.status.code() {
            Some(0) => stdout(&out),
            Some(2) => {
                assert!(out.stdout.is_empty(), "{case}: output despite the error");
                format!("exit code 2\n{}", stderr(&out))
            }
            code => panic!("{case}: exit code {code:?}\n{}", stderr(&out)),
        };
        insta::assert_snapshot!(format!("reference_{case}"), text);
    }
}

/// A copy of the chart's own values.yaml (what `helm show values` prints) renders: the
/// sections and keys paddock does not deploy are set aside with a warning each, the keys it
/// supports are read.
#[test]
fn the_charts_own_values_file_renders_with_warnings() {
    let Some(chart) = support::chart_reference_dir() else {
        return;
    };
    let dir = chart.join("chart-values");
    let out = Command::cargo_bin("paddock")
        .unwrap()
        .current_dir(&dir)
        .args(["template", "-f", "values.yaml"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    for ignored in [
        "loki-stack",
        "determined",
        "enterpriseServer",
        "pachd.lokiDeploy",
    ] {
        assert!(
            err.contains(&format!("`{ignored}` is ignored")),
            "no warning for {ignored}:\n{err}"
        );
    }
    assert!(!err.contains("error:"), "{err}");
    assert!(stdout(&out).contains("name: pachd\n"));
}

#[test]
fn bare_template_renders_the_local_platform() {
    let out = paddock(&["template"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for id in [
        "kind: Deployment\nmetadata:\n  name: pachd",
        "name: etcd",
        "name: pachyderm-storage-secret",
    ] {
        assert!(text.contains(id), "missing {id:?}");
    }
}

#[test]
fn output_is_deterministic_except_generated_credentials() {
    assert_eq!(
        template(&["-f", "values/amazon.yaml"]),
        template(&["-f", "values/amazon.yaml"])
    );
    let first = stdout(&paddock(&["template"]));
    let second = stdout(&paddock(&["template"]));
    let differing: Vec<(&str, &str)> = first
        .lines()
        .zip(second.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert!(
        !differing.is_empty(),
        "credentials must be generated per render when not given"
    );
    assert!(
        differing.len() <= 8,
        "only generated credentials may differ: {differing:#?}"
    );
    assert_eq!(first.lines().count(), second.lines().count());
}

#[test]
fn set_flags_follow_helm_precedence() {
    let text = template(&[
        "-f",
        "values/amazon.yaml",
        "--set",
        "pachd.storage.amazon.region=us-east-2,etcd.storageSize=20Gi",
        "--set-string",
        "pachd.image.tag=2.11.9",
    ]);
    assert!(text.contains("pachyderm/pachd:2.11.9"), "image tag not set");
    assert!(text.contains("storage: 20Gi"), "etcd size not set");
    assert!(!text.contains("storage: 50Gi"), "--set must win over -f");
}

#[test]
fn set_file_reads_credentials_from_files() {
    let dir = tempfile::tempdir().unwrap();
    let cred = dir.path().join("key.json");
    std::fs::write(
        &cred,
        r#"{"type": "service_account", "project_id": "from-file"}"#,
    )
    .unwrap();
    let objects = template_objects(&[
        "--set",
        "deployTarget=GOOGLE,pachd.storage.google.bucket=b",
        "--set-file",
        &format!("pachd.storage.google.cred={}", cred.display()),
    ]);
    let secret = objects
        .iter()
        .find(|o| o["metadata"]["name"] == "pachyderm-storage-secret")
        .unwrap();
    let encoded = secret["data"]["GOOGLE_CRED"]
        .as_str()
        .expect("GOOGLE_CRED key");
    assert!(!encoded.is_empty());
}

#[test]
fn output_dir_writes_one_file_per_object_with_private_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let out = paddock(&["template", "--output-dir", dir.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert!(
        names.iter().any(|n| n.ends_with("-deployment-pachd.yaml")),
        "{names:?}"
    );
    #[cfg(unix)]
    for n in names.iter().filter(|n| n.contains("-secret-")) {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join(n))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "{n}");
    }
    let stream = stdout(&paddock(&["template"]));
    assert_eq!(names.len(), stream.matches("\n---\n").count() + 1);
}

#[test]
fn warns_about_keys_without_effect() {
    let out = paddock(&[
        "template",
        "--set",
        "deployTarget=AMAZON,pachd.storage.amazon.bucket=b,pachd.storage.amazon.region=r,pachd.storage.google.bucket=x",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    insta::assert_snapshot!(stderr(&out));
}

#[test]
fn show_values_prints_defaults_that_render() {
    let out = paddock(&["show-values"]);
    assert!(out.status.success());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("defaults.yaml");
    std::fs::write(&path, &out.stdout).unwrap();
    let again = paddock(&["template", "-f", path.to_str().unwrap()]);
    assert!(again.status.success(), "{}", stderr(&again));
}

macro_rules! golden_error {
    ($($name:ident => [$($arg:expr),*]),* $(,)?) => {$(
        #[test]
        fn $name() {
            insta::assert_snapshot!(bad_input(&["template", $($arg),*]));
        }
    )*};
}

golden_error! {
    error_unknown_key => ["-f", "bad/typo.yaml"],
    error_wrong_type => ["-f", "bad/bad_type.yaml"],
    error_bad_enum => ["-f", "bad/bad_enum.yaml"],
    error_target_requirements => ["-f", "bad/amazon_missing.yaml"],
    error_yaml_syntax => ["-f", "bad/syntax.yaml"],
    error_duplicate_key => ["-f", "bad/duplicate.yaml"],
    error_unsupported_section => ["-f", "bad/unsupported.yaml"],
    error_storage_url_scheme => ["-f", "bad/url_mismatch.yaml"],
    error_missing_values_file => ["-f", "bad/does-not-exist.yaml"],
    error_set_unknown_key => ["--set", "pachd.imag.tag=x"],
    error_set_without_value => ["--set", "pachd.storage.amazon.secret"],
    error_set_file_missing => ["--set-file", "proxy.tls.secret.cert=missing.pem"],
    error_set_wrong_type => ["--set", "etcd.dynamicNodes=three"],
    error_proxy_impossible => ["--set", "proxy.tls.enabled=true,proxy.service.legacyPorts.grpc=30650"],
    error_bad_namespace => ["-n", "Bad_NS"],
    error_bad_object_name => ["--set", "pachd.serviceAccount.name=Bad_Name"],
    error_bad_ingress_host => ["--set", "ingress.enabled=true,ingress.host=bad host!"],
    error_bad_label_key => ["--set", "proxy.service.labels.bad key!=x"],
    error_typo_and_bad_quantity => ["--set", "pachd.imag.tag=x,etcd.storageSize=lots,deployTarget=AMAZON"],
}

/// Seed 001's Ingress without the proxy: `/dex` to pachd's identity port, the OIDC callback to
/// its oidc port, everything else to the console; TLS for the host.
#[test]
fn ingress_without_proxy_routes_dex_oidc_and_console() {
    let objects = template_objects(&[
        "--set",
        "proxy.enabled=false,ingress.enabled=true,ingress.host=pachyderm.example.com",
        "--set",
        "ingress.tls.enabled=true,ingress.tls.secretName=pachyderm-tls",
    ]);
    let ingresses: Vec<&serde_json::Value> =
        objects.iter().filter(|o| o["kind"] == "Ingress").collect();
    assert_eq!(ingresses.len(), 1, "one Ingress");
    let spec = &ingresses[0]["spec"];
    assert_eq!(spec["tls"][0]["secretName"], "pachyderm-tls");
    assert_eq!(spec["tls"][0]["hosts"][0], "pachyderm.example.com");
    let rule = &spec["rules"][0];
    assert_eq!(rule["host"], "pachyderm.example.com");
    let mut routes: Vec<(String, String, String)> = rule["http"]["paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let service = &p["backend"]["service"];
            (
                p["path"].as_str().unwrap().to_owned(),
                service["name"].as_str().unwrap().to_owned(),
                service["port"]["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    routes.sort();
    let expected = [
        ("/", "console", "console-http"),
        ("/authorization-code/callback", "pachd", "oidc-port"),
        ("/dex", "pachd", "identity-port"),
    ]
    .map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned()));
    assert_eq!(routes, expected);
    // Each named Service port leads to the container port the seed gives (1658 identity,
    // 1657 OIDC, 4000 console).
    let find = |kind: &str, name: &str| {
        objects
            .iter()
            .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("no {kind}/{name}"))
    };
    let container_port = |service: &str, port_name: &str| {
        let ports = find("Service", service)["spec"]["ports"]
            .as_array()
            .unwrap();
        let port = ports.iter().find(|p| p["name"] == port_name).unwrap();
        // targetPort defaults to the port itself.
        let target = match &port["targetPort"] {
            serde_json::Value::Null => port["port"].clone(),
            given => given.clone(),
        };
        let containers = find("Deployment", service)["spec"]["template"]["spec"]["containers"]
            .as_array()
            .unwrap()
            .clone();
        containers
            .iter()
            .flat_map(|c| c["ports"].as_array().cloned().unwrap_or_default())
            .find(|p| p["name"] == target || p["containerPort"] == target)
            .map(|p| p["containerPort"].clone())
    };
    assert_eq!(container_port("pachd", "identity-port"), Some(1658.into()));
    assert_eq!(container_port("pachd", "oidc-port"), Some(1657.into()));
    assert_eq!(container_port("console", "console-http"), Some(4000.into()));
}

#[test]
fn secrets_never_appear_in_errors() {
    let err = bad_input(&[
        "template",
        "--set",
        "deployTarget=AMAZON,pachd.storage.amazon.id=AKIA,pachd.storage.amazon.secret=TOPSECRET123,pachd.storage.amazon.secrets=TOPSECRET456",
    ]);
    assert!(!err.contains("TOPSECRET"), "{err}");
}

#[test]
fn unknown_flags_are_usage_errors() {
    let out = paddock(&["template", "--sett", "a=b"]);
    assert_eq!(out.status.code(), Some(2));
}

/// A reader that goes away early (`paddock template | head -1`) ends paddock normally, exit 0
/// and nothing on stderr: SIGPIPE is ignored as std's start-up would (src/startup.rs), and a
/// broken pipe is not reported as an error. The manifest is larger than a pipe's buffer, so
/// paddock is still writing when the reader closes.
#[cfg(unix)]
#[test]
fn a_reader_that_goes_away_early_does_not_kill_paddock() {
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_paddock"))
        .arg("template")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.signal(), None, "killed by a signal");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
}

/// paddock started with its standard descriptors closed (as a daemon or `<&- >&- 2>&-`
/// leaves them) finds them open on `/dev/null` (src/startup.rs): `-f /dev/stdin` reads an empty
/// file instead of failing with "no such file", every file of `--output-dir` is written
/// intact, and the run exits 0.
#[cfg(unix)]
#[test]
fn closed_standard_descriptors_do_not_disturb_a_run() {
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().unwrap();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_paddock"));
    command
        .current_dir(fixture(""))
        .args([
            "template",
            "-f",
            "values/amazon.yaml",
            "-f",
            "/dev/stdin",
            "--output-dir",
        ])
        .arg(dir.path());
    // SAFETY: between fork and exec the child only closes descriptors (async-signal-safe).
    unsafe {
        command.pre_exec(|| {
            for fd in 0..3 {
                libc::close(fd);
            }
            Ok(())
        });
    }
    let status = command.status().unwrap();
    assert_eq!(status.code(), Some(0));
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(files.len() > 20, "{} files", files.len());
    for file in files {
        let text = std::fs::read_to_string(file.unwrap().path()).unwrap();
        assert!(text.starts_with("apiVersion: "), "{text}");
    }
}
