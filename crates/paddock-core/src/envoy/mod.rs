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
    // The default configuration is about 63 KB: room for it up front, no regrowing.
    let envoy_json = pretty(&bootstrap::bootstrap(values, layout), 96 * 1024);
    let sds_yaml = values
        .proxy
        .tls
        .enabled
        .then(|| pretty(&bootstrap::sds_file(layout), 1024));
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
/// file name). The layout is `serde_json`'s pretty one (two-space indent), plus a final line
/// feed; `capacity` is a guess of its size.
fn pretty<T: serde::Serialize>(value: &T, capacity: usize) -> String {
    let mut bytes = Vec::with_capacity(capacity);
    let mut serializer = serde_json::Serializer::with_formatter(&mut bytes, Indented::default());
    value
        .serialize(&mut serializer)
        .expect("typed config serializes");
    bytes.push(b'\n');
    String::from_utf8(bytes).expect("serde_json writes UTF-8")
}

/// `serde_json`'s pretty layout, with each line break and its indentation written as one
/// slice (the Envoy configuration has about 7,000 of them) instead of a write per level.
#[derive(Default)]
struct Indented {
    /// Nesting depth of the container being written.
    depth: usize,
    /// Whether that container has a member yet (an empty one closes on the same line).
    has_value: bool,
}

impl Indented {
    /// Writes `prefix`, then a line feed and the indentation of `depth`.
    fn line<W: ?Sized + std::io::Write>(
        writer: &mut W,
        prefix: &[u8],
        depth: usize,
    ) -> std::io::Result<()> {
        const BREAK: &[u8; 129] = b"\n                                                                                                                                ";
        writer.write_all(prefix)?;
        let mut width = 2 * depth;
        let first = width.min(BREAK.len() - 1);
        writer.write_all(&BREAK[..=first])?;
        width -= first;
        while width > 0 {
            let chunk = width.min(BREAK.len() - 1);
            writer.write_all(&BREAK[1..=chunk])?;
            width -= chunk;
        }
        Ok(())
    }

    fn open<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        bracket: &[u8],
    ) -> std::io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        writer.write_all(bracket)
    }

    fn close<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        bracket: &[u8],
    ) -> std::io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            Self::line(writer, b"", self.depth)?;
        }
        writer.write_all(bracket)
    }

    fn member<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        Self::line(writer, if first { b"" } else { b"," }, self.depth)
    }
}

impl serde_json::ser::Formatter for Indented {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.open(writer, b"[")
    }

    fn end_array<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.close(writer, b"]")
    }

    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.member(writer, first)
    }

    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.open(writer, b"{")
    }

    fn end_object<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.close(writer, b"}")
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.member(writer, first)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
    ) -> std::io::Result<()> {
        writer.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
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

    /// `pretty` writes what `serde_json::to_string_pretty` writes, plus a line feed.
    fn assert_layout_matches_serde_json(value: &serde_json::Value) {
        let expected = serde_json::to_string_pretty(value).unwrap() + "\n";
        assert_eq!(pretty(value, 0), expected);
    }

    #[test]
    fn pretty_layout_is_serde_json_s_for_the_generated_files() {
        for yaml in ["{}", "proxy: {tls: {enabled: true, secretName: t}}"] {
            let values = values(yaml);
            let layout = Layout::kubernetes(&values);
            let config = serde_json::to_value(bootstrap::bootstrap(&values, &layout)).unwrap();
            assert_layout_matches_serde_json(&config);
            assert_eq!(
                proxy_files(&values, &layout).envoy_json,
                serde_json::to_string_pretty(&config).unwrap() + "\n"
            );
            assert_layout_matches_serde_json(
                &serde_json::to_value(bootstrap::sds_file(&layout)).unwrap(),
            );
        }
    }

    #[test]
    fn pretty_layout_is_serde_json_s_for_empty_and_deeply_nested_containers() {
        let mut deep = serde_json::json!({"leaf": [1, {}, [], "x"]});
        for level in 0..80 {
            deep = if level % 2 == 0 {
                serde_json::json!([deep, []])
            } else {
                serde_json::json!({"k": deep, "empty": {}})
            };
        }
        for value in [
            serde_json::json!({}),
            serde_json::json!([]),
            serde_json::json!([[], {}, [[]], {"a": {}}]),
            serde_json::json!("text"),
            deep,
        ] {
            assert_layout_matches_serde_json(&value);
        }
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
