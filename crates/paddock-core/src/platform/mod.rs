//! The Pachyderm platform front-end: Helm-compatible values in, validated manifests out.
//!
//! Values files and `--set` flags are layered (Helm's precedence) over the stack's defaults,
//! read into the typed [`model::Values`], checked for the chosen target, then rendered through
//! the stack's service templates.

pub mod checks;
pub mod derive;
pub mod model;

use indexmap::IndexMap;

use crate::catalog::{self, Stack};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::manifest::ManifestSet;
use crate::render::{self, Release, StackRenderer, Strictness, TemplateContext};
use crate::values::{self, Node, SetKind};

/// The built-in stack this front-end renders.
pub const STACK: &str = "pachyderm";

/// Chart sections paddock deliberately does not deploy, with the reason shown to the user.
pub const UNSUPPORTED_SECTIONS: &[(&str, &str)] = &[
    (
        "loki-stack",
        "paddock does not deploy the loki-stack subchart; point pachd.lokiHost at your Loki",
    ),
    ("determined", "paddock does not deploy Determined"),
    ("kubeEventTail", "paddock does not deploy kube-event-tail"),
    (
        "cloudsqlAuthProxy",
        "paddock does not deploy the Cloud SQL auth proxy; use global.postgresql for an external database",
    ),
    (
        "preflightCheckJob",
        "paddock does not render the preflight-check Job; pachd.preflightChecks runs them in pachd",
    ),
    ("testConnection", "paddock does not render helm test pods"),
    (
        "enterpriseServer",
        "paddock does not deploy a separate enterprise server; use pachd.enterpriseLicenseKey",
    ),
];

/// Chart keys inside supported sections that paddock does not honour: (path, the values that
/// change nothing here, reason). An empty value (`""`, `{}`, `[]`, false, null, or a mapping
/// of such) or one of the listed values is set aside with a warning (so a copy of the chart's
/// own values.yaml works); any other value is an error.
pub const UNSUPPORTED_KEYS: &[(&str, &[&str], &str)] = &[
    (
        "pachd.lokiDeploy",
        // The chart's default is true: a copied values.yaml must not fail on it.
        &["true"],
        "paddock does not deploy Loki; point pachd.lokiHost at yours",
    ),
    (
        "pachd.activateEnterprise",
        &[],
        "the chart deprecated it; a license key turns enterprise on",
    ),
    (
        "pachd.determined",
        &[],
        "paddock does not deploy Determined",
    ),
    (
        "pachd.configJob",
        &[],
        "paddock configures pachd through its environment, not a config Job",
    ),
    (
        "postgresql.readReplicas",
        &[],
        "paddock's embedded postgres has no read replicas",
    ),
    (
        "console.config.pachdAddress",
        &["pachd-peer:30653"],
        "console always talks to pachd-peer (the chart ignores it too)",
    ),
];

/// Where values come from, in the order Helm applies them.
#[derive(Debug, Clone, Default)]
pub struct ValueSources {
    /// `-f` files: (label shown in messages, contents), in order.
    pub files: Vec<(String, String)>,
    /// `--set` arguments.
    pub set: Vec<String>,
    /// `--set-string` arguments.
    pub set_string: Vec<String>,
    /// `--set-file` arguments.
    pub set_file: Vec<String>,
}

/// Options of a render that are not values.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// Release name (`pachd` by default, as in the chart's examples).
    pub release: Option<String>,
    /// Namespace objects are rendered into.
    pub namespace: String,
    /// Validate every object against the bundled Kubernetes schemas.
    pub validate: bool,
    /// Credentials to reuse instead of generating new ones (name → value).
    pub generated: IndexMap<String, String>,
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self {
            release: None,
            namespace: "default".into(),
            validate: true,
            generated: IndexMap::new(),
        }
    }
}

/// The outcome of a successful render.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The objects, in install order.
    pub manifests: ManifestSet,
    /// Things worth telling the user that did not stop the render.
    pub warnings: Vec<String>,
    /// The typed values the render used.
    pub values: model::Values,
    /// The values the user supplied (without defaults), for release records.
    pub user_values: Node,
}

/// Layers the user's values: files in order, then `--set`, `--set-string`, `--set-file`.
pub fn user_values(
    sources: &ValueSources,
    read_file: &dyn Fn(&str) -> Result<String, String>,
) -> Result<Node, Diagnostic> {
    let mut tree = Node::empty_map();
    for (label, text) in &sources.files {
        values::merge_into(&mut tree, values::parse_values(text, label)?);
    }
    for (kind, args) in [
        (SetKind::Typed, &sources.set),
        (SetKind::String, &sources.set_string),
        (SetKind::File, &sources.set_file),
    ] {
        for arg in args {
            values::apply_set(&mut tree, arg, kind, read_file)?;
        }
    }
    Ok(tree)
}

/// How many problems of the user's values one run reports before stopping.
const MAX_VALUE_ERRORS: usize = 20;

/// Reads the typed values: defaults of `stack` overlaid with the user's tree.
pub fn typed_values(stack: &Stack, user: &Node) -> Result<model::Values, Diagnostic> {
    typed_values_all(stack, user).map_err(|mut all| all.0.swap_remove(0))
}

/// [`typed_values`], reporting every misplaced or mistyped user key at once (a typo'd key,
/// a wrong type, a bad enum value), not only the first: each located problem is set aside
/// (the key falls back to its default) and the rest is read again.
pub fn typed_values_all(stack: &Stack, user: &Node) -> Result<model::Values, Diagnostics> {
    match typed_values_lenient(stack, user) {
        (Some(values), problems, _) if problems.is_empty() => Ok(values),
        (_, problems, _) => Err(Diagnostics(problems)),
    }
}

/// The typed values with every located problem of the user's values set aside (those keys
/// keep their defaults), the problems, and the warnings of [`set_aside_unsupported`]; `None`
/// when a problem could not be set aside.
fn typed_values_lenient(
    stack: &Stack,
    user: &Node,
) -> (Option<model::Values>, Vec<Diagnostic>, Vec<String>) {
    let mut user = user.clone();
    let mut problems = Vec::new();
    loop {
        let mut notes = Vec::new();
        let attempt = set_aside_unsupported(&user, &mut notes).and_then(|supported| {
            let mut full = stack.defaults.clone();
            values::merge_into(&mut full, supported);
            values::from_node(&full)
        });
        match attempt {
            Ok(values) => return (Some(values), problems, notes),
            Err(problem) => {
                let from_user = problem
                    .origin
                    .as_ref()
                    .is_some_and(|o| !matches!(o, values::Origin::Defaults));
                let set_aside = from_user
                    && problems.len() < MAX_VALUE_ERRORS
                    && problem
                        .key_path
                        .as_deref()
                        .is_some_and(|path| user.remove_path(path));
                problems.push(problem);
                if !set_aside {
                    return (None, problems, notes);
                }
            }
        }
    }
}

/// Whether a value asks for nothing: null, false, an empty string, mapping or list, or a
/// mapping of such.
fn is_empty_value(node: &Node) -> bool {
    match &node.value {
        values::Value::Scalar(values::Scalar::Null | values::Scalar::Bool(false)) => true,
        values::Value::Scalar(values::Scalar::String(text)) => text.is_empty(),
        values::Value::Seq(items) => items.is_empty(),
        values::Value::Map(map) => map.values().all(|entry| is_empty_value(&entry.node)),
        _ => false,
    }
}

/// The user's values without the chart sections and keys paddock does not deploy, when they
/// ask for nothing (a section not `enabled: true`; an empty or listed value of a key; an empty
/// `deployTarget`, which means LOCAL as when unset); each one set aside adds a warning to
/// `notes`. One that asks for something is an error naming it.
pub fn set_aside_unsupported(user: &Node, notes: &mut Vec<String>) -> Result<Node, Diagnostic> {
    let mut user = user.clone();
    let located = |entry: &values::Entry| {
        entry
            .key_origin
            .as_ref()
            .map(|o| format!("{o}: "))
            .unwrap_or_default()
    };
    for (section, why) in UNSUPPORTED_SECTIONS {
        let Some(entry) = user.get_path(section) else {
            continue;
        };
        let enabled = entry.node.get_path("enabled").is_some_and(|e| {
            matches!(
                e.node.value,
                values::Value::Scalar(values::Scalar::Bool(true))
            )
        });
        if enabled {
            return Err(Diagnostic::bad_input(format!(
                "unsupported section `{section}` is enabled"
            ))
            .at_path(*section)
            .with_origin(entry.key_origin.clone())
            .with_help(format!("{why}; remove this section or disable it")));
        }
        notes.push(format!("{}`{section}` is ignored: {why}", located(entry)));
        user.remove_path(section);
    }
    for (path, harmless, why) in UNSUPPORTED_KEYS {
        let Some(entry) = user.get_path(path) else {
            continue;
        };
        let text = entry.node.to_json().to_string();
        let inert = is_empty_value(&entry.node) || harmless.contains(&text.trim_matches('"'));
        if !inert {
            return Err(Diagnostic::bad_input(format!("unsupported key `{path}`"))
                .at_path(*path)
                .with_origin(entry.key_origin.clone())
                .with_help(format!("{why}; remove it")));
        }
        notes.push(format!("{}`{path}` is ignored: {why}", located(entry)));
        user.remove_path(path);
    }
    if let Some(entry) = user.get_path("deployTarget")
        && is_empty_value(&entry.node)
    {
        notes.push(format!(
            "{}an empty `deployTarget` means LOCAL",
            located(entry)
        ));
        user.remove_path("deployTarget");
    }
    Ok(user)
}

/// Renders the platform from values: layering, typing, checks, templates, validation.
pub fn render_platform(
    sources: &ValueSources,
    options: &RenderOptions,
    read_file: &dyn Fn(&str) -> Result<String, String>,
) -> Result<Rendered, Diagnostics> {
    if let Some(problem) = crate::names::dns_label_problem(&options.namespace) {
        return Err(
            Diagnostic::bad_input(format!("namespace {:?} {problem}", options.namespace))
                .with_help("fix -n/--namespace")
                .into(),
        );
    }
    let stack = catalog::builtin_stack(STACK)?;
    let inputs = template_inputs(&stack, sources, &options.generated, read_file)?;
    let mut warnings = inputs.warnings;
    let context = TemplateContext {
        values: inputs.values_context,
        release: Release {
            name: options
                .release
                .clone()
                .unwrap_or_else(|| stack.meta.release.clone()),
            namespace: options.namespace.clone(),
        },
        generated: inputs.generated,
        extra: inputs.extra,
    };
    let renderer = StackRenderer::new(&stack, Strictness::Strict, &[])?;
    let mut manifests = renderer.render(&context, render::parse_rendered)?;
    // The compiled templates and the context are done with: validation and output reuse
    // their memory instead of touching new pages.
    drop((renderer, context));
    manifests.sort_for_install();
    if options.validate {
        warnings.extend(manifests.validate()?);
    }
    warnings.extend(stack.warnings.iter().cloned());
    Ok(Rendered {
        manifests,
        warnings,
        values: inputs.values,
        user_values: inputs.user,
    })
}

/// What a stack's templates are rendered from, besides the release: the values read, checked
/// and completed, and the generated credentials and extras.
#[derive(Debug)]
pub struct TemplateInputs {
    /// The user's values tree (origins kept), for records and messages.
    pub user: Node,
    /// The typed values, derived fields filled in.
    pub values: model::Values,
    /// The same values as the templates see them (`values.*`).
    pub values_context: minijinja::Value,
    /// Generated credentials (the `known` ones reused).
    pub generated: IndexMap<String, String>,
    /// Extras computed in Rust (the proxy's Envoy files).
    pub extra: IndexMap<String, serde_json::Value>,
    /// Warnings found on the way (keys without effect, ignored chart sections).
    pub warnings: Vec<String>,
}

/// Reads `sources` for `stack`: layering, typing, checks (type problems and check problems
/// reported together), derived fields, generated credentials and the Envoy extras. Used by
/// `paddock template` and by the service catalog's built-in stack, so both render alike.
pub fn template_inputs(
    stack: &Stack,
    sources: &ValueSources,
    known: &IndexMap<String, String>,
    read_file: &dyn Fn(&str) -> Result<String, String>,
) -> Result<TemplateInputs, Diagnostics> {
    let user = user_values(sources, read_file)?;
    // The checks run on the values with the mistyped keys set aside.
    let (typed, mut problems, mut warnings) = typed_values_lenient(stack, &user);
    let Some(mut typed) = typed else {
        return Err(Diagnostics(problems));
    };
    match checks::check(&typed, &user) {
        Ok(notes) => warnings.extend(notes),
        Err(more) => problems.extend(more.0),
    }
    if !problems.is_empty() {
        return Err(Diagnostics(problems));
    }
    derive::fill_in(&mut typed);
    let values_context = crate::render::template_value(&typed);
    Ok(TemplateInputs {
        generated: generate_credentials(stack, known)?,
        extra: crate::envoy::template_extra(&typed),
        user,
        values: typed,
        values_context,
        warnings,
    })
}

/// Creates the stack's random credentials, reusing any given in `known`.
pub fn generate_credentials(
    stack: &Stack,
    known: &IndexMap<String, String>,
) -> Result<IndexMap<String, String>, Diagnostic> {
    stack
        .meta
        .generated
        .iter()
        .map(|(name, len)| match known.get(name) {
            Some(value) => Ok((name.clone(), value.clone())),
            None => random_alphanumeric(*len).map(|v| (name.clone(), v)),
        })
        .collect()
}

/// A random string of ASCII letters and digits, from the operating system's generator.
pub fn random_alphanumeric(len: usize) -> Result<String, Diagnostic> {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        getrandom::fill(&mut buf)
            .map_err(|e| Diagnostic::failed(format!("no randomness available: {e}")))?;
        // 248 = 4 * 62: rejecting larger bytes keeps every character equally likely.
        for b in buf.iter().filter(|b| **b < 248) {
            if out.len() == len {
                break;
            }
            out.push(CHARS[usize::from(*b) % CHARS.len()] as char);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_files(_: &str) -> Result<String, String> {
        Err("no files in this test".into())
    }

    fn sources(files: &[&str]) -> ValueSources {
        ValueSources {
            files: files
                .iter()
                .enumerate()
                .map(|(i, t)| (format!("v{i}.yaml"), (*t).to_owned()))
                .collect(),
            ..ValueSources::default()
        }
    }

    #[test]
    fn defaults_are_complete_and_typed() {
        let stack = catalog::builtin_stack(STACK).unwrap();
        let typed = typed_values(&stack, &Node::empty_map()).unwrap();
        assert_eq!(typed.deploy_target, model::DeployTarget::Local);
        // Serializing the typed values gives back exactly the defaults' shape.
        assert_eq!(
            serde_json::to_value(&typed).unwrap(),
            stack.defaults.to_json()
        );
    }

    #[test]
    fn set_flags_override_files_in_helm_order() {
        let mut s = sources(&["pachd:\n  logLevel: debug\n", "pachd:\n  logLevel: error\n"]);
        s.set = vec!["pachd.replicas=3".into()];
        s.set_string = vec!["pachd.image.tag=2.11.1".into()];
        let stack = catalog::builtin_stack(STACK).unwrap();
        let typed = typed_values(&stack, &user_values(&s, &no_files).unwrap()).unwrap();
        assert_eq!(typed.pachd.log_level, model::LogLevel::Error);
        assert_eq!(typed.pachd.replicas, 3);
        assert_eq!(typed.pachd.image.tag, "2.11.1");
    }

    #[test]
    fn every_bad_user_key_is_reported_at_once() {
        let stack = catalog::builtin_stack(STACK).unwrap();
        let user = user_values(
            &sources(&[
                "pachd:\n  exernalService: {enabled: true}\n  replicas: many\nproxxy: {}\ndeployTarget: FOO\n",
            ]),
            &no_files,
        )
        .unwrap();
        let all = typed_values_all(&stack, &user).unwrap_err();
        let mut paths: Vec<&str> = all.0.iter().filter_map(|d| d.key_path.as_deref()).collect();
        paths.sort();
        assert_eq!(
            paths,
            [
                "deployTarget",
                "pachd.exernalService",
                "pachd.replicas",
                "proxxy"
            ]
        );
        assert!(all.0.iter().all(|d| d.origin.is_some()), "{all}");
        // The single-error form stops at the first of them.
        assert!(typed_values(&stack, &user).is_err());
        // Good values read in one pass.
        assert!(typed_values_all(&stack, &Node::empty_map()).is_ok());
    }

    #[test]
    fn unsupported_sections_are_set_aside_unless_enabled() {
        let stack = catalog::builtin_stack(STACK).unwrap();
        let user = user_values(
            &sources(&["deployTarget: LOCAL\nloki-stack:\n  loki: {}\ndeterminedd: {}\n"]),
            &no_files,
        )
        .unwrap();
        // A typo next to an ignored section is still reported.
        let err = typed_values(&stack, &user).unwrap_err();
        assert_eq!(err.key_path.as_deref(), Some("determinedd"));
        let user = user_values(
            &sources(&["loki-stack:\n  loki: {}\ndetermined:\n  enabled: false\n"]),
            &no_files,
        )
        .unwrap();
        assert!(typed_values(&stack, &user).is_ok());
        let mut notes = Vec::new();
        set_aside_unsupported(&user, &mut notes).unwrap();
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(
            notes[0].starts_with("v0.yaml:1:1: `loki-stack` is ignored"),
            "{notes:?}"
        );
        let user = user_values(&sources(&["determined:\n  enabled: true\n"]), &no_files).unwrap();
        let err = typed_values(&stack, &user).unwrap_err();
        assert_eq!(err.key_path.as_deref(), Some("determined"));
        assert_eq!(err.origin.unwrap().to_string(), "v0.yaml:1:1");
    }

    #[test]
    fn harmless_chart_keys_are_dropped_others_rejected() {
        let stack = catalog::builtin_stack(STACK).unwrap();
        for harmless in [
            "pachd:\n  lokiDeploy: false\n",
            "pachd:\n  lokiDeploy: true\n",
            "pachd:\n  determined: {apiEndpoint: '', credentialsSecretName: ''}\n",
            "console:\n  config:\n    pachdAddress: pachd-peer:30653\n",
            "deployTarget: ''\n",
        ] {
            let user = user_values(&sources(&[harmless]), &no_files).unwrap();
            assert!(typed_values(&stack, &user).is_ok(), "{harmless}");
        }
        let user = user_values(
            &sources(&["pachd:\n  determined: {apiEndpoint: 'https://det'}\n"]),
            &no_files,
        )
        .unwrap();
        let err = typed_values(&stack, &user).unwrap_err();
        assert_eq!(err.key_path.as_deref(), Some("pachd.determined"));
        assert!(err.help.unwrap().contains("does not deploy Determined"));
    }

    #[test]
    fn generated_credentials_are_random_unless_known() {
        let stack = catalog::builtin_stack(STACK).unwrap();
        let known = IndexMap::from([("rootToken".to_owned(), "kept".to_owned())]);
        let a = generate_credentials(&stack, &known).unwrap();
        let b = generate_credentials(&stack, &known).unwrap();
        assert_eq!(a["rootToken"], "kept");
        let (name, len) = stack
            .meta
            .generated
            .iter()
            .find(|(n, _)| *n != "rootToken")
            .unwrap();
        assert_eq!(a[name].len(), *len);
        assert!(a[name].chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a[name], b[name]);
    }
}
