//! A generated catalog of N paictl-style services (3 prerequisites each, deploy-rules, two
//! templates with cluster_cfg lookups and a loop), loaded, graphed and rendered:
//! `cargo bench -p paddock-core --bench services`. Prints the median of several runs per N;
//! the goal is 1,000 services in at most 200 ms, growing linearly. docs/benchmarks.md has figures.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use paddock_core::catalog::{Catalog, FileTree, ServiceRoot};
use paddock_core::render::Order;
use paddock_core::services::{
    CatalogRenderer, ClusterConfig, ContextOptions, graph_output, layout, template_context,
};

const LAYOUT: &str = "machine-list:\n  - {hostname: m0, hostip: 10.0.0.1, pai-master: \"true\"}\n  - {hostname: w0, hostip: 10.0.0.2, pai-worker: \"true\", no-drivers: \"false\"}\n  - {hostname: w1, hostip: 10.0.0.3, pai-worker: \"true\", no-drivers: \"true\"}\n";

const DEPLOYMENT: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: NAME
spec:
  replicas: {{ cluster_cfg["NAME"]["replicas"] }}
  selector:
    matchLabels:
      app: NAME
  template:
    metadata:
      labels:
        app: NAME
    spec:
      containers:
        - name: main
          image: {{ cluster_cfg["cluster"]["registry"] }}/NAME:{{ cluster_cfg["NAME"]["tag"] }}
          env:
{%- for key, value in cluster_cfg["NAME"]["env"].items() %}
            - name: {{ key | upper }}
              value: "{{ value }}"
{%- endfor %}
"#;

const CONFIGMAP: &str = r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: NAME-config
data:
  machines: "{{ layout["machine-list"] | length }}"
{%- if cluster_cfg["NAME"]["replicas"] > 1 %}
  mode: ha
{%- else %}
  mode: single
{%- endif %}
"#;

fn generate(n: usize) -> (FileTree, String) {
    let mut files = FileTree::new();
    let mut overrides = String::from("cluster:\n  registry: registry.example.com\n");
    for i in 0..n {
        let name = format!("svc-{i:05}");
        let mut prerequisites: Vec<usize> = [i.wrapping_sub(1), i / 2, i / 3]
            .into_iter()
            .filter(|p| *p < i)
            .collect();
        prerequisites.dedup();
        let prerequisites: Vec<String> = prerequisites
            .iter()
            .map(|p| format!("  - svc-{p:05}\n"))
            .collect();
        let rule = match i % 3 {
            0 => "  - in: pai-master\n",
            1 => "  - in: pai-worker\n  - notin: no-drivers\n",
            _ => "  - notin: no-drivers\n",
        };
        files.insert(
            format!("{name}/deploy/service.yaml"),
            format!(
                "prerequisite:\n{}template-list:\n  - deployment.yaml\n  - config/configmap.yaml\ndeploy-rules:\n{rule}",
                prerequisites.concat()
            ),
        );
        files.insert(
            format!("{name}/deploy/deployment.yaml.template"),
            DEPLOYMENT.replace("NAME", &name),
        );
        files.insert(
            format!("{name}/deploy/config/configmap.yaml.template"),
            CONFIGMAP.replace("NAME", &name),
        );
        files.insert(
            format!("{name}/config/{name}.yaml"),
            "replicas: 1\ntag: v1\nenv:\n  log_level: info\n  port: 8080\n".to_owned(),
        );
        if i % 2 == 0 {
            overrides.push_str(&format!("{name}:\n  replicas: 2\n"));
        }
    }
    (files, overrides)
}

/// Load + check the graph + DOT + render every service with affinity; returns objects made.
/// With `phases`, prints how long each step took.
fn run(files: &FileTree, overrides: &str, phases: bool) -> usize {
    let mut clock = Instant::now();
    let mut lap = |what: &str| {
        if phases {
            eprintln!(
                "  {what:<28} {:>7.1} ms",
                clock.elapsed().as_secs_f64() * 1000.0
            );
        }
        clock = Instant::now();
    };
    let root = ServiceRoot::directory("bench", PathBuf::from("bench"), files.clone());
    let catalog = Catalog::from_roots(vec![root], false).expect("catalog");
    lap("catalog (service.yaml, graph)");
    let config = ClusterConfig::from_texts(
        Some(("cfg/layout.yaml", LAYOUT)),
        Some(("cfg/services-configuration.yaml", overrides)),
    )
    .expect("config");
    let options = ContextOptions {
        namespace: "default".into(),
        ..ContextOptions::default()
    };
    let (context, _) =
        template_context(&catalog, &config, &options, &|_| Err("none".into())).expect("context");
    lap("config + cluster_cfg");
    let waves = catalog.waves();
    let dot = graph_output::to_dot(&catalog, &waves);
    let services: Vec<_> = waves.into_iter().flatten().collect();
    layout::check_rules(config.layout.as_ref(), &services).expect("rules");
    lap("waves, DOT, rule checks");
    let renderer = CatalogRenderer::new(&catalog, &context);
    if phases {
        for s in &services {
            renderer.render_files(s).expect("render");
        }
        lap("(templates to text alone)");
    }
    let set = renderer
        .render_set(&services, Order::InstallByKind)
        .expect("render");
    lap("render + parse + affinity");
    assert!(dot.len() > services.len());
    set.items.len()
}

/// On-CPU time of this thread (Linux `/proc/thread-self/schedstat`; the benchmark is single
/// threaded), so that a busy machine does not inflate the figures; zero elsewhere.
fn cpu_time() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map_or(Duration::ZERO, Duration::from_nanos)
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![250, 500, 1000, 2000]
    } else {
        sizes
    };
    println!("services  CPU (median)  wall      CPU/service  objects");
    for n in sizes {
        let (files, overrides) = generate(n);
        run(
            &files,
            &overrides,
            std::env::var_os("PADDOCK_BENCH_PHASES").is_some(),
        ); // warm-up
        let mut times: Vec<(Duration, Duration)> = (0..7)
            .map(|_| {
                let (start, cpu) = (Instant::now(), cpu_time());
                let objects = run(&files, &overrides, false);
                assert_eq!(objects, 2 * n);
                (start.elapsed(), cpu_time().saturating_sub(cpu))
            })
            .collect();
        times.sort_by_key(|(_, cpu)| *cpu);
        let (wall, cpu) = times[times.len() / 2];
        println!(
            "{n:>8}  {:>7.1} ms  {:>7.1} ms  {:>8.1} µs  {:>7}",
            cpu.as_secs_f64() * 1000.0,
            wall.as_secs_f64() * 1000.0,
            cpu.as_secs_f64() * 1e6 / n as f64,
            2 * n
        );
    }
}
