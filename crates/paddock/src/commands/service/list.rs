//! `paddock service list`: the services in start order, with where they come from.

use paddock_core::Diagnostics;
use paddock_core::services::graph_output;

use crate::cli::service::ListArgs;
use crate::report;

/// Prints the service table.
pub fn run(args: &ListArgs) -> Result<(), Diagnostics> {
    let mut warnings = Vec::new();
    let catalog = super::load_catalog(&args.catalog, &mut warnings)?;
    report::warnings(&warnings);
    print!("{}", graph_output::to_table(&catalog, &catalog.waves()));
    Ok(())
}
