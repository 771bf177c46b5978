//! The engine: one connection to one namespace; server-side apply in waves, readiness waits,
//! deletes, events. Knows nothing about values or stacks (that is [`crate::action`]).
//!
//! Other front-ends (`deploy custom`, `service start|stop|delete|refresh`) use it directly:
//! [`Engine::apply`] a [`ManifestSet`](paddock_core::manifest::ManifestSet) split into
//! [`Wave`]s, [`Engine::remove`] objects by reference, [`Engine::label_nodes`].

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::core::GroupVersionKind;
use kube::discovery::{ApiCapabilities, ApiResource, Scope};
use serde_json::{Value, json};

use crate::connect::{self, ConnectOptions};
use crate::error::{EngineError, TimeoutReport, api_error};
use crate::labels;
use crate::objref::ObjectRef;
use crate::progress::Progress;
use crate::ready::{self, Readiness};
use crate::retry::{self, RetryPolicy, is_field_conflict};
use crate::waves::Wave;

/// Options of [`Engine::apply`].
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// The release the objects belong to; objects of another release are never touched.
    pub release: String,
    /// Take ownership of fields other field managers own.
    pub force_conflicts: bool,
    /// Deadline for all waves together.
    pub timeout: Duration,
    /// Wait for readiness after each wave (otherwise apply only).
    pub wait: bool,
}

/// What [`Engine::apply`] did.
#[derive(Debug, Clone, Default)]
pub struct ApplyReport {
    /// Every object applied, in order.
    pub applied: Vec<ObjectRef>,
    /// Those the server actually changed (their resourceVersion moved).
    pub changed: Vec<ObjectRef>,
    /// Per wave: services and the time from its first apply to its last object ready.
    pub waves: Vec<(Vec<String>, Duration)>,
}

/// What [`Engine::remove`] did or would do.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RemoveReport {
    /// Deleted objects.
    pub deleted: Vec<ObjectRef>,
    /// Objects kept, with the reason.
    pub kept: Vec<(ObjectRef, String)>,
}

/// Options of [`Engine::remove`].
#[derive(Debug, Clone, Default)]
pub struct RemoveOptions {
    /// Delete PersistentVolumeClaims too (their data is lost).
    pub purge_data: bool,
    /// Only report what would happen.
    pub dry_run: bool,
}

/// A connection to one namespace of one cluster.
pub struct Engine {
    client: kube::Client,
    namespace: String,
    resources: tokio::sync::Mutex<HashMap<(String, String), (ApiResource, ApiCapabilities)>>,
    /// Retry policy for transient failures.
    pub retry: RetryPolicy,
    /// Where progress lines go.
    pub progress: Progress,
    /// Longest pause between readiness polls (they start at 50ms and grow).
    pub max_poll: Duration,
    /// Concurrent requests per apply group.
    pub concurrency: usize,
}

impl Engine {
    /// An engine over an existing client.
    pub fn new(client: kube::Client, namespace: impl Into<String>) -> Engine {
        Engine {
            client,
            namespace: namespace.into(),
            resources: tokio::sync::Mutex::default(),
            retry: RetryPolicy::default(),
            progress: Progress::stderr(),
            max_poll: Duration::from_secs(2),
            concurrency: 8,
        }
    }

    /// Connects with `options`; the namespace defaults to the context's.
    pub async fn connect(
        options: &ConnectOptions,
        namespace: Option<&str>,
    ) -> Result<Engine, EngineError> {
        let config = connect::config(options).await?;
        let ns = namespace
            .map(str::to_owned)
            .unwrap_or_else(|| config.default_namespace.clone());
        Ok(Engine::new(connect::client_for(config)?, ns))
    }

    /// The namespace releases live in.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The underlying kube client.
    pub fn client(&self) -> &kube::Client {
        &self.client
    }

    /// Discovers (once) the resource behind `apiVersion` + `kind`.
    pub async fn resource(
        &self,
        api_version: &str,
        kind: &str,
    ) -> Result<(ApiResource, ApiCapabilities), EngineError> {
        let key = (api_version.to_owned(), kind.to_owned());
        if let Some(found) = self.resources.lock().await.get(&key) {
            return Ok(found.clone());
        }
        let (group, version) = match api_version.split_once('/') {
            Some((g, v)) => (g, v),
            None => ("", api_version),
        };
        let gvk = GroupVersionKind::gvk(group, version, kind);
        let what = format!("discover {api_version} {kind}");
        let found = retry::retry(&self.retry, &self.progress, &what, || {
            kube::discovery::pinned_kind(&self.client, &gvk)
        })
        .await
        .map_err(|e| match e {
            kube::Error::Discovery(_) => EngineError::Failed(format!(
                "the cluster does not serve {kind} in {api_version}"
            )),
            other => api_error(what.clone(), &other),
        })?;
        self.resources.lock().await.insert(key, found.clone());
        Ok(found)
    }

    /// The dynamic API for `object`'s kind in its namespace (the engine's when it has none).
    pub async fn api(&self, object: &ObjectRef) -> Result<Api<DynamicObject>, EngineError> {
        let (ar, caps) = self.resource(&object.api_version, &object.kind).await?;
        Ok(match caps.scope {
            Scope::Namespaced => Api::namespaced_with(
                self.client.clone(),
                object.namespace.as_deref().unwrap_or(&self.namespace),
                &ar,
            ),
            Scope::Cluster => Api::all_with(self.client.clone(), &ar),
        })
    }

    /// The live object, `None` when it does not exist.
    pub async fn get(&self, object: &ObjectRef) -> Result<Option<Value>, EngineError> {
        let api = self.api(object).await?;
        let what = format!("get {object}");
        let got = retry::retry(&self.retry, &self.progress, &what, || {
            api.get_opt(&object.name)
        })
        .await
        .map_err(|e| api_error(what.clone(), &e))?;
        Ok(got.map(to_json))
    }

    /// Lists objects of a kind with a label selector, in `namespace` (all when `None`; ignored
    /// for cluster-scoped kinds).
    pub async fn list(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        selector: &str,
    ) -> Result<Vec<Value>, EngineError> {
        let (ar, caps) = self.resource(api_version, kind).await?;
        let api: Api<DynamicObject> = match (caps.scope, namespace) {
            (Scope::Namespaced, Some(ns)) => Api::namespaced_with(self.client.clone(), ns, &ar),
            _ => Api::all_with(self.client.clone(), &ar),
        };
        let params = ListParams::default().labels(selector);
        let what = format!("list {kind}");
        let list = retry::retry(&self.retry, &self.progress, &what, || api.list(&params))
            .await
            .map_err(|e| api_error(what.clone(), &e))?;
        Ok(list
            .items
            .into_iter()
            .map(|mut o| {
                o.types = Some(kube::core::TypeMeta {
                    api_version: api_version.to_owned(),
                    kind: kind.to_owned(),
                });
                to_json(o)
            })
            .collect())
    }

    /// Server-side applies one object as field manager `paddock`; `dry_run` asks the server
    /// what it would store. Returns the resulting object.
    pub async fn apply_object(
        &self,
        object: &Value,
        force: bool,
        dry_run: bool,
    ) -> Result<Value, EngineError> {
        let r = ObjectRef::of(object, "");
        let api = self.api(&r).await?;
        let mut params = PatchParams::apply(labels::FIELD_MANAGER);
        params.force = force;
        params.dry_run = dry_run;
        let what = format!("apply {r}");
        let mut body = object.clone();
        if let Some(map) = body.as_object_mut() {
            map.remove("status");
        }
        let patch = Patch::Apply(&body);
        retry::retry(&self.retry, &self.progress, &what, || {
            api.patch(&r.name, &params, &patch)
        })
        .await
        .map(to_json)
        .map_err(|e| match &e {
            kube::Error::Api(s) if is_field_conflict(s) => EngineError::Conflict {
                object: Box::new(r.clone()),
                conflicts: s
                    .details
                    .as_ref()
                    .map(|d| d.causes.iter().map(|c| c.message.clone()).collect())
                    .unwrap_or_default(),
            },
            _ => api_error(what.clone(), &e),
        })
    }

    /// Fails when `live`'s `paddock.io/release` label names another release. Objects without
    /// it (made by another tool) are left to server-side apply, which reports conflicting
    /// fields.
    pub fn check_owner(live: &Value, object: &ObjectRef, release: &str) -> Result<(), EngineError> {
        match labels::release_of(live) {
            Some(owner) if owner != release => Err(EngineError::Foreign {
                object: Box::new(object.clone()),
                owner: format!("release {owner}"),
                release: release.to_owned(),
            }),
            _ => Ok(()),
        }
    }

    /// Makes sure the engine's namespace exists (it is created, never deleted, by paddock).
    pub async fn ensure_namespace(&self) -> Result<(), EngineError> {
        let ns = ObjectRef {
            api_version: "v1".into(),
            kind: "Namespace".into(),
            namespace: None,
            name: self.namespace.clone(),
            service: String::new(),
        };
        if self.get(&ns).await?.is_none() {
            self.progress
                .line(&format!("creating namespace {}", self.namespace));
            let object = json!({"apiVersion": "v1", "kind": "Namespace",
                "metadata": {"name": self.namespace, "labels": {labels::MANAGED_BY: labels::MANAGER}}});
            self.apply_object(&object, false, false).await?;
        }
        Ok(())
    }

    /// Applies `waves` in order, waiting for each to be ready before the next (when
    /// `options.wait`). Objects of one wave are applied concurrently, kind group by kind group
    /// (install order); an object owned by another release stops the operation before it is
    /// written.
    pub async fn apply(
        &self,
        waves: &[Wave],
        options: &ApplyOptions,
    ) -> Result<ApplyReport, EngineError> {
        let deadline = Instant::now() + options.timeout;
        let mut report = ApplyReport::default();
        let total = waves.len();
        for (i, wave) in waves.iter().enumerate() {
            let started = Instant::now();
            self.progress.line(&format!(
                "wave {}/{total}: {} ({} objects)",
                i + 1,
                wave.services.join(", "),
                wave.items.len()
            ));
            let mut refs = Vec::new();
            for group in kind_groups(wave) {
                let pending: Vec<_> = group
                    .into_iter()
                    .map(|m| self.apply_owned(m, options))
                    .collect();
                let results: Vec<(ObjectRef, bool)> = futures::stream::iter(pending)
                    .buffered(self.concurrency.max(1))
                    .try_collect()
                    .await?;
                for (r, changed) in results {
                    if changed {
                        self.progress.line(&format!("  applied {r}"));
                        report.changed.push(r.clone());
                    }
                    report.applied.push(r.clone());
                    refs.push(r);
                }
            }
            if options.wait {
                self.wait_ready(&refs, deadline, (i + 1, wave.services.clone()))
                    .await?;
            }
            let took = started.elapsed();
            self.progress
                .line(&format!("wave {}/{total} ready in {took:.1?}", i + 1));
            report.waves.push((wave.services.clone(), took));
        }
        Ok(report)
    }

    /// Applies one manifest unless its live object belongs to another release; returns its
    /// reference and whether the server changed it.
    async fn apply_owned(
        &self,
        m: &paddock_core::manifest::Manifest,
        options: &ApplyOptions,
    ) -> Result<(ObjectRef, bool), EngineError> {
        let r = ObjectRef::of(&m.object, &m.service);
        let live = self.get(&r).await?;
        if let Some(live) = &live {
            Self::check_owner(live, &r, &options.release)?;
        }
        let applied = self
            .apply_object(&m.object, options.force_conflicts, false)
            .await?;
        let changed = live.is_none_or(|l| {
            l["metadata"]["resourceVersion"] != applied["metadata"]["resourceVersion"]
        });
        Ok((r, changed))
    }

    /// Polls `objects` until all are ready or `deadline` passes; on a timeout the first
    /// blocking object's conditions and recent events are in the error.
    pub async fn wait_ready(
        &self,
        objects: &[ObjectRef],
        deadline: Instant,
        wave: (usize, Vec<String>),
    ) -> Result<(), EngineError> {
        let started = Instant::now();
        let mut pending: Vec<ObjectRef> = objects
            .iter()
            .filter(|o| ready::WAITED_KINDS.contains(&o.kind.as_str()))
            .cloned()
            .collect();
        let total = pending.len();
        let mut reasons: BTreeMap<ObjectRef, String> = BTreeMap::new();
        let mut pause = Duration::from_millis(50);
        loop {
            let checks = futures::future::join_all(pending.iter().map(|o| async move {
                let api = match self.api(o).await {
                    Ok(api) => api,
                    Err(e) => return (o.clone(), Readiness::NotReady(e.to_string())),
                };
                match api.get_opt(&o.name).await {
                    Ok(Some(live)) => (o.clone(), ready::readiness(&to_json(live))),
                    Ok(None) => (o.clone(), Readiness::NotReady("does not exist".into())),
                    Err(e) => (
                        o.clone(),
                        Readiness::NotReady(format!("cannot read it: {}", retry::describe(&e))),
                    ),
                }
            }))
            .await;
            reasons.clear();
            for (o, r) in checks {
                if let Readiness::NotReady(why) = r {
                    reasons.insert(o, why);
                }
            }
            pending.retain(|o| reasons.contains_key(o));
            self.progress.status(&format!(
                "wave {}: {} ready",
                wave.0,
                Progress::bar(total - pending.len(), total)
            ));
            if pending.is_empty() {
                return Ok(());
            }
            let now = Instant::now();
            if now >= deadline {
                let not_ready: Vec<(ObjectRef, String)> = pending
                    .iter()
                    .map(|o| (o.clone(), reasons[o].clone()))
                    .collect();
                let first = &not_ready[0].0;
                let conditions = match self.get(first).await {
                    Ok(Some(live)) => ready::conditions(&live),
                    _ => Vec::new(),
                };
                let events = self.events_for(first).await.unwrap_or_default();
                return Err(EngineError::Timeout(Box::new(TimeoutReport {
                    wave,
                    waited: started.elapsed(),
                    not_ready,
                    conditions,
                    events,
                })));
            }
            tokio::time::sleep(pause.min(deadline - now)).await;
            pause = (pause * 3 / 2).min(self.max_poll);
        }
    }

    /// Recent Events about `object` and its pods (`<name>-…`), oldest first, at most ten.
    pub async fn events_for(&self, object: &ObjectRef) -> Result<Vec<String>, EngineError> {
        let ns = object.namespace.as_deref().unwrap_or(&self.namespace);
        let events = self.list("v1", "Event", Some(ns), "").await?;
        let prefix = format!("{}-", object.name);
        let mut mine: Vec<&Value> = events
            .iter()
            .filter(|e| {
                let io = &e["involvedObject"];
                let name = io["name"].as_str().unwrap_or("");
                (io["kind"] == object.kind.as_str() && name == object.name)
                    || (matches!(io["kind"].as_str(), Some("Pod" | "ReplicaSet"))
                        && name.starts_with(&prefix))
            })
            .collect();
        let time = |e: &Value| {
            e["lastTimestamp"]
                .as_str()
                .or(e["eventTime"].as_str())
                .unwrap_or("")
                .to_owned()
        };
        mine.sort_by_key(|e| time(e));
        let skip = mine.len().saturating_sub(10);
        Ok(mine[skip..]
            .iter()
            .map(|e| {
                let count = e["count"].as_i64().unwrap_or(1);
                format!(
                    "{} {} {}/{}: {}{}",
                    e["type"].as_str().unwrap_or("Normal"),
                    e["reason"].as_str().unwrap_or(""),
                    e["involvedObject"]["kind"].as_str().unwrap_or(""),
                    e["involvedObject"]["name"].as_str().unwrap_or(""),
                    e["message"].as_str().unwrap_or(""),
                    if count > 1 {
                        format!(" (x{count})")
                    } else {
                        String::new()
                    }
                )
            })
            .collect())
    }

    /// Deletes one object; `false` when it was already gone.
    pub async fn delete(&self, object: &ObjectRef) -> Result<bool, EngineError> {
        let api = self.api(object).await?;
        let what = format!("delete {object}");
        let params = DeleteParams::background();
        match retry::retry(&self.retry, &self.progress, &what, || {
            api.delete(&object.name, &params)
        })
        .await
        {
            Ok(_) => Ok(true),
            Err(kube::Error::Api(s)) if s.code == 404 => Ok(false),
            Err(e) => Err(api_error(what, &e)),
        }
    }

    /// Removes `objects` (in reverse order) that belong to `release`: objects of another
    /// release or not managed by paddock are kept and reported, and so are
    /// PersistentVolumeClaims unless `purge_data`.
    pub async fn remove(
        &self,
        objects: &[ObjectRef],
        release: &str,
        options: &RemoveOptions,
    ) -> Result<RemoveReport, EngineError> {
        let mut report = RemoveReport::default();
        for object in objects.iter().rev() {
            let Some(live) = self.get(object).await? else {
                continue;
            };
            if !labels::owned_by(&live, release) {
                let why = match labels::release_of(&live) {
                    Some(other) => format!("belongs to release {other}"),
                    None => "not managed by paddock".to_owned(),
                };
                report.kept.push((object.clone(), why));
                continue;
            }
            if object.kind == "PersistentVolumeClaim" && !options.purge_data {
                report.kept.push((
                    object.clone(),
                    "holds data; --purge-data deletes it".to_owned(),
                ));
                continue;
            }
            if !options.dry_run {
                self.delete(object).await?;
            }
            report.deleted.push(object.clone());
        }
        Ok(report)
    }

    /// Sets node labels through the API (server-side apply of `metadata.labels` only, as field
    /// manager `paddock`: labels paddock set before and not listed now are removed, labels set
    /// by others stay).
    pub async fn label_nodes(
        &self,
        nodes: &BTreeMap<String, BTreeMap<String, String>>,
    ) -> Result<(), EngineError> {
        for (node, node_labels) in nodes {
            let object = json!({"apiVersion": "v1", "kind": "Node",
                "metadata": {"name": node, "labels": node_labels}});
            self.apply_object(&object, true, false).await?;
            self.progress.line(&format!("labelled node {node}"));
        }
        Ok(())
    }

    /// Creates an object unless it exists (`false` then). Not retried on conflicts.
    pub async fn create(&self, object: &Value) -> Result<bool, EngineError> {
        let r = ObjectRef::of(object, "");
        let api = self.api(&r).await?;
        let o: DynamicObject = serde_json::from_value(object.clone())
            .map_err(|e| EngineError::Failed(format!("{r}: {e}")))?;
        let what = format!("create {r}");
        let params = PostParams::default();
        match retry::retry(&self.retry, &self.progress, &what, || {
            api.create(&params, &o)
        })
        .await
        {
            Ok(_) => Ok(true),
            Err(kube::Error::Api(s)) if s.code == 409 => Ok(false),
            Err(e) => Err(api_error(what, &e)),
        }
    }
}

/// Consecutive runs of objects with the same install rank (kind), applied concurrently.
fn kind_groups(wave: &Wave) -> Vec<Vec<&paddock_core::manifest::Manifest>> {
    let rank = |kind: &str| {
        paddock_core::manifest::INSTALL_ORDER
            .iter()
            .position(|k| *k == kind)
            .unwrap_or(usize::MAX)
    };
    let mut groups: Vec<Vec<&paddock_core::manifest::Manifest>> = Vec::new();
    for m in &wave.items {
        match groups.last_mut() {
            Some(g) if rank(g[0].kind()) == rank(m.kind()) => g.push(m),
            _ => groups.push(vec![m]),
        }
    }
    groups
}

/// A dynamic object as plain JSON.
pub fn to_json(o: DynamicObject) -> Value {
    serde_json::to_value(o).unwrap_or(Value::Null)
}
