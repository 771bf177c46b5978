//! `paddock plan`: what install or upgrade would do, with diffs; secrets redacted.

use paddock_core::Diagnostics;
use paddock_kube::action;

use super::cluster;
use crate::cli::PlanArgs;
use crate::report;

/// Prints the plan.
pub fn run(args: &PlanArgs) -> Result<(), Diagnostics> {
    let input = cluster::render_input(&args.values, args.no_validate)?;
    let options = cluster::options(
        &args.release,
        &args.cluster,
        std::time::Duration::ZERO,
        args.force_conflicts,
    );
    cluster::check_render(&input, &options.release, &args.cluster)?;
    cluster::runtime()?.block_on(async {
        let engine = cluster::engine(&args.cluster).await?;
        let (plan, warnings) = action::plan(&engine, &input, &options)
            .await
            .map_err(action::ActionError::into_diagnostics)?;
        report::warnings(&warnings);
        print!("{}", plan.render());
        Ok(())
    })
}
