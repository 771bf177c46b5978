//! A values tree that remembers where every key and value came from.

use std::fmt;
use std::sync::Arc;

use indexmap::IndexMap;

/// Where a piece of input came from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A position in a file (1-based line and column).
    File {
        /// The file's path as the user gave it.
        file: Arc<str>,
        /// 1-based line.
        line: u32,
        /// 1-based column.
        column: u32,
    },
    /// A command-line flag such as `--set pachd.image.tag=x`.
    Flag {
        /// The flag's name, e.g. `--set`.
        flag: &'static str,
        /// The flag's argument as given.
        argument: Arc<str>,
    },
    /// The built-in defaults of a stack.
    Defaults,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File { file, line, column } => write!(f, "{file}:{line}:{column}"),
            Origin::Flag { flag, argument } => write!(f, "{flag} {argument}"),
            Origin::Defaults => write!(f, "built-in defaults"),
        }
    }
}

/// A YAML scalar, already typed by the YAML 1.2 core schema.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    /// `null`, `~` or an empty value.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// Anything else, including quoted numbers and booleans.
    String(String),
}

/// The shape of a node.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A scalar.
    Scalar(Scalar),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping with string keys, in document order; each entry keeps its key's origin.
    Map(EntryMap),
}

/// A mapping's entries by key, in document order. Keys are hashed with foldhash (randomly
/// seeded) rather than SipHash: values trees are built on every run, and their maps are small.
pub type EntryMap = IndexMap<String, Entry, foldhash::fast::RandomState>;

/// One mapping entry: the key's origin plus the value.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Where the key was written.
    pub key_origin: Option<Origin>,
    /// The value.
    pub node: Node,
}

/// A value with the origin of the text it was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Where it was written.
    pub origin: Option<Origin>,
}

impl Node {
    /// A node with no recorded origin.
    pub fn new(value: Value) -> Self {
        Self {
            value,
            origin: None,
        }
    }

    /// An empty mapping.
    pub fn empty_map() -> Self {
        Self::new(Value::Map(EntryMap::default()))
    }

    /// The mapping entries, if this is a mapping.
    pub fn as_map(&self) -> Option<&EntryMap> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// Looks a dotted path up (`pachd.storage.amazon`), mappings only.
    pub fn get_path(&self, path: &str) -> Option<&Entry> {
        let mut parts = path.split('.');
        let first = parts.next()?;
        let mut entry = self.as_map()?.get(first)?;
        for part in parts {
            entry = entry.node.as_map()?.get(part)?;
        }
        Some(entry)
    }

    /// Mutable lookup of a dotted path, mappings only.
    pub fn get_path_mut(&mut self, path: &str) -> Option<&mut Entry> {
        let mut parts = path.split('.');
        let first = parts.next()?;
        let Value::Map(map) = &mut self.value else {
            return None;
        };
        let mut entry = map.get_mut(first)?;
        for part in parts {
            let Value::Map(map) = &mut entry.node.value else {
                return None;
            };
            entry = map.get_mut(part)?;
        }
        Some(entry)
    }

    /// Removes the entry at a dotted path (mappings only); whether it was there.
    pub fn remove_path(&mut self, path: &str) -> bool {
        let (map_value, leaf) = match path.rsplit_once('.') {
            Some((parent, leaf)) => match self.get_path_mut(parent) {
                Some(entry) => (&mut entry.node.value, leaf),
                None => return false,
            },
            None => (&mut self.value, path),
        };
        match map_value {
            Value::Map(map) => map.shift_remove(leaf).is_some(),
            _ => false,
        }
    }

    /// Whether this node is a null scalar.
    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Scalar(Scalar::Null))
    }

    /// Converts to a plain JSON value (origins dropped).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Scalar(Scalar::Null) => J::Null,
            Value::Scalar(Scalar::Bool(b)) => J::Bool(*b),
            Value::Scalar(Scalar::Int(i)) => J::from(*i),
            Value::Scalar(Scalar::Float(x)) => serde_json::Number::from_f64(*x)
                .map(J::Number)
                .unwrap_or(J::Null),
            Value::Scalar(Scalar::String(s)) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(m) => J::Object(
                m.iter()
                    .map(|(k, e)| (k.clone(), e.node.to_json()))
                    .collect(),
            ),
        }
    }

    /// A short description of the node's type for messages (`a string "yes"`, `a mapping`).
    pub fn describe(&self) -> String {
        match &self.value {
            Value::Scalar(Scalar::Null) => "null".into(),
            Value::Scalar(Scalar::Bool(b)) => format!("boolean {b}"),
            Value::Scalar(Scalar::Int(i)) => format!("integer {i}"),
            Value::Scalar(Scalar::Float(x)) => format!("number {x}"),
            Value::Scalar(Scalar::String(s)) => format!("string {s:?}"),
            Value::Seq(_) => "a list".into(),
            Value::Map(_) => "a mapping".into(),
        }
    }
}
