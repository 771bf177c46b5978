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
        // Most strings are short and on one line: a line feed is looked for first.
        Value::String(s) if s.as_bytes().contains(&b'\n') && is_literal_block_safe(s) => {
            emit_literal_block(s, block_indent, out)
        }
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
    let control = |b: u8| (b < 0x20) | (b == 0x7f);
    if matches!(first, b' ' | b'\t' | b'\n') || control(first) || last == b' ' {
        return false;
    }
    // One pass over each byte after the first beside the one before it: a line feed seen, a
    // problem (a control character, a line ending in a space), a non-ASCII byte. Over
    // fixed-size chunks the compiler vectorizes it; the proxy's 63 KB Envoy configuration is
    // checked this way twice a render.
    let (before, after) = (&bytes[..bytes.len() - 1], &bytes[1..]);
    let (mut line_feed, mut problem, mut non_ascii) = (0u8, 0u8, first & 0x80);
    let scan = |previous: u8, b: u8, line_feed: &mut u8, problem: &mut u8, non_ascii: &mut u8| {
        let is_line_feed = b == b'\n';
        *line_feed |= u8::from(is_line_feed);
        *problem |= u8::from((control(b) & !is_line_feed) | (is_line_feed & (previous == b' ')));
        *non_ascii |= b & 0x80;
    };
    let mut previous_chunks = before.chunks_exact(64);
    let mut chunks = after.chunks_exact(64);
    for (previous, chunk) in (&mut previous_chunks).zip(&mut chunks) {
        let previous: &[u8; 64] = previous.try_into().expect("chunks of 64");
        let chunk: &[u8; 64] = chunk.try_into().expect("chunks of 64");
        for i in 0..64 {
            scan(
                previous[i],
                chunk[i],
                &mut line_feed,
                &mut problem,
                &mut non_ascii,
            );
        }
        if problem != 0 {
            return false;
        }
    }
    for (&previous, &b) in previous_chunks.remainder().iter().zip(chunks.remainder()) {
        scan(previous, b, &mut line_feed, &mut problem, &mut non_ascii);
    }
    if problem != 0 || line_feed == 0 {
        return false;
    }
    non_ascii == 0
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

/// What [`is_plain_safe`] looks for in each byte (the checks run on every key and string
/// written, about 2,000 of them a render).
mod byte_class {
    /// A control character (below 0x20, or DEL).
    pub const CONTROL: u8 = 1;
    /// `:`, ambiguous before a space.
    pub const COLON: u8 = 2;
    /// A space: ambiguous after a colon or before a `#`.
    pub const SPACE: u8 = 4;
    /// `#`, a comment after a space.
    pub const HASH: u8 = 8;
    /// A byte of a non-ASCII character.
    pub const NON_ASCII: u8 = 16;

    /// The class of every byte value.
    pub const OF: [u8; 256] = {
        let mut table = [0u8; 256];
        let mut b = 0;
        while b < 256 {
            table[b] = match b as u8 {
                0..0x20 | 0x7f => CONTROL,
                b':' => COLON,
                b' ' => SPACE,
                b'#' => HASH,
                0x80.. => NON_ASCII,
                _ => 0,
            };
            b += 1;
        }
        table
    };
}

fn is_plain_safe(s: &str) -> bool {
    use byte_class::{COLON, CONTROL, HASH, NON_ASCII, OF, SPACE};
    let bytes = s.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if first.is_ascii_whitespace() || last.is_ascii_whitespace() || last == b':' {
        return false;
    }
    if matches!(
        first,
        b'?' | b':'
            | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'#'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
    ) {
        return false;
    }
    if first == b'-' && (s.len() == 1 || s.starts_with("- ") || s.starts_with("---")) {
        return false;
    }
    if s.len() <= 5
        && matches!(
            first.to_ascii_lowercase(),
            b't' | b'f' | b'y' | b'n' | b'o' | b'~' | b'='
        )
        && RESERVED.iter().any(|r| r.eq_ignore_ascii_case(s))
    {
        return false;
    }
    // Control characters, ": " and " #" make a plain scalar ambiguous.
    let mut seen = 0u8;
    let mut previous = 0u8;
    for &b in bytes {
        let class = OF[usize::from(b)];
        if class & (CONTROL | SPACE | HASH) != 0
            && (class & CONTROL != 0
                || (class & SPACE != 0 && previous & COLON != 0)
                || (class & HASH != 0 && previous & SPACE != 0))
        {
            return false;
        }
        seen |= class;
        previous = class;
    }
    if seen & NON_ASCII != 0
        && s.chars()
            .any(|c| c.is_control() || c.is_whitespace() && c != ' ' || c == '\u{feff}')
    {
        return false;
    }
    !(matches!(first, b'0'..=b'9' | b'.' | b'-' | b'+') && looks_numeric(s))
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

    /// The rules [`is_plain_safe`] implements with its byte table, written plainly.
    fn plain_safe_by_definition(s: &str) -> bool {
        let Some(first) = s.chars().next() else {
            return false;
        };
        let last = s.chars().next_back().unwrap_or(first);
        !(first.is_ascii_whitespace()
            || last.is_ascii_whitespace()
            || last == ':'
            || "?:,[]{}#&*!|>'\"%@`".contains(first)
            || (first == '-' && (s.len() == 1 || s.starts_with("- ") || s.starts_with("---")))
            || RESERVED.iter().any(|r| r.eq_ignore_ascii_case(s))
            || s.contains(": ")
            || s.contains(" #")
            || s.chars()
                .any(|c| c.is_control() || (c.is_whitespace() && c != ' ') || c == '\u{feff}')
            || looks_numeric(s))
    }

    #[test]
    fn plain_safety_follows_its_definition() {
        for s in [
            "",
            "name",
            "app",
            "a: b",
            "a:b",
            "a #b",
            "a#b",
            "a:",
            "#a",
            "-",
            "- a",
            "---x",
            "-x",
            "TRUE",
            "No",
            "nO",
            "~",
            "=",
            "on",
            "off",
            "ofF",
            "0x1F",
            "1.5",
            "+1",
            "-1",
            ".5",
            ".inf",
            "12:30",
            "x\ty",
            "é",
            "é ✓",
            "a\u{85}b",
            "a\u{feff}",
            "a\u{7f}",
            "a\u{a0}b",
            "tab\t",
            "100m",
            "1Gi",
            "2.11.0",
        ] {
            assert_eq!(is_plain_safe(s), plain_safe_by_definition(s), "{s:?}");
        }
    }

    /// A 200-byte text that is fine, with each problem put at each position in turn: the
    /// chunked scan sees every byte of every chunk and of the remainder.
    #[test]
    fn literal_block_safety_finds_a_problem_at_any_position() {
        let good: String = (0..20).map(|i| format!("line {i:02} x\n")).collect();
        assert!(good.len() >= 200 && is_literal_block_safe(&good));
        for at in 1..good.len() - 1 {
            for bad in ["\t", "\u{7f}", "\r", " \n", "\u{85}", "\u{feff}"] {
                let mut text = good.clone();
                text.replace_range(at..at + 1, bad);
                assert_eq!(
                    is_literal_block_safe(&text),
                    literal_block_safe_by_definition(&text),
                    "{bad:?} at {at}"
                );
                assert!(!is_literal_block_safe(&text), "{bad:?} at {at}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn literal_block_safety_agrees_on_random_text(s in "[a \t\n\r\u{85}\u{feff}é]{0,12}") {
            proptest::prop_assert_eq!(is_literal_block_safe(&s), literal_block_safe_by_definition(&s));
        }

        /// Long texts of lines that are fine on their own, with a few odd characters among
        /// them: the chunked scan must find a problem wherever it is.
        #[test]
        fn literal_block_safety_agrees_on_random_long_text(
            s in "([ab][ab ]{0,10}[ab]\n){6,20}[a \t\n\r\u{7f}\u{85}\u{feff}é]{0,3}([ab][ab ]{0,10}[ab]\n){0,6}",
        ) {
            proptest::prop_assert_eq!(is_literal_block_safe(&s), literal_block_safe_by_definition(&s));
        }

        #[test]
        fn plain_safety_agrees_on_random_text(
            s in "[a-z0-9 :#\\-.+tfynoTFYNO~=?,\\[\\]{}&*!|>'\"%@`\t\n\u{7f}\u{85}\u{a0}\u{feff}é]{0,8}",
        ) {
            proptest::prop_assert_eq!(is_plain_safe(&s), plain_safe_by_definition(&s));
        }
    }

    #[test]
    fn nested_lists_and_odd_text_round_trip() {
        let v = json!({"args": [["a", "b"], []], "env": [{"name": "X", "value": null}],
            "t": "tab\there", "lead": " space", "uni": "héllo ✓", "trail": "line \nnext\n"});
        assert_eq!(roundtrip(&v), v);
    }
}
