//! The release record: what paddock stores in the cluster after each successful operation —
//! revision, the user's values (secret values replaced by hashes), the waves, the inventory of
//! applied objects and the stateless objects needed for a rollback (Secrets only as hashes).

use base64::Engine as _;
use paddock_core::manifest::{Manifest, ManifestSet};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::labels;
use crate::objref::ObjectRef;
use crate::postrender::content_hash;
use crate::redact::redact_values;

/// Secret `type` of release records.
pub const RECORD_TYPE: &str = "paddock.io/release.v1";
/// Label on records: `deployed` for the current revision, `superseded` for older ones.
pub const STATUS_LABEL: &str = "paddock.io/status";

/// An object as stored for rollback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredObject {
    /// The service that rendered it.
    pub service: String,
    /// The object; a Secret's `data`/`stringData` are removed.
    pub object: Value,
    /// For Secrets: hash of the content that was applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_hash: Option<String>,
}

/// One revision of a release.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleaseRecord {
    /// Release name.
    pub release: String,
    /// Namespace the release lives in.
    pub namespace: String,
    /// Revision, from 1.
    pub revision: u32,
    /// `deployed` or `superseded`.
    pub status: String,
    /// What made it: `install`, `upgrade`, `rollback to N`.
    pub operation: String,
    /// When (RFC 3339, UTC).
    pub time: String,
    /// paddock's version.
    pub paddock_version: String,
    /// User-supplied values; values under secret-looking keys are `sha256:<hex>`.
    pub values: Value,
    /// Service names per wave.
    pub waves: Vec<Vec<String>>,
    /// Every object applied.
    pub inventory: Vec<ObjectRef>,
    /// The objects, for rollback (never PersistentVolumeClaims).
    pub objects: Vec<StoredObject>,
}

impl ReleaseRecord {
    /// Builds the record of a successful apply of `set`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        release: &str,
        namespace: &str,
        revision: u32,
        operation: &str,
        user_values: &Value,
        waves: Vec<Vec<String>>,
        set: &ManifestSet,
    ) -> ReleaseRecord {
        ReleaseRecord {
            release: release.into(),
            namespace: namespace.into(),
            revision,
            status: "deployed".into(),
            operation: operation.into(),
            time: jiff::Timestamp::now()
                .round(jiff::Unit::Second)
                .unwrap_or_else(|_| jiff::Timestamp::now())
                .to_string(),
            paddock_version: env!("CARGO_PKG_VERSION").into(),
            values: redact_values(user_values),
            waves,
            inventory: set
                .items
                .iter()
                .map(|m| ObjectRef::of(&m.object, &m.service))
                .collect(),
            objects: set
                .items
                .iter()
                .filter(|m| m.kind() != "PersistentVolumeClaim")
                .map(stored)
                .collect(),
        }
    }

    /// Name of the Secret holding revision `revision` of `release`.
    pub fn secret_name(release: &str, revision: u32) -> String {
        format!("paddock.release.{release}.v{revision}")
    }

    /// The record as a Secret object.
    pub fn to_secret(&self) -> Value {
        let body = serde_json::to_vec(self).expect("a record serializes");
        json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": Self::secret_name(&self.release, self.revision),
                "namespace": self.namespace,
                "labels": {
                    labels::MANAGED_BY: labels::MANAGER,
                    labels::RECORD_OF: self.release,
                    labels::REVISION: self.revision.to_string(),
                    STATUS_LABEL: self.status,
                },
            },
            "type": RECORD_TYPE,
            "data": {"release": base64::engine::general_purpose::STANDARD.encode(body)},
        })
    }

    /// Reads a record back from its Secret.
    pub fn from_secret(secret: &Value) -> Result<ReleaseRecord, String> {
        let name = secret["metadata"]["name"].as_str().unwrap_or("?");
        let data = secret["data"]["release"]
            .as_str()
            .ok_or_else(|| format!("release record {name} has no data"))?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data)
            .map_err(|e| format!("release record {name} is not base64: {e}"))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| format!("release record {name} is unreadable: {e}"))
    }

    /// The stored objects as a manifest set (Secrets excluded: their values are not stored).
    pub fn stateless_manifests(&self) -> ManifestSet {
        ManifestSet {
            items: self
                .objects
                .iter()
                .filter(|o| o.content_hash.is_none())
                .map(|o| Manifest {
                    service: o.service.clone(),
                    source: format!("revision {}", self.revision),
                    object: o.object.clone(),
                })
                .collect(),
        }
    }
}

fn stored(m: &Manifest) -> StoredObject {
    if m.kind() == "Secret" {
        let mut object = m.object.clone();
        if let Some(map) = object.as_object_mut() {
            map.remove("data");
            map.remove("stringData");
        }
        StoredObject {
            service: m.service.clone(),
            object,
            content_hash: Some(content_hash(&m.object)),
        }
    } else {
        StoredObject {
            service: m.service.clone(),
            object: m.object.clone(),
            content_hash: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_keep_no_secret_values() {
        let set = ManifestSet {
            items: vec![
                Manifest {
                    service: "a".into(),
                    source: "t".into(),
                    object: json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "n"}, "data": {"k": "c2VjcmV0LXZhbHVl"}}),
                },
                Manifest {
                    service: "a".into(),
                    source: "t".into(),
                    object: json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "n"}, "data": {"k": "v"}}),
                },
                Manifest {
                    service: "a".into(),
                    source: "t".into(),
                    object: json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "p", "namespace": "n"}}),
                },
            ],
        };
        let values = json!({"pachd": {"rootToken": "tok-123"}});
        let r = ReleaseRecord::new(
            "rel",
            "n",
            3,
            "upgrade",
            &values,
            vec![vec!["a".into()]],
            &set,
        );
        let secret = r.to_secret();
        assert_eq!(secret["metadata"]["name"], "paddock.release.rel.v3");
        let text = serde_json::to_string(&r).unwrap();
        assert!(!text.contains("c2VjcmV0LXZhbHVl") && !text.contains("tok-123"));
        assert_eq!(r.inventory.len(), 3);
        assert_eq!(r.objects.len(), 2);
        let back = ReleaseRecord::from_secret(&secret).unwrap();
        assert_eq!(back, r);
        assert_eq!(back.stateless_manifests().items.len(), 1);
    }
}
