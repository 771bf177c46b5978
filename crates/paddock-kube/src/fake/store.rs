//! The fake server's state: resources it serves, stored objects, field ownership, faults.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::ssa::{self, FieldPath};

/// One served resource.
#[derive(Debug, Clone, Copy)]
pub struct Res {
    /// API group ("" for core).
    pub group: &'static str,
    /// Version.
    pub version: &'static str,
    /// Plural resource name.
    pub plural: &'static str,
    /// Kind.
    pub kind: &'static str,
    /// Namespaced or cluster-scoped.
    pub namespaced: bool,
    /// Has a status subresource (apply and update ignore `status`).
    pub status: bool,
}

macro_rules! res {
    ($g:expr, $v:expr, $p:expr, $k:expr, $n:expr, $s:expr) => {
        Res {
            group: $g,
            version: $v,
            plural: $p,
            kind: $k,
            namespaced: $n,
            status: $s,
        }
    };
}

/// Everything the fake serves.
pub const RESOURCES: &[Res] = &[
    res!("", "v1", "namespaces", "Namespace", false, true),
    res!("", "v1", "nodes", "Node", false, true),
    res!("", "v1", "configmaps", "ConfigMap", true, false),
    res!("", "v1", "secrets", "Secret", true, false),
    res!("", "v1", "services", "Service", true, true),
    res!("", "v1", "serviceaccounts", "ServiceAccount", true, false),
    res!(
        "",
        "v1",
        "persistentvolumeclaims",
        "PersistentVolumeClaim",
        true,
        true
    ),
    res!(
        "",
        "v1",
        "persistentvolumes",
        "PersistentVolume",
        false,
        true
    ),
    res!("", "v1", "pods", "Pod", true, true),
    res!("", "v1", "events", "Event", true, false),
    res!("apps", "v1", "deployments", "Deployment", true, true),
    res!("apps", "v1", "statefulsets", "StatefulSet", true, true),
    res!("apps", "v1", "daemonsets", "DaemonSet", true, true),
    res!("batch", "v1", "jobs", "Job", true, true),
    res!("batch", "v1", "cronjobs", "CronJob", true, true),
    res!(
        "networking.k8s.io",
        "v1",
        "ingresses",
        "Ingress",
        true,
        true
    ),
    res!(
        "networking.k8s.io",
        "v1",
        "networkpolicies",
        "NetworkPolicy",
        true,
        false
    ),
    res!(
        "rbac.authorization.k8s.io",
        "v1",
        "roles",
        "Role",
        true,
        false
    ),
    res!(
        "rbac.authorization.k8s.io",
        "v1",
        "rolebindings",
        "RoleBinding",
        true,
        false
    ),
    res!(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterroles",
        "ClusterRole",
        false,
        false
    ),
    res!(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        "ClusterRoleBinding",
        false,
        false
    ),
    res!(
        "storage.k8s.io",
        "v1",
        "storageclasses",
        "StorageClass",
        false,
        false
    ),
    res!("coordination.k8s.io", "v1", "leases", "Lease", true, false),
    res!(
        "policy",
        "v1",
        "poddisruptionbudgets",
        "PodDisruptionBudget",
        true,
        true
    ),
];

/// The resource of a kind.
pub fn by_kind(kind: &str) -> Option<&'static Res> {
    RESOURCES.iter().find(|r| r.kind == kind)
}

/// Identity of a stored object.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    /// Kind.
    pub kind: String,
    /// Namespace ("" for cluster-scoped).
    pub ns: String,
    /// Name.
    pub name: String,
}

/// What a fault does to a matching request.
#[derive(Debug, Clone)]
pub enum FaultAction {
    /// Answer with this HTTP status (a Status body; 409 is a plain Conflict).
    Status(u16),
    /// Wait this long before serving it normally.
    Delay(Duration),
    /// Close the connection without an answer.
    Drop,
}

/// A fault for requests whose method and path match.
#[derive(Debug, Clone)]
pub struct Fault {
    /// HTTP method (`PATCH`, `GET`, ...); any when `None`.
    pub method: Option<String>,
    /// A substring of the path and query.
    pub path_contains: String,
    /// What happens.
    pub action: FaultAction,
    /// For how many matching requests.
    pub times: u32,
}

/// One served request.
#[derive(Debug, Clone)]
pub struct LogEntry {
    /// Time since the server started.
    pub at: Duration,
    /// HTTP method.
    pub method: String,
    /// Path and query.
    pub path: String,
    /// Kind and name of the object written, for non-dry-run writes.
    pub wrote: Option<(String, String)>,
}

/// An API failure answered as a Status.
#[derive(Debug, Clone)]
pub struct Failure {
    /// HTTP code.
    pub code: u16,
    /// Reason (`NotFound`, `Conflict`, ...).
    pub reason: &'static str,
    /// Message.
    pub message: String,
    /// Status causes: (reason, message, field).
    pub causes: Vec<(String, String, String)>,
}

impl Failure {
    /// A failure without causes.
    pub fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Failure {
        Failure {
            code,
            reason,
            message: message.into(),
            causes: Vec::new(),
        }
    }

    /// The Status body.
    pub fn body(&self) -> Value {
        let causes: Vec<Value> = self
            .causes
            .iter()
            .map(|(r, m, f)| json!({"reason": r, "message": m, "field": f}))
            .collect();
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": self.message, "reason": self.reason, "code": self.code,
            "details": {"causes": causes}})
    }
}

/// A change, for watchers.
#[derive(Debug, Clone)]
pub struct Change {
    /// `ADDED`, `MODIFIED`, `DELETED`.
    pub kind: &'static str,
    /// The key.
    pub key: Key,
    /// The object after (or before, for deletes) the change.
    pub object: Value,
}

/// Mutable state.
pub struct State {
    /// Objects.
    pub objects: BTreeMap<Key, Value>,
    /// Field ownership per object: manager → owned leaf paths.
    pub managed: HashMap<Key, BTreeMap<String, BTreeSet<FieldPath>>>,
    /// Last resourceVersion handed out.
    pub rv: u64,
    /// Injected faults.
    pub faults: Vec<Fault>,
    /// Count of triggered faults.
    pub faults_triggered: usize,
    /// Added to every request.
    pub latency: Duration,
    /// Default readiness delay.
    pub ready_delay: Duration,
    /// Readiness delay per object name (`None`: never ready).
    pub ready_delays: HashMap<String, Option<Duration>>,
    /// When the controller started the current rollout of an object.
    pub pending: HashMap<Key, Instant>,
    /// Pod template revisions per workload.
    pub rollouts: HashMap<Key, u32>,
    /// When objects last became ready.
    pub ready_at: HashMap<Key, Duration>,
    /// Objects that already got their failure event.
    pub warned: BTreeSet<Key>,
    /// Request log.
    pub log: Vec<LogEntry>,
    /// Start time.
    pub started: Instant,
    /// Pending changes for watchers.
    pub changes: Vec<Change>,
}

/// State plus the watch channel.
pub struct Shared {
    state: Mutex<State>,
    /// Changes, for watch streams.
    pub watch: tokio::sync::broadcast::Sender<Change>,
}

fn now_rfc3339() -> String {
    jiff::Timestamp::now()
        .round(jiff::Unit::Second)
        .unwrap_or_else(|_| jiff::Timestamp::now())
        .to_string()
}

impl Shared {
    /// Fresh state.
    pub fn new(ready_delay: Duration) -> Shared {
        Shared {
            state: Mutex::new(State {
                objects: BTreeMap::new(),
                managed: HashMap::new(),
                rv: 1000,
                faults: Vec::new(),
                faults_triggered: 0,
                latency: Duration::ZERO,
                ready_delay,
                ready_delays: HashMap::new(),
                pending: HashMap::new(),
                rollouts: HashMap::new(),
                ready_at: HashMap::new(),
                warned: BTreeSet::new(),
                log: Vec::new(),
                started: Instant::now(),
                changes: Vec::new(),
            }),
            watch: tokio::sync::broadcast::channel(4096).0,
        }
    }

    /// Locks the state.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sends the changes collected under the lock to watchers.
    pub fn flush(&self, state: &mut State) {
        for c in state.changes.drain(..) {
            let _ = self.watch.send(c);
        }
    }

    /// Creates a namespace if missing.
    pub fn create_namespace(&self, name: &str) {
        self.put(
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}),
            "fake",
        );
    }

    /// Stores `object` as written by `manager` (create or full update).
    pub fn put(&self, object: Value, manager: &str) {
        let mut st = self.lock();
        let key = key_of(&object);
        let _ = if st.objects.contains_key(&key) {
            st.update(&key, object, manager, false, false)
        } else {
            st.create(&key, object, manager, false)
        };
        self.flush(&mut st);
    }

    /// A stored object.
    pub fn get(&self, kind: &str, ns: &str, name: &str) -> Option<Value> {
        self.lock()
            .objects
            .get(&Key {
                kind: kind.into(),
                ns: ns.into(),
                name: name.into(),
            })
            .cloned()
    }

    /// Stored objects of a kind.
    pub fn list(&self, kind: &str, ns: Option<&str>) -> Vec<Value> {
        self.lock()
            .objects
            .iter()
            .filter(|(k, _)| k.kind == kind && ns.is_none_or(|n| n == k.ns))
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Pod template revisions of a workload.
    pub fn rollouts(&self, kind: &str, ns: &str, name: &str) -> u32 {
        let key = Key {
            kind: kind.into(),
            ns: ns.into(),
            name: name.into(),
        };
        self.lock().rollouts.get(&key).copied().unwrap_or(0)
    }

    /// When an object last became ready.
    pub fn ready_at(&self, kind: &str, ns: &str, name: &str) -> Option<Duration> {
        let key = Key {
            kind: kind.into(),
            ns: ns.into(),
            name: name.into(),
        };
        self.lock().ready_at.get(&key).copied()
    }
}

/// The key of an object.
pub fn key_of(object: &Value) -> Key {
    let kind = object["kind"].as_str().unwrap_or("").to_owned();
    let namespaced = by_kind(&kind).is_none_or(|r| r.namespaced);
    Key {
        ns: if namespaced {
            object["metadata"]["namespace"]
                .as_str()
                .unwrap_or("")
                .to_owned()
        } else {
            String::new()
        },
        name: object["metadata"]["name"].as_str().unwrap_or("").to_owned(),
        kind,
    }
}

fn has_status(kind: &str) -> bool {
    by_kind(kind).is_some_and(|r| r.status)
}

/// The pod template of a workload.
pub fn template_of(object: &Value) -> Option<&Value> {
    match object["kind"].as_str()? {
        "Deployment" | "StatefulSet" | "DaemonSet" | "Job" => Some(&object["spec"]["template"]),
        "CronJob" => Some(&object["spec"]["jobTemplate"]),
        _ => None,
    }
}

fn body_of(object: &Value) -> Value {
    let mut o = object.clone();
    if let Some(m) = o.as_object_mut() {
        m.remove("metadata");
        m.remove("status");
    }
    o
}

impl State {
    fn next_rv(&mut self) -> String {
        self.rv += 1;
        self.rv.to_string()
    }

    fn check_namespace(&self, key: &Key) -> Result<(), Failure> {
        if key.ns.is_empty() {
            return Ok(());
        }
        let ns = Key {
            kind: "Namespace".into(),
            ns: String::new(),
            name: key.ns.clone(),
        };
        if self.objects.contains_key(&ns) {
            Ok(())
        } else {
            Err(Failure::new(
                404,
                "NotFound",
                format!("namespaces \"{}\" not found", key.ns),
            ))
        }
    }

    /// Bookkeeping after an object changed from `old` to `new`: generation, rollouts,
    /// resourceVersion, managedFields summary, watchers. Returns the stored object.
    fn commit(&mut self, key: &Key, old: Option<&Value>, mut new: Value, dry_run: bool) -> Value {
        let generation = match old {
            None => 1,
            Some(o) => {
                let g = o["metadata"]["generation"].as_i64().unwrap_or(1);
                if body_of(o) != body_of(&new) {
                    g + 1
                } else {
                    g
                }
            }
        };
        if let Some(o) = old {
            new["metadata"]["uid"] = o["metadata"]["uid"].clone();
            new["metadata"]["creationTimestamp"] = o["metadata"]["creationTimestamp"].clone();
            new["metadata"]["resourceVersion"] = o["metadata"]["resourceVersion"].clone();
        } else {
            new["metadata"]["uid"] = json!(format!("uid-{}-{}", key.name, self.rv + 1));
            new["metadata"]["creationTimestamp"] = json!(now_rfc3339());
        }
        new["metadata"]["generation"] = json!(generation);
        let managers: Vec<Value> = self
            .managed
            .get(key)
            .into_iter()
            .flatten()
            .map(|(m, paths)| {
                json!({"manager": m, "operation": "Apply", "fieldsType": "FieldsV1",
                "fieldsV1": {"paths": paths.len()}})
            })
            .collect();
        new["metadata"]["managedFields"] = json!(managers);
        if old == Some(&new) {
            return new;
        }
        if !dry_run {
            new["metadata"]["resourceVersion"] = json!(self.next_rv());
        }
        if dry_run {
            return new;
        }
        let template_changed = match (old.and_then(template_of), template_of(&new)) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(a), Some(b)) => a != b,
        };
        if template_changed {
            *self.rollouts.entry(key.clone()).or_insert(0) += 1;
        }
        self.objects.insert(key.clone(), new.clone());
        self.changes.push(Change {
            kind: if old.is_some() { "MODIFIED" } else { "ADDED" },
            key: key.clone(),
            object: new.clone(),
        });
        new
    }

    fn prepare_body(&self, key: &Key, mut object: Value) -> Value {
        if let Some(m) = object["metadata"].as_object_mut() {
            for k in [
                "resourceVersion",
                "uid",
                "creationTimestamp",
                "generation",
                "managedFields",
            ] {
                m.remove(k);
            }
            if !key.ns.is_empty() {
                m.insert("namespace".into(), json!(key.ns));
            }
        }
        if has_status(&key.kind)
            && let Some(m) = object.as_object_mut()
        {
            m.remove("status");
        }
        object
    }

    /// POST.
    pub fn create(
        &mut self,
        key: &Key,
        object: Value,
        manager: &str,
        dry_run: bool,
    ) -> Result<Value, Failure> {
        self.check_namespace(key)?;
        if self.objects.contains_key(key) {
            return Err(Failure::new(
                409,
                "AlreadyExists",
                format!("{} \"{}\" already exists", key.kind, key.name),
            ));
        }
        let mut object = self.prepare_body(key, object);
        if !dry_run {
            let paths = ssa::leaves(&object);
            self.managed
                .entry(key.clone())
                .or_default()
                .insert(manager.to_owned(), paths);
        }
        object["metadata"]["name"] = json!(key.name);
        Ok(self.commit(key, None, object, dry_run))
    }

    /// PUT (full replace; `status_only` for the status subresource). A resourceVersion in the
    /// body must match.
    pub fn update(
        &mut self,
        key: &Key,
        object: Value,
        manager: &str,
        status_only: bool,
        dry_run: bool,
    ) -> Result<Value, Failure> {
        let Some(old) = self.objects.get(key).cloned() else {
            return Err(Failure::new(
                404,
                "NotFound",
                format!("{} \"{}\" not found", key.kind, key.name),
            ));
        };
        if let Some(rv) = object["metadata"]["resourceVersion"].as_str()
            && rv != old["metadata"]["resourceVersion"].as_str().unwrap_or("")
        {
            return Err(Failure::new(
                409,
                "Conflict",
                format!(
                    "Operation cannot be fulfilled on {} \"{}\": the object has been modified; please apply your changes to the latest version and try again",
                    key.kind, key.name
                ),
            ));
        }
        let new = if status_only {
            let mut n = old.clone();
            n["status"] = object["status"].clone();
            n
        } else {
            let mut n = self.prepare_body(key, object);
            if has_status(&key.kind) {
                n["status"] = old["status"].clone();
                if n["status"].is_null()
                    && let Some(m) = n.as_object_mut()
                {
                    m.remove("status");
                }
            }
            if !dry_run {
                let before = ssa::leaves(&old);
                let after = ssa::leaves(&n);
                let changed: BTreeSet<FieldPath> = after
                    .iter()
                    .filter(|p| !before.contains(*p) || ssa::get(&old, p) != ssa::get(&n, p))
                    .cloned()
                    .collect();
                let owners = self.managed.entry(key.clone()).or_default();
                for paths in owners.values_mut() {
                    paths.retain(|p| after.contains(p) && !changed.contains(p));
                }
                owners
                    .entry(manager.to_owned())
                    .or_default()
                    .extend(changed);
                owners.retain(|_, p| !p.is_empty());
            }
            n
        };
        Ok(self.commit(key, Some(&old), new, dry_run))
    }

    /// Writes a status (the controller).
    pub fn set_status(&mut self, key: &Key, status: Value) {
        if let Some(old) = self.objects.get(key).cloned() {
            if old["status"] == status {
                return;
            }
            let mut new = old;
            new["status"] = status;
            new["metadata"]["resourceVersion"] = json!(self.next_rv());
            self.objects.insert(key.clone(), new.clone());
            self.changes.push(Change {
                kind: "MODIFIED",
                key: key.clone(),
                object: new,
            });
        }
    }

    /// PATCH with `application/apply-patch+yaml`.
    pub fn apply(
        &mut self,
        key: &Key,
        object: Value,
        manager: &str,
        force: bool,
        dry_run: bool,
    ) -> Result<Value, Failure> {
        self.check_namespace(key)?;
        let applied = self.prepare_body(key, object);
        let old = self.objects.get(key).cloned();
        let managed = self.managed.get(key).cloned().unwrap_or_default();
        let merged =
            ssa::apply(old.as_ref(), &applied, &managed, manager, force).map_err(|conflicts| {
                let mut f = Failure::new(
                    409,
                    "Conflict",
                    format!(
                        "Apply failed with {} conflict{}: {}",
                        conflicts.len(),
                        if conflicts.len() == 1 { "" } else { "s" },
                        conflicts
                            .iter()
                            .map(|(m, p)| format!("conflict with \"{m}\": {p}"))
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                );
                f.causes = conflicts
                    .iter()
                    .map(|(m, p)| {
                        (
                            "FieldManagerConflict".to_owned(),
                            format!("conflict with \"{m}\": {p}"),
                            p.clone(),
                        )
                    })
                    .collect();
                f
            })?;
        let (mut new, owners) = merged;
        new["metadata"]["name"] = json!(key.name);
        if !key.ns.is_empty() {
            new["metadata"]["namespace"] = json!(key.ns);
        }
        new["apiVersion"] = applied["apiVersion"].clone();
        new["kind"] = applied["kind"].clone();
        if !dry_run {
            self.managed.insert(key.clone(), owners);
        }
        Ok(self.commit(key, old.as_ref(), new, dry_run))
    }

    /// DELETE.
    pub fn delete(&mut self, key: &Key, dry_run: bool) -> Result<Value, Failure> {
        let Some(old) = self.objects.get(key).cloned() else {
            return Err(Failure::new(
                404,
                "NotFound",
                format!("{} \"{}\" not found", key.kind, key.name),
            ));
        };
        if !dry_run {
            self.objects.remove(key);
            self.managed.remove(key);
            self.pending.remove(key);
            self.changes.push(Change {
                kind: "DELETED",
                key: key.clone(),
                object: old.clone(),
            });
            if key.kind == "Namespace" {
                let inside: Vec<Key> = self
                    .objects
                    .keys()
                    .filter(|k| k.ns == key.name)
                    .cloned()
                    .collect();
                for k in inside {
                    self.objects.remove(&k);
                }
            }
        }
        Ok(old)
    }

    /// Records an Event about `about`.
    pub fn event(&mut self, about: &Value, kind: &str, reason: &str, message: &str) {
        let ns = about["metadata"]["namespace"]
            .as_str()
            .unwrap_or("default")
            .to_owned();
        let name = format!(
            "{}.{}",
            about["metadata"]["name"].as_str().unwrap_or("x"),
            self.rv + 1
        );
        let key = Key {
            kind: "Event".into(),
            ns: ns.clone(),
            name: name.clone(),
        };
        let now = now_rfc3339();
        let event = json!({"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": name, "namespace": ns},
            "involvedObject": {"apiVersion": about["apiVersion"], "kind": about["kind"],
                "name": about["metadata"]["name"], "namespace": ns, "uid": about["metadata"]["uid"]},
            "type": kind, "reason": reason, "message": message, "count": 1,
            "firstTimestamp": now, "lastTimestamp": now,
            "source": {"component": "fake-controller"}});
        let _ = self.commit(&key, None, event, false);
    }
}
