//! User-level operations, like Helm's `pkg/action`: install, upgrade, plan, status, uninstall,
//! rollback and unlock of the built-in Pachyderm platform, and [`install_rendered`] for
//! releases a front-end rendered itself (`deploy custom`). Each mutating operation holds the
//! release's [`lock`] for its whole run.

use std::collections::BTreeSet;
use std::time::Duration;

use indexmap::IndexMap;
use paddock_core::catalog;
use paddock_core::manifest::ManifestSet;
use paddock_core::platform::{self, RenderOptions, ValueSources};
use paddock_core::{Diagnostic, Diagnostics};
use serde_json::Value;

use crate::credentials;
use crate::diff::{Action, Change, Plan, diff_objects};
use crate::engine::{ApplyOptions, ApplyReport, Engine, RemoveOptions, RemoveReport};
use crate::error::EngineError;
use crate::labels;
use crate::lock;
use crate::objref::ObjectRef;
use crate::postrender::{self, content_hash};
use crate::ready::{self, Readiness};
use crate::record::{ReleaseRecord, StoredObject};
use crate::release;
use crate::waves::{self, Wave};

mod rendered;
pub use rendered::{RenderedRelease, install_rendered};

/// How many revisions are kept per release.
pub const HISTORY_LIMIT: u32 = 10;

/// A failed operation: bad input (render problems, exit 2) or an engine failure.
#[derive(Debug)]
pub enum ActionError {
    /// Values or flags were wrong.
    Render(Diagnostics),
    /// The cluster or the operation failed.
    Engine(EngineError),
}

impl From<EngineError> for ActionError {
    fn from(e: EngineError) -> Self {
        ActionError::Engine(e)
    }
}

impl From<Diagnostics> for ActionError {
    fn from(d: Diagnostics) -> Self {
        ActionError::Render(d)
    }
}

impl From<Diagnostic> for ActionError {
    fn from(d: Diagnostic) -> Self {
        ActionError::Render(d.into())
    }
}

impl ActionError {
    /// The problems to print (exit code included in their severity).
    pub fn into_diagnostics(self) -> Diagnostics {
        match self {
            ActionError::Render(d) => d,
            ActionError::Engine(e) => e.to_diagnostic().into(),
        }
    }
}

/// What to render: the value sources of `paddock template`.
pub struct RenderInput<'a> {
    /// Values files and `--set*` flags.
    pub sources: ValueSources,
    /// Validate against the bundled schemas.
    pub validate: bool,
    /// Reads `--set-file` files.
    pub read_file: &'a (dyn Fn(&str) -> Result<String, String> + Sync),
}

/// Options shared by the mutating operations.
#[derive(Debug, Clone)]
pub struct Options {
    /// Release name.
    pub release: String,
    /// Deadline for applying and waiting.
    pub timeout: Duration,
    /// How long to wait for another operation's lock.
    pub lock_timeout: Duration,
    /// TTL of this operation's lock (renewed while it runs).
    pub lock_ttl: Duration,
    /// Take ownership of conflicting fields.
    pub force_conflicts: bool,
    /// Wait for readiness between waves.
    pub wait: bool,
}

impl Options {
    /// Defaults for `release`: 10 minute timeout, 60 s lock wait, 30 s lock TTL.
    pub fn new(release: impl Into<String>) -> Options {
        Options {
            release: release.into(),
            timeout: Duration::from_secs(600),
            lock_timeout: Duration::from_secs(60),
            lock_ttl: lock::DEFAULT_TTL,
            force_conflicts: false,
            wait: true,
        }
    }
}

/// Install (creates or completes a release) or upgrade (requires one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `paddock install`: idempotent; re-running converges.
    Install,
    /// `paddock upgrade`: the release must exist.
    Upgrade,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Install => "install",
            Mode::Upgrade => "upgrade",
        }
    }
}

/// What an install, upgrade or rollback did.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// The release's revision afterwards.
    pub revision: u32,
    /// `true` when the cluster already matched (no new revision was recorded).
    pub unchanged: bool,
    /// Objects applied and waves.
    pub applied: ApplyReport,
    /// Objects of the previous revision removed or kept.
    pub pruned: RemoveReport,
    /// Render and rollback warnings.
    pub warnings: Vec<String>,
}

impl Outcome {
    /// The figures for a one-line report: `revision 3 (12 objects, 2 changed, 1 deleted)`, or
    /// for a release that already matched `up to date at revision 3 (12 objects checked)`.
    pub fn describe(&self) -> String {
        let objects = self.applied.applied.len();
        if self.unchanged {
            format!(
                "up to date at revision {} ({objects} objects checked)",
                self.revision
            )
        } else {
            format!(
                "revision {} ({objects} objects, {} changed, {} deleted)",
                self.revision,
                self.applied.changed.len(),
                self.pruned.deleted.len()
            )
        }
    }
}

struct Prepared {
    manifests: ManifestSet,
    waves: Vec<Wave>,
    order: Vec<Vec<String>>,
    user_values: Value,
    warnings: Vec<String>,
    credentials: IndexMap<String, String>,
    credentials_change: Option<Action>,
}

/// Renders the platform for `release` with the credentials stored in the cluster (new ones
/// generated for names not stored yet), then runs the post-render steps.
async fn prepare(
    engine: &Engine,
    release: &str,
    input: &RenderInput<'_>,
) -> Result<Prepared, ActionError> {
    let stack = catalog::builtin_stack(platform::STACK)?;
    let known = credentials::read(engine, release).await?;
    let generated = platform::generate_credentials(&stack, &known)?;
    let mut all = known.clone();
    for (k, v) in &generated {
        all.entry(k.clone()).or_insert_with(|| v.clone());
    }
    let credentials_change = if known.is_empty() {
        Some(Action::Create)
    } else if all.len() != known.len() {
        Some(Action::Update)
    } else {
        None
    };
    let options = RenderOptions {
        release: Some(release.to_owned()),
        namespace: engine.namespace().to_owned(),
        validate: input.validate,
        generated,
    };
    let rendered = platform::render_platform(&input.sources, &options, input.read_file)?;
    let mut manifests = rendered.manifests;
    postrender::prepare(&mut manifests, release, engine.namespace());
    let order = waves::service_waves(&stack)?;
    let waves = waves::assign(&manifests, &order);
    Ok(Prepared {
        manifests,
        waves,
        order,
        user_values: rendered.user_values.to_json(),
        warnings: rendered.warnings,
        credentials: all,
        credentials_change,
    })
}

fn inventory(set: &ManifestSet) -> Vec<ObjectRef> {
    set.items
        .iter()
        .map(|m| ObjectRef::of(&m.object, &m.service))
        .collect()
}

fn missing_from(old: &[ObjectRef], new: &[ObjectRef]) -> Vec<ObjectRef> {
    old.iter()
        .filter(|o| !new.iter().any(|n| n.same(o)))
        .cloned()
        .collect()
}

fn apply_options(options: &Options) -> ApplyOptions {
    ApplyOptions {
        release: options.release.clone(),
        force_conflicts: options.force_conflicts,
        timeout: options.timeout,
        wait: options.wait,
    }
}

/// Checks that `name` can name a namespace (an RFC 1123 label), as bad input (exit 2).
pub fn check_namespace(name: &str) -> Result<(), Diagnostic> {
    match paddock_core::names::dns_label_problem(name) {
        None => Ok(()),
        Some(problem) => Err(Diagnostic::bad_input(format!(
            "{name:?} is not a valid namespace name: it {problem}"
        ))),
    }
}

/// Renders the platform as install, upgrade and plan do, with placeholder credentials and
/// without the cluster: a bad namespace name or bad values fail here (exit 2, the messages
/// `paddock template` gives) before anything is contacted or created.
pub fn check_render(
    input: &RenderInput<'_>,
    release: &str,
    namespace: &str,
) -> Result<(), ActionError> {
    check_namespace(namespace)?;
    let stack = catalog::builtin_stack(platform::STACK)?;
    let generated = stack
        .meta
        .generated
        .iter()
        .map(|(name, len)| (name.clone(), "0".repeat(*len)))
        .collect();
    let options = RenderOptions {
        release: Some(release.to_owned()),
        namespace: namespace.to_owned(),
        validate: input.validate,
        generated,
    };
    platform::render_platform(&input.sources, &options, input.read_file)?;
    Ok(())
}

/// Installs or upgrades the platform: check the render, lock, render (with stored
/// credentials), apply in waves with readiness waits, prune what the previous revision had and
/// this one does not, record. Bad values change nothing: no namespace, no lock.
pub async fn install(
    engine: &Engine,
    input: &RenderInput<'_>,
    options: &Options,
    mode: Mode,
) -> Result<Outcome, ActionError> {
    check_render(input, &options.release, engine.namespace())?;
    if mode == Mode::Install {
        // The lock lives in the namespace, so it must exist first.
        engine.ensure_namespace().await?;
    }
    lock::while_held(
        engine,
        &options.release,
        mode.name(),
        (options.lock_ttl, options.lock_timeout),
        install_locked(engine, input, options, mode),
    )
    .await
}

async fn install_locked(
    engine: &Engine,
    input: &RenderInput<'_>,
    options: &Options,
    mode: Mode,
) -> Result<Outcome, ActionError> {
    let release = options.release.as_str();
    let history = release::history(engine, release).await?;
    let current = current_of(&history);
    if mode == Mode::Upgrade && current.is_none() {
        return Err(not_installed_for_upgrade(engine, release).into());
    }
    let p = prepare(engine, release, input).await?;
    engine.ensure_namespace().await?;
    if p.credentials_change.is_some() {
        credentials::store(engine, release, &p.credentials).await?;
        engine.progress.line(&format!(
            "stored generated credentials in Secret {} (kept for every later install and upgrade)",
            credentials::secret_name(release)
        ));
    }
    let step = Step {
        operation: mode.name(),
        manifests: &p.manifests,
        waves: &p.waves,
        order: &p.order,
        user_values: &p.user_values,
        scope: None,
    };
    apply_and_record(engine, options, &history, current, step, p.warnings).await
}

/// The revision the release is at: the newest deployed one, else the newest.
fn current_of(history: &[ReleaseRecord]) -> Option<&ReleaseRecord> {
    history
        .iter()
        .rev()
        .find(|r| r.status == "deployed")
        .or(history.last())
}

fn not_installed_for_upgrade(engine: &Engine, release: &str) -> EngineError {
    EngineError::Failed(format!(
        "release {release} is not installed in namespace {}; `paddock install` creates it",
        engine.namespace()
    ))
}

/// One recorded apply: post-rendered objects in their waves, and what the record keeps.
struct Step<'a> {
    /// `install`, `upgrade`, `deploy custom`: the record's operation.
    operation: &'a str,
    /// The objects (post-rendered).
    manifests: &'a ManifestSet,
    /// The same objects in waves.
    waves: &'a [Wave],
    /// Service names per wave, as recorded.
    order: &'a [Vec<String>],
    /// The values to record (redacted when stored).
    user_values: &'a Value,
    /// The services the objects stand for; `None`: the whole release. Objects the current
    /// revision has of services outside the scope are neither pruned nor forgotten.
    scope: Option<&'a [String]>,
}

/// Applies the step's waves, prunes what the current revision had (of the step's services)
/// and the step does not, and records a new revision unless nothing changed.
async fn apply_and_record(
    engine: &Engine,
    options: &Options,
    history: &[ReleaseRecord],
    current: Option<&ReleaseRecord>,
    step: Step<'_>,
    warnings: Vec<String>,
) -> Result<Outcome, ActionError> {
    let release = options.release.as_str();
    let applied = engine.apply(step.waves, &apply_options(options)).await?;
    let in_scope = |service: &str| step.scope.is_none_or(|s| s.iter().any(|x| x == service));
    let rendered = inventory(step.manifests);
    let carried: Vec<ObjectRef> = current
        .map(|cur| {
            cur.inventory
                .iter()
                .filter(|o| !in_scope(&o.service) && !rendered.iter().any(|n| n.same(o)))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let mut new_inventory = carried.clone();
    new_inventory.extend(rendered);
    let pruned = match current {
        Some(cur) => {
            let stale = missing_from(&cur.inventory, &new_inventory);
            let report = engine
                .remove(&stale, release, &RemoveOptions::default())
                .await?;
            for d in &report.deleted {
                engine
                    .progress
                    .line(&format!("  deleted {d} (no longer rendered)"));
            }
            for (k, why) in &report.kept {
                engine.progress.line(&format!("  kept {k} ({why})"));
            }
            report
        }
        None => RemoveReport::default(),
    };
    let redacted = crate::redact::redact_values(step.user_values);
    if let Some(cur) = current
        && applied.changed.is_empty()
        && pruned.deleted.is_empty()
        && cur.values == redacted
        && cur.inventory == new_inventory
    {
        return Ok(Outcome {
            revision: cur.revision,
            unchanged: true,
            applied,
            pruned,
            warnings,
        });
    }
    let revision = history.iter().map(|r| r.revision).max().unwrap_or(0) + 1;
    let mut record = ReleaseRecord::new(
        release,
        engine.namespace(),
        revision,
        step.operation,
        step.user_values,
        step.order.to_vec(),
        step.manifests,
    );
    if let Some(cur) = current
        && !carried.is_empty()
    {
        let mut objects: Vec<StoredObject> = cur
            .objects
            .iter()
            .filter(|o| {
                carried
                    .iter()
                    .any(|c| c.same(&ObjectRef::of(&o.object, &o.service)))
            })
            .cloned()
            .collect();
        objects.append(&mut record.objects);
        record.objects = objects;
        record.inventory = new_inventory;
    }
    release::store(engine, &record, history).await?;
    trim_history(engine, history, revision).await?;
    Ok(Outcome {
        revision,
        unchanged: false,
        applied,
        pruned,
        warnings,
    })
}

async fn trim_history(
    engine: &Engine,
    history: &[ReleaseRecord],
    newest: u32,
) -> Result<(), EngineError> {
    for old in history
        .iter()
        .filter(|r| r.revision + HISTORY_LIMIT <= newest)
    {
        engine.delete(&release::record_ref(engine, old)).await?;
    }
    Ok(())
}

/// What an install or upgrade would do: server-side dry-run applies compared with the live
/// objects. Takes no lock and changes nothing.
pub async fn plan(
    engine: &Engine,
    input: &RenderInput<'_>,
    options: &Options,
) -> Result<(Plan, Vec<String>), ActionError> {
    let release = options.release.as_str();
    let p = prepare(engine, release, input).await?;
    let mut changes = Vec::new();
    if let Some(action) = p.credentials_change.clone() {
        changes.push(Change {
            object: credentials::secret_ref(release, engine.namespace()),
            action: action.clone(),
            diff: if action == Action::Update {
                "  (new generated credentials are added; existing ones are kept)\n".into()
            } else {
                String::new()
            },
        });
    }
    for m in p.waves.iter().flat_map(|w| &w.items) {
        let r = ObjectRef::of(&m.object, &m.service);
        let (action, diff) = match engine.get(&r).await? {
            None => (Action::Create, String::new()),
            Some(live) => {
                Engine::check_owner(&live, &r, release)?;
                let dry = engine
                    .apply_object(&m.object, options.force_conflicts, true)
                    .await?;
                match diff_objects(&live, &dry) {
                    None => (Action::Unchanged, String::new()),
                    Some(d) => (Action::Update, d),
                }
            }
        };
        changes.push(Change {
            object: r,
            action,
            diff,
        });
    }
    if let Some(cur) = release::latest(engine, release).await? {
        for stale in missing_from(&cur.inventory, &inventory(&p.manifests)) {
            let Some(live) = engine.get(&stale).await? else {
                continue;
            };
            if !labels::owned_by(&live, release) {
                continue;
            }
            let action = if stale.kind == "PersistentVolumeClaim" {
                Action::Keep("holds data".into())
            } else {
                Action::Delete
            };
            changes.push(Change {
                object: stale,
                action,
                diff: String::new(),
            });
        }
    }
    Ok((Plan { changes }, p.warnings))
}

/// One service's objects and their readiness.
#[derive(Debug, Clone)]
pub struct ServiceStatus {
    /// Service name.
    pub service: String,
    /// Its objects with their readiness (`NotReady("missing")` when gone).
    pub objects: Vec<(ObjectRef, Readiness)>,
}

/// `paddock status`: the release's revision and per-component readiness.
#[derive(Debug, Clone)]
pub struct StatusReport {
    /// Release name.
    pub release: String,
    /// Namespace.
    pub namespace: String,
    /// Current revision, its operation and time.
    pub revision: u32,
    /// `install`, `upgrade`, `rollback to N`.
    pub operation: String,
    /// When it was recorded.
    pub time: String,
    /// The lock holder, when an operation is running.
    pub locked_by: Option<String>,
    /// Services in wave order.
    pub services: Vec<ServiceStatus>,
}

impl StatusReport {
    /// Whether every object is ready.
    pub fn ready(&self) -> bool {
        self.services
            .iter()
            .all(|s| s.objects.iter().all(|(_, r)| r.is_ready()))
    }

    /// The services with an object that is not ready, in wave order.
    pub fn not_ready(&self) -> Vec<&str> {
        self.services
            .iter()
            .filter(|s| s.objects.iter().any(|(_, r)| !r.is_ready()))
            .map(|s| s.service.as_str())
            .collect()
    }

    /// Text for the terminal: a header and one line per service with the first reason.
    pub fn render(&self) -> String {
        let mut out = format!(
            "release {} in namespace {}: revision {} ({}, {})\n",
            self.release, self.namespace, self.revision, self.operation, self.time
        );
        if let Some(holder) = &self.locked_by {
            out.push_str(&format!("locked by {holder}\n"));
        }
        let width = self
            .services
            .iter()
            .map(|s| s.service.len())
            .max()
            .unwrap_or(0)
            .max(7);
        out.push_str(&format!("{:width$}  STATUS\n", "SERVICE"));
        for s in &self.services {
            let blocking: Vec<String> = s
                .objects
                .iter()
                .filter_map(|(o, r)| match r {
                    Readiness::NotReady(why) => Some(format!("{o}: {why}")),
                    Readiness::Ready => None,
                })
                .collect();
            let state = if blocking.is_empty() {
                "ready".to_owned()
            } else {
                format!("not ready: {}", blocking.join("; "))
            };
            out.push_str(&format!("{:width$}  {state}\n", s.service));
        }
        out
    }
}

/// Reads the release's record and the readiness of each of its objects.
pub async fn status(engine: &Engine, release: &str) -> Result<StatusReport, ActionError> {
    let Some(record) = release::latest(engine, release).await? else {
        return Err(EngineError::Failed(format!(
            "release {release} is not installed in namespace {}",
            engine.namespace()
        ))
        .into());
    };
    let mut services: Vec<ServiceStatus> = Vec::new();
    let mut order: Vec<String> = record.waves.iter().flatten().cloned().collect();
    for o in &record.inventory {
        if !order.contains(&o.service) {
            order.push(o.service.clone());
        }
    }
    for service in order {
        let mut objects = Vec::new();
        for o in record.inventory.iter().filter(|o| o.service == service) {
            let r = match engine.get(o).await? {
                Some(live) => ready::readiness(&live),
                None => Readiness::NotReady("missing".into()),
            };
            objects.push((o.clone(), r));
        }
        if !objects.is_empty() {
            services.push(ServiceStatus { service, objects });
        }
    }
    Ok(StatusReport {
        release: release.to_owned(),
        namespace: engine.namespace().to_owned(),
        revision: record.revision,
        operation: record.operation,
        time: record.time,
        locked_by: lock::holder(engine, release).await?,
        services,
    })
}

/// What an uninstall deletes and keeps.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UninstallPlan {
    /// Objects deleted (reverse apply order).
    pub delete: Vec<ObjectRef>,
    /// Objects kept, with the reason.
    pub keep: Vec<(ObjectRef, String)>,
    /// Release records deleted.
    pub records: usize,
}

impl UninstallPlan {
    /// Text for the terminal.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for d in &self.delete {
            out.push_str(&format!("delete {d}\n"));
        }
        for (k, why) in &self.keep {
            out.push_str(&format!("keep   {k}: {why}\n"));
        }
        out.push_str(&format!(
            "{} objects deleted, {} kept, {} release records deleted\n",
            self.delete.len(),
            self.keep.len(),
            self.records
        ));
        out
    }
}

/// Options of [`uninstall`].
#[derive(Debug, Clone)]
pub struct UninstallOptions {
    /// Delete PersistentVolumeClaims and the generated credentials too.
    pub purge_data: bool,
}

/// Uninstalls: finds the release's objects (inventory of its newest record plus anything
/// carrying its labels, e.g. claims made from StatefulSet templates or objects of an
/// interrupted first install), asks `confirm` with the plan, then deletes in reverse order.
/// Objects of other releases are never touched; PVCs and credentials stay unless
/// `purge_data`.
pub async fn uninstall(
    engine: &Engine,
    options: &Options,
    uninstall: &UninstallOptions,
    confirm: &mut (dyn FnMut(&UninstallPlan) -> bool + Send),
) -> Result<UninstallPlan, ActionError> {
    lock::while_held(
        engine,
        &options.release,
        "uninstall",
        (options.lock_ttl, options.lock_timeout),
        uninstall_locked(engine, &options.release, uninstall, confirm),
    )
    .await
}

async fn uninstall_locked(
    engine: &Engine,
    release: &str,
    options: &UninstallOptions,
    confirm: &mut (dyn FnMut(&UninstallPlan) -> bool + Send),
) -> Result<UninstallPlan, ActionError> {
    let history = release::history(engine, release).await?;
    let mut candidates: Vec<ObjectRef> = history
        .last()
        .map(|r| r.inventory.clone())
        .unwrap_or_default();
    let mut kinds: BTreeSet<(String, String)> = candidates
        .iter()
        .map(|o| (o.api_version.clone(), o.kind.clone()))
        .collect();
    if kinds.is_empty() {
        // No record (an interrupted first install): look for what paddock renders.
        for m in default_kinds() {
            kinds.insert(m);
        }
    }
    kinds.insert(("v1".into(), "PersistentVolumeClaim".into()));
    let mut discovered = Vec::new();
    for (api_version, kind) in &kinds {
        for o in engine
            .list(
                api_version,
                kind,
                Some(engine.namespace()),
                &labels::release_selector(release),
            )
            .await?
        {
            let r = ObjectRef::of(
                &o,
                o["metadata"]["labels"][labels::SERVICE]
                    .as_str()
                    .unwrap_or(""),
            );
            if !candidates.iter().any(|c| c.same(&r))
                && !discovered.iter().any(|c: &ObjectRef| c.same(&r))
            {
                discovered.push(r);
            }
        }
    }
    // Discovered ones go first so that they are deleted last (claims after their workloads).
    discovered.append(&mut candidates);
    let candidates = discovered;
    let creds = credentials::secret_ref(release, engine.namespace());
    let creds_exist = engine.get(&creds).await?.is_some();
    if candidates.is_empty() && history.is_empty() && !creds_exist {
        return Err(EngineError::Failed(format!(
            "release {release} is not installed in namespace {}",
            engine.namespace()
        ))
        .into());
    }
    let remove = RemoveOptions {
        purge_data: options.purge_data,
        dry_run: true,
    };
    let report = engine.remove(&candidates, release, &remove).await?;
    let mut plan = UninstallPlan {
        delete: report.deleted,
        keep: report.kept,
        records: history.len(),
    };
    if creds_exist {
        if options.purge_data {
            plan.delete.push(creds.clone());
        } else {
            plan.keep.push((
                creds.clone(),
                "generated credentials the kept data was made with; --purge-data deletes them"
                    .into(),
            ));
        }
    }
    if !confirm(&plan) {
        return Err(EngineError::Cancelled(
            "uninstall cancelled: the release name was not typed; nothing was deleted".into(),
        )
        .into());
    }
    let remove = RemoveOptions {
        purge_data: options.purge_data,
        dry_run: false,
    };
    engine.remove(&candidates, release, &remove).await?;
    if options.purge_data && creds_exist {
        engine.delete(&creds).await?;
    }
    release::delete_all(engine, release).await?;
    Ok(plan)
}

/// Kinds the built-in stack may render, to find objects of a release that has no record.
fn default_kinds() -> Vec<(String, String)> {
    [
        ("v1", "ServiceAccount"),
        ("v1", "Secret"),
        ("v1", "ConfigMap"),
        ("v1", "Service"),
        ("apps/v1", "Deployment"),
        ("apps/v1", "StatefulSet"),
        ("rbac.authorization.k8s.io/v1", "Role"),
        ("rbac.authorization.k8s.io/v1", "RoleBinding"),
        ("networking.k8s.io/v1", "Ingress"),
    ]
    .iter()
    .map(|(a, k)| ((*a).to_owned(), (*k).to_owned()))
    .collect()
}

/// Rolls back to `revision` (default: the one before the current): re-applies that revision's
/// stateless objects in its waves (never PVC specs: StatefulSets keep their live claim
/// templates; Secrets keep their current values, which release records do not store), prunes
/// what it did not have, and records a new revision.
pub async fn rollback(
    engine: &Engine,
    options: &Options,
    revision: Option<u32>,
) -> Result<Outcome, ActionError> {
    lock::while_held(
        engine,
        &options.release,
        "rollback",
        (options.lock_ttl, options.lock_timeout),
        rollback_locked(engine, options, revision),
    )
    .await
}

async fn rollback_locked(
    engine: &Engine,
    options: &Options,
    revision: Option<u32>,
) -> Result<Outcome, ActionError> {
    let release = options.release.as_str();
    let history = release::history(engine, release).await?;
    let Some(current) = current_of(&history) else {
        return Err(EngineError::Failed(format!(
            "release {release} is not installed in namespace {}",
            engine.namespace()
        ))
        .into());
    };
    let known: Vec<String> = history.iter().map(|r| r.revision.to_string()).collect();
    let target = match revision {
        Some(n) => history.iter().find(|r| r.revision == n).ok_or_else(|| {
            EngineError::Input(format!(
                "release {release} has no revision {n}; stored revisions: {}",
                known.join(", ")
            ))
        })?,
        None => history
            .iter()
            .rev()
            .find(|r| r.revision < current.revision)
            .ok_or_else(|| {
                EngineError::Input(format!(
                    "release {release} has no revision before {}",
                    current.revision
                ))
            })?,
    };
    let mut warnings = Vec::new();
    let mut set = target.stateless_manifests();
    for m in &mut set.items {
        if m.kind() == "StatefulSet" {
            let r = ObjectRef::of(&m.object, &m.service);
            if let Some(live) = engine.get(&r).await? {
                m.object["spec"]["volumeClaimTemplates"] =
                    live["spec"]["volumeClaimTemplates"].clone();
                if m.object["spec"]["volumeClaimTemplates"].is_null()
                    && let Some(spec) = m.object["spec"].as_object_mut()
                {
                    spec.remove("volumeClaimTemplates");
                }
            }
        }
    }
    for stored in target.objects.iter().filter(|o| o.content_hash.is_some()) {
        let r = ObjectRef::of(&stored.object, &stored.service);
        match engine.get(&r).await? {
            None => warnings.push(format!(
                "{r} of revision {} no longer exists and cannot be restored (release records do not store secret values)",
                target.revision
            )),
            Some(live) if Some(content_hash(&live)) != stored.content_hash => warnings.push(format!(
                "{r} changed since revision {}; its current value is kept (release records do not store secret values)",
                target.revision
            )),
            Some(_) => {}
        }
    }
    let waves = waves::assign(&set, &target.waves);
    let applied = engine.apply(&waves, &apply_options(options)).await?;
    let stale = missing_from(&current.inventory, &target.inventory);
    let pruned = engine
        .remove(&stale, release, &RemoveOptions::default())
        .await?;
    let mut record = target.clone();
    record.revision = history.iter().map(|r| r.revision).max().unwrap_or(0) + 1;
    record.operation = format!("rollback to {}", target.revision);
    record.status = "deployed".into();
    record.time = jiff::Timestamp::now()
        .round(jiff::Unit::Second)
        .unwrap_or_else(|_| jiff::Timestamp::now())
        .to_string();
    release::store(engine, &record, &history).await?;
    trim_history(engine, &history, record.revision).await?;
    Ok(Outcome {
        revision: record.revision,
        unchanged: false,
        applied,
        pruned,
        warnings,
    })
}

/// Breaks the release's lock; returns who held it.
pub async fn unlock(engine: &Engine, release: &str) -> Result<Option<String>, ActionError> {
    Ok(lock::break_lock(engine, release).await?)
}
