//! Checks that need more than types: what each deploy target requires, values that must agree
//! with each other, and keys that have no effect (warnings).

use super::model::{DeployTarget, ServiceType, StorageBackend, Values};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::quantity::parse_quantity;
use crate::values::{Node, Origin, Scalar, Value};

/// The object-store backend the values select.
pub fn effective_backend(v: &Values) -> StorageBackend {
    match v.pachd.storage.backend {
        StorageBackend::FromTarget => match v.deploy_target {
            DeployTarget::Local => StorageBackend::Local,
            DeployTarget::Amazon | DeployTarget::Custom => StorageBackend::Amazon,
            DeployTarget::Google => StorageBackend::Google,
            DeployTarget::Microsoft => StorageBackend::Microsoft,
            DeployTarget::Minio => StorageBackend::Minio,
        },
        explicit => explicit,
    }
}

/// The deploy target as written in values (`AMAZON`).
pub fn target_name(target: DeployTarget) -> String {
    format!("{target:?}").to_uppercase()
}

struct Checker<'a> {
    user: &'a Node,
    /// Why the values [`Checker::require`] asks for are needed (`with deployTarget AMAZON`).
    required_for: String,
    /// The key that made them needed, where a message points when the value was never set.
    required_by: String,
    problems: Vec<Diagnostic>,
    warnings: Vec<String>,
}

impl Checker<'_> {
    fn origin(&self, path: &str) -> Option<Origin> {
        self.user
            .get_path(path)
            .and_then(|e| e.node.origin.clone().or_else(|| e.key_origin.clone()))
    }

    fn fail(&mut self, path: &str, message: impl Into<String>, help: impl Into<String>) {
        let d = Diagnostic::bad_input(message)
            .at_path(path)
            .with_origin(self.origin(path))
            .with_help(help);
        self.problems.push(d);
    }

    /// Fails when `value` is empty; points at the key if the user set it (to ""), otherwise at
    /// what made it required ([`Checker::required_by`]).
    fn require(&mut self, path: &str, value: &str, why: &str) {
        if value.trim().is_empty() {
            let origin = self
                .origin(path)
                .or_else(|| self.origin(&self.required_by))
                .or_else(|| self.origin("deployTarget"));
            let d = Diagnostic::bad_input(format!("is required {}", self.required_for))
                .at_path(path)
                .with_origin(origin)
                .with_help(format!(
                    "{why}; set it in a values file or with --set {path}=..."
                ));
            self.problems.push(d);
        }
    }

    /// Warns about every leaf the user set under `path` when `active` is false.
    fn warn_unused(&mut self, path: &str, active: bool, because: &str) {
        if active {
            return;
        }
        if let Some(entry) = self.user.get_path(path) {
            let mut leaves = Vec::new();
            collect_set_leaves(&entry.node, path, &mut leaves);
            for (leaf, origin) in leaves {
                let at = origin.map(|o| format!(" ({o})")).unwrap_or_default();
                self.warnings
                    .push(format!("{leaf} has no effect: {because}{at}"));
            }
        }
    }

    fn quantity(&mut self, path: &str, text: &str) {
        if let Err(why) = parse_quantity(text) {
            self.fail(
                path,
                format!("is not a Kubernetes quantity: {why}"),
                "e.g. 10Gi, 500Mi, 1.5G",
            );
        }
    }

    fn port(&mut self, path: &str, port: i64) {
        if !(1..=65535).contains(&port) {
            self.fail(
                path,
                format!("port {port} is out of range"),
                "ports are 1-65535",
            );
        }
    }
}

/// Leaves under `node` that hold a non-empty value, with their origins.
fn collect_set_leaves(node: &Node, path: &str, out: &mut Vec<(String, Option<Origin>)>) {
    match &node.value {
        Value::Map(map) => {
            for (k, e) in map {
                collect_set_leaves(&e.node, &format!("{path}.{k}"), out);
            }
        }
        Value::Scalar(Scalar::Null) => {}
        Value::Scalar(Scalar::String(s)) if s.is_empty() => {}
        Value::Seq(items) if items.is_empty() => {}
        _ => out.push((path.to_owned(), node.origin.clone())),
    }
}

/// Runs every check; returns warnings, or all the problems found.
pub fn check(v: &Values, user: &Node) -> Result<Vec<String>, Diagnostics> {
    let mut c = Checker {
        user,
        required_for: format!("with deployTarget {}", target_name(v.deploy_target)),
        required_by: "deployTarget".to_owned(),
        problems: Vec::new(),
        warnings: Vec::new(),
    };
    check_storage(&mut c, v);
    check_networking(&mut c, v);
    check_proxy(&mut c, v);
    check_database(&mut c, v);
    check_auth(&mut c, v);
    check_sizes(&mut c, v);
    if c.problems.is_empty() {
        Ok(c.warnings)
    } else {
        Err(Diagnostics(c.problems))
    }
}

fn check_storage(c: &mut Checker, v: &Values) {
    let backend = effective_backend(v);
    let s = &v.pachd.storage;
    let target = target_name(v.deploy_target);
    let because = |what: &str| format!("the object store is {what} (deployTarget {target})");
    if c.user.get_path("pachd.storage.backend").is_some() && s.backend != StorageBackend::FromTarget
    {
        let name = serde_json::to_value(s.backend).unwrap_or_default();
        c.required_for = format!(
            "with pachd.storage.backend {}",
            name.as_str().unwrap_or_default()
        );
        c.required_by = "pachd.storage.backend".to_owned();
    }
    match backend {
        StorageBackend::Amazon => {
            c.require(
                "pachd.storage.amazon.bucket",
                &s.amazon.bucket,
                "the S3 bucket pachd stores data in",
            );
            if v.deploy_target == DeployTarget::Custom {
                c.require(
                    "pachd.storage.amazon.customEndpoint",
                    &s.amazon.custom_endpoint,
                    "deployTarget CUSTOM talks to an S3 API at this endpoint",
                );
            } else {
                c.require(
                    "pachd.storage.amazon.region",
                    &s.amazon.region,
                    "S3 needs the bucket's region",
                );
            }
            if s.amazon.id.is_empty() != s.amazon.secret.is_empty() {
                let (missing, given) = if s.amazon.id.is_empty() {
                    ("id", "secret")
                } else {
                    ("secret", "id")
                };
                let given_path = format!("pachd.storage.amazon.{given}");
                let d = Diagnostic::bad_input(format!("is required when {given_path} is set"))
                    .at_path(format!("pachd.storage.amazon.{missing}"))
                    .with_origin(c.origin(&given_path))
                    .with_help("give both id and secret, or neither to use the node's IAM role");
                c.problems.push(d);
            }
        }
        StorageBackend::Google => {
            c.require(
                "pachd.storage.google.bucket",
                &s.google.bucket,
                "the Cloud Storage bucket pachd stores data in",
            );
            if !s.google.cred.trim().is_empty()
                && serde_json::from_str::<serde_json::Value>(&s.google.cred).is_err()
            {
                c.fail(
                    "pachd.storage.google.cred",
                    "is not a JSON service-account key",
                    "pass the key file with --set-file pachd.storage.google.cred=key.json",
                );
            }
        }
        StorageBackend::Microsoft => {
            c.require(
                "pachd.storage.microsoft.container",
                &s.microsoft.container,
                "the Blob Storage container pachd stores data in",
            );
            c.require(
                "pachd.storage.microsoft.id",
                &s.microsoft.id,
                "the storage account name",
            );
            c.require(
                "pachd.storage.microsoft.secret",
                &s.microsoft.secret,
                "the storage account key",
            );
        }
        StorageBackend::Minio => {
            c.require(
                "pachd.storage.minio.bucket",
                &s.minio.bucket,
                "the bucket pachd stores data in",
            );
            c.require(
                "pachd.storage.minio.endpoint",
                &s.minio.endpoint,
                "the S3-compatible server's host:port",
            );
            c.require("pachd.storage.minio.id", &s.minio.id, "the access key id");
            c.require(
                "pachd.storage.minio.secret",
                &s.minio.secret,
                "the secret access key",
            );
            if s.minio.endpoint.contains("://") {
                c.fail(
                    "pachd.storage.minio.endpoint",
                    "must be host:port without a scheme",
                    "use pachd.storage.minio.secure for https",
                );
            }
            if !["", "true", "false"].contains(&s.minio.secure.as_str()) {
                c.fail(
                    "pachd.storage.minio.secure",
                    format!("invalid value {:?}", s.minio.secure),
                    "\"true\" for https, \"false\" for http",
                );
            }
            if !["", "0", "1"].contains(&s.minio.signature.as_str()) {
                c.fail(
                    "pachd.storage.minio.signature",
                    format!("invalid value {:?}", s.minio.signature),
                    "\"1\" for S3 v2 signatures, empty for v4",
                );
            }
        }
        StorageBackend::Local | StorageBackend::FromTarget => {}
    }
    let url = s.storage_url.trim();
    if !url.is_empty() {
        let schemes: &[&str] = match backend {
            StorageBackend::Amazon | StorageBackend::Minio => &["s3://"],
            StorageBackend::Google => &["gs://"],
            StorageBackend::Microsoft => &["azblob://", "wasb://"],
            _ => &[],
        };
        if !schemes.is_empty() && !schemes.iter().any(|p| url.starts_with(p)) {
            c.fail(
                "pachd.storage.storageURL",
                format!("{url:?} does not match the {target} object store"),
                format!(
                    "use a {} URL, or leave it empty to derive it from the bucket",
                    schemes.join(" or ")
                ),
            );
        }
    }
    c.warn_unused(
        "pachd.storage.amazon",
        backend == StorageBackend::Amazon,
        &because("not S3"),
    );
    c.warn_unused(
        "pachd.storage.google",
        backend == StorageBackend::Google,
        &because("not Cloud Storage"),
    );
    c.warn_unused(
        "pachd.storage.microsoft",
        backend == StorageBackend::Microsoft,
        &because("not Blob Storage"),
    );
    c.warn_unused(
        "pachd.storage.minio",
        backend == StorageBackend::Minio,
        &because("not MinIO"),
    );
    c.warn_unused(
        "pachd.storage.local",
        backend == StorageBackend::Local,
        &because("not a host path"),
    );
}

fn check_networking(c: &mut Checker, v: &Values) {
    let ingress = &v.ingress;
    c.required_for = "when ingress.enabled is true".to_owned();
    c.required_by = "ingress.enabled".to_owned();
    if ingress.enabled {
        c.require(
            "ingress.host",
            &ingress.host,
            "the Ingress routes this host name",
        );
        if ingress.tls.enabled
            && ingress.tls.secret_name.is_empty()
            && !ingress.tls.new_secret.create
        {
            c.fail(
                "ingress.tls.secretName",
                "is required when ingress.tls.enabled is true",
                "name an existing kubernetes.io/tls secret, or set ingress.tls.newSecret.create with crt and key",
            );
        }
    }
    c.required_for = "when ingress.tls.newSecret.create is true".to_owned();
    c.required_by = "ingress.tls.newSecret.create".to_owned();
    if ingress.tls.new_secret.create {
        c.require(
            "ingress.tls.newSecret.crt",
            &ingress.tls.new_secret.crt,
            "the certificate (PEM) to create the secret from",
        );
        c.require(
            "ingress.tls.newSecret.key",
            &ingress.tls.new_secret.key,
            "the private key (PEM) to create the secret from",
        );
    }
    c.warn_unused(
        "ingress",
        ingress.enabled || !ingress.tls.new_secret.create,
        "ingress.enabled is false",
    );

    let ext = &v.pachd.external_service;
    c.port("pachd.externalService.apiGRPCPort", ext.api_grpc_port);
    c.port("pachd.externalService.s3GatewayPort", ext.s3_gateway_port);
    if ext.enabled && ext.api_grpc_port == ext.s3_gateway_port {
        c.fail(
            "pachd.externalService.s3GatewayPort",
            "uses the same port as apiGRPCPort",
            "give the two ports different numbers",
        );
    }
    if !ext.enabled {
        for key in [
            "loadBalancerIP",
            "annotations",
            "apiGRPCPort",
            "s3GatewayPort",
        ] {
            c.warn_unused(
                &format!("pachd.externalService.{key}"),
                false,
                "pachd.externalService.enabled is false",
            );
        }
    }
    let svc = &v.pachd.service;
    for (key, port) in [
        ("apiGRPCPort", svc.api_grpc_port),
        ("prometheusPort", svc.prometheus_port),
        ("oidcPort", svc.oidc_port),
        ("identityPort", svc.identity_port),
        ("s3GatewayPort", svc.s3_gateway_port),
    ] {
        let path = format!("pachd.service.{key}");
        c.port(&path, port);
        if svc.r#type == ServiceType::NodePort && !(30000..=32767).contains(&port) {
            c.fail(
                &path,
                format!("node port {port} is outside the default range 30000-32767"),
                "pachd.service.type NodePort exposes each port as the node port",
            );
        }
    }

    let proxy = &v.proxy;
    c.port("proxy.service.httpPort", proxy.service.http_port);
    c.port("proxy.service.httpsPort", proxy.service.https_port);
    if proxy.tls.enabled && proxy.tls.secret_name.is_empty() {
        c.fail(
            "proxy.tls.secretName",
            "is required when proxy.tls.enabled is true",
            "name the kubernetes.io/tls secret to serve (with proxy.tls.secret.cert/key paddock creates it)",
        );
    }
    let inline = &proxy.tls.secret;
    if inline.cert.is_empty() != inline.key.is_empty() {
        c.fail(
            "proxy.tls.secret",
            "cert and key must be given together",
            "--set-file proxy.tls.secret.cert=tls.crt --set-file proxy.tls.secret.key=tls.key",
        );
    }
    if proxy.service.r#type == ServiceType::NodePort {
        for (key, port) in [
            ("httpNodePort", proxy.service.http_node_port),
            ("httpsNodePort", proxy.service.https_node_port),
        ] {
            if !(30000..=32767).contains(&port) {
                c.fail(
                    &format!("proxy.service.{key}"),
                    format!("node port {port} is outside 30000-32767"),
                    "pick a port in the cluster's node-port range",
                );
            }
        }
    }
    c.warn_unused("proxy.service", proxy.enabled, "proxy.enabled is false");
    c.warn_unused("proxy.tls", proxy.enabled, "proxy.enabled is false");
    c.warn_unused("proxy.host", proxy.enabled, "proxy.enabled is false");
    c.warn_unused(
        "console.config",
        v.console.enabled,
        "console.enabled is false",
    );
    c.warn_unused(
        "console.image",
        v.console.enabled,
        "console.enabled is false",
    );
}

fn check_auth(c: &mut Checker, v: &Values) {
    let p = &v.pachd;
    if !["", "true", "false"].contains(&p.localhost_issuer.as_str()) {
        c.fail(
            "pachd.localhostIssuer",
            format!("invalid value {:?}", p.localhost_issuer),
            "\"true\", \"false\" or empty to derive it",
        );
    }
    if v.proxy.enabled
        && !v.oidc.issuer_uri.is_empty()
        && !v.oidc.issuer_uri.trim_end_matches('/').ends_with("/dex")
    {
        c.fail(
            "oidc.issuerURI",
            "must end in /dex when the proxy is enabled",
            "the proxy routes /dex to pachd's identity server",
        );
    }
    if p.tls.enabled && p.tls.secret_name.is_empty() {
        c.fail(
            "pachd.tls.secretName",
            "is required when pachd.tls.enabled is true",
            "name the kubernetes.io/tls secret pachd serves",
        );
    }
    if p.activate_enterprise_member {
        if p.enterprise_server_address.is_empty() {
            c.fail(
                "pachd.enterpriseServerAddress",
                "is required when pachd.activateEnterpriseMember is true",
                "the address of the enterprise server this cluster registers with",
            );
        }
        if p.enterprise_server_token.is_empty() && p.enterprise_server_token_secret_name.is_empty()
        {
            c.fail(
                "pachd.enterpriseServerToken",
                "is required when pachd.activateEnterpriseMember is true",
                "set the token or pachd.enterpriseServerTokenSecretName",
            );
        }
    }
    let host_path = &p.storage.local.host_path;
    if !host_path.is_empty() && (!host_path.starts_with('/') || !host_path.ends_with('/')) {
        c.fail(
            "pachd.storage.local.hostPath",
            format!("{host_path:?} must be an absolute directory ending in /"),
            "e.g. /var/pachyderm/",
        );
    }
}

fn check_database(c: &mut Checker, v: &Values) {
    let pg = &v.global.postgresql;
    if !v.postgresql.enabled {
        if pg.postgresql_host.trim().is_empty() || pg.postgresql_host == "postgres" {
            let origin = c
                .origin("global.postgresql.postgresqlHost")
                .or_else(|| c.origin("postgresql.enabled"));
            c.problems.push(
                Diagnostic::bad_input(
                    "must name your database server when postgresql.enabled is false",
                )
                .at_path("global.postgresql.postgresqlHost")
                .with_origin(origin)
                .with_help("the embedded postgres is off, so pachd connects to this host"),
            );
        }
        c.warn_unused(
            "postgresql.persistence",
            false,
            "postgresql.enabled is false",
        );
    }
    match pg.postgresql_port.parse::<i64>() {
        Ok(port) => c.port("global.postgresql.postgresqlPort", port),
        Err(_) => c.fail(
            "global.postgresql.postgresqlPort",
            format!("{:?} is not a port number", pg.postgresql_port),
            "e.g. \"5432\"",
        ),
    }
    let modes = [
        "disable",
        "allow",
        "prefer",
        "require",
        "verify-ca",
        "verify-full",
    ];
    if !modes.contains(&pg.postgresql_ssl.as_str()) {
        c.fail(
            "global.postgresql.postgresqlSSL",
            format!("invalid value {:?}", pg.postgresql_ssl),
            format!("one of: {}", modes.join(", ")),
        );
    }
}

fn check_sizes(c: &mut Checker, v: &Values) {
    // Optional pipeline and sidecar defaults: empty means "leave it to pachd".
    let p = &v.pachd;
    for (path, text) in [
        (
            "pachd.defaultPipelineCPURequest",
            &p.default_pipeline_cpu_request,
        ),
        (
            "pachd.defaultPipelineMemoryRequest",
            &p.default_pipeline_memory_request,
        ),
        (
            "pachd.defaultPipelineStorageRequest",
            &p.default_pipeline_storage_request,
        ),
        (
            "pachd.defaultSidecarCPURequest",
            &p.default_sidecar_cpu_request,
        ),
        (
            "pachd.defaultSidecarMemoryRequest",
            &p.default_sidecar_memory_request,
        ),
        (
            "pachd.defaultSidecarStorageRequest",
            &p.default_sidecar_storage_request,
        ),
    ] {
        if !text.is_empty() {
            c.quantity(path, text);
        }
    }
    c.quantity("etcd.storageSize", &v.etcd.storage_size);
    c.quantity(
        "postgresql.persistence.size",
        &v.postgresql.persistence.size,
    );
    if v.etcd.dynamic_nodes < 1 {
        c.fail(
            "etcd.dynamicNodes",
            format!("{} etcd members cannot hold a quorum", v.etcd.dynamic_nodes),
            "use 1 (or 3, 5 for high availability)",
        );
    } else if v.etcd.dynamic_nodes % 2 == 0 {
        c.warnings.push(format!(
            "etcd.dynamicNodes is {}: an even member count tolerates no more failures than {}",
            v.etcd.dynamic_nodes,
            v.etcd.dynamic_nodes - 1
        ));
    }
    if v.pachd.replicas < 1 {
        c.fail(
            "pachd.replicas",
            "must be at least 1",
            "pachd serves the API",
        );
    }
    if v.pachw.min_replicas < 0 || v.pachw.max_replicas < v.pachw.min_replicas {
        c.fail(
            "pachw.maxReplicas",
            format!(
                "{}..{} is not a valid range",
                v.pachw.min_replicas, v.pachw.max_replicas
            ),
            "0 <= minReplicas <= maxReplicas",
        );
    }
    for (path, resources) in [
        ("pachd.resources", &v.pachd.resources),
        ("console.resources", &v.console.resources),
        ("etcd.resources", &v.etcd.resources),
        ("pgbouncer.resources", &v.pgbouncer.resources),
        ("postgresql.resources", &v.postgresql.resources),
        ("proxy.resources", &v.proxy.resources),
        ("pachw.resources", &v.pachw.resources),
    ] {
        check_resources(c, path, resources);
    }
}

fn check_resources(
    c: &mut Checker,
    path: &str,
    resources: &serde_json::Map<String, serde_json::Value>,
) {
    for (section, amounts) in resources {
        let here = format!("{path}.{section}");
        if !["requests", "limits", "claims"].contains(&section.as_str()) {
            c.fail(
                &here,
                format!("unknown key `{section}`"),
                "resources take requests and limits",
            );
            continue;
        }
        let Some(map) = amounts.as_object() else {
            continue;
        };
        for (resource, amount) in map {
            let text = match amount {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) => n.to_string(),
                other => {
                    c.fail(
                        &format!("{here}.{resource}"),
                        format!("expected a quantity, got {other}"),
                        "e.g. 500m or 1Gi",
                    );
                    continue;
                }
            };
            let key = format!("{here}.{resource}");
            if let Some(why) = crate::quantity::unit_surprise(resource, &text) {
                let at = c
                    .origin(&key)
                    .map(|o| format!(" ({o})"))
                    .unwrap_or_default();
                c.warnings.push(format!("{key}: {why}{at}"));
            }
            c.quantity(&key, &text);
        }
    }
}

/// The one-port proxy's combinations: legacy ports, node ports, TLS, the host name.
fn check_proxy(c: &mut Checker, v: &Values) {
    use crate::envoy::Backend;
    let proxy = &v.proxy;
    if !proxy.enabled {
        return;
    }
    if proxy.image.tag.trim().is_empty() {
        // Other images fall back to the chart's version; Envoy's tags are its own.
        c.fail(
            "proxy.image.tag",
            "must not be empty",
            "Envoy's image tags are Envoy versions, e.g. v1.40.0",
        );
    }
    let svc = &proxy.service;
    let node = svc.r#type == ServiceType::NodePort;
    let tls = proxy.tls.enabled;
    if !node {
        for path in ["proxy.service.httpNodePort", "proxy.service.httpsNodePort"] {
            if c.user.get_path(path).is_some() {
                c.warnings.push(format!(
                    "{path} has no effect: proxy.service.type is not NodePort{}",
                    c.origin(path)
                        .map(|o| format!(" ({o})"))
                        .unwrap_or_default()
                ));
            }
        }
    }
    let mut ports = vec![("proxy.service.httpPort".to_owned(), svc.http_port)];
    let mut node_ports = vec![("proxy.service.httpNodePort".to_owned(), svc.http_node_port)];
    if tls {
        ports.push(("proxy.service.httpsPort".into(), svc.https_port));
        node_ports.push(("proxy.service.httpsNodePort".into(), svc.https_node_port));
    }
    for backend in Backend::ALL {
        let (Some(key), port) = (backend.legacy_key(), backend.legacy_port(v)) else {
            continue;
        };
        let path = format!("proxy.service.legacyPorts.{key}");
        if port == 0 {
            continue;
        }
        if !(1..=65535).contains(&port) {
            c.fail(
                &path,
                format!("port {port} is out of range"),
                "ports are 1-65535; 0 turns it off",
            );
            continue;
        }
        if tls {
            c.fail(
                &path,
                "cannot be served with proxy.tls.enabled",
                "a legacy port is cleartext; set it to 0, or turn proxy.tls off",
            );
        }
        if backend == Backend::Console && !v.console.enabled {
            c.warnings
                .push(format!("{path} has no effect: console.enabled is false"));
        }
        if node && !(30000..=32767).contains(&port) {
            c.fail(
                &path,
                format!("node port {port} is outside 30000-32767"),
                "with proxy.service.type NodePort a legacy port is also its node port",
            );
        }
        ports.push((path.clone(), port));
        node_ports.push((path, port));
    }
    let mut duplicates = |list: &[(String, i64)], what: &str| {
        for (i, (path, port)) in list.iter().enumerate() {
            if let Some((other, _)) = list[..i].iter().find(|(_, p)| p == port) {
                c.fail(
                    path,
                    format!("{what} {port} is also {other}"),
                    "every port of the pachyderm-proxy Service needs its own number",
                );
            }
        }
    };
    duplicates(&ports, "port");
    if node {
        duplicates(&node_ports, "node port");
    }
    match svc.external_traffic_policy.as_str() {
        "" => {}
        "Cluster" | "Local" if svc.r#type != ServiceType::ClusterIP => {}
        "Cluster" | "Local" => c.fail(
            "proxy.service.externalTrafficPolicy",
            "needs proxy.service.type NodePort or LoadBalancer",
            "a ClusterIP Service has no external traffic",
        ),
        other => c.fail(
            "proxy.service.externalTrafficPolicy",
            format!("invalid value {other:?}"),
            "\"Cluster\", \"Local\" or empty",
        ),
    }
    if !svc.load_balancer_ip.is_empty() && svc.r#type != ServiceType::LoadBalancer {
        c.warn_unused(
            "proxy.service.loadBalancerIP",
            false,
            "proxy.service.type is not LoadBalancer",
        );
    }
    if proxy.replicas < 0 {
        c.fail(
            "proxy.replicas",
            "must not be negative",
            "1 is plenty; each replica takes 50,000 connections",
        );
    }
    let host = proxy.host.trim();
    if host.contains("://") || host.contains('/') || host.contains(char::is_whitespace) {
        c.fail(
            "proxy.host",
            format!("{host:?} is not a host name"),
            "the external host name, with :port when not the standard one (e.g. pachyderm.example.com)",
        );
    }
    if tls && v.ingress.enabled {
        c.fail(
            "proxy.tls.enabled",
            "cannot be combined with ingress.enabled",
            "the Ingress sends plain HTTP to the proxy, which would redirect it to https forever; \
             terminate TLS at the Ingress (ingress.tls) and leave proxy.tls off, or drop the Ingress",
        );
    }
    let inline = &proxy.tls.secret;
    if !inline.cert.is_empty() && !tls {
        c.warn_unused("proxy.tls.secret", false, "proxy.tls.enabled is false");
    }
    if !inline.cert.is_empty() && !inline.cert.contains("-----BEGIN CERTIFICATE-----") {
        c.fail(
            "proxy.tls.secret.cert",
            "is not a PEM certificate",
            "pass the file with --set-file proxy.tls.secret.cert=tls.crt",
        );
    }
    let pem_key = inline.key.contains("-----BEGIN") && inline.key.contains("PRIVATE KEY-----");
    if !inline.key.is_empty() && !pem_key {
        c.fail(
            "proxy.tls.secret.key",
            "is not a PEM private key",
            "pass the file with --set-file proxy.tls.secret.key=tls.key",
        );
    }
}

#[cfg(test)]
mod proxy_tests {
    use super::*;
    use crate::catalog;
    use crate::platform::{STACK, typed_values};
    use crate::values::parse_values;

    fn problems(yaml: &str) -> Result<Vec<String>, Vec<(String, String)>> {
        let stack = catalog::builtin_stack(STACK).unwrap();
        let user = parse_values(yaml, "v.yaml").unwrap();
        let v = typed_values(&stack, &user).unwrap();
        check(&v, &user).map_err(|d| {
            d.0.into_iter()
                .map(|d| (d.key_path.unwrap_or_default(), d.message))
                .collect()
        })
    }

    fn fails_at(yaml: &str, path: &str) -> String {
        let errors = problems(yaml).expect_err(yaml);
        errors
            .into_iter()
            .find(|(p, _)| p == path)
            .unwrap_or_else(|| panic!("no problem at {path} for {yaml}"))
            .1
    }

    #[test]
    fn legacy_ports_are_cleartext_only() {
        let msg = fails_at(
            "proxy: {tls: {enabled: true, secretName: s}, service: {legacyPorts: {grpc: 30650}}}",
            "proxy.service.legacyPorts.grpc",
        );
        assert!(msg.contains("proxy.tls.enabled"), "{msg}");
        assert!(
            problems("proxy: {service: {legacyPorts: {grpc: 30650, s3Gateway: 30600}}}").is_ok()
        );
    }

    #[test]
    fn ports_of_the_service_are_distinct() {
        let msg = fails_at(
            "proxy: {service: {legacyPorts: {grpc: 80}}}",
            "proxy.service.legacyPorts.grpc",
        );
        assert!(msg.contains("proxy.service.httpPort"), "{msg}");
        // The chart's own warning: console's legacy 30080 is the default http node port.
        let msg = fails_at(
            "proxy: {service: {type: NodePort, legacyPorts: {console: 30080}}}",
            "proxy.service.legacyPorts.console",
        );
        assert!(msg.contains("httpNodePort"), "{msg}");
        fails_at(
            "proxy: {service: {type: NodePort, legacyPorts: {grpc: 1650}}}",
            "proxy.service.legacyPorts.grpc",
        );
    }

    #[test]
    fn impossible_combinations_are_named() {
        fails_at("proxy: {tls: {enabled: true}}", "proxy.tls.secretName");
        fails_at(
            "ingress: {enabled: true, host: h}\nproxy: {tls: {enabled: true, secretName: s}}",
            "proxy.tls.enabled",
        );
        fails_at(
            "proxy: {service: {externalTrafficPolicy: Local}}",
            "proxy.service.externalTrafficPolicy",
        );
        fails_at("proxy: {host: 'https://x.example.com'}", "proxy.host");
        assert!(
            problems("proxy: {service: {type: LoadBalancer, externalTrafficPolicy: Local}}")
                .is_ok()
        );
    }

    #[test]
    fn inline_certificates_are_checked_without_echoing_them() {
        let yaml = "proxy: {tls: {enabled: true, secretName: s, secret: {cert: NOTPEM-SECRET, key: ALSO-SECRET}}}";
        let errors = problems(yaml).unwrap_err();
        assert!(errors.iter().any(|(p, _)| p == "proxy.tls.secret.cert"));
        assert!(errors.iter().any(|(p, _)| p == "proxy.tls.secret.key"));
        assert!(errors.iter().all(|(_, m)| !m.contains("SECRET")));
        let warnings = problems(
            "proxy: {tls: {secret: {cert: \"-----BEGIN CERTIFICATE-----\", key: \"-----BEGIN PRIVATE KEY-----\"}}}",
        )
        .unwrap();
        assert!(
            warnings.iter().any(|w| w.contains("proxy.tls.secret")),
            "{warnings:?}"
        );
    }
}

#[cfg(test)]
mod required_tests {
    use super::*;
    use crate::catalog;
    use crate::platform::{STACK, typed_values};
    use crate::values::parse_values;

    /// (key path, message, location) of every problem of `yaml`.
    fn problems(yaml: &str) -> Vec<(String, String, String)> {
        let stack = catalog::builtin_stack(STACK).unwrap();
        let user = parse_values(yaml, "v.yaml").unwrap();
        let v = typed_values(&stack, &user).unwrap();
        check(&v, &user)
            .expect_err(yaml)
            .0
            .into_iter()
            .map(|d| {
                (
                    d.key_path.unwrap_or_default(),
                    d.message,
                    d.origin.map(|o| o.to_string()).unwrap_or_default(),
                )
            })
            .collect()
    }

    #[test]
    fn a_required_value_names_and_points_at_what_required_it() {
        let minio = problems("pachd:\n  storage:\n    backend: MINIO\n");
        assert_eq!(
            minio[0],
            (
                "pachd.storage.minio.bucket".to_owned(),
                "is required with pachd.storage.backend MINIO".to_owned(),
                "v.yaml:3:14".to_owned()
            )
        );
        let ingress = problems("ingress:\n  enabled: true\n");
        assert_eq!(ingress[0].0, "ingress.host");
        assert_eq!(ingress[0].1, "is required when ingress.enabled is true");
        assert_eq!(ingress[0].2, "v.yaml:2:12");
        let amazon = problems("deployTarget: AMAZON\n");
        assert_eq!(amazon[0].1, "is required with deployTarget AMAZON");
        assert_eq!(amazon[0].2, "v.yaml:1:15");
        let database = problems("postgresql:\n  enabled: false\n");
        assert_eq!(database[0].0, "global.postgresql.postgresqlHost");
        assert_eq!(database[0].2, "v.yaml:2:12");
    }
}
