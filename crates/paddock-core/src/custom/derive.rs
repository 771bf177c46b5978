//! Values computed from the config for the templates (`derived.*`): image references with
//! the registry applied, and pachd's memory request including its block cache.

use serde::Serialize;

use super::model::Config;
use super::resources::add_quantities;
use crate::diagnostic::Diagnostic;

/// Full image references, registry applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Images {
    /// pachd (and the workers' sidecar).
    pub pachd: String,
    /// Pipeline workers.
    pub worker: String,
    /// etcd.
    pub etcd: String,
    /// dash.
    pub dash: String,
    /// dash's gRPC-web proxy.
    pub grpc_proxy: String,
}

/// Everything templates read as `derived.*`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Derived {
    /// Image references.
    pub images: Images,
    /// pachd's memory request: `pachd.resources.memory` + `pachd.blockCacheSize`.
    pub pachd_memory: String,
}

/// Computes the derived values; fails only on quantities the checks would have rejected.
pub fn derive(config: &Config) -> Result<Derived, Diagnostic> {
    let registry = config.images.registry.trim();
    let image = |name: &str| with_registry(registry, name);
    let pachd = &config.pachd;
    let pachd_memory =
        add_quantities(&pachd.resources.memory, &pachd.block_cache_size).map_err(|why| {
            Diagnostic::bad_input(format!("is not a Kubernetes quantity: {why}"))
                .at_path("--pachd-memory-request")
        })?;
    Ok(Derived {
        images: Images {
            pachd: image(&pachd.image),
            worker: image(&pachd.worker_image),
            etcd: image(&config.etcd.image),
            dash: image(&config.dash.image),
            grpc_proxy: image(&config.dash.grpc_proxy_image),
        },
        pachd_memory,
    })
}

/// Moves `image` to `registry`: a leading registry host (`quay.io/coreos/etcd`) is replaced,
/// a Docker Hub name (`pachyderm/pachd`) is prefixed. An empty registry changes nothing.
pub fn with_registry(registry: &str, image: &str) -> String {
    let registry = registry.trim_end_matches('/');
    if registry.is_empty() {
        return image.to_owned();
    }
    let parts: Vec<&str> = image.split('/').collect();
    let path = if parts.len() == 3 {
        &parts[1..]
    } else {
        &parts[..]
    };
    format!("{registry}/{}", path.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::custom::default_config;

    #[test]
    fn registry_replaces_or_prefixes() {
        assert_eq!(
            with_registry("", "pachyderm/pachd:1.9.12"),
            "pachyderm/pachd:1.9.12"
        );
        assert_eq!(
            with_registry("reg.local:5000", "pachyderm/pachd:1.9.12"),
            "reg.local:5000/pachyderm/pachd:1.9.12"
        );
        assert_eq!(
            with_registry("reg.local/", "quay.io/coreos/etcd:v3.3.5"),
            "reg.local/coreos/etcd:v3.3.5"
        );
    }

    #[test]
    fn pachd_memory_includes_the_block_cache() {
        let mut config = default_config().unwrap();
        assert_eq!(derive(&config).unwrap().pachd_memory, "3G");
        config.pachd.resources.memory = "4Gi".into();
        config.pachd.block_cache_size = "1Gi".into();
        let d = derive(&config).unwrap();
        assert_eq!(d.pachd_memory, "5Gi");
        assert_eq!(d.images.etcd, "quay.io/coreos/etcd:v3.3.5");
    }
}
