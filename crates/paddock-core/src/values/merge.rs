//! Helm's layering of values: later sources win, mappings merge key by key.

use super::node::{Node, Value};

/// Merges `overlay` onto `base`: mappings merge recursively, anything else is replaced.
pub fn merge_into(base: &mut Node, overlay: Node) {
    match (&mut base.value, overlay.value) {
        (Value::Map(base_map), Value::Map(over_map)) => {
            for (key, entry) in over_map {
                match base_map.get_mut(&key) {
                    Some(existing) if matches!(entry.node.value, Value::Map(_)) => {
                        if matches!(existing.node.value, Value::Map(_)) {
                            merge_into(&mut existing.node, entry.node);
                            existing.key_origin = entry.key_origin;
                        } else {
                            *existing = entry;
                        }
                    }
                    Some(existing) => *existing = entry,
                    None => {
                        base_map.insert(key, entry);
                    }
                }
            }
            if overlay.origin.is_some() && base.origin.is_none() {
                base.origin = overlay.origin;
            }
        }
        (_, value) => {
            base.value = value;
            base.origin = overlay.origin;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::yaml::parse_values;

    #[test]
    fn later_files_win_and_maps_merge() {
        let mut base = parse_values("a:\n  b: 1\n  c: 2\nlist: [1, 2]\n", "one.yaml").unwrap();
        let over = parse_values("a:\n  c: 3\n  d: 4\nlist: [9]\n", "two.yaml").unwrap();
        merge_into(&mut base, over);
        assert_eq!(
            base.to_json(),
            serde_json::json!({"a": {"b": 1, "c": 3, "d": 4}, "list": [9]})
        );
        let c = base.get_path("a.c").unwrap();
        assert!(
            c.node
                .origin
                .as_ref()
                .unwrap()
                .to_string()
                .starts_with("two.yaml:2:")
        );
    }

    #[test]
    fn scalar_replaced_by_map_and_back() {
        let mut base = parse_values("a: 1\nb:\n  x: 1\n", "one.yaml").unwrap();
        merge_into(
            &mut base,
            parse_values("a:\n  y: 2\nb: null\n", "two.yaml").unwrap(),
        );
        assert_eq!(
            base.to_json(),
            serde_json::json!({"a": {"y": 2}, "b": null})
        );
    }
}
