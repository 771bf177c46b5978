//! One module per command; [`run`] dispatches.

mod show_values;
mod template;

use paddock_core::Diagnostics;

use crate::cli::{Cli, Command};

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<(), Diagnostics> {
    match cli.command {
        Command::Template(args) => template::run(&args),
        Command::ShowValues => show_values::run(),
    }
}
