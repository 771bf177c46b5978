//! The built-in stacks' templates, compiled at build time (build.rs) into minijinja programs,
//! so that rendering them skips lexing, parsing and code generation — the largest part of
//! `paddock template`'s work otherwise (docs/benchmarks.md).
//!
//! A program is used only for the exact text it was compiled from; any other text (a user's
//! service directory, or a stack file that differs) is compiled by the environment as usual.
//! Both run on the same minijinja machine, and a test checks every program against what the
//! environment compiles from the same text.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use minijinja::machinery::{Instruction, Instructions};
use minijinja::value::Value;
use minijinja::{AutoEscape, Environment};

/// One built-in template's compiled program.
pub struct Program {
    /// The template's name in its stack's environment (`<service>/deploy/<file>.template`).
    pub name: &'static str,
    /// The text it was compiled from.
    pub source: &'static str,
    /// The compiler's guess of the output's size.
    pub size_hint: usize,
    /// The instructions, each with its source line plus one (0: none).
    pub ops: &'static [(Op, u32)],
}

/// A constant the compiler folded.
#[derive(Debug)]
pub enum Const {
    /// `none`
    None,
    /// The value of `a if b` when `b` is false: undefined, but printing as nothing even where
    /// undefined values are errors.
    SilentUndefined,
    /// `true` / `false`
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    Str(&'static str),
    /// A list of constants.
    List(&'static [Const]),
    /// A tuple of constants.
    Tuple(&'static [Const]),
    /// A map of constants, in order.
    Map(&'static [(Const, Const)]),
}

impl Const {
    fn value(&self) -> Value {
        match self {
            Const::None => Value::from(()),
            Const::SilentUndefined => silent_undefined(),
            Const::Bool(b) => Value::from(*b),
            Const::Int(n) => Value::from(*n),
            Const::Float(x) => Value::from(*x),
            Const::Str(s) => Value::from(*s),
            Const::List(items) => Value::from(items.iter().map(Const::value).collect::<Vec<_>>()),
            Const::Tuple(items) => Value::from(minijinja::value::Tuple::from(
                items.iter().map(Const::value).collect::<Vec<_>>(),
            )),
            Const::Map(entries) => Value::from_object(
                entries
                    .iter()
                    .map(|(key, value)| (key.value(), value.value()))
                    .collect::<indexmap::IndexMap<Value, Value>>(),
            ),
        }
    }
}

/// One instruction of a stored program: minijinja's `Instruction`, in a form that can be a
/// `static`.
#[allow(missing_docs)]
#[derive(Debug)]
pub enum Op {
    EmitRaw(&'static str),
    StoreLocal(&'static str),
    Lookup(&'static str),
    GetAttr(&'static str),
    SetAttr(&'static str),
    GetItem,
    Slice,
    LoadConst(Const),
    BuildMap(usize),
    BuildKwargs(usize),
    MergeKwargs(usize),
    BuildList(Option<usize>),
    BuildTuple(Option<usize>),
    UnpackList(usize),
    UnpackLists(usize),
    Add,
    Sub,
    Mul,
    Div,
    IntDiv,
    Rem,
    Pow,
    Neg,
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
    Not,
    StringConcat,
    In,
    ApplyFilter(&'static str, Option<u16>, u8),
    PerformTest(&'static str, Option<u16>, u8),
    Emit,
    PushLoop(u8),
    PushWith,
    Iterate(u32),
    PushDidNotIterate,
    PopFrame,
    PopLoopFrame,
    Jump(u32),
    JumpIfFalse(u32),
    JumpIfFalseOrPop(u32),
    JumpIfTrueOrPop(u32),
    PushAutoEscape,
    PopAutoEscape,
    /// Begins capturing output (`{% set x %}…{% endset %}`, macro callers).
    BeginCapture,
    EndCapture,
    CallFunction(&'static str, Option<u16>),
    CallMethod(&'static str, Option<u16>),
    CallObject(Option<u16>),
    DupTop,
    DiscardTop,
    FastSuper,
    FastRecurse,
    Swap,
    CallBlock(&'static str),
    LoadBlocks,
    Include(bool),
    ExportLocals,
    BuildMacro(&'static str, u32, u8),
    Return,
    IsUndefined,
    Enclose(&'static str),
    GetClosure,
}

use Op::*;

include!(concat!(env!("OUT_DIR"), "/precompiled_templates.rs"));

/// The program compiled from exactly `source` under `name`, if the build made one.
pub fn program(name: &str, source: &str) -> Option<&'static Program> {
    let start = PROGRAMS.partition_point(|p| p.name < name);
    PROGRAMS[start..]
        .iter()
        .take_while(|p| p.name == name)
        .find(|p| p.source == source)
}

impl Program {
    /// The program as minijinja instructions.
    pub fn instructions(&self) -> Instructions<'static> {
        let mut instructions = Instructions::new(self.name, self.source);
        for (op, line) in self.ops {
            let instruction = op.instruction();
            if *line == 0 {
                instructions.add(instruction);
            } else {
                // minijinja keeps lines as u16; so did the compiler these lines came from.
                instructions.add_with_line(instruction, (*line - 1) as u16);
            }
        }
        instructions
    }

    /// Runs the program in `env` with `context` as its root, as the environment's own
    /// compiled template would.
    pub fn render(
        &self,
        env: &Environment<'static>,
        context: &Value,
    ) -> Result<String, minijinja::Error> {
        let instructions = self.instructions();
        let mut text = String::with_capacity(self.size_hint);
        let mut output = minijinja::machinery::make_string_output(&mut text);
        minijinja::machinery::eval(
            env,
            &instructions,
            context.clone(),
            &BTreeMap::new(),
            &mut output,
            AutoEscape::None,
        )?;
        drop(output);
        Ok(text)
    }
}

impl Op {
    fn instruction(&self) -> Instruction<'static> {
        use Instruction as I;
        match *self {
            EmitRaw(s) => I::EmitRaw(s),
            StoreLocal(s) => I::StoreLocal(s),
            Lookup(s) => I::Lookup(s),
            GetAttr(s) => I::GetAttr(s),
            SetAttr(s) => I::SetAttr(s),
            GetItem => I::GetItem,
            Slice => I::Slice,
            LoadConst(ref constant) => I::LoadConst(constant.value()),
            BuildMap(n) => I::BuildMap(n),
            BuildKwargs(n) => I::BuildKwargs(n),
            MergeKwargs(n) => I::MergeKwargs(n),
            BuildList(n) => I::BuildList(n),
            BuildTuple(n) => I::BuildTuple(n),
            UnpackList(n) => I::UnpackList(n),
            UnpackLists(n) => I::UnpackLists(n),
            Add => I::Add,
            Sub => I::Sub,
            Mul => I::Mul,
            Div => I::Div,
            IntDiv => I::IntDiv,
            Rem => I::Rem,
            Pow => I::Pow,
            Neg => I::Neg,
            Eq => I::Eq,
            Ne => I::Ne,
            Gt => I::Gt,
            Gte => I::Gte,
            Lt => I::Lt,
            Lte => I::Lte,
            Not => I::Not,
            StringConcat => I::StringConcat,
            In => I::In,
            ApplyFilter(name, args, local) => I::ApplyFilter(name, args, local),
            PerformTest(name, args, local) => I::PerformTest(name, args, local),
            Emit => I::Emit,
            PushLoop(flags) => I::PushLoop(flags),
            PushWith => I::PushWith,
            Iterate(target) => I::Iterate(target),
            PushDidNotIterate => I::PushDidNotIterate,
            PopFrame => I::PopFrame,
            PopLoopFrame => I::PopLoopFrame,
            Jump(target) => I::Jump(target),
            JumpIfFalse(target) => I::JumpIfFalse(target),
            JumpIfFalseOrPop(target) => I::JumpIfFalseOrPop(target),
            JumpIfTrueOrPop(target) => I::JumpIfTrueOrPop(target),
            PushAutoEscape => I::PushAutoEscape,
            PopAutoEscape => I::PopAutoEscape,
            BeginCapture => begin_capture(),
            EndCapture => I::EndCapture,
            CallFunction(name, args) => I::CallFunction(name, args),
            CallMethod(name, args) => I::CallMethod(name, args),
            CallObject(args) => I::CallObject(args),
            DupTop => I::DupTop,
            DiscardTop => I::DiscardTop,
            FastSuper => I::FastSuper,
            FastRecurse => I::FastRecurse,
            Swap => I::Swap,
            CallBlock(name) => I::CallBlock(name),
            LoadBlocks => I::LoadBlocks,
            Include(ignore_missing) => I::Include(ignore_missing),
            ExportLocals => I::ExportLocals,
            BuildMacro(name, offset, flags) => I::BuildMacro(name, offset, flags),
            Return => I::Return,
            IsUndefined => I::IsUndefined,
            Enclose(name) => I::Enclose(name),
            GetClosure => I::GetClosure,
        }
    }
}

/// minijinja does not export the capture mode's type, so the one instruction that carries it
/// is taken from a compiled `{% set %}` block.
fn begin_capture() -> Instruction<'static> {
    static BEGIN_CAPTURE: OnceLock<Instruction<'static>> = OnceLock::new();
    BEGIN_CAPTURE
        .get_or_init(|| {
            compiled_instruction("{% set x %}{% endset %}", |instruction| {
                matches!(instruction, Instruction::BeginCapture(_)).then(|| instruction.clone())
            })
        })
        .clone()
}

/// Nor can a silent undefined value be made outside minijinja: it is taken from a compiled
/// `a if b`.
fn silent_undefined() -> Value {
    static SILENT_UNDEFINED: OnceLock<Value> = OnceLock::new();
    SILENT_UNDEFINED
        .get_or_init(|| {
            compiled_instruction("{{ 1 if x }}", |instruction| match instruction {
                Instruction::LoadConst(value) if value.is_undefined() => Some(value.clone()),
                _ => None,
            })
        })
        .clone()
}

/// The first thing `pick` finds in the instructions compiled from `source`.
fn compiled_instruction<T>(
    source: &'static str,
    pick: impl Fn(&Instruction<'static>) -> Option<T>,
) -> T {
    let ast =
        minijinja::machinery::parse(source, "", Default::default()).expect("a valid template");
    let mut generator = minijinja::machinery::CodeGenerator::new("", source);
    generator.compile_stmt(&ast);
    let (instructions, _) = generator.finish();
    (0..)
        .map_while(|index| instructions.get(index))
        .find_map(pick)
        .unwrap_or_else(|| panic!("{source} compiles to the instruction looked for"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::BUILTIN_STACK_FILES;

    /// Every built-in template's stored program is, instruction for instruction and line for
    /// line, what its stack's environment compiles from the same text (constants compared by
    /// value, shape and kind).
    #[test]
    fn programs_equal_what_the_environment_compiles() {
        use crate::render::{Strictness, environment};
        let listing = |i: &Instructions| {
            (0..)
                .map_while(|n| {
                    i.get(n).map(|op| match op {
                        Instruction::LoadConst(value) => format!(
                            "{op:?} {:?} kwargs={} @{:?}",
                            value.kind(),
                            value.is_kwargs(),
                            i.get_line(n)
                        ),
                        _ => format!("{op:?} @{:?}", i.get_line(n)),
                    })
                })
                .collect::<Vec<_>>()
        };
        let mut compared = 0;
        for name in crate::catalog::builtin_stack_names() {
            let stack = crate::catalog::builtin_stack(name).unwrap();
            let env = environment(std::sync::Arc::clone(&stack.files), Strictness::Strict);
            for (path, text) in stack.files.iter() {
                if !path.ends_with(".template") {
                    continue;
                }
                let template = env.get_template(path).unwrap();
                let compiled = &minijinja::machinery::get_compiled_template(&template).instructions;
                let stored = program(path, text).unwrap().instructions();
                let (stored, compiled) = (listing(&stored), listing(compiled));
                let first_difference = stored.iter().zip(&compiled).position(|(a, b)| a != b);
                assert!(
                    first_difference.is_none() && stored.len() == compiled.len(),
                    "{name}/{path}: instruction {first_difference:?}: {:?} against {:?}",
                    first_difference.map(|n| &stored[n]),
                    first_difference.map(|n| &compiled[n]),
                );
                compared += 1;
            }
        }
        assert_eq!(compared, PROGRAMS.len());
    }

    /// Renders every template of `stack` from its program and through the environment's own
    /// compilation, with `context`, and requires the same text; returns how many it compared.
    fn render_both_ways(
        stack: &crate::catalog::Stack,
        label: &str,
        context: &crate::render::TemplateContext,
    ) -> usize {
        use crate::render::{Strictness, environment, render_file};
        let env = environment(std::sync::Arc::clone(&stack.files), Strictness::Strict);
        let context = crate::render::template_value(context);
        let mut compared = 0;
        for (name, text) in stack.files.iter() {
            if !name.ends_with(".template") {
                continue;
            }
            let by_program = program(name, text).unwrap().render(&env, &context);
            let by_environment = render_file(&env, name, &context);
            assert_eq!(
                by_program.unwrap_or_else(|e| panic!("{label}: {name}: {e}")),
                by_environment.unwrap_or_else(|e| panic!("{label}: {name}: {e:?}")),
                "{label}: {name}"
            );
            compared += 1;
        }
        compared
    }

    /// The same programs, run: each built-in template renders the same text from its program
    /// as from the environment's own compilation — the platform's for the default values and
    /// every values fixture of the CLI tests, `deploy custom`'s for its defaults.
    #[test]
    fn programs_render_what_the_environment_renders() {
        use crate::platform::{STACK, ValueSources, template_inputs};
        use crate::render::{Release, TemplateContext};
        let stack = crate::catalog::builtin_stack(STACK).unwrap();
        let fixtures = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../paddock/tests/fixtures/values"
        );
        let mut cases = vec![("defaults".to_owned(), String::new())];
        for entry in std::fs::read_dir(fixtures).unwrap() {
            let path = entry.unwrap().path();
            cases.push((
                path.display().to_string(),
                std::fs::read_to_string(&path).unwrap(),
            ));
        }
        let mut rendered = 0;
        for (label, text) in cases {
            let sources = ValueSources {
                files: vec![(label.clone(), text)],
                ..ValueSources::default()
            };
            let inputs = template_inputs(&stack, &sources, &Default::default(), &|path| {
                std::fs::read_to_string(path).map_err(|e| e.to_string())
            })
            .unwrap_or_else(|e| panic!("{label}: {e:?}"));
            let context = TemplateContext {
                values: inputs.values_context,
                release: Release {
                    name: "pachd".into(),
                    namespace: "default".into(),
                },
                generated: inputs.generated,
                extra: inputs.extra,
            };
            rendered += render_both_ways(&stack, &label, &context);
        }
        let stack = crate::catalog::builtin_stack(crate::custom::STACK).unwrap();
        let config = crate::custom::default_config().unwrap();
        let derived = crate::custom::derive::derive(&config).unwrap();
        let context = TemplateContext {
            values: crate::render::template_value(&config),
            release: Release {
                name: stack.meta.release.clone(),
                namespace: "default".into(),
            },
            generated: Default::default(),
            extra: [(
                "derived".to_owned(),
                serde_json::to_value(&derived).unwrap(),
            )]
            .into_iter()
            .collect(),
        };
        rendered += render_both_ways(&stack, "deploy custom", &context);
        assert!(rendered > 250, "{rendered} renders compared");
    }

    #[test]
    fn every_builtin_template_has_a_program_for_its_exact_text() {
        for (path, text) in BUILTIN_STACK_FILES {
            let Some((_, name)) = path.split_once('/') else {
                continue;
            };
            if name.ends_with(".template") {
                assert!(program(name, text).is_some(), "{path}");
                assert!(program(name, &format!("{text} ")).is_none(), "{path}");
            }
        }
        assert!(program("no/such.template", "").is_none());
    }

    #[test]
    fn a_capture_instruction_is_available() {
        assert!(matches!(begin_capture(), Instruction::BeginCapture(_)));
    }

    #[test]
    fn the_silent_undefined_prints_as_nothing_where_undefined_is_an_error() {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        let render = |value: Value| env.render_str("[{{ v }}]", minijinja::context! { v => value });
        assert_eq!(render(Const::SilentUndefined.value()).unwrap(), "[]");
        assert!(render(Value::UNDEFINED).is_err());
    }
}
