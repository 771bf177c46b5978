//! Embeds the built-in stacks (the repository's `stacks/` folder) into the binary, compiles
//! their templates, reads their stack, values and service files into static trees, and
//! compiles the bundled Kubernetes schema, so that start-up does none of this work.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[path = "src/schema_codegen.rs"]
mod schema_codegen;
#[path = "src/tree_codegen.rs"]
mod tree_codegen;
#[path = "src/yaml_fast.rs"]
mod yaml_fast;

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
    for (relative, absolute) in &files {
        writeln!(out, "    ({relative:?}, include_str!({absolute:?})),").unwrap();
    }
    out.push_str("];\n");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    std::fs::write(out_dir.join("builtin_stacks.rs"), out).unwrap();
    std::fs::write(
        out_dir.join("precompiled_templates.rs"),
        precompile::templates(&files),
    )
    .unwrap();
    std::fs::write(out_dir.join("builtin_trees.rs"), value_trees(&files)).unwrap();
    compile_schema(&manifest_dir.join("schemas/k8s-v1.33-strict.json"));
}

/// `builtin_trees.rs`: the static tree of every stack.yaml, values.yaml and service.yaml of
/// the built-in stacks that the fast YAML reader reads as one document, a mapping (or as no
/// document at all), by the
/// file's position in `BUILTIN_STACK_FILES` (see `src/values/static_tree.rs`).
fn value_trees(files: &[(String, String)]) -> String {
    let mut out = String::from(
        "/// Built-in stack files read at build time: (position in `BUILTIN_STACK_FILES`, tree).\npub static BUILTIN_TREES: &[(usize, StaticTree)] = &[\n",
    );
    for (index, (relative, absolute)) in files.iter().enumerate() {
        let name = relative.rsplit('/').next().unwrap_or_default();
        if !matches!(name, "stack.yaml" | "values.yaml" | "service.yaml") {
            continue;
        }
        let text = std::fs::read_to_string(absolute).unwrap();
        let tree = match yaml_fast::parse_fast(&text).as_deref() {
            Some([]) => "Map(&[])".to_owned(),
            Some([root @ serde_json::Value::Object(_)]) => tree_codegen::tree_source(root),
            _ => continue,
        };
        writeln!(out, "    ({index}, {tree}),").unwrap();
    }
    out.push_str("];\n");
    out
}

/// Writes `schema.rs`: every definition of the bundled schema compiled into a static
/// `Node` tree, with the kinds index (see `src/schema_codegen.rs`).
fn compile_schema(path: &Path) {
    println!("cargo:rerun-if-changed={}", path.display());
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    let source =
        schema_codegen::generate(&text).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    let dest = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("schema.rs");
    std::fs::write(dest, source).unwrap();
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

/// Built-in templates compiled into minijinja programs (read back by src/precompiled.rs).
mod precompile {
    use minijinja::machinery::{CodeGenerator, Instruction, parse};
    use minijinja::value::{Value, ValueKind};
    use std::fmt::Write as _;

    /// `precompiled_templates.rs`: one `Program` per `.template` file of the built-in stacks,
    /// named as its stack's template environment names it (the path under the stack).
    pub fn templates(files: &[(String, String)]) -> String {
        let syntax = minijinja::syntax::SyntaxConfig::builder()
            .keep_trailing_newline(true)
            .build()
            .unwrap();
        let mut programs: Vec<(&str, &str, String)> = Vec::new();
        for (relative, absolute) in files {
            let Some((_stack, name)) = relative.split_once('/') else {
                continue;
            };
            if !name.ends_with(".template") {
                continue;
            }
            let source = std::fs::read_to_string(absolute).unwrap();
            let ast = parse(&source, name, syntax.clone())
                .unwrap_or_else(|err| panic!("stacks/{relative}: {err}"));
            let mut generator = CodeGenerator::new(name, &source);
            generator.compile_stmt(&ast);
            let size_hint = generator.buffer_size_hint();
            let (instructions, blocks) = generator.finish();
            assert!(
                blocks.is_empty(),
                "stacks/{relative}: blocks are not precompiled"
            );
            let mut ops = String::new();
            let mut index = 0;
            while let Some(instruction) = instructions.get(index) {
                // Lines one-based here, so that 0 can mean none.
                let line = instructions.get_line(index).map_or(0, |line| line + 1);
                let op = op(instruction).unwrap_or_else(|| {
                    panic!("stacks/{relative}: cannot precompile {instruction:?}")
                });
                writeln!(ops, "        ({op}, {line}),").unwrap();
                index += 1;
            }
            let program = format!(
                "Program {{ name: {name:?}, source: include_str!({absolute:?}), size_hint: {size_hint}, ops: &[\n{ops}    ] }}"
            );
            programs.push((name, absolute, program));
        }
        programs.sort_by(|a, b| a.0.cmp(b.0).then(a.1.cmp(b.1)));
        let mut out = String::from(
            "/// The built-in templates' programs, sorted by name.\npub static PROGRAMS: &[Program] = &[\n",
        );
        for (_, _, program) in programs {
            writeln!(out, "    {program},").unwrap();
        }
        out.push_str("];\n");
        out
    }

    /// The `Op` (src/precompiled.rs) that stands for `instruction`; `None` for the few the
    /// stacks do not use.
    fn op(instruction: &Instruction) -> Option<String> {
        use Instruction as I;
        let q = |s: &str| format!("{s:?}");
        Some(match instruction {
            I::EmitRaw(s) => format!("EmitRaw({})", q(s)),
            I::StoreLocal(s) => format!("StoreLocal({})", q(s)),
            I::Lookup(s) => format!("Lookup({})", q(s)),
            I::GetAttr(s) => format!("GetAttr({})", q(s)),
            I::SetAttr(s) => format!("SetAttr({})", q(s)),
            I::GetItem => "GetItem".into(),
            I::Slice => "Slice".into(),
            I::LoadConst(value) => format!("LoadConst({})", constant(value)?),
            I::BuildMap(n) => format!("BuildMap({n})"),
            I::BuildKwargs(n) => format!("BuildKwargs({n})"),
            I::MergeKwargs(n) => format!("MergeKwargs({n})"),
            I::BuildList(n) => format!("BuildList({n:?})"),
            I::BuildTuple(n) => format!("BuildTuple({n:?})"),
            I::UnpackList(n) => format!("UnpackList({n})"),
            I::UnpackLists(n) => format!("UnpackLists({n})"),
            I::Add => "Add".into(),
            I::Sub => "Sub".into(),
            I::Mul => "Mul".into(),
            I::Div => "Div".into(),
            I::IntDiv => "IntDiv".into(),
            I::Rem => "Rem".into(),
            I::Pow => "Pow".into(),
            I::Neg => "Neg".into(),
            I::Eq => "Eq".into(),
            I::Ne => "Ne".into(),
            I::Gt => "Gt".into(),
            I::Gte => "Gte".into(),
            I::Lt => "Lt".into(),
            I::Lte => "Lte".into(),
            I::Not => "Not".into(),
            I::StringConcat => "StringConcat".into(),
            I::In => "In".into(),
            // Chained comparisons (`a < b < c`): minijinja does not export their operator type.
            I::CompareAndPreserve(_) => return None,
            I::ApplyFilter(name, args, local) => {
                format!("ApplyFilter({}, {args:?}, {local})", q(name))
            }
            I::PerformTest(name, args, local) => {
                format!("PerformTest({}, {args:?}, {local})", q(name))
            }
            I::Emit => "Emit".into(),
            I::PushLoop(flags) => format!("PushLoop({flags})"),
            I::PushWith => "PushWith".into(),
            I::Iterate(target) => format!("Iterate({target})"),
            I::PushDidNotIterate => "PushDidNotIterate".into(),
            I::PopFrame => "PopFrame".into(),
            I::PopLoopFrame => "PopLoopFrame".into(),
            I::Jump(target) => format!("Jump({target})"),
            I::JumpIfFalse(target) => format!("JumpIfFalse({target})"),
            I::JumpIfFalseOrPop(target) => format!("JumpIfFalseOrPop({target})"),
            I::JumpIfTrueOrPop(target) => format!("JumpIfTrueOrPop({target})"),
            I::PushAutoEscape => "PushAutoEscape".into(),
            I::PopAutoEscape => "PopAutoEscape".into(),
            I::BeginCapture(mode) => match format!("{mode:?}").as_str() {
                "Capture" => "BeginCapture".into(),
                _ => return None,
            },
            I::EndCapture => "EndCapture".into(),
            I::CallFunction(name, args) => format!("CallFunction({}, {args:?})", q(name)),
            I::CallMethod(name, args) => format!("CallMethod({}, {args:?})", q(name)),
            I::CallObject(args) => format!("CallObject({args:?})"),
            I::DupTop => "DupTop".into(),
            I::DiscardTop => "DiscardTop".into(),
            I::FastSuper => "FastSuper".into(),
            I::FastRecurse => "FastRecurse".into(),
            I::Swap => "Swap".into(),
            I::CallBlock(name) => format!("CallBlock({})", q(name)),
            I::LoadBlocks => "LoadBlocks".into(),
            I::Include(ignore_missing) => format!("Include({ignore_missing})"),
            I::ExportLocals => "ExportLocals".into(),
            I::BuildMacro(name, offset, flags) => {
                format!("BuildMacro({}, {offset}, {flags})", q(name))
            }
            I::Return => "Return".into(),
            I::IsUndefined => "IsUndefined".into(),
            I::Enclose(name) => format!("Enclose({})", q(name)),
            I::GetClosure => "GetClosure".into(),
        })
    }

    /// The `Const` (src/precompiled.rs) for a constant the compiler folded; `None` for kinds
    /// a template cannot write literally.
    fn constant(value: &Value) -> Option<String> {
        if value.is_kwargs() {
            // Constant keyword arguments (`f(x=1)`): a map minijinja marks as such, which a
            // plain map cannot stand for.
            return None;
        }
        Some(match value.kind() {
            ValueKind::None => "Const::None".into(),
            // The compiler's only undefined constant: the missing `else` of `a if b`.
            ValueKind::Undefined => "Const::SilentUndefined".into(),
            ValueKind::Bool => format!("Const::Bool({})", value.is_true()),
            ValueKind::String => format!("Const::Str({:?})", value.as_str()?),
            ValueKind::Number if value.is_integer() => format!("Const::Int({})", value.as_i64()?),
            ValueKind::Number => format!("Const::Float({:?})", f64::try_from(value.clone()).ok()?),
            ValueKind::Seq => {
                let items: Option<Vec<String>> =
                    value.try_iter().ok()?.map(|item| constant(&item)).collect();
                let kind = if value.is_tuple() { "Tuple" } else { "List" };
                format!("Const::{kind}(&[{}])", items?.join(", "))
            }
            ValueKind::Map => {
                let entries: Option<Vec<String>> = value
                    .try_iter()
                    .ok()?
                    .map(|key| {
                        let item = value.get_item(&key).ok()?;
                        Some(format!("({}, {})", constant(&key)?, constant(&item)?))
                    })
                    .collect();
                format!("Const::Map(&[{}])", entries?.join(", "))
            }
            _ => return None,
        })
    }
}
