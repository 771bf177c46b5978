//! Exact Kubernetes quantity arithmetic: pachd's memory request is the requested memory plus
//! the block cache, written the way Kubernetes writes quantities (`2G` + `1G` = `3G`,
//! `4Gi` + `1Gi` = `5Gi`).

/// Billionths per unit: quantities are held exactly in nano-units.
const NANOS: i128 = 1_000_000_000;

/// Decimal SI suffixes by power of ten.
const DECIMAL: [(i32, &str); 10] = [
    (18, "E"),
    (15, "P"),
    (12, "T"),
    (9, "G"),
    (6, "M"),
    (3, "k"),
    (0, ""),
    (-3, "m"),
    (-6, "u"),
    (-9, "n"),
];

/// Binary suffixes by power of 1024.
const BINARY: [(u32, &str); 6] = [
    (6, "Ei"),
    (5, "Pi"),
    (4, "Ti"),
    (3, "Gi"),
    (2, "Mi"),
    (1, "Ki"),
];

/// A quantity held exactly, and whether it was written with a binary suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Exact {
    nanos: i128,
    binary: bool,
}

fn too_large(text: &str) -> String {
    format!("{text:?} is out of range")
}

/// Reads a quantity exactly (fractions below a nano-unit round up, as Kubernetes does).
fn parse_exact(text: &str) -> Result<Exact, String> {
    let t = text.trim();
    let (negative, rest) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let number_end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let (number, suffix) = rest.split_at(number_end);
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty() || fraction.contains('.') {
        return Err(format!("{text:?} does not start with a number"));
    }
    let (exp10, pow1024): (i32, u32) =
        if let Some((e, _)) = DECIMAL.iter().find(|(_, name)| *name == suffix) {
            (*e, 0)
        } else if let Some((p, _)) = BINARY.iter().find(|(_, name)| *name == suffix) {
            (0, *p)
        } else if let Some(exponent) = suffix.strip_prefix(['e', 'E']) {
            let e = exponent
                .parse()
                .map_err(|_| format!("{text:?} has a malformed exponent"))?;
            (e, 0)
        } else {
            return Err(format!("{text:?} has unknown suffix {suffix:?}"));
        };
    let digits = format!("{whole}{fraction}");
    let mantissa: i128 = digits.parse().map_err(|_| too_large(text))?;
    // value = mantissa * 10^(exp10 - len(fraction)) * 1024^pow1024, in nano-units.
    let scale = 9 + exp10 - fraction.len() as i32;
    let mut nanos = mantissa;
    if scale >= 0 {
        nanos = 10i128
            .checked_pow(scale as u32)
            .and_then(|f| nanos.checked_mul(f))
            .ok_or_else(|| too_large(text))?;
    }
    nanos = 1024i128
        .checked_pow(pow1024)
        .and_then(|f| nanos.checked_mul(f))
        .ok_or_else(|| too_large(text))?;
    if scale < 0 {
        let divisor = 10i128
            .checked_pow(scale.unsigned_abs())
            .ok_or_else(|| too_large(text))?;
        nanos = (nanos + divisor - 1) / divisor;
    }
    Ok(Exact {
        nanos: if negative { -nanos } else { nanos },
        binary: pow1024 > 0,
    })
}

/// Writes nano-units in Kubernetes' canonical form: a binary suffix when asked for and exact,
/// otherwise the largest decimal suffix that keeps the number whole.
fn format_exact(q: Exact) -> String {
    if q.nanos == 0 {
        return "0".into();
    }
    if q.binary && q.nanos % NANOS == 0 && (q.nanos / NANOS).abs() >= 1024 {
        let units = q.nanos / NANOS;
        for (power, suffix) in BINARY {
            let factor = 1024i128.pow(power);
            if units % factor == 0 {
                return format!("{}{suffix}", units / factor);
            }
        }
    }
    for (exp, suffix) in DECIMAL {
        let factor = 10i128.pow((exp + 9) as u32);
        if q.nanos % factor == 0 {
            return format!("{}{suffix}", q.nanos / factor);
        }
    }
    unreachable!("every nano-unit count divides by 10^0")
}

/// `a + b`, written in `a`'s suffix family (decimal or binary) as Kubernetes would.
pub fn add_quantities(a: &str, b: &str) -> Result<String, String> {
    let x = parse_exact(a)?;
    let y = parse_exact(b)?;
    let nanos = x.nanos.checked_add(y.nanos).ok_or_else(|| too_large(a))?;
    Ok(format_exact(Exact {
        nanos,
        binary: x.binary,
    }))
}

/// Whether `text` is a quantity greater than zero.
pub fn is_positive(text: &str) -> Result<bool, String> {
    parse_exact(text).map(|q| q.nanos > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_like_kubernetes() {
        assert_eq!(add_quantities("2G", "1G").unwrap(), "3G");
        assert_eq!(add_quantities("4Gi", "1Gi").unwrap(), "5Gi");
        assert_eq!(add_quantities("1.5G", "1G").unwrap(), "2500M");
        assert_eq!(add_quantities("4Gi", "1G").unwrap(), "5294967296");
        assert_eq!(add_quantities("512Mi", "512Mi").unwrap(), "1Gi");
        assert_eq!(add_quantities("500m", "1").unwrap(), "1500m");
        assert_eq!(add_quantities("1e3", "0").unwrap(), "1k");
        assert_eq!(add_quantities("0.5", "0.5").unwrap(), "1");
        assert_eq!(add_quantities("1Ei", "0").unwrap(), "1Ei");
        assert_eq!(add_quantities("1E", "0").unwrap(), "1E");
    }

    #[test]
    fn rejects_what_is_not_a_quantity() {
        assert!(add_quantities("lots", "1G").is_err());
        assert!(add_quantities("1GB", "1G").unwrap_err().contains("\"GB\""));
        assert!(add_quantities("1.2.3", "1").is_err());
        assert!(add_quantities("99999999999999999999999999999E", "1").is_err());
    }

    #[test]
    fn knows_the_sign() {
        assert!(is_positive("1m").unwrap());
        assert!(!is_positive("0").unwrap());
        assert!(!is_positive("-1G").unwrap());
    }
}
