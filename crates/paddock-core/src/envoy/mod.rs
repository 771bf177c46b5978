//! The one-port proxy's Envoy configuration, generated from typed structs (never from text
//! templates) and handed to the `proxy` service's templates as `proxy_config`.
//!
//! [`types`] is the typed subset of Envoy's v3 API, [`routes`] the route tables and their
//! timeouts, [`bootstrap`] assembles listeners and clusters, and [`layout`] says where things
//! are (the pod's ports and backend Services, or loopback ports in tests).

pub mod bootstrap;
pub mod layout;
pub mod routes;
pub mod types;

use indexmap::IndexMap;
use sha2::{Digest, Sha256};

pub use layout::{Backend, Layout, Upstream};

use crate::platform::model::Values;

/// Key under which templates find the generated files.
pub const TEMPLATE_KEY: &str = "proxy_config";

/// The generated files of the `pachyderm-proxy-config` ConfigMap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyFiles {
    /// `envoy.json`: the bootstrap configuration.
    pub envoy_json: String,
    /// `sds.yaml`: where the TLS certificate is (only with TLS).
    pub sds_yaml: Option<String>,
    /// SHA-256 (hex) of both files: a pod annotation, so a change restarts the proxy.
    pub checksum: String,
}

/// Generates the proxy's files for `values`, placed according to `layout`.
pub fn proxy_files(values: &Values, layout: &Layout) -> ProxyFiles {
    let envoy_json = pretty(&bootstrap::bootstrap(values, layout));
    let sds_yaml = values
        .proxy
        .tls
        .enabled
        .then(|| pretty(&bootstrap::sds_file(layout)));
    let mut hash = Sha256::new();
    hash.update(envoy_json.as_bytes());
    if let Some(sds) = &sds_yaml {
        hash.update(b"\0");
        hash.update(sds.as_bytes());
    }
    let checksum = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
    ProxyFiles {
        envoy_json,
        sds_yaml,
        checksum,
    }
}

/// What the `proxy` templates see as `proxy_config` (nothing when the proxy is disabled):
/// `envoy_json`, `sds_yaml` (or none) and `checksum`.
pub fn template_extra(values: &Values) -> IndexMap<String, serde_json::Value> {
    let mut extra = IndexMap::new();
    if values.proxy.enabled {
        let files = proxy_files(values, &Layout::kubernetes(values));
        extra.insert(
            TEMPLATE_KEY.to_owned(),
            serde_json::json!({
                "envoy_json_as_block": reads_back_from_literal_block(&files.envoy_json),
                "envoy_json": files.envoy_json,
                "sds_yaml": files.sds_yaml,
                "checksum": files.checksum,
            }),
        );
    }
    extra
}

/// Whether `text` survives the ConfigMap template's literal block (`|` and `indent`): a text
/// YAML keeps as it is in a literal block, ending in exactly one line feed (the block's
/// default chomping keeps one). Otherwise the template writes it as a quoted string.
fn reads_back_from_literal_block(text: &str) -> bool {
    crate::yaml_out::is_literal_block_safe(text) && text.ends_with('\n') && !text.ends_with("\n\n")
}

/// JSON is also YAML, so the SDS file is written the same way (Envoy picks its parser by the
/// file name).
fn pretty<T: serde::Serialize>(value: &T) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("typed config serializes");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog;
    use crate::platform::{STACK, typed_values};
    use crate::values::parse_values;

    fn values(yaml: &str) -> Values {
        let stack = catalog::builtin_stack(STACK).unwrap();
        typed_values(&stack, &parse_values(yaml, "v.yaml").unwrap()).unwrap()
    }

    #[test]
    fn only_text_a_literal_block_keeps_is_written_as_one() {
        assert!(reads_back_from_literal_block("{\n  \"a\": 1\n}\n"));
        for text in [
            "{\n}",
            "{\n}\n\n",
            " {\n}\n",
            "{ \n}\n",
            "{\u{85}\n}\n",
            "{\u{feff}\n}\n",
        ] {
            assert!(!reads_back_from_literal_block(text), "{text:?}");
        }
        let v = values("{}");
        let files = proxy_files(&v, &Layout::kubernetes(&v));
        assert!(reads_back_from_literal_block(&files.envoy_json));
    }

    #[test]
    fn files_are_deterministic_and_hashed() {
        let v = values("{}");
        let a = proxy_files(&v, &Layout::kubernetes(&v));
        let b = proxy_files(&v, &Layout::kubernetes(&v));
        assert_eq!(a, b);
        assert_eq!(a.checksum.len(), 64);
        assert!(a.sds_yaml.is_none());
        let tls = values("proxy: {tls: {enabled: true, secretName: s}}");
        let t = proxy_files(&tls, &Layout::kubernetes(&tls));
        assert!(t.sds_yaml.is_some());
        assert_ne!(t.checksum, a.checksum);
    }

    #[test]
    fn templates_get_nothing_when_the_proxy_is_off() {
        assert!(template_extra(&values("proxy: {enabled: false}")).is_empty());
        let extra = template_extra(&values("{}"));
        let config = &extra[TEMPLATE_KEY];
        assert!(config["envoy_json"].as_str().unwrap().starts_with('{'));
        assert!(config["sds_yaml"].is_null());
    }
}
