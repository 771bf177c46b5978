//! A reference to one Kubernetes object (what inventories and plans are made of).

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// apiVersion, kind, namespace and name of an object, plus the service that rendered it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ObjectRef {
    /// `apiVersion`, e.g. `apps/v1`.
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    /// `kind`, e.g. `Deployment`.
    pub kind: String,
    /// Namespace; `None` for cluster-scoped objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `metadata.name`.
    pub name: String,
    /// The stack service that rendered it (empty when unknown).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub service: String,
}

impl ObjectRef {
    /// The reference of a JSON object.
    pub fn of(object: &Value, service: &str) -> ObjectRef {
        ObjectRef {
            api_version: object["apiVersion"].as_str().unwrap_or("").to_owned(),
            kind: object["kind"].as_str().unwrap_or("").to_owned(),
            namespace: object["metadata"]["namespace"].as_str().map(str::to_owned),
            name: object["metadata"]["name"].as_str().unwrap_or("").to_owned(),
            service: service.to_owned(),
        }
    }

    /// Same object (ignoring the service).
    pub fn same(&self, other: &ObjectRef) -> bool {
        self.api_version == other.api_version
            && self.kind == other.kind
            && self.namespace == other.namespace
            && self.name == other.name
    }

    /// Identity key (ignoring the service) for maps.
    pub fn key(&self) -> (String, String, String, String) {
        (
            self.api_version.clone(),
            self.kind.clone(),
            self.namespace.clone().unwrap_or_default(),
            self.name.clone(),
        )
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.kind, self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_identity_from_json() {
        let r = ObjectRef::of(
            &json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "pachd", "namespace": "p"}}),
            "pachd",
        );
        assert_eq!(r.to_string(), "Deployment/pachd");
        assert_eq!(r.namespace.as_deref(), Some("p"));
        let text = serde_json::to_string(&r).unwrap();
        assert_eq!(serde_json::from_str::<ObjectRef>(&text).unwrap(), r);
    }
}
