//! `paddock context`: point pachctl at the platform through the one-port proxy, by writing a
//! context into pachctl's config file (what seed 003 does with `pachctl config set context`).

use paddock_core::pachctl_config::{self, CONFIG_ENV, Change, ContextRequest};
use paddock_core::platform::{self, checks};
use paddock_core::{Diagnostic, Diagnostics, catalog, render};

use paddock_kube::ObjectRef;
use serde_json::Value;

use super::cluster;
use super::template::{read_file, value_sources};
use crate::cli::ClusterFlags;
use crate::cli::context::ContextArgs;
use crate::report;

/// Name of the platform's one public Service.
const PROXY_SERVICE: &str = "pachyderm-proxy";

/// Whether a cluster is configured at all: `--kubeconfig`, `$KUBECONFIG`, `~/.kube/config` or
/// a pod's service account. Without one, the address must come from the flags or values.
fn kubeconfig_available(args: &ContextArgs) -> bool {
    args.kubeconfig.is_some()
        || std::env::var_os("KUBECONFIG").is_some_and(|k| !k.is_empty())
        || std::env::var_os("KUBERNETES_SERVICE_HOST").is_some()
        || std::env::var_os("HOME")
            .is_some_and(|h| std::path::Path::new(&h).join(".kube/config").is_file())
}

/// `HOST:PORT` of Service pachyderm-proxy from outside the cluster: its load balancer's IP or
/// hostname and Service port, or for type NodePort a node's address and the node port. The
/// port is the https one with `tls`, else the http one. No address (yet) is a failure (exit 1).
fn address_from_cluster(args: &ContextArgs, tls: bool) -> Result<String, Diagnostics> {
    let flags = ClusterFlags {
        namespace: args.namespace.clone(),
        kubeconfig: args.kubeconfig.clone(),
        context: args.kube_context.clone(),
        lock_timeout: std::time::Duration::ZERO,
    };
    let pass = "pass --address HOST[:PORT] to give the proxy's address yourself";
    cluster::runtime()?.block_on(async {
        let engine = cluster::engine(&flags).await?;
        let failed = |e: paddock_kube::EngineError| Diagnostics::from(e.to_diagnostic());
        let namespace = engine.namespace().to_owned();
        let reference = ObjectRef {
            api_version: "v1".into(),
            kind: "Service".into(),
            namespace: Some(namespace.clone()),
            name: PROXY_SERVICE.into(),
            service: String::new(),
        };
        let Some(service) = engine.get(&reference).await.map_err(failed)? else {
            return Err(Diagnostic::failed(format!(
                "no Service {PROXY_SERVICE} in namespace {namespace}: is the platform installed there?"
            ))
            .with_help(format!("use -n for another namespace, or {pass}"))
            .into());
        };
        let port_name = if tls { "https-port" } else { "http-port" };
        let port = service["spec"]["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["name"] == port_name)
            .cloned()
            .ok_or_else(|| {
                Diagnostic::failed(format!(
                    "Service {PROXY_SERVICE} in namespace {namespace} has no port {port_name}"
                ))
                .with_help(pass)
            })?;
        let kind = service["spec"]["type"].as_str().unwrap_or("ClusterIP");
        let (host, number) = match kind {
            "LoadBalancer" => {
                let ingress = &service["status"]["loadBalancer"]["ingress"][0];
                let host = ingress["ip"]
                    .as_str()
                    .or_else(|| ingress["hostname"].as_str())
                    .filter(|h| !h.is_empty());
                let Some(host) = host else {
                    return Err(Diagnostic::failed(format!(
                        "Service {PROXY_SERVICE} in namespace {namespace} has no external address yet: its load balancer is not provisioned"
                    ))
                    .with_help(format!(
                        "wait and run this again (kubectl get service {PROXY_SERVICE} -n {namespace} shows EXTERNAL-IP), or {pass}"
                    ))
                    .into());
                };
                (host.to_owned(), port["port"].as_u64())
            }
            "NodePort" => {
                let nodes = engine
                    .list("v1", "Node", None, "")
                    .await
                    .map_err(failed)?;
                let Some(host) = node_address(&nodes) else {
                    return Err(Diagnostic::failed(format!(
                        "Service {PROXY_SERVICE} is a NodePort, but no node reports an address"
                    ))
                    .with_help(pass)
                    .into());
                };
                (host, port["nodePort"].as_u64())
            }
            other => {
                return Err(Diagnostic::failed(format!(
                    "Service {PROXY_SERVICE} in namespace {namespace} is of type {other}: it has no external address"
                ))
                .with_help(format!(
                    "deploy with proxy.service.type LoadBalancer or NodePort, set ingress.host, or {pass}"
                ))
                .into());
            }
        };
        let Some(number) = number else {
            return Err(Diagnostic::failed(format!(
                "Service {PROXY_SERVICE} in namespace {namespace}: port {port_name} has no number yet"
            ))
            .with_help(pass)
            .into());
        };
        let host = if host.contains(':') {
            format!("[{host}]")
        } else {
            host
        };
        Ok(format!("{host}:{number}"))
    })
}

/// A node's address reachable from outside: the first ExternalIP, else ExternalDNS, else
/// InternalIP, over the nodes in order.
fn node_address(nodes: &[Value]) -> Option<String> {
    ["ExternalIP", "ExternalDNS", "InternalIP"]
        .iter()
        .find_map(|kind| {
            nodes.iter().find_map(|node| {
                node["status"]["addresses"]
                    .as_array()?
                    .iter()
                    .find(|a| a["type"] == *kind)?["address"]
                    .as_str()
                    .filter(|a| !a.is_empty())
                    .map(str::to_owned)
            })
        })
}

/// Writes (or updates) the context and reports what changed.
pub fn run(args: &ContextArgs) -> Result<(), Diagnostics> {
    let stack = catalog::builtin_stack(platform::STACK)?;
    let user = platform::user_values(&value_sources(&args.values)?, &read_file)?;
    let values = platform::typed_values(&stack, &user)?;
    report::warnings(&checks::check(&values, &user)?);
    if !values.proxy.enabled {
        return Err(
            Diagnostic::bad_input("needs the one-port proxy, but it is disabled")
                .at_path("proxy.enabled")
                .with_help(
                    "pachctl reaches pachd through the proxy; deploy with proxy.enabled: true",
                )
                .into(),
        );
    }
    if args.name.trim().is_empty() {
        return Err(Diagnostic::bad_input("the context name is empty").into());
    }
    let server_cas = match &args.server_ca {
        None => None,
        Some(path) => {
            let pem = read_file(&path.display().to_string()).map_err(|why| {
                Diagnostic::bad_input(format!("cannot read --server-ca {}: {why}", path.display()))
            })?;
            if !pem.contains("-----BEGIN CERTIFICATE-----") {
                return Err(Diagnostic::bad_input(format!(
                    "--server-ca {} holds no PEM certificate",
                    path.display()
                ))
                .into());
            }
            Some(render::base64(pem.as_bytes()))
        }
    };
    let from_values = (values.ingress.enabled && !values.ingress.host.is_empty())
        || !values.proxy.host.is_empty();
    let given = args
        .address
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty());
    let address = match given {
        None if !from_values && kubeconfig_available(args) => {
            Some(address_from_cluster(args, values.proxy.tls.enabled)?)
        }
        other => other.map(str::to_owned),
    };
    let request = ContextRequest {
        name: args.name.clone(),
        pachd_address: pachctl_config::pachd_address(&values, address.as_deref())?,
        server_cas,
        overwrite: args.overwrite,
        activate: args.activate,
    };
    let pach_config = std::env::var_os(CONFIG_ENV).map(Into::into);
    let from_env = pach_config.is_some();
    let path = pachctl_config::config_path(pach_config, std::env::var_os("HOME").map(Into::into))?;
    let existing = pachctl_config::read_config(&path)?;
    let mut uuid_error = None;
    let updated = pachctl_config::update_config(existing, &request, || {
        pachctl_config::random_uuid().unwrap_or_else(|e| {
            uuid_error = Some(e);
            String::new()
        })
    })?;
    if let Some(e) = uuid_error {
        return Err(e.into());
    }
    if updated.change != Change::Unchanged || args.activate {
        pachctl_config::write_config(&path, &updated.document, !from_env)?;
    }
    let what = match updated.change {
        Change::CreatedFile => "created",
        Change::Added => "added",
        Change::Replaced => "replaced",
        Change::Unchanged => "unchanged",
    };
    let active = if updated.active { ", active" } else { "" };
    println!(
        "pachctl context `{}` {what}: {}{active} ({})",
        request.name,
        request.pachd_address,
        path.display()
    );
    if !updated.active {
        eprintln!(
            "note: pachctl's active context is another one; use --activate or `pachctl config set active-context {}`",
            request.name
        );
    }
    Ok(())
}
