//! The simulated controllers: they write status the way the real ones do, after a delay.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::store::{Key, Shared, State};

/// Ticks every 5 ms until aborted.
pub async fn run(shared: Arc<Shared>) {
    loop {
        tokio::time::sleep(Duration::from_millis(5)).await;
        let mut st = shared.lock();
        tick(&mut st);
        shared.flush(&mut st);
    }
}

fn delay_for(st: &State, name: &str) -> Option<Duration> {
    st.ready_delays
        .get(name)
        .copied()
        .unwrap_or(Some(st.ready_delay))
}

/// Whether the current rollout of `key` is over (`Some(true)`), still running (`Some(false)`)
/// or never ends (`None`).
fn due(st: &mut State, key: &Key, now: Instant) -> Option<bool> {
    let started = *st.pending.entry(key.clone()).or_insert(now);
    let delay = delay_for(st, &key.name)?;
    Some(now.duration_since(started) >= delay)
}

fn finish(st: &mut State, key: &Key) {
    st.pending.remove(key);
    let at = st.started.elapsed();
    st.ready_at.insert(key.clone(), at);
}

fn warn_never_ready(st: &mut State, key: &Key, object: &Value) {
    if st.warned.insert(key.clone()) {
        let image = object["spec"]["template"]["spec"]["containers"][0]["image"]
            .as_str()
            .unwrap_or("unknown")
            .to_owned();
        let pod = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("{}-0", key.name), "namespace": key.ns}});
        st.event(
            &pod,
            "Warning",
            "Failed",
            &format!("Failed to pull image \"{image}\": ErrImagePull"),
        );
        st.event(
            &pod,
            "Normal",
            "BackOff",
            &format!("Back-off pulling image \"{image}\""),
        );
    }
}

fn tick(st: &mut State) {
    let now = Instant::now();
    let keys: Vec<Key> = st
        .objects
        .keys()
        .filter(|k| {
            matches!(
                k.kind.as_str(),
                "Deployment"
                    | "StatefulSet"
                    | "DaemonSet"
                    | "Job"
                    | "PersistentVolumeClaim"
                    | "Service"
                    | "Ingress"
            )
        })
        .cloned()
        .collect();
    for key in keys {
        let Some(object) = st.objects.get(&key).cloned() else {
            continue;
        };
        let generation = object["metadata"]["generation"].as_i64().unwrap_or(1);
        let observed = object["status"]["observedGeneration"].as_i64().unwrap_or(0);
        let replicas = object["spec"]["replicas"].as_i64().unwrap_or(1);
        match key.kind.as_str() {
            "Deployment" | "StatefulSet" | "DaemonSet" => {
                if observed != generation {
                    // A new generation: the rollout starts.
                    st.pending.insert(key.clone(), now);
                    st.ready_at.remove(&key);
                    if key.kind == "StatefulSet" && observed == 0 {
                        make_claims(st, &object, replicas);
                    }
                    let status = workload_status(&key.kind, generation, replicas, false);
                    st.set_status(&key, status);
                    st.event(
                        &object,
                        "Normal",
                        "SuccessfulCreate",
                        &format!("rollout of generation {generation} started"),
                    );
                    continue;
                }
                if !st.pending.contains_key(&key) {
                    continue;
                }
                match due(st, &key, now) {
                    Some(true) => {
                        st.set_status(&key, workload_status(&key.kind, generation, replicas, true));
                        finish(st, &key);
                    }
                    Some(false) => {}
                    None => warn_never_ready(st, &key, &object),
                }
            }
            "Job" => {
                if object["status"]["succeeded"].as_i64().unwrap_or(0) > 0 {
                    continue;
                }
                if due(st, &key, now) == Some(true) {
                    st.set_status(&key, json!({"succeeded": 1, "conditions": [{"type": "Complete", "status": "True"}]}));
                    finish(st, &key);
                }
            }
            "PersistentVolumeClaim" => {
                if object["status"]["phase"] == "Bound" {
                    continue;
                }
                if object["status"]["phase"].is_null() {
                    st.set_status(&key, json!({"phase": "Pending"}));
                }
                match due(st, &key, now) {
                    Some(true) => {
                        st.set_status(&key, json!({"phase": "Bound", "capacity": object["spec"]["resources"]["requests"]}));
                        finish(st, &key);
                    }
                    None if st.warned.insert(key.clone()) => {
                        st.event(&object, "Warning", "ProvisioningFailed", "no persistent volumes available for this claim and no storage class is set");
                    }
                    _ => {}
                }
            }
            "Service" | "Ingress" => {
                let wants = key.kind == "Ingress" || object["spec"]["type"] == "LoadBalancer";
                if !wants || object["status"]["loadBalancer"]["ingress"].is_array() {
                    continue;
                }
                match due(st, &key, now) {
                    Some(true) => {
                        st.set_status(
                            &key,
                            json!({"loadBalancer": {"ingress": [{"ip": "192.0.2.10"}]}}),
                        );
                        finish(st, &key);
                    }
                    None if st.warned.insert(key.clone()) => {
                        st.event(
                            &object,
                            "Warning",
                            "SyncLoadBalancerFailed",
                            "Error syncing load balancer: port 30650 is already allocated",
                        );
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
}

fn workload_status(kind: &str, generation: i64, replicas: i64, ready: bool) -> Value {
    let n = if ready { replicas } else { 0 };
    match kind {
        "Deployment" => json!({
        "observedGeneration": generation, "replicas": replicas, "updatedReplicas": n,
        "readyReplicas": n, "availableReplicas": n,
        "conditions": [
            {"type": "Available", "status": if ready { "True" } else { "False" },
             "reason": if ready { "MinimumReplicasAvailable" } else { "MinimumReplicasUnavailable" },
             "message": if ready { "Deployment has minimum availability." } else { "Deployment does not have minimum availability." }},
            {"type": "Progressing", "status": "True", "reason": if ready { "NewReplicaSetAvailable" } else { "ReplicaSetUpdated" }}
        ]}),
        "StatefulSet" => json!({
            "observedGeneration": generation, "replicas": replicas, "updatedReplicas": n,
            "readyReplicas": n, "currentReplicas": n, "availableReplicas": n}),
        _ => json!({
            "observedGeneration": generation, "desiredNumberScheduled": 1, "currentNumberScheduled": 1,
            "updatedNumberScheduled": i64::from(ready), "numberReady": i64::from(ready), "numberAvailable": i64::from(ready)}),
    }
}

/// The StatefulSet controller's claims: `<template>-<set>-<ordinal>`, labelled like the
/// template.
fn make_claims(st: &mut State, set: &Value, replicas: i64) {
    let ns = set["metadata"]["namespace"]
        .as_str()
        .unwrap_or("default")
        .to_owned();
    let name = set["metadata"]["name"].as_str().unwrap_or("").to_owned();
    for t in set["spec"]["volumeClaimTemplates"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        for i in 0..replicas {
            let claim = format!(
                "{}-{name}-{i}",
                t["metadata"]["name"].as_str().unwrap_or("data")
            );
            let key = Key {
                kind: "PersistentVolumeClaim".into(),
                ns: ns.clone(),
                name: claim.clone(),
            };
            if st.objects.contains_key(&key) {
                continue;
            }
            let object = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                "metadata": {"name": claim, "namespace": ns, "labels": t["metadata"]["labels"].clone()},
                "spec": t["spec"].clone()});
            let _ = st.create(&key, object, "kube-controller-manager", false);
        }
    }
}
