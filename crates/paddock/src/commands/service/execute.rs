//! Carrying a service plan out through the cluster engine (`paddock-kube`): node labels, then
//! wave after wave: server-side apply (waiting for readiness on start), removal of what stop or
//! delete names, operator scripts, and on refresh eviction from nodes the rules no longer allow.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use paddock_core::Diagnostic;
use paddock_core::manifest::ManifestSet;
use paddock_core::services::Executor;
use paddock_core::services::affinity;
use paddock_core::services::plan::{
    self, ApplyPlan, LabelPlan, Operation, OperationPlan, RemovePlan, ServiceAction,
};
use paddock_kube::engine::{ApplyOptions, RemoveOptions};
use paddock_kube::postrender::{self, CLUSTER_SCOPED};
use paddock_kube::{Engine, EngineError, ObjectRef, Wave, labels};

/// An [`Executor`] backed by a connected engine.
pub struct KubeExecutor<'a> {
    /// The runtime the engine's calls run on.
    pub runtime: &'a tokio::runtime::Runtime,
    /// The connection (its namespace is the plan's).
    pub engine: &'a Engine,
    /// Release the objects are labelled with (ownership: nothing of another release is touched).
    pub release: String,
    /// Deadline for start's readiness, all waves together.
    pub timeout: Duration,
    /// `KUBECONFIG` for operator scripts.
    pub kubeconfig: Option<String>,
}

fn engine_error(e: EngineError) -> Diagnostic {
    e.to_diagnostic()
}

impl Executor for KubeExecutor<'_> {
    fn execute(&mut self, plan: &OperationPlan) -> Result<(), Diagnostic> {
        let deadline = Instant::now() + self.timeout;
        if let Some(labels) = &plan.labels {
            self.runtime.block_on(self.sync_labels(labels))?;
        }
        if matches!(plan.operation, Operation::Start | Operation::Refresh) {
            self.runtime
                .block_on(self.engine.ensure_namespace())
                .map_err(engine_error)?;
        }
        for wave in &plan.waves {
            let mut set = ManifestSet::default();
            let mut services = Vec::new();
            for service in wave {
                if let ServiceAction::Apply(apply) = &service.action {
                    set.items.extend(apply.objects.iter().cloned());
                    services.push(service.name.clone());
                }
            }
            if !set.items.is_empty() {
                postrender::prepare(&mut set, &self.release, self.engine.namespace());
                set.sort_for_install();
                let options = ApplyOptions {
                    release: self.release.clone(),
                    force_conflicts: false,
                    timeout: deadline.saturating_duration_since(Instant::now()),
                    wait: plan.operation == Operation::Start,
                };
                let waves = [Wave {
                    services,
                    items: set.items,
                }];
                self.runtime
                    .block_on(self.engine.apply(&waves, &options))
                    .map_err(engine_error)?;
            }
            for service in wave {
                match &service.action {
                    ServiceAction::Remove(remove) => self.runtime.block_on(self.remove(
                        &service.name,
                        remove,
                        plan.operation == Operation::Delete,
                    ))?,
                    ServiceAction::Apply(apply) if apply.evict_elsewhere => {
                        self.runtime.block_on(self.evict(&service.name, apply))?
                    }
                    ServiceAction::Script(script) => script.run(self.kubeconfig.as_deref())?,
                    ServiceAction::Apply(_) => {}
                }
            }
        }
        Ok(())
    }
}

impl KubeExecutor<'_> {
    fn object_ref(&self, r: &plan::ObjectRef, service: &str) -> ObjectRef {
        ObjectRef {
            api_version: r.api_version.clone(),
            kind: r.kind.clone(),
            namespace: r.namespace.clone().or_else(|| {
                (!CLUSTER_SCOPED.contains(&r.kind.as_str()))
                    .then(|| self.engine.namespace().to_owned())
            }),
            name: r.name.clone(),
            service: service.to_owned(),
        }
    }

    /// Applies layout.yaml's labels (as paddock's field manager: labels paddock set before and
    /// no longer wanted go away). Every machine must be a node of the cluster; labels another
    /// tool set that layout.yaml wants gone are reported, not removed.
    async fn sync_labels(&self, plan: &LabelPlan) -> Result<(), Diagnostic> {
        let node_ref = |name: &str| ObjectRef {
            api_version: "v1".into(),
            kind: "Node".into(),
            namespace: None,
            name: name.to_owned(),
            service: String::new(),
        };
        for node in &plan.nodes {
            if self
                .engine
                .get(&node_ref(&node.node))
                .await
                .map_err(engine_error)?
                .is_none()
            {
                return Err(Diagnostic::failed(format!(
                    "{}: machine {} has no node in the cluster",
                    plan.file, node.node
                ))
                .with_help("a machine's node name is its `nodename`, else its `hostname`"));
            }
        }
        let wanted: BTreeMap<String, BTreeMap<String, String>> = plan
            .nodes
            .iter()
            .map(|n| {
                let set = n
                    .set
                    .iter()
                    .map(|l| (l.clone(), "true".to_owned()))
                    .collect();
                (n.node.clone(), set)
            })
            .collect();
        self.engine
            .label_nodes(&wanted)
            .await
            .map_err(engine_error)?;
        for node in &plan.nodes {
            let Some(live) = self
                .engine
                .get(&node_ref(&node.node))
                .await
                .map_err(engine_error)?
            else {
                continue;
            };
            for label in &node.remove {
                if live["metadata"]["labels"].get(label).is_some() {
                    eprintln!(
                        "warning: node {} keeps label {label}, which another tool set; remove it with `kubectl label node {} {label}-`",
                        node.node, node.node
                    );
                }
            }
        }
        Ok(())
    }

    /// Deletes what the plan says (in its order); delete also removes the claims StatefulSets
    /// made from their volumeClaimTemplates.
    async fn remove(
        &self,
        service: &str,
        plan: &RemovePlan,
        purge: bool,
    ) -> Result<(), Diagnostic> {
        // Engine::remove walks its list backwards; the plan is already in deletion order.
        let mut refs: Vec<ObjectRef> = plan
            .delete
            .iter()
            .map(|r| self.object_ref(r, service))
            .collect();
        if !plan.claims.is_empty() {
            let claims = self
                .engine
                .list(
                    "v1",
                    "PersistentVolumeClaim",
                    Some(self.engine.namespace()),
                    &labels::release_selector(&self.release),
                )
                .await
                .map_err(engine_error)?;
            for (sts, templates) in &plan.claims {
                for template in templates {
                    let prefix = format!("{template}-{}-", sts.name);
                    for claim in &claims {
                        let name = claim["metadata"]["name"].as_str().unwrap_or("");
                        if name.starts_with(&prefix) {
                            refs.push(ObjectRef::of(claim, service));
                        }
                    }
                }
            }
        }
        refs.reverse();
        let options = RemoveOptions {
            purge_data: purge,
            dry_run: false,
        };
        let report = self
            .engine
            .remove(&refs, &self.release, &options)
            .await
            .map_err(engine_error)?;
        for (object, why) in &report.kept {
            eprintln!("  kept {object}: {why}");
        }
        Ok(())
    }

    /// Deletes the service's pods that run on nodes its rules no longer allow; their
    /// controllers place them again where the (already applied) affinity says.
    async fn evict(&self, service: &str, plan: &ApplyPlan) -> Result<(), Diagnostic> {
        let Some(eligible) = &plan.eligible_nodes else {
            return Ok(());
        };
        for m in &plan.objects {
            if !affinity::is_workload(m.kind()) || m.kind() == "Pod" {
                continue;
            }
            let Some(selector) = m.object["spec"]["selector"]["matchLabels"].as_object() else {
                continue;
            };
            let selector: Vec<String> = selector
                .iter()
                .filter_map(|(k, v)| v.as_str().map(|v| format!("{k}={v}")))
                .collect();
            let pods = self
                .engine
                .list(
                    "v1",
                    "Pod",
                    Some(self.engine.namespace()),
                    &selector.join(","),
                )
                .await
                .map_err(engine_error)?;
            for pod in &pods {
                let node = pod["spec"]["nodeName"].as_str().unwrap_or("");
                if node.is_empty() || eligible.iter().any(|n| n == node) {
                    continue;
                }
                let r = ObjectRef::of(pod, service);
                eprintln!(
                    "  evicting {r} from node {node} (deploy-rules of {service} no longer match it)"
                );
                self.engine.delete(&r).await.map_err(engine_error)?;
            }
        }
        Ok(())
    }
}
