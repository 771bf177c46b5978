//! Links the `paddock` executable at a fixed address on glibc Linux: the loader then has no
//! relocations to apply at start-up (about 110 fewer page faults a run, see
//! docs/benchmarks.md). The price is that the executable's own code is not placed at a random
//! address; `PADDOCK_PIE=1` at build time keeps the usual position-independent executable.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=PADDOCK_PIE");
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let glibc_linux = var("CARGO_CFG_TARGET_OS") == "linux" && var("CARGO_CFG_TARGET_ENV") == "gnu";
    let static_crt = var("CARGO_CFG_TARGET_FEATURE")
        .split(',')
        .any(|feature| feature == "crt-static");
    if glibc_linux && !static_crt && var("PADDOCK_PIE") != "1" {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
