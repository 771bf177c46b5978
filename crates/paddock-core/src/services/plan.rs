//! The operators' plans (`start`, `stop`, `delete`, `refresh`): which services in which waves,
//! which objects are applied, waited for, deleted or kept, the node affinity they carry, the
//! node labels to sync from layout.yaml, and the scripts run instead of the built-in
//! behaviour. A plan is data; `--dry-run` prints it, an [`Executor`](super::Executor) carries
//! it out.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::Value;

use crate::catalog::{CatalogService, DeployRule, Direction, RootKind, Selection};
use crate::diagnostic::Diagnostic;
use crate::manifest::{INSTALL_ORDER, Manifest};
use crate::yaml_out;

use super::affinity;
use super::layout::{self, Layout, NodeLabels};
use super::script::{RenderedDir, ScriptInvocation};
use super::templates::{CatalogRenderer, RenderedFile};

/// paictl's four operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Render, apply in dependency waves, wait for readiness.
    Start,
    /// Remove the workloads, keep the data.
    Stop,
    /// Remove everything, data included.
    Delete,
    /// Re-apply the current config, restart what it changed, sync node labels.
    Refresh,
}

impl Operation {
    /// The operator's name (`start`).
    pub fn name(self) -> &'static str {
        match self {
            Operation::Start => "start",
            Operation::Stop => "stop",
            Operation::Delete => "delete",
            Operation::Refresh => "refresh",
        }
    }

    /// The order services are visited in.
    pub fn direction(self) -> Direction {
        match self {
            Operation::Start | Operation::Refresh => Direction::Forward,
            Operation::Stop | Operation::Delete => Direction::Reverse,
        }
    }
}

/// Kinds `stop` removes: what runs, and what only fronts what runs. Everything else (data:
/// PVCs, PVs, Secrets, ConfigMaps; setup: namespaces, RBAC, storage classes, CRDs) is kept.
pub const STOP_REMOVES: &[&str] = &[
    "Deployment",
    "DaemonSet",
    "StatefulSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
    "Pod",
    "Service",
    "Ingress",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
];

/// Kinds whose readiness `start` waits for.
pub const WAITED_FOR: &[&str] = &[
    "Deployment",
    "DaemonSet",
    "StatefulSet",
    "ReplicaSet",
    "Job",
    "Pod",
];

/// An object named by kind and name (and namespace when the template set one).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ObjectRef {
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`, if set.
    pub namespace: Option<String>,
}

impl ObjectRef {
    /// The reference to an object.
    pub fn of(object: &Value) -> ObjectRef {
        let text = |v: &Value| v.as_str().unwrap_or("").to_owned();
        ObjectRef {
            api_version: text(&object["apiVersion"]),
            kind: text(&object["kind"]),
            name: text(&object["metadata"]["name"]),
            namespace: object["metadata"]["namespace"].as_str().map(str::to_owned),
        }
    }

    /// `Kind/name`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.kind, self.name)
    }
}

/// What happens to one service.
#[derive(Debug, Clone, PartialEq)]
pub enum ServiceAction {
    /// Its own operator script runs instead of paddock's behaviour.
    Script(ScriptInvocation),
    /// Objects are applied (start, refresh).
    Apply(ApplyPlan),
    /// Objects are removed (stop, delete).
    Remove(RemovePlan),
}

/// Applying a service's objects.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplyPlan {
    /// The objects, in install order, affinity included.
    pub objects: Vec<Manifest>,
    /// Workloads whose readiness is awaited before the next wave (start).
    pub wait_for: Vec<ObjectRef>,
    /// The service's deploy-rules (as node affinity on its workloads).
    pub rules: Vec<DeployRule>,
    /// Nodes its rules allow, when it has rules and a layout is known.
    pub eligible_nodes: Option<Vec<String>>,
    /// Refresh: workloads to restart when one of the ConfigMaps/Secrets they use changed.
    pub restart_on_change: Vec<(ObjectRef, Vec<ObjectRef>)>,
    /// Refresh: evict the service's pods from nodes outside `eligible_nodes`.
    pub evict_elsewhere: bool,
}

/// Removing a service's objects.
#[derive(Debug, Clone, PartialEq)]
pub struct RemovePlan {
    /// Objects deleted, in this order (workloads first).
    pub delete: Vec<ObjectRef>,
    /// Objects left in place (stop).
    pub keep: Vec<ObjectRef>,
    /// Delete: claims StatefulSets made from their volumeClaimTemplates
    /// (`<template>-<statefulset>-<ordinal>`), removed with the data.
    pub claims: Vec<(ObjectRef, Vec<String>)>,
}

/// One service's part of a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct ServicePlan {
    /// The service.
    pub name: String,
    /// Its directory, as messages name it.
    pub dir: String,
    /// What happens to it.
    pub action: ServiceAction,
}

/// Node labels to bring in line with layout.yaml before the services run.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelPlan {
    /// The layout file.
    pub file: String,
    /// Per node: labels to set and to remove.
    pub nodes: Vec<NodeLabels>,
}

/// A whole operator run.
#[derive(Debug, Clone, PartialEq)]
pub struct OperationPlan {
    /// The operator.
    pub operation: Operation,
    /// The namespace objects go to.
    pub namespace: String,
    /// Node labels first, the whole layout's (start when a selected service has rules;
    /// refresh whenever a layout is given).
    pub labels: Option<LabelPlan>,
    /// Services in waves: a wave starts when the previous one is done.
    pub waves: Vec<Vec<ServicePlan>>,
    /// Things worth knowing that change nothing.
    pub notes: Vec<String>,
}

/// What to plan.
#[derive(Debug, Clone)]
pub struct PlanRequest {
    /// The operator.
    pub operation: Operation,
    /// Which services (`-n`, `-k`, `--no-deps`).
    pub selection: Selection,
    /// Namespace.
    pub namespace: String,
}

impl OperationPlan {
    /// Whether carrying the plan out needs the cluster engine (anything but scripts).
    pub fn needs_cluster(&self) -> bool {
        let labels = self.labels.as_ref().is_some_and(|l| {
            l.nodes
                .iter()
                .any(|n| !n.set.is_empty() || !n.remove.is_empty())
        });
        labels
            || self
                .services()
                .any(|s| !matches!(s.action, ServiceAction::Script(_)))
    }

    /// Every service's plan, wave after wave.
    pub fn services(&self) -> impl Iterator<Item = &ServicePlan> {
        self.waves.iter().flatten()
    }

    /// The plan as text, for `--dry-run` and before carrying it out.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let count = self.services().count();
        let _ = writeln!(
            out,
            "{}: {count} service{} in namespace {}, {} wave{}",
            self.operation.name(),
            if count == 1 { "" } else { "s" },
            self.namespace,
            self.waves.len(),
            if self.waves.len() == 1 { "" } else { "s" },
        );
        if let Some(labels) = &self.labels {
            let _ = writeln!(out, "\nnode labels, from {}:", labels.file);
            for node in &labels.nodes {
                let ip = node
                    .ip
                    .as_ref()
                    .map_or_else(String::new, |ip| format!(" ({ip})"));
                let mut changes: Vec<String> =
                    node.set.iter().map(|l| format!("+{l}=true")).collect();
                changes.extend(node.remove.iter().map(|l| format!("-{l}")));
                if changes.is_empty() {
                    changes.push("(no managed labels)".to_owned());
                }
                let _ = writeln!(out, "  {}{ip}: {}", node.node, changes.join(" "));
            }
        }
        for (i, wave) in self.waves.iter().enumerate() {
            let _ = writeln!(out, "\nwave {}", i + 1);
            for service in wave {
                let _ = writeln!(out, "  {} ({})", service.name, service.dir);
                service_text(&mut out, &service.action);
            }
        }
        if !self.notes.is_empty() {
            out.push('\n');
            for note in &self.notes {
                let _ = writeln!(out, "note: {note}");
            }
        }
        out
    }
}

fn service_text(out: &mut String, action: &ServiceAction) {
    let line = |out: &mut String, verb: &str, text: &str| {
        let _ = writeln!(out, "    {verb:<8}{text}");
    };
    match action {
        ServiceAction::Script(s) => line(
            out,
            "run",
            &format!(
                "bash {} in the rendered deploy/ (instead of the built-in {}; env KUBECONFIG, PADDOCK_NAMESPACE={}, PADDOCK_SERVICE={}, PADDOCK_OPERATION={})",
                s.script,
                s.operation.name(),
                s.namespace,
                s.service,
                s.operation.name()
            ),
        ),
        ServiceAction::Apply(apply) => {
            let affinity = if apply.rules.is_empty() {
                String::new()
            } else {
                let rules: Vec<String> = apply
                    .rules
                    .iter()
                    .map(|r| match r {
                        DeployRule::In(l) => format!("{l} In [true]"),
                        DeployRule::NotIn(l) => format!("{l} NotIn [true]"),
                    })
                    .collect();
                format!("  [node affinity: {}]", rules.join(" AND "))
            };
            for m in &apply.objects {
                let extra = if affinity::is_workload(m.kind()) {
                    affinity.as_str()
                } else {
                    ""
                };
                line(out, "apply", &format!("{}{extra}", m.id()));
            }
            for (workload, configs) in &apply.restart_on_change {
                let ids: Vec<String> = configs.iter().map(ObjectRef::id).collect();
                line(
                    out,
                    "restart",
                    &format!("{} if {} changed", workload.id(), ids.join(" or ")),
                );
            }
            for w in &apply.wait_for {
                line(out, "wait", &format!("{} ready", w.id()));
            }
            if let Some(nodes) = &apply.eligible_nodes {
                let list = if nodes.is_empty() {
                    "(none)".to_owned()
                } else {
                    nodes.join(", ")
                };
                let evict = if apply.evict_elsewhere {
                    "; evict its pods from other nodes"
                } else {
                    ""
                };
                line(out, "nodes", &format!("{list}{evict}"));
            }
            if apply.objects.is_empty() {
                line(out, "apply", "(no objects)");
            }
        }
        ServiceAction::Remove(remove) => {
            for r in &remove.delete {
                line(out, "delete", &r.id());
            }
            for (sts, templates) in &remove.claims {
                for t in templates {
                    line(
                        out,
                        "delete",
                        &format!(
                            "PersistentVolumeClaim/{t}-{}-* (volumeClaimTemplates of {})",
                            sts.name,
                            sts.id()
                        ),
                    );
                }
            }
            for r in &remove.keep {
                line(out, "keep", &r.id());
            }
            if remove.delete.is_empty() && remove.claims.is_empty() {
                line(out, "delete", "(no objects)");
            }
        }
    }
}

/// Plans an operator run over the selected services. Start and refresh check the services'
/// deploy-rules against the layout first (unknown label, `in` label no machine has).
pub fn plan(
    renderer: &CatalogRenderer<'_>,
    layout: Option<&Layout>,
    request: &PlanRequest,
) -> Result<OperationPlan, Diagnostic> {
    let catalog = renderer.catalog();
    let operation = request.operation;
    // Only start brings prerequisites along; the other operators act on what is named.
    let selection = Selection {
        with_prerequisites: request.selection.with_prerequisites && operation == Operation::Start,
        ..request.selection.clone()
    };
    let waves = catalog.select(&selection, operation.direction())?;
    let selected: Vec<&CatalogService> = waves.iter().flatten().copied().collect();
    let mut notes = Vec::new();
    if matches!(operation, Operation::Start | Operation::Refresh) {
        notes.extend(layout::check_rules(layout, &selected)?);
    }
    notes.extend(selection_notes(
        renderer,
        &request.selection,
        &selected,
        operation,
    ));
    let mut planned = Vec::with_capacity(waves.len());
    for wave in &waves {
        let mut services = Vec::with_capacity(wave.len());
        for service in wave {
            services.push(plan_service(
                renderer, layout, request, service, &mut notes,
            )?);
        }
        planned.push(services);
    }
    let labels = layout.and_then(|layout| {
        let used: BTreeSet<&str> = selected
            .iter()
            .flat_map(|s| s.service.spec.deploy_rules.iter().map(DeployRule::label))
            .collect();
        // Always the whole layout: labels are applied as one desired set per node.
        let nodes = match operation {
            Operation::Refresh => layout.desired_node_labels(),
            Operation::Start if !used.is_empty() => layout.desired_node_labels(),
            _ => return None,
        };
        Some(LabelPlan {
            file: layout.file.clone(),
            nodes,
        })
    });
    Ok(OperationPlan {
        operation,
        namespace: request.namespace.clone(),
        labels,
        waves: planned,
        notes,
    })
}

fn selection_notes(
    renderer: &CatalogRenderer<'_>,
    selection: &Selection,
    selected: &[&CatalogService],
    operation: Operation,
) -> Vec<String> {
    let catalog = renderer.catalog();
    let chosen: BTreeSet<&str> = selected.iter().map(|s| s.service.name.as_str()).collect();
    let mut notes = Vec::new();
    for skipped in &selection.skip {
        let needing: Vec<&str> = catalog
            .dependents_of(skipped)
            .into_iter()
            .filter(|d| chosen.contains(d))
            .collect();
        if !needing.is_empty() {
            notes.push(format!(
                "{skipped} is skipped (-k) although {} need{} it",
                needing.join(", "),
                if needing.len() == 1 { "s" } else { "" }
            ));
        }
    }
    if matches!(operation, Operation::Stop | Operation::Delete) && !selection.names.is_empty() {
        for name in &chosen {
            let left: Vec<&str> = catalog
                .dependents_of(name)
                .into_iter()
                .filter(|d| !chosen.contains(d))
                .collect();
            if !left.is_empty() {
                notes.push(format!(
                    "{name} is needed by {}, which {} not {}",
                    left.join(", "),
                    if left.len() == 1 { "is" } else { "are" },
                    if operation == Operation::Stop {
                        "stopped"
                    } else {
                        "deleted"
                    }
                ));
            }
        }
    }
    notes
}

fn plan_service(
    renderer: &CatalogRenderer<'_>,
    layout: Option<&Layout>,
    request: &PlanRequest,
    service: &CatalogService,
    notes: &mut Vec<String>,
) -> Result<ServicePlan, Diagnostic> {
    let catalog = renderer.catalog();
    let operation = request.operation;
    let name = service.service.name.clone();
    let dir = catalog.service_dir_label(service);
    if let Some(script) = service.service.spec.scripts.get(operation.name()) {
        if script_exists(renderer, service, script) {
            let invocation = ScriptInvocation {
                service: name.clone(),
                operation,
                script: script.clone(),
                namespace: request.namespace.clone(),
                dir: rendered_dir(renderer, service)?,
            };
            return Ok(ServicePlan {
                name,
                dir,
                action: ServiceAction::Script(invocation),
            });
        }
        notes.push(format!(
            "{}-script {script} of {name} does not exist in {dir}/deploy; paddock's built-in {} is used",
            operation.name(),
            operation.name()
        ));
    }
    let mut objects = renderer.render_objects(service)?;
    let action = match operation {
        Operation::Start | Operation::Refresh => {
            objects.sort_by_key(|m| install_rank(m.kind()));
            let rules = service.service.spec.deploy_rules.clone();
            let eligible_nodes = (!rules.is_empty())
                .then(|| {
                    layout.map(|l| {
                        l.eligible(&rules)
                            .into_iter()
                            .map(|m| m.node_name.clone())
                            .collect()
                    })
                })
                .flatten();
            let refresh = operation == Operation::Refresh;
            ServiceAction::Apply(ApplyPlan {
                wait_for: if refresh {
                    Vec::new()
                } else {
                    objects
                        .iter()
                        .filter(|m| WAITED_FOR.contains(&m.kind()))
                        .map(|m| ObjectRef::of(&m.object))
                        .collect()
                },
                restart_on_change: if refresh {
                    restart_on_change(&objects)
                } else {
                    Vec::new()
                },
                evict_elsewhere: refresh && eligible_nodes.is_some(),
                rules,
                eligible_nodes,
                objects,
            })
        }
        Operation::Stop | Operation::Delete => {
            objects.sort_by_key(|m| std::cmp::Reverse(install_rank(m.kind())));
            let (delete, keep): (Vec<&Manifest>, Vec<&Manifest>) = objects
                .iter()
                .partition(|m| operation == Operation::Delete || STOP_REMOVES.contains(&m.kind()));
            let claims = if operation == Operation::Delete {
                volume_claim_templates(&objects)
            } else {
                Vec::new()
            };
            ServiceAction::Remove(RemovePlan {
                delete: delete
                    .into_iter()
                    .map(|m| ObjectRef::of(&m.object))
                    .collect(),
                keep: keep.into_iter().map(|m| ObjectRef::of(&m.object)).collect(),
                claims,
            })
        }
    };
    Ok(ServicePlan { name, dir, action })
}

fn install_rank(kind: &str) -> usize {
    INSTALL_ORDER
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(INSTALL_ORDER.len())
}

/// Whether a script named by service.yaml is there: a file of `deploy/` or rendered from a
/// template-list entry.
fn script_exists(renderer: &CatalogRenderer<'_>, service: &CatalogService, script: &str) -> bool {
    if !crate::catalog::is_relative_inside(script) {
        return false;
    }
    let root = renderer.catalog().root_of(service);
    let path = format!("{}/{script}", service.service.deploy_dir);
    root.files.contains_key(&path)
        || service
            .service
            .spec
            .template_list
            .iter()
            .any(|t| t == script)
        || match &root.kind {
            RootKind::Directory(dir) => dir.join(&path).is_file(),
            RootKind::Builtin(_) => false,
        }
}

/// What a service's rendered `deploy/` holds: its files with every template-list entry
/// rendered; YAML files with workloads get the deploy-rules' affinity, as paddock applies them.
pub fn rendered_dir(
    renderer: &CatalogRenderer<'_>,
    service: &CatalogService,
) -> Result<RenderedDir, Diagnostic> {
    let catalog = renderer.catalog();
    let root = catalog.root_of(service);
    let deploy = &service.service.deploy_dir;
    let mut files: Vec<(String, String)> = Vec::new();
    let copy_from = match &root.kind {
        RootKind::Directory(path) => Some(path.join(deploy)),
        RootKind::Builtin(_) => {
            let prefix = format!("{deploy}/");
            files.extend(root.files.iter().filter_map(|(path, text)| {
                path.strip_prefix(&prefix)
                    .map(|rel| (rel.to_owned(), text.clone()))
            }));
            None
        }
    };
    for file in renderer.render_files(service)? {
        let text = with_affinity(&file, &service.service.spec.deploy_rules)?;
        files.retain(|(path, _)| *path != file.path);
        files.push((file.path, text));
    }
    Ok(RenderedDir { copy_from, files })
}

/// The rendered text of a manifest file with the rules' affinity added to its workloads
/// (re-emitted as YAML, or JSON for `.json`); other files and files without workloads are
/// returned exactly as rendered.
fn with_affinity(file: &RenderedFile, rules: &[DeployRule]) -> Result<String, Diagnostic> {
    if rules.is_empty() || !file.is_manifest() {
        return Ok(file.text.clone());
    }
    let mut objects = crate::render::parse_rendered(&file.text, &file.source)?;
    let mut changed = false;
    for object in &mut objects {
        changed |= affinity::inject(object, rules)
            .map_err(|why| Diagnostic::bad_input(format!("{}: {why}", file.source)))?;
    }
    if !changed {
        return Ok(file.text.clone());
    }
    let json = file.path.ends_with(".json");
    let docs: Vec<String> = objects
        .iter()
        .map(|o| {
            if json {
                serde_json::to_string_pretty(o).unwrap_or_default() + "\n"
            } else {
                yaml_out::to_yaml(o)
            }
        })
        .collect();
    Ok(docs.join(if json { "" } else { "---\n" }))
}

/// Workloads and the ConfigMaps/Secrets of the same service they read (volumes, envFrom,
/// env valueFrom).
fn restart_on_change(objects: &[Manifest]) -> Vec<(ObjectRef, Vec<ObjectRef>)> {
    let configs: Vec<ObjectRef> = objects
        .iter()
        .filter(|m| matches!(m.kind(), "ConfigMap" | "Secret"))
        .map(|m| ObjectRef::of(&m.object))
        .collect();
    objects
        .iter()
        .filter_map(|m| {
            let spec = affinity::pod_spec(&m.object)?;
            let used = config_refs(spec);
            let hits: Vec<ObjectRef> = configs
                .iter()
                .filter(|c| used.contains(&(c.kind.as_str(), c.name.as_str())))
                .cloned()
                .collect();
            (!hits.is_empty()).then(|| (ObjectRef::of(&m.object), hits))
        })
        .collect()
}

/// (`ConfigMap`|`Secret`, name) pairs a pod spec refers to.
pub fn config_refs(pod_spec: &Value) -> BTreeSet<(&'static str, &str)> {
    fn items(v: Option<&Value>) -> &[Value] {
        v.and_then(Value::as_array).map_or(&[], Vec::as_slice)
    }
    fn add<'v>(refs: &mut BTreeSet<(&'static str, &'v str)>, kind: &'static str, name: &'v Value) {
        if let Some(n) = name.as_str() {
            refs.insert((kind, n));
        }
    }
    let mut refs = BTreeSet::new();
    for volume in items(pod_spec.get("volumes")) {
        add(&mut refs, "ConfigMap", &volume["configMap"]["name"]);
        add(&mut refs, "Secret", &volume["secret"]["secretName"]);
        for source in items(volume["projected"].get("sources")) {
            add(&mut refs, "ConfigMap", &source["configMap"]["name"]);
            add(&mut refs, "Secret", &source["secret"]["name"]);
        }
    }
    for list in ["containers", "initContainers"] {
        for container in items(pod_spec.get(list)) {
            for from in items(container.get("envFrom")) {
                add(&mut refs, "ConfigMap", &from["configMapRef"]["name"]);
                add(&mut refs, "Secret", &from["secretRef"]["name"]);
            }
            for env in items(container.get("env")) {
                add(
                    &mut refs,
                    "ConfigMap",
                    &env["valueFrom"]["configMapKeyRef"]["name"],
                );
                add(
                    &mut refs,
                    "Secret",
                    &env["valueFrom"]["secretKeyRef"]["name"],
                );
            }
        }
    }
    refs
}

/// StatefulSets with volumeClaimTemplates: the claims they created outlive them.
fn volume_claim_templates(objects: &[Manifest]) -> Vec<(ObjectRef, Vec<String>)> {
    objects
        .iter()
        .filter(|m| m.kind() == "StatefulSet")
        .filter_map(|m| {
            let names: Vec<String> = m.object["spec"]["volumeClaimTemplates"]
                .as_array()?
                .iter()
                .filter_map(|t| t["metadata"]["name"].as_str().map(str::to_owned))
                .collect();
            (!names.is_empty()).then(|| (ObjectRef::of(&m.object), names))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Catalog, ServiceRoot};
    use crate::render::{Release, TemplateContext};
    use indexmap::IndexMap;
    use serde_json::json;
    use std::path::PathBuf;

    fn catalog() -> Catalog {
        let files = [
            ("db/deploy/service.yaml", "template-list: [db.yaml]\ndeploy-rules:\n  - in: pai-storage\n"),
            (
                "db/deploy/db.yaml.template",
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: db-conf}\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: db-data}\nspec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  serviceName: db\n  selector: {matchLabels: {app: db}}\n  template:\n    metadata: {labels: {app: db}}\n    spec:\n      containers: [{name: db, image: x, envFrom: [{configMapRef: {name: db-conf}}]}]\n  volumeClaimTemplates: [{metadata: {name: data}}]\n---\napiVersion: v1\nkind: Service\nmetadata: {name: db}\nspec: {ports: [{port: 1}]}\n",
            ),
            ("job/deploy/service.yaml", "prerequisite: [db]\nstart-script: run.sh\n"),
            ("job/deploy/run.sh", "echo {{ release.namespace }}\n"),
        ]
        .iter()
        .map(|(p, t)| ((*p).to_owned(), (*t).to_owned()))
        .collect();
        Catalog::from_roots(
            vec![ServiceRoot::directory("s", PathBuf::from("s"), files)],
            false,
        )
        .unwrap()
    }

    fn plan_for(catalog: &Catalog, operation: Operation, names: &[&str]) -> OperationPlan {
        let context = TemplateContext {
            values: crate::render::template_value(&json!({})),
            release: Release {
                name: "r".into(),
                namespace: "ns".into(),
            },
            generated: IndexMap::new(),
            extra: IndexMap::new(),
        };
        let renderer = CatalogRenderer::new(catalog, &context);
        let layout = Layout::parse(
            "machine-list:\n  - {hostname: s0, pai-storage: \"true\"}\n  - {hostname: w0, pai-storage: \"false\"}\n",
            "layout.yaml",
            &mut Vec::new(),
        )
        .unwrap();
        let request = PlanRequest {
            operation,
            selection: Selection {
                names: names.iter().map(|n| (*n).to_owned()).collect(),
                skip: Vec::new(),
                with_prerequisites: true,
            },
            namespace: "ns".into(),
        };
        plan(&renderer, Some(&layout), &request).unwrap()
    }

    #[test]
    fn start_applies_in_install_order_and_waits_for_workloads() {
        let c = catalog();
        let p = plan_for(&c, Operation::Start, &["job"]);
        assert_eq!(p.waves.len(), 2, "job brings db first");
        let ServiceAction::Apply(db) = &p.waves[0][0].action else {
            panic!()
        };
        let ids: Vec<String> = db.objects.iter().map(Manifest::id).collect();
        assert_eq!(
            ids,
            [
                "ConfigMap/db-conf",
                "PersistentVolumeClaim/db-data",
                "Service/db",
                "StatefulSet/db"
            ]
        );
        assert_eq!(
            db.wait_for.iter().map(ObjectRef::id).collect::<Vec<_>>(),
            ["StatefulSet/db"]
        );
        assert_eq!(db.eligible_nodes.as_deref(), Some(&["s0".to_owned()][..]));
        assert!(matches!(p.waves[1][0].action, ServiceAction::Script(_)));
        assert!(p.needs_cluster());
        assert_eq!(p.labels.as_ref().unwrap().nodes[1].remove, ["pai-storage"]);
    }

    #[test]
    fn stop_keeps_data_delete_takes_claims_refresh_restarts() {
        let c = catalog();
        let stop = plan_for(&c, Operation::Stop, &["db"]);
        let ServiceAction::Remove(r) = &stop.waves[0][0].action else {
            panic!()
        };
        assert_eq!(
            r.delete.iter().map(ObjectRef::id).collect::<Vec<_>>(),
            ["StatefulSet/db", "Service/db"]
        );
        assert_eq!(
            r.keep.iter().map(ObjectRef::id).collect::<Vec<_>>(),
            ["PersistentVolumeClaim/db-data", "ConfigMap/db-conf"]
        );
        assert!(stop.labels.is_none());
        let delete = plan_for(&c, Operation::Delete, &["db"]);
        let ServiceAction::Remove(r) = &delete.waves[0][0].action else {
            panic!()
        };
        assert!(r.keep.is_empty());
        assert_eq!(r.claims[0].1, ["data"]);
        let refresh = plan_for(&c, Operation::Refresh, &["db"]);
        let ServiceAction::Apply(a) = &refresh.waves[0][0].action else {
            panic!()
        };
        assert_eq!(a.restart_on_change[0].0.id(), "StatefulSet/db");
        assert_eq!(a.restart_on_change[0].1[0].id(), "ConfigMap/db-conf");
        assert!(a.evict_elsewhere && a.wait_for.is_empty());
        let scripts_only = plan_for(&c, Operation::Start, &[]);
        assert!(scripts_only.needs_cluster());
    }

    #[test]
    fn config_refs_cover_volumes_env_and_projected() {
        let spec = json!({
            "volumes": [{"configMap": {"name": "a"}}, {"secret": {"secretName": "b"}},
                        {"projected": {"sources": [{"configMap": {"name": "c"}}, {"secret": {"name": "d"}}]}}],
            "initContainers": [{"envFrom": [{"secretRef": {"name": "e"}}]}],
            "containers": [{"env": [{"valueFrom": {"configMapKeyRef": {"name": "f"}}}]}]
        });
        let refs: Vec<String> = config_refs(&spec)
            .into_iter()
            .map(|(k, n)| format!("{k}/{n}"))
            .collect();
        assert_eq!(
            refs,
            [
                "ConfigMap/a",
                "ConfigMap/c",
                "ConfigMap/f",
                "Secret/b",
                "Secret/d",
                "Secret/e"
            ]
        );
    }
}
