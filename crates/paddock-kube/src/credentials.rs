//! Generated credentials (database passwords, auth tokens, cluster id): created once into a
//! Secret paddock owns, read back by every later install, upgrade and plan — never
//! regenerated.

use base64::Engine as _;
use indexmap::IndexMap;
use serde_json::{Value, json};

use crate::engine::Engine;
use crate::error::EngineError;
use crate::labels;
use crate::objref::ObjectRef;

/// Generated credentials by name (name → value).
pub type Credentials = IndexMap<String, String>;

/// `known` plus the names of `generated` it lacks (stored values always win).
pub fn complete(known: &Credentials, generated: &Credentials) -> Credentials {
    let mut all = known.clone();
    for (k, v) in generated {
        all.entry(k.clone()).or_insert_with(|| v.clone());
    }
    all
}

/// Name of the Secret holding `release`'s generated credentials.
pub fn secret_name(release: &str) -> String {
    format!("paddock.credentials.{release}")
}

/// Reference of that Secret in `namespace`.
pub fn secret_ref(release: &str, namespace: &str) -> ObjectRef {
    ObjectRef {
        api_version: "v1".into(),
        kind: "Secret".into(),
        namespace: Some(namespace.to_owned()),
        name: secret_name(release),
        service: String::new(),
    }
}

/// The Secret holding `values`.
pub fn to_secret(release: &str, namespace: &str, values: &IndexMap<String, String>) -> Value {
    let b64 = base64::engine::general_purpose::STANDARD;
    let data: serde_json::Map<String, Value> = values
        .iter()
        .map(|(k, v)| (k.clone(), json!(b64.encode(v))))
        .collect();
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": secret_name(release),
            "namespace": namespace,
            "labels": {labels::MANAGED_BY: labels::MANAGER, labels::CREDENTIALS_OF: release},
        },
        "type": "Opaque",
        "data": data,
    })
}

/// Decodes the Secret's values.
pub fn from_secret(secret: &Value) -> IndexMap<String, String> {
    let b64 = base64::engine::general_purpose::STANDARD;
    secret["data"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| {
            let bytes = b64.decode(v.as_str()?).ok()?;
            Some((k.clone(), String::from_utf8(bytes).ok()?))
        })
        .collect()
}

/// The credentials stored for `release` (empty when none were stored yet).
pub async fn read(engine: &Engine, release: &str) -> Result<IndexMap<String, String>, EngineError> {
    Ok(engine
        .get(&secret_ref(release, engine.namespace()))
        .await?
        .map(|s| from_secret(&s))
        .unwrap_or_default())
}

/// Stores `values` (the complete set: stored ones plus newly generated ones).
pub async fn store(
    engine: &Engine,
    release: &str,
    values: &IndexMap<String, String>,
) -> Result<(), EngineError> {
    engine
        .apply_object(&to_secret(release, engine.namespace(), values), true, false)
        .await
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_a_secret() {
        let values = IndexMap::from([("rootToken".to_owned(), "abc".to_owned())]);
        let s = to_secret("r", "n", &values);
        assert_eq!(s["metadata"]["name"], "paddock.credentials.r");
        assert!(!s.to_string().contains("\"abc\""));
        assert_eq!(from_secret(&s), values);
    }
}
