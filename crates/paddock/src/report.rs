//! Writing warnings and errors to stderr.

use paddock_core::Diagnostics;

/// Prints each warning as `warning: ...`.
pub fn warnings(warnings: &[String]) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
}

/// Prints every problem as `error: ...` with its location and hint.
pub fn errors(problems: &Diagnostics) {
    eprintln!("{problems}");
}
