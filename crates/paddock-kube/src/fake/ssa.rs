//! Server-side apply, simplified: ownership of leaf fields per field manager, lists atomic.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

/// A path to a leaf field.
pub type FieldPath = Vec<String>;

const SYSTEM_METADATA: &[&str] = &[
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
    "deletionTimestamp",
];

/// The leaf fields of an object (maps are walked; lists, scalars and empty maps are leaves);
/// identity and server-maintained fields are left out.
pub fn leaves(object: &Value) -> BTreeSet<FieldPath> {
    fn walk(v: &Value, path: &mut Vec<String>, out: &mut BTreeSet<FieldPath>) {
        match v {
            Value::Object(m) if !m.is_empty() => {
                for (k, child) in m {
                    if path.len() == 1
                        && path[0] == "metadata"
                        && SYSTEM_METADATA.contains(&k.as_str())
                    {
                        continue;
                    }
                    if path.is_empty() && matches!(k.as_str(), "apiVersion" | "kind" | "status") {
                        continue;
                    }
                    path.push(k.clone());
                    walk(child, path, out);
                    path.pop();
                }
            }
            _ => {
                if !path.is_empty() {
                    out.insert(path.clone());
                }
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(object, &mut Vec::new(), &mut out);
    out
}

/// The value at `path`.
pub fn get<'a>(v: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, k| v.as_object()?.get(k))
}

fn set(v: &mut Value, path: &[String], value: Value) {
    let mut cur = v;
    for k in &path[..path.len() - 1] {
        if !cur.is_object() {
            *cur = Value::Object(Map::new());
        }
        cur = cur
            .as_object_mut()
            .expect("map")
            .entry(k.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if !cur.is_object() {
            *cur = Value::Object(Map::new());
        }
    }
    if !cur.is_object() {
        *cur = Value::Object(Map::new());
    }
    cur.as_object_mut()
        .expect("map")
        .insert(path[path.len() - 1].clone(), value);
}

fn remove(v: &mut Value, path: &[String]) {
    if path.is_empty() {
        return;
    }
    if path.len() == 1 {
        if let Some(m) = v.as_object_mut() {
            m.remove(&path[0]);
        }
        return;
    }
    if let Some(child) = v.as_object_mut().and_then(|m| m.get_mut(&path[0])) {
        remove(child, &path[1..]);
        if child.as_object().is_some_and(Map::is_empty)
            && let Some(m) = v.as_object_mut()
        {
            m.remove(&path[0]);
        }
    }
}

fn overlaps(a: &[String], b: &[String]) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

/// `.spec.replicas` style text of a path.
pub fn dotted(path: &[String]) -> String {
    path.iter().map(|p| format!(".{p}")).collect()
}

/// Applies `applied` for `manager` over `live`. Returns the merged object and the new owners,
/// or the conflicts (other manager, field) when another manager owns a field this apply sets
/// to a different value and `force` is off.
#[allow(clippy::type_complexity)]
pub fn apply(
    live: Option<&Value>,
    applied: &Value,
    managed: &BTreeMap<String, BTreeSet<FieldPath>>,
    manager: &str,
    force: bool,
) -> Result<(Value, BTreeMap<String, BTreeSet<FieldPath>>), Vec<(String, String)>> {
    let mine = leaves(applied);
    let empty = Value::Object(Map::new());
    let live_v = live.unwrap_or(&empty);
    let mut owners = managed.clone();
    let mut conflicts = Vec::new();
    for (other, paths) in managed.iter().filter(|(m, _)| m.as_str() != manager) {
        for q in paths {
            if mine.iter().any(|p| overlaps(p, q)) && get(live_v, q) != get(applied, q) {
                conflicts.push((other.clone(), q.clone()));
            }
        }
    }
    if !conflicts.is_empty() {
        if !force {
            return Err(conflicts
                .into_iter()
                .map(|(m, p)| (m, dotted(&p)))
                .collect());
        }
        for (other, q) in &conflicts {
            if let Some(set) = owners.get_mut(other) {
                set.remove(q);
            }
        }
    }
    let mut merged = live.cloned().unwrap_or_else(|| applied.clone());
    if live.is_some() {
        let before: BTreeSet<FieldPath> = managed.get(manager).cloned().unwrap_or_default();
        for q in before.difference(&mine) {
            let shared = owners
                .iter()
                .any(|(m, ps)| m != manager && ps.iter().any(|p| overlaps(p, q)));
            if !shared {
                remove(&mut merged, q);
            }
        }
        for p in &mine {
            set(
                &mut merged,
                p,
                get(applied, p).cloned().unwrap_or(Value::Null),
            );
        }
    }
    owners.insert(manager.to_owned(), mine);
    owners.retain(|_, p| !p.is_empty());
    Ok((merged, owners))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn owns_merges_and_conflicts() {
        let first = json!({"metadata": {"name": "a", "labels": {"x": "1"}}, "spec": {"replicas": 1, "image": "i"}});
        let (obj, owners) = apply(None, &first, &BTreeMap::new(), "kubectl", false).unwrap();
        // paddock sets a different replica count: conflict.
        let mine = json!({"metadata": {"name": "a"}, "spec": {"replicas": 3}});
        let err = apply(Some(&obj), &mine, &owners, "paddock", false).unwrap_err();
        assert_eq!(err, [("kubectl".to_owned(), ".spec.replicas".to_owned())]);
        // Forced: taken over.
        let (obj2, owners2) = apply(Some(&obj), &mine, &owners, "paddock", true).unwrap();
        assert_eq!(obj2["spec"]["replicas"], 3);
        assert!(!owners2["kubectl"].contains(&vec!["spec".to_owned(), "replicas".to_owned()]));
        // The same value is shared, not a conflict.
        let same = json!({"metadata": {"name": "a"}, "spec": {"image": "i", "other": 1}});
        let (obj3, owners3) = apply(Some(&obj2), &same, &owners2, "paddock", false).unwrap();
        // paddock dropped replicas from its apply: removed (nobody else owns it).
        assert!(obj3["spec"].get("replicas").is_none());
        assert_eq!(obj3["spec"]["image"], "i");
        assert_eq!(obj3["metadata"]["labels"]["x"], "1");
        assert!(owners3["paddock"].len() == 2);
    }
}
