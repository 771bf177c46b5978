//! `layout.yaml`: the cluster's machines and their labels (OpenPAI's format), the node labels
//! paddock keeps in sync with it, and the deploy-rules checks against it.

use std::collections::{BTreeMap, BTreeSet};

use indexmap::IndexMap;

use crate::catalog::{CatalogService, DeployRule};
use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::values::{self, Node, Origin, Scalar, Value};

/// Machine keys that describe the machine; every other key of a machine is a label.
pub const MACHINE_FIELDS: &[&str] = &[
    "hostname",
    "hostip",
    "ip",
    "nodename",
    "machine-type",
    "k8s-role",
    "etcdid",
    "zkid",
    "docker-data",
    "sshport",
    "username",
    "password",
    "keyfile-path",
];

/// Top-level keys of layout.yaml.
pub const LAYOUT_KEYS: &[&str] = &["machine-list", "machine-sku", "kubernetes"];

/// One machine of `machine-list`.
#[derive(Debug, Clone, PartialEq)]
pub struct Machine {
    /// `hostname`.
    pub hostname: String,
    /// The Kubernetes node name (`nodename`, else the hostname).
    pub node_name: String,
    /// `hostip` (or `ip`), when given.
    pub ip: Option<String>,
    /// Labels in file order: name → true/false.
    pub labels: IndexMap<String, bool>,
    /// Where the machine's entry starts.
    pub origin: Option<Origin>,
}

impl Machine {
    /// Whether the machine has `label` set to true.
    pub fn has(&self, label: &str) -> bool {
        self.labels.get(label).copied().unwrap_or(false)
    }

    /// Whether the machine satisfies every rule.
    pub fn matches(&self, rules: &[DeployRule]) -> bool {
        rules.iter().all(|rule| match rule {
            DeployRule::In(label) => self.has(label),
            DeployRule::NotIn(label) => !self.has(label),
        })
    }
}

/// A parsed, checked layout.yaml.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// The file as named in messages.
    pub file: String,
    /// The machines, in file order.
    pub machines: Vec<Machine>,
    /// The whole file as plain data, for templates (`layout["machine-list"]`).
    pub raw: serde_json::Value,
}

/// The labels one node should carry: `set` to "true", `remove` the others layout.yaml uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeLabels {
    /// The Kubernetes node name.
    pub node: String,
    /// The machine's IP, when layout.yaml gives one (for the plan only).
    pub ip: Option<String>,
    /// Labels to set to "true".
    pub set: Vec<String>,
    /// Labels to remove (false or absent on this machine, used on another).
    pub remove: Vec<String>,
}

impl Layout {
    /// Parses layout.yaml text; `file` names it in messages. Unknown top-level keys are
    /// returned as warnings.
    pub fn parse(text: &str, file: &str, warnings: &mut Vec<String>) -> Result<Layout, Diagnostic> {
        let root = values::parse_values(text, file)?;
        let map = root.as_map().expect("parse_values returns a mapping");
        for (key, entry) in map {
            if !LAYOUT_KEYS.contains(&key.as_str()) {
                let at = entry
                    .key_origin
                    .as_ref()
                    .map_or_else(|| file.to_owned(), |o| o.to_string());
                warnings.push(format!("{at}: unknown layout.yaml key `{key}` is ignored"));
            }
        }
        let list = map.get("machine-list").ok_or_else(|| {
            Diagnostic::bad_input(format!("{file} has no `machine-list`"))
                .with_origin(root.origin.clone())
                .with_help("list the cluster's machines: machine-list: [{hostname: ..., hostip: ..., pai-master: \"true\"}]")
        })?;
        let Value::Seq(items) = &list.node.value else {
            return Err(Diagnostic::bad_input(format!(
                "machine-list must be a list of machines, got {}",
                list.node.describe()
            ))
            .at_path("machine-list")
            .with_origin(list.node.origin.clone()));
        };
        if items.is_empty() {
            return Err(
                Diagnostic::bad_input(format!("{file}: machine-list is empty"))
                    .at_path("machine-list")
                    .with_origin(list.node.origin.clone()),
            );
        }
        let skus: Vec<String> = map
            .get("machine-sku")
            .and_then(|e| e.node.as_map())
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        let mut machines: Vec<Machine> = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let machine = parse_machine(item, index, &skus)?;
            for other in &machines {
                let clash = if other.hostname == machine.hostname {
                    Some(format!("hostname {:?}", machine.hostname))
                } else if other.node_name == machine.node_name {
                    Some(format!("node name {:?}", machine.node_name))
                } else if other.ip.is_some() && other.ip == machine.ip {
                    Some(format!("IP {}", machine.ip.as_deref().unwrap_or_default()))
                } else {
                    None
                };
                if let Some(what) = clash {
                    let first = other
                        .origin
                        .as_ref()
                        .map_or_else(String::new, |o| format!(" (first at {o})"));
                    return Err(Diagnostic::bad_input(format!(
                        "machine {:?}: {what} is used by two machines{first}",
                        machine.hostname
                    ))
                    .at_path(format!("machine-list[{index}]"))
                    .with_origin(machine.origin.clone())
                    .with_help("every machine needs its own hostname, node name and IP"));
                }
            }
            machines.push(machine);
        }
        Ok(Layout {
            file: file.to_owned(),
            machines,
            raw: root.to_json(),
        })
    }

    /// Every label any machine mentions (true or false), sorted.
    pub fn labels(&self) -> BTreeSet<&str> {
        self.machines
            .iter()
            .flat_map(|m| m.labels.keys().map(String::as_str))
            .collect()
    }

    /// Nodes matching all `rules`.
    pub fn eligible(&self, rules: &[DeployRule]) -> Vec<&Machine> {
        self.machines.iter().filter(|m| m.matches(rules)).collect()
    }

    /// The labels each node should carry after a sync: every label layout.yaml uses is set on
    /// the machines where it is true and removed from all others.
    pub fn desired_node_labels(&self) -> Vec<NodeLabels> {
        let all = self.labels();
        self.machines
            .iter()
            .map(|m| {
                let (set, remove): (Vec<&str>, Vec<&str>) = all.iter().partition(|l| m.has(l));
                NodeLabels {
                    node: m.node_name.clone(),
                    ip: m.ip.clone(),
                    set: set.into_iter().map(str::to_owned).collect(),
                    remove: remove.into_iter().map(str::to_owned).collect(),
                }
            })
            .collect()
    }
}

/// Checks the services' deploy-rules against the layout: every rule's label must be one
/// layout.yaml uses, and an `in` rule needs at least one machine with that label. Returns
/// warnings for services that no machine satisfies as a whole.
pub fn check_rules(
    layout: Option<&Layout>,
    services: &[&CatalogService],
) -> Result<Vec<String>, Diagnostic> {
    let mut warnings = Vec::new();
    for entry in services {
        let spec = &entry.service.spec;
        for (i, rule) in spec.deploy_rules.iter().enumerate() {
            let origin = spec.origins.deploy_rules.get(i).cloned().flatten();
            let name = &entry.service.name;
            let Some(layout) = layout else {
                return Err(Diagnostic::bad_input(format!(
                    "service {name:?} has deploy-rules ({}) but no layout.yaml was given",
                    rule.describe()
                ))
                .with_origin(origin)
                .with_help("pass -p DIR, a cluster config directory with layout.yaml"));
            };
            let labels = layout.labels();
            let label = rule.label();
            if !labels.contains(label) {
                return Err(Diagnostic::bad_input(format!(
                    "service {name:?}: deploy-rules label `{label}` is not used in {}",
                    layout.file
                ))
                .at_path(format!("deploy-rules[{i}]"))
                .with_origin(origin)
                .with_help(match did_you_mean(label, labels.iter().copied()) {
                    Some(best) => format!("did you mean `{best}`?"),
                    None => format!(
                        "labels in {}: {}; or add `{label}: \"true\"` to the machines that should match",
                        layout.file,
                        labels.iter().copied().collect::<Vec<_>>().join(", ")
                    ),
                }));
            }
            if let DeployRule::In(label) = rule
                && !layout.machines.iter().any(|m| m.has(label))
            {
                return Err(Diagnostic::bad_input(format!(
                    "service {name:?} must run on a machine with `{label}: \"true\"` (deploy-rules: in: {label}), but no machine in {} has it",
                    layout.file
                ))
                .at_path(format!("deploy-rules[{i}]"))
                .with_origin(origin)
                .with_help(format!("set `{label}: \"true\"` on a machine of machine-list")));
            }
        }
        if let Some(layout) = layout
            && !spec.deploy_rules.is_empty()
            && layout.eligible(&spec.deploy_rules).is_empty()
        {
            let rules: Vec<String> = spec.deploy_rules.iter().map(DeployRule::describe).collect();
            warnings.push(format!(
                "service {:?} ({}) matches no machine of {}; its pods will not be scheduled",
                entry.service.name,
                rules.join(", "),
                layout.file
            ));
        }
    }
    Ok(warnings)
}

fn parse_machine(item: &Node, index: usize, skus: &[String]) -> Result<Machine, Diagnostic> {
    let path = format!("machine-list[{index}]");
    let Some(map) = item.as_map() else {
        return Err(Diagnostic::bad_input(format!(
            "a machine is a mapping (hostname, hostip, labels), got {}",
            item.describe()
        ))
        .at_path(path)
        .with_origin(item.origin.clone()));
    };
    let text = |key: &str| -> Result<Option<String>, Diagnostic> {
        match map.get(key) {
            None => Ok(None),
            Some(entry) => match &entry.node.value {
                Value::Scalar(Scalar::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
                Value::Scalar(Scalar::Int(i)) => Ok(Some(i.to_string())),
                _ => Err(Diagnostic::bad_input(format!(
                    "`{key}` must be a non-empty string, got {}",
                    entry.node.describe()
                ))
                .at_path(format!("{path}.{key}"))
                .with_origin(entry.node.origin.clone())),
            },
        }
    };
    let hostname = text("hostname")?.ok_or_else(|| {
        Diagnostic::bad_input(format!("machine {index} of machine-list has no hostname"))
            .at_path(path.clone())
            .with_origin(item.origin.clone())
    })?;
    let who = format!("machine {hostname:?}");
    let ip = match (text("hostip")?, text("ip")?) {
        (Some(_), Some(_)) => {
            return Err(
                Diagnostic::bad_input(format!("{who}: give `hostip` or `ip`, not both"))
                    .at_path(path)
                    .with_origin(item.origin.clone()),
            );
        }
        (Some(ip), None) | (None, Some(ip)) => Some(ip),
        (None, None) => None,
    };
    if let Some(ip) = &ip
        && ip.parse::<std::net::IpAddr>().is_err()
    {
        let key = if map.contains_key("hostip") {
            "hostip"
        } else {
            "ip"
        };
        return Err(
            Diagnostic::bad_input(format!("{who}: {ip:?} is not an IP address"))
                .at_path(format!("{path}.{key}"))
                .with_origin(map[key].node.origin.clone()),
        );
    }
    if let Some(sku) = text("machine-type")?
        && !skus.is_empty()
        && !skus.contains(&sku)
    {
        let mut d =
            Diagnostic::bad_input(format!("{who}: machine-type {sku:?} is not in machine-sku"))
                .at_path(format!("{path}.machine-type"))
                .with_origin(map["machine-type"].node.origin.clone());
        if let Some(best) = did_you_mean(&sku, skus.iter().map(String::as_str)) {
            d = d.with_help(format!("did you mean `{best}`?"));
        }
        return Err(d);
    }
    let node_name = text("nodename")?.unwrap_or_else(|| hostname.clone());
    let mut labels = IndexMap::new();
    for (key, entry) in map {
        if MACHINE_FIELDS.contains(&key.as_str()) {
            continue;
        }
        let value = match &entry.node.value {
            Value::Scalar(Scalar::Bool(b)) => Some(*b),
            Value::Scalar(Scalar::String(s)) if s == "true" => Some(true),
            Value::Scalar(Scalar::String(s)) if s == "false" => Some(false),
            _ => None,
        };
        let Some(value) = value else {
            let mut d = Diagnostic::bad_input(format!(
                "{who}: label `{key}` must be \"true\" or \"false\", got {}",
                entry.node.describe()
            ))
            .at_path(format!("{path}.{key}"))
            .with_origin(entry.node.origin.clone());
            d = d.with_help(match did_you_mean(key, MACHINE_FIELDS.iter().copied()) {
                Some(best) => format!("did you mean the machine field `{best}`?"),
                None => format!(
                    "keys other than {} are node labels",
                    MACHINE_FIELDS.join(", ")
                ),
            });
            return Err(d);
        };
        if let Some(why) = invalid_label_name(key) {
            return Err(Diagnostic::bad_input(format!(
                "{who}: `{key}` is not a valid Kubernetes label name: {why}"
            ))
            .at_path(format!("{path}.{key}"))
            .with_origin(entry.key_origin.clone()));
        }
        labels.insert(key.clone(), value);
    }
    Ok(Machine {
        hostname,
        node_name,
        ip,
        labels,
        origin: item.origin.clone(),
    })
}

/// Why `key` is not a valid label key (`[prefix/]name`), or None when it is.
fn invalid_label_name(key: &str) -> Option<&'static str> {
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    let name_ok = |s: &str| {
        !s.is_empty()
            && s.len() <= 63
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            && s.starts_with(|c: char| c.is_ascii_alphanumeric())
            && s.ends_with(|c: char| c.is_ascii_alphanumeric())
    };
    if let Some(prefix) = prefix {
        let prefix_ok = !prefix.is_empty()
            && prefix.len() <= 253
            && prefix.split('.').all(|part| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    && !part.starts_with('-')
                    && !part.ends_with('-')
            });
        if !prefix_ok {
            return Some("the prefix must be a DNS subdomain");
        }
    }
    if name_ok(name) {
        None
    } else {
        Some(
            "at most 63 letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit",
        )
    }
}

/// Node labels as one map per node (`node → label → true`), for comparisons in tests and plans.
pub fn labels_by_node(nodes: &[NodeLabels]) -> BTreeMap<&str, BTreeSet<&str>> {
    nodes
        .iter()
        .map(|n| (n.node.as_str(), n.set.iter().map(String::as_str).collect()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAYOUT: &str = "\
machine-sku:
  D8: {mem: 32}
machine-list:
  - hostname: master-0
    hostip: 10.0.0.1
    machine-type: D8
    k8s-role: master
    pai-master: \"true\"
    pai-worker: \"false\"
  - hostname: worker-0
    hostip: 10.0.0.2
    nodename: node-w0
    pai-worker: \"true\"
    no-drivers: true
  - hostname: worker-1
    ip: 10.0.0.3
    pai-worker: \"true\"
";

    fn parse(text: &str) -> Result<Layout, Diagnostic> {
        Layout::parse(text, "cfg/layout.yaml", &mut Vec::new())
    }

    #[test]
    fn reads_machines_and_labels() {
        let layout = parse(LAYOUT).unwrap();
        assert_eq!(layout.machines.len(), 3);
        assert_eq!(layout.machines[1].node_name, "node-w0");
        assert_eq!(layout.machines[2].ip.as_deref(), Some("10.0.0.3"));
        assert_eq!(
            layout.labels().into_iter().collect::<Vec<_>>(),
            ["no-drivers", "pai-master", "pai-worker"]
        );
        let workers = layout.eligible(&[
            DeployRule::In("pai-worker".into()),
            DeployRule::NotIn("no-drivers".into()),
        ]);
        assert_eq!(workers.len(), 1);
        assert_eq!(workers[0].hostname, "worker-1");
        let desired = layout.desired_node_labels();
        assert_eq!(desired[0].set, ["pai-master"]);
        assert_eq!(desired[0].remove, ["no-drivers", "pai-worker"]);
        assert_eq!(desired[1].node, "node-w0");
        assert_eq!(desired[1].set, ["no-drivers", "pai-worker"]);
        assert_eq!(layout.raw["machine-list"][0]["hostname"], "master-0");
    }

    #[test]
    fn duplicate_hostnames_name_the_machine() {
        let err = parse("machine-list:\n  - hostname: a\n  - hostname: b\n  - hostname: a\n")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "machine-list[2]: machine \"a\": hostname \"a\" is used by two machines (first at cfg/layout.yaml:2:5)\n  --> cfg/layout.yaml:4:5\n  help: every machine needs its own hostname, node name and IP"
        );
    }

    #[test]
    fn labels_must_be_true_or_false() {
        let err = parse("machine-list:\n  - hostname: a\n    pai-master: \"yes\"\n").unwrap_err();
        assert_eq!(
            err.message,
            "machine \"a\": label `pai-master` must be \"true\" or \"false\", got string \"yes\""
        );
        assert_eq!(err.origin.unwrap().to_string(), "cfg/layout.yaml:3:17");
        let err = parse("machine-list:\n  - hostname: a\n    hostnmae: b\n").unwrap_err();
        assert_eq!(
            err.help.as_deref(),
            Some("did you mean the machine field `hostname`?")
        );
        let err = parse("machine-list:\n  - hostname: a\n    bad label!: true\n").unwrap_err();
        assert!(
            err.message.contains("not a valid Kubernetes label name"),
            "{err}"
        );
    }

    #[test]
    fn other_machine_problems() {
        for (text, expect) in [
            ("kubernetes: {}\n", "has no `machine-list`"),
            ("machine-list: []\n", "machine-list is empty"),
            ("machine-list:\n  - hostip: 10.0.0.1\n", "has no hostname"),
            (
                "machine-list:\n  - hostname: a\n    hostip: nope\n",
                "is not an IP address",
            ),
            (
                "machine-list:\n  - {hostname: a, hostip: 10.0.0.1}\n  - {hostname: b, hostip: 10.0.0.1}\n",
                "IP 10.0.0.1 is used by two machines",
            ),
            (
                "machine-sku: {D8: {}}\nmachine-list:\n  - {hostname: a, machine-type: D9}\n",
                "machine-type \"D9\" is not in machine-sku",
            ),
        ] {
            let err = parse(text).unwrap_err();
            assert!(err.message.contains(expect), "{text:?}: {err}");
        }
        let mut warnings = Vec::new();
        Layout::parse(
            "machine-list: [{hostname: a}]\nextra: 1\n",
            "l.yaml",
            &mut warnings,
        )
        .unwrap();
        assert_eq!(
            warnings,
            ["l.yaml:2:1: unknown layout.yaml key `extra` is ignored"]
        );
    }
}
