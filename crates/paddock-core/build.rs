//! Embeds the built-in stacks (the repository's `stacks/` folder) into the binary, and
//! indexes the bundled Kubernetes schema so that start-up does not parse it.

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
    index_schema(&manifest_dir.join("schemas/k8s-v1.33-strict.json"));
}

/// Writes `schema_index.rs`: the bundle itself (`include_str!` of the file indexed, so the
/// index and the text cannot come from different files), its version, every definition's name
/// with the byte range of its (raw JSON) schema inside the bundle, sorted by name, and every
/// `"<apiVersion>/<Kind>"` with the position of its definition in that list, sorted.
fn index_schema(path: &Path) {
    use serde_json::value::RawValue;
    use std::collections::HashMap;
    println!("cargo:rerun-if-changed={}", path.display());
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    let top: HashMap<&str, &RawValue> = serde_json::from_str(&text)
        .unwrap_or_else(|err| panic!("{}: not valid JSON: {err}", path.display()));
    let field = |name: &str| {
        top.get(name)
            .unwrap_or_else(|| panic!("{}: no \"{name}\" field", path.display()))
            .get()
    };
    let version: &str = serde_json::from_str(field("version")).unwrap();
    let defs: HashMap<&str, &RawValue> = serde_json::from_str(field("defs")).unwrap();
    let kinds: HashMap<&str, &str> = serde_json::from_str(field("kinds")).unwrap();
    let mut names: Vec<(&str, usize, usize)> = defs
        .iter()
        .map(|(name, raw)| {
            let start = raw.get().as_ptr() as usize - text.as_ptr() as usize;
            (*name, start, start + raw.get().len())
        })
        .collect();
    names.sort_unstable();
    let position = |name: &str| {
        names
            .binary_search_by(|probe| probe.0.cmp(name))
            .unwrap_or_else(|_| panic!("{}: kind names unknown definition {name}", path.display()))
    };
    let mut kind_list: Vec<(&str, usize)> = kinds
        .iter()
        .map(|(key, name)| (*key, position(name)))
        .collect();
    kind_list.sort_unstable();
    let mut out = format!(
        "/// The generated schema bundle (see `scripts/gen-k8s-schema.py`).\n\
         const BUNDLED_SCHEMA: &str = include_str!({:?});\n\
         /// Kubernetes version of the bundled schemas.\n\
         const INDEXED_VERSION: &str = {version:?};\n",
        path.display().to_string()
    );
    let definition_rows = names
        .iter()
        .map(|(name, start, end)| format!("({name:?}, {start}, {end})"));
    write_table(
        &mut out,
        "Definition names, sorted, with the byte range of each schema in the bundle.",
        "DEFINITIONS: &[(&str, u32, u32)]",
        definition_rows,
    );
    let kind_rows = kind_list.iter().map(|(key, id)| format!("({key:?}, {id})"));
    write_table(
        &mut out,
        "`\"<apiVersion>/<Kind>\"`, sorted, with the position of its definition.",
        "KINDS: &[(&str, u32)]",
        kind_rows,
    );
    let dest = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("schema_index.rs");
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

/// Appends `static <declaration> = &[<rows>];` to `out`, under a one-line doc comment.
fn write_table(out: &mut String, doc: &str, declaration: &str, rows: impl Iterator<Item = String>) {
    writeln!(out, "/// {doc}\nstatic {declaration} = &[").unwrap();
    for row in rows {
        writeln!(out, "    {row},").unwrap();
    }
    out.push_str("];\n");
}
