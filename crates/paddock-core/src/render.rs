//! Renders a stack's service templates (Jinja2 via minijinja) into a [`ManifestSet`].

use std::fmt::Write as _;
use std::sync::Arc;

use indexmap::IndexMap;
use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;
use serde_json::Value;

use crate::catalog::{FileTree, Service, Stack};
use crate::diagnostic::Diagnostic;
use crate::manifest::{Manifest, ManifestSet};

/// Release identity available to templates as `release.*`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Release {
    /// Release name.
    pub name: String,
    /// Target namespace.
    pub namespace: String,
}

/// How undefined template variables behave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strictness {
    /// Any use of an undefined value is an error (built-in stacks).
    Strict,
    /// Jinja2's default: undefined prints as empty (user service directories).
    Lenient,
}

/// Everything templates can see.
#[derive(Debug, Clone, Serialize)]
pub struct TemplateContext {
    /// The typed, defaulted values (as `values.*`), already a template value: converted from
    /// the typed structs once, with no `serde_json` tree in between.
    pub values: minijinja::Value,
    /// `release.name` / `release.namespace`.
    pub release: Release,
    /// Generated credentials (`generated.<name>`).
    pub generated: IndexMap<String, String>,
    /// Free-form extras a front-end adds (e.g. `cluster_cfg` for OpenPAI trees).
    #[serde(flatten)]
    pub extra: IndexMap<String, Value>,
}

/// `value` as templates see it: converted once into minijinja's values, with no `serde_json`
/// tree in between.
pub fn template_value<T: Serialize + ?Sized>(value: &T) -> minijinja::Value {
    minijinja::Value::from(minijinja::value::Serde(value))
}

/// Builds the template environment for a stack: its files as the loader, the Jinja2
/// compatibility methods (`.items()`, `.iteritems()`), and paddock's filters.
pub fn environment(files: Arc<FileTree>, strictness: Strictness) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(match strictness {
        Strictness::Strict => UndefinedBehavior::Strict,
        Strictness::Lenient => UndefinedBehavior::Lenient,
    });
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .keep_trailing_newline(true)
        .build()
        .expect("default delimiters are valid");
    env.set_syntax(syntax);
    env.set_loader(move |name| Ok(files.get(name).cloned()));
    env.set_unknown_method_callback(|state, value, method, args| {
        let method = if method == "iteritems" {
            "items"
        } else {
            method
        };
        minijinja_contrib::pycompat::unknown_method_callback(state, value, method, args)
    });
    env.add_filter("b64encode", |s: String| base64(s.as_bytes()));
    env.add_filter("indent", indent);
    env.add_filter("tojson", tojson_like_builtin);
    env
}

/// minijinja's built-in `tojson` (HTML-safe JSON, maps in their order), with the same results
/// (a test compares the two): a string, integer or boolean without arguments is written here;
/// anything else goes to the built-in.
/// The built-in looks up its `indent` keyword on every call, which made up most of the cost
/// of the 240 calls in a default render.
fn tojson_like_builtin(
    value: &minijinja::Value,
    indent: Option<minijinja::Value>,
    kwargs: minijinja::value::Kwargs,
) -> Result<minijinja::Value, minijinja::Error> {
    use minijinja::value::ValueKind;
    if indent.is_none() && kwargs.args().next().is_none() {
        let scalar = match value.kind() {
            ValueKind::String => value.as_str().map(|text| {
                let mut out = String::new();
                push_json_string(&mut out, text, false);
                out
            }),
            ValueKind::Bool => Some(value.is_true().to_string()),
            ValueKind::Number if value.is_integer() => Some(value.to_string()),
            _ => None,
        };
        if let Some(text) = scalar {
            return Ok(minijinja::Value::from_safe_string(text));
        }
    }
    minijinja::filters::tojson(value, indent, kwargs)
}

/// Appends `text` as a JSON string literal that is also safe inside HTML (`<`, `>`, `&` and
/// `'` written as `\u00XX`), as both `tojson` filters write it: minijinja's keeps other
/// characters as they are (`ensure_ascii` false); Jinja2's, through Python's `json.dumps`,
/// writes DEL and every non-ASCII character as UTF-16 `\uXXXX` units (`ensure_ascii` true).
pub(crate) fn push_json_string(out: &mut String, text: &str, ensure_ascii: bool) {
    out.reserve(text.len() + 2);
    out.push('"');
    let mut start = 0;
    for (at, c) in text.char_indices() {
        let plain = match c {
            '"' | '\\' | '<' | '>' | '&' | '\'' => false,
            c if u32::from(c) < 0x20 => false,
            c => !ensure_ascii || (c.is_ascii() && c != '\u{7f}'),
        };
        if plain {
            continue;
        }
        out.push_str(&text[start..at]);
        start = at + c.len_utf8();
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => {
                for unit in c.encode_utf16(&mut [0; 2]) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push_str(&text[start..]);
    out.push('"');
}

/// Jinja2's `indent(width=4, first=false, blank=false)`, as minijinja's built-in filter
/// computes it (a test compares the two), with the lines found by `memchr` and copied as they
/// are: the built-in formats every line, which made up a fifth of a default render's template
/// work for the proxy's 1,700-line Envoy configuration.
fn indent(
    value: minijinja::value::StringInput<'_>,
    width: Option<usize>,
    first: Option<bool>,
    blank: Option<bool>,
    kwargs: minijinja::value::Kwargs,
) -> Result<minijinja::Value, minijinja::Error> {
    fn strip_trailing_newline(text: &str) -> &str {
        let text = text.strip_suffix('\n').unwrap_or(text);
        text.strip_suffix('\r').unwrap_or(text)
    }
    let width = match width {
        Some(width) => width,
        None => kwargs.get::<Option<usize>>("width")?.unwrap_or(4),
    };
    let first = match first {
        Some(first) => first,
        None => kwargs.get::<Option<bool>>("first")?.unwrap_or(false),
    };
    let blank = match blank {
        Some(blank) => blank,
        None => kwargs.get::<Option<bool>>("blank")?.unwrap_or(false),
    };
    kwargs.assert_all_used()?;
    let input = strip_trailing_newline(value.as_str());
    let padding = " ".repeat(width);
    let mut output = String::with_capacity(input.len());
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', input.as_bytes()).chain([input.len()]) {
        let line = &input[start..end];
        let is_first = start == 0;
        start = end + 1;
        if is_first && !first {
            output.push_str(line);
        } else if line.is_empty() || line == "\r" {
            if blank {
                output.push_str(&padding);
            }
            output.push_str(line);
        } else {
            output.push_str(&padding);
            output.push_str(line);
        }
        output.push('\n');
    }
    output.truncate(strip_trailing_newline(&output).len());
    Ok(value.preserve_safety(output))
}

/// How rendered objects are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Helm's install order by kind (services and templates break ties).
    InstallByKind,
    /// Exactly as rendered: services in dependency order, templates and documents in order.
    AsRendered,
}

/// Renders the given services (all, in dependency order, when `only` is empty).
pub fn render_stack(
    stack: &Stack,
    context: &TemplateContext,
    strictness: Strictness,
    only: &[String],
    order: Order,
) -> Result<ManifestSet, Diagnostic> {
    let renderer = StackRenderer::new(stack, strictness, only)?;
    let mut set = renderer.render(context, parse_rendered)?;
    if order == Order::InstallByKind {
        set.sort_for_install();
    }
    Ok(set)
}

/// One template a [`StackRenderer`] renders.
#[derive(Debug)]
struct TemplateFile<'s> {
    /// The service it belongs to.
    service: &'s Service,
    /// Its path in the stack (`<service>/deploy/<file>.template`).
    source: String,
    /// Whether its output holds Kubernetes objects (a `.yaml`, `.yml` or `.json` file).
    manifest: bool,
}

/// A stack's template environment and the templates its services render, in dependency
/// order.
pub struct StackRenderer<'s> {
    /// The stack rendered.
    stack: &'s Stack,
    /// Its template environment (files, filters, strictness).
    env: Environment<'static>,
    /// The templates to render, in order.
    files: Vec<TemplateFile<'s>>,
}

impl<'s> StackRenderer<'s> {
    /// The renderer of `only` (every service when empty), in dependency order.
    pub fn new(
        stack: &'s Stack,
        strictness: Strictness,
        only: &[String],
    ) -> Result<StackRenderer<'s>, Diagnostic> {
        let mut files = Vec::new();
        for service in stack.ordered_services()? {
            if !only.is_empty() && !only.contains(&service.name) {
                continue;
            }
            for file in &service.spec.template_list {
                files.push(TemplateFile {
                    service,
                    source: format!("{}/{file}.template", service.deploy_dir),
                    manifest: file.ends_with(".yaml")
                        || file.ends_with(".yml")
                        || file.ends_with(".json"),
                });
            }
        }
        Ok(StackRenderer {
            stack,
            env: environment(Arc::clone(&stack.files), strictness),
            files,
        })
    }

    /// The stack this renderer renders.
    pub fn stack(&self) -> &'s Stack {
        self.stack
    }

    /// Renders every template with `context`, reading each manifest file's output with
    /// `read(text, source)`; fails with the first error in render order.
    pub fn render(
        &self,
        context: &TemplateContext,
        read: impl Fn(&str, &str) -> Result<Vec<Value>, Diagnostic>,
    ) -> Result<ManifestSet, Diagnostic> {
        let ctx = template_value(context);
        let mut set = ManifestSet::default();
        for file in &self.files {
            let text = render_stack_file(&self.env, &self.stack.files, &file.source, &ctx)?;
            if !file.manifest {
                continue;
            }
            set.items.extend(
                read(&text, &file.source)?
                    .into_iter()
                    .map(|object| Manifest {
                        service: file.service.name.clone(),
                        source: file.source.clone(),
                        object,
                    }),
            );
        }
        set.check_unique()?;
        Ok(set)
    }
}

/// Renders the template `source` of a stack whose environment `env` loads it from `files`
/// under that same name: from its build-time program when its text is the one built
/// ([`crate::precompiled`]), otherwise as [`render_file`] does.
pub fn render_stack_file(
    env: &Environment<'static>,
    files: &FileTree,
    source: &str,
    ctx: &minijinja::Value,
) -> Result<String, Diagnostic> {
    let program = files
        .get(source)
        .and_then(|text| crate::precompiled::program(source, text));
    match program {
        Some(program) => program
            .render(env, ctx)
            .map_err(|e| template_error(&e, source)),
        None => render_file(env, source, ctx),
    }
}

/// Renders one template file to text, turning template errors into file:line diagnostics.
pub fn render_file(
    env: &Environment<'static>,
    source: &str,
    ctx: &minijinja::Value,
) -> Result<String, Diagnostic> {
    env.get_template(source)
        .and_then(|t| t.render(ctx))
        .map_err(|e| template_error(&e, source))
}

fn template_error(e: &minijinja::Error, source: &str) -> Diagnostic {
    let file = e.name().unwrap_or(source);
    let location = match e.line() {
        Some(line) => format!("{file}:{line}"),
        None => file.to_owned(),
    };
    let detail = e.detail().map(|d| format!(": {d}")).unwrap_or_default();
    Diagnostic::bad_input(format!(
        "template error in {location}: {}{detail}",
        e.kind()
    ))
}

/// Reads every document of rendered YAML, whatever its shape (empty ones included). Plain
/// block YAML takes [`crate::yaml_fast`]; anything else (and every error) goes through
/// serde-saphyr, with errors shown against the rendered line.
pub fn read_documents(text: &str, source: &str) -> Result<Vec<Value>, Diagnostic> {
    match crate::yaml_fast::parse_fast(text) {
        Some(docs) => Ok(docs),
        None => parse_rendered_full(text, source),
    }
}

/// Parses rendered YAML into objects, dropping empty documents ([`read_documents`]).
pub fn parse_rendered(text: &str, source: &str) -> Result<Vec<Value>, Diagnostic> {
    read_documents(text, source)?
        .into_iter()
        .filter(|d| !d.is_null())
        .map(|d| match d {
            Value::Object(_) => Ok(d),
            other => Err(Diagnostic::bad_input(format!(
                "{source} rendered a document that is not an object: {}",
                short(&other)
            ))),
        })
        .collect()
}

/// serde-saphyr's reading of rendered YAML, with its errors shown against the rendered line.
fn parse_rendered_full(text: &str, source: &str) -> Result<Vec<Value>, Diagnostic> {
    serde_saphyr::from_multiple_with_options(text, crate::values::yaml::yaml_options()).map_err(
        |e| {
            let line = e.location().map(|l| l.line() as usize);
            let shown = line
                .and_then(|l| text.lines().nth(l.saturating_sub(1)))
                .map(|l| format!("\n  rendered line: {}", l.trim_end()))
                .unwrap_or_default();
            let first = e.to_string().lines().next().unwrap_or_default().to_owned();
            Diagnostic::bad_input(format!(
                "{source} rendered invalid YAML (line {} of its output): {first}{shown}",
                line.map_or("?".into(), |l| l.to_string())
            ))
        },
    )
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 60 {
        format!("{}…", &s[..60])
    } else {
        s
    }
}

/// Standard base64 (with padding) of bytes.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// paddock's `indent` gives what minijinja's built-in gives, for every argument form.
        #[test]
        fn indent_matches_the_builtin(
            text in "[ab \r\n]{0,16}",
            width in 0usize..6,
            first: bool,
            blank: bool,
            form in 0usize..4,
        ) {
            let call = match form {
                0 => "indent".to_owned(),
                1 => format!("indent({width})"),
                2 => format!("indent({width}, {first}, {blank})"),
                _ => format!("indent(width={width}, blank={blank}, first={first})"),
            };
            let template = format!("[{{{{ text | {call} }}}}]");
            let ours = environment(Arc::default(), Strictness::Strict)
                .render_str(&template, minijinja::context! { text => text.clone() });
            let builtin = Environment::new().render_str(&template, minijinja::context! { text });
            proptest::prop_assert_eq!(ours.map_err(|e| e.to_string()), builtin.map_err(|e| e.to_string()));
        }
    }

    proptest::proptest! {
        /// paddock's `tojson` gives what minijinja's built-in gives, for scalars of every kind
        /// (integers beyond `i64` too), safe strings, collections and the argument forms.
        #[test]
        fn tojson_matches_the_builtin(
            text in "[a<>&'\"\\\\\u{0}-\u{1f}\u{7f}é✓ ]{0,12}",
            number in proptest::num::i64::ANY,
            big in (i64::MAX as u64 + 1)..=u64::MAX,
            form in 0usize..15,
        ) {
            let (expression, call) = match form {
                0 => ("text", "tojson"),
                1 => ("number", "tojson"),
                2 => ("number > 0", "tojson"),
                3 => ("[text, number, none]", "tojson"),
                4 => ("{text: number, 'b': [true, 1.5]}", "tojson"),
                5 => ("{text: number}", "tojson(indent=2)"),
                6 => ("text", "tojson(2)"),
                7 => ("number / 7", "tojson"),
                8 => ("big", "tojson"),
                9 => ("number * 4294967296 * 4294967296", "tojson"),
                10 => ("text | safe", "tojson"),
                11 => ("none", "tojson"),
                12 => ("text", "tojson(none)"),
                13 => ("text", "tojson(indent=none)"),
                _ => ("number", "tojson(false)"),
            };
            let template = format!("[{{{{ {expression} | {call} }}}}]");
            let context = minijinja::context! { text => text.clone(), number, big };
            let ours = environment(Arc::default(), Strictness::Strict).render_str(&template, context.clone());
            let builtin = Environment::new().render_str(&template, context);
            proptest::prop_assert_eq!(ours.map_err(|e| e.to_string()), builtin.map_err(|e| e.to_string()));
        }
    }

    #[test]
    fn tojson_rejects_unknown_arguments_as_the_builtin_does() {
        let ours = environment(Arc::default(), Strictness::Strict);
        let builtin = Environment::new();
        for template in [
            "{{ 'a' | tojson(indnet=2) }}",
            "{{ 'a' | tojson(2, 3) }}",
            "{{ 1 | tojson('x') }}",
        ] {
            let ours = ours.render_str(template, ()).map_err(|e| e.to_string());
            let builtin = builtin.render_str(template, ()).map_err(|e| e.to_string());
            assert!(ours.is_err(), "{template}");
            assert_eq!(ours, builtin, "{template}");
        }
    }

    #[test]
    fn indent_keeps_safety_and_rejects_unknown_arguments() {
        let env = environment(Arc::default(), Strictness::Strict);
        let safe = env
            .render_str("{{ '<a>\nb' | safe | indent(2) }}", ())
            .unwrap();
        assert_eq!(safe, "<a>\n  b");
        assert!(env.render_str("{{ 'a' | indent(widht=2) }}", ()).is_err());
    }
    use crate::catalog::Stack;
    use serde_json::json;

    fn stack(files: &[(&str, &str)]) -> Stack {
        let mut tree: FileTree = files
            .iter()
            .map(|(p, t)| ((*p).to_owned(), (*t).to_owned()))
            .collect();
        tree.insert(
            "stack.yaml".into(),
            "name: t\ndescription: d\nrelease: r\n".into(),
        );
        Stack::from_files("t", tree).unwrap()
    }

    fn context(values: Value) -> TemplateContext {
        TemplateContext {
            values: template_value(&values),
            release: Release {
                name: "r".into(),
                namespace: "ns".into(),
            },
            generated: IndexMap::from([("token".to_owned(), "abc".to_owned())]),
            extra: IndexMap::new(),
        }
    }

    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn renders_services_in_dependency_order_with_filters_and_items() {
        let s = stack(&[
            ("db/deploy/service.yaml", "template-list: [db.yaml]\n"),
            (
                "db/deploy/db.yaml.template",
                "kind: Service\napiVersion: v1\nmetadata:\n  name: db\n  namespace: {{ release.namespace | tojson }}\n  labels:\n{% for k, v in values.labels.items() %}    {{ k | tojson }}: {{ v | tojson }}\n{% endfor %}",
            ),
            (
                "api/deploy/service.yaml",
                "prerequisite: [db]\ntemplate-list: [api.yaml]\n",
            ),
            (
                "api/deploy/api.yaml.template",
                "{% if values.api %}kind: Secret\napiVersion: v1\nmetadata:\n  name: api\ndata:\n  t: {{ generated.token | b64encode | tojson }}\n---\n# nothing here\n{% endif %}",
            ),
        ]);
        let set = render_stack(
            &s,
            &context(json!({"api": true, "labels": {"a": "x: y", "b": "1"}})),
            Strictness::Strict,
            &[],
            Order::InstallByKind,
        )
        .unwrap();
        let ids: Vec<String> = set.items.iter().map(|m| m.id()).collect();
        assert_eq!(ids, ["Secret/api", "Service/db"]);
        let as_rendered = render_stack(
            &s,
            &context(json!({"api": true, "labels": {}})),
            Strictness::Strict,
            &[],
            Order::AsRendered,
        )
        .unwrap();
        let ids: Vec<String> = as_rendered.items.iter().map(|m| m.id()).collect();
        assert_eq!(ids, ["Service/db", "Secret/api"]);
        assert_eq!(set.items[0].object["data"]["t"], "YWJj");
        assert_eq!(
            set.items[1].object["metadata"]["labels"],
            json!({"a": "x: y", "b": "1"})
        );
        assert_eq!(set.items[1].object["metadata"]["namespace"], "ns");
        let none = render_stack(
            &s,
            &context(json!({"api": false, "labels": {}})),
            Strictness::Strict,
            &["api".into()],
            Order::InstallByKind,
        )
        .unwrap();
        assert!(none.items.is_empty());
    }

    #[test]
    fn strict_undefined_names_file_and_line() {
        let s = stack(&[
            ("x/deploy/service.yaml", "template-list: [x.yaml]\n"),
            (
                "x/deploy/x.yaml.template",
                "kind: A\n\nname: {{ values.missing.key }}\n",
            ),
        ]);
        let err = render_stack(
            &s,
            &context(json!({})),
            Strictness::Strict,
            &[],
            Order::InstallByKind,
        )
        .unwrap_err();
        assert!(err.message.contains("x/deploy/x.yaml.template:3"), "{err}");
        let lenient = stack(&[
            ("x/deploy/service.yaml", "template-list: [x.yaml]\n"),
            (
                "x/deploy/x.yaml.template",
                "kind: A\nname: '{{ values.missing }}'\n",
            ),
        ]);
        let set = render_stack(
            &lenient,
            &context(json!({})),
            Strictness::Lenient,
            &[],
            Order::InstallByKind,
        )
        .unwrap();
        assert_eq!(set.items[0].object["name"], "");
    }

    #[test]
    fn invalid_rendered_yaml_is_reported_with_its_line() {
        let s = stack(&[
            ("x/deploy/service.yaml", "template-list: [x.yaml]\n"),
            ("x/deploy/x.yaml.template", "kind: A\nbad: [unclosed\n"),
        ]);
        let err = render_stack(
            &s,
            &context(json!({})),
            Strictness::Strict,
            &[],
            Order::InstallByKind,
        )
        .unwrap_err();
        assert!(
            err.message
                .contains("x/deploy/x.yaml.template rendered invalid YAML"),
            "{err}"
        );
    }

    #[test]
    fn non_yaml_templates_render_but_yield_no_objects() {
        let s = stack(&[
            ("x/deploy/service.yaml", "template-list: [start.sh]\n"),
            ("x/deploy/start.sh.template", "echo {{ release.name }}\n"),
        ]);
        assert!(
            render_stack(
                &s,
                &context(json!({})),
                Strictness::Strict,
                &[],
                Order::AsRendered
            )
            .unwrap()
            .items
            .is_empty()
        );
    }
}
