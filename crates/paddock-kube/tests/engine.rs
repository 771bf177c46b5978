//! The engine against the in-process fake API server: install, upgrade, plan, credentials,
//! interruption, faults, uninstall, locks, secrets, rollback, timeouts, conflicts.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine as _;
use paddock_kube::action::{self, ActionError, Mode, UninstallOptions};
use paddock_kube::diff::Action;
use paddock_kube::fake::{Fault, FaultAction};
use paddock_kube::record::ReleaseRecord;
use paddock_kube::{EngineError, release};
use serde_json::json;
use support::{Harness, WORKLOADS, input, options};

fn first_write(h: &Harness, kind: &str, name: &str) -> Duration {
    h.server
        .log()
        .iter()
        .find(|e| {
            e.wrote
                .as_ref()
                .is_some_and(|(k, n)| k == kind && n == name)
        })
        .unwrap_or_else(|| panic!("{kind}/{name} was never written"))
        .at
}

fn rollouts(h: &Harness) -> BTreeMap<&'static str, u32> {
    WORKLOADS
        .iter()
        .map(|(k, n)| (*n, h.server.rollouts(k, "default", n)))
        .collect()
}

fn engine_error(e: ActionError) -> EngineError {
    match e {
        ActionError::Engine(e) => e,
        ActionError::Render(d) => panic!("render failed: {d}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn install_converges_in_dependency_order_and_rerun_changes_nothing() {
    let h = Harness::start(60).await;
    let o = options("pachd");
    let out = action::install(&h.engine, &input(&[]), &o, Mode::Install)
        .await
        .unwrap();
    assert_eq!(out.revision, 1);
    assert!(!out.unchanged);
    assert!(out.applied.waves.len() >= 3, "{:?}", out.applied.waves);

    // Each wave started only after the previous one was ready.
    let ready = |k: &str, n: &str| {
        h.server
            .ready_at(k, "default", n)
            .unwrap_or_else(|| panic!("{k}/{n} not ready"))
    };
    assert!(first_write(&h, "Deployment", "pg-bouncer") >= ready("StatefulSet", "postgres"));
    assert!(first_write(&h, "Deployment", "pachd") >= ready("Deployment", "pg-bouncer"));
    assert!(first_write(&h, "Deployment", "pachd") >= ready("StatefulSet", "etcd"));
    assert!(first_write(&h, "Deployment", "pachw") >= ready("Deployment", "pachd"));
    assert!(first_write(&h, "Deployment", "console") >= ready("Deployment", "pachd"));
    // etcd and postgres went out together, in the first wave: neither waited for the other.
    let (e, p) = (
        first_write(&h, "StatefulSet", "etcd"),
        first_write(&h, "StatefulSet", "postgres"),
    );
    assert!(e < ready("StatefulSet", "postgres") && p < ready("StatefulSet", "etcd"));

    // Ownership labels and the release record.
    let pachd = h.server.get("Deployment", "default", "pachd").unwrap();
    assert_eq!(pachd["metadata"]["labels"]["paddock.io/release"], "pachd");
    assert_eq!(
        pachd["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "paddock"
    );
    let records = release::history(&h.engine, "pachd").await.unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].inventory.len(), out.applied.applied.len());

    // Plan is empty; install again changes nothing and records no new revision.
    let (plan, _) = action::plan(&h.engine, &input(&[]), &o).await.unwrap();
    assert!(plan.is_empty(), "{}", plan.render());
    assert!(plan.render().starts_with("No changes"));
    let before = rollouts(&h);
    let again = action::install(&h.engine, &input(&[]), &o, Mode::Install)
        .await
        .unwrap();
    assert!(again.unchanged);
    assert_eq!(again.revision, 1);
    assert!(
        again.applied.changed.is_empty(),
        "{:?}",
        again.applied.changed
    );
    assert_eq!(rollouts(&h), before);

    let status = action::status(&h.engine, "pachd").await.unwrap();
    assert!(status.ready(), "{}", status.render());
    assert!(status.render().contains("pachd  "));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_changes_only_what_changed_and_rolls_only_affected_pods() {
    let h = Harness::start(20).await;
    let o = options("pachd");
    action::install(&h.engine, &input(&[]), &o, Mode::Install)
        .await
        .unwrap();
    let before = rollouts(&h);

    // A new database password: the postgres Secret changes, so exactly the workloads that
    // read it roll (postgres, pg-bouncer, pachd, pachw), not etcd or console.
    let set = ["global.postgresql.postgresqlPassword=a-new-password"];
    let (plan, _) = action::plan(&h.engine, &input(&set), &o).await.unwrap();
    let changed: Vec<String> = plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Update)
        .map(|c| c.object.to_string())
        .collect();
    assert_eq!(
        changed,
        [
            "Secret/postgres",
            "StatefulSet/postgres",
            "Deployment/pg-bouncer",
            "Deployment/pachd",
            "Deployment/pachw"
        ],
        "{}",
        plan.render()
    );
    let text = plan.render();
    assert!(text.contains("paddock.io/config-hash"), "{text}");
    assert!(!text.contains("a-new-password"));

    let out = action::install(&h.engine, &input(&set), &o, Mode::Upgrade)
        .await
        .unwrap();
    assert_eq!(out.revision, 2);
    let changed: Vec<String> = out
        .applied
        .changed
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(changed.len(), 5, "{changed:?}");
    let after = rollouts(&h);
    for (name, n) in &after {
        let expected = before[name]
            + u32::from(matches!(
                *name,
                "postgres" | "pg-bouncer" | "pachd" | "pachw"
            ));
        assert_eq!(*n, expected, "{name}: {before:?} -> {after:?}");
    }

    // A pod-spec-only change rolls just that workload.
    let set2 = [
        "global.postgresql.postgresqlPassword=a-new-password",
        "pachd.logLevel=debug",
    ];
    action::install(&h.engine, &input(&set2), &o, Mode::Upgrade)
        .await
        .unwrap();
    let later = rollouts(&h);
    assert_eq!(later["pachd"], after["pachd"] + 1);
    for name in ["etcd", "postgres", "pg-bouncer", "console"] {
        assert_eq!(later[name], after[name], "{name} rolled");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_secrets_survive_upgrades() {
    let h = Harness::start(10).await;
    let o = options("pachd");
    action::install(&h.engine, &input(&[]), &o, Mode::Install)
        .await
        .unwrap();
    let stored = h
        .server
        .get("Secret", "default", "paddock.credentials.pachd")
        .unwrap();
    let id = h
        .server
        .get("Secret", "default", "pachyderm-deployment-id-secret")
        .unwrap();
    assert!(stored["data"].as_object().unwrap().len() >= 5);

    action::install(
        &h.engine,
        &input(&["pachd.logLevel=debug"]),
        &o,
        Mode::Upgrade,
    )
    .await
    .unwrap();
    action::install(
        &h.engine,
        &input(&["pachd.logLevel=error"]),
        &o,
        Mode::Upgrade,
    )
    .await
    .unwrap();
    let (plan, _) = action::plan(&h.engine, &input(&["pachd.logLevel=error"]), &o)
        .await
        .unwrap();
    assert!(plan.is_empty(), "{}", plan.render());
    assert_eq!(
        h.server
            .get("Secret", "default", "paddock.credentials.pachd")
            .unwrap()["data"],
        stored["data"]
    );
    assert_eq!(
        h.server
            .get("Secret", "default", "pachyderm-deployment-id-secret")
            .unwrap()["data"],
        id["data"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_install_killed_mid_wave_is_completed_by_rerunning_it() {
    let h = Harness::start(20).await;
    h.server.set_ready_delay("pachd", None);
    let engine = Harness::engine_for(&h.server, "default").await;
    let o = options("pachd");
    let killed = tokio::spawn(async move {
        let _ = action::install(&engine, &input(&[]), &options("pachd"), Mode::Install).await;
    });
    // Wait until it is stuck in pachd's wave, then kill it.
    for _ in 0..400 {
        if h.server.get("Deployment", "default", "pachd").is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    killed.abort();
    let _ = killed.await;
    assert!(h.server.get("Deployment", "default", "pachd").is_some());
    assert!(h.server.get("Deployment", "default", "console").is_none());
    assert!(
        release::history(&h.engine, "pachd")
            .await
            .unwrap()
            .is_empty()
    );
    let credentials = h
        .server
        .get("Secret", "default", "paddock.credentials.pachd")
        .unwrap();

    // Re-run: it waits for the dead holder's lease to expire, then converges.
    h.server
        .set_ready_delay("pachd", Some(Duration::from_millis(20)));
    let mut o2 = o.clone();
    o2.lock_timeout = Duration::from_secs(10);
    let out = action::install(&h.engine, &input(&[]), &o2, Mode::Install)
        .await
        .unwrap();
    assert_eq!(out.revision, 1);
    assert!(h.server.get("Deployment", "default", "console").is_some());
    assert_eq!(
        h.server
            .get("Secret", "default", "paddock.credentials.pachd")
            .unwrap()["data"],
        credentials["data"]
    );
    assert!(h.log().contains("locked by"), "{}", h.log());
    let (plan, _) = action::plan(&h.engine, &input(&[]), &o).await.unwrap();
    assert!(plan.is_empty(), "{}", plan.render());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_faults_are_retried_with_backoff() {
    let h = Harness::start(10).await;
    let fault = |method: &str, path: &str, action: FaultAction, times: u32| Fault {
        method: Some(method.into()),
        path_contains: path.into(),
        action,
        times,
    };
    h.server.inject(fault(
        "PATCH",
        "/deployments/pachd",
        FaultAction::Status(500),
        2,
    ));
    h.server.inject(fault(
        "PATCH",
        "/statefulsets/etcd",
        FaultAction::Status(409),
        1,
    ));
    h.server
        .inject(fault("GET", "/services/pachd", FaultAction::Drop, 1));
    h.server
        .inject(fault("PATCH", "/configmaps/", FaultAction::Status(429), 1));
    h.server.inject(fault(
        "GET",
        "/deployments/console",
        FaultAction::Status(503),
        3,
    ));
    let out = action::install(&h.engine, &input(&[]), &options("pachd"), Mode::Install)
        .await
        .unwrap();
    assert_eq!(out.revision, 1);
    assert_eq!(h.server.faults_triggered(), 8);
    let log = h.log();
    assert!(log.contains("retrying apply Deployment/pachd"), "{log}");
    assert!(log.contains("after 500"), "{log}");
    let (plan, _) = action::plan(&h.engine, &input(&[]), &options("pachd"))
        .await
        .unwrap();
    assert!(plan.is_empty(), "{}", plan.render());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_responses_time_out_and_are_retried() {
    let h = Harness::start(10).await;
    let mut client_config = kube::Config::from_custom_kubeconfig(
        kube::config::Kubeconfig::from_yaml(&h.server.kubeconfig()).unwrap(),
        &Default::default(),
    )
    .await
    .unwrap();
    client_config.read_timeout = Some(Duration::from_millis(300));
    let mut engine =
        paddock_kube::Engine::new(kube::Client::try_from(client_config).unwrap(), "default");
    support::tune(&mut engine);
    h.server.inject(Fault {
        method: Some("PATCH".into()),
        path_contains: "/deployments/pachw".into(),
        action: FaultAction::Delay(Duration::from_secs(2)),
        times: 1,
    });
    let out = action::install(&engine, &input(&[]), &options("pachd"), Mode::Install)
        .await
        .unwrap();
    assert_eq!(out.revision, 1);
    assert!(
        engine
            .progress
            .contents()
            .contains("retrying apply Deployment/pachw")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn persistent_faults_are_reported_not_half_applied_silently() {
    let h = Harness::start(10).await;
    h.server.inject(Fault {
        method: Some("PATCH".into()),
        path_contains: "/deployments/pachd".into(),
        action: FaultAction::Status(500),
        times: 1000,
    });
    let e = engine_error(
        action::install(&h.engine, &input(&[]), &options("pachd"), Mode::Install)
            .await
            .unwrap_err(),
    );
    assert_eq!(e.exit_code(), 1);
    let text = e.to_diagnostic().to_string();
    assert!(
        text.starts_with("apply Deployment/pachd: fault injected: 500"),
        "{text}"
    );
    assert!(
        release::history(&h.engine, "pachd")
            .await
            .unwrap()
            .is_empty(),
        "no record for a failed install"
    );
    // The lock was released, and a re-run after the fault converges.
    h.server.clear_faults();
    let out = action::install(&h.engine, &input(&[]), &options("pachd"), Mode::Install)
        .await
        .unwrap();
    assert_eq!(out.revision, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uninstall_keeps_data_purge_deletes_it_and_other_releases_are_untouched() {
    let h = Harness::start(10).await;
    h.server.create_namespace("other");
    let other = Harness::engine_for(&h.server, "other").await;
    action::install(&h.engine, &input(&[]), &options("pachd"), Mode::Install)
        .await
        .unwrap();
    action::install(&other, &input(&[]), &options("pachd"), Mode::Install)
        .await
        .unwrap();
    // Another release's object in our namespace.
    h.server.put(
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "theirs", "namespace": "default",
            "labels": {"app.kubernetes.io/managed-by": "paddock", "paddock.io/release": "someone-else"}}}),
        "paddock",
    );
    let claims = |ns: &str| h.server.list("PersistentVolumeClaim", Some(ns)).len();
    assert_eq!(claims("default"), 2, "etcd and postgres claims");
    let other_objects = h.server.list("Deployment", Some("other")).len()
        + h.server.list("Secret", Some("other")).len();

    let mut shown = None;
    let plan = action::uninstall(
        &h.engine,
        &options("pachd"),
        &UninstallOptions { purge_data: false },
        &mut |p| {
            shown = Some(p.render());
            true
        },
    )
    .await
    .unwrap();
    let shown = shown.unwrap();
    assert!(shown.contains("delete Deployment/pachd"), "{shown}");
    assert!(
        shown.contains("keep   PersistentVolumeClaim/data-postgres-0: holds data"),
        "{shown}"
    );
    assert!(
        shown.contains("keep   Secret/paddock.credentials.pachd"),
        "{shown}"
    );
    assert!(
        plan.delete
            .iter()
            .all(|o| o.kind != "PersistentVolumeClaim")
    );
    assert!(h.server.list("Deployment", Some("default")).is_empty());
    assert!(h.server.list("StatefulSet", Some("default")).is_empty());
    assert_eq!(claims("default"), 2);
    assert!(h.server.get("ConfigMap", "default", "theirs").is_some());
    assert!(
        release::history(&h.engine, "pachd")
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        h.server.list("Deployment", Some("other")).len()
            + h.server.list("Secret", Some("other")).len(),
        other_objects
    );

    // Reinstalling reuses the kept claims and credentials; --purge-data then removes them.
    action::install(&h.engine, &input(&[]), &options("pachd"), Mode::Install)
        .await
        .unwrap();
    let refused = action::uninstall(
        &h.engine,
        &options("pachd"),
        &UninstallOptions { purge_data: true },
        &mut |_| false,
    )
    .await;
    assert!(refused.is_err());
    assert!(
        h.server.get("Deployment", "default", "pachd").is_some(),
        "cancelled uninstall deleted nothing"
    );
    action::uninstall(
        &h.engine,
        &options("pachd"),
        &UninstallOptions { purge_data: true },
        &mut |_| true,
    )
    .await
    .unwrap();
    assert_eq!(claims("default"), 0);
    assert!(
        h.server
            .get("Secret", "default", "paddock.credentials.pachd")
            .is_none()
    );
    assert!(h.server.get("ConfigMap", "default", "theirs").is_some());
    assert_eq!(claims("other"), 2);
    assert!(h.server.get("Deployment", "other", "pachd").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn objects_of_another_release_are_never_taken_over() {
    let h = Harness::start(10).await;
    action::install(&h.engine, &input(&[]), &options("first"), Mode::Install)
        .await
        .unwrap();
    let e = engine_error(
        action::install(&h.engine, &input(&[]), &options("second"), Mode::Install)
            .await
            .unwrap_err(),
    );
    assert!(matches!(e, EngineError::Foreign { .. }), "{e}");
    assert!(e.to_string().contains("belongs to release first"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_concurrent_installs_one_waits_then_fails_naming_the_holder() {
    let h = Harness::start(10).await;
    h.server
        .set_ready_delay("pachd", Some(Duration::from_millis(1500)));
    let engine = Harness::engine_for(&h.server, "default").await;
    let first = tokio::spawn(async move {
        action::install(&engine, &input(&[]), &options("pachd"), Mode::Install)
            .await
            .map(|o| o.revision)
    });
    for _ in 0..400 {
        if h.server
            .get("Lease", "default", "paddock.lock.pachd")
            .is_some()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut o = options("pachd");
    o.lock_timeout = Duration::from_millis(300);
    let started = std::time::Instant::now();
    let e = engine_error(
        action::install(&h.engine, &input(&[]), &o, Mode::Install)
            .await
            .unwrap_err(),
    );
    assert!(started.elapsed() >= Duration::from_millis(300));
    let text = e.to_diagnostic().to_string();
    assert!(text.starts_with("release pachd is locked by "), "{text}");
    assert!(text.contains("paddock install"), "{text}");
    assert!(text.contains("paddock unlock"), "{text}");
    assert_eq!(first.await.unwrap().unwrap(), 1);
    assert!(
        h.server
            .get("Lease", "default", "paddock.lock.pachd")
            .is_none(),
        "released"
    );

    // A stale lock is broken by unlock.
    h.server.put(
        json!({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "paddock.lock.pachd", "namespace": "default"},
            "spec": {"holderIdentity": "ghost@elsewhere pid 1: paddock upgrade", "leaseDurationSeconds": 3600,
                "acquireTime": "2030-01-01T00:00:00.000000Z", "renewTime": "2030-01-01T00:00:00.000000Z"}}),
        "paddock",
    );
    let status = action::status(&h.engine, "pachd").await.unwrap();
    assert!(
        status.render().contains("locked by ghost@elsewhere"),
        "{}",
        status.render()
    );
    let held = action::unlock(&h.engine, "pachd").await.unwrap();
    assert!(held.unwrap().starts_with("ghost@elsewhere"));
    assert_eq!(action::unlock(&h.engine, "pachd").await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_never_appear_in_plans_logs_or_release_records() {
    let h = Harness::start(10).await;
    let secret_values = [
        "global.postgresql.postgresqlPassword=pg-Secret-One",
        "pachd.rootToken=root-Secret-Two",
        "deployTarget=MINIO",
        "pachd.storage.minio.bucket=b",
        "pachd.storage.minio.endpoint=minio:9000",
        "pachd.storage.minio.id=minio-id",
        "pachd.storage.minio.secret=minio-Secret-Three",
    ];
    let o = options("pachd");
    action::install(&h.engine, &input(&secret_values), &o, Mode::Install)
        .await
        .unwrap();
    let mut changed = secret_values.to_vec();
    changed[0] = "global.postgresql.postgresqlPassword=pg-Secret-Four";
    let (plan, _) = action::plan(&h.engine, &input(&changed), &o).await.unwrap();
    let plan_text = plan.render();
    assert!(plan_text.contains("<redacted, changed>"), "{plan_text}");
    action::install(&h.engine, &input(&changed), &o, Mode::Upgrade)
        .await
        .unwrap();

    let credentials = h
        .server
        .get("Secret", "default", "paddock.credentials.pachd")
        .unwrap();
    let mut forbidden: Vec<String> = [
        "pg-Secret-One",
        "root-Secret-Two",
        "minio-Secret-Three",
        "pg-Secret-Four",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    forbidden.extend(paddock_kube::credentials::from_secret(&credentials).into_values());
    let b64 = base64::engine::general_purpose::STANDARD;
    let records: Vec<String> = h
        .server
        .list("Secret", Some("default"))
        .iter()
        .filter(|s| s["type"] == "paddock.io/release.v1")
        .map(|s| {
            String::from_utf8(b64.decode(s["data"]["release"].as_str().unwrap()).unwrap()).unwrap()
        })
        .collect();
    assert_eq!(records.len(), 2);
    let record: ReleaseRecord = serde_json::from_str(&records[1]).unwrap();
    assert!(
        record.values["pachd"]["rootToken"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
    assert_eq!(record.values["pachd"]["storage"]["minio"]["bucket"], "b");
    for secret in &forbidden {
        let encoded = b64.encode(secret);
        for (what, text) in [("plan", &plan_text), ("log", &h.log())]
            .into_iter()
            .chain(records.iter().map(|r| ("record", r)))
        {
            assert!(
                !text.contains(secret.as_str()),
                "{what} shows a secret value"
            );
            assert!(
                !text.contains(&encoded),
                "{what} shows a base64 secret value"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_reapplies_a_stored_revision_but_never_claims() {
    let h = Harness::start(10).await;
    let o = options("pachd");
    action::install(&h.engine, &input(&[]), &o, Mode::Install)
        .await
        .unwrap();
    let pachd_v1 = h.server.get("Deployment", "default", "pachd").unwrap();
    let claim = h
        .server
        .get("PersistentVolumeClaim", "default", "data-postgres-0")
        .unwrap();
    action::install(
        &h.engine,
        &input(&["pachd.logLevel=debug", "pachd.replicas=2"]),
        &o,
        Mode::Upgrade,
    )
    .await
    .unwrap();
    assert_eq!(
        h.server.get("Deployment", "default", "pachd").unwrap()["spec"]["replicas"],
        2
    );

    let out = action::rollback(&h.engine, &o, None).await.unwrap();
    assert_eq!(out.revision, 3);
    let pachd = h.server.get("Deployment", "default", "pachd").unwrap();
    assert_eq!(pachd["spec"], pachd_v1["spec"]);
    assert_eq!(
        h.server
            .get("PersistentVolumeClaim", "default", "data-postgres-0")
            .unwrap()["spec"],
        claim["spec"]
    );
    let history = release::history(&h.engine, "pachd").await.unwrap();
    assert_eq!(history.last().unwrap().operation, "rollback to 1");
    assert_eq!(history.iter().filter(|r| r.status == "deployed").count(), 1);
    // The plan for revision 1's values is empty again.
    let (plan, _) = action::plan(&h.engine, &input(&[]), &o).await.unwrap();
    assert!(plan.is_empty(), "{}", plan.render());

    let e = engine_error(action::rollback(&h.engine, &o, Some(9)).await.unwrap_err());
    assert_eq!(e.exit_code(), 2);
    assert!(
        e.to_string()
            .contains("no revision 9; stored revisions: 1, 2, 3"),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_names_the_blocking_object_with_conditions_and_events() {
    let h = Harness::start(10).await;
    h.server.set_ready_delay("pachd", None);
    let mut o = options("pachd");
    o.timeout = Duration::from_secs(2);
    let e = engine_error(
        action::install(&h.engine, &input(&[]), &o, Mode::Install)
            .await
            .unwrap_err(),
    );
    assert_eq!(e.exit_code(), 1);
    let text = e.to_diagnostic().to_string();
    assert!(text.starts_with("timed out waiting for wave"), "{text}");
    assert!(
        text.contains("Deployment/pachd: 0/1 replicas updated"),
        "{text}"
    );
    assert!(
        text.contains("Available=False (MinimumReplicasUnavailable)"),
        "{text}"
    );
    assert!(text.contains("ErrImagePull"), "{text}");
    // Status shows the reason too.
    let status = action::status(&h.engine, "pachd").await;
    assert!(status.is_err(), "no record after a failed first install");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conflicts_with_other_managers_are_reported_and_force_takes_ownership() {
    let h = Harness::start(10).await;
    h.server.put(
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "postgres-init-scripts", "namespace": "default"},
            "data": {"dex.sh": "# edited by hand"}}),
        "kubectl-edit",
    );
    let e = engine_error(
        action::install(&h.engine, &input(&[]), &options("pachd"), Mode::Install)
            .await
            .unwrap_err(),
    );
    let text = e.to_diagnostic().to_string();
    assert!(
        text.starts_with(
            "apply ConfigMap/postgres-init-scripts: conflicts with other field managers"
        ),
        "{text}"
    );
    assert!(
        text.contains("conflict with \"kubectl-edit\": .data.dex.sh"),
        "{text}"
    );
    assert!(text.contains("--force-conflicts"), "{text}");
    let mut o = options("pachd");
    o.force_conflicts = true;
    action::install(&h.engine, &input(&[]), &o, Mode::Install)
        .await
        .unwrap();
    let cm = h
        .server
        .get("ConfigMap", "default", "postgres-init-scripts")
        .unwrap();
    assert_ne!(cm["data"]["dex.sh"], "# edited by hand");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upgrade_needs_an_installed_release_and_validated_values() {
    let h = Harness::start(10).await;
    let e = engine_error(
        action::install(&h.engine, &input(&[]), &options("pachd"), Mode::Upgrade)
            .await
            .unwrap_err(),
    );
    assert!(
        e.to_string()
            .contains("is not installed in namespace default"),
        "{e}"
    );
    let mut bad = input(&["pachd.replicas=many"]);
    bad.validate = true;
    match action::install(&h.engine, &bad, &options("pachd"), Mode::Install)
        .await
        .unwrap_err()
    {
        ActionError::Render(d) => assert_eq!(d.exit_code(), 2),
        ActionError::Engine(e) => panic!("{e}"),
    }
    let mut good = input(&[]);
    good.validate = true;
    action::install(&h.engine, &good, &options("pachd"), Mode::Install)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_load_balancer_and_ingress_are_waited_for() {
    let h = Harness::start(10).await;
    let set = [
        "pachd.externalService.enabled=true",
        "ingress.enabled=true",
        "ingress.host=pachyderm.example.com",
    ];
    h.server
        .set_ready_delay("pachd-lb", Some(Duration::from_millis(300)));
    action::install(&h.engine, &input(&set), &options("pachd"), Mode::Install)
        .await
        .unwrap();
    let lb = h.server.get("Service", "default", "pachd-lb").unwrap();
    assert_eq!(
        lb["status"]["loadBalancer"]["ingress"][0]["ip"],
        "192.0.2.10"
    );
    let ingress = h.server.list("Ingress", Some("default"));
    assert_eq!(ingress.len(), 1);
    assert!(ingress[0]["status"]["loadBalancer"]["ingress"].is_array());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_labels_are_applied_through_the_api() {
    let h = Harness::start(10).await;
    h.server.put(json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1", "labels": {"kubernetes.io/hostname": "n1"}}}), "kubelet");
    let mut labels = BTreeMap::new();
    labels.insert(
        "n1".to_owned(),
        BTreeMap::from([("pachyderm-master".to_owned(), "true".to_owned())]),
    );
    h.engine.label_nodes(&labels).await.unwrap();
    let node = h.server.get("Node", "", "n1").unwrap();
    assert_eq!(node["metadata"]["labels"]["pachyderm-master"], "true");
    assert_eq!(node["metadata"]["labels"]["kubernetes.io/hostname"], "n1");
    // Dropping a label paddock set removes it; others' labels stay.
    labels.insert(
        "n1".to_owned(),
        BTreeMap::from([("pachyderm-worker".to_owned(), "true".to_owned())]),
    );
    h.engine.label_nodes(&labels).await.unwrap();
    let node = h.server.get("Node", "", "n1").unwrap();
    assert!(
        node["metadata"]["labels"].get("pachyderm-master").is_none(),
        "{node}"
    );
    assert_eq!(node["metadata"]["labels"]["pachyderm-worker"], "true");
    assert_eq!(node["metadata"]["labels"]["kubernetes.io/hostname"], "n1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fake_serves_watches() {
    use futures::StreamExt;
    use kube::runtime::watcher;
    let h = Harness::start(10).await;
    let api: kube::Api<k8s_openapi::api::core::v1::ConfigMap> =
        kube::Api::namespaced(h.server.client().await, "default");
    let mut events = watcher(api, watcher::Config::default().labels("w=1")).boxed();
    let server = &h.server;
    let writer = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        server.put(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "watched", "namespace": "default", "labels": {"w": "1"}}}), "t");
        server.put(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ignored", "namespace": "default"}}), "t");
    };
    let reader = async {
        let mut seen = Vec::new();
        while let Some(e) = events.next().await {
            if let Ok(watcher::Event::Apply(cm)) = e {
                seen.push(cm.metadata.name.unwrap());
                break;
            }
        }
        seen
    };
    let (_, seen) = tokio::join!(writer, tokio::time::timeout(Duration::from_secs(5), reader));
    assert_eq!(seen.unwrap(), ["watched"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn independent_services_in_one_wave_converge_in_about_the_slowest_time() {
    use paddock_core::manifest::{Manifest, ManifestSet};
    use paddock_kube::{ApplyOptions, waves};
    let h = Harness::start(10).await;
    let mut set = ManifestSet::default();
    let mut sum = Duration::ZERO;
    for i in 1..=6u64 {
        let name = format!("svc-{i}");
        let delay = Duration::from_millis(100 * i);
        sum += delay;
        h.server.set_ready_delay(&name, Some(delay));
        set.items.push(Manifest {
            service: name.clone(),
            source: "t".into(),
            object: json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": "default"},
                "spec": {"selector": {"matchLabels": {"app": name}}, "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}}}),
        });
    }
    let options = ApplyOptions {
        release: "bench".into(),
        force_conflicts: false,
        timeout: Duration::from_secs(30),
        wait: true,
    };
    let started = std::time::Instant::now();
    let report = h
        .engine
        .apply(&waves::single(&set), &options)
        .await
        .unwrap();
    let took = started.elapsed();
    assert_eq!(report.waves.len(), 1);
    // Slowest is 600 ms, the sum 2.1 s.
    assert!(took >= Duration::from_millis(600), "{took:?}");
    assert!(
        took < Duration::from_millis(1200),
        "{took:?} (sum of delays {sum:?})"
    );
}

/// `deploy custom`'s render of the `pachyderm-1.9` stack into `default`, with `tweak` applied
/// to the flags; returns the release to install.
fn custom_release<'a>(
    stack: &'a paddock_core::catalog::Stack,
    tweak: &dyn Fn(&mut paddock_core::custom::flags::CustomFlags),
) -> action::RenderedRelease<'a> {
    use paddock_core::custom::{self, flags::CustomFlags, record};
    let mut flags = CustomFlags::new(
        [
            "disk",
            "10",
            "bucket",
            "AKIA-clear-access",
            "clear-secret-key",
            "minio:9000",
        ]
        .map(String::from)
        .to_vec(),
    );
    flags.dynamic_etcd_nodes = Some(1);
    tweak(&mut flags);
    let no_files = |path: &str| Err(format!("{path}: no files here"));
    let rendered = custom::render_custom(&flags, &no_files).unwrap();
    action::RenderedRelease {
        stack,
        values: record::flag_values(&flags, &rendered.config),
        manifests: rendered.manifests,
        operation: "deploy custom".into(),
        scope: flags.dashboard_only.then(|| vec!["dash".to_owned()]),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prerendered_releases_are_recorded_pruned_and_uninstalled() {
    let h = Harness::start(10).await;
    let stack = paddock_core::catalog::builtin_stack("pachyderm-1.9").unwrap();
    let o = options("pachyderm");
    let install = |tweak: &dyn Fn(&mut paddock_core::custom::flags::CustomFlags)| {
        action::install_rendered(&h.engine, custom_release(&stack, tweak), &o, Mode::Install)
    };

    let first = install(&|_| {}).await.unwrap();
    assert_eq!((first.revision, first.unchanged), (1, false));
    let status = action::status(&h.engine, "pachyderm").await.unwrap();
    assert!(status.ready(), "{}", status.render());
    let services: Vec<&str> = status.services.iter().map(|s| s.service.as_str()).collect();
    for s in ["rbac", "etcd", "storage", "pachd", "dash"] {
        assert!(services.contains(&s), "{s} missing: {}", status.render());
    }
    let sc = h
        .server
        .get("StorageClass", "", "etcd-storage-class")
        .unwrap();
    assert_eq!(sc["metadata"]["labels"]["paddock.io/release"], "pachyderm");
    assert!(install(&|_| {}).await.unwrap().unchanged);

    // Without dash: its Service and Deployment are pruned, revision 2.
    let second = install(&|f| f.no_dashboard = true).await.unwrap();
    assert_eq!(second.revision, 2);
    let pruned: Vec<String> = second
        .pruned
        .deleted
        .iter()
        .map(|o| o.to_string())
        .collect();
    assert_eq!(pruned, ["Deployment/dash", "Service/dash"]);
    assert!(h.server.get("Deployment", "default", "dash").is_none());
    assert!(h.server.get("Deployment", "default", "pachd").is_some());

    // --dashboard-only stands for dash alone: the rest stays, in the cluster and the record.
    let third = install(&|f| f.dashboard_only = true).await.unwrap();
    assert_eq!(third.revision, 3);
    assert!(third.pruned.deleted.is_empty(), "{:?}", third.pruned);
    assert!(h.server.get("Deployment", "default", "dash").is_some());
    let record = release::latest(&h.engine, "pachyderm")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.operation, "deploy custom");
    for name in ["pachd", "dash"] {
        assert!(
            record
                .inventory
                .iter()
                .any(|o| o.kind == "Deployment" && o.name == name)
        );
    }
    assert!(
        record
            .objects
            .iter()
            .any(|o| o.object["metadata"]["name"] == "etcd")
    );

    // Rollback to revision 2 removes dash again.
    let back = action::rollback(&h.engine, &o, Some(2)).await.unwrap();
    assert_eq!(back.revision, 4);
    assert!(h.server.get("Deployment", "default", "dash").is_none());
    assert!(h.server.get("StatefulSet", "default", "etcd").is_some());

    // The values are the flags, credentials as hashes, never in clear.
    let b64 = base64::engine::general_purpose::STANDARD;
    for r in h.server.list("Secret", Some("default")) {
        if r["type"] != "paddock.io/release.v1" {
            continue;
        }
        let text =
            String::from_utf8(b64.decode(r["data"]["release"].as_str().unwrap()).unwrap()).unwrap();
        for clear in ["AKIA-clear-access", "clear-secret-key"] {
            assert!(!text.contains(clear), "a record holds {clear}");
            assert!(
                !text.contains(&b64.encode(clear)),
                "a record holds {clear} in base64"
            );
        }
    }
    let first_record = &release::history(&h.engine, "pachyderm").await.unwrap()[0];
    assert_eq!(first_record.values["bucket"], "bucket");
    assert_eq!(first_record.values["dynamicEtcdNodes"], 1);
    for key in ["accessKey", "secretKey"] {
        let v = first_record.values[key].as_str().unwrap();
        assert!(v.starts_with("sha256:"), "{key}: {v}");
    }

    // Uninstall removes everything, cluster-scoped objects too, but keeps the etcd claim.
    action::uninstall(
        &h.engine,
        &o,
        &UninstallOptions { purge_data: false },
        &mut |_| true,
    )
    .await
    .unwrap();
    assert!(h.server.list("Deployment", Some("default")).is_empty());
    assert!(h.server.list("StatefulSet", Some("default")).is_empty());
    assert!(h.server.get("ClusterRole", "", "pachyderm").is_none());
    assert!(
        h.server
            .get("StorageClass", "", "etcd-storage-class")
            .is_none()
    );
    assert!(
        h.server
            .get("PersistentVolumeClaim", "default", "etcd-storage-etcd-0")
            .is_some()
    );
    assert!(
        release::history(&h.engine, "pachyderm")
            .await
            .unwrap()
            .is_empty()
    );
}
