//! The `paddock` command: parses flags and hands off to one module per command.

mod cli;
mod commands;
mod report;

use clap::Parser;

fn main() {
    // One rustls crypto provider for the whole process, before any client exists.
    paddock_kube::install_crypto_provider();
    let cli = cli::Cli::parse();
    let code = match commands::run(cli) {
        Ok(()) => 0,
        Err(problems) => {
            report::errors(&problems);
            problems.exit_code()
        }
    };
    std::process::exit(code);
}
