//! A fast reader for the plain, block-style YAML that paddock's templates render and its
//! built-in stack files are written in. It declines (returns `None`) whenever the text uses
//! anything beyond that subset, so callers fall back to serde-saphyr, which also produces the
//! error messages. Whenever it answers, the answer equals serde-saphyr's
//! `from_multiple_with_options::<serde_json::Value>(text, yaml_options())`.
//!
//! The subset: spaces-only indentation; blank and comment lines; documents separated by lines
//! that are exactly `---`; block mappings (plain or quoted keys) and block sequences (also at
//! their key's indentation, kubectl style, and compact `- key: value` / `- - item`); plain
//! scalars resolved like serde-saphyr with `strict_booleans`; one-line double-quoted
//! (JSON-compatible) and single-quoted strings; one-line flow collections of those; literal
//! block scalars `|`, `|-` and `|+`. Declined: anchors, aliases, tags, directives, complex
//! keys, `...`, multi-line plain or quoted scalars, folded scalars, indentation indicators,
//! duplicate keys, tabs outside literal text, and anything ambiguous.

use serde_json::{Map, Number, Value};

/// The text uses something outside the subset.
struct Unsupported;

type Parsed<T> = Result<T, Unsupported>;

/// serde-saphyr's budget allows 64 levels, 1,024 documents and 250,000 nodes; stay below.
const MAX_DEPTH: usize = 48;
const MAX_DOCUMENTS: usize = 1_000;
const MAX_NODES: usize = 200_000;
/// Implicit keys must fit serde-saphyr's 1,024-character simple-key lookahead.
const MAX_KEY_LEN: usize = 1_000;
const MAX_TEXT_LEN: usize = 16 << 20;

/// Parses every document of `text`, or returns `None` when the text is outside the subset.
/// Empty and comment-only documents are skipped, as serde-saphyr's `from_multiple` skips
/// null documents.
pub fn parse_fast(text: &str) -> Option<Vec<Value>> {
    if text.len() > MAX_TEXT_LEN {
        return None;
    }
    let has_tabs = check_characters(text)?;
    let mut parser = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        peeked: None,
        has_tabs,
        depth: 0,
        nodes: 0,
        entries: Vec::new(),
        items: Vec::new(),
    };
    parser.documents().ok()
}

/// Declines characters YAML treats specially or that serde-saphyr may reject (control
/// characters other than tab and line feed, DEL, C1 controls, BOM, non-characters, Unicode
/// whitespace); returns whether the text holds tabs.
fn check_characters(text: &str) -> Option<bool> {
    let mut control = false;
    let mut tab = false;
    let mut high = false;
    for chunk in text.as_bytes().chunks(64) {
        for &b in chunk {
            control |= (b < 0x20) & (b != b'\n') & (b != b'\t');
            tab |= b == b'\t';
            high |= b >= 0x7f;
        }
        if control {
            return None;
        }
    }
    if high {
        let bad = |c: char| {
            c >= '\u{7f}'
                && (c <= '\u{9f}'
                    || c.is_whitespace()
                    || matches!(c, '\u{feff}' | '\u{fffe}' | '\u{ffff}'))
        };
        if text.chars().any(bad) {
            return None;
        }
    }
    Some(tab)
}

/// One significant line (or the rest of a line after `- `): its column, where its content
/// starts and ends (before the line feed), and where the next line starts.
#[derive(Clone, Copy)]
struct Line {
    indent: usize,
    start: usize,
    end: usize,
    next: usize,
}

/// How a mapping key is written.
#[derive(Clone, Copy)]
enum KeyStyle {
    Plain,
    Double { escaped: bool },
    Single { escaped: bool },
}

/// A key found on a line: its token's span (quotes included) and style.
#[derive(Clone, Copy)]
struct Key {
    start: usize,
    end: usize,
    style: KeyStyle,
}

#[derive(Clone, Copy)]
enum Chomp {
    Strip,
    Clip,
    Keep,
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    /// Start of the first line not yet consumed.
    pos: usize,
    /// The line [`Parser::peek`] returned last, until consumed (or a `- ` line's rest).
    peeked: Option<Line>,
    has_tabs: bool,
    depth: usize,
    nodes: usize,
    /// Entries of the mappings being read, innermost last (each map is built at its size).
    entries: Vec<(String, Value)>,
    /// Items of the sequences being read, innermost last.
    items: Vec<Value>,
}

#[inline]
fn is_seq_entry(bytes: &[u8], start: usize, end: usize) -> bool {
    bytes[start] == b'-' && (start + 1 == end || bytes[start + 1] == b' ')
}

fn find_newline(bytes: &[u8], from: usize) -> usize {
    find_either(bytes, from, bytes.len(), b'\n', b'\n')
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// High bits marking the bytes of `word` equal to `byte`; the lowest marked one is exact.
#[inline]
fn byte_mask(word: u64, byte: u8) -> u64 {
    let x = word ^ (ONES * u64::from(byte));
    x.wrapping_sub(ONES) & !x & HIGHS
}

/// The first index from `from` on that is not a space (or the text's length).
#[inline]
fn skip_spaces(bytes: &[u8], from: usize) -> usize {
    let mut i = from;
    while i + 8 <= bytes.len() {
        let word = u64::from_le_bytes(bytes[i..i + 8].try_into().expect("eight bytes"));
        let x = word ^ (ONES * u64::from(b' '));
        // High bit set in every byte that is not a space.
        let other = ((x & !HIGHS).wrapping_add(!HIGHS) | x) & HIGHS;
        if other != 0 {
            return i + (other.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < bytes.len() && bytes[i] == b' ' {
        i += 1;
    }
    i
}

/// The first index in `from..end` holding `x` or `y`, or `end`; eight bytes at a time.
#[inline]
fn find_either(bytes: &[u8], from: usize, end: usize, x: u8, y: u8) -> usize {
    let mut i = from;
    while i + 8 <= end {
        let word = u64::from_le_bytes(bytes[i..i + 8].try_into().expect("eight bytes"));
        let mask = byte_mask(word, x) | byte_mask(word, y);
        if mask != 0 {
            return i + (mask.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < end {
        if bytes[i] == x || bytes[i] == y {
            return i;
        }
        i += 1;
    }
    end
}

impl<'a> Parser<'a> {
    fn documents(&mut self) -> Parsed<Vec<Value>> {
        let mut docs = Vec::new();
        let mut count = 0;
        loop {
            count += 1;
            if count > MAX_DOCUMENTS {
                return Err(Unsupported);
            }
            if let Some(line) = self.peek()? {
                let root = self.root(line)?;
                if self.peek()?.is_some() {
                    return Err(Unsupported);
                }
                docs.push(root);
            }
            if self.pos >= self.bytes.len() {
                return Ok(docs);
            }
            // `peek` stopped at a `---` line.
            self.pos = (self.pos + 4).min(self.bytes.len());
        }
    }

    /// The next line that is not blank or a comment; `None` at the end of the text or at a
    /// `---` line (which stays unconsumed).
    fn peek(&mut self) -> Parsed<Option<Line>> {
        if let Some(line) = self.peeked {
            return Ok(Some(line));
        }
        let b = self.bytes;
        let len = b.len();
        loop {
            let start = self.pos;
            if start >= len {
                return Ok(None);
            }
            let i = skip_spaces(b, start);
            let end = find_newline(b, i);
            let next = if end < len { end + 1 } else { len };
            if i == end || b[i] == b'#' {
                self.pos = next;
                continue;
            }
            if i == start {
                if b[i..end].starts_with(b"---") {
                    if end - start == 3 {
                        return Ok(None);
                    }
                    return Err(Unsupported);
                }
                if b[i..end].starts_with(b"...") {
                    return Err(Unsupported);
                }
            }
            if self.has_tabs && b[i..end].contains(&b'\t') {
                return Err(Unsupported);
            }
            let line = Line {
                indent: i - start,
                start: i,
                end,
                next,
            };
            self.peeked = Some(line);
            return Ok(Some(line));
        }
    }

    fn consume(&mut self, line: Line) {
        self.peeked = None;
        self.pos = line.next;
    }

    /// Counts a node and checks the budget.
    fn count(&mut self) -> Parsed<()> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(Unsupported);
        }
        Ok(())
    }

    fn enter(&mut self) -> Parsed<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Unsupported);
        }
        self.count()
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// A collection starting at `line`: block sequence, flow collection or block mapping.
    fn root(&mut self, line: Line) -> Parsed<Value> {
        let b = self.bytes;
        if is_seq_entry(b, line.start, line.end) {
            return self.sequence(line.indent);
        }
        if matches!(b[line.start], b'[' | b'{') {
            self.consume(line);
            let mut i = line.start;
            let value = self.flow(&mut i, line.end)?;
            self.trailing(i, line.end)?;
            return Ok(value);
        }
        self.mapping(line.indent)
    }

    fn mapping(&mut self, indent: usize) -> Parsed<Value> {
        self.enter()?;
        let base = self.entries.len();
        while let Some(line) = self.peek()? {
            if line.indent != indent {
                if line.indent < indent {
                    break;
                }
                return Err(Unsupported);
            }
            let Some((key, after)) = self.find_key(line.start, line.end)? else {
                return Err(Unsupported);
            };
            let key = self.key_string(key)?;
            self.consume(line);
            let value = self.value(line.end, after, indent)?;
            self.entries.push((key, value));
        }
        self.leave();
        let mut map = Map::with_capacity(self.entries.len() - base);
        for (key, value) in self.entries.drain(base..) {
            if map.insert(key, value).is_some() {
                return Err(Unsupported);
            }
        }
        Ok(Value::Object(map))
    }

    fn sequence(&mut self, indent: usize) -> Parsed<Value> {
        self.enter()?;
        let b = self.bytes;
        let base = self.items.len();
        while let Some(line) = self.peek()? {
            if line.indent != indent {
                if line.indent < indent {
                    break;
                }
                return Err(Unsupported);
            }
            if !is_seq_entry(b, line.start, line.end) {
                break;
            }
            self.consume(line);
            let mut i = line.start + 1;
            while i < line.end && b[i] == b' ' {
                i += 1;
            }
            let item = if i == line.end || b[i] == b'#' {
                self.block(indent, false)?
            } else {
                let rest = Line {
                    indent: line.indent + (i - line.start),
                    start: i,
                    end: line.end,
                    next: line.next,
                };
                if is_seq_entry(b, i, line.end) {
                    self.peeked = Some(rest);
                    self.sequence(rest.indent)?
                } else if !matches!(b[i], b'[' | b'{') && self.find_key(i, line.end)?.is_some() {
                    self.peeked = Some(rest);
                    self.mapping(rest.indent)?
                } else {
                    self.scalar(line.end, i, indent)?
                }
            };
            self.items.push(item);
        }
        self.leave();
        Ok(Value::Array(self.items.drain(base..).collect()))
    }

    /// The value after a `key:` that ends at byte `after` of a consumed line ending at `end`;
    /// `parent` is the mapping's indent.
    fn value(&mut self, end: usize, after: usize, parent: usize) -> Parsed<Value> {
        let b = self.bytes;
        let mut i = after;
        while i < end && b[i] == b' ' {
            i += 1;
        }
        if i == end || b[i] == b'#' {
            return self.block(parent, true);
        }
        self.scalar(end, i, parent)
    }

    /// A value on the following lines: a collection indented deeper than `parent` (or a
    /// sequence at `parent` under a mapping key), else null.
    fn block(&mut self, parent: usize, in_mapping: bool) -> Parsed<Value> {
        if let Some(line) = self.peek()? {
            if line.indent > parent {
                return self.root(line);
            }
            if in_mapping && line.indent == parent && is_seq_entry(self.bytes, line.start, line.end)
            {
                return self.sequence(parent);
            }
        }
        self.count()?;
        Ok(Value::Null)
    }

    /// A scalar or flow collection starting at byte `i` of a consumed line ending at `end`, or
    /// a literal block scalar whose text follows; `parent` is the enclosing collection's indent.
    fn scalar(&mut self, end: usize, i: usize, parent: usize) -> Parsed<Value> {
        match self.bytes[i] {
            b'[' | b'{' => {
                let mut j = i;
                let value = self.flow(&mut j, end)?;
                self.trailing(j, end)?;
                Ok(value)
            }
            b'"' => {
                self.count()?;
                let (close, escaped) = self.double_quoted_end(i, end)?;
                let s = self.double_quoted(i, close, escaped)?;
                self.trailing(close + 1, end)?;
                Ok(Value::String(s))
            }
            b'\'' => {
                self.count()?;
                let (close, escaped) = self.single_quoted_end(i, end)?;
                let s = self.single_quoted(i, close, escaped);
                self.trailing(close + 1, end)?;
                Ok(Value::String(s))
            }
            b'|' => {
                self.count()?;
                self.literal(i, end, parent).map(Value::String)
            }
            _ => {
                self.count()?;
                let s = self.plain(i, end)?;
                resolve_plain(s)
            }
        }
    }

    /// After a scalar or flow collection: only spaces, then the end or a comment.
    fn trailing(&self, from: usize, end: usize) -> Parsed<()> {
        let b = self.bytes;
        let mut i = from;
        while i < end && b[i] == b' ' {
            i += 1;
        }
        if i == end || (b[i] == b'#' && i > from) {
            Ok(())
        } else {
            Err(Unsupported)
        }
    }

    /// A one-line plain scalar in block context, up to a comment, trimmed.
    fn plain(&self, i: usize, end: usize) -> Parsed<&'a str> {
        let b = self.bytes;
        if !plain_start_ok(b, i, end) {
            return Err(Unsupported);
        }
        // A comment starts at ` #`; `: ` cannot be in a plain scalar.
        let mut stop = end;
        let mut j = i + 1;
        while j < end {
            j = find_either(b, j, end, b'#', b':');
            if j == end {
                break;
            }
            if b[j] == b'#' {
                if b[j - 1] == b' ' {
                    stop = j;
                    break;
                }
            } else if j + 1 < end && b[j + 1] == b' ' {
                return Err(Unsupported);
            }
            j += 1;
        }
        while b[stop - 1] == b' ' {
            stop -= 1;
        }
        if b[stop - 1] == b':' {
            return Err(Unsupported);
        }
        Ok(&self.text[i..stop])
    }

    /// The key of a `key: value` line starting at byte `i`, and the index just after its
    /// colon; `None` when the line is not a mapping entry.
    fn find_key(&self, i: usize, end: usize) -> Parsed<Option<(Key, usize)>> {
        let b = self.bytes;
        let (key, colon) = match b[i] {
            b'"' => {
                let (close, escaped) = self.double_quoted_end(i, end)?;
                let key = Key {
                    start: i,
                    end: close + 1,
                    style: KeyStyle::Double { escaped },
                };
                (key, close + 1)
            }
            b'\'' => {
                let (close, escaped) = self.single_quoted_end(i, end)?;
                let key = Key {
                    start: i,
                    end: close + 1,
                    style: KeyStyle::Single { escaped },
                };
                (key, close + 1)
            }
            _ => {
                let mut colon = None;
                let mut j = i;
                while j < end {
                    j = find_either(b, j, end, b':', b'#');
                    if j == end {
                        break;
                    }
                    if b[j] == b':' {
                        if j + 1 == end || b[j + 1] == b' ' {
                            colon = Some(j);
                            break;
                        }
                    } else if j > i && b[j - 1] == b' ' {
                        return Ok(None);
                    }
                    j += 1;
                }
                let Some(colon) = colon else {
                    return Ok(None);
                };
                if colon == i || b[colon - 1] == b' ' || !plain_start_ok(b, i, end) {
                    return Err(Unsupported);
                }
                let key = Key {
                    start: i,
                    end: colon,
                    style: KeyStyle::Plain,
                };
                (key, colon)
            }
        };
        if colon >= end || b[colon] != b':' || (colon + 1 < end && b[colon + 1] != b' ') {
            return Ok(None);
        }
        if key.end - key.start > MAX_KEY_LEN {
            return Err(Unsupported);
        }
        Ok(Some((key, colon + 1)))
    }

    fn key_string(&self, key: Key) -> Parsed<String> {
        let s = match key.style {
            KeyStyle::Plain => {
                let text = &self.text[key.start..key.end];
                if text == "<<" {
                    return Err(Unsupported);
                }
                match resolve_plain(text)? {
                    Value::String(s) => s,
                    _ => return Err(Unsupported),
                }
            }
            KeyStyle::Double { escaped } => self.double_quoted(key.start, key.end - 1, escaped)?,
            KeyStyle::Single { escaped } => self.single_quoted(key.start, key.end - 1, escaped),
        };
        check_key(s)
    }

    /// The closing quote of a one-line double-quoted scalar opening at `i`, and whether it
    /// holds escapes.
    fn double_quoted_end(&self, i: usize, end: usize) -> Parsed<(usize, bool)> {
        let b = self.bytes;
        let mut escaped = false;
        let mut j = i + 1;
        while j < end {
            match b[j] {
                b'"' => return Ok((j, escaped)),
                b'\\' => {
                    escaped = true;
                    j += 2;
                }
                _ => j += 1,
            }
        }
        Err(Unsupported)
    }

    /// The text of a double-quoted scalar: its escapes must be JSON's (YAML reads those alike).
    fn double_quoted(&self, open: usize, close: usize, escaped: bool) -> Parsed<String> {
        if escaped {
            serde_json::from_str(&self.text[open..=close]).map_err(|_| Unsupported)
        } else {
            Ok(self.text[open + 1..close].to_owned())
        }
    }

    fn single_quoted_end(&self, i: usize, end: usize) -> Parsed<(usize, bool)> {
        let b = self.bytes;
        let mut escaped = false;
        let mut j = i + 1;
        while j < end {
            if b[j] == b'\'' {
                if j + 1 < end && b[j + 1] == b'\'' {
                    escaped = true;
                    j += 2;
                    continue;
                }
                return Ok((j, escaped));
            }
            j += 1;
        }
        Err(Unsupported)
    }

    fn single_quoted(&self, open: usize, close: usize, escaped: bool) -> String {
        let inner = &self.text[open + 1..close];
        if escaped {
            inner.replace("''", "'")
        } else {
            inner.to_owned()
        }
    }

    /// A literal block scalar whose header (`|`, `|-` or `|+`, then spaces or a comment)
    /// starts at byte `i`; its text is on the following lines, indented deeper than `parent`.
    fn literal(&mut self, i: usize, end: usize, parent: usize) -> Parsed<String> {
        let b = self.bytes;
        let mut j = i + 1;
        let chomp = match b.get(j) {
            Some(b'-') if j < end => {
                j += 1;
                Chomp::Strip
            }
            Some(b'+') if j < end => {
                j += 1;
                Chomp::Keep
            }
            _ => Chomp::Clip,
        };
        self.trailing(j, end)?;
        let len = b.len();
        let mut pos = self.pos;
        let mut indent: Option<usize> = None;
        let mut leading_spaces = 0;
        let mut newlines = 0;
        let mut out = String::new();
        while pos < len {
            let k = skip_spaces(b, pos);
            let spaces = k - pos;
            let line_end = find_newline(b, k);
            if k == line_end {
                // An empty line: at the end of the text without a line feed, or with more
                // spaces than the text's indentation, YAML's rules get subtle.
                if line_end == len {
                    return Err(Unsupported);
                }
                match indent {
                    None => leading_spaces = leading_spaces.max(spaces),
                    Some(n) if spaces > n => return Err(Unsupported),
                    Some(_) => {}
                }
                newlines += 1;
                pos = line_end + 1;
                continue;
            }
            let n = match indent {
                Some(n) if spaces < n => break,
                Some(n) => n,
                None => {
                    if spaces <= parent || leading_spaces > spaces {
                        return Err(Unsupported);
                    }
                    indent = Some(spaces);
                    spaces
                }
            };
            if b[k] == b'\t' || line_end == len {
                return Err(Unsupported);
            }
            for _ in 0..newlines {
                out.push('\n');
            }
            out.push_str(&self.text[pos + n..line_end]);
            newlines = 1;
            pos = line_end + 1;
        }
        if indent.is_none() {
            return Err(Unsupported);
        }
        self.pos = pos;
        match chomp {
            Chomp::Strip => {}
            Chomp::Clip => out.push('\n'),
            Chomp::Keep => {
                for _ in 0..newlines {
                    out.push('\n');
                }
            }
        }
        Ok(out)
    }

    /// A one-line flow collection or flow scalar starting at `*i`; leaves `*i` after it.
    fn flow(&mut self, i: &mut usize, end: usize) -> Parsed<Value> {
        let b = self.bytes;
        let at = |j: usize| if j < end { b[j] } else { 0 };
        let skip = |j: &mut usize| {
            while *j < end && b[*j] == b' ' {
                *j += 1;
            }
        };
        match at(*i) {
            b'[' => {
                self.enter()?;
                *i += 1;
                skip(i);
                let mut items = Vec::new();
                if at(*i) == b']' {
                    *i += 1;
                } else {
                    loop {
                        items.push(self.flow(i, end)?);
                        skip(i);
                        match at(*i) {
                            b',' => {
                                *i += 1;
                                skip(i);
                            }
                            b']' => {
                                *i += 1;
                                break;
                            }
                            _ => return Err(Unsupported),
                        }
                    }
                }
                self.leave();
                Ok(Value::Array(items))
            }
            b'{' => {
                self.enter()?;
                *i += 1;
                skip(i);
                let mut map = Map::new();
                if at(*i) == b'}' {
                    *i += 1;
                } else {
                    loop {
                        let key = self.flow_key(i, end)?;
                        skip(i);
                        let value = self.flow(i, end)?;
                        if map.insert(key, value).is_some() {
                            return Err(Unsupported);
                        }
                        skip(i);
                        match at(*i) {
                            b',' => {
                                *i += 1;
                                skip(i);
                            }
                            b'}' => {
                                *i += 1;
                                break;
                            }
                            _ => return Err(Unsupported),
                        }
                    }
                }
                self.leave();
                Ok(Value::Object(map))
            }
            b'"' => {
                self.count()?;
                let (close, escaped) = self.double_quoted_end(*i, end)?;
                let s = self.double_quoted(*i, close, escaped)?;
                *i = close + 1;
                Ok(Value::String(s))
            }
            b'\'' => {
                self.count()?;
                let (close, escaped) = self.single_quoted_end(*i, end)?;
                let s = self.single_quoted(*i, close, escaped);
                *i = close + 1;
                Ok(Value::String(s))
            }
            _ => {
                self.count()?;
                let s = self.flow_plain(i, end, false)?;
                resolve_plain(s)
            }
        }
    }

    /// A flow mapping key and its colon (`"k":`, `'k':` or `k: `); leaves `*i` after the colon.
    fn flow_key(&mut self, i: &mut usize, end: usize) -> Parsed<String> {
        let b = self.bytes;
        if *i >= end {
            return Err(Unsupported);
        }
        let key = match b[*i] {
            b'"' => {
                let (close, escaped) = self.double_quoted_end(*i, end)?;
                let s = self.double_quoted(*i, close, escaped)?;
                *i = close + 1;
                s
            }
            b'\'' => {
                let (close, escaped) = self.single_quoted_end(*i, end)?;
                let s = self.single_quoted(*i, close, escaped);
                *i = close + 1;
                s
            }
            _ => {
                let s = self.flow_plain(i, end, true)?;
                if s == "<<" || *i + 1 >= end || b[*i + 1] != b' ' {
                    return Err(Unsupported);
                }
                match resolve_plain(s)? {
                    Value::String(s) => s,
                    _ => return Err(Unsupported),
                }
            }
        };
        if *i >= end || b[*i] != b':' {
            return Err(Unsupported);
        }
        *i += 1;
        check_key(key)
    }

    /// A plain scalar inside a flow collection: no quotes, colons or `#`; ends before `,`,
    /// `]` or `}` (or before `:` for a key).
    fn flow_plain(&self, i: &mut usize, end: usize, key: bool) -> Parsed<&'a str> {
        let b = self.bytes;
        let start = *i;
        if start >= end || !plain_start_ok(b, start, end) {
            return Err(Unsupported);
        }
        if b[start] == b'-' && matches!(b.get(start + 1), Some(b',' | b']' | b'}')) {
            return Err(Unsupported);
        }
        let mut j = start;
        while j < end
            && !matches!(
                b[j],
                b',' | b'[' | b']' | b'{' | b'}' | b':' | b'#' | b'"' | b'\''
            )
        {
            j += 1;
        }
        let ok = match b.get(j) {
            Some(b',' | b']' | b'}') => !key && j < end,
            Some(b':') => key && j < end,
            _ => false,
        };
        if !ok {
            return Err(Unsupported);
        }
        *i = j;
        while j > start && b[j - 1] == b' ' {
            j -= 1;
        }
        if j == start {
            return Err(Unsupported);
        }
        Ok(&self.text[start..j])
    }
}

/// Whether a plain scalar may start at byte `i` (no indicator; `-` only before a non-space).
#[inline]
fn plain_start_ok(b: &[u8], i: usize, end: usize) -> bool {
    match b[i] {
        b'-' => i + 1 < end && b[i + 1] != b' ',
        b'?' | b':' | b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|'
        | b'>' | b'\'' | b'"' | b'%' | b'@' | b'`' | b' ' => false,
        _ => true,
    }
}

/// Keys serde_json's `Value` treats specially.
fn check_key(key: String) -> Parsed<String> {
    if key.starts_with("$serde_json::private::") {
        return Err(Unsupported);
    }
    Ok(key)
}

/// Types a plain scalar exactly as serde-saphyr does for `serde_json::Value` with
/// `strict_booleans` (null, bool, u64/i64, finite f64, else string); declines the spellings
/// it would read in ways not worth reproducing here (hex, octal, underscores, `.inf`, ...).
fn resolve_plain(s: &str) -> Parsed<Value> {
    match s {
        "~" | "null" | "Null" | "NULL" => return Ok(Value::Null),
        "true" | "True" | "TRUE" => return Ok(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Ok(Value::Bool(false)),
        _ => {}
    }
    let b = s.as_bytes();
    if !matches!(b[0], b'0'..=b'9' | b'-' | b'+' | b'.') {
        return Ok(Value::String(s.to_owned()));
    }
    let (negative, digits) = match b[0] {
        b'-' => (true, &b[1..]),
        _ => (false, b),
    };
    if let Some(value) = decimal_integer(negative, digits) {
        return value.map(Value::Number);
    }
    if b[0] != b'+' && is_decimal_float(digits) {
        let x: f64 = s.parse().map_err(|_| Unsupported)?;
        return Number::from_f64(x).map(Value::Number).ok_or(Unsupported);
    }
    // Past a radix prefix, neither an integer nor a float holds anything but digits, `_`,
    // `.`, `e`, `E` and signs (Rust's `inf`/`nan` spellings are read as strings), nor two dots.
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s).as_bytes();
    if unsigned.first() == Some(&b'.') && unsigned.get(1).is_some_and(u8::is_ascii_alphabetic) {
        return Err(Unsupported);
    }
    if unsigned.len() >= 2
        && unsigned[0] == b'0'
        && matches!(unsigned[1], b'x' | b'X' | b'o' | b'O' | b'b' | b'B')
    {
        return Err(Unsupported);
    }
    let foreign = b
        .iter()
        .any(|&c| !matches!(c, b'0'..=b'9' | b'_' | b'.' | b'e' | b'E' | b'+' | b'-'));
    if foreign || b.iter().filter(|&&c| c == b'.').count() >= 2 {
        return Ok(Value::String(s.to_owned()));
    }
    Err(Unsupported)
}

/// `0` or `[1-9][0-9]*`: `Some(Ok(n))`, or `Some(Err)` when it overflows; `None` when the
/// digits are not such an integer.
fn decimal_integer(negative: bool, digits: &[u8]) -> Option<Parsed<Number>> {
    if digits.is_empty()
        || !digits.iter().all(u8::is_ascii_digit)
        || (digits.len() > 1 && digits[0] == b'0')
    {
        return None;
    }
    let mut n: u64 = 0;
    for &d in digits {
        let Some(m) = n
            .checked_mul(10)
            .and_then(|m| m.checked_add(u64::from(d - b'0')))
        else {
            return Some(Err(Unsupported));
        };
        n = m;
    }
    Some(if !negative {
        Ok(Number::from(n))
    } else if n <= 1 << 63 {
        Ok(Number::from((n as i64).wrapping_neg()))
    } else {
        Err(Unsupported)
    })
}

/// `(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?` with a fraction or an exponent.
fn is_decimal_float(b: &[u8]) -> bool {
    let digits = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let int = digits(0);
    if int == 0 || (int > 1 && b[0] == b'0') {
        return false;
    }
    let mut i = int;
    let mut shaped = false;
    if b.get(i) == Some(&b'.') {
        let frac = digits(i + 1);
        if frac == 0 {
            return false;
        }
        i += 1 + frac;
        shaped = true;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp = digits(i);
        if exp == 0 {
            return false;
        }
        i += exp;
        shaped = true;
    }
    shaped && i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn full(text: &str) -> Result<Vec<Value>, serde_saphyr::Error> {
        serde_saphyr::from_multiple_with_options(text, crate::values::yaml::yaml_options())
    }

    /// The fast parser reads `text` as `expected`, and so does serde-saphyr.
    fn same(text: &str, expected: Vec<Value>) {
        let fast = parse_fast(text);
        assert_eq!(fast.as_ref(), Some(&expected), "fast parse of {text:?}");
        assert_eq!(
            full(text).unwrap(),
            expected,
            "serde-saphyr parse of {text:?}"
        );
    }

    /// The fast parser declines `text`.
    fn declined(text: &str) {
        assert_eq!(parse_fast(text), None, "{text:?} should be declined");
    }

    /// Whatever the fast parser answers for `text` is serde-saphyr's answer.
    fn agrees(text: &str) {
        if let Some(fast) = parse_fast(text) {
            match full(text) {
                Ok(docs) => assert_eq!(fast, docs, "{text:?}"),
                Err(e) => panic!("fast parser accepted {text:?}, serde-saphyr says {e}"),
            }
        }
    }

    #[test]
    fn mappings_sequences_and_comments() {
        same(
            "# head\napiVersion: v1\nkind: Service   # trailing\nmetadata:\n  name: a\n\n  labels:\n    app: x\n    # inner\nspec:\n  ports:\n  - name: api\n    port: 80\n  -   name: b\n      port: 81\n  selector: {}\n  list: []\n",
            vec![
                json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a", "labels": {"app": "x"}},
                "spec": {"ports": [{"name": "api", "port": 80}, {"name": "b", "port": 81}], "selector": {}, "list": []}}),
            ],
        );
        same(
            "a:\n    - x\n    - - y\n      - z\n    -\n      k: v\n    -\nb:\nc: ~\n",
            vec![json!({"a": ["x", ["y", "z"], {"k": "v"}, null], "b": null, "c": null})],
        );
        same(
            "- a: 1\n  b:\n  - 2\n  c: 3\n- - x\n- \"q\": 'r'\n",
            vec![json!([{"a": 1, "b": [2], "c": 3}, ["x"], {"q": "r"}])],
        );
        same("  a: 1\n  b: 2\n", vec![json!({"a": 1, "b": 2})]);
    }

    #[test]
    fn documents_and_empty_documents() {
        same("", vec![]);
        same("# nothing\n\n", vec![]);
        same("---\n---\n# c\n---\n", vec![]);
        same(
            "a: 1\n---\n---\nb: 2\n---\n",
            vec![json!({"a": 1}), json!({"b": 2})],
        );
        same("---\na: 1", vec![json!({"a": 1})]);
        declined("--- a: 1\n");
        declined("a: 1\n...\n");
        declined("%YAML 1.2\n---\na: 1\n");
        declined("null\n");
        declined("a: 1\n--- \nb: 2\n");
    }

    #[test]
    fn plain_scalars_resolve_like_serde_saphyr() {
        let cases = [
            ("~", json!(null)),
            ("null", json!(null)),
            ("Null", json!(null)),
            ("true", json!(true)),
            ("FALSE", json!(false)),
            ("yes", json!("yes")),
            ("no", json!("no")),
            ("on", json!("on")),
            ("0", json!(0)),
            ("-0", json!(0)),
            ("42", json!(42)),
            ("-42", json!(-42)),
            ("18446744073709551615", json!(18446744073709551615u64)),
            ("-9223372036854775808", json!(i64::MIN)),
            ("1.5", json!(1.5)),
            ("-0.25", json!(-0.25)),
            ("1e3", json!(1000.0)),
            ("2.5E-3", json!(0.0025)),
            ("100m", json!("100m")),
            ("1Gi", json!("1Gi")),
            ("2.11.0", json!("2.11.0")),
            ("10.0.0.0/8", json!("10.0.0.0/8")),
            ("12:30", json!("12:30")),
            ("-inf", json!("-inf")),
            ("nan", json!("nan")),
            ("--mode", json!("--mode")),
            ("$(MODE)", json!("$(MODE)")),
            ("a#b", json!("a#b")),
            ("-c", json!("-c")),
            ("-Xmx2g", json!("-Xmx2g")),
            ("123abc", json!("123abc")),
            ("1d", json!("1d")),
            ("1.2.3e", json!("1.2.3e")),
        ];
        for (text, expected) in cases {
            same(&format!("k: {text}\n"), vec![json!({ "k": expected })]);
        }
        same("k: a # c\n", vec![json!({"k": "a"})]);
        same("k: a b  c \n", vec![json!({"k": "a b  c"})]);
        same("k: http://x:80/y\n", vec![json!({"k": "http://x:80/y"})]);
        for ambiguous in [
            "0x1F",
            "0o17",
            "017",
            "1_000",
            "+5",
            ".5",
            "1.",
            ".inf",
            "-.Inf",
            ".nan",
            "1e400",
            "99999999999999999999",
            "-9223372036854775809",
            "2001-12-14",
            "-0x1F",
            "1e",
            "-e",
            "0b101",
            "1__0",
            "0.",
            "+.5",
            "0xyz",
        ] {
            declined(&format!("k: {ambiguous}\n"));
            agrees(&format!("k: {ambiguous}\n"));
        }
    }

    #[test]
    fn quoted_scalars_and_keys() {
        same(
            "\"a b\": \"x\\n\\u00e9\\\"\"\n'c''d': 'it''s # not'\n\"\": ''\n'true': \"1\"\n",
            vec![json!({"a b": "x\né\"", "c'd": "it's # not", "": "", "true": "1"})],
        );
        same("k: \"\\ud83d\\ude00\"\n", vec![json!({"k": "😀"})]);
        declined("k: \"a\\x41\"\n");
        declined("k: \"open\n  more\"\n");
        declined("k: 'open\n  more'\n");
        declined("k: \"a\" b\n");
        declined("k: \"a\"# c\n");
        declined("true: 1\n");
        declined("1: 1\n");
        declined("<<: {a: 1}\n");
        declined("a : 1\n");
    }

    #[test]
    fn flow_collections() {
        same(
            "a: [/pachd, --readiness]\nb: {name: s3, containerPort: 1600, protocol: TCP}\nc: [\"\"]\nd: {\"x\":1,\"y\":[true,null,\"z\"]}\ne: [ a , 'b' ,[c], {}]\n",
            vec![
                json!({"a": ["/pachd", "--readiness"], "b": {"name": "s3", "containerPort": 1600, "protocol": "TCP"},
                "c": [""], "d": {"x": 1, "y": [true, null, "z"]}, "e": ["a", "b", ["c"], {}]}),
            ],
        );
        same("- {}\n- []\n", vec![json!([{}, []])]);
        same("{a: 1}\n", vec![json!({"a": 1})]);
        declined("a: [x, y,]\n");
        declined("a: [x\n  , y]\n");
        declined("a: {x: 1, x: 2}\n");
        declined("a: [x: 1]\n");
        declined("a: {x:1}\n");
        declined("a: [http://x]\n");
        declined("a: [x] # c\n  b: 1\n");
    }

    #[test]
    fn literal_blocks() {
        same(
            "a: |\n  one\n    two\n\n  three\nb: |-\n  x\n\n\nc: |+\n  y\n\n\nd: end\n",
            vec![json!({"a": "one\n  two\n\nthree\n", "b": "x", "c": "y\n\n\n", "d": "end"})],
        );
        same(
            "- |  # comment\n  # not a comment\n  ---\n- x\n",
            vec![json!(["# not a comment\n---\n", "x"])],
        );
        same(
            "k:\n- a: |\n    t\tab\n  b: 1\n",
            vec![json!({"k": [{"a": "t\tab\n", "b": 1}]})],
        );
        same("a: |\n\n  x\n", vec![json!({"a": "\nx\n"})]);
        declined("a: >\n  x\n");
        declined("a: |2\n  x\n");
        declined("a: |\nb: 1\n");
        declined("a: |\n  x");
        declined("a: |\n    \n  x\n");
        declined("a: |\n  x\n     \n");
    }

    #[test]
    fn declines_what_it_does_not_handle() {
        for text in [
            "a: &x 1\n",
            "a: *x\n",
            "a: !!str 1\n",
            "? a\n: b\n",
            "a: b\n  c\n",
            "- a\n  b\n",
            "a:\n\tb: 1\n",
            "a: 1\nb: 2\na: 3\n",
            "a: b: c\n",
            "a: b:\n",
            "a\n",
            "a: 1\n- b\n",
            "a:\n  b: 1\n c: 2\n",
            "a: \"x\"\n  b: 1\n",
            "a: x\r\n",
            "\u{feff}a: 1\n",
            "a: \u{a0}x\n",
            "$serde_json::private::RawValue: 1\n",
        ] {
            declined(text);
            agrees(text);
        }
    }

    #[test]
    fn kubectl_style_sequences() {
        same(
            "a:\n- 1\n- b:\n  - 2\n  c: 3\nd: 4\n",
            vec![json!({"a": [1, {"b": [2], "c": 3}], "d": 4})],
        );
        same("- a:\n- b\n", vec![json!([{"a": null}, "b"])]);
    }

    fn odd_string() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            Just(" ".to_owned()),
            Just("1e3".to_owned()),
            Just("0x1F".to_owned()),
            Just("true".to_owned()),
            Just("null".to_owned()),
            Just("~".to_owned()),
            Just("-".to_owned()),
            Just("---".to_owned()),
            Just("- a".to_owned()),
            Just("a: b".to_owned()),
            Just("a #b".to_owned()),
            Just("<<".to_owned()),
            "[a-z0-9 :#'\"\\-\\[\\]{},.!&*|>%@`?~=]{0,12}",
            "[a-zé✓😀\\n\\t ]{0,10}",
            "\\PC{0,8}",
            any::<String>().prop_map(|s| s.chars().take(10).collect()),
        ]
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            (-1e6f64..1e6).prop_map(Value::from),
            odd_string().prop_map(Value::String),
        ];
        leaf.prop_recursive(5, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::vec((odd_string(), inner), 0..5)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    /// Lines of block YAML assembled from fragments, with random indentation.
    fn block_text() -> impl Strategy<Value = String> {
        let line = (
            prop::sample::select(vec![0usize, 0, 0, 1, 2, 2, 2, 3, 4, 4, 6]),
            prop::sample::select(vec![
                "", "- ", "- - ", "-", "k: ", "k:", "j: ", "'q': ", "\"d\": ", "- k: ", "---", "#",
                "a: ", "b:", "- a: ", "- b:", "c: ",
            ]),
            prop::sample::select(vec![
                "", "v", "1", "1.5", "|", "|-", "|+", "[a, b]", "{a: 1}", "# c", "'s'", "\"s\"",
                "a: b", "x #c", "x#c", "[]", "{}", "null", "- v", "text  ", "---",
            ]),
        )
            .prop_map(|(indent, prefix, value)| format!("{}{prefix}{value}", " ".repeat(indent)));
        prop::collection::vec(line, 0..12).prop_map(|lines| {
            let mut text = lines.join("\n");
            text.push('\n');
            text
        })
    }

    /// Writes `value` as block YAML in styles chosen by `style` (indent widths, kubectl or
    /// indented sequences, compact or not, quoting, comments, blank lines, chomping).
    struct Styler<'s> {
        style: &'s [u8],
        next: usize,
        out: String,
    }

    impl Styler<'_> {
        fn pick(&mut self, n: u8) -> u8 {
            let b = self.style[self.next % self.style.len()];
            self.next += 1;
            b % n
        }

        fn pad(&mut self, n: usize) {
            self.out.extend(std::iter::repeat_n(' ', n));
        }

        fn comment(&mut self) {
            if self.pick(6) == 0 {
                self.out.push_str(" # note: x");
            }
        }

        fn extra_lines(&mut self, indent: usize) {
            match self.pick(8) {
                0 => self.out.push('\n'),
                1 => {
                    let extra = usize::from(self.pick(3));
                    self.pad(indent + extra);
                    self.out.push_str("# comment: - [x\n");
                }
                _ => {}
            }
        }

        fn text(&mut self, s: &str) {
            let simple = !s.is_empty()
                && s.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b" ._/-".contains(&c))
                && s.as_bytes()[0].is_ascii_alphabetic()
                && !s.ends_with(' ')
                && !matches!(
                    s,
                    "true"
                        | "True"
                        | "TRUE"
                        | "false"
                        | "False"
                        | "FALSE"
                        | "null"
                        | "Null"
                        | "NULL"
                );
            let control = s.chars().any(char::is_control);
            match self.pick(3) {
                0 if simple => self.out.push_str(s),
                1 if !control => {
                    self.out.push('\'');
                    self.out.push_str(&s.replace('\'', "''"));
                    self.out.push('\'');
                }
                _ => self.out.push_str(&serde_json::to_string(s).unwrap()),
            }
        }

        fn scalar(&mut self, v: &Value) {
            match v {
                Value::Null => {
                    let s = ["null", "~", "Null"][usize::from(self.pick(3))];
                    self.out.push_str(s);
                }
                Value::String(s) => self.text(s),
                Value::Array(_) => self.out.push_str("[]"),
                Value::Object(_) => self.out.push_str("{ }"),
                other => self.out.push_str(&other.to_string()),
            }
        }

        /// After `key:` or `-` (no space written yet); `parent` is the holder's indent.
        fn value(&mut self, v: &Value, parent: usize, in_mapping: bool) {
            let width = 1 + usize::from(self.pick(4));
            match v {
                Value::Object(map) if !map.is_empty() => {
                    self.comment();
                    self.out.push('\n');
                    self.extra_lines(parent + width);
                    self.entries(map, parent + width);
                }
                Value::Array(items) if !items.is_empty() => {
                    self.comment();
                    self.out.push('\n');
                    let indent = if in_mapping && self.pick(2) == 0 {
                        parent
                    } else {
                        parent + width
                    };
                    self.items(items, indent);
                }
                Value::String(s)
                    if s.contains('\n')
                        && !s.starts_with([' ', '\n'])
                        && !s.chars().any(|c| c.is_control() && c != '\n')
                        && s.lines().all(|l| !l.ends_with(' ')) =>
                {
                    let body = s.trim_end_matches('\n');
                    let trailing = s.len() - body.len();
                    self.out.push_str([" |-", " |", " |+"][trailing.min(2)]);
                    self.comment();
                    self.out.push('\n');
                    for line in body.split('\n') {
                        if !line.is_empty() {
                            self.pad(parent + width);
                            self.out.push_str(line);
                        }
                        self.out.push('\n');
                    }
                    for _ in 1..trailing {
                        self.out.push('\n');
                    }
                }
                Value::Null if self.pick(2) == 0 => {
                    self.comment();
                    self.out.push('\n');
                }
                _ => {
                    self.out.push(' ');
                    self.scalar(v);
                    self.comment();
                    self.out.push('\n');
                }
            }
        }

        fn entries(&mut self, map: &Map<String, Value>, indent: usize) {
            let mut first = true;
            for (k, v) in map {
                if !first {
                    self.extra_lines(indent);
                    self.pad(indent);
                }
                first = false;
                self.text(k);
                self.out.push(':');
                self.value(v, indent, true);
            }
        }

        /// Items at `indent`; the cursor is at the start of the first item's line.
        fn items(&mut self, items: &[Value], indent: usize) {
            for item in items {
                self.pad(indent);
                self.out.push('-');
                let compact = self.pick(3) != 0;
                match item {
                    Value::Object(map) if compact && !map.is_empty() => {
                        let spaces = 1 + usize::from(self.pick(3));
                        self.pad(spaces);
                        self.entries(map, indent + 1 + spaces);
                    }
                    Value::Array(inner) if compact && !inner.is_empty() => {
                        let spaces = 1 + usize::from(self.pick(2));
                        self.pad(spaces);
                        let column = indent + 1 + spaces;
                        // The first inner item continues this line.
                        self.out.push('-');
                        let mut rest = Styler {
                            style: self.style,
                            next: self.next,
                            out: String::new(),
                        };
                        rest.value(&inner[0], column, false);
                        self.next = rest.next;
                        self.out.push_str(&rest.out);
                        if inner.len() > 1 {
                            self.items(&inner[1..], column);
                        }
                    }
                    _ => self.value(item, indent, false),
                }
            }
        }
    }

    fn styled(value: &Value, style: &[u8]) -> String {
        let mut s = Styler {
            style,
            next: 0,
            out: String::new(),
        };
        match value {
            Value::Object(map) if !map.is_empty() => s.entries(map, 0),
            Value::Array(items) if !items.is_empty() => s.items(items, 0),
            other => {
                s.scalar(other);
                s.out.push('\n');
            }
        }
        s.out
    }

    #[test]
    fn most_styled_yaml_takes_the_fast_path() {
        use proptest::strategy::ValueTree;
        use proptest::test_runner::TestRunner;
        let mut runner = TestRunner::deterministic();
        let strategy = (json_value(), prop::collection::vec(any::<u8>(), 1..64));
        let (mut collections, mut fast) = (0, 0);
        for _ in 0..500 {
            let (value, style) = strategy.new_tree(&mut runner).unwrap().current();
            if value.is_object() || value.is_array() {
                collections += 1;
                if parse_fast(&styled(&value, &style)).is_some() {
                    fast += 1;
                }
            }
        }
        assert!(
            fast * 3 > collections,
            "only {fast} of {collections} read fast"
        );
    }

    #[test]
    fn most_emitted_yaml_takes_the_fast_path() {
        use proptest::strategy::ValueTree;
        use proptest::test_runner::TestRunner;
        let mut runner = TestRunner::deterministic();
        let strategy = json_value();
        let (mut collections, mut fast) = (0, 0);
        for _ in 0..500 {
            let value = strategy.new_tree(&mut runner).unwrap().current();
            if value.is_object() || value.is_array() {
                collections += 1;
                if parse_fast(&crate::yaml_out::to_yaml(&value)).is_some() {
                    fast += 1;
                }
            }
        }
        assert!(
            fast * 2 > collections,
            "only {fast} of {collections} read fast"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn styled_yaml_is_declined_or_read_alike(
            value in json_value(),
            style in prop::collection::vec(any::<u8>(), 1..64),
        ) {
            let text = styled(&value, &style);
            if let Some(fast) = parse_fast(&text) {
                let full = full(&text);
                prop_assert!(full.is_ok(), "fast parser accepted {:?}, serde-saphyr: {:?}", text, full);
                prop_assert_eq!(&fast, &full.unwrap(), "{:?}", text);
            }
        }

        #[test]
        fn random_blocks_are_declined_or_read_alike(text in block_text()) {
            if let Some(fast) = parse_fast(&text) {
                let full = full(&text);
                prop_assert!(full.is_ok(), "fast parser accepted {:?}, serde-saphyr: {:?}", text, full);
                prop_assert_eq!(fast, full.unwrap(), "{:?}", text);
            }
        }

        #[test]
        fn emitted_yaml_reads_back_like_serde_saphyr(value in json_value()) {
            let text = crate::yaml_out::to_yaml(&value);
            if let Some(fast) = parse_fast(&text) {
                let full = full(&text);
                prop_assert!(full.is_ok(), "fast parser accepted {:?}, serde-saphyr: {:?}", text, full);
                prop_assert_eq!(&fast, &full.unwrap(), "{:?}", text);
                let expected: Vec<Value> = if value.is_null() { vec![] } else { vec![value.clone()] };
                if value.is_object() || value.is_array() {
                    prop_assert_eq!(&fast, &expected, "{:?}", text);
                }
            }
        }

        #[test]
        fn plain_scalars_are_declined_or_typed_alike(s in "[0-9a-fA-FxXoObBeE._+\\-:infINF ~]{1,10}") {
            let text = format!("k: {s}\n---\n- {s}\n");
            agrees(&text);
            let text = format!("k: {s}\n");
            agrees(&text);
            let text = format!("k: [{s}]\n");
            agrees(&text);
        }

        #[test]
        fn random_text_is_declined_or_read_alike(text in "[a-c:#'\"\\-\\[\\]{}|, \\n0-9.~]{0,40}") {
            if let Some(fast) = parse_fast(&text) {
                let full = full(&text);
                prop_assert!(full.is_ok(), "fast parser accepted {:?}, serde-saphyr: {:?}", text, full);
                prop_assert_eq!(fast, full.unwrap(), "{:?}", text);
            }
        }
    }
}
