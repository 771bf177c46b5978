//! Flags of `paddock context`.

use std::path::PathBuf;

use clap::Args;

use super::ValueFlags;

/// `paddock context` flags.
#[derive(Debug, Args)]
pub struct ContextArgs {
    /// Name of the pachctl context to write.
    #[arg(value_name = "NAME")]
    pub name: String,
    /// The proxy's external address: HOST, HOST:PORT or grpc[s]://HOST[:PORT] (default:
    /// ingress.host or proxy.host from the values, else the external address of Service
    /// pachyderm-proxy read from the cluster). Without a port, the proxy's http port (https
    /// port with proxy.tls.enabled) is used.
    #[arg(long, value_name = "ADDRESS")]
    pub address: Option<String>,
    /// Replace an existing context of that name (like `pachctl config set context --overwrite`).
    #[arg(long)]
    pub overwrite: bool,
    /// Make it pachctl's active context (a new config file gets it active anyway).
    #[arg(long)]
    pub activate: bool,
    /// A PEM file of CA certificates pachctl should trust for the proxy (a private CA).
    #[arg(long, value_name = "FILE")]
    pub server_ca: Option<PathBuf>,
    /// Namespace the platform runs in, to read the proxy Service from (default: the kubeconfig
    /// context's namespace).
    #[arg(short = 'n', long)]
    pub namespace: Option<String>,
    /// Kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then in-cluster).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context to use instead of the current one.
    #[arg(long = "context", value_name = "KUBE_CONTEXT")]
    pub kube_context: Option<String>,
    /// The values the platform was deployed with (ports, TLS, host).
    #[command(flatten)]
    pub values: ValueFlags,
}
