//! `paddock install` and `paddock upgrade`: render, apply in waves, wait, record.

use paddock_core::Diagnostics;
use paddock_kube::action::{self, Mode};

use super::cluster;
use crate::cli::InstallArgs;
use crate::report;

/// Installs or upgrades the release.
pub fn run(args: &InstallArgs, mode: Mode) -> Result<(), Diagnostics> {
    let input = cluster::render_input(&args.values, args.no_validate)?;
    let options = cluster::options(
        &args.release,
        &args.cluster,
        args.timeout,
        args.force_conflicts,
    );
    cluster::check_render(&input, &options.release, &args.cluster)?;
    cluster::runtime()?.block_on(async {
        let engine = cluster::engine(&args.cluster).await?;
        let outcome = action::install(&engine, &input, &options, mode)
            .await
            .map_err(action::ActionError::into_diagnostics)?;
        report::warnings(&outcome.warnings);
        let verb = if mode == Mode::Install {
            "installed"
        } else {
            "upgraded"
        };
        if outcome.unchanged {
            println!(
                "release {} in namespace {} is {}",
                options.release,
                engine.namespace(),
                outcome.describe()
            );
        } else {
            println!(
                "{verb} release {} in namespace {}: {}",
                options.release,
                engine.namespace(),
                outcome.describe()
            );
        }
        Ok(())
    })
}
