//! What can go wrong in the engine, and how it is shown to users (exit 1: the cluster or the
//! operation failed; exit 2: bad input).

use std::time::Duration;

use paddock_core::Diagnostic;

use crate::objref::ObjectRef;

/// Why a wave did not become ready in time.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeoutReport {
    /// 1-based wave number and its services.
    pub wave: (usize, Vec<String>),
    /// How long the engine waited.
    pub waited: Duration,
    /// Every object still not ready, with the reason.
    pub not_ready: Vec<(ObjectRef, String)>,
    /// The first blocking object's status conditions.
    pub conditions: Vec<String>,
    /// The first blocking object's recent Events (and its pods').
    pub events: Vec<String>,
}

/// An engine failure.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// No usable kubeconfig, context or in-cluster config.
    #[error("cannot connect to the cluster: {0}")]
    Connect(String),
    /// The API server refused or failed a request (after retries when transient).
    #[error("{what}: {message}")]
    Api {
        /// What was being done (`apply Deployment/pachd`).
        what: String,
        /// HTTP status code (0 when the request never got an answer).
        code: u16,
        /// The server's message or the transport error.
        message: String,
    },
    /// Server-side apply found fields owned by another field manager.
    #[error("apply {object}: conflicts with other field managers")]
    Conflict {
        /// The object.
        object: Box<ObjectRef>,
        /// `manager: field` per conflict.
        conflicts: Vec<String>,
    },
    /// A wave was not ready before the deadline.
    #[error("timed out waiting for wave {} ({})", .0.wave.0, .0.wave.1.join(", "))]
    Timeout(Box<TimeoutReport>),
    /// Another operation holds the release's lock.
    #[error("release {release} is locked by {holder}")]
    Locked {
        /// The release.
        release: String,
        /// Who holds it (user@host, pid, operation) and since when.
        holder: String,
    },
    /// An object paddock would write belongs to another release or to another tool.
    #[error("{object} exists and belongs to {owner}, not to release {release}")]
    Foreign {
        /// The object.
        object: Box<ObjectRef>,
        /// Its owner according to its labels.
        owner: String,
        /// The release being applied.
        release: String,
    },
    /// The user declined a confirmation; nothing was changed.
    #[error("{0}")]
    Cancelled(String),
    /// Bad input (flags, an unknown revision).
    #[error("{0}")]
    Input(String),
    /// Anything else that failed.
    #[error("{0}")]
    Failed(String),
}

impl EngineError {
    /// The process exit code: 2 for bad input, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            EngineError::Input(_) => 2,
            _ => 1,
        }
    }

    /// The error as a user-facing diagnostic with the details and a hint.
    pub fn to_diagnostic(&self) -> Diagnostic {
        let d = if self.exit_code() == 2 {
            Diagnostic::bad_input(self.to_string())
        } else {
            Diagnostic::failed(self.to_string())
        };
        match self {
            EngineError::Conflict { conflicts, .. } => d.with_help(format!(
                "{}\n  re-run with --force-conflicts to take ownership of these fields",
                conflicts.join("\n  ")
            )),
            EngineError::Timeout(report) => {
                let mut help = format!("waited {:.0?}; not ready:", report.waited);
                for (object, why) in &report.not_ready {
                    help.push_str(&format!("\n    {object}: {why}"));
                }
                if let Some((first, _)) = report.not_ready.first() {
                    help.push_str(&format!("\n  conditions of {first}:"));
                    if report.conditions.is_empty() {
                        help.push_str(" none reported");
                    }
                    for c in &report.conditions {
                        help.push_str(&format!("\n    {c}"));
                    }
                    help.push_str(&format!("\n  recent events of {first}:"));
                    if report.events.is_empty() {
                        help.push_str(" none");
                    }
                    for e in &report.events {
                        help.push_str(&format!("\n    {e}"));
                    }
                }
                help.push_str("\n  objects already applied stay; fix the cause and re-run the same command (--timeout to wait longer)");
                d.with_help(help)
            }
            EngineError::Locked { .. } => d.with_help(
                "wait for that operation to finish (--lock-timeout waits longer); if it died, `paddock unlock` breaks the lock",
            ),
            EngineError::Foreign { .. } => {
                d.with_help("paddock never takes over objects of another release; remove or rename one of them")
            }
            EngineError::Api { code: 0, .. } => {
                d.with_help("the API server did not answer; check the connection and re-run (the operation resumes where it stopped)")
            }
            _ => d,
        }
    }
}

/// Converts a kube error into an [`EngineError::Api`] about `what`.
pub fn api_error(what: impl Into<String>, e: &kube::Error) -> EngineError {
    let what = what.into();
    match e {
        kube::Error::Api(status) => EngineError::Api {
            what,
            code: status.code,
            message: if status.message.is_empty() {
                status.reason.clone()
            } else {
                status.message.clone()
            },
        },
        other => EngineError::Api {
            what,
            code: 0,
            message: other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_show_conditions_and_events() {
        let object = ObjectRef {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            namespace: Some("n".into()),
            name: "pachd".into(),
            service: "pachd".into(),
        };
        let e = EngineError::Timeout(Box::new(TimeoutReport {
            wave: (3, vec!["pachd".into()]),
            waited: Duration::from_secs(5),
            not_ready: vec![(object, "0/1 replicas available".into())],
            conditions: vec!["Available=False".into()],
            events: vec!["Warning Failed: ErrImagePull".into()],
        }));
        let text = e.to_diagnostic().to_string();
        assert!(
            text.starts_with("timed out waiting for wave 3 (pachd)"),
            "{text}"
        );
        assert!(text.contains("Deployment/pachd: 0/1 replicas available"));
        assert!(text.contains("ErrImagePull"));
        assert_eq!(e.exit_code(), 1);
        assert_eq!(EngineError::Input("x".into()).exit_code(), 2);
    }
}
