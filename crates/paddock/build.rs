//! Build settings of the `paddock` executable on glibc Linux, all about start-up cost
//! (docs/benchmarks.md):
//!
//! - a fixed load address: the loader then has no relocations to apply at start-up (about 110
//!   fewer page faults a run). The executable's own code is then not placed at a random
//!   address; `PADDOCK_PIE=1` at build time keeps the usual position-independent executable.
//! - in release builds, the functions `paddock template` and `deploy custom` run
//!   (hot-symbols.txt, written by scripts/hot-symbols.sh) placed next to each other, so a run
//!   touches fewer pages of code. This needs LLD: the toolchain's own (`gcc-ld/ld.lld` in its
//!   sysroot, as rustup installs it) is asked for explicitly; without it, with another linker
//!   configured, or with `PADDOCK_LINK_ORDER=0`, the order is left to the linker.
//! - libgcc's unwinder linked in statically (glibc Linux, the default linker): one shared
//!   library fewer to load; `PADDOCK_STATIC_UNWIND=0` links libgcc_s as usual.
//! - the `own_entry_point` cfg on glibc Linux: `main.rs` then defines the C `main` itself and
//!   skips std's start-up (see src/startup.rs). glibc only: there std reads the command line
//!   from the C library's start-up hooks, which run either way; on musl it would not.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=hot-symbols.txt");
    for name in [
        "PADDOCK_PIE",
        "PADDOCK_LINK_ORDER",
        "PADDOCK_STATIC_UNWIND",
        "RUSTC_LINKER",
    ] {
        println!("cargo:rerun-if-env-changed={name}");
    }
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let glibc_linux = var("CARGO_CFG_TARGET_OS") == "linux" && var("CARGO_CFG_TARGET_ENV") == "gnu";
    let static_crt = var("CARGO_CFG_TARGET_FEATURE")
        .split(',')
        .any(|feature| feature == "crt-static");
    println!("cargo::rustc-check-cfg=cfg(own_entry_point)");
    if glibc_linux {
        println!("cargo:rustc-cfg=own_entry_point");
    }
    if glibc_linux && !static_crt && var("PADDOCK_PIE") != "1" {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    let default_linker =
        var("RUSTC_LINKER").is_empty() && !var("CARGO_ENCODED_RUSTFLAGS").contains("link");
    if glibc_linux && !static_crt && default_linker && var("PADDOCK_STATIC_UNWIND") != "0" {
        // The unwinder from libgcc's static archive, as a `crt-static` build takes it: its
        // symbols are then resolved before std's `-lgcc_s`, which `--as-needed` drops, so
        // the loader maps one shared library fewer and libgcc_s's start-up (CPU feature
        // probing) does not run. Only with the toolchain's default linker driver (gcc's
        // runtime has `libgcc_eh.a`; a clang or zig one may not).
        println!("cargo:rustc-link-lib=static=gcc_eh");
    }
    if glibc_linux
        && var("CARGO_CFG_TARGET_ARCH") == "x86_64"
        && var("PROFILE") == "release"
        && default_linker
        && var("PADDOCK_LINK_ORDER") != "0"
        && let Some(lld_dir) = toolchain_lld_dir()
    {
        let order = std::path::Path::new(&var("CARGO_MANIFEST_DIR")).join("hot-symbols.txt");
        for arg in [
            "-fuse-ld=lld".to_owned(),
            format!("-B{}", lld_dir.display()),
            "-Xlinker".to_owned(),
            format!("--symbol-ordering-file={}", order.display()),
            "-Xlinker".to_owned(),
            "--no-warn-symbol-ordering".to_owned(),
        ] {
            println!("cargo:rustc-link-arg-bins={arg}");
        }
    }
}

/// The toolchain's own LLD driver directory (`<sysroot>/lib/rustlib/<target>/bin/gcc-ld`,
/// the one rustc itself links with on this target), if it has one.
fn toolchain_lld_dir() -> Option<std::path::PathBuf> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let output = std::process::Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()?;
    let sysroot = String::from_utf8(output.stdout).ok()?;
    let dir = std::path::Path::new(sysroot.trim())
        .join("lib/rustlib")
        .join(std::env::var("TARGET").ok()?)
        .join("bin/gcc-ld");
    dir.join("ld.lld").is_file().then_some(dir)
}
