//! Shared helpers: a fake API server plus an engine talking to it.

#![allow(dead_code)]

use std::time::Duration;

use paddock_core::platform::ValueSources;
use paddock_kube::action::{Options, RenderInput};
use paddock_kube::fake::FakeApiServer;
use paddock_kube::retry::RetryPolicy;
use paddock_kube::{Engine, Progress};

/// A fake server and an engine on it (namespace `default`, progress into a buffer).
pub struct Harness {
    pub server: FakeApiServer,
    pub engine: Engine,
}

/// Fast retries and polls for tests.
pub fn tune(engine: &mut Engine) {
    engine.progress = Progress::buffer();
    engine.max_poll = Duration::from_millis(40);
    engine.retry = RetryPolicy {
        attempts: 5,
        base: Duration::from_millis(20),
        max: Duration::from_millis(200),
    };
}

impl Harness {
    /// Starts a server whose workloads become ready after `ready_ms`.
    pub async fn start(ready_ms: u64) -> Harness {
        let server = FakeApiServer::start(Duration::from_millis(ready_ms)).await;
        let engine = Harness::engine_for(&server, "default").await;
        Harness { server, engine }
    }

    /// Another engine on the same server, for `namespace`.
    pub async fn engine_for(server: &FakeApiServer, namespace: &str) -> Engine {
        let mut engine = Engine::new(server.client().await, namespace);
        tune(&mut engine);
        engine
    }

    /// Everything the engine logged.
    pub fn log(&self) -> String {
        self.engine.progress.contents()
    }
}

fn no_files(path: &str) -> Result<String, String> {
    Err(format!("{path}: no files in these tests"))
}

/// A render input from `--set` flags (schema validation off: rendering is tested elsewhere;
/// one test turns it on).
pub fn input(set: &[&str]) -> RenderInput<'static> {
    RenderInput {
        sources: ValueSources {
            set: set.iter().map(|s| (*s).to_owned()).collect(),
            ..ValueSources::default()
        },
        validate: false,
        read_file: &no_files,
    }
}

/// Options for tests: short timeouts and a short lock TTL.
pub fn options(release: &str) -> Options {
    let mut o = Options::new(release);
    o.timeout = Duration::from_secs(20);
    o.lock_timeout = Duration::from_secs(2);
    o.lock_ttl = Duration::from_secs(2);
    o
}

/// Kind and name of every workload in the default render.
pub const WORKLOADS: &[(&str, &str)] = &[
    ("StatefulSet", "etcd"),
    ("StatefulSet", "postgres"),
    ("Deployment", "pg-bouncer"),
    ("Deployment", "pachd"),
    ("Deployment", "pachw"),
    ("Deployment", "console"),
];
