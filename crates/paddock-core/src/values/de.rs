//! Typed reading of a [`Node`] tree with serde: every error names the key path and where the
//! offending key or value was written.

use std::fmt;

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess,
    SeqAccess, VariantAccess, Visitor,
};

use super::node::{Node, Origin, Scalar, Value};
use crate::diagnostic::{Diagnostic, did_you_mean};

/// Reads `node` into `T`, reporting the first problem with its key path and origin.
pub fn from_node<T: DeserializeOwned>(node: &Node) -> Result<T, Diagnostic> {
    T::deserialize(NodeDeserializer {
        node,
        path: String::new(),
    })
    .map_err(Error::into_diagnostic)
}

/// Whether a key path names a credential, or lies inside a section holding credentials (any
/// segment counts: `proxy.tls.secret.cert`, `oidc.upstreamIDPs[0].config`), so that its value
/// must never be printed.
pub fn is_secret_path(path: &str) -> bool {
    const WORDS: [&str; 7] = [
        "secret",
        "password",
        "token",
        "cred",
        "key",
        "cert",
        "upstreamidps",
    ];
    path.split('.').any(|segment| {
        let name = segment
            .split('[')
            .next()
            .unwrap_or(segment)
            .to_ascii_lowercase();
        WORDS.iter().any(|word| name.contains(word))
    })
}

/// A deserialization error, located once at the innermost node that raised it.
#[derive(Debug)]
pub struct Error {
    message: String,
    help: Option<String>,
    located: Option<(String, Option<Origin>)>,
}

impl Error {
    fn located(mut self, path: &str, origin: &Option<Origin>) -> Self {
        if self.located.is_none() {
            self.located = Some((path.to_owned(), origin.clone()));
        }
        self
    }

    fn into_diagnostic(self) -> Diagnostic {
        let mut d = Diagnostic::bad_input(self.message);
        if let Some((path, origin)) = self.located {
            d = d.at_path(path).with_origin(origin);
        }
        if let Some(help) = self.help {
            d = d.with_help(help);
        }
        d
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error {
            message: msg.to_string(),
            help: None,
            located: None,
        }
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        let help = match did_you_mean(field, expected.iter().copied()) {
            Some(best) => format!("did you mean `{best}`?"),
            None if expected.is_empty() => "this section takes no keys".to_owned(),
            None => format!("known keys here: {}", expected.join(", ")),
        };
        Error {
            message: format!("unknown key `{field}`"),
            help: Some(help),
            located: None,
        }
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        let shown: Vec<&str> = expected
            .iter()
            .map(|e| if e.is_empty() { "\"\"" } else { e })
            .collect();
        let mut help = format!("one of: {}", shown.join(", "));
        if let Some(best) = did_you_mean(variant, expected.iter().copied()) {
            help = format!("did you mean `{best}`? ({help})");
        }
        Error {
            message: format!("invalid value {variant:?}"),
            help: Some(help),
            located: None,
        }
    }

    fn missing_field(field: &'static str) -> Self {
        Error {
            message: format!("missing required key `{field}`"),
            help: None,
            located: None,
        }
    }
}

/// The serde deserializer over one node, knowing its dotted key path.
struct NodeDeserializer<'a> {
    node: &'a Node,
    path: String,
}

impl<'a> NodeDeserializer<'a> {
    fn child_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn wrong_type(&self, expected: &str) -> Error {
        let got = if is_secret_path(&self.path) {
            match &self.node.value {
                Value::Seq(_) => "a list".to_owned(),
                Value::Map(_) => "a mapping".to_owned(),
                Value::Scalar(_) => {
                    "a value of another type (not shown: it is a credential)".to_owned()
                }
            }
        } else {
            self.node.describe()
        };
        let help = match (&self.node.value, expected) {
            (Value::Scalar(Scalar::String(_)), "a boolean") if is_secret_path(&self.path) => {
                Some("write true or false without quotes".to_owned())
            }
            (Value::Scalar(Scalar::String(s)), "a boolean") => {
                Some(format!("write true or false without quotes (got {s:?})"))
            }
            _ => None,
        };
        Error {
            message: format!("expected {expected}, got {got}"),
            help,
            located: None,
        }
        .located(&self.path, &self.node.origin)
    }

    fn finish<T>(&self, result: Result<T, Error>) -> Result<T, Error> {
        result.map_err(|e| e.located(&self.path, &self.node.origin))
    }
}

macro_rules! forward_int {
    ($($method:ident => $visit:ident : $ty:ty),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match &self.node.value {
                Value::Scalar(Scalar::Int(i)) => match <$ty>::try_from(*i) {
                    Ok(v) => self.finish(visitor.$visit(v)),
                    Err(_) => Err(self.wrong_type(concat!("an integer that fits ", stringify!($ty)))),
                },
                _ => Err(self.wrong_type("an integer")),
            }
        }
    )*};
}

impl<'de> Deserializer<'de> for NodeDeserializer<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let result = match &self.node.value {
            Value::Scalar(Scalar::Null) => visitor.visit_unit(),
            Value::Scalar(Scalar::Bool(b)) => visitor.visit_bool(*b),
            Value::Scalar(Scalar::Int(i)) => visitor.visit_i64(*i),
            Value::Scalar(Scalar::Float(x)) => visitor.visit_f64(*x),
            Value::Scalar(Scalar::String(s)) => visitor.visit_str(s),
            Value::Seq(_) => return self.deserialize_seq(visitor),
            Value::Map(_) => return self.deserialize_map(visitor),
        };
        self.finish(result)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.node.value {
            Value::Scalar(Scalar::Bool(b)) => self.finish(visitor.visit_bool(*b)),
            _ => Err(self.wrong_type("a boolean")),
        }
    }

    forward_int! {
        deserialize_i8 => visit_i8: i8,
        deserialize_i16 => visit_i16: i16,
        deserialize_i32 => visit_i32: i32,
        deserialize_i64 => visit_i64: i64,
        deserialize_u8 => visit_u8: u8,
        deserialize_u16 => visit_u16: u16,
        deserialize_u32 => visit_u32: u32,
        deserialize_u64 => visit_u64: u64,
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.node.value {
            Value::Scalar(Scalar::Int(i)) => self.finish(visitor.visit_f64(*i as f64)),
            Value::Scalar(Scalar::Float(x)) => self.finish(visitor.visit_f64(*x)),
            _ => Err(self.wrong_type("a number")),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    /// Strings accept any scalar but null: `tag: 2.11` means the text "2.11".
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let text = match &self.node.value {
            Value::Scalar(Scalar::String(s)) => return self.finish(visitor.visit_str(s)),
            Value::Scalar(Scalar::Int(i)) => i.to_string(),
            Value::Scalar(Scalar::Float(x)) => x.to_string(),
            Value::Scalar(Scalar::Bool(b)) => b.to_string(),
            _ => return Err(self.wrong_type("a string")),
        };
        self.finish(visitor.visit_string(text))
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.node.is_null() {
            self.finish(visitor.visit_none())
        } else {
            let (path, origin) = (self.path.clone(), self.node.origin.clone());
            visitor
                .visit_some(self)
                .map_err(|e| e.located(&path, &origin))
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.node.value {
            Value::Scalar(Scalar::Null) => self.finish(visitor.visit_unit()),
            _ => Err(self.wrong_type("null")),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.node.value {
            Value::Seq(items) => {
                let access = SeqReader {
                    items: items.iter().enumerate(),
                    path: &self.path,
                };
                self.finish(visitor.visit_seq(access))
            }
            _ => Err(self.wrong_type("a list")),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.node.value {
            Value::Map(map) => {
                let access = MapReader {
                    entries: map.iter(),
                    pending: None,
                    parent: &self,
                };
                let result = visitor.visit_map(access);
                self.finish(result)
            }
            // An empty value (`key:`) under a section means "no keys here".
            Value::Scalar(Scalar::Null) => {
                let empty = indexmap::IndexMap::new();
                let access = MapReader {
                    entries: empty.iter(),
                    pending: None,
                    parent: &self,
                };
                let result = visitor.visit_map(access);
                self.finish(result)
            }
            _ => Err(self.wrong_type("a mapping")),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match &self.node.value {
            Value::Scalar(Scalar::String(s)) => {
                let result = visitor.visit_enum(UnitVariant(s.as_str()));
                self.finish(result)
            }
            _ => Err(self.wrong_type("a string naming one of the allowed values")),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }
}

struct SeqReader<'a, I> {
    items: I,
    path: &'a str,
}

impl<'de, 'a, I: Iterator<Item = (usize, &'a Node)>> SeqAccess<'de> for SeqReader<'a, I> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        match self.items.next() {
            Some((index, node)) => seed
                .deserialize(NodeDeserializer {
                    node,
                    path: format!("{}[{index}]", self.path),
                })
                .map(Some),
            None => Ok(None),
        }
    }
}

struct MapReader<'a, 'p, I> {
    entries: I,
    pending: Option<(String, &'a Node)>,
    parent: &'p NodeDeserializer<'a>,
}

impl<'de, 'a, I> MapAccess<'de> for MapReader<'a, '_, I>
where
    I: Iterator<Item = (&'a String, &'a super::node::Entry)>,
{
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.entries.next() {
            Some((key, entry)) => {
                let path = self.parent.child_path(key);
                let key_origin = entry
                    .key_origin
                    .clone()
                    .or_else(|| entry.node.origin.clone());
                let value = seed
                    .deserialize(key.as_str().into_deserializer())
                    .map_err(|e: Error| e.located(&path, &key_origin))?;
                self.pending = Some((path, &entry.node));
                Ok(Some(value))
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let (path, node) = self
            .pending
            .take()
            .ok_or_else(|| <Error as de::Error>::custom("value requested before key"))?;
        seed.deserialize(NodeDeserializer { node, path })
    }
}

struct UnitVariant<'a>(&'a str);

impl<'de, 'a> EnumAccess<'de> for UnitVariant<'a> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), Error> {
        let value = seed.deserialize(self.0.into_deserializer())?;
        Ok((value, self))
    }
}

impl<'de> VariantAccess<'de> for UnitVariant<'_> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        Ok(())
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, _seed: T) -> Result<T::Value, Error> {
        Err(de::Error::custom("expected a plain value"))
    }
    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, _visitor: V) -> Result<V::Value, Error> {
        Err(de::Error::custom("expected a plain value"))
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Error> {
        Err(de::Error::custom("expected a plain value"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::yaml::parse_values;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct Top {
        deploy_target: Target,
        proxy: Proxy,
        #[serde(default)]
        ports: Vec<u16>,
        tag: String,
        secret: Option<String>,
        annotations: indexmap::IndexMap<String, String>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Proxy {
        enabled: bool,
        replicas: u32,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "UPPERCASE")]
    enum Target {
        Local,
        Amazon,
    }

    fn read(text: &str) -> Result<Top, Diagnostic> {
        from_node(&parse_values(text, "v.yaml").unwrap())
    }

    const GOOD: &str = "deployTarget: AMAZON\nproxy:\n  enabled: true\n  replicas: 2\ntag: 2.11\nsecret: null\nannotations: {a: b}\n";

    #[test]
    fn reads_typed_values() {
        let top = read(GOOD).unwrap();
        assert_eq!(top.deploy_target, Target::Amazon);
        assert_eq!(top.tag, "2.11");
        assert_eq!(
            top.proxy,
            Proxy {
                enabled: true,
                replicas: 2
            }
        );
        assert_eq!(top.secret, None);
    }

    #[test]
    fn unknown_key_names_path_position_and_suggestion() {
        let err =
            read(&GOOD.replace("  replicas: 2", "  replicas: 2\n  enabeld: true")).unwrap_err();
        assert_eq!(err.key_path.as_deref(), Some("proxy.enabeld"));
        assert_eq!(err.origin.as_ref().unwrap().to_string(), "v.yaml:5:3");
        assert_eq!(err.help.as_deref(), Some("did you mean `enabled`?"));
        let err = read(&format!("proxxy: 1\n{GOOD}")).unwrap_err();
        assert_eq!(err.key_path.as_deref(), Some("proxxy"));
        assert_eq!(err.help.as_deref(), Some("did you mean `proxy`?"));
    }

    #[test]
    fn wrong_type_points_at_the_value() {
        let err = read(&GOOD.replace("enabled: true", "enabled: \"yes\"")).unwrap_err();
        assert_eq!(err.key_path.as_deref(), Some("proxy.enabled"));
        assert_eq!(err.message, "expected a boolean, got string \"yes\"");
        assert_eq!(err.origin.as_ref().unwrap().to_string(), "v.yaml:3:12");
        let err = read(&GOOD.replace("replicas: 2", "replicas: -1")).unwrap_err();
        assert_eq!(err.key_path.as_deref(), Some("proxy.replicas"));
    }

    #[test]
    fn bad_enum_value_lists_choices() {
        let err = read(&GOOD.replace("AMAZON", "AMAZONN")).unwrap_err();
        assert_eq!(err.key_path.as_deref(), Some("deployTarget"));
        assert!(
            err.help
                .as_deref()
                .unwrap()
                .contains("did you mean `AMAZON`?"),
            "{err}"
        );
        assert!(err.to_string().contains("v.yaml:1:15"), "{err}");
    }

    #[test]
    fn missing_key_names_the_section() {
        let err = read(
            "deployTarget: LOCAL\nproxy:\n  enabled: true\ntag: x\nsecret: x\nannotations: {}\n",
        )
        .unwrap_err();
        assert_eq!(err.key_path.as_deref(), Some("proxy"));
        assert!(err.message.contains("`replicas`"), "{err}");
    }

    #[test]
    fn list_items_have_indexed_paths() {
        let err = read(&format!("{GOOD}ports: [80, 99999]\n")).unwrap_err();
        assert_eq!(err.key_path.as_deref(), Some("ports[1]"));
    }

    #[test]
    fn credentials_are_not_echoed() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct S {
            secret: bool,
        }
        let node = parse_values("secret: hunter2\n", "v.yaml").unwrap();
        let err = from_node::<S>(&node).unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
        assert!(is_secret_path("pachd.storage.amazon.secret"));
        assert!(is_secret_path("pachd.enterpriseLicenseKey"));
        assert!(!is_secret_path("pachd.storage.amazon.bucket"));
        assert!(is_secret_path("oidc.upstreamIDPs"));
        assert!(is_secret_path("oidc.upstreamIDPs[0].config.clientID"));
        assert!(is_secret_path("proxy.tls.secret.cert"));
        assert!(!is_secret_path("oidc.issuerURI"));
    }
}
