//! Plans: what an apply would create, change (as a diff) and delete — secrets redacted.

use std::fmt::Write as _;

use paddock_core::yaml_out;
use serde_json::Value;

use crate::objref::ObjectRef;
use crate::redact;

/// What happens to one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Does not exist yet.
    Create,
    /// Exists and differs; the diff is in [`Change::diff`].
    Update,
    /// Exists and is no longer rendered.
    Delete,
    /// Exists and would be kept although no longer rendered (PVCs), with the reason.
    Keep(String),
    /// Exists and is identical.
    Unchanged,
}

/// One object's planned change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The object.
    pub object: ObjectRef,
    /// What happens to it.
    pub action: Action,
    /// Unified diff of the redacted YAML (empty unless [`Action::Update`]).
    pub diff: String,
}

/// The changes an operation would make.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Every object considered, in apply order, deletions last.
    pub changes: Vec<Change>,
}

impl Plan {
    /// `true` when nothing would be created, changed or deleted.
    pub fn is_empty(&self) -> bool {
        self.changes
            .iter()
            .all(|c| matches!(c.action, Action::Unchanged | Action::Keep(_)))
    }

    /// Counts of (create, update, delete).
    pub fn counts(&self) -> (usize, usize, usize) {
        let n = |a: fn(&Action) -> bool| self.changes.iter().filter(|c| a(&c.action)).count();
        (
            n(|a| *a == Action::Create),
            n(|a| *a == Action::Update),
            n(|a| *a == Action::Delete),
        )
    }

    /// The plan as text: one line per created/deleted/kept object, a diff per changed one,
    /// and a summary line.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for c in &self.changes {
            match &c.action {
                Action::Create => writeln!(out, "+ create {}", c.object),
                Action::Delete => writeln!(out, "- delete {}", c.object),
                Action::Keep(why) => writeln!(out, "= keep   {} ({why})", c.object),
                Action::Update => writeln!(out, "~ change {}", c.object).and_then(|()| {
                    for line in c.diff.lines() {
                        writeln!(out, "    {line}")?;
                    }
                    Ok(())
                }),
                Action::Unchanged => Ok(()),
            }
            .expect("writing to a String");
        }
        let (create, update, delete) = self.counts();
        if self.is_empty() {
            out.push_str("No changes: the cluster matches the rendered release.\n");
        } else {
            let _ = writeln!(
                out,
                "Plan: {create} to create, {update} to change, {delete} to delete."
            );
        }
        out
    }
}

/// Removes what the server maintains (status, resourceVersion, managedFields, ...) so a live
/// object and a dry-run result compare equal when nothing would change.
pub fn normalize(object: &Value) -> Value {
    let mut o = object.clone();
    if let Some(obj) = o.as_object_mut() {
        obj.remove("status");
    }
    if let Some(meta) = o.get_mut("metadata").and_then(Value::as_object_mut) {
        for k in [
            "managedFields",
            "resourceVersion",
            "uid",
            "creationTimestamp",
            "generation",
            "selfLink",
        ] {
            meta.remove(k);
        }
        if meta
            .get("annotations")
            .is_some_and(|a| a.as_object().is_some_and(|m| m.is_empty()))
        {
            meta.remove("annotations");
        }
    }
    o
}

/// Compares a live object with the dry-run result of applying the desired one; `None` when they
/// are equal, else a unified diff of their redacted YAML.
pub fn diff_objects(live: &Value, dry_run: &Value) -> Option<String> {
    let before = normalize(live);
    let after = normalize(dry_run);
    if before == after {
        return None;
    }
    let (before, after) = redact::redact_pair(&before, &after);
    let (a, b) = (yaml_out::to_yaml(&before), yaml_out::to_yaml(&after));
    if a == b {
        // Only a secret value changed; the redacted forms show it.
        return Some("  (a secret value changed)\n".into());
    }
    let diff = similar::TextDiff::from_lines(&a, &b);
    Some(
        diff.unified_diff()
            .context_radius(2)
            .header("live", "rendered")
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn server_fields_do_not_count() {
        let live = json!({"kind": "ConfigMap", "metadata": {"name": "a", "resourceVersion": "5", "managedFields": []}, "data": {"x": "1"}, "status": {}});
        let dry = json!({"kind": "ConfigMap", "metadata": {"name": "a", "resourceVersion": "6"}, "data": {"x": "1"}});
        assert_eq!(diff_objects(&live, &dry), None);
    }

    #[test]
    fn diffs_are_unified_and_redacted() {
        let live = json!({"kind": "Secret", "metadata": {"name": "s"}, "data": {"password": "b2xk"}, "type": "Opaque"});
        let dry = json!({"kind": "Secret", "metadata": {"name": "s", "labels": {"a": "b"}}, "data": {"password": "bmV3"}, "type": "Opaque"});
        let d = diff_objects(&live, &dry).unwrap();
        assert!(d.contains("+  labels:"), "{d}");
        assert!(d.contains(redact::REDACTED_CHANGED));
        assert!(!d.contains("b2xk") && !d.contains("bmV3"));
    }

    #[test]
    fn plan_renders_a_summary() {
        let r = ObjectRef::of(
            &json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}),
            "",
        );
        let plan = Plan {
            changes: vec![
                Change {
                    object: r.clone(),
                    action: Action::Create,
                    diff: String::new(),
                },
                Change {
                    object: r.clone(),
                    action: Action::Unchanged,
                    diff: String::new(),
                },
            ],
        };
        assert!(!plan.is_empty());
        assert_eq!(
            plan.render(),
            "+ create ConfigMap/a\nPlan: 1 to create, 0 to change, 0 to delete.\n"
        );
        assert!(Plan::default().render().starts_with("No changes"));
    }
}
