//! Embeds the built-in stacks (the repository's `stacks/` folder) into the binary.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let stacks = manifest_dir.join("../../stacks").canonicalize().unwrap();
    println!("cargo:rerun-if-changed={}", stacks.display());
    let mut files = Vec::new();
    collect(&stacks, &stacks, &mut files);
    files.sort();
    let mut out = String::from(
        "/// Every file of the built-in stacks: (path under stacks/, contents).\npub static BUILTIN_STACK_FILES: &[(&str, &str)] = &[\n",
    );
    for (relative, absolute) in files {
        writeln!(out, "    ({relative:?}, include_str!({absolute:?})),").unwrap();
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("builtin_stacks.rs");
    std::fs::write(dest, out).unwrap();
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(root, &path, files);
        } else {
            let relative = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            files.push((relative, path.to_string_lossy().into_owned()));
        }
    }
}
