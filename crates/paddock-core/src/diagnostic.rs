//! User-facing problems: what went wrong, where (key path, file:line:column) and a hint.

use std::fmt;

use crate::values::Origin;

/// Whether a problem is the user's input (exit 2) or an operation that failed (exit 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Bad flags, values, service directories or YAML: exit code 2.
    BadInput,
    /// An operation failed (I/O, cluster): exit code 1.
    Failed,
}

/// One problem, printed as `error: ...` with its location and a hint.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// Bad input or failed operation.
    pub severity: Severity,
    /// What is wrong, in one sentence.
    pub message: String,
    /// Dotted values key path the problem is about, when there is one.
    pub key_path: Option<String>,
    /// Where the offending input came from.
    pub origin: Option<Origin>,
    /// How to fix it, when we know.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A bad-input problem with just a message.
    pub fn bad_input(message: impl Into<String>) -> Self {
        Self {
            severity: Severity::BadInput,
            message: message.into(),
            key_path: None,
            origin: None,
            help: None,
        }
    }

    /// A failed-operation problem with just a message.
    pub fn failed(message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Failed,
            ..Self::bad_input(message)
        }
    }

    /// Attaches the key path the problem is about.
    pub fn at_path(mut self, path: impl Into<String>) -> Self {
        self.key_path = Some(path.into());
        self
    }

    /// Attaches where the input came from.
    pub fn with_origin(mut self, origin: Option<Origin>) -> Self {
        self.origin = origin;
        self
    }

    /// Attaches a hint.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The process exit code this problem maps to.
    pub fn exit_code(&self) -> i32 {
        match self.severity {
            Severity::BadInput => 2,
            Severity::Failed => 1,
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.key_path {
            Some(path) if !path.is_empty() => write!(f, "{}: {}", path, self.message)?,
            _ => write!(f, "{}", self.message)?,
        }
        if let Some(origin) = &self.origin {
            write!(f, "\n  --> {origin}")?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}

/// Several problems found in one pass (all are reported, not just the first).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// The exit code for the worst problem in the list.
    pub fn exit_code(&self) -> i32 {
        if self.0.iter().any(|d| d.severity == Severity::BadInput) {
            2
        } else {
            1
        }
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Self(vec![d])
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "error: {d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// Best did-you-mean candidate for `wrong` among `candidates`, if one is close enough.
pub fn did_you_mean<'a>(
    wrong: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = wrong.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&lower, &c.to_ascii_lowercase()), c))
        .filter(|(score, _)| *score >= 0.82)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let keys = ["externalService", "service", "storage"];
        assert_eq!(
            did_you_mean("exernalService", keys),
            Some("externalService")
        );
        assert_eq!(did_you_mean("proxxy", ["proxy", "pachd"]), Some("proxy"));
        assert_eq!(did_you_mean("zzzz", keys), None);
    }

    #[test]
    fn exit_codes_follow_severity() {
        assert_eq!(Diagnostic::bad_input("x").exit_code(), 2);
        assert_eq!(Diagnostic::failed("x").exit_code(), 1);
        let both = Diagnostics(vec![Diagnostic::failed("a"), Diagnostic::bad_input("b")]);
        assert_eq!(both.exit_code(), 2);
    }
}
