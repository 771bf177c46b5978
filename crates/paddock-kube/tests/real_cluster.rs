//! The same scenarios against a real cluster (kind, minikube, ...): run with
//! `KUBECONFIG=~/.kube/config cargo test -p paddock-kube --test real_cluster -- --ignored`.
//! Each test uses its own namespace `paddock-e2e-<test>-<pid>` and deletes it at the end.

mod support;

use std::time::Duration;

use paddock_kube::action::{self, Mode, UninstallOptions};
use paddock_kube::{ConnectOptions, Engine, release};
use support::{input, options};

async fn engine(test: &str) -> Engine {
    assert!(
        std::env::var_os("KUBECONFIG").is_some(),
        "set KUBECONFIG to a test cluster"
    );
    let ns = format!("paddock-e2e-{test}-{}", std::process::id());
    let mut engine = Engine::connect(&ConnectOptions::default(), Some(&ns))
        .await
        .expect("connect");
    engine.progress = paddock_kube::Progress::stderr();
    engine
}

fn real_options(release: &str) -> action::Options {
    let mut o = options(release);
    o.timeout = Duration::from_secs(900);
    o.lock_timeout = Duration::from_secs(60);
    o.lock_ttl = Duration::from_secs(30);
    o
}

async fn delete_namespace(engine: &Engine) {
    let ns = paddock_kube::ObjectRef {
        api_version: "v1".into(),
        kind: "Namespace".into(),
        namespace: None,
        name: engine.namespace().to_owned(),
        service: String::new(),
    };
    let _ = engine.delete(&ns).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs cluster"]
async fn install_plan_upgrade_rollback_uninstall_on_a_real_cluster() {
    let engine = engine("lifecycle").await;
    let o = real_options("pachd");
    let out = action::install(&engine, &input(&[]), &o, Mode::Install)
        .await
        .expect("install");
    assert_eq!(out.revision, 1);
    let (plan, _) = action::plan(&engine, &input(&[]), &o).await.expect("plan");
    assert!(plan.is_empty(), "{}", plan.render());
    let again = action::install(&engine, &input(&[]), &o, Mode::Install)
        .await
        .expect("re-install");
    assert!(again.unchanged);
    let up = action::install(
        &engine,
        &input(&["pachd.logLevel=debug"]),
        &o,
        Mode::Upgrade,
    )
    .await
    .expect("upgrade");
    assert_eq!(up.revision, 2);
    let back = action::rollback(&engine, &o, None).await.expect("rollback");
    assert_eq!(back.revision, 3);
    assert!(
        action::status(&engine, "pachd")
            .await
            .expect("status")
            .ready()
    );
    action::uninstall(
        &engine,
        &o,
        &UninstallOptions { purge_data: true },
        &mut |_| true,
    )
    .await
    .expect("uninstall");
    assert!(release::history(&engine, "pachd").await.unwrap().is_empty());
    delete_namespace(&engine).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs cluster"]
async fn uninstall_keeps_claims_on_a_real_cluster() {
    let engine = engine("keep").await;
    let o = real_options("pachd");
    action::install(&engine, &input(&[]), &o, Mode::Install)
        .await
        .expect("install");
    let plan = action::uninstall(
        &engine,
        &o,
        &UninstallOptions { purge_data: false },
        &mut |_| true,
    )
    .await
    .expect("uninstall");
    assert!(
        plan.keep
            .iter()
            .any(|(r, _)| r.kind == "PersistentVolumeClaim"),
        "{}",
        plan.render()
    );
    let claims = engine
        .list("v1", "PersistentVolumeClaim", Some(engine.namespace()), "")
        .await
        .unwrap();
    assert!(!claims.is_empty());
    delete_namespace(&engine).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs cluster"]
async fn concurrent_installs_on_a_real_cluster() {
    let engine = engine("lock").await;
    let ns = engine.namespace().to_owned();
    let first = tokio::spawn(async move {
        let engine = Engine::connect(&ConnectOptions::default(), Some(&ns))
            .await
            .unwrap();
        action::install(&engine, &input(&[]), &real_options("pachd"), Mode::Install)
            .await
            .map(|o| o.revision)
    });
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut o = real_options("pachd");
    o.lock_timeout = Duration::from_secs(1);
    let second = action::install(&engine, &input(&[]), &o, Mode::Install).await;
    assert!(second.is_err());
    assert_eq!(first.await.unwrap().expect("first install"), 1);
    delete_namespace(&engine).await;
}
