//! Helm-compatible values: YAML files and `--set` flags layered into one tree with origins,
//! then read into typed structs with precise errors.

pub mod de;
pub mod merge;
pub mod node;
pub mod set;
pub mod static_tree;
pub mod yaml;

pub use de::{from_node, is_secret_path};
pub use merge::merge_into;
pub use node::{Entry, EntryMap, Node, Origin, Scalar, Value};
pub use set::{SetKind, apply_set};
pub use yaml::{parse_document, parse_values};
