//! An in-process fake Kubernetes API server for tests (feature `test-support`).
//!
//! It listens on a loopback port chosen at run time and speaks enough of the real API over
//! HTTP for kube-rs: discovery (`/api`, `/apis`, resource lists), get/list/watch/create/
//! update/delete with label and field selectors, namespaces, server-side apply (merge by field
//! manager with conflicts, `force`, `dryRun=All`), status subresources written by a simulated
//! controller (workloads become ready after a configurable delay, claims bind, load balancers
//! get an address, jobs complete), Events and Leases — and fault injection (status codes, slow
//! responses, dropped connections).
//!
//! Simplifications, on purpose: lists inside objects are atomic for field ownership (the real
//! server merges `containers` by name); there is no admission, no defaulting and no schema
//! validation; a namespace must exist before objects are created in it, as on a real cluster.

mod controller;
mod server;
mod ssa;
mod store;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use store::Shared;
pub use store::{Fault, FaultAction, LogEntry};

/// A running fake API server; stops when dropped.
pub struct FakeApiServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for FakeApiServer {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// A fake server running on a runtime of its own, for synchronous tests (ones that run the
/// `paddock` binary against it). Dereferences to the server; stops when dropped.
pub struct BackgroundServer {
    // Dropped first: the server's tasks are aborted before their runtime goes.
    server: FakeApiServer,
    runtime: tokio::runtime::Runtime,
}

impl BackgroundServer {
    /// Starts a [`FakeApiServer`] (see [`FakeApiServer::start`]) on a new two-thread runtime.
    pub fn start(ready_delay: Duration) -> BackgroundServer {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a test runtime");
        let server = runtime.block_on(FakeApiServer::start(ready_delay));
        BackgroundServer { server, runtime }
    }

    /// Runs `future` to completion on the server's runtime (a client of the test's own).
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }
}

impl std::ops::Deref for BackgroundServer {
    type Target = FakeApiServer;

    fn deref(&self) -> &FakeApiServer {
        &self.server
    }
}

impl FakeApiServer {
    /// Starts a server on `127.0.0.1:<free port>` with its controller; workloads become ready
    /// `ready_delay` after each change. The `default` namespace exists.
    pub async fn start(ready_delay: Duration) -> FakeApiServer {
        let shared = Arc::new(Shared::new(ready_delay));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("local address");
        let server = tokio::spawn(server::serve(listener, shared.clone()));
        let controller = tokio::spawn(controller::run(shared.clone()));
        shared.create_namespace("default");
        FakeApiServer {
            addr,
            shared,
            tasks: vec![server, controller],
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A kubeconfig pointing at this server (context `fake`, namespace `default`).
    pub fn kubeconfig(&self) -> String {
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: {}\nusers:\n- name: fake\n  user:\n    token: fake-token\ncontexts:\n- name: fake\n  context:\n    cluster: fake\n    user: fake\n    namespace: default\ncurrent-context: fake\n",
            self.url()
        )
    }

    /// Writes [`FakeApiServer::kubeconfig`] to `dir/kubeconfig` and returns its path.
    pub fn write_kubeconfig(&self, dir: &Path) -> PathBuf {
        let path = dir.join("kubeconfig");
        std::fs::write(&path, self.kubeconfig()).expect("write kubeconfig");
        path
    }

    /// A kube client for this server.
    pub async fn client(&self) -> kube::Client {
        let kubeconfig =
            kube::config::Kubeconfig::from_yaml(&self.kubeconfig()).expect("fake kubeconfig");
        let mut config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
            .await
            .expect("fake config");
        config.read_timeout = Some(Duration::from_secs(5));
        crate::connect::client_for(config).expect("fake client")
    }

    /// Sets how long the object named `name` (any kind) takes to become ready; `None`: never.
    pub fn set_ready_delay(&self, name: &str, delay: Option<Duration>) {
        self.shared
            .lock()
            .ready_delays
            .insert(name.to_owned(), delay);
    }

    /// Adds latency to every request.
    pub fn set_latency(&self, latency: Duration) {
        self.shared.lock().latency = latency;
    }

    /// Injects a fault for the next `times` matching requests.
    pub fn inject(&self, fault: Fault) {
        self.shared.lock().faults.push(fault);
    }

    /// Removes every injected fault.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// How many injected faults were triggered so far.
    pub fn faults_triggered(&self) -> usize {
        self.shared.lock().faults_triggered
    }

    /// Creates a namespace.
    pub fn create_namespace(&self, name: &str) {
        self.shared.create_namespace(name);
    }

    /// Stores an object directly, as `manager` would have created or updated it.
    pub fn put(&self, object: Value, manager: &str) {
        self.shared.put(object, manager);
    }

    /// Writes the status of a stored object, as a controller (a kubelet's node addresses).
    pub fn put_status(&self, object: &Value, status: Value) {
        let mut st = self.shared.lock();
        st.set_status(&store::key_of(object), status);
        self.shared.flush(&mut st);
    }

    /// The stored object of `kind` (as in `kind:`) named `name` in `namespace` ("" for
    /// cluster-scoped ones).
    pub fn get(&self, kind: &str, namespace: &str, name: &str) -> Option<Value> {
        self.shared.get(kind, namespace, name)
    }

    /// Every stored object of `kind` in `namespace` (all namespaces when `None`).
    pub fn list(&self, kind: &str, namespace: Option<&str>) -> Vec<Value> {
        self.shared.list(kind, namespace)
    }

    /// How many times a workload's pod template was set (1 after creation, +1 per change).
    pub fn rollouts(&self, kind: &str, namespace: &str, name: &str) -> u32 {
        self.shared.rollouts(kind, namespace, name)
    }

    /// Every request served so far.
    pub fn log(&self) -> Vec<LogEntry> {
        self.shared.lock().log.clone()
    }

    /// When (since start) `name` of `kind` last became ready, if it is.
    pub fn ready_at(&self, kind: &str, namespace: &str, name: &str) -> Option<Duration> {
        self.shared.ready_at(kind, namespace, name)
    }

    /// Forgets the request log.
    pub fn clear_log(&self) {
        self.shared.lock().log.clear();
    }
}
