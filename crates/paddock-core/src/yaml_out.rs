//! A small, deterministic YAML emitter for Kubernetes objects (kubectl's layout: block style,
//! two-space indent, list dashes at their key's indent, literal blocks for multi-line text).

use serde_json::Value;

/// Writes one value as a YAML document body (no `---`).
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::with_capacity(4096);
    write_yaml(value, &mut out);
    out
}

/// Appends one value as a YAML document body (no `---`) to `out`.
pub fn write_yaml(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) if !map.is_empty() => emit_map(map, 0, out),
        Value::Array(items) if !items.is_empty() => emit_list(items, 0, out),
        scalar => {
            emit_scalar(scalar, 0, out);
            out.push('\n');
        }
    }
}

fn pad(out: &mut String, indent: usize) {
    const SPACES: &str = "                                                                ";
    let mut left = indent;
    while left > 0 {
        let n = left.min(SPACES.len());
        out.push_str(&SPACES[..n]);
        left -= n;
    }
}

fn emit_map(map: &serde_json::Map<String, Value>, indent: usize, out: &mut String) {
    let mut first = true;
    for (key, value) in map {
        if !first {
            pad(out, indent);
        }
        first = false;
        emit_key_value(key, value, indent, out);
    }
}

/// Writes `key: value` at the cursor; continuation lines are indented by `indent`.
fn emit_key_value(key: &str, value: &Value, indent: usize, out: &mut String) {
    emit_string(key, out);
    out.push(':');
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            pad(out, indent + 2);
            emit_map(map, indent + 2, out);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            pad(out, indent);
            emit_list(items, indent, out);
        }
        scalar => {
            out.push(' ');
            emit_scalar(scalar, indent + 2, out);
            out.push('\n');
        }
    }
}

fn emit_list(items: &[Value], indent: usize, out: &mut String) {
    let mut first = true;
    for item in items {
        if !first {
            pad(out, indent);
        }
        first = false;
        out.push_str("- ");
        match item {
            Value::Object(map) if !map.is_empty() => emit_map(map, indent + 2, out),
            Value::Array(inner) if !inner.is_empty() => emit_list(inner, indent + 2, out),
            scalar => {
                emit_scalar(scalar, indent + 2, out);
                out.push('\n');
            }
        }
    }
}

/// Writes a scalar (or an empty collection) on the current line; literal blocks continue on
/// following lines at `block_indent`.
fn emit_scalar(value: &Value, block_indent: usize, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) if is_literal_block_safe(s) => emit_literal_block(s, block_indent, out),
        Value::String(s) => emit_string(s, out),
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

/// Whether a literal block (`|`) reads back as `s`: several lines, none ending in a space,
/// the first not starting with whitespace, and no control characters but line feeds.
pub fn is_literal_block_safe(s: &str) -> bool {
    let bytes = s.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if matches!(first, b' ' | b'\t' | b'\n') || last == b' ' {
        return false;
    }
    // Several lines (most scalars stop here), none ending in a space (the first byte is not a line feed).
    let mut line_ends = memchr::memchr_iter(b'\n', bytes).peekable();
    if line_ends.peek().is_none() || line_ends.any(|end| bytes[end - 1] == b' ') {
        return false;
    }
    // Control characters other than line feeds: an or-reduction over fixed-size chunks, which
    // the compiler vectorizes (multi-kilobyte texts such as the Envoy configuration come here).
    let control = |b: u8| (b < 0x20) & (b != b'\n') | (b == 0x7f);
    let mut chunks = bytes.chunks_exact(32);
    for chunk in &mut chunks {
        let chunk: &[u8; 32] = chunk.try_into().expect("chunks of 32");
        if chunk.iter().fold(false, |found, &b| found | control(b)) {
            return false;
        }
    }
    if chunks.remainder().iter().any(|&b| control(b)) {
        return false;
    }
    s.is_ascii()
        || !s
            .chars()
            .any(|c| (c != '\n' && c.is_control()) || c == '\u{feff}')
}

fn emit_literal_block(s: &str, indent: usize, out: &mut String) {
    let body = s.trim_end_matches('\n');
    let trailing = s.len() - body.len();
    out.push('|');
    match trailing {
        0 => out.push('-'),
        1 => {}
        _ => out.push('+'),
    }
    out.push('\n');
    // Line ends found with `memchr` (vectorized): the Envoy configuration alone has 1,700
    // short lines, where `split('\n')` costs more per line than the copy does.
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', body.as_bytes()).chain([body.len()]) {
        let line = &body[start..end];
        if !line.is_empty() {
            pad(out, indent);
            out.push_str(line);
        }
        out.push('\n');
        start = end + 1;
    }
    for _ in 1..trailing {
        out.push('\n');
    }
    // The caller adds the final newline after a scalar; a literal block already ended it.
    out.pop();
}

/// Writes a string plain when YAML (1.1 or 1.2) reads it back as the same string, else quoted.
fn emit_string(s: &str, out: &mut String) {
    if is_plain_safe(s) {
        out.push_str(s);
    } else if s.chars().any(|c| c.is_control()) || s.contains('\u{feff}') {
        out.push_str(&serde_json::to_string(s).unwrap_or_default());
    } else {
        out.push('\'');
        out.push_str(&s.replace('\'', "''"));
        out.push('\'');
    }
}

const RESERVED: [&str; 11] = [
    "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", "=",
];

fn is_plain_safe(s: &str) -> bool {
    let bytes = s.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if first.is_ascii_whitespace() || last.is_ascii_whitespace() || last == b':' {
        return false;
    }
    if b"?:,[]{}#&*!|>'\"%@`".contains(&first) {
        return false;
    }
    if first == b'-' && (s.len() == 1 || s.starts_with("- ") || s.starts_with("---")) {
        return false;
    }
    if s.len() <= 5 && RESERVED.iter().any(|r| r.eq_ignore_ascii_case(s)) {
        return false;
    }
    // Control characters, ": " and " #" make a plain scalar ambiguous.
    let mut previous = 0u8;
    for &b in bytes {
        if b < 0x20
            || b == 0x7f
            || (previous == b':' && b == b' ')
            || (previous == b' ' && b == b'#')
        {
            return false;
        }
        previous = b;
    }
    if !s.is_ascii()
        && s.chars()
            .any(|c| c.is_control() || c.is_whitespace() && c != ' ' || c == '\u{feff}')
    {
        return false;
    }
    !looks_numeric(s)
}

/// Anything a YAML 1.1 reader might take for a number (ints, floats, hex, octal, base-60).
fn looks_numeric(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let starts_numeric = body.starts_with(|c: char| c.is_ascii_digit() || c == '.');
    starts_numeric
        && (body
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || b"._:xXoO+-".contains(&b))
            || body.eq_ignore_ascii_case(".inf")
            || body.eq_ignore_ascii_case(".nan"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn roundtrip(v: &Value) -> Value {
        serde_saphyr::from_str(&to_yaml(v)).unwrap()
    }

    #[test]
    fn kubectl_layout() {
        let v = json!({"kind": "Service", "metadata": {"name": "pachd", "labels": {"app": "pachd"}},
            "spec": {"ports": [{"name": "api", "port": 30650}], "selector": {}}});
        assert_eq!(
            to_yaml(&v),
            "kind: Service\nmetadata:\n  name: pachd\n  labels:\n    app: pachd\nspec:\n  ports:\n  - name: api\n    port: 30650\n  selector: {}\n"
        );
    }

    #[test]
    fn ambiguous_strings_are_quoted() {
        let v = json!({"a": "true", "b": "5432", "c": "yes", "d": "", "e": "1.5", "f": "0x1F", "g": "a: b",
            "h": "*", "i": "it's", "j": "12:30", "k": "--mode", "l": "-", "m": "100m", "n": "1Gi", "o": "2.11.0"});
        let out = to_yaml(&v);
        assert!(
            out.contains("a: 'true'\n") && out.contains("b: '5432'\n") && out.contains("i: it's\n"),
            "{out}"
        );
        assert!(
            out.contains("k: --mode\n") && out.contains("m: 100m\n") && out.contains("'n': 1Gi\n"),
            "{out}"
        );
        assert_eq!(roundtrip(&v), v);
    }

    #[test]
    fn multi_line_strings_use_literal_blocks() {
        let v = json!({"data": {"script": "#!/bin/bash\nset -e\n\necho hi\n", "nonl": "a\nb", "many": "x\n\n\n"}});
        let out = to_yaml(&v);
        assert!(
            out.contains("  script: |\n    #!/bin/bash\n    set -e\n\n    echo hi\n"),
            "{out}"
        );
        assert!(out.contains("  nonl: |-\n    a\n    b\n"), "{out}");
        assert_eq!(roundtrip(&v), v);
    }

    /// The definition [`is_literal_block_safe`] implements byte by byte.
    fn literal_block_safe_by_definition(s: &str) -> bool {
        s.contains('\n')
            && !s.starts_with([' ', '\t', '\n'])
            && s.chars()
                .all(|c| c == '\n' || (!c.is_control() && c != '\u{feff}'))
            && s.lines().all(|line| !line.ends_with([' ', '\t']))
    }

    #[test]
    fn literal_block_safety_follows_its_definition() {
        for s in [
            "",
            "a",
            "a\n",
            "\na",
            " a\nb",
            "\ta\nb",
            "a \nb",
            "a\nb ",
            "a\tb\nc",
            "a\nb\t",
            "a\r\nb",
            "a\u{85}\nb",
            "a\u{feff}\nb",
            "a\u{7f}\nb",
            "é\nü ✓",
            "a\n\n",
            "a\n \n",
        ] {
            assert_eq!(
                is_literal_block_safe(s),
                literal_block_safe_by_definition(s),
                "{s:?}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn literal_block_safety_agrees_on_random_text(s in "[a \t\n\r\u{85}\u{feff}é]{0,12}") {
            proptest::prop_assert_eq!(is_literal_block_safe(&s), literal_block_safe_by_definition(&s));
        }
    }

    #[test]
    fn nested_lists_and_odd_text_round_trip() {
        let v = json!({"args": [["a", "b"], []], "env": [{"name": "X", "value": null}],
            "t": "tab\there", "lead": " space", "uni": "héllo ✓", "trail": "line \nnext\n"});
        assert_eq!(roundtrip(&v), v);
    }
}
