//! Stacks of services: OpenPAI-style service directories (`<name>/deploy/service.yaml` plus
//! templates), their metadata, and the prerequisite graph that orders them.

use std::collections::{BTreeMap, HashMap};

use indexmap::IndexMap;
use serde::Deserialize;

use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::values::{self, Node, Scalar, Value};

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
    /// Declared cluster type (`k8s`), informational.
    pub cluster_type: Option<String>,
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
    /// Every file of the stack.
    pub files: FileTree,
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
    Stack::from_files(&format!("<built-in>/{name}"), files)
}

impl Stack {
    /// Builds a stack from its files; `label` names it in messages (a path or `<built-in>/x`).
    pub fn from_files(label: &str, files: FileTree) -> Result<Stack, Diagnostic> {
        let meta_text = files
            .get("stack.yaml")
            .ok_or_else(|| Diagnostic::bad_input(format!("{label}/stack.yaml is missing")))?;
        let meta_node = values::parse_values(meta_text, &format!("{label}/stack.yaml"))?;
        let meta: StackMeta = values::from_node(&meta_node)?;
        let defaults = match files.get("values.yaml") {
            Some(text) => values::parse_values(text, &format!("{label}/values.yaml"))?,
            None => Node::empty_map(),
        };
        let mut warnings = Vec::new();
        let mut services = IndexMap::new();
        for (path, text) in &files {
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
            let spec = parse_service_spec(text, &file_label, &mut warnings)?;
            for template in &spec.template_list {
                let source = format!("{deploy_dir}/{template}.template");
                if !files.contains_key(&source) {
                    return Err(Diagnostic::bad_input(format!(
                        "template-list names {template:?} but {label}/{source} does not exist"
                    ))
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
        let stack = Stack {
            meta,
            defaults,
            files,
            services,
            warnings,
        };
        stack.check_prerequisites(false)?;
        Ok(stack)
    }

    /// Checks that every prerequisite names a service of this stack; with `allow_missing`,
    /// returns the unknown ones instead of failing.
    pub fn check_prerequisites(&self, allow_missing: bool) -> Result<Vec<String>, Diagnostic> {
        let mut missing = Vec::new();
        for service in self.services.values() {
            for prerequisite in &service.spec.prerequisite {
                if self.services.contains_key(prerequisite) {
                    continue;
                }
                if allow_missing {
                    missing.push(format!(
                        "{} needs unknown service {prerequisite:?}",
                        service.name
                    ));
                    continue;
                }
                let mut d = Diagnostic::bad_input(format!(
                    "service {:?} has unknown prerequisite {prerequisite:?}",
                    service.name
                ))
                .at_path(format!("{}/service.yaml: prerequisite", service.deploy_dir));
                if let Some(best) =
                    did_you_mean(prerequisite, self.services.keys().map(String::as_str))
                {
                    d = d.with_help(format!("did you mean `{best}`?"));
                }
                return Err(d);
            }
        }
        Ok(missing)
    }

    /// Groups services into waves: each wave only needs services of earlier waves.
    /// A cycle is an error that prints it (`a -> b -> a`).
    pub fn waves(&self) -> Result<Vec<Vec<&Service>>, Diagnostic> {
        let mut level: HashMap<&str, usize> = HashMap::new();
        for name in self.services.keys() {
            let mut stack = Vec::new();
            self.level_of(name, &mut level, &mut stack)?;
        }
        let depth = level.values().copied().max().map_or(0, |m| m + 1);
        let mut waves: Vec<Vec<&Service>> = vec![Vec::new(); depth];
        for service in self.services.values() {
            waves[level[service.name.as_str()]].push(service);
        }
        Ok(waves)
    }

    fn level_of<'a>(
        &'a self,
        name: &'a str,
        level: &mut HashMap<&'a str, usize>,
        stack: &mut Vec<&'a str>,
    ) -> Result<usize, Diagnostic> {
        if let Some(l) = level.get(name) {
            return Ok(*l);
        }
        if let Some(pos) = stack.iter().position(|n| *n == name) {
            let mut cycle: Vec<&str> = stack[pos..].to_vec();
            cycle.push(name);
            return Err(Diagnostic::bad_input(format!(
                "prerequisites form a cycle: {}",
                cycle.join(" -> ")
            )));
        }
        let Some(service) = self.services.get(name) else {
            return Ok(0);
        };
        stack.push(name);
        let mut mine = 0;
        for prerequisite in &service.spec.prerequisite {
            if self.services.contains_key(prerequisite) {
                mine = mine.max(self.level_of(prerequisite, level, stack)? + 1);
            }
        }
        stack.pop();
        level.insert(name, mine);
        Ok(mine)
    }

    /// Services in dependency order (waves flattened).
    pub fn ordered_services(&self) -> Result<Vec<&Service>, Diagnostic> {
        Ok(self.waves()?.into_iter().flatten().collect())
    }
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
    let node = values::parse_values(text, file)?;
    let mut spec = ServiceSpec::default();
    let Value::Map(map) = &node.value else {
        unreachable!("parse_values returns a mapping")
    };
    for (key, entry) in map {
        let at = |d: Diagnostic| {
            d.at_path(key.clone())
                .with_origin(entry.node.origin.clone())
        };
        match key.as_str() {
            "prerequisite" => spec.prerequisite = string_list(&entry.node).map_err(at)?,
            "template-list" => spec.template_list = string_list(&entry.node).map_err(at)?,
            "cluster-type" => spec.cluster_type = Some(string_value(&entry.node).map_err(at)?),
            "deploy-rules" => spec.deploy_rules = deploy_rules(&entry.node, file)?,
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
        assert_eq!(spec.cluster_type.as_deref(), Some("k8s"));
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
