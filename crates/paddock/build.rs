//! Link settings of the `paddock` executable on glibc Linux, both about start-up cost
//! (docs/benchmarks.md):
//!
//! - a fixed load address: the loader then has no relocations to apply at start-up (about 110
//!   fewer page faults a run). The executable's own code is then not placed at a random
//!   address; `PADDOCK_PIE=1` at build time keeps the usual position-independent executable.
//! - in release builds, the functions `paddock template` and `deploy custom` run
//!   (hot-symbols.txt, written by scripts/hot-symbols.sh) placed next to each other, so a run
//!   touches fewer pages of code. Needs the toolchain's own linker (LLD, the default on this
//!   target); skipped when another linker is configured, or with `PADDOCK_LINK_ORDER=0`.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=hot-symbols.txt");
    for name in ["PADDOCK_PIE", "PADDOCK_LINK_ORDER", "RUSTC_LINKER"] {
        println!("cargo:rerun-if-env-changed={name}");
    }
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let glibc_linux = var("CARGO_CFG_TARGET_OS") == "linux" && var("CARGO_CFG_TARGET_ENV") == "gnu";
    let static_crt = var("CARGO_CFG_TARGET_FEATURE")
        .split(',')
        .any(|feature| feature == "crt-static");
    if glibc_linux && !static_crt && var("PADDOCK_PIE") != "1" {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    let default_linker =
        var("RUSTC_LINKER").is_empty() && !var("CARGO_ENCODED_RUSTFLAGS").contains("link");
    if glibc_linux
        && var("CARGO_CFG_TARGET_ARCH") == "x86_64"
        && var("PROFILE") == "release"
        && default_linker
        && var("PADDOCK_LINK_ORDER") != "0"
    {
        let order = std::path::Path::new(&var("CARGO_MANIFEST_DIR")).join("hot-symbols.txt");
        println!(
            "cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={},--no-warn-symbol-ordering",
            order.display()
        );
    }
}
