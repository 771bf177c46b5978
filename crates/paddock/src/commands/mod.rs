//! One module per command; [`run`] dispatches.

pub mod cluster;
mod context;
mod deploy;
mod install;
mod plan;
mod rollback;
mod service;
mod show_values;
mod status;
mod template;
mod uninstall;
mod unlock;

use paddock_core::Diagnostics;

use crate::cli::{Cli, Command};

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<(), Diagnostics> {
    match cli.command {
        Command::Template(args) => template::run(&args),
        Command::ShowValues => show_values::run(),
        Command::Install(args) => install::run(&args, paddock_kube::action::Mode::Install),
        Command::Upgrade(args) => install::run(&args, paddock_kube::action::Mode::Upgrade),
        Command::Plan(args) => plan::run(&args),
        Command::Status(args) => status::run(&args),
        Command::Uninstall(args) => uninstall::run(&args),
        Command::Rollback(args) => rollback::run(&args),
        Command::Unlock(args) => unlock::run(&args),
        Command::Deploy(args) => deploy::run(&args),
        Command::Service(args) => service::run(args),
        Command::Context(args) => context::run(&args),
    }
}
