//! `paddock uninstall`: delete the release's objects; data (PVCs) kept unless --purge-data.

use std::io::{BufRead, Write};

use paddock_core::Diagnostics;
use paddock_kube::action::{self, UninstallOptions, UninstallPlan};

use super::cluster;
use crate::cli::UninstallArgs;

/// Uninstalls the release after showing what is deleted and kept.
pub fn run(args: &UninstallArgs) -> Result<(), Diagnostics> {
    let options = cluster::options(
        &args.release,
        &args.cluster,
        std::time::Duration::ZERO,
        false,
    );
    let release = options.release.clone();
    let purge = args.purge_data;
    let yes = args.yes;
    let mut confirm = move |plan: &UninstallPlan| -> bool {
        eprint!("{}", plan.render());
        if !purge || yes {
            return true;
        }
        eprint!(
            "--purge-data deletes the release's data for good. Type the release name ({release}) to continue: "
        );
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        let read = std::io::stdin().lock().read_line(&mut line).unwrap_or(0);
        read > 0 && line.trim() == release
    };
    cluster::runtime()?.block_on(async {
        let engine = cluster::engine(&args.cluster).await?;
        let plan = action::uninstall(
            &engine,
            &options,
            &UninstallOptions { purge_data: purge },
            &mut confirm,
        )
        .await
        .map_err(action::ActionError::into_diagnostics)?;
        let kept_claims = plan
            .keep
            .iter()
            .filter(|(o, _)| o.kind == "PersistentVolumeClaim")
            .count();
        println!(
            "uninstalled release {} from namespace {}: {} objects deleted, {} kept{}",
            options.release,
            engine.namespace(),
            plan.delete.len(),
            plan.keep.len(),
            if kept_claims > 0 {
                format!(
                    " ({kept_claims} volume claims keep the data; installing the release again reuses them)"
                )
            } else {
                String::new()
            }
        );
        Ok(())
    })
}
