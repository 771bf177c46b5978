//! Stacks of services: OpenPAI-style service directories (`<name>/deploy/service.yaml` plus
//! templates), their metadata, and the prerequisite graph that orders them.
//!
//! [`Stack`] is one built-in stack; [`Catalog`] layers the built-in stack and the user's
//! `--services` directories into one set of services (a user service overrides a built-in of
//! the same name) and answers the graph questions: waves, selections, reverse order.

mod graph;
mod roots;

use std::collections::BTreeMap;
use std::sync::Arc;

use indexmap::IndexMap;
use serde::Deserialize;

use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::values::{self, Node, Origin, Scalar, Value};

pub use graph::{Direction, Selection, cycle_diagnostic, levels};
pub use roots::{
    Catalog, CatalogOptions, CatalogService, RootKind, ServiceRoot, read_service_root,
};

include!(concat!(env!("OUT_DIR"), "/builtin_stacks.rs"));

/// The files of one stack, keyed by path relative to the stack's root (`/`-separated).
pub type FileTree = BTreeMap<String, String>;

/// Stack-wide metadata from `stack.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StackMeta {
    /// The stack's name.
    pub name: String,
    /// One line describing it.
    pub description: String,
    /// Default release name.
    pub release: String,
    /// Random credentials the renderer creates: name → length.
    #[serde(default)]
    pub generated: IndexMap<String, usize>,
}

/// A scheduling rule from `deploy-rules`: run on nodes that have (or lack) a layout label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeployRule {
    /// `in: LABEL`
    In(String),
    /// `notin: LABEL`
    NotIn(String),
}

/// A service's `deploy/service.yaml`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceSpec {
    /// Services that must be running first.
    pub prerequisite: Vec<String>,
    /// Files rendered from `<file>.template`, relative to `deploy/`.
    pub template_list: Vec<String>,
    /// Operator scripts by operator name (`start`, `stop`, `delete`, `refresh`).
    pub scripts: BTreeMap<String, String>,
    /// Node placement rules.
    pub deploy_rules: Vec<DeployRule>,
    /// Declared cluster types (`k8s`; OpenPAI also had `yarn`); empty when not declared.
    pub cluster_type: Vec<String>,
    /// Where each entry was written, for messages.
    pub origins: SpecOrigins,
}

/// File positions of a service.yaml's list entries (same order as the lists they describe).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SpecOrigins {
    /// The service.yaml itself, as named in messages.
    pub file: String,
    /// One per `prerequisite` entry.
    pub prerequisite: Vec<Option<Origin>>,
    /// One per `template-list` entry.
    pub template_list: Vec<Option<Origin>>,
    /// One per `deploy-rules` entry.
    pub deploy_rules: Vec<Option<Origin>>,
}

impl ServiceSpec {
    /// Whether the service runs on Kubernetes: `cluster-type` is absent or lists `k8s`.
    pub fn is_for_kubernetes(&self) -> bool {
        self.cluster_type.is_empty()
            || self
                .cluster_type
                .iter()
                .any(|t| t.eq_ignore_ascii_case("k8s"))
    }
}

impl DeployRule {
    /// The layout label the rule is about.
    pub fn label(&self) -> &str {
        match self {
            DeployRule::In(label) | DeployRule::NotIn(label) => label,
        }
    }

    /// The rule as written in service.yaml (`in: pai-master`).
    pub fn describe(&self) -> String {
        match self {
            DeployRule::In(label) => format!("in: {label}"),
            DeployRule::NotIn(label) => format!("notin: {label}"),
        }
    }
}

/// One service of a stack.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    /// The service's name (its directory's name).
    pub name: String,
    /// Its `deploy/` directory, relative to the stack root.
    pub deploy_dir: String,
    /// What its service.yaml says.
    pub spec: ServiceSpec,
}

/// A loaded stack: metadata, defaults, files and services.
#[derive(Debug, Clone)]
pub struct Stack {
    /// Metadata from stack.yaml.
    pub meta: StackMeta,
    /// Default values (values.yaml at the stack root).
    pub defaults: Node,
    /// Every file of the stack (shared with the template environments that read it).
    pub files: Arc<FileTree>,
    /// Services by name, in discovery order (sorted by path).
    pub services: IndexMap<String, Service>,
    /// Non-fatal notes found while loading (unknown service.yaml keys, ...).
    pub warnings: Vec<String>,
}

/// Names of the stacks built into the binary.
pub fn builtin_stack_names() -> Vec<&'static str> {
    let mut names: Vec<&str> = BUILTIN_STACK_FILES
        .iter()
        .filter_map(|(path, _)| path.strip_suffix("/stack.yaml"))
        .filter(|name| !name.contains('/'))
        .collect();
    names.dedup();
    names
}

/// Loads a built-in stack by name.
pub fn builtin_stack(name: &str) -> Result<Stack, Diagnostic> {
    let prefix = format!("{name}/");
    let files: FileTree = BUILTIN_STACK_FILES
        .iter()
        .filter_map(|(path, text)| {
            path.strip_prefix(&prefix)
                .map(|p| (p.to_owned(), (*text).to_owned()))
        })
        .collect();
    if files.is_empty() {
        let names = builtin_stack_names();
        let mut d = Diagnostic::bad_input(format!("no built-in stack named {name:?}"));
        d = d.with_help(match did_you_mean(name, names.iter().copied()) {
            Some(best) => format!("did you mean `{best}`?"),
            None => format!("built-in stacks: {}", names.join(", ")),
        });
        return Err(d);
    }
    Stack::from_files_with(&format!("<built-in>/{name}"), files, parse_builtin_values)
}

/// Reads a built-in stack's YAML file (stack.yaml, values.yaml, service.yaml): the tree the
/// build read from exactly this text ([`values::static_tree`]; its keys and values get
/// [`Origin::Defaults`]), else through [`values::parse_values`] (a file the build's fast
/// reader declined, such as one with several documents).
pub fn parse_builtin_values(text: &str, file: &str) -> Result<Node, Diagnostic> {
    match values::static_tree::builtin_tree(text) {
        Some(tree) => Ok(Node::from_static(tree, &Some(Origin::Defaults))),
        None => values::parse_values(text, file),
    }
}

/// How a stack's YAML files are read into trees: `(text, file label)`.
type ParseValues = fn(&str, &str) -> Result<Node, Diagnostic>;

impl Stack {
    /// Builds a stack from its files; `label` names it in messages (a path or `<built-in>/x`).
    pub fn from_files(label: &str, files: FileTree) -> Result<Stack, Diagnostic> {
        Self::from_files_with(label, files, values::parse_values)
    }

    /// [`Stack::from_files`] reading its YAML files with `parse`.
    fn from_files_with(
        label: &str,
        files: FileTree,
        parse: ParseValues,
    ) -> Result<Stack, Diagnostic> {
        let meta_text = files
            .get("stack.yaml")
            .ok_or_else(|| Diagnostic::bad_input(format!("{label}/stack.yaml is missing")))?;
        let meta_node = parse(meta_text, &format!("{label}/stack.yaml"))?;
        let meta: StackMeta = values::from_node(&meta_node)?;
        let defaults = match files.get("values.yaml") {
            Some(text) => parse(text, &format!("{label}/values.yaml"))?,
            None => Node::empty_map(),
        };
        let mut warnings = Vec::new();
        let services = discover_services_with(label, &files, &mut warnings, parse)?;
        let stack = Stack {
            meta,
            defaults,
            files: Arc::new(files),
            services,
            warnings,
        };
        stack.check_prerequisites(false)?;
        Ok(stack)
    }

    /// Checks that every prerequisite names a service of this stack; with `allow_missing`,
    /// returns the unknown ones instead of failing.
    pub fn check_prerequisites(&self, allow_missing: bool) -> Result<Vec<String>, Diagnostic> {
        check_prerequisites(self.services.values(), allow_missing, |name| {
            self.services.contains_key(name)
        })
    }

    /// Groups services into waves: each wave only needs services of earlier waves.
    /// A cycle is an error that prints it (`a -> b -> a`).
    pub fn waves(&self) -> Result<Vec<Vec<&Service>>, Diagnostic> {
        let level =
            levels(&self.services, |s| s.spec.prerequisite.as_slice()).map_err(|cycle| {
                cycle_diagnostic(&cycle, |name| self.services[name].spec.origins.file.clone())
            })?;
        let depth = level.iter().copied().max().map_or(0, |m| m + 1);
        let mut waves: Vec<Vec<&Service>> = vec![Vec::new(); depth];
        for (service, l) in self.services.values().zip(level) {
            waves[l].push(service);
        }
        Ok(waves)
    }

    /// Services in dependency order (waves flattened).
    pub fn ordered_services(&self) -> Result<Vec<&Service>, Diagnostic> {
        Ok(self.waves()?.into_iter().flatten().collect())
    }
}

/// Finds every `<dir>/deploy/service.yaml` of a file tree and reads it; `label` prefixes the
/// paths shown in messages. Checks that each template-list entry has its `.template` file.
pub fn discover_services(
    label: &str,
    files: &FileTree,
    warnings: &mut Vec<String>,
) -> Result<IndexMap<String, Service>, Diagnostic> {
    discover_services_with(label, files, warnings, values::parse_values)
}

/// [`discover_services`] reading each service.yaml with `parse`.
fn discover_services_with(
    label: &str,
    files: &FileTree,
    warnings: &mut Vec<String>,
    parse: ParseValues,
) -> Result<IndexMap<String, Service>, Diagnostic> {
    let mut services: IndexMap<String, Service> = IndexMap::new();
    for (path, text) in files {
        let Some(deploy_dir) = path.strip_suffix("/service.yaml") else {
            continue;
        };
        let Some(service_dir) = deploy_dir
            .strip_suffix("/deploy")
            .or_else(|| (deploy_dir == "deploy").then_some(""))
        else {
            continue;
        };
        let name = service_dir
            .rsplit('/')
            .next()
            .unwrap_or(service_dir)
            .to_owned();
        if name.is_empty() {
            continue;
        }
        let file_label = format!("{label}/{path}");
        let spec = service_spec(&parse(text, &file_label)?, &file_label, warnings)?;
        for (template, origin) in spec.template_list.iter().zip(&spec.origins.template_list) {
            if !is_relative_inside(template) {
                return Err(Diagnostic::bad_input(format!(
                    "template-list entry {template:?} must be a path inside deploy/ (no `..`, not absolute)"
                ))
                .with_origin(origin.clone()));
            }
            let source = format!("{deploy_dir}/{template}.template");
            if !files.contains_key(&source) {
                return Err(Diagnostic::bad_input(format!(
                    "template-list names {template:?} but {label}/{source} does not exist"
                ))
                .with_origin(origin.clone())
                .with_help(format!("create {template}.template next to {file_label}")));
            }
        }
        if let Some(previous) = services.insert(
            name.clone(),
            Service {
                name: name.clone(),
                deploy_dir: deploy_dir.to_owned(),
                spec,
            },
        ) {
            return Err(Diagnostic::bad_input(format!(
                "two services are named {name:?}: {label}/{} and {file_label}",
                previous.deploy_dir
            )));
        }
    }
    Ok(services)
}

/// Whether `path` is a relative path that stays inside its directory (no `..`, no leading `/`).
pub fn is_relative_inside(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && !path.contains('\\')
        && path
            .split('/')
            .all(|part| !part.is_empty() && part != ".." && part != ".")
}

/// Checks that every prerequisite of `services` is known (`exists`); with `allow_missing`,
/// returns the unknown ones as notes instead of failing.
pub fn check_prerequisites<'a>(
    services: impl Iterator<Item = &'a Service> + Clone,
    allow_missing: bool,
    exists: impl Fn(&str) -> bool,
) -> Result<Vec<String>, Diagnostic> {
    let mut missing = Vec::new();
    for service in services.clone() {
        for (i, prerequisite) in service.spec.prerequisite.iter().enumerate() {
            if exists(prerequisite) {
                continue;
            }
            if allow_missing {
                missing.push(format!(
                    "{} needs unknown service {prerequisite:?}",
                    service.name
                ));
                continue;
            }
            let origin = service.spec.origins.prerequisite.get(i).cloned().flatten();
            let mut d = Diagnostic::bad_input(format!(
                "service {:?} has unknown prerequisite {prerequisite:?}",
                service.name
            ))
            .at_path(format!("prerequisite[{i}]"))
            .with_origin(origin.or_else(|| {
                Some(Origin::File {
                    file: service.spec.origins.file.as_str().into(),
                    line: 1,
                    column: 1,
                })
            }));
            let names: Vec<&str> = services
                .clone()
                .map(|s| s.name.as_str())
                .filter(|n| exists(n))
                .collect();
            d = d.with_help(match did_you_mean(prerequisite, names.iter().copied()) {
                Some(best) => format!("did you mean `{best}`?"),
                None => "name a service of the catalog, or pass --allow-missing if the tree does not ship it".to_owned(),
            });
            return Err(d);
        }
    }
    Ok(missing)
}

const SCRIPT_KEYS: [(&str, &str); 4] = [
    ("start-script", "start"),
    ("stop-script", "stop"),
    ("delete-script", "delete"),
    ("refresh-script", "refresh"),
];

/// Parses a service.yaml; unknown keys become warnings (OpenPAI trees carry extra ones).
pub fn parse_service_spec(
    text: &str,
    file: &str,
    warnings: &mut Vec<String>,
) -> Result<ServiceSpec, Diagnostic> {
    service_spec(&values::parse_values(text, file)?, file, warnings)
}

/// Reads a parsed service.yaml (a mapping).
fn service_spec(
    node: &Node,
    file: &str,
    warnings: &mut Vec<String>,
) -> Result<ServiceSpec, Diagnostic> {
    let mut spec = ServiceSpec::default();
    spec.origins.file = file.to_owned();
    let Value::Map(map) = &node.value else {
        unreachable!("parse_values returns a mapping")
    };
    for (key, entry) in map {
        let at = |d: Diagnostic| {
            d.at_path(key.clone())
                .with_origin(entry.node.origin.clone())
        };
        let item_origins = |node: &Node| match &node.value {
            Value::Seq(items) => items
                .iter()
                .map(|i| i.origin.clone().or_else(|| node.origin.clone()))
                .collect(),
            _ => Vec::new(),
        };
        match key.as_str() {
            "prerequisite" => {
                spec.prerequisite = string_list(&entry.node).map_err(at)?;
                spec.origins.prerequisite = item_origins(&entry.node);
            }
            "template-list" => {
                spec.template_list = string_list(&entry.node).map_err(at)?;
                spec.origins.template_list = item_origins(&entry.node);
            }
            "cluster-type" => {
                spec.cluster_type = match &entry.node.value {
                    Value::Seq(_) => string_list(&entry.node).map_err(at)?,
                    _ => vec![string_value(&entry.node).map_err(at)?],
                }
            }
            "deploy-rules" => {
                spec.deploy_rules = deploy_rules(&entry.node, file)?;
                spec.origins.deploy_rules = item_origins(&entry.node);
            }
            other => {
                if let Some((_, op)) = SCRIPT_KEYS.iter().find(|(k, _)| *k == other) {
                    spec.scripts
                        .insert((*op).to_owned(), string_value(&entry.node).map_err(at)?);
                } else {
                    let origin = entry
                        .key_origin
                        .as_ref()
                        .map(|o| o.to_string())
                        .unwrap_or_else(|| file.to_owned());
                    warnings.push(format!(
                        "{origin}: unknown service.yaml key `{other}` is ignored"
                    ));
                }
            }
        }
    }
    Ok(spec)
}

fn string_value(node: &Node) -> Result<String, Diagnostic> {
    match &node.value {
        Value::Scalar(Scalar::String(s)) => Ok(s.clone()),
        Value::Scalar(Scalar::Int(i)) => Ok(i.to_string()),
        _ => Err(Diagnostic::bad_input(format!(
            "expected a string, got {}",
            node.describe()
        ))),
    }
}

fn string_list(node: &Node) -> Result<Vec<String>, Diagnostic> {
    match &node.value {
        Value::Seq(items) => items.iter().map(string_value).collect(),
        Value::Scalar(Scalar::Null) => Ok(Vec::new()),
        _ => Err(Diagnostic::bad_input(format!(
            "expected a list, got {}",
            node.describe()
        ))),
    }
}

fn deploy_rules(node: &Node, file: &str) -> Result<Vec<DeployRule>, Diagnostic> {
    let items = match &node.value {
        Value::Seq(items) => items.as_slice(),
        Value::Scalar(Scalar::Null) => &[],
        _ => {
            return Err(Diagnostic::bad_input(format!(
                "expected a list of rules, got {}",
                node.describe()
            ))
            .at_path("deploy-rules")
            .with_origin(node.origin.clone()));
        }
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let bad = || {
                Diagnostic::bad_input("a rule is `in: LABEL` or `notin: LABEL`")
                    .at_path(format!("deploy-rules[{i}]"))
                    .with_origin(item.origin.clone().or_else(|| node.origin.clone()))
                    .with_help(format!("fix {file}"))
            };
            let map = item.as_map().filter(|m| m.len() == 1).ok_or_else(bad)?;
            let (op, entry) = map.iter().next().ok_or_else(bad)?;
            let label = string_value(&entry.node).map_err(|_| bad())?;
            match op.as_str() {
                "in" => Ok(DeployRule::In(label)),
                "notin" => Ok(DeployRule::NotIn(label)),
                _ => Err(bad()),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(entries: &[(&str, &str)]) -> FileTree {
        let mut files: FileTree = entries
            .iter()
            .map(|(p, t)| ((*p).to_owned(), (*t).to_owned()))
            .collect();
        files.insert(
            "stack.yaml".into(),
            "name: t\ndescription: test\nrelease: r\n".into(),
        );
        files
    }

    #[test]
    fn parses_openpai_service_yaml() {
        let mut warnings = Vec::new();
        let spec = parse_service_spec(
            "prerequisite: [a, b]\ntemplate-list:\n  - x.yaml\n  - sub/y.sh\nstart-script: start.sh\ndeploy-rules:\n  - in: pai-master\n  - notin: no-drivers\nupgraded-script: up.sh\ncluster-type: k8s\n",
            "svc/deploy/service.yaml",
            &mut warnings,
        )
        .unwrap();
        assert_eq!(spec.prerequisite, ["a", "b"]);
        assert_eq!(spec.template_list, ["x.yaml", "sub/y.sh"]);
        assert_eq!(spec.scripts["start"], "start.sh");
        assert_eq!(
            spec.deploy_rules,
            [
                DeployRule::In("pai-master".into()),
                DeployRule::NotIn("no-drivers".into())
            ]
        );
        assert_eq!(spec.cluster_type, ["k8s"]);
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("upgraded-script"), "{warnings:?}");
    }

    #[test]
    fn bad_rule_names_file_and_index() {
        let err = parse_service_spec(
            "deploy-rules:\n  - on: x\n",
            "s/deploy/service.yaml",
            &mut Vec::new(),
        )
        .unwrap_err();
        assert_eq!(err.key_path.as_deref(), Some("deploy-rules[0]"));
        assert!(err.to_string().contains("s/deploy/service.yaml"), "{err}");
    }

    #[test]
    fn waves_follow_prerequisites() {
        let stack = Stack::from_files(
            "t",
            tree(&[
                ("db/deploy/service.yaml", ""),
                ("cache/deploy/service.yaml", ""),
                ("api/deploy/service.yaml", "prerequisite: [db, cache]\n"),
                ("web/deploy/service.yaml", "prerequisite: [api]\n"),
            ]),
        )
        .unwrap();
        let waves: Vec<Vec<&str>> = stack
            .waves()
            .unwrap()
            .iter()
            .map(|w| w.iter().map(|s| s.name.as_str()).collect())
            .collect();
        assert_eq!(waves, vec![vec!["cache", "db"], vec!["api"], vec!["web"]]);
    }

    #[test]
    fn cycles_are_printed() {
        let stack = Stack::from_files(
            "t",
            tree(&[
                ("a/deploy/service.yaml", "prerequisite: [b]\n"),
                ("b/deploy/service.yaml", "prerequisite: [c]\n"),
                ("c/deploy/service.yaml", "prerequisite: [a]\n"),
            ]),
        );
        let err = stack.unwrap().waves().unwrap_err();
        assert_eq!(err.message, "prerequisites form a cycle: a -> b -> c -> a");
    }

    #[test]
    fn unknown_prerequisite_and_missing_template_are_errors() {
        let err = Stack::from_files(
            "t",
            tree(&[
                ("api/deploy/service.yaml", "prerequisite: [dbb]\n"),
                ("db/deploy/service.yaml", ""),
            ]),
        )
        .unwrap_err();
        assert!(
            err.message.contains("unknown prerequisite \"dbb\""),
            "{err}"
        );
        assert_eq!(err.help.as_deref(), Some("did you mean `db`?"));
        let err = Stack::from_files(
            "t",
            tree(&[("api/deploy/service.yaml", "template-list: [a.yaml]\n")]),
        )
        .unwrap_err();
        assert!(
            err.message
                .contains("api/deploy/a.yaml.template does not exist"),
            "{err}"
        );
    }
}
