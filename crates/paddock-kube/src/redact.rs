//! Keeping secret values out of plans, logs and release records.

use paddock_core::values::is_secret_path;
use serde_json::{Map, Value, json};

use crate::postrender::sha256_hex;

/// Marker shown instead of a secret value.
pub const REDACTED: &str = "<redacted>";
/// Marker shown instead of a secret value that the change replaces.
pub const REDACTED_CHANGED: &str = "<redacted, changed>";

/// User values with every value under a secret-looking key path
/// ([`is_secret_path`]) replaced by `sha256:<hex>` of its JSON text.
pub fn redact_values(values: &Value) -> Value {
    fn walk(v: &Value, path: &str) -> Value {
        if !path.is_empty() && is_secret_path(path) && !v.is_null() {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            if text.is_empty() {
                return v.clone();
            }
            return json!(format!("sha256:{}", sha256_hex(text.as_bytes())));
        }
        match v {
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| {
                        let p = if path.is_empty() {
                            k.clone()
                        } else {
                            format!("{path}.{k}")
                        };
                        (k.clone(), walk(v, &p))
                    })
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(|i| walk(i, path)).collect()),
            other => other.clone(),
        }
    }
    walk(values, "")
}

fn secret_fields(object: &Value) -> bool {
    object["kind"] == "Secret"
}

/// A copy of `object` with a Secret's values replaced by [`REDACTED`] (other kinds unchanged).
pub fn redact_object(object: &Value) -> Value {
    let mut out = object.clone();
    if secret_fields(object) {
        for field in ["data", "stringData"] {
            if let Some(map) = out.get_mut(field).and_then(Value::as_object_mut) {
                for v in map.values_mut() {
                    *v = json!(REDACTED);
                }
            }
        }
        strip_last_applied(&mut out);
    }
    out
}

/// Redacts a (before, after) pair of Secrets so a diff shows which keys changed, not how.
pub fn redact_pair(before: &Value, after: &Value) -> (Value, Value) {
    if !secret_fields(after) && !secret_fields(before) {
        return (before.clone(), after.clone());
    }
    let mut b = before.clone();
    let mut a = after.clone();
    for field in ["data", "stringData"] {
        let old: Map<String, Value> = before[field].as_object().cloned().unwrap_or_default();
        let new: Map<String, Value> = after[field].as_object().cloned().unwrap_or_default();
        if let Some(map) = b.get_mut(field).and_then(Value::as_object_mut) {
            for v in map.values_mut() {
                *v = json!(REDACTED);
            }
        }
        if let Some(map) = a.get_mut(field).and_then(Value::as_object_mut) {
            for (k, v) in map.iter_mut() {
                let changed = old.get(k).is_some_and(|o| o != v);
                *v = json!(if changed { REDACTED_CHANGED } else { REDACTED });
            }
        }
        let _ = new;
    }
    strip_last_applied(&mut b);
    strip_last_applied(&mut a);
    (b, a)
}

fn strip_last_applied(object: &mut Value) {
    if let Some(a) = object
        .get_mut("metadata")
        .and_then(|m| m.get_mut("annotations"))
        .and_then(Value::as_object_mut)
    {
        a.remove("kubectl.kubernetes.io/last-applied-configuration");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_under_secret_paths_become_hashes() {
        let v = json!({"pachd": {"rootToken": "hunter2", "replicas": 1,
            "storage": {"amazon": {"secret": "s3cr3t", "bucket": "b"}}}});
        let r = redact_values(&v);
        let text = r.to_string();
        assert!(!text.contains("hunter2") && !text.contains("s3cr3t"));
        assert!(
            r["pachd"]["rootToken"]
                .as_str()
                .unwrap()
                .starts_with("sha256:")
        );
        assert_eq!(r["pachd"]["storage"]["amazon"]["bucket"], "b");
        assert_eq!(r["pachd"]["replicas"], 1);
    }

    #[test]
    fn secret_objects_are_redacted_pairwise() {
        let before = json!({"kind": "Secret", "data": {"a": "MQ==", "b": "Mg=="}});
        let after = json!({"kind": "Secret", "data": {"a": "MQ==", "b": "Mw==", "c": "NA=="}});
        let (b, a) = redact_pair(&before, &after);
        assert_eq!(b["data"]["b"], REDACTED);
        assert_eq!(a["data"]["b"], REDACTED_CHANGED);
        assert_eq!(a["data"]["a"], REDACTED);
        assert_eq!(a["data"]["c"], REDACTED);
        assert!(!redact_object(&after).to_string().contains("NA=="));
        assert!(a.get("stringData").is_none() && a.get("metadata").is_none());
    }
}
