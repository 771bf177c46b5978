//! `paddock service graph`: the prerequisite graph as DOT or Mermaid.

use paddock_core::Diagnostics;
use paddock_core::catalog::Direction;
use paddock_core::services::graph_output;

use crate::cli::service::{GraphArgs, GraphFormat};
use crate::report;

/// Prints the graph of the selected services.
pub fn run(args: &GraphArgs) -> Result<(), Diagnostics> {
    let mut warnings = Vec::new();
    let catalog = super::load_catalog(&args.catalog, &mut warnings)?;
    let waves = catalog.select(&super::selection(&args.selection), Direction::Forward)?;
    report::warnings(&warnings);
    print!(
        "{}",
        match args.format {
            GraphFormat::Dot => graph_output::to_dot(&catalog, &waves),
            GraphFormat::Mermaid => graph_output::to_mermaid(&catalog, &waves),
        }
    );
    Ok(())
}
