//! Reads YAML text into a [`Node`] tree that keeps file:line:column for every key and value.

use std::fmt;
use std::sync::Arc;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use super::node::{Entry, EntryMap, Node, Origin, Scalar, Value};
use crate::diagnostic::Diagnostic;

/// Parser options shared by every YAML reader in paddock: `yes`/`no` stay strings, duplicate
/// keys are errors.
pub fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        strict_booleans: true,
        duplicate_keys: serde_saphyr::options::DuplicateKeyPolicy::Error,
    }
}

/// Parses one YAML document from `text` (read from `file`) into a tree; an empty document is
/// an empty mapping.
pub fn parse_document(text: &str, file: &str) -> Result<Node, Diagnostic> {
    let file: Arc<str> = Arc::from(file);
    let raw: Option<Spanned<Raw>> = serde_saphyr::from_str_with_options(text, yaml_options())
        .map_err(|e| syntax_error(&e, &file))?;
    Ok(match raw {
        Some(raw) => raw_to_node(raw, &file),
        None => Node {
            value: Value::Map(EntryMap::default()),
            origin: Some(Origin::File {
                file,
                line: 1,
                column: 1,
            }),
        },
    })
}

/// Parses a values file: one document whose root is a mapping (or empty).
pub fn parse_values(text: &str, file: &str) -> Result<Node, Diagnostic> {
    let node = parse_document(text, file)?;
    match node.value {
        Value::Map(_) => Ok(node),
        Value::Scalar(Scalar::Null) => Ok(Node {
            value: Value::Map(EntryMap::default()),
            origin: node.origin,
        }),
        _ => Err(Diagnostic::bad_input(format!(
            "a values file must be a mapping of keys, but {file} holds {}",
            node.describe()
        ))
        .with_origin(node.origin)),
    }
}

fn syntax_error(e: &serde_saphyr::Error, file: &Arc<str>) -> Diagnostic {
    let origin = e.location().map(|loc| Origin::File {
        file: file.clone(),
        line: loc.line() as u32,
        column: loc.column() as u32,
    });
    let text = e.to_string();
    // serde-saphyr appends a source snippet after the first line; keep just the message.
    let first = text.lines().next().unwrap_or("invalid YAML").trim();
    Diagnostic::bad_input(format!("invalid YAML: {}", clean_parser_message(first)))
        .with_origin(origin)
}

/// Drops what the parser repeats (`error: line 2 column 1:`) or addresses to programmers.
fn clean_parser_message(message: &str) -> &str {
    let mut m = message.strip_prefix("error: ").unwrap_or(message);
    if m.starts_with("line ")
        && let Some(i) = m.find(": ")
    {
        m = &m[i + 2..];
    }
    if let Some(i) = m.find(" at line ") {
        m = &m[..i];
    }
    if let Some(i) = m.find(", set DuplicateKeyPolicy") {
        m = &m[..i];
    }
    m
}

fn origin_of(loc: &serde_saphyr::Location, file: &Arc<str>) -> Option<Origin> {
    if *loc == serde_saphyr::Location::UNKNOWN {
        return None;
    }
    Some(Origin::File {
        file: file.clone(),
        line: loc.line() as u32,
        column: loc.column() as u32,
    })
}

fn raw_to_node(raw: Spanned<Raw>, file: &Arc<str>) -> Node {
    let origin = origin_of(&raw.referenced, file);
    let value = match raw.value {
        Raw::Scalar(s) => Value::Scalar(s),
        Raw::Seq(items) => Value::Seq(items.into_iter().map(|i| raw_to_node(i, file)).collect()),
        Raw::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| {
                    (
                        k.value.0,
                        Entry {
                            key_origin: origin_of(&k.referenced, file),
                            node: raw_to_node(v, file),
                        },
                    )
                })
                .collect(),
        ),
    };
    Node { value, origin }
}

/// The tree as serde-saphyr hands it over, before origins get their file name.
enum Raw {
    Scalar(Scalar),
    Seq(Vec<Spanned<Raw>>),
    Map(Vec<(Spanned<Key>, Spanned<Raw>)>),
}

/// A mapping key: any scalar, kept as its text.
struct Key(String);

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw::Scalar(Scalar::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw::Scalar(Scalar::Int(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Raw, E> {
        match i64::try_from(v) {
            Ok(i) => Ok(Raw::Scalar(Scalar::Int(i))),
            Err(_) => Ok(Raw::Scalar(Scalar::Float(v as f64))),
        }
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Raw, E> {
        Ok(Raw::Scalar(Scalar::String(v.to_string())))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Raw, E> {
        Ok(Raw::Scalar(Scalar::String(v.to_string())))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Raw, E> {
        Ok(Raw::Scalar(Scalar::Float(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::Scalar(Scalar::String(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Raw, E> {
        Ok(Raw::Scalar(Scalar::String(v)))
    }
    fn visit_unit<E>(self) -> Result<Raw, E> {
        Ok(Raw::Scalar(Scalar::Null))
    }
    fn visit_none<E>(self) -> Result<Raw, E> {
        Ok(Raw::Scalar(Scalar::Null))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
        Raw::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Raw>>()? {
            items.push(item);
        }
        Ok(Raw::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut entries = Vec::new();
        while let Some((k, v)) = map.next_entry::<Spanned<Key>, Spanned<Raw>>()? {
            entries.push((k, v));
        }
        Ok(Raw::Map(entries))
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a scalar mapping key")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key, E> {
                Ok(Key(v.to_owned()))
            }
            fn visit_unit<E>(self) -> Result<Key, E> {
                Ok(Key("null".into()))
            }
        }
        d.deserialize_any(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line_col(origin: &Option<Origin>) -> (u32, u32) {
        match origin {
            Some(Origin::File { line, column, .. }) => (*line, *column),
            other => panic!("no file origin: {other:?}"),
        }
    }

    #[test]
    fn keeps_positions_of_keys_and_values() {
        let text = "deployTarget: LOCAL\npachd:\n  exernalService:\n    enabled: true\n";
        let node = parse_values(text, "v.yaml").unwrap();
        let entry = node.get_path("pachd.exernalService").unwrap();
        assert_eq!(line_col(&entry.key_origin), (3, 3));
        let enabled = node.get_path("pachd.exernalService.enabled").unwrap();
        assert_eq!(enabled.node.value, Value::Scalar(Scalar::Bool(true)));
        assert_eq!(line_col(&enabled.node.origin).0, 4);
    }

    #[test]
    fn yes_and_quoted_values_stay_strings() {
        let node = parse_values("a: yes\nb: \"true\"\nc: 5\nd: 1.5\ne:\nf: ~\n", "v.yaml").unwrap();
        let get = |k: &str| node.get_path(k).unwrap().node.value.clone();
        assert_eq!(get("a"), Value::Scalar(Scalar::String("yes".into())));
        assert_eq!(get("b"), Value::Scalar(Scalar::String("true".into())));
        assert_eq!(get("c"), Value::Scalar(Scalar::Int(5)));
        assert_eq!(get("d"), Value::Scalar(Scalar::Float(1.5)));
        assert_eq!(get("e"), Value::Scalar(Scalar::Null));
        assert_eq!(get("f"), Value::Scalar(Scalar::Null));
    }

    #[test]
    fn empty_file_is_empty_mapping() {
        let node = parse_values("# only a comment\n", "v.yaml").unwrap();
        assert!(node.as_map().unwrap().is_empty());
    }

    #[test]
    fn syntax_errors_name_file_and_line() {
        let err = parse_values("a: 1\nb: [1, 2\n", "bad.yaml").unwrap_err();
        assert!(err.message.starts_with("invalid YAML"), "{err}");
        assert!(matches!(err.origin, Some(Origin::File { .. })), "{err:?}");
        assert!(err.to_string().contains("bad.yaml:"), "{err}");
    }

    #[test]
    fn duplicate_keys_are_rejected() {
        let err = parse_values("a: 1\na: 2\n", "dup.yaml").unwrap_err();
        assert!(err.to_string().contains("dup.yaml"), "{err}");
    }

    #[test]
    fn non_mapping_root_is_rejected() {
        let err = parse_values("- a\n- b\n", "list.yaml").unwrap_err();
        assert!(err.message.contains("must be a mapping"), "{err}");
    }
}
