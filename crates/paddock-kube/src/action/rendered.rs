//! Recorded installs of object sets a front-end rendered itself (`paddock deploy custom`):
//! the same lock, waves, pruning and release record as [`install`](super::install), with the
//! front-end's objects and values instead of the platform's render.

use paddock_core::catalog::Stack;
use paddock_core::manifest::ManifestSet;
use serde_json::Value;

use super::{
    ActionError, Mode, Options, Outcome, Step, apply_and_record, current_of,
    not_installed_for_upgrade,
};
use crate::engine::Engine;
use crate::{lock, postrender, release, waves};

/// A release rendered by its front-end: the objects, the stack they come from (its
/// prerequisites give the waves) and the values its record keeps.
#[derive(Debug, Clone)]
pub struct RenderedRelease<'a> {
    /// The stack the objects were rendered from.
    pub stack: &'a Stack,
    /// The rendered objects; ownership labels, namespace and config hashes are added here.
    pub manifests: ManifestSet,
    /// What the record stores as values; values under secret-looking keys become hashes.
    pub values: Value,
    /// The operation, as the lock holder and the record name it (`deploy custom`).
    pub operation: String,
    /// The services the objects stand for; `None`: the whole release, and what the previous
    /// revision had that is not rendered now is pruned. With `Some`, objects of the other
    /// services stay, in the cluster and in the record, as the previous revision has them.
    pub scope: Option<Vec<String>>,
}

/// Installs (or, with [`Mode::Upgrade`], upgrades) a pre-rendered release: lock, apply in the
/// stack's waves with readiness waits, prune what the previous revision had and this one does
/// not (never PVCs), record revision N+1 — nothing new when the cluster already matched.
pub async fn install_rendered(
    engine: &Engine,
    rendered: RenderedRelease<'_>,
    options: &Options,
    mode: Mode,
) -> Result<Outcome, ActionError> {
    if mode == Mode::Install {
        // The lock lives in the namespace, so it must exist first.
        engine.ensure_namespace().await?;
    }
    let operation = rendered.operation.clone();
    lock::while_held(
        engine,
        &options.release,
        &operation,
        (options.lock_ttl, options.lock_timeout),
        locked(engine, rendered, options, mode),
    )
    .await
}

async fn locked(
    engine: &Engine,
    rendered: RenderedRelease<'_>,
    options: &Options,
    mode: Mode,
) -> Result<Outcome, ActionError> {
    let release = options.release.as_str();
    let history = release::history(engine, release).await?;
    let current = current_of(&history);
    if mode == Mode::Upgrade && current.is_none() {
        return Err(not_installed_for_upgrade(engine, release).into());
    }
    let order = waves::service_waves(rendered.stack)?;
    let mut manifests = rendered.manifests;
    postrender::prepare(&mut manifests, release, engine.namespace());
    let waves = waves::assign(&manifests, &order);
    engine.ensure_namespace().await?;
    let step = Step {
        operation: &rendered.operation,
        manifests: &manifests,
        waves: &waves,
        order: &order,
        user_values: &rendered.values,
        scope: rendered.scope.as_deref(),
    };
    apply_and_record(engine, options, &history, current, step, Vec::new()).await
}
