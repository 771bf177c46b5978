//! Benchmark: independent services in one wave converge in about the slowest one's time, not
//! the sum. Runs against the in-process fake API server with a simulated readiness latency per
//! object (and optional per-request latency).
//!
//! `cargo run --release -p paddock-kube --features test-support --example wave_bench`

use std::time::{Duration, Instant};

use paddock_core::manifest::{Manifest, ManifestSet};
use paddock_kube::fake::FakeApiServer;
use paddock_kube::waves::{self, Wave};
use paddock_kube::{ApplyOptions, Engine, Progress};
use serde_json::json;

fn deployment(name: &str) -> Manifest {
    Manifest {
        service: name.to_owned(),
        source: "bench".into(),
        object: json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": "default",
                "labels": {"app.kubernetes.io/managed-by": "paddock", "paddock.io/release": "bench"}},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                "template": {"metadata": {"labels": {"app": name}},
                    "spec": {"containers": [{"name": "c", "image": "busybox"}]}}}}),
    }
}

async fn run(
    services: usize,
    slowest_ms: u64,
    request_ms: u64,
    one_wave: bool,
) -> (Duration, Duration, Duration) {
    let server = FakeApiServer::start(Duration::from_millis(10)).await;
    server.set_latency(Duration::from_millis(request_ms));
    let mut engine = Engine::new(server.client().await, "default");
    engine.progress = Progress::quiet();
    engine.max_poll = Duration::from_millis(100);
    let mut set = ManifestSet::default();
    let mut sum = Duration::ZERO;
    let mut max = Duration::ZERO;
    for i in 0..services {
        let name = format!("svc-{i}");
        // Spread from slowest/services up to slowest.
        let delay = Duration::from_millis(slowest_ms * (i as u64 + 1) / services as u64);
        server.set_ready_delay(&name, Some(delay));
        sum += delay;
        max = max.max(delay);
        set.items.push(deployment(&name));
    }
    let plan: Vec<Wave> = if one_wave {
        waves::single(&set)
    } else {
        let order: Vec<Vec<String>> = set.items.iter().map(|m| vec![m.service.clone()]).collect();
        waves::assign(&set, &order)
    };
    let options = ApplyOptions {
        release: "bench".into(),
        force_conflicts: false,
        timeout: Duration::from_secs(600),
        wait: true,
    };
    let started = Instant::now();
    engine.apply(&plan, &options).await.expect("apply");
    (started.elapsed(), max, sum)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    println!(
        "| services | per-request latency | slowest object | sum of objects | one wave (paddock) | one wave per object |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    for (services, slowest, request) in [(4, 1000, 0), (8, 1000, 0), (8, 2000, 20), (16, 1000, 5)] {
        let (together, max, sum) = run(services, slowest, request, true).await;
        let (apart, _, _) = run(services, slowest, request, false).await;
        println!(
            "| {services} | {request} ms | {:.2} s | {:.2} s | {:.2} s | {:.2} s |",
            max.as_secs_f64(),
            sum.as_secs_f64(),
            together.as_secs_f64(),
            apart.as_secs_f64()
        );
    }
}
