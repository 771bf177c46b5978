//! The `paddock` command: parses flags and hands off to one module per command.

mod cli;
mod commands;
#[cfg(target_os = "linux")]
mod heap;
mod report;

use clap::Parser;

#[cfg(target_os = "linux")]
#[global_allocator]
static HEAP: heap::Heap = heap::Heap::new();

fn main() {
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
