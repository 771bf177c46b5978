//! Offline, strict validation of rendered Kubernetes objects.
//!
//! The schemas are the "strict" Kubernetes JSON schemas shipped by the PyPI
//! package `kubernetes-validate`, reduced by `scripts/gen-k8s-schema.py` to the
//! GA API groups and to the keywords checked here (`type`, `properties`,
//! `additionalProperties`, `items`, `required`, `enum`, `$ref`, `format`,
//! `oneOf`). "Strict" means unknown fields are rejected.
//!
//! The bundled file is compiled at build time (`src/schema_codegen.rs`, run by
//! `build.rs`) into one static `Node` tree per definition, so a run parses no
//! schema: validation is a plain walk over read-only data.

use std::fmt::Write as _;

use serde_json::{Map, Number, Value};

/// Kubernetes version the bundled schemas describe.
pub const KUBERNETES_VERSION: &str = SCHEMA_VERSION;

// `SCHEMA_VERSION`, `DEFINITION_NAMES`, `DEFINITIONS` and `KINDS`, written by build.rs from
// schemas/k8s-v1.33-strict.json.
include!(concat!(env!("OUT_DIR"), "/schema.rs"));

/// Minimum Jaro-Winkler similarity for a "did you mean" suggestion.
const SUGGESTION_THRESHOLD: f64 = 0.8;

/// Longest string value quoted verbatim in a message.
const MAX_QUOTED_CHARS: usize = 60;

/// One schema violation inside one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Key path of the offending value, e.g. `spec.template.spec.containers[0].ports[1].containerPort` (empty for the root).
    pub path: String,
    /// Short human-readable description of the problem.
    pub message: String,
}

/// Result of validating one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The object matches the schema of its apiVersion/kind.
    Valid,
    /// The object violates its schema; violations are in document order.
    Invalid(Vec<Violation>),
    /// No bundled schema exists for this apiVersion/kind (e.g. a custom resource).
    UnknownKind {
        /// The object's `apiVersion`.
        api_version: String,
        /// The object's `kind`.
        kind: String,
    },
}

/// Validates one Kubernetes object strictly against the bundled schema for its apiVersion/kind.
pub fn validate_object(object: &Value) -> Outcome {
    let Some(map) = object.as_object() else {
        return Outcome::Invalid(vec![Violation {
            path: String::new(),
            message: format!("expected object, got {}", describe_value(object)),
        }]);
    };
    let mut header = Vec::new();
    let api_version = header_field(map, "apiVersion", &mut header);
    let kind = header_field(map, "kind", &mut header);
    let (Some(api_version), Some(kind)) = (api_version, kind) else {
        return Outcome::Invalid(header);
    };
    let Some(id) = kind_definition(&format!("{api_version}/{kind}")) else {
        return Outcome::UnknownKind {
            api_version: api_version.to_owned(),
            kind: kind.to_owned(),
        };
    };
    let mut checker = Checker {
        path: Vec::new(),
        probing: 0,
        out: Vec::new(),
    };
    checker.check(&DEFINITIONS[id], object);
    if checker.out.is_empty() {
        Outcome::Valid
    } else {
        Outcome::Invalid(checker.out)
    }
}

/// Reads the string field `name` of an object's header, recording why it is unusable.
fn header_field<'v>(
    map: &'v Map<String, Value>,
    name: &str,
    out: &mut Vec<Violation>,
) -> Option<&'v str> {
    match map.get(name) {
        Some(Value::String(text)) if !text.is_empty() => Some(text),
        Some(Value::String(_)) => {
            out.push(Violation {
                path: name.to_owned(),
                message: format!("\"{name}\" must not be empty"),
            });
            None
        }
        Some(other) => {
            out.push(Violation {
                path: name.to_owned(),
                message: format!("expected string, got {}", describe_value(other)),
            });
            None
        }
        None => {
            out.push(Violation {
                path: String::new(),
                message: format!("missing required field \"{name}\""),
            });
            None
        }
    }
}

/// Position in [`DEFINITIONS`] of the schema for `"<apiVersion>/<Kind>"`.
fn kind_definition(key: &str) -> Option<usize> {
    KINDS
        .binary_search_by(|(probe, _)| (*probe).cmp(key))
        .ok()
        .map(|found| usize::from(KINDS[found].1))
}

/// JSON types a schema may allow, as bits of [`Node::types`].
mod types {
    /// `null`.
    pub const NULL: u8 = 1;
    /// `boolean`.
    pub const BOOLEAN: u8 = 1 << 1;
    /// `integer` (a number without fractional part).
    pub const INTEGER: u8 = 1 << 2;
    /// `number` (includes integers).
    pub const NUMBER: u8 = 1 << 3;
    /// `string`.
    pub const STRING: u8 = 1 << 4;
    /// `array`.
    pub const ARRAY: u8 = 1 << 5;
    /// `object`.
    pub const OBJECT: u8 = 1 << 6;
    /// Names in the order used by messages.
    pub const NAMES: [(u8, &str); 7] = [
        (OBJECT, "object"),
        (ARRAY, "array"),
        (STRING, "string"),
        (INTEGER, "integer"),
        (NUMBER, "number"),
        (BOOLEAN, "boolean"),
        (NULL, "null"),
    ];
}

/// What to do with object keys not listed in `properties`.
#[derive(Debug)]
enum Additional {
    /// Anything goes (no `additionalProperties`, or `true`).
    Allowed,
    /// `additionalProperties: false`: unknown fields are errors.
    Forbidden,
    /// Every other value must match this schema (maps such as labels).
    Schema(&'static Node),
}

/// Integer formats that are asserted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IntFormat {
    /// No asserted format.
    None,
    /// Integer in the `i32` range.
    Int32,
    /// Integer in the `i64` range.
    Int64,
}

/// A compiled schema (all of them are statics written by build.rs).
#[derive(Debug)]
struct Node {
    /// Allowed JSON types as a bit set of [`types`]; 0 allows everything.
    types: u8,
    /// `$ref`: position of the referenced definition in [`DEFINITIONS`].
    reference: Option<u16>,
    /// `properties`, sorted by name for binary search.
    properties: &'static [(&'static str, Node)],
    /// `additionalProperties`.
    additional: Additional,
    /// `items`.
    items: Option<&'static Node>,
    /// `required`.
    required: &'static [&'static str],
    /// `enum` (the bundle's are all strings).
    enumeration: Option<&'static [&'static str]>,
    /// `format`, when it is one that is asserted.
    format: IntFormat,
    /// `oneOf` branches.
    one_of: &'static [Node],
}

impl Node {
    /// The schema without keywords, which accepts anything; generated nodes start from it.
    const ANY: Node = Node {
        types: 0,
        reference: None,
        properties: &[],
        additional: Additional::Allowed,
        items: None,
        required: &[],
        enumeration: None,
        format: IntFormat::None,
        one_of: &[],
    };

    /// Looks up the schema of property `name`.
    fn property(&self, name: &str) -> Option<&'static Node> {
        self.properties
            .binary_search_by(|(key, _)| (*key).cmp(name))
            .ok()
            .map(|at| &self.properties[at].1)
    }
}

/// Walks a value against a schema, collecting violations.
struct Checker<'v> {
    /// Key path of the value being checked, written out only for a violation.
    path: Vec<Step<'v>>,
    /// Inside how many `oneOf` trials: there a violation only counts, its path is not needed.
    probing: u32,
    /// Violations found so far, in document order.
    out: Vec<Violation>,
}

/// One step of a key path: an object key or an array position.
#[derive(Debug, Clone, Copy)]
enum Step<'v> {
    Key(&'v str),
    Index(usize),
}

impl<'v> Checker<'v> {
    /// Records a violation at the current path.
    fn report(&mut self, message: String) {
        let path = if self.probing > 0 {
            String::new()
        } else {
            let mut path = String::new();
            for step in &self.path {
                match *step {
                    Step::Key(key) => push_key(&mut path, key),
                    Step::Index(position) => {
                        let _ = write!(path, "[{position}]");
                    }
                }
            }
            path
        };
        self.out.push(Violation { path, message });
    }

    /// Checks `value` against `node`.
    fn check(&mut self, node: &Node, value: &'v Value) {
        if let Some(id) = node.reference {
            self.check(&DEFINITIONS[usize::from(id)], value);
        }
        if node.types != 0 && !type_matches(node.types, value) {
            self.report(format!(
                "expected {}, got {}",
                describe_types(node.types),
                describe_value(value)
            ));
            return;
        }
        if let Some(allowed) = node.enumeration
            && !value.as_str().is_some_and(|text| allowed.contains(&text))
        {
            self.report(format!(
                "value {} is not one of: {}",
                quote_value(value),
                allowed.join(", ")
            ));
        }
        if node.format != IntFormat::None
            && let Value::Number(number) = value
        {
            self.check_int_format(node.format, number);
        }
        if !node.one_of.is_empty() {
            self.check_one_of(node.one_of, value);
        }
        match value {
            Value::Object(map) => self.check_object(node, map),
            Value::Array(elements) => {
                if let Some(items) = node.items {
                    for (position, element) in elements.iter().enumerate() {
                        self.path.push(Step::Index(position));
                        self.check(items, element);
                        self.path.pop();
                    }
                }
            }
            _ => {}
        }
    }

    /// Checks `required`, `properties` and `additionalProperties`.
    fn check_object(&mut self, node: &Node, map: &'v Map<String, Value>) {
        for name in node.required {
            if !map.contains_key(*name) {
                self.report(format!("missing required field \"{name}\""));
            }
        }
        for (key, child) in map {
            self.path.push(Step::Key(key));
            match (node.property(key), &node.additional) {
                (Some(schema), _) => self.check(schema, child),
                (None, Additional::Schema(schema)) => self.check(schema, child),
                (None, Additional::Allowed) => {}
                (None, Additional::Forbidden) => {
                    let message = match suggest(key, node) {
                        Some(best) => format!("unknown field \"{key}\" (did you mean \"{best}\"?)"),
                        None => format!("unknown field \"{key}\""),
                    };
                    self.report(message);
                }
            }
            self.path.pop();
        }
    }

    /// Checks `format: int32/int64` on a number.
    fn check_int_format(&mut self, format: IntFormat, number: &Number) {
        let (name, min, max) = match format {
            IntFormat::None => return,
            IntFormat::Int32 => ("int32", i64::from(i32::MIN), i64::from(i32::MAX)),
            IntFormat::Int64 => ("int64", i64::MIN, i64::MAX),
        };
        let in_range = if let Some(int) = number.as_i64() {
            (min..=max).contains(&int)
        } else if number.is_u64() {
            false
        } else {
            let float = number.as_f64().unwrap_or(f64::NAN);
            if float.fract() != 0.0 {
                self.report(format!("expected integer, got number {number}"));
                return;
            }
            // `max + 1` is a power of two, so `max as f64 + 1.0` is the exact exclusive bound.
            float >= min as f64 && float < max as f64 + 1.0
        };
        if !in_range {
            self.report(format!("value {number} is out of range for {name}"));
        }
    }

    /// Checks that exactly one `oneOf` branch matches.
    fn check_one_of(&mut self, branches: &[Node], value: &'v Value) {
        let saved = std::mem::take(&mut self.out);
        let mut matched = 0;
        self.probing += 1;
        for branch in branches {
            self.check(branch, value);
            if self.out.is_empty() {
                matched += 1;
            }
            self.out.clear();
        }
        self.probing -= 1;
        self.out = saved;
        if matched == 1 {
            return;
        }
        let forms: Vec<String> = branches.iter().map(describe_branch).collect();
        let forms = join_or(&forms);
        if matched == 0 {
            self.report(format!("expected {forms}, got {}", describe_value(value)));
        } else {
            self.report(format!(
                "ambiguous value {}: matches more than one of {forms}",
                quote_value(value)
            ));
        }
    }
}

/// Appends one object key to a key path (`a.b`, or `a["b.c"]` when the key is not a plain word).
fn push_key(path: &mut String, key: &str) {
    let plain = !key.is_empty()
        && key.bytes().all(|byte| {
            byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-' || byte == b'$'
        });
    if plain {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
    } else {
        path.push('[');
        path.push_str(&Value::String(key.to_owned()).to_string());
        path.push(']');
    }
}

/// Best "did you mean" candidate among the properties of `node`.
fn suggest(key: &str, node: &Node) -> Option<&'static str> {
    let key = key.to_ascii_lowercase();
    node.properties
        .iter()
        .map(|(name, _)| (strsim::jaro_winkler(&key, &name.to_ascii_lowercase()), name))
        .filter(|(score, _)| *score >= SUGGESTION_THRESHOLD)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, name)| *name)
}

/// Whether `value` has one of the JSON types in `allowed`.
fn type_matches(allowed: u8, value: &Value) -> bool {
    let bits = match value {
        Value::Null => types::NULL,
        Value::Bool(_) => types::BOOLEAN,
        Value::Number(number) if is_integer(number) => types::INTEGER | types::NUMBER,
        Value::Number(_) => types::NUMBER,
        Value::String(_) => types::STRING,
        Value::Array(_) => types::ARRAY,
        Value::Object(_) => types::OBJECT,
    };
    allowed & bits != 0
}

/// JSON Schema's notion of an integer: any number without a fractional part.
fn is_integer(number: &Number) -> bool {
    number.is_i64() || number.is_u64() || number.as_f64().is_some_and(|float| float.fract() == 0.0)
}

/// "string", "integer or string", ... (null is only named when it is the only choice).
fn describe_types(bits: u8) -> String {
    let without_null = if bits == types::NULL {
        bits
    } else {
        bits & !types::NULL
    };
    let names: Vec<String> = types::NAMES
        .iter()
        .filter(|(bit, _)| without_null & bit != 0)
        .map(|(_, name)| (*name).to_owned())
        .collect();
    join_or(&names)
}

/// Describes what a `oneOf` branch accepts.
fn describe_branch(branch: &Node) -> String {
    if branch.types != 0 {
        describe_types(branch.types)
    } else {
        "a nested schema".to_owned()
    }
}

/// "a", "a or b", "a, b or c".
fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [only] => only.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// `string "80"`, `integer 80`, `boolean true`, `null`, `object`, `array`.
fn describe_value(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(flag) => format!("boolean {flag}"),
        Value::Number(number) if number.is_i64() || number.is_u64() => format!("integer {number}"),
        Value::Number(number) => format!("number {number}"),
        Value::String(_) => format!("string {}", quote_value(value)),
        Value::Array(_) => "array".to_owned(),
        Value::Object(_) => "object".to_owned(),
    }
}

/// A scalar as JSON (strings quoted, long ones shortened); containers by type name.
fn quote_value(value: &Value) -> String {
    match value {
        Value::String(text) if text.chars().count() > MAX_QUOTED_CHARS => {
            let short: String = text.chars().take(MAX_QUOTED_CHARS).collect();
            format!("{}…", Value::String(short))
        }
        Value::Array(_) => "array".to_owned(),
        Value::Object(_) => "object".to_owned(),
        scalar => scalar.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn violations(object: &Value) -> Vec<(String, String)> {
        match validate_object(object) {
            Outcome::Invalid(found) => found.into_iter().map(|v| (v.path, v.message)).collect(),
            other => panic!("expected violations, got {other:?}"),
        }
    }

    fn assert_valid(object: &Value) {
        assert_eq!(validate_object(object), Outcome::Valid, "{object:#}");
    }

    fn deployment() -> Value {
        json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {
                "name": "pachd",
                "namespace": "default",
                "labels": {"app": "pachd", "app.kubernetes.io/name": "pachd"},
                "annotations": null
            },
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": "pachd"}},
                "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}},
                "template": {
                    "metadata": {"labels": {"app": "pachd"}},
                    "spec": {
                        "serviceAccountName": "pachyderm",
                        "containers": [{
                            "name": "pachd",
                            "image": "pachyderm/pachd:2.11.6",
                            "imagePullPolicy": "IfNotPresent",
                            "command": ["/pachd"],
                            "env": [
                                {"name": "PACH_ROOT", "value": "/pach"},
                                {"name": "EMPTY", "value": null},
                                {"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
                                {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "postgres", "key": "password", "optional": true}}}
                            ],
                            "ports": [
                                {"name": "api-grpc-port", "containerPort": 1650, "protocol": "TCP"},
                                {"name": "peer-port", "containerPort": 1653}
                            ],
                            "readinessProbe": {"exec": {"command": ["/pachd", "--readiness"]}, "initialDelaySeconds": 5},
                            "livenessProbe": {"httpGet": {"path": "/healthz", "port": "http"}},
                            "resources": {"limits": {"cpu": 1, "memory": "2Gi"}, "requests": {"cpu": "250m", "memory": "512M"}},
                            "securityContext": {"runAsUser": 1000, "allowPrivilegeEscalation": false, "capabilities": {"drop": ["all"]}},
                            "volumeMounts": [{"name": "pach-disk", "mountPath": "/pach"}]
                        }],
                        "volumes": [
                            {"name": "pach-disk", "emptyDir": {}},
                            {"name": "config", "configMap": {"name": "pachd-config", "defaultMode": 420}},
                            {"name": "tls", "secret": {"secretName": "pachd-tls", "items": [{"key": "tls.crt", "path": "tls.crt"}]}}
                        ]
                    }
                }
            }
        })
    }

    fn statefulset() -> Value {
        json!({
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": "postgres"},
            "spec": {
                "serviceName": "postgres-headless",
                "replicas": 1,
                "podManagementPolicy": "OrderedReady",
                "selector": {"matchLabels": {"app": "postgres"}},
                "template": {
                    "metadata": {"labels": {"app": "postgres"}},
                    "spec": {
                        "containers": [{
                            "name": "postgres",
                            "image": "postgres:13",
                            "ports": [{"name": "tcp-postgresql", "containerPort": 5432}],
                            "volumeMounts": [{"name": "data", "mountPath": "/var/lib/postgresql/data"}]
                        }]
                    }
                },
                "volumeClaimTemplates": [{
                    "metadata": {"name": "data"},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "storageClassName": null,
                        "resources": {"requests": {"storage": "10Gi"}}
                    }
                }]
            }
        })
    }

    fn service(target_port: Value) -> Value {
        json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "pachd", "labels": {"app": "pachd"}},
            "spec": {
                "type": "ClusterIP",
                "selector": {"app": "pachd"},
                "ports": [{"name": "api-grpc-port", "port": 30650, "targetPort": target_port, "protocol": "TCP"}]
            }
        })
    }

    #[test]
    fn bundle_has_the_kinds_paddock_renders() {
        assert_eq!(KUBERNETES_VERSION, "1.33.0");
        for key in [
            "apps/v1/Deployment",
            "apps/v1/StatefulSet",
            "v1/Service",
            "v1/Secret",
            "v1/ConfigMap",
            "v1/PersistentVolume",
            "v1/PersistentVolumeClaim",
            "storage.k8s.io/v1/StorageClass",
            "networking.k8s.io/v1/Ingress",
            "rbac.authorization.k8s.io/v1/RoleBinding",
            "batch/v1/Job",
            "autoscaling/v2/HorizontalPodAutoscaler",
        ] {
            assert!(kind_definition(key).is_some(), "{key}");
        }
        assert!(!KINDS.iter().any(|(key, _)| key.ends_with("List")));
    }

    /// A compiled node written back as the JSON schema it stands for (type names sorted).
    fn node_json(node: &Node) -> Value {
        let mut out = Map::new();
        if node.types != 0 {
            let mut names: Vec<&str> = types::NAMES
                .iter()
                .filter(|(bit, _)| node.types & bit != 0)
                .map(|(_, name)| *name)
                .collect();
            names.sort_unstable();
            out.insert("type".into(), json!(names));
        }
        if let Some(id) = node.reference {
            out.insert("$ref".into(), json!(DEFINITION_NAMES[usize::from(id)]));
        }
        if !node.properties.is_empty() {
            assert!(node.properties.is_sorted_by_key(|(name, _)| *name));
            let properties: Map<String, Value> = node
                .properties
                .iter()
                .map(|(name, child)| ((*name).to_owned(), node_json(child)))
                .collect();
            out.insert("properties".into(), Value::Object(properties));
        }
        match node.additional {
            Additional::Allowed => {}
            Additional::Forbidden => {
                out.insert("additionalProperties".into(), json!(false));
            }
            Additional::Schema(schema) => {
                out.insert("additionalProperties".into(), node_json(schema));
            }
        }
        if let Some(items) = node.items {
            out.insert("items".into(), node_json(items));
        }
        if !node.required.is_empty() {
            out.insert("required".into(), json!(node.required));
        }
        if let Some(members) = node.enumeration {
            out.insert("enum".into(), json!(members));
        }
        match node.format {
            IntFormat::None => {}
            IntFormat::Int32 => {
                out.insert("format".into(), json!("int32"));
            }
            IntFormat::Int64 => {
                out.insert("format".into(), json!("int64"));
            }
        }
        if !node.one_of.is_empty() {
            let branches: Vec<Value> = node.one_of.iter().map(node_json).collect();
            out.insert("oneOf".into(), Value::Array(branches));
        }
        Value::Object(out)
    }

    /// A bundled schema with what the validator does not distinguish taken out: a single type
    /// name becomes a list and names are sorted; `additionalProperties: true`, empty
    /// `properties`, `required` and `oneOf`, and formats other than int32/int64 are dropped.
    /// Anything else unexpected fails the test rather than being dropped.
    fn normalized(schema: &Value) -> Value {
        let mut out = Map::new();
        for (keyword, value) in schema.as_object().unwrap() {
            let value = match (keyword.as_str(), value) {
                ("type", Value::String(name)) => json!([name]),
                ("type", Value::Array(names)) => {
                    let mut names: Vec<&str> = names.iter().map(|n| n.as_str().unwrap()).collect();
                    names.sort_unstable();
                    json!(names)
                }
                ("properties", Value::Object(map)) if map.is_empty() => continue,
                ("properties", Value::Object(map)) => Value::Object(
                    map.iter()
                        .map(|(name, child)| (name.clone(), normalized(child)))
                        .collect(),
                ),
                ("additionalProperties", Value::Bool(true)) => continue,
                ("additionalProperties", Value::Bool(false)) => value.clone(),
                ("additionalProperties" | "items", Value::Object(_)) => normalized(value),
                ("oneOf", Value::Array(branches)) if branches.is_empty() => continue,
                ("oneOf", Value::Array(branches)) => {
                    Value::Array(branches.iter().map(normalized).collect())
                }
                ("required", Value::Array(list)) if list.is_empty() => continue,
                ("required" | "enum", Value::Array(_)) | ("$ref", Value::String(_)) => {
                    value.clone()
                }
                ("format", Value::String(format)) if format == "int32" || format == "int64" => {
                    value.clone()
                }
                ("format", Value::String(_)) => continue,
                _ => panic!("unexpected {keyword}: {value} in the bundle"),
            };
            out.insert(keyword.clone(), value);
        }
        Value::Object(out)
    }

    #[test]
    fn compiled_definitions_match_the_bundle() {
        let bundle: Value =
            serde_json::from_str(include_str!("../schemas/k8s-v1.33-strict.json")).unwrap();
        assert_eq!(bundle["version"].as_str(), Some(KUBERNETES_VERSION));
        let defs = bundle["defs"].as_object().unwrap();
        assert_eq!(defs.len(), DEFINITIONS.len());
        assert!(
            DEFINITION_NAMES.is_sorted_by(|a, b| a < b),
            "names sorted and unique"
        );
        for (name, node) in DEFINITION_NAMES.iter().zip(&DEFINITIONS) {
            assert_eq!(node_json(node), normalized(&defs[*name]), "{name}");
        }
        let kinds = bundle["kinds"].as_object().unwrap();
        assert_eq!(kinds.len(), KINDS.len());
        for (key, name) in kinds {
            let id = kind_definition(key).unwrap();
            assert_eq!(Some(DEFINITION_NAMES[id]), name.as_str(), "{key}");
        }
    }

    #[test]
    fn valid_workloads_pass() {
        assert_valid(&deployment());
        assert_valid(&statefulset());
        assert_valid(&json!({
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "init"},
            "spec": {"backoffLimit": 3, "template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "init", "image": "busybox"}]}}}
        }));
    }

    #[test]
    fn valid_config_objects_pass() {
        assert_valid(&json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "postgres"},
            "type": "Opaque",
            "data": {"password": "c2VjcmV0"},
            "stringData": {"user": "pachyderm"}
        }));
        assert_valid(&json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "pachd-config"},
            "data": {"config.yaml": "a: 1\n"},
            "binaryData": {}
        }));
        assert_valid(&json!({
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": "pachyderm"},
            "imagePullSecrets": [{"name": "regcred"}]
        }));
    }

    #[test]
    fn valid_network_and_rbac_objects_pass() {
        assert_valid(&service(json!(1650)));
        assert_valid(&json!({
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": {"name": "pachyderm", "annotations": {"kubernetes.io/ingress.class": "traefik"}},
            "spec": {
                "ingressClassName": "traefik",
                "tls": [{"hosts": ["pach.example.com"], "secretName": "pach-tls"}],
                "rules": [{
                    "host": "pach.example.com",
                    "http": {"paths": [{
                        "path": "/",
                        "pathType": "Prefix",
                        "backend": {"service": {"name": "pachyderm-proxy", "port": {"number": 80}}}
                    }]}
                }]
            }
        }));
        assert_valid(&json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": "pachyderm", "namespace": "default"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pachyderm"},
            "subjects": [{"kind": "ServiceAccount", "name": "pachyderm", "namespace": "default"}]
        }));
        assert_valid(&json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": "pachyderm"},
            "rules": [{"apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": ["get", "list", "watch"]}]
        }));
    }

    #[test]
    fn valid_storage_objects_pass() {
        assert_valid(&json!({
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {"name": "etcd-pv"},
            "spec": {
                "capacity": {"storage": "10Gi"},
                "accessModes": ["ReadWriteOnce"],
                "persistentVolumeReclaimPolicy": "Retain",
                "hostPath": {"path": "/var/pachyderm/etcd"}
            }
        }));
        assert_valid(&json!({
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": "etcd"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10Gi"}}, "storageClassName": "standard"}
        }));
        assert_valid(&json!({
            "apiVersion": "storage.k8s.io/v1",
            "kind": "StorageClass",
            "metadata": {"name": "etcd-storage-class"},
            "provisioner": "kubernetes.io/gce-pd",
            "parameters": {"type": "pd-ssd"},
            "allowVolumeExpansion": true
        }));
    }

    #[test]
    fn unknown_nested_field_is_rejected_with_suggestion() {
        let mut object = deployment();
        object["spec"]["template"]["spec"]["containers"][0]["ports"][1] =
            json!({"name": "peer-port", "contanerPort": 1653});
        assert_eq!(
            violations(&object),
            vec![
                (
                    "spec.template.spec.containers[0].ports[1]".to_owned(),
                    "missing required field \"containerPort\"".to_owned()
                ),
                (
                    "spec.template.spec.containers[0].ports[1].contanerPort".to_owned(),
                    "unknown field \"contanerPort\" (did you mean \"containerPort\"?)".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn unknown_field_without_close_match_has_no_suggestion() {
        let mut object = service(json!(80));
        object["spec"]["zzz"] = json!(1);
        assert_eq!(
            violations(&object),
            vec![("spec.zzz".to_owned(), "unknown field \"zzz\"".to_owned())]
        );
    }

    #[test]
    fn unknown_top_level_field_is_rejected() {
        let mut object = service(json!(80));
        object["metdata"] = json!({});
        assert_eq!(
            violations(&object),
            vec![(
                "metdata".to_owned(),
                "unknown field \"metdata\" (did you mean \"metadata\"?)".to_owned()
            )]
        );
    }

    #[test]
    fn wrong_type_is_rejected() {
        let mut object = deployment();
        object["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] =
            json!("80");
        object["spec"]["replicas"] = json!(true);
        assert_eq!(
            violations(&object),
            vec![
                (
                    "spec.replicas".to_owned(),
                    "expected integer, got boolean true".to_owned()
                ),
                (
                    "spec.template.spec.containers[0].ports[0].containerPort".to_owned(),
                    "expected integer, got string \"80\"".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn map_values_must_match_their_schema() {
        let mut object = service(json!(80));
        object["metadata"]["labels"] = json!({"app.kubernetes.io/version": 2, "tier": ["a"]});
        assert_eq!(
            violations(&object),
            vec![
                (
                    "metadata.labels[\"app.kubernetes.io/version\"]".to_owned(),
                    "expected string, got integer 2".to_owned()
                ),
                (
                    "metadata.labels.tier".to_owned(),
                    "expected string, got array".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn missing_required_field_is_rejected() {
        let mut object = deployment();
        object["spec"]["template"]["spec"]["containers"][0]
            .as_object_mut()
            .unwrap()
            .remove("name");
        object["spec"].as_object_mut().unwrap().remove("selector");
        assert_eq!(
            violations(&object),
            vec![
                (
                    "spec".to_owned(),
                    "missing required field \"selector\"".to_owned()
                ),
                (
                    "spec.template.spec.containers[0]".to_owned(),
                    "missing required field \"name\"".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn null_is_accepted_only_where_allowed() {
        let mut object = deployment();
        object["spec"]["replicas"] = Value::Null;
        object["spec"]["template"]["spec"]["volumes"] = Value::Null;
        assert_valid(&object);
        object["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] =
            Value::Null;
        object["spec"]["template"]["spec"]["containers"][0]["name"] = Value::Null;
        assert_eq!(
            violations(&object),
            vec![
                (
                    "spec.template.spec.containers[0].name".to_owned(),
                    "expected string, got null".to_owned()
                ),
                (
                    "spec.template.spec.containers[0].ports[0].containerPort".to_owned(),
                    "expected integer, got null".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn int_or_string_accepts_integers_and_strings() {
        assert_valid(&service(json!(80)));
        assert_valid(&service(json!("http")));
        assert_eq!(
            violations(&service(json!(true))),
            vec![(
                "spec.ports[0].targetPort".to_owned(),
                "expected string or integer, got boolean true".to_owned()
            )]
        );
        assert_eq!(
            violations(&service(json!(1.5))),
            vec![(
                "spec.ports[0].targetPort".to_owned(),
                "expected string or integer, got number 1.5".to_owned()
            )]
        );
    }

    #[test]
    fn quantity_accepts_strings_and_numbers() {
        for quantity in [json!("1Gi"), json!(1), json!(0.5)] {
            let mut object = statefulset();
            object["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] =
                quantity;
            assert_valid(&object);
        }
        let mut object = statefulset();
        object["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] =
            json!({"size": 1});
        assert_eq!(
            violations(&object),
            vec![(
                "spec.volumeClaimTemplates[0].spec.resources.requests.storage".to_owned(),
                "expected string or number, got object".to_owned()
            )]
        );
    }

    #[test]
    fn int32_out_of_range_is_rejected() {
        let mut object = deployment();
        object["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] =
            json!(3_000_000_000_u64);
        object["spec"]["template"]["spec"]["volumes"][1]["configMap"]["defaultMode"] =
            json!(-2_147_483_649_i64);
        assert_eq!(
            violations(&object),
            vec![
                (
                    "spec.template.spec.containers[0].ports[0].containerPort".to_owned(),
                    "value 3000000000 is out of range for int32".to_owned()
                ),
                (
                    "spec.template.spec.volumes[1].configMap.defaultMode".to_owned(),
                    "value -2147483649 is out of range for int32".to_owned()
                ),
            ]
        );
        // int64 fields take the wider range; integral floats count as integers.
        let mut object = deployment();
        object["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] =
            json!(3_000_000_000_u64);
        object["spec"]["replicas"] = json!(2.0);
        assert_valid(&object);
        object["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] = json!(u64::MAX);
        assert_eq!(
            violations(&object),
            vec![(
                "spec.template.spec.terminationGracePeriodSeconds".to_owned(),
                format!("value {} is out of range for int64", u64::MAX)
            )]
        );
    }

    #[test]
    fn enum_lists_allowed_values() {
        let node = Node {
            types: types::STRING | types::NULL,
            enumeration: Some(&["ClusterIP", "NodePort", "LoadBalancer"]),
            ..Node::ANY
        };
        let (good, bad) = (json!("ClusterIP"), json!("Foo"));
        let mut checker = Checker {
            path: vec![Step::Key("spec"), Step::Key("type")],
            probing: 0,
            out: Vec::new(),
        };
        checker.check(&node, &good);
        assert!(checker.out.is_empty());
        checker.check(&node, &json!(null));
        assert_eq!(
            checker
                .out
                .pop()
                .map(|violation| violation.message)
                .as_deref(),
            Some("value null is not one of: ClusterIP, NodePort, LoadBalancer")
        );
        checker.check(&node, &bad);
        assert_eq!(
            checker.out,
            vec![Violation {
                path: "spec.type".to_owned(),
                message: "value \"Foo\" is not one of: ClusterIP, NodePort, LoadBalancer"
                    .to_owned()
            }]
        );
    }

    #[test]
    fn one_of_rejects_values_matching_several_branches() {
        // Bundled IntOrString/Quantity allow null in both branches, so null matches twice.
        let mut object = service(Value::Null);
        assert_eq!(
            violations(&object),
            vec![(
                "spec.ports[0].targetPort".to_owned(),
                "ambiguous value null: matches more than one of string or integer".to_owned()
            )]
        );
        object["spec"]["ports"][0]
            .as_object_mut()
            .unwrap()
            .remove("targetPort");
        assert_valid(&object);
    }

    #[test]
    fn unknown_kind_is_reported() {
        let object = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"size": 3}});
        assert_eq!(
            validate_object(&object),
            Outcome::UnknownKind {
                api_version: "example.com/v1".to_owned(),
                kind: "Widget".to_owned()
            }
        );
        // Beta versions are not bundled either.
        let object =
            json!({"apiVersion": "batch/v1beta1", "kind": "CronJob", "metadata": {"name": "c"}});
        assert!(matches!(
            validate_object(&object),
            Outcome::UnknownKind { .. }
        ));
    }

    #[test]
    fn missing_api_version_or_kind_is_invalid() {
        assert_eq!(
            violations(&json!({"metadata": {"name": "x"}})),
            vec![
                (
                    String::new(),
                    "missing required field \"apiVersion\"".to_owned()
                ),
                (String::new(), "missing required field \"kind\"".to_owned()),
            ]
        );
        assert_eq!(
            violations(&json!({"apiVersion": "v1", "kind": 3})),
            vec![(
                "kind".to_owned(),
                "expected string, got integer 3".to_owned()
            )]
        );
        assert_eq!(
            violations(&json!(["not", "an", "object"])),
            vec![(String::new(), "expected object, got array".to_owned())]
        );
    }

    #[test]
    fn all_violations_are_collected_in_document_order() {
        let mut object = deployment();
        object["metadata"]["nmae"] = json!("x");
        let container = &mut object["spec"]["template"]["spec"]["containers"][0];
        container["imagePullPolicey"] = json!("Always");
        container["env"][0]["value"] = json!(5);
        container["ports"][1]["containerPort"] = json!("1653");
        let found: Vec<String> = violations(&object)
            .into_iter()
            .map(|(path, _)| path)
            .collect();
        assert_eq!(
            found,
            vec![
                "metadata.nmae",
                "spec.template.spec.containers[0].env[0].value",
                "spec.template.spec.containers[0].ports[1].containerPort",
                "spec.template.spec.containers[0].imagePullPolicey",
            ]
        );
    }
}
