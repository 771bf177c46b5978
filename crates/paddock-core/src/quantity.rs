//! Kubernetes resource quantities (`500m`, `1.5Gi`, `2e3`): parsing and validation.

/// Parses a Kubernetes quantity into its value in base units (cores, bytes), or explains why
/// it is not one.
pub fn parse_quantity(text: &str) -> Result<f64, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("empty quantity".into());
    }
    let number_end = t
        .char_indices()
        .find(|(i, c)| !(c.is_ascii_digit() || *c == '.' || (*i == 0 && (*c == '+' || *c == '-'))))
        .map_or(t.len(), |(i, _)| i);
    let (number, suffix) = t.split_at(number_end);
    let digits = number.trim_start_matches(['+', '-']);
    if digits.is_empty() || digits == "." || digits.matches('.').count() > 1 {
        return Err(format!("{text:?} does not start with a number"));
    }
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} does not start with a number"))?;
    let factor = match suffix {
        "" => 1.0,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        s if s.starts_with(['e', 'E']) => {
            let exp: i32 = s[1..]
                .parse()
                .map_err(|_| format!("{text:?} has a malformed exponent"))?;
            10f64.powi(exp)
        }
        other => {
            return Err(format!(
                "{text:?} has unknown suffix {other:?} (use m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei)"
            ));
        }
    };
    Ok(value * factor)
}

/// Why a valid quantity for `resource` (`cpu` or `memory`) is almost certainly not what was
/// meant — memory in thousandths of a byte (`500m`), CPUs with a byte suffix (`1.5Gi`) — or
/// `None`. The text starts with the quantity, for a warning.
pub fn unit_surprise(resource: &str, text: &str) -> Option<String> {
    let text = text.trim();
    if resource == "memory" && text.ends_with('m') {
        let number = &text[..text.len() - 1];
        return Some(format!(
            "{text} is {number} thousandths of a byte; did you mean {number}M or {number}Mi?"
        ));
    }
    let binary = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
    if resource == "cpu" && binary.iter().any(|suffix| text.ends_with(suffix)) {
        return Some(format!(
            "{text} asks for that many CPU cores (a byte-style suffix); did you mean a number of cores such as 1 or 500m?"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_kubernetes_suffixes() {
        assert_eq!(parse_quantity("500m").unwrap(), 0.5);
        assert_eq!(parse_quantity("1").unwrap(), 1.0);
        assert_eq!(parse_quantity("1.5Gi").unwrap(), 1.5 * 1024f64.powi(3));
        assert_eq!(parse_quantity("2G").unwrap(), 2e9);
        assert_eq!(parse_quantity("1e3").unwrap(), 1000.0);
        assert_eq!(parse_quantity("10Ki").unwrap(), 10240.0);
    }

    #[test]
    fn rejects_garbage() {
        assert!(parse_quantity("").is_err());
        assert!(parse_quantity("Gi").is_err());
        assert!(
            parse_quantity("1GB")
                .unwrap_err()
                .contains("unknown suffix \"GB\"")
        );
        assert!(parse_quantity("1.2.3").is_err());
        assert!(parse_quantity("lots").is_err());
    }
}
