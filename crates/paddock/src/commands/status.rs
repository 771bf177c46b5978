//! `paddock status`: revision and per-component readiness; exit 0 only when all are ready.

use std::io::Write;

use paddock_core::{Diagnostic, Diagnostics};
use paddock_kube::action;

use super::cluster;
use crate::cli::ReleaseArgs;

/// Prints the release's status on stdout; fails (exit 1, one line on stderr naming them) when
/// a component is not ready.
pub fn run(args: &ReleaseArgs) -> Result<(), Diagnostics> {
    let release = cluster::release_name(&args.release);
    cluster::runtime()?.block_on(async {
        let engine = cluster::engine(&args.cluster).await?;
        let report = action::status(&engine, &release)
            .await
            .map_err(action::ActionError::into_diagnostics)?;
        let mut out = std::io::stdout().lock();
        // A closed pipe (`| head`) is not an error worth reporting.
        let _ = out
            .write_all(report.render().as_bytes())
            .and_then(|()| out.flush());
        let not_ready = report.not_ready();
        if not_ready.is_empty() {
            return Ok(());
        }
        Err(Diagnostic::failed(format!(
            "release {release} in namespace {} is not ready: {}",
            engine.namespace(),
            not_ready.join(", ")
        ))
        .into())
    })
}
