//! Post-render steps run on every manifest set before it is planned or applied: ownership
//! labels, and hashes of the ConfigMaps and Secrets each pod template uses (so a config change
//! rolls exactly the pods that read it).

use std::collections::{BTreeMap, BTreeSet};

use paddock_core::manifest::ManifestSet;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::labels;

/// Kinds whose pods come from `spec.template` (or `spec.jobTemplate.spec.template`).
pub const WORKLOAD_KINDS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "CronJob",
];

/// Cluster-scoped kinds paddock may render (everything else gets the release namespace).
pub const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "Node",
    "ClusterRole",
    "ClusterRoleBinding",
    "StorageClass",
    "PersistentVolume",
    "CustomResourceDefinition",
    "IngressClass",
    "PriorityClass",
    "APIService",
];

/// Runs every step: namespace, ownership labels, config hashes.
pub fn prepare(set: &mut ManifestSet, release: &str, namespace: &str) {
    for m in &mut set.items {
        let kind = m.kind().to_owned();
        let service = m.service.clone();
        let meta = ensure_map(&mut m.object, "metadata");
        if !CLUSTER_SCOPED.contains(&kind.as_str()) && meta.get("namespace").is_none() {
            meta.insert("namespace".into(), json!(namespace));
        }
        add_ownership(meta, release, &service);
        // PVCs made from claim templates carry these labels too, so uninstall can find them.
        if let Some(templates) = m
            .object
            .get_mut("spec")
            .and_then(|s| s.get_mut("volumeClaimTemplates"))
            .and_then(Value::as_array_mut)
        {
            for t in templates {
                let meta = ensure_map(t, "metadata");
                add_ownership(meta, release, &service);
            }
        }
    }
    add_config_hashes(set);
}

fn add_ownership(meta: &mut serde_json::Map<String, Value>, release: &str, service: &str) {
    let labels = meta
        .entry("labels")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .expect("labels is a map");
    labels.insert(labels::MANAGED_BY.into(), json!(labels::MANAGER));
    labels.insert(labels::RELEASE.into(), json!(release));
    if !service.is_empty() {
        labels.insert(labels::SERVICE.into(), json!(service));
    }
}

fn ensure_map<'a>(value: &'a mut Value, key: &str) -> &'a mut serde_json::Map<String, Value> {
    if !value[key].is_object() {
        value[key] = json!({});
    }
    value[key].as_object_mut().expect("just made a map")
}

/// SHA-256 of `bytes` as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hash of a ConfigMap's or Secret's content (`data`, `binaryData`, `stringData`), stable
/// under key order.
pub fn content_hash(object: &Value) -> String {
    let mut all = BTreeMap::new();
    for field in ["data", "binaryData", "stringData"] {
        if let Some(map) = object[field].as_object() {
            for (k, v) in map {
                all.insert(format!("{field}.{k}"), v.clone());
            }
        }
    }
    sha256_hex(serde_json::to_string(&all).unwrap_or_default().as_bytes())
}

/// The pod template of a workload object, if it has one.
pub fn pod_template_mut(object: &mut Value) -> Option<&mut Value> {
    let kind = object["kind"].as_str().unwrap_or("").to_owned();
    if !WORKLOAD_KINDS.contains(&kind.as_str()) {
        return None;
    }
    let spec = object.get_mut("spec")?;
    let spec = if kind == "CronJob" {
        spec.get_mut("jobTemplate")?.get_mut("spec")?
    } else {
        spec
    };
    spec.get_mut("template").filter(|t| t.is_object())
}

/// Names of the ConfigMaps and Secrets a pod spec reads: `(kind, name)`.
pub fn config_refs(pod_spec: &Value) -> BTreeSet<(&'static str, String)> {
    let mut refs = BTreeSet::new();
    let mut add = |kind: &'static str, v: &Value| {
        if let Some(name) = v.as_str() {
            refs.insert((kind, name.to_owned()));
        }
    };
    for vol in pod_spec["volumes"].as_array().into_iter().flatten() {
        add("ConfigMap", &vol["configMap"]["name"]);
        add("Secret", &vol["secret"]["secretName"]);
        for src in vol["projected"]["sources"].as_array().into_iter().flatten() {
            add("ConfigMap", &src["configMap"]["name"]);
            add("Secret", &src["secret"]["name"]);
        }
    }
    for list in ["containers", "initContainers"] {
        for c in pod_spec[list].as_array().into_iter().flatten() {
            for env in c["env"].as_array().into_iter().flatten() {
                add("ConfigMap", &env["valueFrom"]["configMapKeyRef"]["name"]);
                add("Secret", &env["valueFrom"]["secretKeyRef"]["name"]);
            }
            for from in c["envFrom"].as_array().into_iter().flatten() {
                add("ConfigMap", &from["configMapRef"]["name"]);
                add("Secret", &from["secretRef"]["name"]);
            }
        }
    }
    for s in pod_spec["imagePullSecrets"]
        .as_array()
        .into_iter()
        .flatten()
    {
        add("Secret", &s["name"]);
    }
    refs
}

/// Annotates each workload's pod template with [`labels::CONFIG_HASH`]: a hash over the
/// contents of the ConfigMaps and Secrets of this set that its pods read. Workloads that read
/// none get no annotation.
pub fn add_config_hashes(set: &mut ManifestSet) {
    let mut contents: BTreeMap<(String, String, String), String> = BTreeMap::new();
    for m in &set.items {
        if matches!(m.kind(), "ConfigMap" | "Secret") {
            let ns = m.object["metadata"]["namespace"]
                .as_str()
                .unwrap_or("")
                .to_owned();
            contents.insert(
                (m.kind().to_owned(), ns, m.name().to_owned()),
                content_hash(&m.object),
            );
        }
    }
    for m in &mut set.items {
        let ns = m.object["metadata"]["namespace"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        let Some(template) = pod_template_mut(&mut m.object) else {
            continue;
        };
        let used: Vec<String> = config_refs(&template["spec"])
            .into_iter()
            .filter_map(|(kind, name)| {
                contents
                    .get(&(kind.to_owned(), ns.clone(), name.clone()))
                    .map(|h| format!("{kind}/{name}={h}\n"))
            })
            .collect();
        if used.is_empty() {
            continue;
        }
        let hash = sha256_hex(used.concat().as_bytes());
        let meta = ensure_map(template, "metadata");
        let annotations = meta
            .entry("annotations")
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("annotations is a map");
        annotations.insert(labels::CONFIG_HASH.into(), json!(hash));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use paddock_core::manifest::Manifest;

    fn m(service: &str, object: Value) -> Manifest {
        Manifest {
            service: service.into(),
            source: "t".into(),
            object,
        }
    }

    fn deployment(name: &str, secret: &str) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"template": {"spec": {"containers": [{"name": "c",
                "env": [{"name": "P", "valueFrom": {"secretKeyRef": {"name": secret, "key": "k"}}}]}]}}}})
    }

    fn set(secret_value: &str) -> ManifestSet {
        ManifestSet {
            items: vec![
                m(
                    "a",
                    json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s1"}, "data": {"k": secret_value}}),
                ),
                m(
                    "a",
                    json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s2"}, "data": {"k": "eA=="}}),
                ),
                m("a", deployment("uses-s1", "s1")),
                m("b", deployment("uses-s2", "s2")),
                m(
                    "c",
                    json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "r"}}),
                ),
            ],
        }
    }

    fn hash_of(set: &ManifestSet, name: &str) -> Value {
        let d = set.items.iter().find(|m| m.name() == name).unwrap();
        d.object["spec"]["template"]["metadata"]["annotations"][labels::CONFIG_HASH].clone()
    }

    #[test]
    fn labels_namespaces_and_hashes() {
        let mut a = set("YQ==");
        prepare(&mut a, "rel", "ns");
        let d = &a.items[2].object;
        assert_eq!(d["metadata"]["namespace"], "ns");
        assert_eq!(d["metadata"]["labels"][labels::RELEASE], "rel");
        assert_eq!(d["metadata"]["labels"][labels::SERVICE], "a");
        assert!(a.items[4].object["metadata"].get("namespace").is_none());
        // Objects without a spec do not get one.
        assert!(a.items[0].object.get("spec").is_none());
        assert!(a.items[4].object.get("spec").is_none());
        assert!(hash_of(&a, "uses-s1").is_string());

        let mut b = set("Yg==");
        prepare(&mut b, "rel", "ns");
        // Only the workload reading the changed secret gets a new hash.
        assert_ne!(hash_of(&a, "uses-s1"), hash_of(&b, "uses-s1"));
        assert_eq!(hash_of(&a, "uses-s2"), hash_of(&b, "uses-s2"));
    }

    #[test]
    fn claim_templates_get_ownership_labels() {
        let mut s = ManifestSet {
            items: vec![m(
                "db",
                json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
                "spec": {"volumeClaimTemplates": [{"metadata": {"name": "data"}}]}}),
            )],
        };
        prepare(&mut s, "r", "n");
        assert_eq!(
            s.items[0].object["spec"]["volumeClaimTemplates"][0]["metadata"]["labels"]
                [labels::RELEASE],
            "r"
        );
    }

    #[test]
    fn finds_every_kind_of_reference() {
        let spec = json!({
            "volumes": [{"configMap": {"name": "cm"}}, {"secret": {"secretName": "s"}},
                {"projected": {"sources": [{"secret": {"name": "p"}}]}}],
            "containers": [{"envFrom": [{"configMapRef": {"name": "e"}}]}],
            "imagePullSecrets": [{"name": "pull"}]
        });
        let refs: Vec<String> = config_refs(&spec)
            .into_iter()
            .map(|(k, n)| format!("{k}/{n}"))
            .collect();
        assert_eq!(
            refs,
            [
                "ConfigMap/cm",
                "ConfigMap/e",
                "Secret/p",
                "Secret/pull",
                "Secret/s"
            ]
        );
    }
}
