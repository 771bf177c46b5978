//! Kubernetes name rules the OpenAPI schemas do not carry: object names and namespaces
//! (RFC 1123 labels and subdomains), label keys and values, and Ingress hosts. The API server
//! would refuse an object that breaks them; paddock refuses it before anything is applied.

use serde_json::Value;

/// Longest DNS-1123 label (namespaces, Service names, label name parts).
const LABEL_MAX: usize = 63;
/// Longest DNS-1123 subdomain (most object names, label key prefixes, hosts).
const SUBDOMAIN_MAX: usize = 253;

/// Why `name` is not an RFC 1123 label (lowercase alphanumerics and `-`, alphanumeric at both
/// ends, at most 63 characters), or `None` when it is one.
pub fn dns_label_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("must not be empty".into());
    }
    if name.len() > LABEL_MAX {
        return Some(format!("must be at most {LABEL_MAX} characters"));
    }
    let ok_inner = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let ok_ends = [name.as_bytes()[0], name.as_bytes()[name.len() - 1]]
        .iter()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    (!(ok_inner && ok_ends)).then(|| {
        "must be lowercase letters, digits and '-', starting and ending with a letter or digit"
            .into()
    })
}

/// Why `name` is not an RFC 1123 subdomain (dot-separated labels, at most 253 characters).
pub fn dns_subdomain_problem(name: &str) -> Option<String> {
    if name.len() > SUBDOMAIN_MAX {
        return Some(format!("must be at most {SUBDOMAIN_MAX} characters"));
    }
    name.split('.')
        .find_map(dns_label_problem)
        .map(|_| "must be lowercase letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit".into())
}

/// Why `text` is not a qualified name part (label value shape, non-empty): alphanumerics,
/// `-`, `_`, `.`, alphanumeric at both ends, at most 63 characters.
fn qualified_part_problem(text: &str) -> Option<String> {
    if text.is_empty() {
        return Some("must not be empty".into());
    }
    label_value_problem(text)
}

/// Why `value` is not a valid label value (may be empty).
pub fn label_value_problem(value: &str) -> Option<String> {
    if value.is_empty() {
        return None;
    }
    if value.len() > LABEL_MAX {
        return Some(format!("must be at most {LABEL_MAX} characters"));
    }
    let bytes = value.as_bytes();
    let ok_inner = bytes
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(b));
    let ok_ends =
        bytes[0].is_ascii_alphanumeric() && bytes[bytes.len() - 1].is_ascii_alphanumeric();
    (!(ok_inner && ok_ends)).then(|| {
        "must be letters, digits, '-', '_' and '.', starting and ending with a letter or digit"
            .into()
    })
}

/// Why `key` is not a valid label (or annotation) key: `[prefix/]name`, the prefix a DNS
/// subdomain, the name a qualified part.
pub fn label_key_problem(key: &str) -> Option<String> {
    match key.split_once('/') {
        Some((prefix, name)) => dns_subdomain_problem(prefix)
            .map(|p| format!("prefix {prefix:?} {p}"))
            .or_else(|| qualified_part_problem(name)),
        None => qualified_part_problem(key),
    }
}

/// Kinds whose names must be DNS labels rather than subdomains.
const LABEL_NAMED_KINDS: [&str; 2] = ["Service", "Namespace"];

/// Every name-rule violation of one rendered object: (path inside the object, problem).
pub fn object_name_problems(object: &Value) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    let kind = object["kind"].as_str().unwrap_or_default();
    let metadata = &object["metadata"];
    if let Some(name) = metadata["name"].as_str() {
        let problem = if LABEL_NAMED_KINDS.contains(&kind) {
            dns_label_problem(name)
        } else {
            dns_subdomain_problem(name)
        };
        if let Some(p) = problem {
            problems.push(("metadata.name".into(), format!("{name:?} {p}")));
        }
    }
    if let Some(namespace) = metadata["namespace"].as_str()
        && let Some(p) = dns_label_problem(namespace)
    {
        problems.push(("metadata.namespace".into(), format!("{namespace:?} {p}")));
    }
    check_labels(&metadata["labels"], "metadata.labels", &mut problems);
    check_keys(
        &metadata["annotations"],
        "metadata.annotations",
        &mut problems,
    );
    check_labels(
        &object["spec"]["template"]["metadata"]["labels"],
        "spec.template.metadata.labels",
        &mut problems,
    );
    check_labels(
        &object["spec"]["selector"]["matchLabels"],
        "spec.selector.matchLabels",
        &mut problems,
    );
    if kind == "Service" {
        check_labels(&object["spec"]["selector"], "spec.selector", &mut problems);
    }
    if kind == "Ingress" {
        check_ingress_hosts(object, &mut problems);
    }
    problems
}

fn check_keys(map: &Value, at: &str, problems: &mut Vec<(String, String)>) {
    let Some(map) = map.as_object() else { return };
    for key in map.keys() {
        if let Some(p) = label_key_problem(key) {
            problems.push((at.to_owned(), format!("key {key:?} {p}")));
        }
    }
}

fn check_labels(map: &Value, at: &str, problems: &mut Vec<(String, String)>) {
    check_keys(map, at, problems);
    let Some(map) = map.as_object() else { return };
    for (key, value) in map {
        if let Some(p) = value.as_str().and_then(label_value_problem) {
            problems.push((format!("{at}.{key}"), format!("value {value} {p}")));
        }
    }
}

fn check_ingress_hosts(object: &Value, problems: &mut Vec<(String, String)>) {
    let host_problem = |host: &str| dns_subdomain_problem(host.strip_prefix("*.").unwrap_or(host));
    let spec = &object["spec"];
    for (i, rule) in spec["rules"].as_array().into_iter().flatten().enumerate() {
        if let Some(host) = rule["host"].as_str()
            && let Some(p) = host_problem(host)
        {
            problems.push((format!("spec.rules[{i}].host"), format!("{host:?} {p}")));
        }
    }
    for (i, tls) in spec["tls"].as_array().into_iter().flatten().enumerate() {
        for (j, host) in tls["hosts"].as_array().into_iter().flatten().enumerate() {
            if let Some(host) = host.as_str()
                && let Some(p) = host_problem(host)
            {
                problems.push((format!("spec.tls[{i}].hosts[{j}]"), format!("{host:?} {p}")));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn labels_and_subdomains() {
        assert!(dns_label_problem("pachyderm").is_none());
        assert!(dns_label_problem("pg-bouncer-1").is_none());
        assert!(dns_label_problem("Bad_NS").is_some());
        assert!(dns_label_problem("-a").is_some());
        assert!(dns_label_problem(&"a".repeat(64)).is_some());
        assert!(dns_subdomain_problem("pachyderm.example.com").is_none());
        assert!(dns_subdomain_problem("a..b").is_some());
        assert!(dns_subdomain_problem("bad host!").is_some());
    }

    #[test]
    fn label_keys_and_values() {
        assert!(label_key_problem("app.kubernetes.io/name").is_none());
        assert!(label_key_problem("suite").is_none());
        assert!(label_key_problem("bad key!").is_some());
        assert!(label_key_problem("Bad_Prefix/x").is_some());
        assert!(label_key_problem("example.com/").is_some());
        assert!(label_value_problem("").is_none());
        assert!(label_value_problem("v1.2_3").is_none());
        assert!(label_value_problem("a b").is_some());
    }

    #[test]
    fn objects_are_checked_where_kubernetes_checks_names() {
        let good = json!({"kind": "Deployment", "metadata": {"name": "pachd", "namespace": "default",
            "labels": {"app": "pachd"}, "annotations": {"checksum/config": "x y"}},
            "spec": {"selector": {"matchLabels": {"app": "pachd"}}}});
        assert!(object_name_problems(&good).is_empty());
        let bad = json!({"kind": "Service", "metadata": {"name": "pachd.peer", "namespace": "Bad_NS",
            "labels": {"bad key!": "x"}}, "spec": {"selector": {"app": "a b"}}});
        let paths: Vec<String> = object_name_problems(&bad)
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        assert_eq!(
            paths,
            [
                "metadata.name",
                "metadata.namespace",
                "metadata.labels",
                "spec.selector.app"
            ]
        );
        let ingress = json!({"kind": "Ingress", "metadata": {"name": "i"},
            "spec": {"rules": [{"host": "*.example.com"}, {"host": "bad host!"}],
                     "tls": [{"hosts": ["ok.example.com", "Bad"]}]}});
        let paths: Vec<String> = object_name_problems(&ingress)
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        assert_eq!(paths, ["spec.rules[1].host", "spec.tls[0].hosts[1]"]);
    }
}
