//! `paddock show-values`: the built-in stack's defaults.

use paddock_core::{Diagnostics, catalog, platform};

/// Prints the pachyderm stack's values.yaml as shipped.
pub fn run() -> Result<(), Diagnostics> {
    let stack = catalog::builtin_stack(platform::STACK)?;
    print!(
        "{}",
        stack
            .files
            .get("values.yaml")
            .map(String::as_str)
            .unwrap_or("")
    );
    Ok(())
}
