//! Connecting: kubeconfig (`--kubeconfig`, `KUBECONFIG`, `~/.kube/config`) with an optional
//! context, or the in-cluster service account.

use std::path::PathBuf;
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig};

use crate::error::EngineError;

/// How to reach the cluster.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// A kubeconfig file; otherwise `KUBECONFIG`, `~/.kube/config`, then in-cluster.
    pub kubeconfig: Option<PathBuf>,
    /// Context to use instead of the current one.
    pub context: Option<String>,
    /// Per-request read timeout (a slow or hung server becomes a retried error).
    pub read_timeout: Option<Duration>,
}

/// Builds the client configuration from `options`.
pub async fn config(options: &ConnectOptions) -> Result<kube::Config, EngineError> {
    let kc = KubeConfigOptions {
        context: options.context.clone(),
        ..KubeConfigOptions::default()
    };
    let mut config = match &options.kubeconfig {
        Some(path) => {
            let file = Kubeconfig::read_from(path)
                .map_err(|e| EngineError::Connect(format!("{}: {e}", path.display())))?;
            kube::Config::from_custom_kubeconfig(file, &kc)
                .await
                .map_err(|e| EngineError::Connect(format!("{}: {e}", path.display())))?
        }
        None if options.context.is_some() || std::env::var_os("KUBECONFIG").is_some() => {
            kube::Config::from_kubeconfig(&kc)
                .await
                .map_err(|e| EngineError::Connect(e.to_string()))?
        }
        None => kube::Config::infer()
            .await
            .map_err(|e| EngineError::Connect(e.to_string()))?,
    };
    config.read_timeout = Some(options.read_timeout.unwrap_or(Duration::from_secs(60)));
    config.connect_timeout = Some(Duration::from_secs(10));
    Ok(config)
}

/// Connects: a client for `options`.
pub async fn client(options: &ConnectOptions) -> Result<kube::Client, EngineError> {
    client_for(config(options).await?)
}

/// A client for `config`, with the crypto provider installed first (commands that never
/// connect never load TLS).
pub fn client_for(config: kube::Config) -> Result<kube::Client, EngineError> {
    // The process-wide rustls provider (`ring`, the one kube uses); later calls do nothing.
    let _ = rustls::crypto::ring::default_provider().install_default();
    kube::Client::try_from(config).map_err(|e| EngineError::Connect(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn missing_kubeconfig_is_a_connect_error() {
        let options = ConnectOptions {
            kubeconfig: Some("/nonexistent/kubeconfig".into()),
            ..ConnectOptions::default()
        };
        let e = config(&options).await.unwrap_err();
        assert!(
            e.to_string()
                .starts_with("cannot connect to the cluster: /nonexistent/kubeconfig"),
            "{e}"
        );
    }

    #[tokio::test]
    async fn picks_the_named_context() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(
            &path,
            "apiVersion: v1\nkind: Config\nclusters:\n- name: a\n  cluster: {server: 'http://127.0.0.1:1'}\n- name: b\n  cluster: {server: 'http://127.0.0.1:2'}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: a\n  context: {cluster: a, user: u, namespace: na}\n- name: b\n  context: {cluster: b, user: u, namespace: nb}\ncurrent-context: a\n",
        )
        .unwrap();
        let options = ConnectOptions {
            kubeconfig: Some(path),
            context: Some("b".into()),
            ..ConnectOptions::default()
        };
        let c = config(&options).await.unwrap();
        assert_eq!(c.cluster_url.port_u16(), Some(2));
        assert_eq!(c.default_namespace, "nb");
    }
}
