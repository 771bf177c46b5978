//! paddock's cluster engine: turns a rendered [`ManifestSet`](paddock_core::manifest::ManifestSet)
//! into running objects through the Kubernetes API, safely.
//!
//! The split follows kube-rs (types apart from the client) and Helm (`pkg/engine` apart from
//! `pkg/action`):
//!
//! - pure, client-free modules: [`labels`], [`objref`], [`postrender`], [`waves`], [`ready`],
//!   [`diff`], [`redact`], [`record`] — unit-tested without a cluster;
//! - [`engine::Engine`]: one connection; server-side apply, waves, waiting, deleting, events;
//! - [`lock`], [`credentials`], [`release`]: the cluster-side state paddock keeps per release;
//! - [`action`]: the user-level operations (install, upgrade, plan, status, uninstall,
//!   rollback, unlock, and recorded installs of pre-rendered sets for `deploy custom`) built
//!   from the above;
//! - [`fake`] (feature `test-support`): an in-process fake API server for tests.

pub mod action;
pub mod connect;
pub mod credentials;
pub mod diff;
pub mod engine;
pub mod error;
#[cfg(feature = "test-support")]
pub mod fake;
pub mod labels;
pub mod lock;
pub mod objref;
pub mod postrender;
pub mod progress;
pub mod ready;
pub mod record;
pub mod redact;
pub mod release;
pub mod retry;
pub mod waves;

pub use connect::ConnectOptions;
pub use engine::{ApplyOptions, ApplyReport, Engine};
pub use error::EngineError;
pub use objref::ObjectRef;
pub use progress::Progress;
pub use waves::Wave;
