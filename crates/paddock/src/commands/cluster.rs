//! What the cluster commands share: durations, the async runtime, connecting, options.

use std::time::Duration;

use paddock_core::{Diagnostic, Diagnostics};
use paddock_kube::action::{self, RenderInput};
use paddock_kube::{ConnectOptions, Engine};

use crate::cli::{ClusterFlags, ValueFlags};

/// Parses `90`, `90s`, `5m`, `1h`, `1m30s` into a duration.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad = || format!("invalid duration {text:?}: use e.g. 30s, 5m, 1h or 1m30s");
    let text = text.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    let mut total = 0u64;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: u64 = number.parse().map_err(|_| bad())?;
        number.clear();
        total += n * match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            _ => return Err(bad()),
        };
    }
    if !number.is_empty() || text.is_empty() {
        return Err(bad());
    }
    Ok(Duration::from_secs(total))
}

/// A runtime for one command.
pub fn runtime() -> Result<tokio::runtime::Runtime, Diagnostics> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Diagnostic::failed(format!("cannot start the async runtime: {e}")).into())
}

/// Connects to the cluster named by the flags; a bad `--namespace` is bad input (exit 2) found
/// before any network.
pub async fn engine(flags: &ClusterFlags) -> Result<Engine, Diagnostics> {
    if let Some(namespace) = &flags.namespace {
        action::check_namespace(namespace)?;
    }
    let options = ConnectOptions {
        kubeconfig: flags.kubeconfig.clone(),
        context: flags.context.clone(),
        read_timeout: None,
    };
    Engine::connect(&options, flags.namespace.as_deref())
        .await
        .map_err(|e| e.to_diagnostic().into())
}

/// The release name, `pachd` unless given.
pub fn release_name(release: &Option<String>) -> String {
    release.clone().unwrap_or_else(|| "pachd".to_owned())
}

/// Operation options from the flags.
pub fn options(
    release: &Option<String>,
    flags: &ClusterFlags,
    timeout: Duration,
    force_conflicts: bool,
) -> action::Options {
    let mut o = action::Options::new(release_name(release));
    o.lock_timeout = flags.lock_timeout;
    o.timeout = timeout;
    o.force_conflicts = force_conflicts;
    o
}

/// Renders with placeholder credentials before connecting: bad values or a bad `--namespace`
/// exit 2 with nothing contacted (the namespace from the kubeconfig is checked again after
/// connecting).
pub fn check_render(
    input: &RenderInput<'_>,
    release: &str,
    flags: &ClusterFlags,
) -> Result<(), Diagnostics> {
    let namespace = flags.namespace.as_deref().unwrap_or("default");
    action::check_render(input, release, namespace).map_err(action::ActionError::into_diagnostics)
}

/// Reads the value flags into a render input.
pub fn render_input(
    flags: &ValueFlags,
    no_validate: bool,
) -> Result<RenderInput<'static>, Diagnostics> {
    Ok(RenderInput {
        sources: super::template::value_sources(flags)?,
        validate: !no_validate,
        read_file: &super::template::read_file,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert!(parse_duration("5x").is_err());
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("").is_err());
    }
}
