//! The `paddock` command: parses flags and hands off to one module per command.
// On glibc Linux the C `main` below is the entry point and std's start-up is skipped
// (src/startup.rs); the test harness keeps its own.
#![cfg_attr(all(own_entry_point, not(test)), no_main)]

use clap::{CommandFactory, FromArgMatches};

mod cli;
mod commands;
#[cfg(target_os = "linux")]
mod heap;
mod report;
#[cfg(all(own_entry_point, not(test)))]
mod startup;

#[cfg(target_os = "linux")]
#[global_allocator]
static HEAP: heap::Heap = heap::Heap::new();

/// The process's entry point on glibc Linux, called by the C library.
#[cfg(all(own_entry_point, not(test)))]
#[unsafe(no_mangle)]
extern "C" fn main(_argc: libc::c_int, _argv: *const *const libc::c_char) -> libc::c_int {
    startup::prepare();
    // A panic must not unwind out of a C function (that aborts): end as std's start-up would,
    // with its message already printed and exit code 101. Release builds abort on panic anyway.
    match std::panic::catch_unwind(|| run()) {
        Ok(never) => never,
        Err(_) => std::process::exit(101),
    }
}

#[cfg(not(all(own_entry_point, not(test))))]
fn main() {
    run()
}

/// Runs the command the flags name and exits with its code (`process::exit` flushes stdout).
fn run() -> ! {
    // `Cli::parse()`, except that the command tree is kept: `Cli::parse()` frees it node by
    // node, while here it lives until `process::exit` below, which frees nothing (as with the
    // rendered set).
    let mut command = <cli::Cli as CommandFactory>::command();
    let mut matches = command.get_matches_mut();
    let cli = cli::Cli::from_arg_matches_mut(&mut matches)
        .unwrap_or_else(|err| err.format(&mut command).exit());
    let code = match commands::run(cli) {
        Ok(()) => 0,
        Err(problems) => {
            report::errors(&problems);
            problems.exit_code()
        }
    };
    std::process::exit(code);
}
