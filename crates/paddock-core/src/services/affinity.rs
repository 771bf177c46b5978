//! deploy-rules → node affinity on the workloads a service renders.
//!
//! Each rule becomes one `matchExpressions` entry (`key: LABEL`, `operator: In|NotIn`,
//! `values: ["true"]`) of `requiredDuringSchedulingIgnoredDuringExecution`; all rules are
//! ANDed. Affinity the template already has is kept: Kubernetes ORs `nodeSelectorTerms`, so the
//! rules are added to every existing term ((A or B) and R = (A and R) or (B and R)); other
//! affinity (preferred, pod affinity) is left alone. OpenPAI replaced the affinity instead.

use serde_json::{Map, Value, json};

use crate::catalog::DeployRule;

/// Kinds that get the affinity, and where their pod spec is.
pub const WORKLOAD_POD_SPECS: &[(&str, &[&str])] = &[
    ("Pod", &["spec"]),
    ("Deployment", &["spec", "template", "spec"]),
    ("DaemonSet", &["spec", "template", "spec"]),
    ("StatefulSet", &["spec", "template", "spec"]),
    ("ReplicaSet", &["spec", "template", "spec"]),
    ("Job", &["spec", "template", "spec"]),
    (
        "CronJob",
        &["spec", "jobTemplate", "spec", "template", "spec"],
    ),
];

/// Whether objects of `kind` run pods (and so get the affinity).
pub fn is_workload(kind: &str) -> bool {
    WORKLOAD_POD_SPECS.iter().any(|(k, _)| *k == kind)
}

/// The `matchExpressions` entries for `rules`, in rule order.
pub fn match_expressions(rules: &[DeployRule]) -> Vec<Value> {
    rules
        .iter()
        .map(|rule| {
            let (key, operator) = match rule {
                DeployRule::In(label) => (label, "In"),
                DeployRule::NotIn(label) => (label, "NotIn"),
            };
            json!({"key": key, "operator": operator, "values": ["true"]})
        })
        .collect()
}

/// The pod spec of a workload object, read-only (None for other kinds or a missing spec).
pub fn pod_spec(object: &Value) -> Option<&Value> {
    let kind = object.get("kind")?.as_str()?;
    let (_, path) = WORKLOAD_POD_SPECS.iter().find(|(k, _)| *k == kind)?;
    path.iter().try_fold(object, |v, key| v.get(*key))
}

/// Adds the rules' node affinity to `object` if it is a workload; returns whether it was one.
/// Missing levels (`spec.template.spec.affinity...`) are created; a level that is present but
/// not a mapping is an error naming its path.
pub fn inject(object: &mut Value, rules: &[DeployRule]) -> Result<bool, String> {
    if rules.is_empty() {
        return Ok(false);
    }
    let Some(kind) = object.get("kind").and_then(Value::as_str) else {
        return Ok(false);
    };
    let Some((_, pod_path)) = WORKLOAD_POD_SPECS.iter().find(|(k, _)| *k == kind) else {
        return Ok(false);
    };
    let mut path: Vec<&str> = pod_path.to_vec();
    path.extend([
        "affinity",
        "nodeAffinity",
        "requiredDuringSchedulingIgnoredDuringExecution",
    ]);
    let mut at = object;
    for (depth, key) in path.iter().enumerate() {
        at = child_map(at, key).map_err(|_| {
            format!(
                "cannot add node affinity: {} is not a mapping",
                path[..=depth].join(".")
            )
        })?;
    }
    let required = at.as_object_mut().expect("child_map returns a mapping");
    let terms = required
        .entry("nodeSelectorTerms")
        .or_insert_with(|| Value::Array(Vec::new()));
    if terms.is_null() {
        *terms = Value::Array(Vec::new());
    }
    let Value::Array(terms) = terms else {
        return Err(format!(
            "cannot add node affinity: {}.nodeSelectorTerms is not a list",
            path.join(".")
        ));
    };
    if terms.is_empty() {
        terms.push(Value::Object(Map::new()));
    }
    let wanted = match_expressions(rules);
    for (i, term) in terms.iter_mut().enumerate() {
        let Value::Object(term) = term else {
            return Err(format!(
                "cannot add node affinity: nodeSelectorTerms[{i}] is not a mapping"
            ));
        };
        let expressions = term
            .entry("matchExpressions")
            .or_insert_with(|| Value::Array(Vec::new()));
        if expressions.is_null() {
            *expressions = Value::Array(Vec::new());
        }
        let Value::Array(expressions) = expressions else {
            return Err(format!(
                "cannot add node affinity: nodeSelectorTerms[{i}].matchExpressions is not a list"
            ));
        };
        for expression in &wanted {
            if !expressions.contains(expression) {
                expressions.push(expression.clone());
            }
        }
    }
    Ok(true)
}

/// The mapping under `key` of the mapping `value`, created when missing or null.
fn child_map<'a>(value: &'a mut Value, key: &str) -> Result<&'a mut Value, ()> {
    let Value::Object(map) = value else {
        return Err(());
    };
    let child = map
        .entry(key.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if child.is_null() {
        *child = Value::Object(Map::new());
    }
    if child.is_object() {
        Ok(child)
    } else {
        Err(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Vec<DeployRule> {
        vec![
            DeployRule::In("pai-worker".into()),
            DeployRule::NotIn("no-drivers".into()),
        ]
    }

    #[test]
    fn adds_required_terms_to_each_workload_kind() {
        for (kind, path) in WORKLOAD_POD_SPECS {
            let mut object = json!({"apiVersion": "v1", "kind": kind, "metadata": {"name": "x"}});
            assert!(inject(&mut object, &rules()).unwrap(), "{kind}");
            let spec = path.iter().fold(&object, |v, k| &v[*k]);
            assert_eq!(
                spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"],
                json!({"nodeSelectorTerms": [{"matchExpressions": [
                    {"key": "pai-worker", "operator": "In", "values": ["true"]},
                    {"key": "no-drivers", "operator": "NotIn", "values": ["true"]}
                ]}]}),
                "{kind}"
            );
            assert_eq!(pod_spec(&object), Some(spec));
        }
        let mut service = json!({"kind": "Service", "spec": {}});
        assert!(!inject(&mut service, &rules()).unwrap());
        assert_eq!(service, json!({"kind": "Service", "spec": {}}));
    }

    #[test]
    fn merges_with_existing_affinity_in_every_term() {
        let mut object = json!({"kind": "Deployment", "spec": {"template": {"spec": {
            "affinity": {
                "podAntiAffinity": {"x": 1},
                "nodeAffinity": {
                    "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 1}],
                    "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                        {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]},
                        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n1"]}]},
                        {"matchExpressions": [{"key": "pai-worker", "operator": "In", "values": ["true"]}]}
                    ]}
                }
            },
            "containers": []
        }}}});
        inject(&mut object, &rules()).unwrap();
        let affinity = &object["spec"]["template"]["spec"]["affinity"];
        assert_eq!(affinity["podAntiAffinity"], json!({"x": 1}));
        assert_eq!(
            affinity["nodeAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"],
            json!([{"weight": 1}])
        );
        let terms = &affinity["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"];
        let keys = |t: &Value| -> Vec<String> {
            t["matchExpressions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["key"].as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(keys(&terms[0]), ["zone", "pai-worker", "no-drivers"]);
        assert_eq!(keys(&terms[1]), ["pai-worker", "no-drivers"]);
        assert_eq!(terms[1]["matchFields"][0]["values"], json!(["n1"]));
        assert_eq!(
            keys(&terms[2]),
            ["pai-worker", "no-drivers"],
            "no duplicate"
        );
        let again = object.clone();
        inject(&mut object, &rules()).unwrap();
        assert_eq!(object, again, "injecting twice changes nothing");
    }

    #[test]
    fn a_non_mapping_level_is_an_error() {
        let mut object = json!({"kind": "Deployment", "spec": {"template": "oops"}});
        assert_eq!(
            inject(&mut object, &rules()).unwrap_err(),
            "cannot add node affinity: spec.template is not a mapping"
        );
        let mut null_affinity =
            json!({"kind": "Pod", "spec": {"affinity": null, "containers": []}});
        assert!(inject(&mut null_affinity, &rules()).unwrap());
    }
}
