//! The built-in stacks' stack.yaml, values.yaml and service.yaml files, read at build time
//! (build.rs, `src/tree_codegen.rs`) into static trees: loading a built-in stack then builds
//! its values trees from these instead of parsing the YAML on every run. A tree is used only
//! for the exact text it was read from; any other text is parsed as usual.

use super::node::{Entry, EntryMap, Node, Origin, Scalar, Value};

/// A parsed YAML document as static data: a values tree without origins.
#[derive(Debug)]
pub enum StaticTree {
    /// `null`, `~` or an empty value.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer that fits an `i64`.
    Int(i64),
    /// Any other number.
    Float(f64),
    /// A string.
    Str(&'static str),
    /// A sequence.
    Seq(&'static [StaticTree]),
    /// A mapping, in document order.
    Map(&'static [(&'static str, StaticTree)]),
}

use StaticTree::*;

include!(concat!(env!("OUT_DIR"), "/builtin_trees.rs"));

/// The tree read at build time from a built-in stack file whose text is exactly `text`.
pub fn builtin_tree(text: &str) -> Option<&'static StaticTree> {
    BUILTIN_TREES.iter().find_map(|(file, tree)| {
        let source = crate::catalog::BUILTIN_STACK_FILES[*file].1;
        (source.len() == text.len() && source == text).then_some(tree)
    })
}

impl Node {
    /// Builds a tree from a static one, giving every node (and key) the same origin.
    pub fn from_static(tree: &StaticTree, origin: &Option<Origin>) -> Self {
        let value = match tree {
            Null => Value::Scalar(Scalar::Null),
            Bool(b) => Value::Scalar(Scalar::Bool(*b)),
            Int(i) => Value::Scalar(Scalar::Int(*i)),
            Float(x) => Value::Scalar(Scalar::Float(*x)),
            Str(s) => Value::Scalar(Scalar::String((*s).to_owned())),
            Seq(items) => Value::Seq(items.iter().map(|i| Node::from_static(i, origin)).collect()),
            Map(entries) => {
                let mut map = EntryMap::with_capacity_and_hasher(entries.len(), Default::default());
                for (key, item) in *entries {
                    map.insert(
                        (*key).to_owned(),
                        Entry {
                            key_origin: origin.clone(),
                            node: Node::from_static(item, origin),
                        },
                    );
                }
                Value::Map(map)
            }
        };
        Node {
            value,
            origin: origin.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::BUILTIN_STACK_FILES;

    /// The files a built-in stack reads as values trees.
    fn is_tree_file(path: &str) -> bool {
        path.ends_with("/stack.yaml")
            || path.ends_with("/values.yaml")
            || path.ends_with("/service.yaml")
    }

    #[test]
    fn every_stack_values_and_service_file_has_its_tree() {
        let files: Vec<&str> = BUILTIN_STACK_FILES
            .iter()
            .filter(|(path, _)| is_tree_file(path))
            .map(|(path, _)| *path)
            .collect();
        assert!(files.len() >= 20, "{files:?}");
        for path in files {
            let text = BUILTIN_STACK_FILES
                .iter()
                .find(|(p, _)| *p == path)
                .unwrap()
                .1;
            assert!(
                builtin_tree(text).is_some(),
                "no build-time tree for {path}"
            );
        }
    }

    /// A tree as JSON text: equal only when keys come in the same order.
    fn in_order(node: &Node) -> String {
        serde_json::to_string(&node.to_json()).unwrap()
    }

    /// Whether every node and key of `node` has `origin`.
    fn all_from(node: &Node, origin: &Option<Origin>) -> bool {
        node.origin == *origin
            && match &node.value {
                Value::Scalar(_) => true,
                Value::Seq(items) => items.iter().all(|item| all_from(item, origin)),
                Value::Map(map) => map
                    .values()
                    .all(|entry| entry.key_origin == *origin && all_from(&entry.node, origin)),
            }
    }

    #[test]
    fn trees_equal_what_the_yaml_reader_makes_of_the_same_text() {
        let origin = Some(Origin::Defaults);
        for (file, tree) in BUILTIN_TREES {
            let (path, text) = BUILTIN_STACK_FILES[*file];
            let built = Node::from_static(tree, &origin);
            // Types and keys in order as the full YAML reader reads them; every origin the
            // built-in defaults.
            let full = super::super::parse_values(text, path).unwrap();
            assert_eq!(in_order(&built), in_order(&full), "{path}");
            assert!(all_from(&built, &origin), "{path}");
        }
    }

    #[test]
    fn other_text_has_no_tree() {
        let (_, values) = BUILTIN_STACK_FILES
            .iter()
            .find(|(path, _)| *path == "pachyderm/values.yaml")
            .unwrap();
        assert!(builtin_tree(values).is_some());
        assert!(builtin_tree(&format!("{values}\nextra: 1\n")).is_none());
        assert!(builtin_tree(&values.replacen("LOCAL", "AMAZON", 1)).is_none());
    }
}
