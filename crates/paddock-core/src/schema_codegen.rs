//! Compiles the bundled Kubernetes schema (`schemas/k8s-v1.33-strict.json`) into Rust source:
//! every definition becomes a static `Node` tree, so that validation finds its schemas already
//! compiled and a run parses no schema JSON at all. `build.rs` includes this file and writes
//! the source it returns; `validate.rs` includes that output and defines the types it names
//! (`Node`, `Additional`, `IntFormat` and the `types` bits).

use serde_json::{Map, Value};
use std::fmt::Write as _;

/// The keywords the compiler understands; any other one is an error, not silently ignored.
const KEYWORDS: [&str; 9] = [
    "type",
    "properties",
    "additionalProperties",
    "items",
    "required",
    "enum",
    "$ref",
    "format",
    "oneOf",
];

/// JSON type names and the `types::` constant that stands for each.
const TYPE_CONSTANTS: [(&str, &str); 7] = [
    ("null", "NULL"),
    ("boolean", "BOOLEAN"),
    ("integer", "INTEGER"),
    ("number", "NUMBER"),
    ("string", "STRING"),
    ("array", "ARRAY"),
    ("object", "OBJECT"),
];

/// Returns Rust source defining `SCHEMA_VERSION`, `DEFINITION_NAMES` (sorted), `DEFINITIONS`
/// (one `Node` per name, same order, `$ref`s as positions in that order) and `KINDS`
/// (`"<apiVersion>/<Kind>"`, sorted, with its definition's position), or what is wrong with
/// the bundle, naming the definition and the keyword path.
pub fn generate(bundle: &str) -> Result<String, String> {
    let top: Value = serde_json::from_str(bundle).map_err(|err| format!("not JSON: {err}"))?;
    let field = |name: &str| {
        top.get(name)
            .ok_or_else(|| format!("no \"{name}\" field at the top level"))
    };
    let version = field("version")?
        .as_str()
        .ok_or("\"version\" is not a string")?;
    let defs = field("defs")?
        .as_object()
        .ok_or("\"defs\" is not an object")?;
    let kinds = field("kinds")?
        .as_object()
        .ok_or("\"kinds\" is not an object")?;
    let mut names: Vec<&str> = defs.keys().map(String::as_str).collect();
    names.sort_unstable();
    if names.len() > usize::from(u16::MAX) {
        return Err(format!("{} definitions: at most 65,535 fit", names.len()));
    }
    let position = |name: &str| names.binary_search(&name).ok();

    let mut out = String::new();
    writeln!(
        out,
        "/// Kubernetes version of the bundled schemas.\nconst SCHEMA_VERSION: &str = {version:?};"
    )
    .unwrap();
    writeln!(
        out,
        "/// Definition names, sorted (the tests check each definition against the bundle's).\n\
         #[cfg(test)]\nstatic DEFINITION_NAMES: [&str; {}] = [",
        names.len()
    )
    .unwrap();
    for name in &names {
        writeln!(out, "    {name:?},").unwrap();
    }
    out.push_str("];\n");
    writeln!(
        out,
        "/// Every definition's compiled schema, in the order of `DEFINITION_NAMES`.\n\
         static DEFINITIONS: [Node; {}] = [",
        names.len()
    )
    .unwrap();
    for name in &names {
        let mut compiler = Compiler {
            resolve: &position,
            out: &mut out,
        };
        compiler
            .node(&defs[*name], name)
            .map_err(|err| format!("definition {name}: {err}"))?;
        out.push_str(",\n");
    }
    out.push_str("];\n");

    let mut kind_rows = Vec::with_capacity(kinds.len());
    for (key, name) in kinds {
        let name = name
            .as_str()
            .ok_or_else(|| format!("kinds.{key}: not a string"))?;
        let id = position(name).ok_or_else(|| format!("kinds.{key}: unknown definition {name}"))?;
        kind_rows.push((key.as_str(), id));
    }
    kind_rows.sort_unstable();
    writeln!(
        out,
        "/// `\"<apiVersion>/<Kind>\"`, sorted, with the position of its definition.\n\
         static KINDS: [(&str, u16); {}] = [",
        kind_rows.len()
    )
    .unwrap();
    for (key, id) in kind_rows {
        writeln!(out, "    ({key:?}, {id}),").unwrap();
    }
    out.push_str("];\n");
    Ok(out)
}

/// Writes one schema as a `Node` expression.
struct Compiler<'c> {
    /// Definition name to position, for `$ref`.
    resolve: &'c dyn Fn(&str) -> Option<usize>,
    /// The source being written.
    out: &'c mut String,
}

impl Compiler<'_> {
    /// Writes the `Node` for `schema`, found at `path` (for error messages).
    fn node(&mut self, schema: &Value, path: &str) -> Result<(), String> {
        let schema = schema
            .as_object()
            .ok_or_else(|| format!("{path}: a schema must be an object"))?;
        if let Some(unknown) = schema.keys().find(|key| !KEYWORDS.contains(&key.as_str())) {
            return Err(format!("{path}: unknown keyword {unknown:?}"));
        }
        self.out.push_str("Node {");
        if let Some(types) = schema.get("type") {
            let bits = type_bits(types).map_err(|err| format!("{path}.type: {err}"))?;
            write!(self.out, " types: {bits},").unwrap();
        }
        if let Some(reference) = schema.get("$ref") {
            let name = text(reference, path, "$ref")?;
            let id =
                (self.resolve)(name).ok_or_else(|| format!("{path}.$ref: unresolved {name}"))?;
            write!(self.out, " reference: Some({id}),").unwrap();
        }
        if let Some(properties) = schema.get("properties") {
            let properties = properties
                .as_object()
                .ok_or_else(|| format!("{path}.properties: not an object"))?;
            self.properties(properties, path)?;
        }
        if let Some(additional) = schema.get("additionalProperties") {
            let at = format!("{path}.additionalProperties");
            match additional {
                Value::Bool(true) => {}
                Value::Bool(false) => self.out.push_str(" additional: Additional::Forbidden,"),
                Value::Object(_) => {
                    self.out.push_str(" additional: Additional::Schema(&");
                    self.node(additional, &at)?;
                    self.out.push_str("),");
                }
                _ => return Err(format!("{at}: expected a boolean or a schema")),
            }
        }
        if let Some(items) = schema.get("items") {
            self.out.push_str(" items: Some(&");
            self.node(items, &format!("{path}.items"))?;
            self.out.push_str("),");
        }
        if let Some(required) = schema.get("required") {
            let names = strings(required).map_err(|err| format!("{path}.required: {err}"))?;
            write!(self.out, " required: &{names:?},").unwrap();
        }
        if let Some(allowed) = schema.get("enum") {
            let members = strings(allowed).map_err(|err| format!("{path}.enum: {err}"))?;
            write!(self.out, " enumeration: Some(&{members:?}),").unwrap();
        }
        if let Some(format) = schema.get("format") {
            match text(format, path, "format")? {
                "int32" => self.out.push_str(" format: IntFormat::Int32,"),
                "int64" => self.out.push_str(" format: IntFormat::Int64,"),
                _ => {}
            }
        }
        if let Some(branches) = schema.get("oneOf") {
            let branches = branches
                .as_array()
                .ok_or_else(|| format!("{path}.oneOf: not a list"))?;
            self.out.push_str(" one_of: &[");
            for (position, branch) in branches.iter().enumerate() {
                self.node(branch, &format!("{path}.oneOf[{position}]"))?;
                self.out.push(',');
            }
            self.out.push_str("],");
        }
        self.out.push_str(" ..Node::ANY }");
        Ok(())
    }

    /// Writes `properties`, sorted by name for binary search.
    fn properties(&mut self, properties: &Map<String, Value>, path: &str) -> Result<(), String> {
        let mut sorted: Vec<(&String, &Value)> = properties.iter().collect();
        sorted.sort_unstable_by_key(|(name, _)| name.as_str());
        self.out.push_str(" properties: &[");
        for (name, schema) in sorted {
            write!(self.out, "({name:?}, ").unwrap();
            self.node(schema, &format!("{path}.properties.{name}"))?;
            self.out.push_str("),");
        }
        self.out.push_str("],");
        Ok(())
    }
}

/// `type` (a name or a list of names) as an expression over the `types::` bits.
fn type_bits(types: &Value) -> Result<String, String> {
    let names = match types {
        Value::String(name) => vec![name.as_str()],
        Value::Array(_) => strings(types)?,
        _ => return Err("expected a type name or a list of them".to_owned()),
    };
    if names.is_empty() {
        return Err("empty list of types".to_owned());
    }
    let mut terms = Vec::with_capacity(names.len());
    for name in names {
        let (_, constant) = TYPE_CONSTANTS
            .iter()
            .find(|(known, _)| *known == name)
            .ok_or_else(|| format!("unknown type {name:?}"))?;
        terms.push(format!("types::{constant}"));
    }
    Ok(terms.join(" | "))
}

/// The string value of `keyword` in the schema at `path`.
fn text<'v>(value: &'v Value, path: &str, keyword: &str) -> Result<&'v str, String> {
    value
        .as_str()
        .ok_or_else(|| format!("{path}.{keyword}: not a string"))
}

/// A list of strings.
fn strings(list: &Value) -> Result<Vec<&str>, String> {
    list.as_array()
        .ok_or("expected a list of strings")?
        .iter()
        .map(|item| {
            item.as_str()
                .ok_or_else(|| format!("{item} is not a string"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bundle around one definition `d` (and a definition `known` it may refer to).
    fn bundle_with(schema: &str) -> String {
        format!(
            r#"{{"version": "9.9", "defs": {{"d": {schema}, "known": {{"type": "string"}}}},
                "kinds": {{"v1/D": "d"}}}}"#
        )
    }

    #[test]
    fn writes_sorted_names_kinds_and_nodes() {
        let source = generate(&bundle_with(
            r#"{"type": ["object", "null"], "additionalProperties": false,
                "properties": {"z": {"$ref": "known"}, "a": {"type": "integer", "format": "int32"}},
                "required": ["z"]}"#,
        ))
        .unwrap();
        assert!(source.contains("const SCHEMA_VERSION: &str = \"9.9\";"));
        assert!(
            source
                .contains("static DEFINITION_NAMES: [&str; 2] = [\n    \"d\",\n    \"known\",\n];")
        );
        assert!(source.contains("static KINDS: [(&str, u16); 1] = [\n    (\"v1/D\", 0),\n];"));
        let a = source
            .find("(\"a\", Node { types: types::INTEGER, format: IntFormat::Int32,")
            .unwrap();
        let z = source.find("(\"z\", Node { reference: Some(1),").unwrap();
        assert!(a < z, "properties are sorted by name:\n{source}");
        assert!(source.contains("Node { types: types::OBJECT | types::NULL,"));
        assert!(source.contains("additional: Additional::Forbidden,"));
        assert!(source.contains("required: &[\"z\"],"));
    }

    #[test]
    fn rejects_what_the_validator_would_not_check() {
        for (schema, expected) in [
            (r#"{"$ref": "missing"}"#, "d.$ref: unresolved missing"),
            (r#"{"pattern": "^a$"}"#, "d: unknown keyword \"pattern\""),
            (r#"{"type": "strnig"}"#, "d.type: unknown type \"strnig\""),
            (r#"{"type": []}"#, "d.type: empty list of types"),
            (r#"{"format": 32}"#, "d.format: not a string"),
            (
                r#"{"type": 7}"#,
                "d.type: expected a type name or a list of them",
            ),
            (
                r#"{"additionalProperties": 3}"#,
                "d.additionalProperties: expected a boolean or a schema",
            ),
            (
                r#"{"properties": {"p": {"items": {"minimum": 1}}}}"#,
                "d.properties.p.items: unknown keyword \"minimum\"",
            ),
            (r#"{"enum": ["a", 1]}"#, "d.enum: 1 is not a string"),
            (
                r#"{"oneOf": [{"type": "string"}, 2]}"#,
                "d.oneOf[1]: a schema must be an object",
            ),
        ] {
            let err = generate(&bundle_with(schema)).unwrap_err();
            assert!(err.ends_with(expected), "{schema}: {err}");
            assert!(err.starts_with("definition d: "), "{err}");
        }
    }

    #[test]
    fn rejects_a_kind_without_its_definition() {
        let bundle = r#"{"version": "1", "defs": {}, "kinds": {"v1/X": "x"}}"#;
        assert_eq!(
            generate(bundle).unwrap_err(),
            "kinds.v1/X: unknown definition x"
        );
    }
}
