//! `paddock status`: revision and per-component readiness.

use paddock_core::Diagnostics;
use paddock_kube::action;

use super::cluster;
use crate::cli::ReleaseArgs;

/// Prints the release's status.
pub fn run(args: &ReleaseArgs) -> Result<(), Diagnostics> {
    let release = cluster::release_name(&args.release);
    cluster::runtime()?.block_on(async {
        let engine = cluster::engine(&args.cluster).await?;
        let report = action::status(&engine, &release)
            .await
            .map_err(action::ActionError::into_diagnostics)?;
        print!("{}", report.render());
        Ok(())
    })
}
