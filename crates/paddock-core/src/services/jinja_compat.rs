//! Jinja2 behaviour for user service directories, where templates were written for Python:
//! printed lists and dicts look like Python's (`['a', 1]`, `{'k': True}`), floats print like
//! Python's `repr`, `string` is Python's `str()`, and `tojson` is Jinja2's (keys sorted,
//! `", "`/`": "` separators, non-ASCII and `<>&'` escaped). Undefined values are lenient.

use std::fmt::Write as _;
use std::sync::Arc;

use minijinja::value::{Kwargs, ValueKind};
use minijinja::{Environment, Error, ErrorKind, Output, State, Value};

use crate::catalog::FileTree;
use crate::render::{self, Strictness};

/// The template environment of one user root: files are looked up relative to the root, and
/// also under `<label>/` so that template names (and so error messages) carry the root's path.
pub fn user_environment(label: &str, files: Arc<FileTree>) -> Environment<'static> {
    let mut env = render::environment(files.clone(), Strictness::Lenient);
    let prefix = format!("{label}/");
    env.set_loader(move |name| {
        Ok(files
            .get(name.strip_prefix(prefix.as_str()).unwrap_or(name))
            .cloned())
    });
    env.set_formatter(python_formatter);
    env.add_filter("tojson", tojson);
    env.add_filter("string", |value: Value| python_str(&value));
    env
}

/// Prints values the way Jinja2 does (Python's `str()`), undefined as empty.
pub fn python_formatter(out: &mut Output, state: &mut State, value: &Value) -> Result<(), Error> {
    match value.kind() {
        ValueKind::Seq | ValueKind::Map => out.write_str(&python_str(value)).map_err(Error::from),
        ValueKind::Number if !value.is_integer() => match f64::try_from(value.clone()) {
            Ok(f) => out.write_str(&python_float(f)).map_err(Error::from),
            Err(_) => minijinja::escape_formatter(out, state, value),
        },
        _ => minijinja::escape_formatter(out, state, value),
    }
}

/// Python's `str()` of a value.
pub fn python_str(value: &Value) -> String {
    match value.kind() {
        ValueKind::String => value.as_str().unwrap_or_default().to_owned(),
        ValueKind::Undefined => String::new(),
        _ => python_repr(value),
    }
}

/// Python's `repr()` of a value.
pub fn python_repr(value: &Value) -> String {
    match value.kind() {
        ValueKind::Undefined => String::new(),
        ValueKind::None => "None".to_owned(),
        ValueKind::Bool => if value.is_true() { "True" } else { "False" }.to_owned(),
        ValueKind::Number if !value.is_integer() => f64::try_from(value.clone())
            .map(python_float)
            .unwrap_or_else(|_| value.to_string()),
        ValueKind::String => python_string_repr(value.as_str().unwrap_or_default()),
        ValueKind::Seq => {
            let items: Vec<String> = value
                .try_iter()
                .into_iter()
                .flatten()
                .map(|v| python_repr(&v))
                .collect();
            format!("[{}]", items.join(", "))
        }
        ValueKind::Map => {
            let items: Vec<String> = value
                .try_iter()
                .into_iter()
                .flatten()
                .map(|k| {
                    let v = value.get_item(&k).unwrap_or_default();
                    format!("{}: {}", python_repr(&k), python_repr(&v))
                })
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        _ => value.to_string(),
    }
}

/// Python's `repr()` of a string: single quotes unless it holds `'` and no `"`.
pub fn python_string_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || (0x7f..0xa0).contains(&(c as u32)) => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Python's `repr()` of a float: shortest round-trip digits, positional for exponents -4..16,
/// otherwise `1e+16` style.
pub fn python_float(f: f64) -> String {
    if f.is_nan() {
        return "nan".to_owned();
    }
    if f.is_infinite() {
        return if f < 0.0 { "-inf" } else { "inf" }.to_owned();
    }
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').expect("`{:e}` has an exponent");
    let exp: i32 = exp.parse().expect("integer exponent");
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if negative { "-" } else { "" };
    if (-4..16).contains(&exp) {
        let point = exp + 1;
        let body = if point <= 0 {
            format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
        } else if point as usize >= digits.len() {
            format!("{digits}{}.0", "0".repeat(point as usize - digits.len()))
        } else {
            let (int, frac) = digits.split_at(point as usize);
            format!("{int}.{frac}")
        };
        format!("{sign}{body}")
    } else {
        let (first, rest) = digits.split_at(1);
        let mantissa = if rest.is_empty() {
            first.to_owned()
        } else {
            format!("{first}.{rest}")
        };
        let exp_sign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{mantissa}e{exp_sign}{:02}", exp.unsigned_abs())
    }
}

/// Jinja2's `tojson`: `json.dumps(value, sort_keys=True)` (ASCII only, `", "` and `": "`
/// separators, or newlines and `indent` spaces) with `<`, `>`, `&` and `'` escaped.
pub fn tojson(value: &Value, indent: Option<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let indent = match indent {
        Some(v) => Some(v),
        None => kwargs.get::<Option<Value>>("indent")?,
    };
    kwargs.assert_all_used()?;
    let indent = match indent {
        None => None,
        Some(v) if v.is_none() => None,
        Some(v) => Some(usize::try_from(v).map_err(|_| {
            Error::new(
                ErrorKind::InvalidOperation,
                "tojson indent must be an integer",
            )
        })?),
    };
    let mut out = String::new();
    write_json(&mut out, value, indent, 0)?;
    Ok(Value::from_safe_string(out))
}

fn write_json(
    out: &mut String,
    value: &Value,
    indent: Option<usize>,
    depth: usize,
) -> Result<(), Error> {
    let newline = |out: &mut String, depth: usize| {
        if let Some(n) = indent {
            out.push('\n');
            out.push_str(&" ".repeat(n * depth));
        }
    };
    let separator = if indent.is_some() { "," } else { ", " };
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => out.push_str("null"),
        ValueKind::Bool => out.push_str(if value.is_true() { "true" } else { "false" }),
        ValueKind::Number if value.is_integer() => out.push_str(&value.to_string()),
        ValueKind::Number => {
            let f = f64::try_from(value.clone())?;
            out.push_str(&if f.is_nan() {
                "NaN".to_owned()
            } else if f.is_infinite() {
                if f < 0.0 { "-Infinity" } else { "Infinity" }.to_owned()
            } else {
                python_float(f)
            });
        }
        ValueKind::String => {
            render::push_json_string(out, value.as_str().unwrap_or_default(), true)
        }
        ValueKind::Seq | ValueKind::Iterable => {
            let items: Vec<Value> = value.try_iter()?.collect();
            if items.is_empty() {
                out.push_str("[]");
                return Ok(());
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(separator);
                }
                newline(out, depth + 1);
                write_json(out, item, indent, depth + 1)?;
            }
            newline(out, depth);
            out.push(']');
        }
        ValueKind::Map => {
            let mut pairs: Vec<(String, Value)> = value
                .try_iter()?
                .map(|k| {
                    let v = value.get_item(&k).unwrap_or_default();
                    let key = match k.kind() {
                        ValueKind::String => k.as_str().unwrap_or_default().to_owned(),
                        ValueKind::Bool => if k.is_true() { "true" } else { "false" }.to_owned(),
                        ValueKind::None => "null".to_owned(),
                        _ => k.to_string(),
                    };
                    (key, v)
                })
                .collect();
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            if pairs.is_empty() {
                out.push_str("{}");
                return Ok(());
            }
            out.push('{');
            for (i, (key, item)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.push_str(separator);
                }
                newline(out, depth + 1);
                render::push_json_string(out, key, true);
                out.push_str(": ");
                write_json(out, item, indent, depth + 1)?;
            }
            newline(out, depth);
            out.push('}');
        }
        _ => render::push_json_string(out, &value.to_string(), true),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(template: &str, ctx: serde_json::Value) -> String {
        let mut files = FileTree::new();
        files.insert("t".into(), template.into());
        let env = user_environment("root", Arc::new(files));
        env.get_template("root/t")
            .unwrap()
            .render(crate::render::template_value(&ctx))
            .unwrap()
    }

    #[test]
    fn prints_like_python() {
        let ctx = json!({"l": ["a", 1, true, null, 1.5], "m": {"k": "it's", "b": false}, "f": 1e16, "g": 0.00001, "h": 2.0});
        assert_eq!(
            render(
                "{{ l }}|{{ m }}|{{ f }}|{{ g }}|{{ h }}|{{ m.b }}|{{ l[3] }}|{{ nope }}|{{ m.b | string }}",
                ctx
            ),
            "['a', 1, True, None, 1.5]|{'k': \"it's\", 'b': False}|1e+16|1e-05|2.0|False|None||False"
        );
    }

    #[test]
    fn tojson_matches_jinja2() {
        let ctx = json!({"m": {"z": [1, "<é>"], "a": {"q": "it's & 😀"}, "e": {}, "n": null}});
        assert_eq!(
            render("{{ m | tojson }}", ctx.clone()),
            r#"{"a": {"q": "it\u0027s \u0026 \ud83d\ude00"}, "e": {}, "n": null, "z": [1, "\u003c\u00e9\u003e"]}"#
        );
        assert_eq!(
            render("{{ m.z | tojson(indent=2) }}", ctx),
            "[\n  1,\n  \"\\u003c\\u00e9\\u003e\"\n]"
        );
    }

    #[test]
    fn python_float_repr() {
        for (f, s) in [
            (0.1, "0.1"),
            (100.0, "100.0"),
            (1e15, "1000000000000000.0"),
            (1.5e16, "1.5e+16"),
            (-0.0001, "-0.0001"),
            (1.25e-7, "1.25e-07"),
            (123.456, "123.456"),
        ] {
            assert_eq!(python_float(f), s, "{f}");
        }
    }

    #[test]
    fn names_carry_the_root_and_iteritems_works() {
        let mut files = FileTree::new();
        files.insert(
            "a/x.template".into(),
            "{% for k, v in m.iteritems() %}{{ k }}={{ v }};{% endfor %}{{ missing.attr }}".into(),
        );
        let env = user_environment("svc", Arc::new(files));
        let err = env
            .get_template("svc/a/x.template")
            .unwrap()
            .render(crate::render::template_value(&json!({"m": {"a": 1}})))
            .unwrap_err();
        assert_eq!(err.name(), Some("svc/a/x.template"));
        assert_eq!(err.kind(), ErrorKind::UndefinedError);
    }
}
