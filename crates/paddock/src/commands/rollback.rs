//! `paddock rollback [REVISION]`: re-apply a stored revision's stateless objects.

use paddock_core::Diagnostics;
use paddock_kube::action;

use super::cluster;
use crate::cli::RollbackArgs;
use crate::report;

/// Rolls the release back.
pub fn run(args: &RollbackArgs) -> Result<(), Diagnostics> {
    let options = cluster::options(
        &args.release,
        &args.cluster,
        args.timeout,
        args.force_conflicts,
    );
    cluster::runtime()?.block_on(async {
        let engine = cluster::engine(&args.cluster).await?;
        let outcome = action::rollback(&engine, &options, args.revision)
            .await
            .map_err(action::ActionError::into_diagnostics)?;
        report::warnings(&outcome.warnings);
        println!(
            "rolled back release {} in namespace {}: now revision {} ({} objects, {} changed)",
            options.release,
            engine.namespace(),
            outcome.revision,
            outcome.applied.applied.len(),
            outcome.applied.changed.len()
        );
        Ok(())
    })
}
