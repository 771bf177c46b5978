//! Where the proxy listens, where its backends are and where its files live. The Kubernetes
//! layout is the default; tests move every port and address onto loopback.

use std::collections::BTreeMap;

use crate::platform::model::Values;

/// One destination behind the proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Backend {
    /// Console's web UI (and its WebSocket subscriptions).
    Console,
    /// pachd's gRPC API.
    PachdGrpc,
    /// pachd's S3 gateway.
    PachdS3,
    /// pachd's identity server (dex).
    PachdIdentity,
    /// pachd's OIDC callback.
    PachdOidc,
    /// pachd's HTTP API (archives, JSON schemas, PFS over HTTP, gRPC-gateway).
    PachdHttp,
    /// pachd's Prometheus metrics.
    PachdMetrics,
}

impl Backend {
    /// Every backend, in the order listeners and clusters are written.
    pub const ALL: [Backend; 7] = [
        Backend::Console,
        Backend::PachdGrpc,
        Backend::PachdS3,
        Backend::PachdIdentity,
        Backend::PachdOidc,
        Backend::PachdHttp,
        Backend::PachdMetrics,
    ];

    /// The Envoy cluster name.
    pub fn cluster(self) -> &'static str {
        match self {
            Backend::Console => "console",
            Backend::PachdGrpc => "pachd-grpc",
            Backend::PachdS3 => "pachd-s3",
            Backend::PachdIdentity => "pachd-identity",
            Backend::PachdOidc => "pachd-oidc",
            Backend::PachdHttp => "pachd-http",
            Backend::PachdMetrics => "pachd-metrics",
        }
    }

    /// The headless Kubernetes Service the proxy resolves the backend through.
    pub fn service(self) -> &'static str {
        match self {
            Backend::Console => "console-proxy-backend",
            _ => "pachd-proxy-backend",
        }
    }

    /// pachd's fixed port for this backend; `None` for the console, whose port is configurable.
    fn pachd_port(self) -> Option<u16> {
        match self {
            Backend::Console => None,
            Backend::PachdGrpc => Some(1650),
            Backend::PachdS3 => Some(1600),
            Backend::PachdIdentity => Some(1658),
            Backend::PachdOidc => Some(1657),
            Backend::PachdHttp => Some(1659),
            Backend::PachdMetrics => Some(1656),
        }
    }

    /// The backend's port (console's follows `console.config.graphqlPort`).
    pub fn port(self, values: &Values) -> u16 {
        self.pachd_port()
            .unwrap_or_else(|| u16::try_from(values.console.config.graphql_port).unwrap_or(4000))
    }

    /// Name of the proxy container port that serves this backend directly.
    pub fn direct_port_name(self) -> &'static str {
        match self {
            Backend::Console => "console-direct",
            Backend::PachdGrpc => "grpc-direct",
            Backend::PachdS3 => "s3-direct",
            Backend::PachdIdentity => "identity-direct",
            Backend::PachdOidc => "oidc-direct",
            Backend::PachdHttp => "archive-direct",
            Backend::PachdMetrics => "metrics-direct",
        }
    }

    /// The proxy container port that serves this backend directly.
    pub fn direct_container_port(self) -> u16 {
        self.pachd_port().unwrap_or(4000)
    }

    /// The `proxy.service.legacyPorts` key that exposes the direct port, if any.
    pub fn legacy_key(self) -> Option<&'static str> {
        match self {
            Backend::Console => Some("console"),
            Backend::PachdGrpc => Some("grpc"),
            Backend::PachdS3 => Some("s3Gateway"),
            Backend::PachdIdentity => Some("identity"),
            Backend::PachdOidc => Some("oidc"),
            Backend::PachdHttp => None,
            Backend::PachdMetrics => Some("metrics"),
        }
    }

    /// The legacy Service port set for this backend (0: not exposed).
    pub fn legacy_port(self, values: &Values) -> i64 {
        let l = &values.proxy.service.legacy_ports;
        match self {
            Backend::Console => l.console,
            Backend::PachdGrpc => l.grpc,
            Backend::PachdS3 => l.s3_gateway,
            Backend::PachdIdentity => l.identity,
            Backend::PachdOidc => l.oidc,
            Backend::PachdHttp => 0,
            Backend::PachdMetrics => l.metrics,
        }
    }
}

/// A host and port an upstream cluster connects to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    /// DNS name or IP address.
    pub host: String,
    /// TCP port.
    pub port: u16,
}

/// Ports, addresses and paths of one proxy instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Address every public listener binds.
    pub listen_address: String,
    /// Address of Envoy's admin interface (loopback: it can stop the proxy).
    pub admin_address: String,
    /// Port of the admin interface.
    pub admin_port: u16,
    /// Port of the listener that exposes only `/ready` and `/server_info` (for probes).
    pub probe_port: u16,
    /// Port of the main (or, with TLS, redirecting) listener.
    pub http_port: u16,
    /// Port of the TLS listener.
    pub https_port: u16,
    /// Port of each backend's direct listener.
    pub direct_ports: BTreeMap<Backend, u16>,
    /// Where each backend is reached.
    pub upstreams: BTreeMap<Backend, Upstream>,
    /// Directory of the mounted ConfigMap (holds `sds.yaml`).
    pub config_dir: String,
    /// Directory of the mounted TLS Secret (`tls.crt`, `tls.key`).
    pub tls_dir: String,
}

/// Container port of the probe listener (`admin-port`).
pub const PROBE_PORT: u16 = 9901;
/// Container port of the main listener (`http-port`).
pub const HTTP_PORT: u16 = 8080;
/// Container port of the TLS listener (`https-port`).
pub const HTTPS_PORT: u16 = 8443;
/// Loopback port of Envoy's own admin interface.
pub const ADMIN_PORT: u16 = 9902;
/// Where the ConfigMap is mounted.
pub const CONFIG_DIR: &str = "/etc/envoy";
/// Where the TLS Secret is mounted.
pub const TLS_DIR: &str = "/tls";

impl Layout {
    /// The layout of the `pachyderm-proxy` pod in the cluster.
    pub fn kubernetes(values: &Values) -> Self {
        Self {
            listen_address: "0.0.0.0".into(),
            admin_address: "127.0.0.1".into(),
            admin_port: ADMIN_PORT,
            probe_port: PROBE_PORT,
            http_port: HTTP_PORT,
            https_port: HTTPS_PORT,
            direct_ports: Backend::ALL
                .iter()
                .map(|b| (*b, b.direct_container_port()))
                .collect(),
            upstreams: Backend::ALL
                .iter()
                .map(|b| {
                    let upstream = Upstream {
                        host: b.service().to_owned(),
                        port: b.port(values),
                    };
                    (*b, upstream)
                })
                .collect(),
            config_dir: CONFIG_DIR.into(),
            tls_dir: TLS_DIR.into(),
        }
    }

    /// Path of the SDS file inside the config directory.
    pub fn sds_path(&self) -> String {
        format!("{}/sds.yaml", self.config_dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog;
    use crate::platform::{STACK, typed_values};
    use crate::values::Node;

    #[test]
    fn kubernetes_layout_uses_the_backend_services() {
        let stack = catalog::builtin_stack(STACK).unwrap();
        let values = typed_values(&stack, &Node::empty_map()).unwrap();
        let layout = Layout::kubernetes(&values);
        assert_eq!(
            layout.upstreams[&Backend::PachdGrpc],
            Upstream {
                host: "pachd-proxy-backend".into(),
                port: 1650
            }
        );
        assert_eq!(layout.upstreams[&Backend::Console].port, 4000);
        assert_eq!(layout.direct_ports.len(), Backend::ALL.len());
        assert_eq!(layout.sds_path(), "/etc/envoy/sds.yaml");
    }

    #[test]
    fn direct_port_names_are_unique() {
        let mut names: Vec<_> = Backend::ALL.iter().map(|b| b.direct_port_name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Backend::ALL.len());
    }
}
