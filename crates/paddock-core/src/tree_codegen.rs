//! Writes a parsed YAML document as Rust source for a `StaticTree` (src/values/static_tree.rs),
//! so that the built-in stacks' stack.yaml, values.yaml and service.yaml files are read at
//! build time rather than on every run. `build.rs` includes this file. Integers that fit an
//! `i64` stay integers (as the values reader types them); other numbers become floats.

use serde_json::Value;
use std::fmt::Write as _;

/// Rust source for the `StaticTree` of `value` (variants named through `StaticTree::*`).
pub fn tree_source(value: &Value) -> String {
    let mut out = String::new();
    write_tree(value, &mut out);
    out
}

fn write_tree(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("Null"),
        Value::Bool(b) => write!(out, "Bool({b})").unwrap(),
        Value::Number(n) => match n.as_i64() {
            Some(i) => write!(out, "Int({i})").unwrap(),
            // `{:?}` writes the shortest text that reads back as the same f64.
            None => write!(out, "Float({:?})", n.as_f64().unwrap_or(0.0)).unwrap(),
        },
        Value::String(s) => write!(out, "Str({s:?})").unwrap(),
        Value::Array(items) => {
            out.push_str("Seq(&[");
            for item in items {
                write_tree(item, out);
                out.push(',');
            }
            out.push_str("])");
        }
        Value::Object(map) => {
            out.push_str("Map(&[");
            for (key, item) in map {
                write!(out, "({key:?},").unwrap();
                write_tree(item, out);
                out.push_str("),");
            }
            out.push_str("])");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_kind_of_value_is_written_as_its_variant() {
        let value = json!({"a": null, "b": [true, 7, -3, 1.5, 18446744073709551615u64],
            "q\"uote": "line\nfeed ✓ \u{feff}", "empty": {}, "none": []});
        assert_eq!(
            tree_source(&value),
            r#"Map(&[("a",Null),("b",Seq(&[Bool(true),Int(7),Int(-3),Float(1.5),Float(1.8446744073709552e19),])),("q\"uote",Str("line\nfeed ✓ \u{feff}")),("empty",Map(&[])),("none",Seq(&[])),])"#
        );
    }
}
