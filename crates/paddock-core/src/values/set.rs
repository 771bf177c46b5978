//! Helm's `--set`, `--set-string` and `--set-file` syntax: `a.b=c,list[0]=x,tags={a,b}`.

use std::sync::Arc;

use super::node::{Entry, EntryMap, Node, Origin, Scalar, Value};
use crate::diagnostic::Diagnostic;

/// Which flag an assignment came from; decides how its value is typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetKind {
    /// `--set`: `true`/`false`/`null` and integers are typed, the rest are strings.
    Typed,
    /// `--set-string`: every value is a string.
    String,
    /// `--set-file`: the value is a path whose contents become a string.
    File,
}

impl SetKind {
    /// The command-line flag for this kind.
    pub fn flag(self) -> &'static str {
        match self {
            SetKind::Typed => "--set",
            SetKind::String => "--set-string",
            SetKind::File => "--set-file",
        }
    }
}

/// One path step: a mapping key or a list index.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// Applies one flag argument (possibly several comma-separated assignments) onto `tree`.
///
/// `read_file` resolves `--set-file` paths; it is a parameter so tests need no files.
pub fn apply_set(
    tree: &mut Node,
    argument: &str,
    kind: SetKind,
    read_file: &dyn Fn(&str) -> Result<String, String>,
) -> Result<(), Diagnostic> {
    for assignment in split_unescaped(argument, ',', true) {
        if assignment.is_empty() {
            continue;
        }
        let (raw_key, raw_value) = split_key_value(&assignment).ok_or_else(|| {
            Diagnostic::bad_input(format!(
                "{} expects key=value, got {:?}",
                kind.flag(),
                key_only(&assignment)
            ))
        })?;
        let steps = parse_key(&raw_key).map_err(|why| {
            Diagnostic::bad_input(format!("{} key {raw_key:?}: {why}", kind.flag()))
        })?;
        let origin = Some(Origin::Flag {
            flag: kind.flag(),
            argument: Arc::from(format!("{raw_key}=…")),
        });
        let value = match kind {
            SetKind::File => {
                let path = unescape(&raw_value);
                let text = read_file(&path).map_err(|why| {
                    Diagnostic::bad_input(format!("cannot read {path}: {why}"))
                        .at_path(key_path(&steps))
                        .with_origin(origin.clone())
                })?;
                Value::Scalar(Scalar::String(text))
            }
            _ => parse_value(&raw_value, kind, &origin),
        };
        set_path(
            tree,
            &steps,
            Node {
                value,
                origin: origin.clone(),
            },
            &origin,
        )
        .map_err(|why| {
            Diagnostic::bad_input(why)
                .at_path(key_path(&steps))
                .with_origin(origin.clone())
        })?;
    }
    Ok(())
}

fn key_only(assignment: &str) -> String {
    assignment.split('=').next().unwrap_or("").to_owned()
}

fn key_path(steps: &[Step]) -> String {
    let mut out = String::new();
    for step in steps {
        match step {
            Step::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// Splits on `sep` where it is not escaped with a backslash (and, for values, not inside `{}`).
fn split_unescaped(text: &str, sep: char, respect_braces: bool) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                current.push(c);
                if let Some(next) = chars.next() {
                    current.push(next);
                }
            }
            '{' if respect_braces => {
                depth += 1;
                current.push(c);
            }
            '}' if respect_braces => {
                depth = depth.saturating_sub(1);
                current.push(c);
            }
            c if c == sep && depth == 0 => parts.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    parts.push(current);
    parts
}

fn split_key_value(assignment: &str) -> Option<(String, String)> {
    let mut escaped = false;
    for (i, c) in assignment.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '=' if !escaped => {
                return Some((assignment[..i].to_owned(), assignment[i + 1..].to_owned()));
            }
            _ => escaped = false,
        }
    }
    None
}

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn parse_key(raw: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    for part in split_unescaped(raw, '.', false) {
        let mut rest = part.as_str();
        let name_end = find_unescaped(rest, '[').unwrap_or(rest.len());
        let name = unescape(&rest[..name_end]);
        if name.is_empty() && steps.is_empty() && name_end == rest.len() {
            return Err("empty key".into());
        }
        if !name.is_empty() {
            steps.push(Step::Key(name));
        } else if name_end == rest.len() {
            return Err("empty key segment".into());
        }
        rest = &rest[name_end..];
        while let Some(stripped) = rest.strip_prefix('[') {
            let close = stripped.find(']').ok_or("unclosed [")?;
            let index: usize = stripped[..close]
                .parse()
                .map_err(|_| format!("list index {:?} is not a number", &stripped[..close]))?;
            if index > 65_536 {
                return Err(format!("list index {index} is too large"));
            }
            steps.push(Step::Index(index));
            rest = &stripped[close + 1..];
        }
        if !rest.is_empty() {
            return Err(format!("unexpected {rest:?} after ]"));
        }
    }
    if matches!(steps.first(), Some(Step::Index(_)) | None) {
        return Err("a key must start with a name".into());
    }
    Ok(steps)
}

fn find_unescaped(text: &str, wanted: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == wanted {
            return Some(i);
        }
    }
    None
}

fn parse_value(raw: &str, kind: SetKind, origin: &Option<Origin>) -> Value {
    if let Some(inner) = raw.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
        let items = if inner.is_empty() {
            Vec::new()
        } else {
            split_unescaped(inner, ',', true)
                .iter()
                .map(|item| Node {
                    value: parse_value(item, kind, origin),
                    origin: origin.clone(),
                })
                .collect()
        };
        return Value::Seq(items);
    }
    let text = unescape(raw);
    if kind == SetKind::String {
        return Value::Scalar(Scalar::String(text));
    }
    Value::Scalar(match text.as_str() {
        "true" => Scalar::Bool(true),
        "false" => Scalar::Bool(false),
        "null" => Scalar::Null,
        t if looks_like_int(t) => t.parse().map(Scalar::Int).unwrap_or(Scalar::String(text)),
        _ => Scalar::String(text),
    })
}

/// Helm types `--set` integers, but keeps numbers with a leading zero (`0123`) as strings.
fn looks_like_int(t: &str) -> bool {
    let digits = t.strip_prefix('-').unwrap_or(t);
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
}

fn set_path(
    node: &mut Node,
    steps: &[Step],
    leaf: Node,
    origin: &Option<Origin>,
) -> Result<(), String> {
    let Some((step, rest)) = steps.split_first() else {
        *node = leaf;
        return Ok(());
    };
    match step {
        Step::Key(key) => {
            if !matches!(node.value, Value::Map(_)) {
                node.value = Value::Map(EntryMap::default());
                node.origin = origin.clone();
            }
            let Value::Map(map) = &mut node.value else {
                unreachable!()
            };
            let entry = map.entry(key.clone()).or_insert_with(|| Entry {
                key_origin: origin.clone(),
                node: Node {
                    value: Value::Scalar(Scalar::Null),
                    origin: origin.clone(),
                },
            });
            entry.key_origin = origin.clone();
            set_path(&mut entry.node, rest, leaf, origin)
        }
        Step::Index(index) => {
            if !matches!(node.value, Value::Seq(_)) {
                node.value = Value::Seq(Vec::new());
                node.origin = origin.clone();
            }
            let Value::Seq(items) = &mut node.value else {
                unreachable!()
            };
            while items.len() <= *index {
                items.push(Node {
                    value: Value::Scalar(Scalar::Null),
                    origin: origin.clone(),
                });
            }
            set_path(&mut items[*index], rest, leaf, origin)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn set(args: &[(&str, SetKind)]) -> Result<serde_json::Value, Diagnostic> {
        let mut tree = Node::empty_map();
        let files = |path: &str| match path {
            "cert.pem" => Ok("-----BEGIN CERTIFICATE-----\nabc\n".to_owned()),
            _ => Err("No such file or directory".to_owned()),
        };
        for (arg, kind) in args {
            apply_set(&mut tree, arg, *kind, &files)?;
        }
        Ok(tree.to_json())
    }

    #[test]
    fn nested_keys_and_types() {
        let v = set(&[(
            "a.b=c,n=5,t=true,f=false,z=null,s=0123,neg=-3,fl=1.5",
            SetKind::Typed,
        )])
        .unwrap();
        assert_eq!(
            v,
            json!({"a": {"b": "c"}, "n": 5, "t": true, "f": false, "z": null, "s": "0123", "neg": -3, "fl": "1.5"})
        );
    }

    #[test]
    fn set_string_keeps_strings() {
        let v = set(&[("pachd.image.tag=2.11,enabled=true", SetKind::String)]).unwrap();
        assert_eq!(
            v,
            json!({"pachd": {"image": {"tag": "2.11"}}, "enabled": "true"})
        );
    }

    #[test]
    fn lists_indexes_and_escapes() {
        let v = set(&[
            ("hosts={a,b,c},empty={}", SetKind::Typed),
            ("items[1].name=x,items[0]=y", SetKind::Typed),
            (
                r"nodeSelector.kubernetes\.io/role=master,msg=a\,b",
                SetKind::Typed,
            ),
        ])
        .unwrap();
        assert_eq!(v["hosts"], json!(["a", "b", "c"]));
        assert_eq!(v["empty"], json!([]));
        assert_eq!(v["items"], json!(["y", {"name": "x"}]));
        assert_eq!(v["nodeSelector"], json!({"kubernetes.io/role": "master"}));
        assert_eq!(v["msg"], json!("a,b"));
    }

    #[test]
    fn later_assignments_override_earlier_ones() {
        let v = set(&[("a.b=1", SetKind::Typed), ("a.b=2,a.c=3", SetKind::Typed)]).unwrap();
        assert_eq!(v, json!({"a": {"b": 2, "c": 3}}));
    }

    #[test]
    fn set_file_reads_contents_and_reports_missing_files() {
        let v = set(&[("proxy.tls.secret.cert=cert.pem", SetKind::File)]).unwrap();
        assert_eq!(
            v["proxy"]["tls"]["secret"]["cert"],
            json!("-----BEGIN CERTIFICATE-----\nabc\n")
        );
        let err = set(&[("proxy.tls.secret.key=missing.pem", SetKind::File)]).unwrap_err();
        assert_eq!(err.key_path.as_deref(), Some("proxy.tls.secret.key"));
        assert!(err.message.contains("missing.pem"), "{err}");
    }

    #[test]
    fn malformed_assignments_are_rejected_without_echoing_values() {
        let err = set(&[("pachd.storage.amazon.secret", SetKind::Typed)]).unwrap_err();
        assert!(err.message.contains("key=value"), "{err}");
        let err = set(&[("a[x]=1", SetKind::Typed)]).unwrap_err();
        assert!(err.message.contains("not a number"), "{err}");
        let err = set(&[("=1", SetKind::Typed)]).unwrap_err();
        assert!(err.message.contains("key"), "{err}");
    }

    #[test]
    fn origin_never_contains_the_value() {
        let mut tree = Node::empty_map();
        apply_set(
            &mut tree,
            "pachd.storage.amazon.secret=hunter2",
            SetKind::Typed,
            &|_| Err(String::new()),
        )
        .unwrap();
        let entry = tree.get_path("pachd.storage.amazon.secret").unwrap();
        let shown = entry.node.origin.as_ref().unwrap().to_string();
        assert!(!shown.contains("hunter2"), "{shown}");
        assert_eq!(shown, "--set pachd.storage.amazon.secret=…");
    }
}
